// Part of error_gallery.cpp (included inside its namespace, after the Case type, classifier()
// and temp_path()): run-time explanations that depend on the case at hand, and the line of the
// failing call. Kept apart so that error_gallery.cpp stays under 400 lines.
#pragma once

// ---------------------------------------------------------------- issue 19: the case at hand
// Run-time explanations that depend on the situation, and the line of the failing call
// ("called at"), which errors raised while data flows carry beside "created at".

std::vector<Case> case_at_hand_cases() {
  return {
    {"100 feature rows with 90 labels, in a model without images", "batch.mismatch", [] {
       Model m = classifier({4}, 3, SparseCategoricalCrossentropy({.from_logits = true}));
       m.fit(Tensor::zeros({100, 4}), Tensor::zeros({90}, DType::i32), {.verbose = 0});
     }},
    {"A loss called directly on 4 predictions and 5 labels", "batch.mismatch", [] {
       Loss loss = SparseCategoricalCrossentropy({.from_logits = true});
       (void)loss(Tensor::zeros({4, 3}), Tensor::zeros({5}, DType::i32));
     }},
    {"A generator that yields an empty batch in the middle of an epoch", "batch.empty", [] {
       int i = 0;
       auto ds = data::Dataset::from_generator(data::Generator([i]() mutable -> std::optional<data::Batch> {
         if (i == 4) return std::nullopt;
         const std::int64_t n = i++ == 2 ? 0 : 8;   // the third batch selects nothing
         return data::Batch{{Tensor::zeros({n, 4})}, Tensor::zeros({n}, DType::i32)};
       }));
       Model m = classifier({4}, 3, SparseCategoricalCrossentropy({.from_logits = true}));
       m.fit(ds, {.verbose = 0});
     }},
    {"A map function that removes every sample of a batch", "batch.empty", [] {
       auto ds = data::Dataset::from_tensors({Tensor::zeros({6, 4})}, Tensor::zeros({6}, DType::i32))
                     .batch(3)
                     .map([](data::Batch b) {
                       if (b.index == 1)  // a filter that kept no sample of this batch
                         b = {{slice(b.inputs[0], 0, 0, 0)}, slice(b.labels, 0, 0, 0)};
                       return b;
                     });
       for (const data::Batch& b : ds) (void)b;
     }},
    {"equal on a column and a row of the same 10 values", "compare.shape", [] {
       (void)equal(Tensor::zeros({10, 1}), Tensor::zeros({10}));
     }},
    {"Weights saved from layers named by the user, loaded into other widths", "checkpoint.mismatch", [] {
       auto in = Input({4});
       Model saved(in, Dense(3, {.name = "head"})(Dense(8, {.name = "encoder"})(in)), "saved");
       saved.save_weights(temp_path("names.weights.h5"));
       auto in2 = Input({4});
       Model wider(in2, Dense(5, {.name = "head"})(Dense(8, {.name = "encoder"})(in2)), "wider");
       (void)wider.load_weights(temp_path("names.weights.h5"));
     }},
  };
}

// Errors raised while data flows name the line of the failing call ("called at"), and the
// enclosing call when another line failed inside it.
std::vector<Case> called_at_cases() {
  return {
    {"A shared Concatenate whose second call fails while predict runs", "concat.shape", [] {
       Concatenate join(-1, {.name = "join"});
       (void)join({Input({3, 2}), Input({3, 2})});
       auto a = Input({kUnknown, 2}, {.name = "a"}), b = Input({kUnknown, 2}, {.name = "b"});
       Model m({a, b}, join({a, b}), "second_use");      // the second call of `join`
       (void)m.predict({Tensor::zeros({1, 5, 2}), Tensor::zeros({1, 6, 2})});
     }},
    {"a + b inside a generator, during fit", "elementwise.shape", [] {
       auto ds = data::Dataset::from_generator(data::Generator([]() -> std::optional<data::Batch> {
         Tensor x = Tensor::zeros({8, 4}), noise = Tensor::zeros({8, 3});
         return data::Batch{{x + noise}, Tensor::zeros({8}, DType::i32)};
       }));
       Model m = classifier({4}, 3, SparseCategoricalCrossentropy({.from_logits = true}));
       m.fit(ds, {.verbose = 0});
     }},
  };
}
