#include "predict_bench.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/training/model_state.hpp"
#include "reference/onednn_nets.hpp"

namespace tenet_bench {

using namespace tenet;

PredictTimes time_predict(char net, std::int64_t batch, const Data& d, int calls) {
  Model m = build_net(net);
  ReferenceNet ref = make_reference(net, static_cast<int>(batch));
  std::vector<Tensor> x{slice(d.images, 0, 0, batch)};
  if (net == 'C') x.push_back(slice(d.thumbs, 0, 0, batch));
  std::vector<float> logits(static_cast<std::size_t>(batch) * 10);
  std::vector<double> tt, rt;
  const PredictOptions options{.batch_size = batch};
  for (int i = 0; i < calls; ++i) {
    auto t0 = Clock::now();
    (void)m.predict(x, options);
    auto t1 = Clock::now();
    ref.predict(d.images.data<float>(), net == 'C' ? d.thumbs.data<float>() : nullptr, logits.data());
    auto t2 = Clock::now();
    if (i >= 20) {
      tt.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      rt.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
    }
  }
  return {median(tt), median(rt)};
}

int predict_table(const Data& d, const std::string& nets) {
  std::printf("predict: tenet Model::predict vs the reference's forward pass, alternating, "
              "medians per call; %d threads (tenet %s)\n", num_threads(),
              adaptive_threads() ? "adaptive" : "pinned");
  std::printf("%-22s %10s %10s %12s %12s %8s\n", "case", "tenet us", "ref us", "tenet im/s",
              "ref im/s", "ratio");
  for (char n : nets)
    for (std::int64_t b : {1, 4, 16, 256}) {
      const PredictTimes t = time_predict(n, b, d, b == 256 ? 60 : 220);
      std::printf("%-22s %10.1f %10.1f %12.0f %12.0f %8.2f   [%s, load %.2f]\n",
                  ("net " + std::string(1, n) + ", batch " + std::to_string(b)).c_str(), t.tenet_us,
                  t.ref_us, 1e6 * static_cast<double>(b) / t.tenet_us,
                  1e6 * static_cast<double>(b) / t.ref_us, t.tenet_us / t.ref_us, cpu_model().c_str(),
                  load_average());
      std::fflush(stdout);
    }
  std::printf("(ratio: tenet time / reference time, lower is better)\n");
  return 0;
}

namespace {
// One call of predict_loop after the warm-up, not inlined so that callgrind can count these
// calls alone (--toggle-collect='*timed_call*').
[[gnu::noinline]] void timed_call(Model& m, const std::vector<Tensor>& x, ReferenceNet* ref,
                                  const Data& d, float* logits) {
  if (ref)
    ref->predict(d.images.data<float>(), ref->takes_thumbnails() ? d.thumbs.data<float>() : nullptr,
                 logits);
  else
    (void)m.predict(x, {.batch_size = 1});
}
}  // namespace

int predict_loop(char net, const Data& d, int calls, bool reference) {
  Model m = build_net(net);
  ReferenceNet ref = make_reference(net, 1);
  std::vector<Tensor> x{slice(d.images, 0, 0, 1)};
  if (net == 'C') x.push_back(slice(d.thumbs, 0, 0, 1));
  float logits[10];
  const float* thumbs = net == 'C' ? d.thumbs.data<float>() : nullptr;
  for (int i = 0; i < 20; ++i) {  // warm-up: plans, primitives, the thread-count trials
    (void)m.predict(x, {.batch_size = 1});
    ref.predict(d.images.data<float>(), thumbs, logits);
  }
  std::vector<double> t;
  for (int i = 0; i < calls; ++i) {
    auto t0 = Clock::now();
    timed_call(m, x, reference ? &ref : nullptr, d, logits);
    t.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::printf("net %c, batch 1, %s: median %.1f us per call over %d calls after 20 warm-up calls  "
              "[%s, load %.2f]\n", net, reference ? "reference" : "tenet", median(t), calls,
              cpu_model().c_str(), load_average());
  if (!reference) {  // the governor's count and decisions, and the bits of one more prediction
    const auto st = tenet::model_state(m)->predict_threads.state(1);
    std::printf("governor: current %d, trials %lld, steps %lld; ", st.current,
                static_cast<long long>(st.trials), static_cast<long long>(st.steps));
    print_decisions("decisions:", tenet::model_state(m)->predict_threads.decisions(1));
    const Tensor y = m.predict(x, {.batch_size = 1});
    std::uint64_t h = 1469598103934665603ULL;
    const auto* b = static_cast<const unsigned char*>(y.raw_data());
    for (std::size_t i = 0; i < y.nbytes(); ++i) h = (h ^ b[i]) * 1099511628211ULL;
    std::printf("net %c, batch 1, tenet: prediction bits %016llx\n", net,
                static_cast<unsigned long long>(h));
  }
  return 0;
}

}  // namespace tenet_bench
