// The three reference nets on top of the primitive list of onednn_graph, plus the loss
// (sparse softmax cross-entropy from logits, mean over the batch) as a plain loop.
#include "reference/onednn_nets.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "reference/onednn_graph.hpp"

namespace tenet_bench {

using detail::Act;

struct ReferenceNet::Impl {
  char net;
  ReferenceOptions opt;
  detail::Graph graph;
  Act image, thumb, logits;

  Impl(char n, ReferenceOptions o) : net(n), opt(o), graph(o.seed) {
    if (n != 'A' && n != 'B' && n != 'C')
      throw std::invalid_argument(std::string("reference net must be 'A', 'B' or 'C', got '") +
                                  n + "'");
    if (o.batch < 1) throw std::invalid_argument("reference batch must be >= 1");
    graph.set_winograd(o.winograd);
    if (n == 'C') build_c(); else build_ab(n == 'B');
    graph.finish();
  }

  Act conv_block(const Act& x, std::int64_t filters, std::int64_t pad, bool bn) {
    if (!bn) return graph.conv3x3(x, filters, pad, /*relu=*/true);
    return graph.batchnorm_relu(graph.conv3x3(x, filters, pad, false), opt.bn_epsilon);
  }

  void build_ab(bool bn) {
    image = graph.input(opt.batch, 1, 28, 28);
    Act h = graph.maxpool2x2(conv_block(image, 32, 0, bn));   // (N, 32, 13, 13)
    h = graph.maxpool2x2(conv_block(h, 64, 0, bn));           // (N, 64, 5, 5)
    h = graph.dense(h, 128, /*relu=*/true, /*logits=*/false);  // (N, 128)
    logits = graph.dense(h, 10, false, true);                  // (N, 10) plain nc
  }

  void build_c() {
    image = graph.input(opt.batch, 1, 28, 28);
    thumb = graph.input(opt.batch, 1, 14, 14);
    Act a = graph.maxpool2x2(graph.conv3x3(image, 16, 1, true));  // (N, 16, 14, 14)
    Act b = graph.conv3x3(thumb, 16, 1, true);                    // (N, 16, 14, 14)
    Act h = graph.concat_channels({a, b});                        // (N, 32, 14, 14)
    h = graph.maxpool2x2(graph.conv3x3(h, 32, 1, true));          // (N, 32, 7, 7)
    logits = graph.dense(h, 10, false, true);                     // (N, 10)
  }

  void bind(const float* images, const float* thumbs) {
    graph.bind(image, images);
    if (net == 'C') {
      if (!thumbs) throw std::invalid_argument("reference net C needs the thumbnail input");
      graph.bind(thumb, thumbs);
    }
  }

  // logits (N, 10) -> mean cross-entropy; writes d(loss)/d(logits) = (softmax - onehot) / N.
  float loss_and_grad(const std::int32_t* labels) {
    const float* z = static_cast<const float*>(logits.value.get_data_handle());
    float* dz = static_cast<float*>(logits.diff.get_data_handle());
    const int n = opt.batch, k = 10;
    double total = 0.0;
    for (int i = 0; i < n; ++i) {
      const float* zi = z + i * k;
      float* di = dz + i * k;
      std::int32_t y = labels[i];
      if (y < 0 || y >= k) throw std::out_of_range("reference label outside [0, 10)");
      float m = *std::max_element(zi, zi + k);
      double sum = 0.0;
      for (int j = 0; j < k; ++j) sum += std::exp(static_cast<double>(zi[j] - m));
      double lse = m + std::log(sum);
      total += lse - zi[y];
      for (int j = 0; j < k; ++j)
        di[j] = static_cast<float>(std::exp(zi[j] - lse) / n);
      di[y] -= 1.0f / static_cast<float>(n);
    }
    return static_cast<float>(total / n);
  }
};

ReferenceNet::ReferenceNet(char net, ReferenceOptions options)
    : impl_(std::make_unique<Impl>(net, options)) {}
ReferenceNet::~ReferenceNet() = default;
ReferenceNet::ReferenceNet(ReferenceNet&&) noexcept = default;
ReferenceNet& ReferenceNet::operator=(ReferenceNet&&) noexcept = default;

float ReferenceNet::train_step(const float* images, const float* thumbs,
                               const std::int32_t* labels) {
  Impl& m = *impl_;
  float loss = loss_and_gradients(images, thumbs, labels);
  m.graph.sgd(m.opt.learning_rate, m.opt.momentum);
  if (m.net == 'B') m.graph.update_moving_stats(m.opt.bn_momentum);
  return loss;
}

void ReferenceNet::predict(const float* images, const float* thumbs, float* logits_out) {
  Impl& m = *impl_;
  m.bind(images, thumbs);
  m.graph.forward_inference();
  const float* z = static_cast<const float*>(m.logits.value.get_data_handle());
  std::copy(z, z + static_cast<std::ptrdiff_t>(m.opt.batch) * 10, logits_out);
}

char ReferenceNet::net() const { return impl_->net; }
int ReferenceNet::batch() const { return impl_->opt.batch; }
std::int64_t ReferenceNet::parameter_count() const { return impl_->graph.parameter_count(); }
std::string ReferenceNet::describe() const { return impl_->graph.describe(); }

std::string ReferenceNet::profile(const float* images, const float* thumbs,
                                  const std::int32_t* labels, int steps) {
  impl_->bind(images, thumbs);
  const auto rows = impl_->graph.profile(steps, [&] { impl_->loss_and_grad(labels); });
  std::string out;
  char line[160];
  std::snprintf(line, sizeof line, "%-36s %12s %12s\n", "reference layer", "forward ms", "backward ms");
  out += line;
  double total = 0;
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%-36s %12.3f %12.3f\n", r.layer.c_str(), r.forward_ms,
                  r.backward_ms);
    out += line;
    total += r.forward_ms + r.backward_ms;
  }
  std::snprintf(line, sizeof line, "%-36s %25.3f   (SGD and the loss not included)\n",
                "layers total", total);
  return out + line;
}

float ReferenceNet::loss(const float* images, const float* thumbs, const std::int32_t* labels) {
  impl_->bind(images, thumbs);
  impl_->graph.forward_training();
  return impl_->loss_and_grad(labels);
}

float ReferenceNet::loss_and_gradients(const float* images, const float* thumbs,
                                       const std::int32_t* labels) {
  float l = loss(images, thumbs, labels);
  impl_->graph.backward();
  return l;
}

int ReferenceNet::parameter_tensors() const { return impl_->graph.parameter_tensors(); }
double ReferenceNet::gradient_sq_norm(int k) const { return impl_->graph.gradient_sq_norm(k); }
void ReferenceNet::move_along_gradient(int k, float step) {
  impl_->graph.move_along_gradient(k, step);
}

}  // namespace tenet_bench
