#include "bench_common.hpp"
#include "bench_pair.hpp"
#include "core/kernels/conv.hpp"  // winograd_rule: the variant asks tenet's own rule

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

namespace tenet_bench {

using namespace tenet;

Model build_net(char net) {
  auto image = Input({28, 28, 1}, {.name = "image"});
  auto relu = Activation::relu;
  if (net == 'C') {
    auto thumb = Input({14, 14, 1}, {.name = "thumb"});
    auto a = MaxPool2D({2, 2})(Conv2D(16, {3, 3}, {.padding = Padding::same, .activation = relu})(image));
    auto b = Conv2D(16, {3, 3}, {.padding = Padding::same, .activation = relu})(thumb);
    auto z = Concatenate()({a, b});
    z = MaxPool2D({2, 2})(Conv2D(32, {3, 3}, {.padding = Padding::same, .activation = relu})(z));
    return Model({image, thumb}, Dense(10)(Flatten()(z)), "net_C");
  }
  auto conv = [&](SymbolicTensor x, std::int64_t filters) {
    if (net == 'B') return ReLU()(BatchNorm()(Conv2D(filters, {3, 3})(x)));
    return Conv2D(filters, {3, 3}, {.activation = relu})(x);
  };
  auto x = MaxPool2D({2, 2})(conv(image, 32));
  x = MaxPool2D({2, 2})(conv(x, 64));
  x = Dense(128, {.activation = relu})(Flatten()(x));
  return Model(image, Dense(10)(x), std::string("net_") + net);
}

WinogradRule tenet_winograd_rule() {
  return [](int pass, const std::vector<std::int64_t>& x, std::int64_t filters, std::int64_t pad) {
    const std::int64_t oh = x[2] + 2 * pad - 2, ow = x[3] + 2 * pad - 2;
    kernels::ConvGeometry g{Shape{x[0], x[2], x[3], x[1]}, filters, {3, 3}, {1, 1}, {1, 1},
                            {pad, pad}, {pad, pad}, {oh, ow}};
    const kernels::ConvPass passes[] = {kernels::ConvPass::forward,
                                        kernels::ConvPass::backward_data,
                                        kernels::ConvPass::backward_weights};
    return kernels::winograd_rule(g, passes[pass]);
  };
}

void compile(Model& m) {
  m.compile({.optimizer = SGD({.learning_rate = 0.01, .momentum = 0.9}),
             .loss = SparseCategoricalCrossentropy({.from_logits = true})});
}

Data load(std::int64_t n) {
  auto [train, test] = data::load_fashion_mnist();
  Data d;
  d.images = expand_dims(slice(train.images, 0, 0, n), -1).astype(DType::f32) / 255.0;
  d.thumbs = data::resize(d.images, {14, 14});
  d.labels = slice(train.labels, 0, 0, n).astype(DType::i32);
  return d;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

namespace {
// A "Vm...:" field of /proc/self/status (kB) in MiB; 0 when missing.
double status_mib(const std::string& field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(field.size())) / 1024.0;
  return 0;
}
}  // namespace

double peak_rss_mib() { return status_mib("VmHWM:"); }
double rss_mib() { return status_mib("VmRSS:"); }

void print_decisions(const char* prefix,
                     const std::vector<tenet::runtime::ThreadGovernor::Decision>& decisions,
                     std::int64_t from) {
  std::printf("%s", prefix);
  for (const auto& e : decisions)
    if (e.step >= from) {
      std::printf(" [%lld %s %d", static_cast<long long>(e.step), e.what, e.threads);
      if (e.usual > 0) std::printf(" %.1f vs %.1f us", 1e6 * e.seconds, 1e6 * e.usual);
      std::printf("]");
    }
  std::printf("\n");
}

double seconds_since_process_start() {
  std::ifstream stat("/proc/self/stat");
  std::string s((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto p = s.rfind(')');
  std::vector<std::string> fields;
  std::string f;
  for (std::size_t i = p + 2; i < s.size(); ++i)
    if (s[i] == ' ') fields.push_back(f), f.clear();
    else f += s[i];
  double start = std::stod(fields[19]) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream up("/proc/uptime");
  double uptime = 0;
  up >> uptime;
  return uptime - start;
}

double load_average() {
  std::ifstream f("/proc/loadavg");
  double v = 0;
  f >> v;
  return v;
}

}  // namespace tenet_bench
