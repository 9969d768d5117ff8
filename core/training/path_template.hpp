#pragma once
// PathTemplate: a checkpoint path such as "ckpt/epoch{epoch:02d}-{val_loss:.3f}.weights.h5",
// parsed once and filled after each epoch. It accepts this subset of Python's str.format, the
// one Keras users write (docs/models.md, "Checkpoint path templates"):
//
//   text        copied as is; "{{" and "}}" stand for "{" and "}"; a NUL character is refused
//   {epoch}     the epoch, 1-based, as an integer; {epoch:d}, {epoch:3d}, {epoch:03d} pad it
//               (spaces, or zeros with a leading 0); {epoch:.2f} etc. as for log values
//   {key}       a log value (loss, accuracy, val_loss, learning_rate, ...) with %g (6
//               significant digits); key is [A-Za-z_][A-Za-z0-9_]*
//   {key:SPEC}  SPEC = [0][width][.precision]f|e|g; width <= 64, precision <= 20; the
//               precision needs a type; d is for {epoch} only (log values are reals)
//
// Anything else (another type such as s or n, fill/align/sign/#/grouping, {}, {0},
// {key.attr}, {key[0]}, {key!r}, nested fields, an unclosed "{", a single "}") raises
// options.invalid when the template is parsed. NaN and infinities print as nan, inf, -inf.
// Standard library and core/checks only, so the fuzz target builds it on its own.
#include <map>
#include <string>
#include <vector>

#include <tenet/core/base/error.hpp>

namespace tenet {

class PathTemplate {
 public:
  // Parses `pattern`. A template outside the subset raises options.invalid naming `option`
  // ("ModelCheckpoint filepath"), the template, the offending field and what is accepted.
  PathTemplate(std::string pattern, const std::string& option, const Site& where, Phase phase);

  const std::string& pattern() const { return pattern_; }
  // The log keys the fields name ({epoch} excluded), each once, in order of appearance.
  const std::vector<std::string>& log_keys() const { return keys_; }
  // Raises callback.filepath, naming the keys the logs hold, when a key of log_keys() is not in
  // `logs`.
  void check_keys(const std::map<std::string, double>& logs, const Site& where) const;
  // Fills every field from the epoch (1-based) and the logs (check_keys first).
  std::string format(int epoch, const std::map<std::string, double>& logs, const Site& where) const;

  // What the subset accepts, in one line (for messages).
  static const char* accepted();

  // One parsed piece: literal text, or a field with its format.
  struct Piece {
    std::string text;     // literal text, or the key of a field
    bool field = false;
    bool zero = false;    // leading 0: pad with zeros
    int width = 0;        // 0: none
    int precision = -1;   // -1: the type's default
    char type = 0;        // d, f, e or g
  };

 private:
  std::string pattern_;
  std::vector<Piece> pieces_;
  std::vector<std::string> keys_;
};

}  // namespace tenet
