#include "core/base/user_call.hpp"
#include "core/contracts/input_checks.hpp"

#include <algorithm>
#include <cmath>

#include "core/contracts/image_checks.hpp"
#include "core/contracts/layer_checks.hpp"

namespace tenet::checks {

namespace {

std::string num(std::int64_t v) { return std::to_string(v); }
std::string hw(const Shape& s) { return dim_str(s[1]) + "x" + dim_str(s[2]); }
std::string value(double v) { return option_value(v); }

// The code of the fixes below, in the reader's notation (checks::snippet).
std::string to_f32() { return snippet("x.astype(DType::f32)", "x.astype('float32')"); }
std::string by_255() { return snippet(" / 255.0", " / 255"); }
std::string rescaling() { return snippet("Rescaling(1.0 / 255)", "keras.layers.Rescaling(1 / 255)"); }
std::string expand_dims(const char* axis) {
  return snippet("expand_dims(x, ", "np.expand_dims(x, ") + axis + ")";
}
std::string resize_to(const Shape& want) {
  return snippet("data::resize(x, {" + dim_str(want[1]) + ", " + dim_str(want[2]) + "})",
                 "keras.ops.image.resize(x, (" + dim_str(want[1]) + ", " + dim_str(want[2]) + "))");
}

std::string joined(const std::vector<std::string>& items) {
  std::string s;
  for (std::size_t i = 0; i < items.size(); ++i)
    s += (i ? (i + 1 == items.size() ? " and " : ", ") : "") + items[i];
  return s;
}

bool same_dims(const Shape& a, int a_from, const Shape& b, int b_from, int count) {
  for (int i = 0; i < count; ++i)
    if (a[a_from + i] >= 0 && b[b_from + i] >= 0 && a[a_from + i] != b[b_from + i]) return false;
  return true;
}

// What integer data of this range is, and how to turn it into float32: pixels 0..255 need
// scaling, data that only holds 0 and 1 does not, a few small levels (below kFewLevels: real
// 8-bit images reach far higher) are no pixels, anything else is not 8-bit pixels at all.
constexpr double kFewLevels = 16;
struct IntegerAdvice {
  std::string cause, fix;
};
IntegerAdvice integer_advice(DType got, const ValueRange& r) {
  const std::string t = dtype_name(got);
  if (r.known && r.lo == r.hi && (r.lo == 0 || r.lo > 1))
    return {t + " data whose values are " + (r.lo == 0 ? std::string("all zeros") : "all " + value(r.lo)) +
                ", so its scale cannot be told from the values; tenet does not cast silently",
            to_f32() + ", divided by 255 if the real data is 0..255 pixels (" + to_f32() + by_255() +
                ", or " + rescaling() + " after a uint8 Input)"};
  if (r.known && r.lo >= 0 && r.hi <= 1)
    return {t + " data whose values are only " + (r.hi > r.lo ? "0 and 1" : value(r.hi)) +
                " (a mask or binary data, not 0..255 pixels); tenet does not cast silently",
            to_f32() + ", without scaling: the values are already in [0, 1]"};
  if (r.known && r.lo >= 0 && r.hi < kFewLevels)
    return {t + " values from " + value(r.lo) + " to " + value(r.hi) + ": " + value(r.hi - r.lo + 1) +
                " levels at most, too few for 8-bit pixels (which reach up to 255); more likely "
                "class indices, counts or quantised levels, which dividing by 255 would squeeze "
                "into [0, " + value(r.hi) + "/255]; tenet does not cast silently",
            to_f32() + ", scaled by its own range if the values are levels of one quantity (" +
                to_f32() + " / " + value(r.hi) + snippet(".0", "") + " brings them to [0, 1]); if "
                "they are category codes, one-hot encode them instead"};
  if (!r.known || (r.lo >= 0 && r.hi <= 255))
    return {(r.known ? t + " pixels from " + value(r.lo) + " to " + value(r.hi)
                     : "integer (" + t + ") data") +
                " passed as is; tenet does not cast silently, because a cast without scaling "
                "trains on values up to 255 times larger than intended",
            fix_for_data(to_f32() + by_255() + snippet(" (or data::to_float(x))", "") +
                             ", or declare the Input with dtype uint8 and put " + rescaling() + " first",
                         to_f32() + by_255() + snippet(" (or data::to_float(x))", ""))};
  return {t + " values from " + value(r.lo) + " to " + value(r.hi) + ": not 8-bit pixels, so "
              "dividing by 255 would not bring them to [0, 1]",
          to_f32() + ", then normalise them (e.g. (x - mean) / std of the training data)"};
}

// An Input declared like `want` (its batch axis left out) with None on the `unknown` axes.
std::string input_decl(const Shape& want, const std::vector<int>& unknown) {
  std::string dims;
  for (int d = 1; d < want.rank(); ++d) {
    const bool none = std::find(unknown.begin(), unknown.end(), d) != unknown.end();
    dims += (d > 1 ? ", " : "") + (none ? snippet("kUnknown", "None") : dim_str(want[d]));
  }
  return snippet("Input({" + dims + "})",
                 "keras.Input(shape=(" + dims + (want.rank() == 2 ? ",))" : "))"));
}

std::string none_input(const Shape& want) { return input_decl(want, {1, 2}); }

struct Text {
  std::string cause, fix;
};

// input.shape on the last axis of an Input (its features, or channels of no known image format):
// which layers were built for the declared count, read from the graph; when none is, only the
// declaration refuses.
Text feature_text(const Shape& want, const Shape& got, const SizeUse& use, const std::string& unit) {
  const int last = want.rank() - 1;
  const std::string w = dim_str(want[last]), g = dim_str(got[last]);
  const std::string one = unit.substr(0, unit.size() - 1);  // "1 channel"
  const std::string w_unit = want[last] == 1 ? one : unit, g_unit = got[last] == 1 ? one : unit;
  const std::string sample = input_decl(want, {last});
  const std::string keep = "give the data the " + w + " " + w_unit + " the model was trained on (" +
                           (unit == "features" ? "check how the columns were selected or encoded: "
                                                 "one too many or too few"
                                               : "check how the images were decoded or stacked") + ")";
  if (use.feature_fixers.empty())
    return {"the Input declares " + w + " " + w_unit + " and the data has " + g + ", but no "
                "layer of this model depends on that count" +
                (use.feature_free.empty() ? "" : ": " + joined(use.feature_free) +
                                                     " work on any count") +
                ". Only the Input's declaration refuses " + g,
            fix_for_data("declare the Input with a None last axis, " + sample + ", and the model "
                         "takes any count; or give the data " + w + " " + w_unit,
                         "give the data " + w + " " + w_unit)};
  return {"the Input declares " + w + " " + w_unit + " and " + joined(use.feature_fixers) +
              "; the data has " + g + " " + g_unit + ", which those layers cannot take",
          fix_for_data(keep + ", or build the model for " + g + " " + g_unit + " (Input with " +
                           g + " on the last axis) and train it again", keep)};
}

// input.shape on several kinds of axes at once (or the middle axes of a sequence): each axis
// declared against the data, with the layers found to need the declared sizes; when no layer
// needs the middle axes that differ, only the declaration refuses them.
Text several_axes_text(const Shape& want, const Shape& got, const std::vector<int>& diff,
                       const SizeUse& use) {
  std::vector<std::string> declared, data;
  bool middle = false, last = false;
  for (int d : diff) {
    const std::string axis = axis_name(d, want.rank());
    declared.push_back(axis.rfind("axis ", 0) == 0 ? dim_str(want[d]) + " on " + axis
                                                   : axis + " " + dim_str(want[d]));
    data.push_back(dim_str(got[d]));
    middle |= d > 0 && d < want.rank() - 1;
    last |= d == want.rank() - 1;
  }
  const std::string none = input_decl(want, diff);  // None on the differing axes
  std::vector<std::string> needs;
  if (middle) needs.insert(needs.end(), use.fixers.begin(), use.fixers.end());
  if (last) needs.insert(needs.end(), use.feature_fixers.begin(), use.feature_fixers.end());
  const std::string cause = "the Input declares " + joined(declared) + " and the data has " + joined(data);
  const std::string reshape = "give the data the declared shape " + want.str() +
                              " (check how it was preprocessed)";
  if (needs.empty() && !last)
    return {cause + ", but no layer of this model depends on " +
                (diff.size() == 1 ? "that size" : "those sizes") +
                (use.free.empty() ? "" : ": " + joined(use.free) + " work on any size") +
                ". Only the Input's declaration refuses it",
            fix_for_data("declare the Input with None there, " + none + ", and the model takes "
                         "any size; or " + reshape, reshape)};
  return {cause + (needs.empty() ? "" : "; " + joined(needs)),
          fix_for_data(reshape + ", or build the model for " + got.with(0, kUnknown).str(), reshape)};
}

}  // namespace

void check_input_declaration(const Shape& shape, const Site& where) {
  for (int i = 0; i < shape.rank(); ++i) {
    if (shape[i] != 0 && shape[i] >= kUnknown) continue;
    Violation("input.shape", Phase::build, where)
        .summary("an Input's dimensions must be positive or None")
        .expected("sizes >= 1, or kUnknown for None")
        .actual(shape)
        .mark({i})
        .cause("axis " + num(i) + " of the sample shape is " + num(shape[i]) +
               (shape[i] < 0 ? ", a negative size (only -1, kUnknown, means None)"
                             : ": a sample with no elements"))
        .fix(shape[i] < 0 ? "write kUnknown for a size known only when data arrives, or the "
                            "size itself"
                          : "give the shape of one sample without the batch axis, e.g. {28, 28, 1}")
        .raise();
  }
}

void check_input_count(const std::vector<std::string>& names, const std::vector<Shape>& shapes,
                       std::size_t got, const Site& where) {
  if (got == names.size()) return;
  std::string listing, order;
  for (std::size_t i = 0; i < names.size(); ++i) {
    listing += (i ? ", " : "") + num(static_cast<std::int64_t>(i)) + ": " + names[i] + " " +
               shapes[i].str();
    order += (i ? ", " : "") + names[i];
  }
  const bool fewer = got < names.size();
  Violation("input.count", Phase::run, where)
      .summary("the model has " + num(names.size()) + " input(s) but received " + num(got) +
               " array(s)")
      .expected(num(names.size()) + " arrays, for " + listing)
      .actual(num(got) + " arrays")
      .cause(fewer ? "no array was given for " + joined(std::vector<std::string>(
                                                   names.begin() + static_cast<long>(got), names.end()))
                   : num(got - names.size()) + " array(s) more than the model has Inputs")
      .fix(fewer ? "pass one array per Input, in this order: {" + order + "}"
                 : fix_for_data("drop the extra arrays, or add the Inputs they are meant for to "
                                "the Model: {" + order + "}",
                                "drop the extra arrays: one array per Input, in this order: {" +
                                    order + "}"))
      .raise();
}

void check_input_rank(const std::string& name, const Shape& want, const Shape& got,
                      std::size_t index, const Site& where) {
  if (got.rank() == want.rank()) return;
  std::string cause, fix;
  const int r = want.rank();
  if (got.rank() == r - 1 && same_dims(got, 0, want, 1, r - 1)) {
    cause = "this looks like a single sample without its batch axis";
    fix = expand_dims("0") + " to make a batch of one";
  } else if (got.rank() == r - 1 && want[r - 1] == 1 && same_dims(got, 1, want, 1, r - 2)) {
    cause = "the channel axis is missing: grayscale images stored as (N, H, W) need (N, H, W, 1)";
    fix = expand_dims("-1");
  } else if (got.rank() == r - 1 && r == 4 && want[3] > 1 && same_dims(got, 1, want, 1, 2)) {
    cause = "the channel axis is missing: (N, H, W) holds one value per pixel, grayscale images, "
            "while the Input takes " + num(want[3]) + " channels";
    fix = expand_dims("-1") + " gives (N, H, W, 1); then " +
          (want[3] == 3 ? "repeat the gray channel for RGB: " +
                              snippet("concat({g, g, g}, -1) with g = expand_dims(x, -1)",
                                      "np.repeat(np.expand_dims(x, -1), 3, axis=-1)")
                        : "convert the images to " + num(want[3]) + " channels");
    fix = fix_for_data(fix + ", or build the model for 1 channel", fix);
  } else if (got.rank() == r - 1 && r == 4 && got[2] == want[3]) {
    cause = "this looks like a single image " + got.str() + " without its batch axis, and of " +
            num(got[0]) + "x" + num(got[1]) + " where the Input declares " + hw(want);
    fix = expand_dims("0") + " to make a batch of one, and resize it to " + hw(want) + " (" +
          resize_to(want) + snippet(" takes one image too)", ")");
  } else if (got.rank() == r + 1 && same_dims(got, 2, want, 1, r - 1)) {
    cause = "the data has two batch axes (batches of " + num(got[1]) +
            " stacked again): it was batched twice";
    fix = snippet("remove the second batching (call Dataset::batch once), or reshape to (",
                  "reshape the array to (") + num(got[0] * got[1]) + ", ...)";
  } else {
    cause = "array " + num(static_cast<std::int64_t>(index)) + " has " + num(got.rank()) +
            " axes but the Input has " + num(r) + " (batch axis included)";
    fix = "give the data the Input's axes, batch first: " + want.str() + " (" +
          snippet("expand_dims", "np.expand_dims") + " adds a missing axis, " +
          snippet("squeeze", "np.squeeze") + " removes one of size 1)";
    fix = fix_for_data(fix + "; or declare the Input for the data's shape", fix);
  }
  Violation("input.rank", Phase::run, where)
      .summary("data for Input '" + name + "' has rank " + num(got.rank()) +
               ", the Input expects rank " + num(r))
      .expected(want)
      .actual(got)
      .cause(cause)
      .fix(fix)
      .raise();
}

void check_input_shape(const std::string& name, const Shape& want, const Shape& got,
                       const SizeUse& use, const Site& where) {
  auto diff = differing_axes(want, got);
  std::erase(diff, 0);
  if (diff.empty()) return;
  const bool image = want.rank() == 4;
  const bool spatial = image && std::all_of(diff.begin(), diff.end(), [](int d) { return d == 1 || d == 2; });
  const ChannelAdvice ca = image && diff == std::vector<int>{3} ? channel_advice(got[3], want[3])
                                                                 : ChannelAdvice{};
  std::string cause, fix;
  if (spatial && use.fixers.empty()) {
    cause = "the Input declares " + hw(want) + " and the data is " + hw(got) + ", but no layer " +
            "of this model depends on the height and width" +
            (use.free.empty() ? "" : ": " + joined(use.free) + " work on any size") +
            ". Only the Input's declaration refuses " + hw(got);
    const std::string resize = "resize the data to " + hw(want) + " (" + resize_to(want) + ")";
    fix = fix_for_data("declare the Input with None height and width, " + none_input(want) +
                           ", and the model takes images of any size; or " + resize, resize);
  } else if (spatial) {
    cause = "the model was built for " + hw(want) + " and " + joined(use.fixers) +
            "; with " + hw(got) + " that size would differ";
    fix = "resize the data to " + hw(want) + " (" + resize_to(want) + ", or a Resizing(" +
          dim_str(want[1]) + ", " + dim_str(want[2]) + ") layer after the Input)";
    if (use.flattened)
      fix = fix_for_data(fix + "; to take any size, use GlobalAveragePooling2D() instead of "
                               "Flatten() and declare " + none_input(want), fix);
  } else if (ca.known) {
    cause = "the model was built for " + num(want[3]) + " channels and the data has " +
            num(got[3]) + ": " + ca.cause;
    fix = fix_for_data(ca.fix + "; or build the model for " + num(got[3]) + " channel" +
                           (got[3] == 1 ? "" : "s") + " (its Input and the layers after it) and "
                           "train it again", ca.fix);
  } else if (diff == std::vector<int>{want.rank() - 1}) {
    const Text t = feature_text(want, got, use, image ? "channels" : "features");
    cause = t.cause;
    fix = t.fix;
  } else {
    const Text t = several_axes_text(want, got, diff, use);
    cause = t.cause;
    fix = t.fix;
  }
  Violation("input.shape", Phase::run, where)
      .summary("data for Input '" + name + "' differs on " + join_axes(diff, want.rank()))
      .expected(want)
      .actual(got)
      .mark(diff)
      .cause(cause)
      .fix(fix)
      .raise();
}

void check_input_dtype(const std::string& name, DType want, const Shape& want_shape, DType got,
                       const Shape& got_shape, const ValueRange& range, const Site& where) {
  if (got == want) return;
  const bool ints = !is_floating(got) && is_floating(want);
  const IntegerAdvice a = ints ? integer_advice(got, range) : IntegerAdvice{
      std::string("the data is ") + dtype_name(got) + " and the Input is " + dtype_name(want) +
          "; tenet does not convert silently",
      want == DType::f32 ? to_f32() : snippet("x.astype(DType::f64)", "x.astype('float64')")};
  Violation("input.dtype", Phase::run, where)
      .summary(std::string("data for Input '") + name + "' is " + dtype_name(got) +
               ", the Input expects " + dtype_name(want))
      .expected(std::string(dtype_name(want)) + " " + want_shape.str())
      .actual(std::string(dtype_name(got)) + " " + got_shape.str())
      .cause(a.cause)
      .fix(a.fix)
      .raise();
}

void check_layer_float(DType got, const ValueRange& range, const Site& layer, Phase phase) {
  if (got == DType::f32) return;
  if (phase == Phase::build && !is_floating(got))  // the graph feeds it integers: no data yet
    check_dtype(got, DType::f32, "input.dtype", layer, phase,
                "'" + layer.name + "' computes in float32, and the model's graph gives it " +
                    std::string(dtype_name(got)[0] == 'i' ? "an " : "a ") +
                    dtype_name(got) + " tensor (an integer Input, or an op that keeps integers) "
                    "with no conversion in between; tenet does not cast silently",
                "put " + rescaling() + " before '" + layer.name + "' (for 0..255 pixels; it "
                "outputs float32), or declare the Input float32 and pass " + to_f32() + by_255());
  const IntegerAdvice a = !is_floating(got) ? integer_advice(got, range) : IntegerAdvice{
      std::string(dtype_name(got)) + " data; tenet does not cast silently (Keras would cast it)",
      "convert with " + to_f32() + " before '" + layer.name + "'"};
  check_dtype(got, DType::f32, "input.dtype", layer, phase,
              "'" + layer.name + "' computes in float32 and receives " + a.cause, a.fix);
}

}  // namespace tenet::checks

namespace tenet::checks {

void check_sample_counts(const SampleArrays& a, const Shape* y, const Site& where) {
  const std::string note = sample_count_note(a.declared);
  const std::vector<Shape>& x = a.inputs;
  const std::int64_t n = x[0][0];
  for (std::size_t i = 1; i < x.size(); ++i)
    if (x[i][0] != n)
      Violation("batch.mismatch", Phase::run, where)
          .summary("the input arrays hold different numbers of samples")
          .expected(std::to_string(n) + " samples (as " + a.names[0] + ")")
          .actual(std::to_string(x[i][0]) + " samples for " + a.names[i])
          .cause("every Input needs one entry per sample; " + a.names[0] + " has " +
                 std::to_string(n) + " and " + a.names[i] + " has " + std::to_string(x[i][0]) +
                 "." + note)
          .fix("slice the arrays to the same samples (" +
               snippet("slice(x, 0, 0, " + std::to_string(std::min(n, x[i][0])) + ")",
                       "x[:" + std::to_string(std::min(n, x[i][0])) + "]") +
               ") or fix the pipeline that produced them")
          .raise();
  if (!y || (y->rank() > 0 && (*y)[0] == n)) return;
  const std::string labels = y->rank() == 0 ? std::string("a scalar label")
                                            : std::to_string((*y)[0]) + " labels " + y->str();
  Violation("batch.mismatch", Phase::run, where)
      .summary("inputs and labels hold different numbers of samples")
      .expected(std::to_string(n) + " labels (one per sample of " + a.names[0] + ")")
      .actual(labels)
      .cause("there are " + std::to_string(n) + " samples " + x[0].str() + " but " +
             (y->rank() == 0 ? std::string("no label axis") : labels) +
             "; each sample needs its label, on axis 0." + note)
      .fix("slice inputs and labels to the same samples, or check that labels and inputs "
           "come from the same split")
      .raise();
}

void check_label_samples(const std::string& labels, const Shape& y, const std::string& inputs,
                         const Shape& x, const Site& where) {
  if (y.rank() == 0 || x.rank() == 0 || y[0] == x[0]) return;
  Violation("batch.mismatch", Phase::run, where)
      .summary(labels + " holds " + std::to_string(y[0]) + " labels for " + std::to_string(x[0]) +
               " samples of " + inputs)
      .expected(std::to_string(x[0]) + " labels (one per sample of " + inputs + " " + x.str() + ")")
      .actual(std::to_string(y[0]) + " labels " + y.str())
      .mark({0})
      .cause(labels + " gives the true class of each sample of " + inputs + ", in order, so "
             "both count the same samples on axis 0: " + std::to_string(x[0]) + " and " +
             std::to_string(y[0]))
      .fix("pass the labels of the same samples as " + inputs + " (slice both with the same "
           "indices)")
      .raise();
}

}  // namespace tenet::checks
