// A model read from a Keras file: its errors name the file and the layer they came from, never
// tenet's reader ("created by layer 'concatenate' in concat_sizes.keras", not
// keras_model_read.cpp:NNN), and the user's line of load_model or of the failing call; and a
// file whose kernels hold more parameters than keras::LoadOptions::max_parameters (default
// kMaxParameters) is refused before they are allocated (model.unsupported naming the limit,
// the count and the layer).
#include <doctest/doctest.h>

#include <limits>

#include "support/keras_fixtures.hpp"
#include "support/test_contracts_util.hpp"

using namespace tenet;
using contracts_test::at;
using contracts_test::capture;
using contracts_test::has;

namespace {

std::string seed(const std::string& name) {
  return std::string(TENET_SOURCE_DIR) + "/tests/fixtures/seed/" + name;
}

// A Sequential of Dense layers of `units` on an Input of `features`, as Keras JSON.
std::string dense_stack(std::int64_t features, std::vector<std::int64_t> units) {
  std::string layers = R"({"class_name": "InputLayer", "config": {"batch_shape": [null, )" +
                       std::to_string(features) + R"(], "dtype": "float32", "name": "in"}})";
  for (std::size_t i = 0; i < units.size(); ++i)
    layers += R"(, {"class_name": "Dense", "config": {"name": "d)" + std::to_string(i + 1) +
              R"(", "units": )" + std::to_string(units[i]) + "}}";
  return R"({"class_name": "Sequential", "config": {"name": "big", "layers": [)" + layers + "]}}";
}

// No line of tenet's own sources: the reader, the layers it made, Model.
void no_reader_lines(const ContractError& e) {
  for (const char* file : {"keras_model_read.cpp", "keras_layers.cpp", "keras.cpp", "model.cpp:",
                           "layer.cpp:", "dense.cpp", "concatenate.cpp", "symbolic.cpp"})
    CHECK_MESSAGE(!has(e.what(), file), e.what());
}

}  // namespace

TEST_SUITE("data") {

TEST_CASE("keras origin: a build error names the file's layer and the line of load_model") {
  const unsigned line = __LINE__; auto e = capture("concat.shape", [] { (void)keras::load_model(seed("concat_sizes.keras")); });
  CHECK(has(e.where(), "'concatenate' (Concatenate) created by layer 'concatenate' in "
                       "concat_sizes.keras"));
  CHECK(has(e.where(), "called at " + at(__FILE__, line) + " (keras.load_model)"));
  no_reader_lines(e);
  // The layers upstream are named by the file too, in the provenance.
  for (const auto& p : e.provenance()) CHECK_MESSAGE(!has(p, ".cpp:"), p);
}

TEST_CASE("keras origin: run-time errors of a loaded model name the file and the user's call") {
  Model m = keras::model_from_json(dense_stack(6, {5, 3}));
  const unsigned line = __LINE__; auto e = capture("input.shape", [&] { (void)m.predict(Tensor::zeros({2, 4})); });
  CHECK(has(e.where(), "'in' (InputLayer) created by layer 'in' in the JSON architecture"));
  CHECK(has(e.where(), "called at " + at(__FILE__, line) + " (model.predict)"));
  no_reader_lines(e);
  auto count = capture("input.count", [&] { (void)m.predict({Tensor::zeros({2, 6}), Tensor::zeros({2, 6})}); });
  CHECK(has(count.where(), "'big' (Model) read from the JSON architecture"));
  no_reader_lines(count);
  // A layer of the file: its error names the layer's entry.
  Model loaded = keras::load_model(keras_fixtures::path("sequential.json"));
  auto eager = capture("dense.features", [&] { (void)loaded.get_layer("dense")(Tensor::zeros({2, 7})); });
  CHECK(has(eager.where(), "created by layer 'dense' in sequential.json"));
  no_reader_lines(eager);
}

TEST_CASE("keras size: the kernels of the file are counted before they exist") {
  // Three Dense(64) on 64 features: 4096 + 4096 + 4096 weights, refused at the third under a
  // limit of 10000 (the two before it were allocated, the third never is).
  auto e = capture("model.unsupported", [] {
    (void)keras::model_from_json(dense_stack(64, {64, 64, 64}), {.max_parameters = 10000});
  });
  CHECK(e.phase() == Phase::load);
  CHECK(e.site().name == "d3");
  CHECK(has(e.info().summary, "the JSON architecture describes a model whose kernels hold 12288 "
                              "parameters, more than tenet reads from a model file (10000)"));
  CHECK(e.expected() == "at most 10000 parameters (keras::LoadOptions::max_parameters)");
  CHECK(e.actual() == "12288 parameters once 'd3' adds 4096");
  CHECK(has(e.cause(), "the kernels of the layers before 'd3' hold 8192 parameters"));
  CHECK(has(e.where(), "created by layer 'd3' in the JSON architecture"));
  // The default limit, 2^28: one Dense kernel of 20000 x 20000 is refused before allocation.
  CHECK(keras::kMaxParameters == 268435456);
  auto big = capture("model.unsupported", [] { (void)keras::model_from_json(dense_stack(20000, {20000})); });
  CHECK(big.actual() == "400000000 parameters once 'd1' adds 400000000");
  // Sizes whose product needs 62 bits are counted exactly, still before any allocation.
  auto huge = capture("model.unsupported", [] {
    (void)keras::model_from_json(dense_stack(2147483648, {2147483648}));
  });
  CHECK(huge.actual() == "4611686018427387904 parameters once 'd1' adds 4611686018427387904");
  // Within the limit nothing is refused.
  CHECK(keras::model_from_json(dense_stack(64, {64, 64})).predict(Tensor::zeros({1, 64})).shape() ==
        Shape{1, 64});
}

TEST_CASE("keras size: a negative max_parameters is options.invalid; 0 is a limit like any other") {
  for (const std::int64_t limit : {std::int64_t{-1}, std::numeric_limits<std::int64_t>::min()}) {
    CAPTURE(limit);
    // old: model.unsupported, "more than tenet reads from a model file (-1)"
    auto e = capture("options.invalid", [&] {
      (void)keras::model_from_json(dense_stack(4, {4}), {.max_parameters = limit});
    });
    CHECK(has(e.what(), "keras::LoadOptions::max_parameters"));
    CHECK(e.actual() == std::to_string(limit));
    CHECK(e.phase() == Phase::load);
  }
  auto none = capture("model.unsupported", [] {
    (void)keras::model_from_json(dense_stack(4, {4}), {.max_parameters = 0});
  });
  CHECK(none.expected() == "at most 0 parameters (keras::LoadOptions::max_parameters)");
}

}  // TEST_SUITE
