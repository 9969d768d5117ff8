#pragma once
// The CPU model every benchmark prints beside its figures (the machines this project is measured
// on are sometimes Intel, sometimes AMD). Header-only: the oneDNN-only benchmarks use it too.
#include <fstream>
#include <string>

namespace tenet_bench {

// /proc/cpuinfo's first "model name" (lscpu's Model name), or "unknown CPU".
inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  return "unknown CPU";
}

}  // namespace tenet_bench
