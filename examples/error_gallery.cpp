// error_gallery: every mistake of tenet's contract catalog, made on purpose, with the
// explanation tenet prints for it. Run it to see what each error looks like; it exits with 1
// if a case does not raise the code it should (docs/errors.md shows the same messages).
//
// The first part reproduces the situations that motivated the catalog (multi-input models,
// Concatenate after valid/pooled branches, missing channel axes, integer labels, uint8 images,
// bad generators, wrong image sizes, tensor comparisons); the second covers the remaining codes.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <tenet/tenet.hpp>

#include "example_cli.hpp"

using namespace tenet;

namespace {

struct Case {
  std::string title;
  std::string code;  // the code this mistake must raise
  std::function<void()> run;
};

// A small compiled classifier: Input(shape) -> [Flatten] -> Dense(classes).
Model classifier(const Shape& shape, std::int64_t classes, Loss loss) {
  auto in = Input(shape, {.name = "image"});
  auto x = shape.rank() > 1 ? Flatten()(in) : in;
  Model m(in, Dense(classes, {.seed = 1})(x), "classifier");
  m.compile({.optimizer = SGD(), .loss = std::move(loss)});
  return m;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tenet_gallery_" + name)).string();
}

// A user-written layer with a declared input contract: (batch, 1024).
class ScaleImpl : public LayerImpl {
 public:
  explicit ScaleImpl(std::source_location loc) : LayerImpl("Scale", "scale", "", loc) {
    spec_.rank = 2;
    spec_.axes = {-1};
    spec_.axes_dims = {1024};
  }
  const InputSpec* input_spec() const override { return &spec_; }
  Shape output_shape(const std::vector<Shape>& in, Phase) override { return in[0]; }
  void build(const std::vector<Shape>&) override { w_ = Tensor::ones({1024}).requires_grad(true); }
  Tensor forward(const std::vector<Tensor>& in, const CallOptions&) override { return in[0] * w_; }
  std::vector<Tensor> weights() const override { return built() ? std::vector{w_} : std::vector<Tensor>{}; }

 private:
  InputSpec spec_;
  Tensor w_;
};
class Scale : public Layer {
 public:
  explicit Scale(std::source_location loc = std::source_location::current())
      : Layer(std::make_shared<ScaleImpl>(loc)) {}
};

// ---------------------------------------------------------------- the motivating cases

std::vector<Case> motivating_cases_1() {
  return {
    {"Two-input model whose image branches differ in size (64x64 and 128x128)", "concat.shape", [] {
       auto small = Input({64, 64, 3}, {.name = "small_view"});
       auto large = Input({128, 128, 3}, {.name = "large_view"});
       auto a = Conv2D(8, {3, 3}, {.padding = Padding::same})(small);
       auto b = Conv2D(8, {3, 3}, {.padding = Padding::same})(large);
       (void)Concatenate()({a, b});
     }},
    {"Concatenate after a pooled branch and a 5x5 'valid' branch", "concat.shape", [] {
       auto in = Input({32, 32, 3}, {.name = "image"});
       auto a = Conv2D(32, {3, 3}, {.padding = Padding::same})(in);
       a = MaxPool2D({2, 2})(a);                       // (None, 16, 16, 32)
       auto b = Conv2D(64, {5, 5})(in);                // (None, 28, 28, 64)
       (void)Concatenate()({a, b});
     }},
    {"Two inputs with different batch sizes (32 and 64)", "batch.mismatch", [] {
       auto a = Input({8}, {.name = "left"}), b = Input({8}, {.name = "right"});
       Model m({a, b}, Dense(2, {.seed = 1})(Concatenate()({a, b})), "two_inputs");
       m.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
       m.fit({Tensor::zeros({32, 8}), Tensor::zeros({64, 8})}, Tensor::zeros({32}, DType::i32),
             {.verbose = 0});
     }},
    {"100 images with 90 labels", "batch.mismatch", [] {
       Model m = classifier({28, 28, 1}, 10, SparseCategoricalCrossentropy({.from_logits = true}));
       m.fit(Tensor::zeros({100, 28, 28, 1}), Tensor::zeros({90}, DType::i32), {.verbose = 0});
     }},
    {"A custom layer receives 2048 features where it declares 1024", "layer.input_spec", [] {
       auto features = Input({2048}, {.name = "features"});
       (void)Scale()(features);
     }},
    {"Grayscale images without their channel axis: (100, 28, 28)", "input.rank", [] {
       Model m = classifier({28, 28, 1}, 10, SparseCategoricalCrossentropy({.from_logits = true}));
       m.fit(Tensor::zeros({100, 28, 28}), Tensor::zeros({100}, DType::i32), {.verbose = 0});
     }},
    {"A single image given to predict without its batch axis", "input.rank", [] {
       Model m = classifier({28, 28, 1}, 10, SparseCategoricalCrossentropy({.from_logits = true}));
       (void)m.predict(Tensor::zeros({28, 28, 1}));
     }},
    {"Categorical cross-entropy with integer labels (100, 1) over 5 classes", "loss.label_shape", [] {
       Model m = classifier({8}, 5, CategoricalCrossentropy({.from_logits = true}));
       m.fit(Tensor::zeros({100, 8}), Tensor::zeros({100, 1}, DType::i32), {.verbose = 0});
     }},
    {"uint8 images fed to a float32 model (Keras would cast silently)", "input.dtype", [] {
       Model m = classifier({28, 28, 1}, 10, SparseCategoricalCrossentropy({.from_logits = true}));
       m.fit(Tensor::zeros({16, 28, 28, 1}, DType::u8), Tensor::zeros({16}, DType::i32), {.verbose = 0});
     }},
  };
}

std::vector<Case> motivating_cases_2() {
  return {
    {"A generator whose second batch pairs 32 images with 64 labels", "batch.mismatch", [] {
       Model m = classifier({4}, 3, SparseCategoricalCrossentropy({.from_logits = true}));
       auto make = [] {
         return data::Generator([i = 0]() mutable -> std::optional<data::Batch> {
           if (i == 2) return std::nullopt;
           std::int64_t labels = i++ == 0 ? 32 : 64;
           return data::Batch{{Tensor::zeros({32, 4})}, Tensor::zeros({labels}, DType::i32)};
         });
       };
       m.fit(data::Dataset::from_generator(std::function<data::Generator()>(make)), {.verbose = 0});
     }},
    {"A generator that yields an empty batch", "batch.empty", [] {
       Model m = classifier({4}, 3, SparseCategoricalCrossentropy({.from_logits = true}));
       auto make = [] {
         return data::Generator([i = 0]() mutable -> std::optional<data::Batch> {
           if (i == 2) return std::nullopt;
           std::int64_t n = i++ == 0 ? 8 : 0;
           return data::Batch{{Tensor::zeros({n, 4})}, Tensor::zeros({n}, DType::i32)};
         });
       };
       m.fit(data::Dataset::from_generator(std::function<data::Generator()>(make)), {.verbose = 0});
     }},
    {"A model built for 224x224x3 called with 128x128x3", "input.shape", [] {
       auto in = Input({224, 224, 3}, {.name = "photo"});
       auto x = GlobalAveragePooling2D()(Conv2D(4, {3, 3}, {.padding = Padding::same})(in));
       Model m(in, Dense(2, {.seed = 1})(x), "photo_model");
       (void)m.predict(Tensor::zeros({2, 128, 128, 3}));
     }},
    {"None height/width, then Flatten and Dense", "dense.undefined", [] {
       auto in = Input({kUnknown, kUnknown, 3}, {.name = "any_size"});
       auto x = Flatten()(Conv2D(8, {3, 3})(in));
       (void)Dense(10)(x);
     }},
    {"Four-channel (RGBA) images into a convolution built for RGB", "conv.channels", [] {
       Conv2D conv(8, {3, 3}, {.padding = Padding::same});
       (void)conv(Input({32, 32, 3}, {.name = "rgb"}));
       (void)conv(Input({32, 32, 4}, {.name = "rgba"}));   // the same layer, shared weights
     }},
    {"Images of 128x128 and 64x64 stacked into one batch", "batch.ragged", [] {
       (void)data::stack_samples({Tensor::zeros({128, 128, 3}), Tensor::zeros({64, 64, 3})});
     }},
    {"allclose on tensors of different shapes", "compare.shape", [] {
       (void)allclose(Tensor::zeros({10, 1}), Tensor::zeros({10}));
     }},
    {"equal on a tuple-like pair of predictions with different batch sizes", "compare.shape", [] {
       (void)equal(Tensor::zeros({32, 10}), Tensor::zeros({16, 10}));
     }},
  };
}

std::vector<Case> motivating_cases() {
  std::vector<Case> all;
  for (auto part : {motivating_cases_1(), motivating_cases_2()})
    all.insert(all.end(), part.begin(), part.end());
  return all;
}

// ---------------------------------------------------------------- the rest of the catalog

std::vector<Case> other_cases_1() {
  return {
    {"Concatenate of a flat and an image tensor", "concat.rank", [] {
       (void)Concatenate()({Input({16, 16, 8}), Input({10})});
     }},
    {"Concatenate on axis 4 of rank-4 tensors", "concat.axis", [] {
       auto a = Input({16, 16, 8});
       (void)Concatenate(4)({a, a});
     }},
    {"A shared Dense layer called on 2048 features after 1024", "dense.features", [] {
       Dense head(10);
       (void)head(Input({1024}));
       (void)head(Input({2048}));
     }},
    {"Dense on an image tensor without Flatten", "dense.rank", [] {
       (void)Dense(10)(Input({28, 28, 1}));
     }},
    {"Conv2D on a flat (None, 784) tensor", "conv.rank", [] {
       (void)Conv2D(8, {3, 3})(Input({784}));
     }},
    {"A 5x5 kernel on a 4x4 feature map", "conv.too_small", [] {
       auto x = MaxPool2D({2, 2})(MaxPool2D({2, 2})(Input({16, 16, 3})));
       (void)Conv2D(8, {5, 5})(x);
     }},
    {"A BatchNorm built for 16 channels reused on 32", "batchnorm.features", [] {
       BatchNorm bn;
       (void)bn(Input({8, 8, 16}));
       (void)bn(Input({8, 8, 32}));
     }},
    {"Add of (None, 28, 28, 3) and (None, 14, 14, 3)", "elementwise.shape", [] {
       (void)Add()({Input({28, 28, 3}), Input({14, 14, 3})});
     }},
    {"A model whose output needs an Input that is not listed", "model.graph", [] {
       auto a = Input({4}, {.name = "a"}), b = Input({4}, {.name = "b"});
       (void)Model(a, Add()({a, b}), "forgot_b");
     }},
    {"fit with one array for a two-input model", "input.count", [] {
       auto a = Input({4}, {.name = "left"}), b = Input({4}, {.name = "right"});
       Model m({a, b}, Add()({a, b}), "pair");
       (void)m.predict(Tensor::zeros({8, 4}));
     }},
  };
}

std::vector<Case> other_cases_2() {
  return {
    {"Data batched twice", "input.rank", [] {
       Model m = classifier({4}, 3, SparseCategoricalCrossentropy({.from_logits = true}));
       (void)m.predict(Tensor::zeros({10, 8, 4}));
     }},
    {"A sparse label 7 with 5 classes", "loss.label_range", [] {
       Model m = classifier({4}, 5, SparseCategoricalCrossentropy({.from_logits = true}));
       m.fit(Tensor::zeros({4, 4}), Tensor::from_vector(std::vector<std::int32_t>{0, 1, 7, 2}),
             {.verbose = 0});
     }},
    {"Float labels for a sparse loss", "loss.label_dtype", [] {
       Model m = classifier({4}, 5, SparseCategoricalCrossentropy({.from_logits = true}));
       m.fit(Tensor::zeros({4, 4}), Tensor::zeros({4}), {.verbose = 0});
     }},
    {"NaN in the data with check_numerics on", "numerics.nonfinite", [] {
       Model m = classifier({4}, 1, MeanSquaredError());
       Tensor x = Tensor::zeros({4, 4});
       x.data<float>()[5] = std::numeric_limits<float>::quiet_NaN();
       m.fit(x, Tensor::zeros({4, 1}), {.verbose = 0, .check_numerics = true});
     }},
    {"fit with batch_size 0", "options.invalid", [] {
       Model m = classifier({4}, 3, SparseCategoricalCrossentropy({.from_logits = true}));
       m.fit(Tensor::zeros({8, 4}), Tensor::zeros({8}, DType::i32), {.batch_size = 0});
     }},
    {"fit with validation_split 1.0", "options.invalid", [] {
       Model m = classifier({4}, 3, SparseCategoricalCrossentropy({.from_logits = true}));
       m.fit(Tensor::zeros({8, 4}), Tensor::zeros({8}, DType::i32), {.validation_split = 1.0});
     }},
    {"Loading weights saved from a model with other layer sizes", "checkpoint.mismatch", [] {
       const std::string path = temp_path("mismatch.weights.h5");
       classifier({8}, 4, MeanSquaredError()).save_weights(path);
       Model other = classifier({8}, 6, MeanSquaredError());
       struct Remove { std::string p; ~Remove() { std::remove(p.c_str()); } } cleanup{path};
       (void)other.load_weights(path);
     }},
  };
}

std::vector<Case> other_cases_3() {
  return {
    {"An IDX file that is not an IDX file", "data.format", [] {
       const std::string path = temp_path("broken.idx");
       std::ofstream(path, std::ios::binary) << "definitely not idx";
       struct Remove { std::string p; ~Remove() { std::remove(p.c_str()); } } cleanup{path};
       (void)data::read_idx(path);
     }},
    // Codes outside the catalog's tables, raised by ops and configuration mistakes.
    {"reshape to a different number of elements", "reshape.size", [] {
       (void)reshape(Tensor::zeros({4, 6}), {5, 5});
     }},
    {"matmul of (4, 3) by (4, 5)", "matmul.shape", [] {
       (void)matmul(Tensor::zeros({4, 3}), Tensor::zeros({4, 5}));
     }},
    {"Dense with zero units", "options.invalid", [] { (void)Dense(0); }},
    {"Dense called on two tensors", "layer.input_count", [] {
       (void)Dense(4)({Input({4}), Input({4})});
     }},
    {"sum over axis 2 of a matrix", "reduce.axis", [] { (void)Tensor::zeros({3, 4}).sum(2); }},
    {"resize to 0x28", "resize.size", [] { (void)resize(Tensor::zeros({1, 8, 8, 1}), {0, 28}); }},
    {"fit before compile", "model.compile", [] {
       auto in = Input({4});
       Model m(in, Dense(1)(in));
       m.fit(Tensor::zeros({4, 4}), Tensor::zeros({4, 1}), {.verbose = 0});
     }},
    {"A History key that was never logged", "history.key", [] { (void)History()["val_loss"]; }},
    {"A checkpoint path naming a log that does not exist", "callback.filepath", [] {
       (void)format_filepath("ckpt/{val_accuracy:.2f}.weights.h5", 1, {{"loss", 0.5}});
     }},
    {"item() on a tensor of 3 elements", "tensor.item", [] { (void)Tensor::zeros({3}).item(); }},
    {"at() with an index out of range", "tensor.index", [] { (void)Tensor::zeros({2, 2}).at({2, 0}); }},
    {"Tensor::zeros with an unknown dimension", "tensor.shape", [] { (void)Tensor::zeros({kUnknown, 3}); }},
    {"transpose with a repeated axis", "reshape.axis", [] {
       (void)transpose(Tensor::zeros({2, 3}), {0, 0});
     }},
    {"slice on axis 2 of a matrix", "slice.range", [] { (void)slice(Tensor::zeros({2, 3}), 2, 0, 1); }},
    {"Flatten on a scalar", "flatten.rank", [] { (void)Flatten()(Tensor::scalar(1.0)); }},
    {"backward() on a non-scalar", "autograd.backward", [] {
       Tensor w = Tensor::ones({3}).requires_grad(true);
       (w * 2.0).backward();
     }},
  };
}

std::vector<Case> other_cases() {
  std::vector<Case> all;
  for (auto part : {other_cases_1(), other_cases_2(), other_cases_3()})
    all.insert(all.end(), part.begin(), part.end());
  return all;
}

#include "error_gallery_facts.hpp"
#include "error_gallery_called_at.hpp"
#include "error_gallery_user_layers.hpp"

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"error_gallery: one program per contract code, with the message tenet prints"};
  if (int status = example::parse_command_line(app, argc, argv); status >= 0) return status;
  std::vector<std::string> failures;
  int n = 0;
  auto run_all = [&](const std::string& part, const std::vector<Case>& cases) {
    std::cout << "\n######## " << part << "\n";
    for (const auto& c : cases) {
      std::cout << "\n=== " << ++n << ". " << c.title << "  (expects " << c.code << ")\n";
      try {
        c.run();
        std::cout << "!!! no error was raised\n";
        failures.push_back(c.title + ": no error (expected " + c.code + ")");
      } catch (const ContractError& e) {
        std::cout << e.what();
        if (e.code() != c.code) failures.push_back(c.title + ": got " + e.code() + ", expected " + c.code);
      } catch (const std::exception& e) {
        std::cout << "!!! not a ContractError: " << e.what() << "\n";
        failures.push_back(c.title + ": not a ContractError (expected " + c.code + ")");
      }
    }
  };
  run_all("The situations that motivated the catalog", motivating_cases());
  run_all("The rest of the catalog", other_cases());
  run_all("Situations that need another explanation", fact_cases());
  run_all("The case at hand (issue 19)", case_at_hand_cases());
  run_all("The line of the failing call (issue 19)", called_at_cases());
  run_all("User-written layers when the model is built (issue 19)", user_layer_cases());
  std::cout << "\n" << n - static_cast<int>(failures.size()) << " of " << n
            << " cases raised their expected code\n";
  for (const auto& f : failures) std::cout << "FAILED: " << f << "\n";
  return failures.empty() ? 0 : 1;
}
