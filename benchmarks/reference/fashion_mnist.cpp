#include "reference/fashion_mnist.hpp"

#include <stdexcept>

#include <zlib.h>

namespace tenet_bench {

namespace {

// The whole decompressed file.
std::vector<unsigned char> read_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  std::vector<unsigned char> out;
  unsigned char buf[1 << 16];
  int got = 0;
  while ((got = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + got);
  gzclose(f);
  if (got < 0) throw std::runtime_error("cannot decompress " + path);
  return out;
}

std::uint32_t be32(const std::vector<unsigned char>& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

}  // namespace

FashionMnist load_fashion_mnist(const std::string& split, const std::string& dir) {
  std::string ipath = dir + "/" + split + "-images-idx3-ubyte.gz";
  std::string lpath = dir + "/" + split + "-labels-idx1-ubyte.gz";
  auto img = read_gz(ipath);
  auto lab = read_gz(lpath);
  if (img.size() < 16 || be32(img, 0) != 0x803 || lab.size() < 8 || be32(lab, 0) != 0x801)
    throw std::runtime_error("not IDX image/label files: " + ipath + ", " + lpath);
  std::int64_t n = be32(img, 4), h = be32(img, 8), w = be32(img, 12);
  if (h != 28 || w != 28 || be32(lab, 4) != n || img.size() != std::size_t(16 + n * h * w) ||
      lab.size() != std::size_t(8 + n))
    throw std::runtime_error("unexpected sizes in " + ipath);
  FashionMnist d;
  d.count = n;
  d.images.resize(static_cast<std::size_t>(n * h * w));
  d.labels.resize(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < d.images.size(); ++i) d.images[i] = img[16 + i] / 255.0f;
  for (std::size_t i = 0; i < d.labels.size(); ++i) d.labels[i] = lab[8 + i];
  return d;
}

void downsample2x(const float* x, std::int64_t n, std::int64_t h, std::int64_t w, float* out) {
  std::int64_t oh = h / 2, ow = w / 2;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t r = 0; r < oh; ++r)
      for (std::int64_t c = 0; c < ow; ++c) {
        const float* p = x + (i * h + 2 * r) * w + 2 * c;  // (n, h, w, 1)
        out[(i * oh + r) * ow + c] = 0.25f * (p[0] + p[1] + p[w] + p[w + 1]);
      }
}

}  // namespace tenet_bench
