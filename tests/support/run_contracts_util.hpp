#pragma once
// Small models, a sparse loss, temp files and a generator Dataset for the run-phase contract tests.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "support/test_contracts_util.hpp"

namespace tenet::testing {
using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;

inline Model compiled(Model m, Loss loss) {
  m.compile({.optimizer = SGD(), .loss = std::move(loss)});
  return m;
}
inline Loss sparse() { return SparseCategoricalCrossentropy({.from_logits = true}); }

inline std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tenet_contracts_" + name)).string();
}

inline data::Dataset generator(std::vector<std::int64_t> inputs, std::vector<std::int64_t> labels) {
  return data::Dataset::from_generator(std::function<data::Generator()>([=] {
    return data::Generator([=, i = std::size_t{0}]() mutable -> std::optional<data::Batch> {
      if (i == inputs.size()) return std::nullopt;
      data::Batch b{{Tensor::zeros({inputs[i], 4})}, Tensor::zeros({labels[i]}, DType::i32)};
      ++i;
      return b;
    });
  }));
}

}  // namespace tenet::testing
