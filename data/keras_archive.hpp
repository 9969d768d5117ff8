#pragma once
// `.keras` archives (internal to data/): a zip of config.json, metadata.json and
// model.weights.h5, read with limits and written in memory (data/keras_archive.cpp).
#include <string>
#include <vector>

namespace tenet::data::keras_detail {

inline constexpr std::size_t kMaxArchiveEntries = 64;
inline constexpr std::size_t kMaxMetadataBytes = 1u << 20;

struct Archive {
  std::string config;    // config.json
  std::string metadata;  // metadata.json ("" when absent)
  std::string weights;   // model.weights.h5 copied to this temporary file ("" when absent)
};

// A temporary directory removed (with the files put in it) when this goes out of scope.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name);  // a path inside, removed with the directory

 private:
  std::string dir_;
  std::vector<std::string> files_;
};

// Reads the archive at `path` (or held in `bytes` when `in_memory`); `name` names it in errors.
// data.format: not a zip, damaged, encrypted, over kMaxArchiveEntries entries, an entry whose
// data does not match its declared size or CRC, a size beyond the limits (config.json
// kMaxJsonBytes, metadata.json kMaxMetadataBytes, model.weights.h5 the machine's memory or
// more than deflate can expand its compressed size to), config.json missing.
Archive read_archive(const std::string& path_or_bytes, bool in_memory, const std::string& name,
                     TempDir& temp);
// The zip holding the three entries, built in memory.
std::string make_archive(const std::string& config, const std::string& metadata,
                         const std::string& weights_bytes, const std::string& path);

}  // namespace tenet::data::keras_detail
