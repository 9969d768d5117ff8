// .npz files: a zip archive (read with libzip) of .npy members, each checked as a .npy file
// (npy.cpp) after the archive's own checks: stored or deflated members only, no encryption,
// declared sizes that the archive can hold, CRC-32, unique names ending in ".npy".
#include <zip.h>

#include <filesystem>
#include <memory>
#include <set>
#include <vector>

#include <tenet/data/npy.hpp>

#include "core/base/text_escape.hpp"
#include "data/format_error.hpp"
#include "data/hdf5_common.hpp"

namespace tenet::data {

namespace {

constexpr const char* kKind = "NumPy .npz file";

[[noreturn]] void refuse(const std::string& file, const std::string& summary,
                         const std::string& expected, const std::string& actual,
                         const std::string& cause) {
  detail::format_error(file, kKind, {summary, expected, actual, cause,
                                     "write the arrays again with np.savez or np.savez_compressed"});
}

std::string zip_message(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string s = zip_error_strerror(&e);
  zip_error_fini(&e);
  return s;
}

// One member's bytes, exactly its declared size, its CRC-32 checked by libzip at the end.
std::vector<unsigned char> read_member(zip_t* z, zip_uint64_t index, const zip_stat_t& st,
                                       const std::string& file) {
  const std::string name = st.name;
  std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> f(zip_fopen_index(z, index, 0), &zip_fclose);
  if (!f)
    refuse(file, "member " + text::quoted(name) + " cannot be opened", "a readable member",
           zip_strerror(z), "the archive is corrupt");
  std::vector<unsigned char> bytes(st.size);
  zip_uint64_t got = 0;
  while (got < st.size) {
    const zip_int64_t n = zip_fread(f.get(), bytes.data() + got, st.size - got);
    if (n <= 0)
      refuse(file, "member " + text::quoted(name) + " cannot be read", detail::bytes_str(st.size) + " of data",
             n < 0 ? std::string(zip_file_strerror(f.get())) : detail::bytes_str(got) + ", then the end",
             "the archive is truncated or corrupt (a CRC-32 that does not match is a changed byte)");
    got += static_cast<zip_uint64_t>(n);
  }
  unsigned char extra = 0;  // the end of the data: libzip checks the CRC-32 here
  const zip_int64_t more = zip_fread(f.get(), &extra, 1);
  if (more != 0)
    refuse(file, "member " + text::quoted(name) + " does not match its declared size or checksum",
           detail::bytes_str(st.size) + " matching the stored CRC-32",
           more > 0 ? std::string("more data than declared") : std::string(zip_file_strerror(f.get())),
           "the archive is corrupt or was edited");
  return bytes;
}

void check_member(const zip_stat_t& st, unsigned long long file_size, const std::string& file) {
  const std::string name = st.name;
  if (name.size() < 5 || name.compare(name.size() - 4, 4, ".npy") != 0)
    refuse(file, "member " + text::quoted(name) + " is not a .npy file", "members named <array>.npy",
           text::quoted(name), "the archive is not what np.savez writes");
  if (st.encryption_method != ZIP_EM_NONE)
    refuse(file, "member " + text::quoted(name) + " is encrypted", "unencrypted members", "encryption method " +
           std::to_string(st.encryption_method), "np.savez never encrypts; tenet reads no passwords");
  const bool stored = st.comp_method == ZIP_CM_STORE;
  if (!stored && st.comp_method != ZIP_CM_DEFLATE)
    refuse(file, "member " + text::quoted(name) + " uses an unsupported compression", "stored or deflated",
           "compression method " + std::to_string(st.comp_method), "np.savez writes neither");
  const unsigned long long limit = stored ? st.comp_size : st.comp_size * detail::kMaxDeflateRatio + 64;
  if (st.comp_size > file_size || st.size > limit)
    refuse(file, "member " + text::quoted(name) + " declares more data than the archive can hold",
           "at most " + detail::bytes_str(std::min(limit, file_size * detail::kMaxDeflateRatio)),
           detail::bytes_str(st.size) + " from " + detail::bytes_str(st.comp_size) + " compressed",
           "the archive is corrupt or built to exhaust memory (a zip bomb)");
}

}  // namespace

std::map<std::string, Tensor> read_npz(const std::string& path) {
  detail::require_regular_file(path, "no such file", "check the path of the .npz file");
  int err = 0;
  std::unique_ptr<zip_t, void (*)(zip_t*)> z(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err),
                                             &zip_discard);
  if (!z) {
    if (err == ZIP_ER_OPEN || err == ZIP_ER_READ) detail::io_error(path, zip_message(err));
    refuse(path, "not a readable zip archive", "a zip archive as np.savez writes",
           zip_message(err) + " (" + detail::first_bytes(path) + ")",
           "the file is of another kind, truncated or corrupt");
  }
  std::error_code ec;
  const unsigned long long file_size = std::filesystem::file_size(path, ec);
  const zip_int64_t count = zip_get_num_entries(z.get(), 0);
  std::map<std::string, Tensor> arrays;
  std::set<std::string> seen;
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t st;
    if (zip_stat_index(z.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0 ||
        !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE))
      refuse(path, "member " + std::to_string(i) + " cannot be listed", "a complete central directory",
             zip_strerror(z.get()), "the archive is corrupt");
    check_member(st, ec ? 0 : file_size, path);
    std::string name(st.name);
    name.resize(name.size() - 4);
    if (!seen.insert(name).second)
      refuse(path, "array " + text::quoted(name) + " is stored twice", "one member per array name",
             "two members named " + text::quoted(name + ".npy"), "the archive was edited or appended to");
    const auto bytes = read_member(z.get(), static_cast<zip_uint64_t>(i), st, path);
    arrays[name] = parse_npy(bytes.data(), bytes.size(), path + " (member " + text::quoted(st.name) + ")");
  }
  return arrays;
}

}  // namespace tenet::data
