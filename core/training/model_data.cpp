// Model::check_data: the input.* and batch.mismatch contracts, and the labels against the
// loss, checked before any step runs.
#include "core/training/model_state.hpp"

namespace tenet {

namespace {

std::string inputs_listing(const std::vector<SymbolicTensor>& inputs) {
  std::string s;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    s += (s.empty() ? "" : ", ") + std::to_string(i) + ": " + inputs[i].name() + " " +
         inputs[i].shape().str();
  return s;
}

bool same_dims(const Shape& a, int a_from, const Shape& b, int b_from, int count) {
  for (int i = 0; i < count; ++i)
    if (a[a_from + i] >= 0 && b[b_from + i] >= 0 && a[a_from + i] != b[b_from + i]) return false;
  return true;
}

void check_rank(const SymbolicTensor& in, const Shape& got, std::size_t i) {
  const Shape& want = in.shape();
  if (got.rank() == want.rank()) return;
  const Site where = in.producer()->site();
  std::string cause, fix;
  const int r = want.rank();
  if (got.rank() == r - 1 && same_dims(got, 0, want, 1, r - 1)) {
    cause = "this looks like a single sample without its batch axis";
    fix = "expand_dims(x, 0) to make a batch of one";
  } else if (got.rank() == r - 1 && want[r - 1] == 1 && same_dims(got, 1, want, 1, r - 2)) {
    cause = "the channel axis is missing: grayscale images stored as (N, H, W) need (N, H, W, 1)";
    fix = "expand_dims(x, -1)";
  } else if (got.rank() == r + 1 && same_dims(got, 2, want, 1, r - 1)) {
    cause = "the data has two batch axes (batches of " + std::to_string(got[1]) +
            " stacked again): it was batched twice";
    fix = "remove the second batching (call Dataset::batch once), or reshape to (" +
          std::to_string(got[0] * got[1]) + ", ...)";
  } else {
    cause = "array " + std::to_string(i) + " has " + std::to_string(got.rank()) +
            " axes but the Input has " + std::to_string(r) + " (batch axis included)";
    fix = "reshape the data to " + want.str() + " with the batch axis first";
  }
  checks::Violation("input.rank", Phase::run, where)
      .summary("data for Input '" + in.name() + "' has rank " + std::to_string(got.rank()) +
               ", the Input expects rank " + std::to_string(r))
      .expected(want)
      .actual(got)
      .cause(cause)
      .fix(fix)
      .raise();
}

void check_shape(const SymbolicTensor& in, const Shape& got) {
  const Shape& want = in.shape();
  auto diff = checks::differing_axes(want, got);
  std::erase(diff, 0);
  if (diff.empty()) return;
  bool spatial = want.rank() == 4 && std::all_of(diff.begin(), diff.end(), [](int d) { return d == 1 || d == 2; });
  std::string fix = spatial
      ? "resize the data to " + std::to_string(want[1]) + "x" + std::to_string(want[2]) +
            " (data::resize, or a Resizing(" + std::to_string(want[1]) + ", " +
            std::to_string(want[2]) + ") layer after the Input), or declare the Input with "
            "None height/width if every layer allows it (GlobalAveragePooling2D instead of "
            "Flatten)"
      : "reshape or convert the data to " + want.str();
  checks::Violation("input.shape", Phase::run, in.producer()->site())
      .summary("data for Input '" + in.name() + "' differs on a fixed axis")
      .expected(want)
      .actual(got)
      .mark(diff)
      .cause("the model was built for " + want.str() + " and its layers' weights were sized "
             "for that; nothing overflows, but tenet refuses rather than compute on a "
             "different size")
      .fix(fix)
      .raise();
}

// batch.mismatch: every input array, and the labels, hold one entry per sample. The note
// about resizing is made only when the model has an image Input.
void check_sample_counts(const std::vector<SymbolicTensor>& ins, const std::vector<Tensor>& x,
                         const Tensor* y, const Site& where) {
  std::vector<Shape> input_shapes;
  for (const auto& in : ins) input_shapes.push_back(in.shape());
  const std::string note = checks::sample_count_note(input_shapes);
  const std::int64_t n = x[0].dim(0);
  for (std::size_t i = 1; i < x.size(); ++i)
    if (x[i].dim(0) != n)
      checks::Violation("batch.mismatch", Phase::run, where)
          .summary("the input arrays hold different numbers of samples")
          .expected(std::to_string(n) + " samples (as " + ins[0].name() + ")")
          .actual(std::to_string(x[i].dim(0)) + " samples for " + ins[i].name())
          .cause("every Input needs one entry per sample; " + ins[0].name() + " has " +
                 std::to_string(n) + " and " + ins[i].name() + " has " +
                 std::to_string(x[i].dim(0)) + "." + note)
          .fix("slice the arrays to the same samples (slice(x, 0, 0, " +
               std::to_string(std::min(n, x[i].dim(0))) + ")) or fix the pipeline that "
               "produced them")
          .raise();
  if (!y || (y->rank() > 0 && y->dim(0) == n)) return;
  const std::string labels = y->rank() == 0 ? std::string("a scalar label")
                                            : std::to_string(y->dim(0)) + " labels " + y->shape().str();
  checks::Violation("batch.mismatch", Phase::run, where)
      .summary("inputs and labels hold different numbers of samples")
      .expected(std::to_string(n) + " labels (one per sample of " + ins[0].name() + ")")
      .actual(labels)
      .cause("there are " + std::to_string(n) + " samples " + x[0].shape().str() + " but " +
             (y->rank() == 0 ? std::string("no label axis") : labels) +
             "; each sample needs its label, on axis 0." + note)
      .fix("slice inputs and labels to the same samples, or check that labels and inputs "
           "come from the same split")
      .raise();
}

}  // namespace

void Model::check_data(const std::vector<Tensor>& x, const Tensor* y, Phase phase,
                       std::source_location loc) const {
  (void)phase;
  const ScopedUserCall user("model.check_data", loc);
  check_handles(x, y, "check_data", call_site(*s_, "check_data"));
  const auto& ins = s_->inputs;
  if (x.size() != ins.size())
    checks::Violation("input.count", Phase::run, s_->site)
        .summary("the model has " + std::to_string(ins.size()) + " input(s) but received " +
                 std::to_string(x.size()) + " array(s)")
        .expected(std::to_string(ins.size()) + " arrays, for " + inputs_listing(ins))
        .actual(std::to_string(x.size()) + " arrays")
        .cause(x.size() < ins.size() ? "an array is missing for " + ins[x.size()].name()
                                     : "there are more arrays than Inputs")
        .fix("pass one array per Input, in this order: {" + [&] {
               std::string s;
               for (const auto& in : ins) s += (s.empty() ? "" : ", ") + in.name();
               return s;
             }() + "}")
        .raise();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const auto& in = ins[i];
    if (x[i].dtype() != in.dtype()) {
      bool ints = !is_floating(x[i].dtype());
      checks::Violation("input.dtype", Phase::run, in.producer()->site())
          .summary(std::string("data for Input '") + in.name() + "' is " +
                   dtype_name(x[i].dtype()) + ", the Input expects " + dtype_name(in.dtype()))
          .expected(std::string(dtype_name(in.dtype())) + " " + in.shape().str())
          .actual(std::string(dtype_name(x[i].dtype())) + " " + x[i].shape().str())
          .cause(ints ? "integer pixels (0..255) were passed as is; tenet does not cast "
                        "silently, because a cast without scaling trains on values 255 times "
                        "larger than intended"
                      : "the floating-point precision differs from the Input's")
          .fix(ints ? "x.astype(DType::f32) / 255.0 (or to_float(x)), or declare the Input "
                      "with dtype uint8 and put Rescaling(1.0 / 255) first"
                    : std::string("x.astype(DType::") +
                          (in.dtype() == DType::f32 ? "f32" : "f64") + ")")
          .raise();
    }
    check_rank(in, x[i].shape(), i);
    check_shape(in, x[i].shape());
  }
  check_sample_counts(ins, x, y, s_->site);
  if (!y) return;
  if (s_->is_compiled && s_->compiled.loss.defined()) {
    const auto& loss = s_->compiled.loss.impl();
    loss->check_labels(s_->outputs[0].shape(), *y, Phase::run, Site(loss->name(), "Loss"));
  }
}

}  // namespace tenet
