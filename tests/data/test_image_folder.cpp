// data::image_folder and decode_image: classes from subfolders, PNG pixels exact, JPEG close,
// resizing, and every broken folder or file explained (data.format, batch.ragged, IOError).
#include <png.h>
#include <sys/stat.h>
#include <turbojpeg.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/test_util.hpp"

using namespace tenet;
using tenet::testing::capture;
using tenet::testing::mentions;
namespace fs = std::filesystem;

namespace {

// A w x h RGB image whose pixel (y, x) is (10 y + x, 100 + x, 200 - y).
std::vector<std::uint8_t> pixels(int w, int h) {
  std::vector<std::uint8_t> p;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) p.insert(p.end(), {std::uint8_t(10 * y + x), std::uint8_t(100 + x), std::uint8_t(200 - y)});
  return p;
}

void write_bytes(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::uint8_t> png_bytes(int w, int h) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  img.width = w;
  img.height = h;
  img.format = PNG_FORMAT_RGB;
  const auto px = pixels(w, h);
  png_alloc_size_t size = 0;
  REQUIRE(png_image_write_to_memory(&img, nullptr, &size, 0, px.data(), 0, nullptr));
  std::vector<std::uint8_t> out(size);
  REQUIRE(png_image_write_to_memory(&img, out.data(), &size, 0, px.data(), 0, nullptr));
  return out;
}

std::vector<std::uint8_t> jpeg_bytes(int w, int h) {
  tjhandle tj = tjInitCompress();
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  const auto px = pixels(w, h);
  REQUIRE(tjCompress2(tj, px.data(), w, 0, h, TJPF_RGB, &buf, &size, TJSAMP_444, 95, 0) == 0);
  std::vector<std::uint8_t> out(buf, buf + size);
  tjFree(buf);
  tjDestroy(tj);
  return out;
}

struct Folder {
  fs::path root = fs::temp_directory_path() / ("tenet_images_" + std::to_string(::getpid()));
  Folder() { fs::remove_all(root); fs::create_directories(root); }
  ~Folder() { fs::remove_all(root); }
  void add(const std::string& rel, const std::vector<std::uint8_t>& bytes) { write_bytes(root / rel, bytes); }
};

}  // namespace

TEST_SUITE("data") {

TEST_CASE("image_folder: classes are sorted subfolders, PNG pixels exact, JPEG close") {
  Folder f;
  f.add("tulip/b.png", png_bytes(4, 3));
  f.add("daisy/x.JPG", jpeg_bytes(4, 3));
  f.add("daisy/sub/a.png", png_bytes(4, 3));  // subfolders of a class belong to it
  f.add("daisy/notes.txt", {'h', 'i'});        // skipped: not an image name
  f.add(".cache/c.png", png_bytes(4, 3));      // skipped: hidden
  const auto d = data::image_folder(f.root.string());
  CHECK(d.class_names == std::vector<std::string>{"daisy", "tulip"});
  CHECK(d.files == std::vector<std::string>{"daisy/sub/a.png", "daisy/x.JPG", "tulip/b.png"});
  CHECK(d.labels.to_vector<std::int32_t>() == std::vector<std::int32_t>{0, 0, 1});
  CHECK(d.images.shape() == Shape{3, 3, 4, 3});
  CHECK(d.images.dtype() == DType::u8);
  const auto v = d.images.to_vector<std::int32_t>();
  const auto want = pixels(4, 3);
  for (std::size_t i = 0; i < want.size(); ++i) {
    CHECK(v[i] == want[i]);                                     // PNG: lossless
    CHECK(std::abs(v[want.size() + i] - int(want[i])) <= 6);    // JPEG at quality 95
  }
}

TEST_CASE("image_folder: grayscale and resizing") {
  Folder f;
  f.add("a/1.png", png_bytes(8, 6));
  f.add("b/2.png", png_bytes(4, 2));
  const auto d = data::image_folder(f.root.string(), {.image_size = {{3, 5}},
                                                      .color_mode = data::ColorMode::grayscale});
  CHECK(d.images.shape() == Shape{2, 3, 5, 1});
  const Tensor one = data::decode_image(png_bytes(2, 1), "one.png", data::ColorMode::rgba);
  CHECK(one.shape() == Shape{1, 2, 4});
  CHECK(one.to_vector<std::int32_t>() == std::vector<std::int32_t>{0, 100, 200, 255, 1, 101, 200, 255});
}

TEST_CASE("image_folder: mixed sizes are batch.ragged naming both files") {
  Folder f;
  f.add("a/1.png", png_bytes(4, 3));
  f.add("b/2.png", png_bytes(5, 3));
  auto e = capture([&] { data::image_folder(f.root.string()); });
  CHECK(e.code() == "batch.ragged");
  CHECK(mentions(e, "a/1.png is 4 x 3 and b/2.png is 5 x 3"));
  CHECK(mentions(e, ".image_size = {{3, 4}}"));
}

TEST_CASE("image_folder: corrupt, foreign and special files are data.format naming the file") {
  Folder f;
  auto png = png_bytes(16, 16);
  png.resize(png.size() / 2);  // truncated
  f.add("a/cut.png", png);
  auto e = capture([&] { data::image_folder(f.root.string()); });
  CHECK(e.code() == "data.format");
  CHECK(mentions(e, "cut.png"));
  CHECK(mentions(e, "libpng"));
  fs::remove(f.root / "a/cut.png");
  auto jpg = jpeg_bytes(32, 32);
  jpg.resize(jpg.size() - 40);
  f.add("a/cut.jpg", jpg);
  e = capture([&] { data::image_folder(f.root.string()); });
  CHECK(mentions(e, "cut.jpg"));
  CHECK(mentions(e, "libjpeg-turbo"));
  fs::remove(f.root / "a/cut.jpg");
  f.add("a/real.png", {'G', 'I', 'F', '8', '9', 'a'});
  e = capture([&] { data::image_folder(f.root.string()); });
  CHECK(mentions(e, "a GIF image"));
  fs::remove(f.root / "a/real.png");
  REQUIRE(::mkfifo((f.root / "a/pipe.png").c_str(), 0600) == 0);
  e = capture([&] { data::image_folder(f.root.string()); });  // never opened: it would block
  CHECK(mentions(e, "FIFO"));
}

TEST_CASE("image_folder: a header that claims more pixels than its bytes can hold is refused") {
  auto png = png_bytes(4, 4);
  // IHDR width at bytes 16..19: claim 40000 x 4 pixels from a file of a hundred bytes.
  png[16] = 0; png[17] = 0; png[18] = 0x9c; png[19] = 0x40;
  auto e = capture([&] { data::decode_image(png, "bomb.png"); });
  CHECK(e.code() == "data.format");
  CHECK(mentions(e, "bomb.png"));
}

TEST_CASE("image_folder: folders without classes or images are explained; missing is IOError") {
  Folder f;
  f.add("loose.png", png_bytes(2, 2));
  auto e = capture([&] { data::image_folder(f.root.string()); });
  CHECK(e.code() == "data.format");
  CHECK(mentions(e, "1 images directly in the folder"));
  CHECK(mentions(e, "one subfolder per class"));
  fs::create_directories(f.root / "cats");
  f.add("cats/readme.md", {'x'});
  e = capture([&] { data::image_folder(f.root.string()); });
  CHECK(mentions(e, "1 subfolder(s) without .png/.jpg/.jpeg files"));
  CHECK_THROWS_AS(data::image_folder((f.root / "nope").string()), IOError);
  e = capture([&] { data::image_folder(f.root.string(), {.image_size = {{0, 4}}}); });
  CHECK(e.code() == "options.invalid");
}

TEST_CASE("image_folder: a folder too large for memory is refused before any image is resized") {
  Folder f;
  f.add("a/1.png", png_bytes(2, 2));
  f.add("b/2.png", png_bytes(2, 2));
  // Each resized image alone is 3 TiB; the check names the whole batch, before resizing.
  auto e = capture([&] { data::image_folder(f.root.string(), {.image_size = {{1 << 20, 1 << 20}}}); });
  CHECK(e.code() == "options.invalid");
  CHECK(mentions(e, "the shape of a uint8 tensor"));
  CHECK(e.actual() == "(2, 1048576, 1048576, 3)");
}

TEST_CASE("image_folder: a loop of links named like an image is an IOError naming the link") {
  Folder f;
  f.add("a/1.png", png_bytes(2, 2));
  fs::create_symlink("loop.png", f.root / "a/loop.png");  // points at itself
  std::string message;
  try {
    data::image_folder(f.root.string());
  } catch (const IOError& e) {
    message = e.what();
  }
  INFO(message);
  CHECK(message.find((f.root / "a/loop.png").string() + ": cannot be looked at") != std::string::npos);
  try {
    data::image_folder("");
  } catch (const IOError& e) {
    message = e.what();
  }
  CHECK(message.find("cannot read \"\": the path is empty") != std::string::npos);  // old: "read : "
}

}  // TEST_SUITE
