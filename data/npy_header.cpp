// The .npy header: magic, version, length, and the dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } that NumPy writes, checked field
// by field (format: numpy.lib.format, versions 1.0, 2.0 and 3.0).
#include "data/npy_header.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>
#include <vector>

#include "data/format_error.hpp"
#include "data/hdf5_common.hpp"
#include "core/base/text_escape.hpp"

namespace tenet::data::detail {

namespace {

constexpr const char* kKind = "NumPy file";
constexpr int kMaxRank = 8;
// NumPy refuses headers over 10000 bytes unless told otherwise; tenet allows a little more.
constexpr std::size_t kMaxHeader = 65536;

[[noreturn]] void refuse(const std::string& file, const std::string& summary,
                         const std::string& expected, const std::string& actual,
                         const std::string& cause) {
  format_error(file, kKind, {summary, expected, actual, cause,
                             "write the array again with np.save (or np.savez), or convert it "
                             "to HDF5 with h5py"});
}

std::string printable_bytes(std::string_view s, std::size_t max = 40) {
  return text::shortened(s, max);
}

// A cursor over the header text: the few Python literals NumPy's header uses.
struct Literal {
  std::string_view text;
  std::size_t at = 0;
  const std::string& file;

  [[noreturn]] void fail(const std::string& what) const {
    refuse(file, "the header is not the dict NumPy writes", what,
           "\"" + printable_bytes(text.substr(std::min(at, text.size()))) + "\" at character " +
               std::to_string(at) + " of the header",
           "the header was edited, truncated or written by another program");
  }
  void spaces() {
    while (at < text.size() && text[at] == ' ') ++at;
  }
  bool take(char c) {
    spaces();
    if (at < text.size() && text[at] == c) return ++at, true;
    return false;
  }
  void expect(char c, const char* what) {
    if (!take(c)) fail(what);
  }
  std::string string() {
    spaces();
    if (at >= text.size() || (text[at] != '\'' && text[at] != '"')) fail("a quoted string");
    const char quote = text[at++];
    const std::size_t end = text.find(quote, at);
    if (end == std::string_view::npos) fail("a closing quote");
    std::string s(text.substr(at, end - at));
    if (s.find('\\') != std::string::npos) fail("a string without escapes");
    at = end + 1;
    return s;
  }
  bool boolean() {
    spaces();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}})
      if (text.substr(at, std::strlen(word)) == word) return at += std::strlen(word), value;
    fail("True or False");
  }
  std::int64_t integer() {
    spaces();
    if (at < text.size() && text[at] == '-')
      refuse(file, "the shape has a negative dimension", "dimensions >= 0",
             "\"" + printable_bytes(text.substr(at, 24)) + "\"", "the header is corrupt");
    std::int64_t v = 0;
    const std::size_t start = at;
    for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
      if (v > (INT64_MAX - 9) / 10) fail("a dimension that fits in 64 bits");
      v = v * 10 + (text[at] - '0');
    }
    if (at == start) fail("a non-negative integer");
    return v;
  }
  std::vector<std::int64_t> tuple() {
    expect('(', "a tuple such as (3, 4)");
    std::vector<std::int64_t> dims;
    bool trailing_comma = false;
    while (!take(')')) {
      if (dims.size() >= kMaxRank)
        refuse(file, "the array has too many axes", "rank 0.." + std::to_string(kMaxRank),
               "more than " + std::to_string(kMaxRank) + " dimensions",
               "tenet reads arrays of at most 8 axes");
      dims.push_back(integer());
      trailing_comma = false;
      if (take(')')) break;
      expect(',', "',' or ')' in the shape");
      trailing_comma = true;
    }
    // "(3)" is the integer 3 in Python, not a tuple: NumPy writes (3,).
    if (dims.size() == 1 && !trailing_comma) fail("a one-element tuple written (n,)");
    return dims;
  }
};

struct Descr {
  DType dtype;
  bool swap;
};

Descr parse_descr(const std::string& d, const std::string& file) {
  const char order = d.empty() ? '?' : d[0];
  const std::string kind = d.size() > 1 ? d.substr(1) : "";
  static const std::vector<std::pair<std::string, DType>> known = {
      {"f4", DType::f32}, {"f8", DType::f64}, {"u1", DType::u8}, {"b1", DType::u8},
      {"i4", DType::i32}, {"i8", DType::i64}};
  const bool one_byte = kind == "u1" || kind == "b1";
  for (const auto& [k, t] : known) {
    if (k != kind) continue;
    const bool little = order == '<' || (order == '=' && std::endian::native == std::endian::little);
    const bool big = order == '>' || (order == '=' && std::endian::native == std::endian::big);
    if (order == '|' ? one_byte : (little || big))
      return {t, !one_byte && (little != (std::endian::native == std::endian::little))};
  }
  refuse(file, "dtype '" + printable_bytes(d) + "' cannot be read",
         "float32, float64, uint8, int32, int64 or bool ('<f4', '<f8', '|u1', '<i4', '<i8', "
         "'|b1', either byte order)",
         "'" + printable_bytes(d) + "'",
         d.find('O') != std::string::npos
             ? "an object array holds pickled Python objects, which tenet never unpickles"
             : "tenet's tensors hold these five types only; convert with "
               "x.astype(np.float32) (or np.int64 for labels) before saving");
}

// NumPy refuses an array whose sizes multiply beyond its index type even when one of them is 0
// ("array is too big"), so it never writes such a header; tenet's shapes would overflow in any
// op that multiplies them (strides, a Flatten).
void check_sizes(const std::vector<std::int64_t>& dims, const std::string& file) {
  if (std::find(dims.begin(), dims.end(), 0) == dims.end()) return;  // the data size checks it
  std::int64_t product = 1;
  for (const std::int64_t d : dims)
    if (d != 0 && __builtin_mul_overflow(product, d, &product))
      refuse(file, "the shape's sizes multiply beyond 64 bits",
             "sizes whose product (zeros left out) is below 2^63, as NumPy writes",
             Shape(dims).str(),
             "the header is corrupt: NumPy cannot make such an array");
}

std::size_t header_length(const unsigned char* b, std::size_t size, const std::string& file) {
  if (size < 10 || std::memcmp(b, "\x93NUMPY", 6) != 0)
    refuse(file, "not a .npy file", "the magic string \\x93NUMPY, then a version and a header",
           size < 6 ? std::to_string(size) + " bytes" : "\"" + printable_bytes({reinterpret_cast<const char*>(b), std::min<std::size_t>(size, 8)}) + "\"",
           "the file is of another kind, or empty");
  const int major = b[6], minor = b[7];
  if (major < 1 || major > 3 || minor != 0)
    refuse(file, "unknown .npy format version", "1.0, 2.0 or 3.0",
           std::to_string(major) + "." + std::to_string(minor),
           "the file is corrupt or was written by a future NumPy");
  if (major >= 2 && size < kNpyPreamble)
    refuse(file, "the header ends early", "a 4-byte header length", std::to_string(size) + " bytes",
           "the file is truncated");
  const std::size_t len = major == 1 ? b[8] | (b[9] << 8)
                                     : std::size_t{b[8]} | (std::size_t{b[9]} << 8) |
                                           (std::size_t{b[10]} << 16) | (std::size_t{b[11]} << 24);
  const std::size_t start = major == 1 ? 10 : 12;
  if (len > kMaxHeader || start + len > size)
    refuse(file, "the header is longer than the file allows",
           "at most " + std::to_string(std::min(kMaxHeader, size - start)) + " bytes",
           std::to_string(len) + " bytes", "the file is truncated or its header length is corrupt");
  return len;
}

}  // namespace

NpyHeader parse_npy_header(const unsigned char* bytes, std::size_t size,
                           unsigned long long file_size, const std::string& file) {
  const std::size_t len = header_length(bytes, size, file);
  const std::size_t start = bytes[6] == 1 ? 10 : 12;
  std::string_view text(reinterpret_cast<const char*>(bytes) + start, len);
  if (text.empty() || text.back() != '\n')
    refuse(file, "the header does not end in a newline", "a header ending in '\\n'",
           "\"..." + printable_bytes(text.substr(text.size() > 20 ? text.size() - 20 : 0)) + "\"",
           "the file is truncated or its header length is corrupt");
  Literal lit{text.substr(0, len - 1), 0, file};
  std::optional<std::string> descr;
  std::optional<bool> fortran;
  std::optional<std::vector<std::int64_t>> dims;
  lit.expect('{', "a header starting with '{'");
  while (!lit.take('}')) {
    const std::string key = lit.string();
    lit.expect(':', "':' after a key");
    if (key == "descr" && !descr) {
      lit.spaces();
      if (lit.at < lit.text.size() && lit.text[lit.at] == '[')
        refuse(file, "a structured dtype cannot be read", "a plain dtype such as '<f4'",
               "a list of fields", "tenet reads arrays of one numeric type; save each field "
               "as its own array");
      descr = lit.string();
    } else if (key == "fortran_order" && !fortran) {
      fortran = lit.boolean();
    } else if (key == "shape" && !dims) {
      dims = lit.tuple();
    } else {
      lit.fail("the keys 'descr', 'fortran_order' and 'shape', once each (found '" +
               printable_bytes(key) + "')");
    }
    if (lit.take('}')) break;
    lit.expect(',', "',' or '}' after a value");
  }
  lit.spaces();
  if (lit.at != lit.text.size()) lit.fail("only spaces after the closing '}'");
  if (!descr || !fortran || !dims) lit.fail("all of 'descr', 'fortran_order' and 'shape'");
  const Descr d = parse_descr(*descr, file);
  check_sizes(*dims, file);
  NpyHeader h{d.dtype, d.swap, *fortran, Shape(*dims), start + len, 0};
  const unsigned long long room = file_size - h.data_offset;
  h.data_bytes = declared_bytes(h.shape, h.dtype, room);
  if (h.data_bytes != room) {
    const bool short_data = h.data_bytes > room;
    refuse(file, short_data ? "the data ends early" : "bytes follow the array",
           h.shape.str() + " " + dtype_name(h.dtype) +
               (short_data ? ": more than " + bytes_str(room) : " = " + bytes_str(h.data_bytes)),
           bytes_str(room) + " after the header",
           short_data ? "the file is truncated, or its shape is corrupt"
                      : "the file was appended to, or its shape is corrupt");
  }
  return h;
}

}  // namespace tenet::data::detail
