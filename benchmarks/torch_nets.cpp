// libtorch versions of the benchmark nets A, B, C (see torch_nets.hpp). Everything here is in
// libtorch's NCHW layout; the caller's (N, H, W, 1) images are the same bytes as (N, 1, H, W).
#include "torch_nets.hpp"

#include <torch/torch.h>

#include <cstring>
#include <stdexcept>

namespace tenet_bench {
namespace nn = torch::nn;

namespace {

nn::Conv2d conv(std::int64_t in, std::int64_t out, bool same) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(same ? 1 : 0));
}

// Keras's BatchNormalization defaults: moving average 0.99 (torch's momentum 0.01), eps 1e-3.
nn::BatchNorm2d batch_norm(std::int64_t channels) {
  return nn::BatchNorm2d(nn::BatchNorm2dOptions(channels).eps(1e-3).momentum(0.01));
}

// Nets A and B: (N, 1, 28, 28) -> conv 32 -> (N, 32, 26, 26) -> pool -> (N, 32, 13, 13)
// -> conv 64 -> (N, 64, 11, 11) -> pool -> (N, 64, 5, 5) -> flatten (N, 1600) -> 128 -> 10.
struct ConvNetImpl : nn::Module {
  explicit ConvNetImpl(bool with_bn)
      : conv1(register_module("conv1", conv(1, 32, false))),
        conv2(register_module("conv2", conv(32, 64, false))),
        fc1(register_module("fc1", nn::Linear(1600, 128))),
        fc2(register_module("fc2", nn::Linear(128, 10))) {
    if (with_bn) {
      bn1 = register_module("bn1", batch_norm(32));
      bn2 = register_module("bn2", batch_norm(64));
    }
  }
  torch::Tensor forward(torch::Tensor x) {  // x: (N, 1, 28, 28)
    x = conv1(x);
    if (bn1) x = bn1(x);
    x = torch::max_pool2d(torch::relu(x), 2);  // (N, 32, 13, 13)
    x = conv2(x);
    if (bn2) x = bn2(x);
    x = torch::max_pool2d(torch::relu(x), 2);  // (N, 64, 5, 5)
    x = torch::relu(fc1(x.flatten(1)));        // (N, 128)
    return fc2(x);                             // (N, 10)
  }
  nn::Conv2d conv1, conv2;
  nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  nn::Linear fc1, fc2;
};
TORCH_MODULE(ConvNet);

// Net C: image (N, 1, 28, 28) -> conv 16 same -> pool -> (N, 16, 14, 14); thumbnail
// (N, 1, 14, 14) -> conv 16 same -> (N, 16, 14, 14); cat -> (N, 32, 14, 14) -> conv 32 same
// -> pool -> (N, 32, 7, 7) -> flatten (N, 1568) -> 10.
struct TwoInputNetImpl : nn::Module {
  TwoInputNetImpl()
      : conv_image(register_module("conv_image", conv(1, 16, true))),
        conv_thumb(register_module("conv_thumb", conv(1, 16, true))),
        conv3(register_module("conv3", conv(32, 32, true))),
        fc(register_module("fc", nn::Linear(1568, 10))) {}
  torch::Tensor forward(torch::Tensor image, torch::Tensor thumb) {
    auto a = torch::max_pool2d(torch::relu(conv_image(image)), 2);  // (N, 16, 14, 14)
    auto b = torch::relu(conv_thumb(thumb));                         // (N, 16, 14, 14)
    auto z = torch::max_pool2d(torch::relu(conv3(torch::cat({a, b}, 1))), 2);  // (N, 32, 7, 7)
    return fc(z.flatten(1));                                         // (N, 10)
  }
  nn::Conv2d conv_image, conv_thumb, conv3;
  nn::Linear fc;
};
TORCH_MODULE(TwoInputNet);

}  // namespace

struct TorchNet::Impl {
  char net;
  int batch;
  nn::AnyModule module;
  std::vector<torch::Tensor> params;
  std::unique_ptr<torch::optim::SGD> sgd;
  torch::Tensor labels = torch::empty({0}, torch::kLong);  // (N) int64

  torch::Tensor forward(const float* images_nhwc, const float* thumbs_nhwc) {
    auto f32 = torch::TensorOptions().dtype(torch::kFloat);
    // (N, 28, 28, 1) == (N, 1, 28, 28) in memory: libtorch only reads it.
    auto image = torch::from_blob(const_cast<float*>(images_nhwc), {batch, 1, 28, 28}, f32);
    if (net != 'C') return module.forward(image);
    auto thumb = torch::from_blob(const_cast<float*>(thumbs_nhwc), {batch, 1, 14, 14}, f32);
    return module.forward(image, thumb);
  }
};

TorchNet::TorchNet(char net, int batch, std::uint64_t seed) : impl_(std::make_unique<Impl>()) {
  if (net != 'A' && net != 'B' && net != 'C') throw std::invalid_argument("TorchNet: net A, B or C");
  torch::manual_seed(seed);
  impl_->net = net;
  impl_->batch = batch;
  if (net == 'C') impl_->module = nn::AnyModule(TwoInputNet());
  else impl_->module = nn::AnyModule(ConvNet(net == 'B'));
  torch::NoGradGuard no_grad;
  for (auto& p : impl_->module.ptr()->named_parameters()) {
    bool kernel = p.value().dim() > 1 && p.key().find("bn") == std::string::npos;
    if (kernel) nn::init::xavier_uniform_(p.value());             // Glorot uniform, as Keras
    else if (p.key().find("bn") != std::string::npos && p.key().ends_with("weight")) p.value().fill_(1);
    else p.value().zero_();                                       // biases, BN beta
    impl_->params.push_back(p.value());
  }
  impl_->sgd = std::make_unique<torch::optim::SGD>(
      impl_->params, torch::optim::SGDOptions(0.01).momentum(0.9));
  impl_->labels = torch::empty({batch}, torch::kLong);
}

TorchNet::~TorchNet() = default;
TorchNet::TorchNet(TorchNet&&) noexcept = default;
TorchNet& TorchNet::operator=(TorchNet&&) noexcept = default;

float TorchNet::train_step(const float* images_nhwc, const float* thumbs_nhwc_or_null,
                           const std::int32_t* labels) {
  auto& m = *impl_;
  auto* l = m.labels.data_ptr<std::int64_t>();  // (N)
  for (int i = 0; i < m.batch; ++i) l[i] = labels[i];
  m.sgd->zero_grad();
  auto loss = torch::nn::functional::cross_entropy(m.forward(images_nhwc, thumbs_nhwc_or_null), m.labels);
  loss.backward();
  m.sgd->step();
  return loss.item<float>();
}

void TorchNet::predict(const float* images_nhwc, const float* thumbs_nhwc_or_null, float* logits_out) {
  auto& m = *impl_;
  torch::NoGradGuard no_grad;
  m.module.ptr()->eval();
  auto logits = m.forward(images_nhwc, thumbs_nhwc_or_null).contiguous();  // (N, 10)
  m.module.ptr()->train();
  std::memcpy(logits_out, logits.data_ptr<float>(), sizeof(float) * static_cast<std::size_t>(m.batch) * 10);
}

std::int64_t TorchNet::parameter_count() const {
  std::int64_t n = 0;
  for (const auto& p : impl_->params) n += p.numel();
  return n;
}

void TorchNet::set_threads(int n) { at::set_num_threads(n); }

std::string TorchNet::version() {
  return "libtorch " + std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) +
         "." + std::to_string(TORCH_VERSION_PATCH);
}

}  // namespace tenet_bench
