#include <tenet/layers/reshape.hpp>

#include "core/graph/builtin.hpp"
#include "core/contracts/layer_checks.hpp"
#include <tenet/core/ops/ops.hpp>

namespace tenet {

namespace {

class ReshapeImpl : public LayerImpl, public detail::BuiltinLayer {
 public:
  ReshapeImpl(const Shape& target, ReshapeOptions o, std::source_location loc)
      : LayerImpl("Reshape", "reshape", o.name, loc), target_(target) {
    int rest = 0;
    bool bad = false;
    for (std::int64_t d : target_) {
      rest += d == -1;
      bad = bad || d == 0 || d < -1;
    }
    if (bad || rest > 1)
      checks::invalid_option(
          "Reshape target", target_text(), "sizes >= 1, with at most one -1", site(),
          Phase::build,
          bad ? "a size of 0 or below -1 cannot describe a per-sample shape"
              : "-1 means \"the rest\" and can stand for one axis only; " +
                    std::to_string(rest) + " axes are -1",
          "give the per-sample shape without the batch axis, e.g. Reshape({7, 7, 64}) or "
          "Reshape({-1, 64})");
  }

  // (batch, ...) -> (batch, *target), resolving -1 from the per-sample element count.
  Shape output_shape(const std::vector<Shape>& in, Phase phase) override {
    const Shape& s = in[0];
    Shape sample = s.rank() > 0 ? s.drop_front() : Shape{};
    return resolve(sample, phase).with_batch(s.rank() > 0 ? s[0] : kUnknown);
  }

  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override {
    const Tensor& x = in[0];
    return reshape(x, resolve(x.shape().drop_front(), Phase::run).with_batch(x.dim(0)));
  }

  std::string describe() const override { return target_.str(); }
  checks::LayerFacts facts() const override {
    checks::LayerFacts f = checks::facts_of(checks::SizeRule::reshapes);
    f.value_rule = checks::ValueRule::passes;  // input.range looks past it
    return f;
  }

  std::vector<LayerOption> options() const override {
    return {{"target_shape", std::vector<std::int64_t>(target_.begin(), target_.end())}};
  }

 private:
  Shape resolve(const Shape& sample, Phase phase) const {
    Shape out = target_;
    int rest = -1;
    for (int i = 0; i < out.rank(); ++i)
      if (out[i] == -1) rest = i;
    const std::int64_t known = checks::checked_known_numel(target_, site(), phase);
    if (!sample.fully_known()) return out;  // None axes in, None out: checked at run time
    const std::int64_t n = checks::checked_numel(sample, site(), phase);
    if (rest >= 0 && n % known == 0) out[rest] = n / known;
    else if (rest < 0 && n == known) return out;
    if (rest < 0 || n % known != 0) raise_size(sample, n, known, rest >= 0, phase);
    return out;
  }

  [[noreturn]] void raise_size(const Shape& sample, std::int64_t n, std::int64_t known,
                               bool has_rest, Phase phase) const {
    checks::reshape_layer_size(sample, n, target_, known, has_rest, site(), phase);
  }

  // The target as given, -1 included: "{-1, -1}" (Shape::str would print -1 as None).
  std::string target_text() const {
    std::string t;
    for (std::int64_t d : target_) t += (t.empty() ? "{" : ", ") + std::to_string(d);
    return (t.empty() ? "{" : t) + "}";
  }

  Shape target_;
};

}  // namespace

Reshape::Reshape(const Shape& target, ReshapeOptions options, std::source_location loc)
    : Layer(std::make_shared<ReshapeImpl>(target, options, loc)) {}

}  // namespace tenet
