// The contracts of image arrays: resize's arguments, the batches preprocessing takes, crop and
// pad targets, an image folder's images of different sizes, and the conversion between image
// formats (grayscale, RGB, RGBA) that a channel mismatch calls for.
#include "core/base/user_call.hpp"
#include "core/contracts/image_checks.hpp"

namespace tenet::checks {

namespace {

std::string num(std::int64_t v) { return std::to_string(v); }

const char* format_name(std::int64_t c) {
  return c == 1 ? "grayscale" : c == 3 ? "RGB" : c == 4 ? "RGBA" : "";
}

// The conversion from `got` to `want` channels, as calls on x (N, H, W, got): tenet's, or
// NumPy's for a user of the tenet command (checks::snippet).
std::string channel_conversion(std::int64_t got, std::int64_t want) {
  if (got == 4 && want == 3)
    return "drop the alpha channel: " + snippet("slice(x, -1, 0, 3)", "x[..., :3]") +
           " keeps red, green and blue";
  if (got == 4 && want == 1)
    return "drop the alpha channel and average the colours: " +
           snippet("slice(x, -1, 0, 3).mean(-1, true)", "x[..., :3].mean(axis=-1, keepdims=True)");
  if (got == 3 && want == 1)
    return "average the colour channels: " +
           snippet("x.mean(-1, true)", "x.mean(axis=-1, keepdims=True)");
  if (got == 1 && want == 3)
    return "repeat the gray channel: " + snippet("concat({x, x, x}, -1)", "np.repeat(x, 3, axis=-1)");
  const std::string alpha = snippet("Tensor::ones(x.shape().with(3, 1))", "np.ones_like(x[..., :1])");
  if (got == 1 && want == 4)
    return "repeat the gray channel and add an opaque alpha: " +
           snippet("concat({x, x, x, " + alpha + "}, -1)",
                   "np.concatenate([x, x, x, " + alpha + "], axis=-1)");
  return "add an opaque alpha channel: " + snippet("concat({x, " + alpha + "}, -1)",
                                                   "np.concatenate([x, " + alpha + "], axis=-1)");
}

// resize.size: `op` (resize, center_crop, pad_to) makes images of `size`, which needs a row and
// a column (a size of 0 would make empty images, a negative one no images at all).
void check_target_size(std::array<std::int64_t, 2> size, const std::string& op, const Site& where) {
  if (size[0] >= 1 && size[1] >= 1) return;
  const bool h = size[0] < 1;
  Violation("resize.size", Phase::run, where)
      .summary(op + " needs a positive target size")
      .expected("height >= 1 and width >= 1")
      .actual("(" + std::to_string(size[0]) + ", " + std::to_string(size[1]) + ")")
      .cause("the target's " + std::string(h ? "height" : "width") + " is " +
             std::to_string(h ? size[0] : size[1]) + ": an image needs at least one row and "
             "one column (the size is {height, width}, without channels)")
      .fix("pass the target size as {height, width}, e.g. {28, 28}")
      .raise();
}
}  // namespace

ChannelAdvice channel_advice(std::int64_t got, std::int64_t want) {
  ChannelAdvice a;
  const std::string g = format_name(got), w = format_name(want);
  if (g.empty() || w.empty() || got == want) return a;
  a.known = true;
  a.cause = g + " images (" + num(got) + " channel" + (got == 1 ? "" : "s") + ") where " + w +
            " images (" + num(want) + " channel" + (want == 1 ? "" : "s") + ") are expected";
  if (got == 4) a.cause += "; the 4th channel is alpha (transparency)";
  a.cause += ". Only a channel conversion fixes this: a reshape would mix pixels and channels";
  a.fix = channel_conversion(got, want);
  return a;
}


void check_resize_args(const Shape& s, std::array<std::int64_t, 2> size, const Site& where) {
  if (s.rank() != 3 && s.rank() != 4)
    Violation("input.rank", Phase::run, where)
        .summary("resize takes images (N, H, W, C) or one image (H, W, C), got rank " +
                 std::to_string(s.rank()))
        .expected("(N, height, width, channels) or (height, width, channels)")
        .actual(s)
        .cause(s.rank() == 2 ? "a rank-2 tensor is one grayscale image without its channel axis"
                             : "the tensor is not an image or a batch of images")
        .fix(s.rank() == 2 ? "add the channel axis first: resize(expand_dims(x, -1), {h, w})"
                           : "reshape the data to (N, H, W, C) before resizing")
        .raise();
  check_target_size(size, "resize", where);
  static const char* const kAxis[] = {"height", "width", "channels"};
  const int first = s.rank() == 4 ? 1 : 0;  // the axis of the height
  for (int i = 0; i < s.rank(); ++i) {
    if (s[i] != 0) continue;
    const bool batch = i < first;
    Violation("resize.size", Phase::run, where)
        .summary(batch ? "resize received a batch of 0 images" : "resize received an empty image")
        .expected(batch ? std::string("at least one image on axis 0") : "height, width and channels >= 1")
        .actual(s)
        .mark({i})
        .cause(batch ? "axis 0 counts the images and is 0: the batch holds none (a slice, a filter "
                       "or the last batch of a split left it empty)"
                     : std::string("each image has ") + kAxis[i - first] + " 0 (axis " +
                           std::to_string(i) + "), so it holds no pixels to interpolate")
        .fix(batch ? "skip empty batches before resizing (if (x.dim(0) > 0)), or check the slice "
                     "or filter that produced this one"
                   : "check how the images were decoded or cropped: a crop or slice past the "
                     "image's edge gives size 0")
        .raise();
  }
}

void check_image_batch(const Shape& images, const std::string& op) {
  if (images.rank() == 3 || images.rank() == 4) return;
  Violation("input.rank", Phase::run, Site(op, "op"))
      .summary(op + " takes a batch of images")
      .expected("(N, H, W, C) or (N, H, W)")
      .actual(images)
      .cause(images.rank() == 2 ? "a single grayscale image without its batch axis"
                                : "rank " + std::to_string(images.rank()) + " is not images")
      .fix("expand_dims(image, 0) for a single image")
      .raise();
}

void check_crop_or_pad(const Shape& images, std::array<std::int64_t, 2> size, bool grow,
                       const std::string& op) {
  check_image_batch(images, op);
  check_target_size(size, op, Site(op, "op"));
  const std::int64_t h = images[1], w = images[2];
  const bool bad = grow ? (size[0] < h || size[1] < w) : (size[0] > h || size[1] > w);
  if (!bad) return;
  Violation("input.shape", Phase::run, Site(op, "op"))
      .summary(op + (grow ? " cannot shrink images" : " cannot enlarge images"))
      .expected(std::string(grow ? "a target of at least " : "a target of at most ") +
                std::to_string(h) + "x" + std::to_string(w))
      .actual(std::to_string(size[0]) + "x" + std::to_string(size[1]))
      .cause("the images are " + images.str())
      .fix(grow ? "use data::center_crop or data::resize to make images smaller"
                : "use data::pad_to or data::resize to make images larger")
      .raise();
}

void ragged_images(const Shape& first, const std::string& first_file, const Shape& got,
                   const std::string& other_file, const Site& where) {
  Violation("batch.ragged", Phase::load, where)
      .summary("the images have different sizes; one batch needs one size")
      .expected(first.str() + " like " + first_file)
      .actual(got.str() + " in " + other_file)
      .mark_differences(first, got)
      .cause("image_folder stacks every image into one (N, H, W, C) array; " + first_file +
             " is " + std::to_string(first[1]) + " x " + std::to_string(first[0]) + " and " +
             other_file + " is " + std::to_string(got[1]) + " x " + std::to_string(got[0]) +
             " (width x height)")
      .fix("give a common size, e.g. image_folder(dir, {.image_size = {{" +
           std::to_string(first[0]) + ", " + std::to_string(first[1]) +
           "}}}), which resizes each image as Keras's Resizing does")
      .raise();
}

}  // namespace tenet::checks
