// How the cost of building a model grows with its size: a chain of n Dense(4) layers called on
// SymbolicTensors, then Model(input, output), summary_text() and to_dot(), for n = 1,000, 4,000
// and 20,000 (or the sizes given on the command line). Building is linear when the time per
// layer stays flat: the last line prints the ratio of the largest size's time per layer to the
// smallest's (about 1 when linear; it was 6.4 s for 4,000 layers and over 120 s for 20,000 when
// every symbolic call walked the whole graph upstream).
//
//   graph_bench [n ...]     one line per size, then the ratio; the CPU model on every line
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <tenet/tenet.hpp>

#include "cpu_model.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

using tenet_bench::cpu_model;

struct Timing {
  double calls = 0, model = 0, text = 0, destroy = 0;
  double total() const { return calls + model + text + destroy; }
};

Timing measure(int n) {
  tenet::clear_session();
  Timing t;
  auto t0 = Clock::now();
  {
    auto input = tenet::Input({4});
    tenet::SymbolicTensor x = input;
    for (int i = 0; i < n; ++i) x = tenet::Dense(4)(x);
    t.calls = since(t0);
    t0 = Clock::now();
    tenet::Model model(input, x);
    t.model = since(t0);
    t0 = Clock::now();
    std::size_t chars = model.summary_text().size() + model.to_dot().size();
    t.text = since(t0);
    if (chars == 0) std::printf("empty summary\n");
    t0 = Clock::now();
  }
  t.destroy = since(t0);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
  if (sizes.empty()) sizes = {1000, 4000, 20000};
  const std::string cpu = cpu_model();
  std::vector<double> per_layer;
  for (int n : sizes) {
    Timing t = measure(n);
    per_layer.push_back(t.total() / n * 1e6);
    std::printf("n=%6d  total %8.3f s  (calls %.3f, Model %.3f, summary+dot %.3f, destroy %.3f)  "
                "%7.2f us/layer  [%s]\n",
                n, t.total(), t.calls, t.model, t.text, t.destroy, per_layer.back(), cpu.c_str());
  }
  if (per_layer.size() > 1)
    std::printf("ratio us/layer n=%d / n=%d: %.2f (linear => ~1)  [%s]\n", sizes.back(), sizes.front(),
                per_layer.back() / per_layer.front(), cpu.c_str());
  return 0;
}
