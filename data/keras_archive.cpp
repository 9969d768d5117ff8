// `.keras` archives read with limits and written in memory, through libzip
// (data/keras_archive.hpp).
#include "data/keras_archive.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <tenet/core/base/error.hpp>
#include "core/base/atomic_file.hpp"
#include "data/format_error.hpp"
#include "data/keras_json.hpp"

namespace tenet::data::keras_detail {

namespace {

// Deflate expands at most about 1032:1; an entry declaring more is lying about its size.
constexpr std::uint64_t kMaxDeflateRatio = 1100;

std::uint64_t memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page)
                               : std::uint64_t{1} << 32;
}

[[noreturn]] void zip_error(const std::string& name, const std::string& summary,
                            const std::string& actual, const std::string& cause = "") {
  detail::format_error(name, "Keras archive",
                       {summary, "a zip of config.json, metadata.json and model.weights.h5 as "
                                 "Keras 3's model.save writes it",
                        actual, cause.empty() ? "the file is damaged, truncated, or not a .keras "
                                                "archive" : cause, ""});
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

ZipPtr open_zip(const std::string& src, bool in_memory, const std::string& name) {
  zip_error_t err;
  zip_error_init(&err);
  zip_t* z = nullptr;
  if (in_memory) {
    zip_source_t* s = zip_source_buffer_create(src.data(), src.size(), 0, &err);
    if (s) {
      z = zip_open_from_source(s, ZIP_RDONLY | ZIP_CHECKCONS, &err);
      if (!z) zip_source_free(s);
    }
  } else {
    int code = 0;
    z = zip_open(src.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
    zip_error_init_with_code(&err, code);
  }
  const std::string why = zip_error_strerror(&err);
  const bool twice = zip_error_code_zip(&err) == ZIP_ER_EXISTS;
  zip_error_fini(&err);
  if (!z && twice)  // libzip's consistency check: "File already exists"
    zip_error(name, "two entries of the archive have the same name",
              "an entry name used twice", "the zip was written with one name added twice "
              "(Python's zipfile allows it, with a warning); Keras writes each entry once, and "
              "which copy counts would be a guess");
  if (!z) zip_error(name, "the file is not a readable zip archive", "libzip: " + why);
  return ZipPtr(z);
}

// Reads entry `index` (declared `size` bytes) in chunks into `sink`, refusing data that does
// not match the declared size or CRC.
template <class Sink>
void read_entry(zip_t* z, zip_uint64_t index, std::uint64_t size, const std::string& entry,
                const std::string& name, Sink&& sink) {
  zip_file_t* f = zip_fopen_index(z, index, 0);
  if (!f) zip_error(name, entry + " cannot be opened", std::string("libzip: ") + zip_strerror(z));
  std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> guard(f, zip_fclose);
  std::vector<char> buf(1u << 16);
  std::uint64_t total = 0;
  for (;;) {
    const zip_int64_t n = zip_fread(f, buf.data(), buf.size());
    if (n < 0)
      zip_error(name, entry + " cannot be decompressed",
                std::string("libzip: ") + zip_error_strerror(zip_file_get_error(f)));
    if (n == 0) break;
    total += static_cast<std::uint64_t>(n);
    if (total > size) break;
    sink(buf.data(), static_cast<std::size_t>(n));
  }
  if (total != size)
    zip_error(name, entry + " holds other data than its header declares",
              "declared " + detail::bytes_str(size) + ", found " +
                  (total > size ? "more" : detail::bytes_str(total)));
}

struct EntryInfo {
  zip_uint64_t index = 0;
  std::uint64_t size = 0;
  bool found = false;
};

// `why_limit`: what the limit stands for, told when an entry declares more (empty: a bomb).
EntryInfo locate(zip_t* z, const char* entry, std::uint64_t limit, const std::string& name,
                 const std::string& why_limit = "") {
  EntryInfo e;
  const zip_int64_t i = zip_name_locate(z, entry, 0);
  if (i < 0) return e;
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st) != 0 ||
      !(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE))
    zip_error(name, std::string(entry) + " has no readable header", zip_strerror(z));
  if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
    zip_error(name, std::string(entry) + " is encrypted", "an encrypted entry",
              "Keras never encrypts its archives");
  if (st.size > limit || (st.comp_method != ZIP_CM_STORE &&
                          st.size > st.comp_size * kMaxDeflateRatio + 4096))
    zip_error(name, std::string(entry) + " declares more data than tenet reads",
              "declared " + detail::bytes_str(st.size) + " from " +
                  detail::bytes_str(st.comp_size) + " compressed (at most " +
                  detail::bytes_str(limit) + ", and at most what deflate can expand to)",
              why_limit.empty() ? "a zip bomb, or a damaged archive"
                                : why_limit + "; more is a zip bomb, or a damaged archive");
  e.index = static_cast<zip_uint64_t>(i);
  e.size = st.size;
  e.found = true;
  return e;
}

std::string read_text(zip_t* z, const char* entry, std::uint64_t limit, const std::string& name) {
  const EntryInfo e = locate(z, entry, limit, name);
  std::string out;
  if (!e.found) return out;
  out.reserve(static_cast<std::size_t>(e.size));
  read_entry(z, e.index, e.size, entry, name, [&](const char* p, std::size_t n) { out.append(p, n); });
  return out;
}

const char kTempPrefix[] = "tenet-keras-";

// Removes the directories (and the files in them) that TempDirs of processes now gone left in
// `base`, killed before their destructor ran. Only this user's, opened without following a
// link and checked to be the directory looked at: on a shared /tmp another user could swap
// one for a link to a directory of ours between the look and the removal. Best effort: what
// cannot be removed stays.
void remove_dead_temp_dirs(const std::string& base) {
  const int base_fd = ::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (base_fd < 0) return;
  DIR* d = ::fdopendir(base_fd);
  if (!d) {
    ::close(base_fd);
    return;
  }
  const std::size_t prefix = sizeof kTempPrefix - 1;
  while (const dirent* e = ::readdir(d)) {
    if (std::strncmp(e->d_name, kTempPrefix, prefix) != 0) continue;
    struct stat st, opened;
    if (::fstatat(base_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != ::geteuid() ||
        !files::owner_gone(e->d_name + prefix, static_cast<long>(st.st_mtim.tv_sec)))
      continue;
    const int fd = ::openat(base_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) continue;
    if (::fstat(fd, &opened) != 0 || opened.st_dev != st.st_dev || opened.st_ino != st.st_ino) {
      ::close(fd);
      continue;
    }
    if (DIR* inner = ::fdopendir(fd)) {  // owns fd from here
      while (const dirent* f = ::readdir(inner))
        if (std::strcmp(f->d_name, ".") != 0 && std::strcmp(f->d_name, "..") != 0)
          ::unlinkat(fd, f->d_name, 0);
      ::closedir(inner);
    } else {
      ::close(fd);
    }
    ::unlinkat(base_fd, e->d_name, AT_REMOVEDIR);
  }
  ::closedir(d);  // closes base_fd
}

}  // namespace

TempDir::TempDir() {
  const char* env = std::getenv("TMPDIR");
  const std::string base = env && *env ? env : "/tmp";
  remove_dead_temp_dirs(base);
  std::string tmpl = base + "/" + kTempPrefix + files::owner_tag() + "XXXXXX";
  if (!mkdtemp(tmpl.data())) throw IOError("tenet: cannot create a temporary directory " + tmpl);
  dir_ = tmpl;
}

TempDir::~TempDir() {
  for (const auto& f : files_) std::remove(f.c_str());
  ::rmdir(dir_.c_str());
}

std::string TempDir::file(const std::string& name) {
  files_.push_back(dir_ + "/" + name);
  return files_.back();
}

struct ArchiveReader::Zip {
  ZipPtr z;
};

ArchiveReader::ArchiveReader(const std::string& src, bool in_memory, const std::string& name)
    : zip_(new Zip{open_zip(src, in_memory, name)}), name_(name) {
  zip_t* z = zip_->z.get();
  const zip_int64_t entries = zip_get_num_entries(z, 0);
  if (entries < 0 || static_cast<std::uint64_t>(entries) > kMaxArchiveEntries)
    zip_error(name, "the archive holds more entries than a Keras model file",
              std::to_string(entries) + " entries (at most " +
                  std::to_string(kMaxArchiveEntries) + ")");
  if (!locate(z, "config.json", kMaxJsonBytes, name).found)
    zip_error(name, "the archive has no config.json", "no entry named config.json");
  config_ = read_text(z, "config.json", kMaxJsonBytes, name);
  metadata_ = read_text(z, "metadata.json", kMaxMetadataBytes, name);
}

ArchiveReader::~ArchiveReader() = default;

std::string ArchiveReader::extract_weights(TempDir& temp, std::int64_t parameters,
                                           std::size_t variables) {
  zip_t* z = zip_->z.get();
  const std::uint64_t limit = weights_limit(parameters, variables);
  const EntryInfo w = locate(z, "model.weights.h5", limit, name_,
                             "the model of config.json has " + std::to_string(parameters) +
                                 " parameters in " + std::to_string(variables) + " variables, "
                                 "whose weights and optimizer state fit in " +
                                 detail::bytes_str(limit));
  if (!w.found)
    zip_error(name_, "the archive has no model.weights.h5", "no entry named model.weights.h5",
              "the archive lost its weights (a copy or an edit of the zip dropped the entry); "
              "Keras 3's load_model refuses it too, and a model with fresh weights would "
              "pass for the saved one");
  const std::string path = temp.file("model.weights.h5");
  std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(path.c_str(), "wb"), std::fclose);
  if (!out) throw IOError("tenet: cannot write the temporary file " + path);
  read_entry(z, w.index, w.size, "model.weights.h5", name_, [&](const char* p, std::size_t n) {
    if (std::fwrite(p, 1, n, out.get()) != n)
      throw IOError("tenet: cannot write the temporary file " + path + " (disk full?)");
  });
  if (std::fflush(out.get()) != 0)
    throw IOError("tenet: cannot write the temporary file " + path + " (disk full?)");
  return path;
}

std::uint64_t weights_limit(std::int64_t parameters, std::size_t variables) {
  constexpr std::uint64_t kStructures = std::uint64_t{64} << 20;  // the file's own structures
  constexpr std::uint64_t kPerVariable = 64 << 10;  // a variable's groups, headers, chunk index
  const auto values = static_cast<std::uint64_t>(std::max<std::int64_t>(parameters, 0));
  const std::uint64_t per_value = 8 * 4;  // float64, and three optimizer slots
  const std::uint64_t cap = memory_bytes();
  const std::uint64_t fixed = kStructures + std::min<std::uint64_t>(variables, 1u << 24) * kPerVariable;
  return fixed >= cap || values > (cap - fixed) / per_value ? cap : values * per_value + fixed;
}

std::string make_archive(const std::string& config, const std::string& metadata,
                         const std::string& weights, const std::string& path) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
  zip_t* z = src ? zip_open_from_source(src, ZIP_TRUNCATE, &err) : nullptr;
  if (!z) {
    if (src) zip_source_free(src);
    throw IOError("tenet: cannot write " + path + ": libzip: " + zip_error_strerror(&err));
  }
  zip_source_keep(src);
  bool ok = true;
  for (const auto& [entry, data] : {std::pair<const char*, const std::string*>{"metadata.json", &metadata},
                                    {"config.json", &config}, {"model.weights.h5", &weights}}) {
    zip_source_t* s = zip_source_buffer(z, data->data(), data->size(), 0);
    ok = ok && s && zip_file_add(z, entry, s, ZIP_FL_ENC_UTF_8) >= 0;
  }
  std::string out;
  if (!ok || zip_close(z) != 0) {
    zip_discard(z);
    zip_source_free(src);
    throw IOError("tenet: cannot write " + path + ": the archive could not be assembled");
  }
  zip_stat_t st;
  if (zip_source_open(src) == 0 && zip_source_stat(src, &st) == 0) {
    out.resize(static_cast<std::size_t>(st.size));
    if (zip_source_read(src, out.data(), st.size) != static_cast<zip_int64_t>(st.size)) out.clear();
    zip_source_close(src);
  }
  zip_source_free(src);
  if (out.empty()) throw IOError("tenet: cannot write " + path + ": the archive could not be read back");
  return out;
}

}  // namespace tenet::data::keras_detail
