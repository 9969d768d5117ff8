// Part of error_gallery.cpp (included inside its namespace, after the Case type, classifier()
// and Scale): second situations of codes whose explanation depends on the facts of the case,
// so docs/errors.md shows how the cause and fix change with the graph and the data.
#pragma once

std::vector<Case> fact_cases_more();
std::vector<Case> range_and_file_cases();

std::vector<Case> fact_cases() {
  std::vector<Case> cases = {
    {"A Flatten + Dense model built for 32x32 called with 16x16", "input.shape", [] {
       auto in = Input({32, 32, 3}, {.name = "photo"});
       auto x = Flatten()(Conv2D(4, {3, 3}, {.padding = Padding::same})(in));
       Model m(in, Dense(2, {.seed = 1})(x), "flat_model");
       (void)m.predict(Tensor::zeros({2, 16, 16, 3}));
     }},
    {"RGBA images given to a model built for RGB", "input.shape", [] {
       auto in = Input({32, 32, 3}, {.name = "rgb"});
       auto x = GlobalAveragePooling2D()(Conv2D(4, {3, 3})(in));
       Model m(in, Dense(2, {.seed = 1})(x), "rgb_model");
       (void)m.predict(Tensor::zeros({2, 32, 32, 4}));
     }},
    {"Grayscale images given to a model built for RGB", "input.shape", [] {
       auto in = Input({32, 32, 3}, {.name = "rgb"});
       Model m(in, Dense(2, {.seed = 1})(GlobalAveragePooling2D()(in)), "rgb_model");
       (void)m.predict(Tensor::zeros({2, 32, 32, 1}));
     }},
    {"uint8 data that only holds 0 and 1", "input.dtype", [] {
       Model m = classifier({4}, 2, SparseCategoricalCrossentropy({.from_logits = true}));
       (void)m.predict(Tensor::from_vector(std::vector<std::uint8_t>{0, 1, 1, 0, 1, 0, 0, 1}, {2, 4}));
     }},
    {"A shared Dense after Flatten, called on images of another size", "dense.features", [] {
       Dense head(10);
       (void)head(Flatten()(Input({8, 8, 2})));
       (void)head(Flatten()(Input({16, 16, 2})));
     }},
  };
  for (auto& c : fact_cases_more()) cases.push_back(std::move(c));
  for (auto& c : range_and_file_cases()) cases.push_back(std::move(c));
  return cases;
}

std::vector<Case> fact_cases_more() {
  return {
    {"Dense on an Input whose features are None", "dense.undefined", [] {
       (void)Dense(10)(Input({kUnknown}, {.name = "any_width"}));
     }},
    {"Concatenate of images and a (None, 5, 10) sequence", "concat.rank", [] {
       (void)Concatenate()({Input({16, 16, 8}, {.name = "maps"}), Input({5, 10}, {.name = "seq"})});
     }},
    {"Concatenate on axis -5 of rank-4 tensors", "concat.axis", [] {
       auto a = Input({16, 16, 8});
       (void)Concatenate(-5)({a, a});
     }},
    {"Add of branches that differ only in channels", "elementwise.shape", [] {
       auto in = Input({8, 8, 3});
       (void)Add()({Conv2D(16, {3, 3}, {.padding = Padding::same})(in),
                    Conv2D(32, {3, 3}, {.padding = Padding::same})(in)});
     }},
    {"(4, 2048) features multiplied by weights made for 1024", "elementwise.shape", [] {
       (void)(Tensor::zeros({4, 2048}) * Tensor::ones({1024}));
     }},
    {"A 5x5 kernel on a 4x4 Input", "conv.too_small", [] {
       (void)Conv2D(8, {5, 5})(Input({4, 4, 3}));
     }},
    {"RGBA images into a BatchNorm built for RGB", "batchnorm.features", [] {
       BatchNorm bn;
       (void)bn(Input({8, 8, 3}));
       (void)bn(Input({8, 8, 4}));
     }},
    {"A custom layer declaring (batch, 1024) given images", "layer.input_spec", [] {
       (void)Scale()(Input({8, 8, 16}, {.name = "maps"}));
     }},
    {"A listed Input that no output uses", "model.graph", [] {
       auto a = Input({4}, {.name = "a"}), b = Input({4}, {.name = "b"});
       (void)Model({a, b}, Dense(1)(a), "unused_b");
     }},
    {"get_layer with a name the model does not have", "model.graph", [] {
       auto in = Input({4});
       Model m(in, Dense(1, {.name = "head"})(in));
       (void)m.get_layer("hea");
     }},
    {"Negative class labels", "loss.label_range", [] {
       Model m = classifier({4}, 3, SparseCategoricalCrossentropy({.from_logits = true}));
       m.fit(Tensor::zeros({4, 4}), Tensor::from_vector(std::vector<std::int32_t>{0, -1, 2, 1}),
             {.verbose = 0});
     }},
    {"item() on an empty tensor", "tensor.item", [] { (void)Tensor::zeros({0, 3}).item(); }},
    {"at() with a negative index", "tensor.index", [] { (void)Tensor::zeros({2, 3}).at({0, -1}); }},
  };
}

// input.range (a warning, raised here to show it), small integer levels, the axes of transpose
// and slice, and the size limit of a Keras file.
std::vector<Case> range_and_file_cases() {
  return {
    {"Float images of 0..255 into a model without Rescaling (a warning, raised here)", "input.range", [] {
       Model m = classifier({8, 8, 3}, 3, SparseCategoricalCrossentropy({.from_logits = true}));
       Tensor pixels = Tensor::uniform({16, 8, 8, 3}, 1, 0, 255);   // decoded, never divided by 255
       m.fit(pixels, Tensor::zeros({16}, DType::i32), {.verbose = 0, .warnings = WarningMode::raise});
     }},
    {"Standardised images into a model that rescales by 1/255 itself", "input.range", [] {
       auto in = Input({8, 8, 3}, {.name = "image"});
       auto x = Rescaling(1.0 / 255)(in);
       Model m(in, Dense(3, {.seed = 1})(GlobalAveragePooling2D()(Conv2D(4, {3, 3}, {.seed = 1})(x))));
       m.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
       Tensor standard = Tensor::uniform({16, 8, 8, 3}, 1, -2, 2);  // (x - mean) / std already
       m.fit(standard, Tensor::zeros({16}, DType::i32), {.verbose = 0, .warnings = WarningMode::raise});
     }},
    {"uint8 data holding the levels 0..3, not pixels", "input.dtype", [] {
       Model m = classifier({4}, 2, SparseCategoricalCrossentropy({.from_logits = true}));
       (void)m.predict(Tensor::from_vector(std::vector<std::uint8_t>{0, 1, 2, 3, 3, 2, 1, 0}, {2, 4}));
     }},
    {"uint8 levels 0..3 into a model that rescales by 1/255 (a warning, raised here)", "input.range", [] {
       auto in = Input({8, 8, 1}, {.name = "mask", .dtype = DType::u8});
       auto x = Rescaling(1.0 / 255)(in);
       Model m(in, Dense(3, {.seed = 1})(GlobalAveragePooling2D()(Conv2D(4, {3, 3}, {.seed = 1})(x))));
       m.compile({.optimizer = SGD(), .loss = SparseCategoricalCrossentropy({.from_logits = true})});
       Tensor levels = (Tensor::uniform({16, 8, 8, 1}, 1, 0, 3.99)).astype(DType::u8);  // 0, 1, 2, 3
       m.fit(levels, Tensor::zeros({16}, DType::i32), {.verbose = 0, .warnings = WarningMode::raise});
     }},
    {"transpose naming 4 axes of a rank-3 tensor", "reshape.axis", [] {
       (void)transpose(Tensor::zeros({2, 5, 3}), {0, 2, 1, 3});
     }},
    {"slice on axis -5 of a batch of images", "slice.range", [] {
       (void)slice(Tensor::zeros({2, 8, 8, 3}), -5, 0, 1);
     }},
    {"A Keras file describing a 65536 x 65536 Dense kernel", "model.unsupported", [] {
       (void)keras::model_from_json(R"({"class_name": "Sequential", "config": {"name": "huge",
         "layers": [{"class_name": "InputLayer", "config": {"name": "x", "batch_shape": [null, 65536]}},
                    {"class_name": "Dense", "config": {"name": "wide", "units": 65536}}]}})");
     }},
  };
}
