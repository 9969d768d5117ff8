#pragma once
// `.keras` archives (internal to data/): a zip of config.json, metadata.json and
// model.weights.h5, read with limits and written in memory (data/keras_archive.cpp).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tenet::data::keras_detail {

inline constexpr std::size_t kMaxArchiveEntries = 64;
inline constexpr std::size_t kMaxMetadataBytes = 1u << 20;

// A temporary directory removed (with the files put in it) when this goes out of scope. Its
// name holds the process id, so that a later one removes what a killed process left behind.
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

// An open archive, at `path` (or held in `bytes` when `in_memory`, which must outlive it);
// `name` names it in errors. config.json and metadata.json are read on opening.
// data.format: not a zip, damaged, encrypted, over kMaxArchiveEntries entries, an entry whose
// data does not match its declared size or CRC, a size beyond the limits (config.json
// kMaxJsonBytes, metadata.json kMaxMetadataBytes), config.json missing.
class ArchiveReader {
 public:
  ArchiveReader(const std::string& path_or_bytes, bool in_memory, const std::string& name);
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;
  const std::string& config() const { return config_; }      // config.json
  const std::string& metadata() const { return metadata_; }  // metadata.json ("" when absent)
  // model.weights.h5 copied to a file in `temp`, its path returned. data.format when the
  // archive has none (Keras 3's load_model refuses such an archive too), or when it declares
  // more than weights_limit(parameters, variables) bytes (the built model's counts) or more
  // than deflate can expand its compressed size to.
  std::string extract_weights(TempDir& temp, std::int64_t parameters, std::size_t variables);

 private:
  struct Zip;
  std::unique_ptr<Zip> zip_;
  std::string name_, config_, metadata_;
};

// The most bytes a model.weights.h5 needs for a model of `parameters` values in `variables`
// tensors: float64 values with three optimizer slots each, 64 KiB of HDF5 structures a variable
// and 64 MiB for the file's own; at most the machine's memory.
std::uint64_t weights_limit(std::int64_t parameters, std::size_t variables);

// The zip holding the three entries, built in memory.
std::string make_archive(const std::string& config, const std::string& metadata,
                         const std::string& weights_bytes, const std::string& path);

}  // namespace tenet::data::keras_detail
