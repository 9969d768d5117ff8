#!/usr/bin/env python3
# Regenerates docs/errors.md from examples/error_gallery.cpp (the programs) and the gallery's
# real output (the messages), so the page never drifts from what tenet prints.
# Usage: scripts/gen_errors_doc.py [build/examples/error_gallery]
import collections, os, re, subprocess, sys
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
gallery = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, 'build/examples/error_gallery')
src = ''.join(open(os.path.join(root, 'examples', f)).read()
              for f in ('error_gallery.cpp', 'error_gallery_called_at.hpp',
                        'error_gallery_facts.hpp', 'error_gallery_user_layers.hpp'))
out = subprocess.run([gallery], capture_output=True, text=True).stdout

# cases from the source: {"title", "code", [] { body }},
cases = []
for m in re.finditer(r'\{"([^"]+)", "([a-z_.]+)", \[\] \{', src):
    title, code = m.group(1), m.group(2)
    i = m.end(); depth = 1
    while depth:
        c = src[i]
        if c == '{': depth += 1
        elif c == '}': depth -= 1
        i += 1
    body = src[m.end():i-1]
    lines = body.split('\n')
    lines = [l for l in lines]
    # dedent
    body = '\n'.join(l[7:] if l.startswith('       ') else l.strip() for l in lines).strip()
    cases.append((title, code, body))

# messages from the output
msgs = {}
for blk in re.split(r'\n=== \d+\. ', out)[1:]:
    head, rest = blk.split('\n', 1)
    title = re.sub(r'  \(expects [a-z_.]+\)$', '', head)
    msg = rest.split('\n\n######')[0].split('\n\n')[0].rstrip('\n')
    msgs[title] = msg

by_code = collections.OrderedDict()
for t, c, b in cases:
    by_code.setdefault(c, []).append((t, b, msgs[t]))

T = {
# code: (phase, meaning, fix)
'concat.shape': ('build', 'Concatenate (or `concat`) joins tensors that differ on an axis other than the join axis: typically two image branches of different height/width, e.g. one pooled to 16x16 and one a `valid` 5x5 convolution giving 28x28, or 64x64 and 128x128 inputs. The message marks the differing axes, shows the path of each branch, and names the layer that produced the odd size.', 'Make the branches agree before joining: `padding = Padding::same` on the convolution that shrank, a `MaxPool2D` on the larger branch, or a `Resizing(h, w)` layer on it.'),
'concat.rank': ('build', 'Concatenate inputs of different rank, e.g. an image tensor `(None, 16, 16, 8)` and a vector `(None, 10)`. The fix names the side to change: the image side is flattened (or globally pooled) when the other is `(batch, features)`; otherwise the lower-rank side is reshaped up.', '`Flatten()` (or `GlobalAveragePooling2D()`) the side the message names, or `Reshape` the other one.'),
'concat.axis': ('build', 'The join axis is out of range for the inputs\' rank. Axes count the batch axis: a `(None, H, W, C)` tensor has axes 0..3 (or -1..-4).', 'Use a valid axis; `-1` (channels) is the usual choice.'),
'dense.features': ('build', 'A Dense layer receives a feature size other than the one its kernel was built for by its first call (shared weights). When the features come from a `Flatten`, the message says they follow the image size upstream.', 'Give both inputs the same size upstream (for a Flatten: the same height and width, or `GlobalAveragePooling2D()` instead), or create a new `Dense` for the second input.'),
'dense.undefined': ('build', 'Dense receives `(None, None)`: an `Input` with `None` height/width was flattened, so the number of features depends on the image size and no kernel can be created.', 'Use `GlobalAveragePooling2D()` / `GlobalMaxPooling2D()` instead of `Flatten()`, or give the `Input` fixed height and width.'),
'dense.rank': ('build', 'Dense receives a tensor that is not `(batch, features)`. Unlike Keras, tenet does not apply Dense to the last axis of an image tensor silently: it usually means a forgotten `Flatten`.', 'Put `Flatten()` or `GlobalAveragePooling2D()` before the Dense layer.'),
'conv.rank': ('build', 'Conv2D / MaxPool2D / global pooling receive a tensor that is not `(batch, height, width, channels)`: the channel axis is missing (grayscale `(N, 28, 28)`), the data is flat, or it has an extra axis (batched twice). The message says which axis is missing.', '`expand_dims(x, -1)` for a missing channel axis, `expand_dims(x, 0)` for a single image, `Reshape({28, 28, 1})` for flat data, or remove the second batching.'),
'conv.channels': ('build', 'A layer built for one channel count receives another: a Conv2D shared between two inputs, or built for RGB and given RGBA. Channel counts 1, 3 and 4 are recognised as grayscale, RGB and RGBA, and the fix is the conversion between them; other counts point at the filters of the layer before. The same facts explain `input.shape` when the data itself has the other channel count. A tensor of 0 channels given to a Conv2D (a channel slice that selected none) is refused with this code too, at run time.', 'Convert the images (`slice(x, -1, 0, 3)` drops alpha; `concat({x, x, x}, -1)` makes RGB of grayscale), or call a new `Conv2D` on that input.'),
'conv.too_small': ('build', 'The kernel or pooling window is larger than the (padded) input, so the output would be empty. The cause shows the size arithmetic, e.g. `(4 - 5)/1 + 1 = 0`.', '`padding = Padding::same`, a smaller kernel, fewer pooling steps before the layer, or a larger input.'),
'batchnorm.features': ('build', 'A BatchNorm receives a channel/feature count other than the one it was built with (its gamma, beta and moving statistics have that size).', 'Fix the upstream width, or create a new `BatchNorm` for this input.'),
'elementwise.shape': ('build', '`Add` / `Multiply` layers (which require equal shapes), or tensor arithmetic `a + b`, `a * b` (which broadcast like NumPy), on shapes that are neither equal nor broadcastable. The differing axes are marked under both shapes, aligned from the right when the ranks differ. The fix depends on which axes differ: height and width (padding, pooling, Resizing), only the channels (the filters of one branch, or Concatenate), or the rank (which side to Flatten).', 'Make the shapes equal on the marked axes, or give the differing axis size 1 to broadcast it.'),
'layer.input_spec': ('build', 'A user-written layer declares its input contract with an `InputSpec` (rank, and required sizes per axis) by overriding `LayerImpl::input_spec()`; a call breaks it. tenet checks it before the layer\'s shape rule, at build and at run time, and explains it like a built-in layer, with the user\'s layer name and source line. See `examples/custom_layer.cpp`:\n\n```cpp-fragment\nclass ScaleImpl : public LayerImpl {\n public:\n  ScaleImpl(std::source_location loc) : LayerImpl("Scale", "scale", "", loc) {\n    spec_.rank = 2; spec_.axes = {-1}; spec_.axes_dims = {1024};\n  }\n  const InputSpec* input_spec() const override { return &spec_; }\n  ...\n};\nclass Scale : public Layer {\n public:\n  explicit Scale(std::source_location loc = std::source_location::current())\n      : Layer(std::make_shared<ScaleImpl>(loc)) {}\n};\n```', 'Make the upstream layer produce the declared size, or create the layer for the size it receives.'),
'layer.output_shape': ('build', 'A user-written layer\'s forward does not produce the shape its `output_shape` declares, or the layer declares none and an input axis other than the batch is `None`. tenet runs the forward of every layer it did not write once when the model is built, on an empty batch of its input shapes (a batch of 1 when an op of the call needs at least one sample), to learn and check the shape it produces (docs/layers.md, "Writing your own layer").', 'Return from `output_shape` what forward computes, or delete `output_shape` and let tenet take the shape from forward; with `None` height or width, declare `output_shape`.'),
'layer.expect': ('build', '`expect_shape(x, {kUnknown, 1024}, "features")` or `expect_dtype(x, DType::f32, "features")`, written in a layer\'s forward instead of `assert`, fails. It names the layer, the check\'s line, expected against actual with the differing axes marked, and whether the tensor is the layer\'s input (with the layer that produced it) or computed in its call. It works when the model is built (tenet runs a user layer\'s forward on an empty batch then, whose batch axis counts as unknown) and while data flows (phase `run`).', 'Give the layer an input of the expected shape (the layer producing it is named), change the computation before the check, or put `kUnknown` on the axes where any size works.'),
'model.graph': ('build', '`Model(inputs, outputs)` where an output needs an `Input` that is not listed, or a listed `Input` feeds no output, or two layers share a name.', 'List the missing Input (`Model({a, b}, out)`), drop the unused one, or rename a layer.'),
'input.count': ('run', '`fit` / `evaluate` / `predict` receive a number of arrays other than the number of the model\'s Inputs. The message lists the Inputs by name and shape.', 'Pass one array per Input, in the order of the model\'s inputs.'),
'input.rank': ('run', 'Data of the wrong rank for an Input: `(100, 28, 28)` for `(None, 28, 28, 1)` (channel axis missing), one image `(28, 28, 1)` without its batch axis, or data batched twice (one axis too many). Also raised by `Dataset::batch` on a batched dataset and for generator batches without a batch axis.', '`expand_dims(x, -1)`, `expand_dims(x, 0)`, or remove the second batching.'),
'input.shape': ('run', "A fixed axis of the data differs from the Input's declaration. For height and width the cause is read from the graph: the layers that need the declared size are named (a `Flatten` followed by a `Dense` built for the features it made, a `Reshape`, a join with a branch of fixed size); when none does (convolutions and global pooling work on any size), the message says so and that the Input could declare `None` height and width. A different channel count is recognised as RGBA, RGB or grayscale, with the conversion that fixes it (a reshape never does).", 'Resize the data (`data::resize`) or add `Resizing(h, w)` after the Input when a layer fixes the size; declare `Input({kUnknown, kUnknown, c})` when none does; convert channels (`slice(x, -1, 0, 3)` drops alpha, `concat({x, x, x}, -1)` turns grayscale into RGB).'),
'input.dtype': ('run', "Integer data for a float32 Input (or a layer computing in float32). Keras casts it silently; tenet refuses and looks at the data's range: pixels 0..255 need scaling, data that only holds 0 and 1 does not, other integers are not pixels at all. Also raised by ops that compute in floating point.", '`x.astype(DType::f32) / 255.0` for 0..255 pixels (or `Rescaling(1.0 / 255)` after a uint8 Input); `x.astype(DType::f32)` alone for 0/1 data; normalise other integers.'),
'batch.mismatch': ('run', 'The inputs and labels of one batch or dataset hold different numbers of samples (32 vs 64, 100 images with 90 labels), or a loss called directly is given more or fewer labels than predictions. For generators the batch index is named. When the data holds images, the message adds that resizing cannot repair this (it changes height and width, not the number of samples); for other data it does not speak of images.', 'Slice the arrays to the same samples (the message gives the count), or fix the generator or map function.'),
'batch.empty': ('run', 'A batch with zero samples, or a call with none: a generator whose first batch of an epoch is empty, a generator yielding an empty batch in the middle of an epoch (after batches with samples), a `map` function that removed every sample of a batch, a dataset shorter than one batch with `drop_remainder`, or fit/evaluate on zero samples. The cause says which, and the batch (counted from 1, with its index).', 'For an empty batch in the middle of an epoch, make the generator skip the empty selection: returning `std::nullopt` there would end the epoch and drop every batch after it. Keep at least one sample per batch in a `map` function; use a smaller batch or no `drop_remainder`.'),
'batch.ragged': ('run', 'Samples of one batch have different shapes (a 128x128 and a 64x64 image stacked together). The first outlier is named.', 'Resize, pad (`data::pad_to`) or crop every sample to one size before batching.'),
'loss.label_shape': ('run', 'The labels do not fit the loss: integer class indices `(100, 1)` for CategoricalCrossentropy over 5 classes, or one-hot rows of width 10 against 5 outputs.', '`one_hot(y, 5)`, or keep the indices and use `SparseCategoricalCrossentropy`.'),
'loss.label_range': ('run', 'A sparse label outside `[0, classes)`, or a binary or categorical target outside `[0, 1]`; the first offending sample is named.', 'Check the label encoding (labels start at 0) or the number of output units.'),
'loss.label_dtype': ('run', 'Float labels for a sparse loss, or integer labels for a one-hot loss.', 'Use the matching loss, or cast (`y.astype(DType::i32)`).'),
'numerics.nonfinite': ('run', 'With `FitOptions::check_numerics` / `EvaluateOptions::check_numerics` (that call only) or inside a `NumericsScope` (this thread), the first NaN/Inf: in the input data, a variable, a layer\'s input, an op\'s output or gradient, BatchNorm\'s batch statistics, or the optimizer\'s update. The failing step changes no weight.', 'Lower the learning rate, scale the inputs, use `from_logits` losses; check the data for NaN.'),
'compare.shape': ('run', '`allclose` / `equal` / `max_abs_diff` on tensors whose shapes differ; the message names the call that failed and its line. Comparison never broadcasts, so a `(10, 1)` vs `(10,)` slip cannot pass as equality. The cause reads the shapes: the same elements with an extra axis of size 1, the same count arranged differently, or different counts. (`a == b` on tensors does not compile at all; the compiler\'s message names `[compare.shape]`.)', 'Reshape the side with the extra axis of size 1, compare `a.shape() == b.shape()` first, or compare matching slices.'),
'options.invalid': ('run', 'An option or argument outside its valid range, or an empty handle: `FitOptions::batch_size` 0, `validation_split` NaN or >= 1, `epochs` < 0, `initial_epoch` beyond `epochs`, an SGD learning rate <= 0 or a momentum outside [0, 1), a `Dense(0)`, a Dropout rate of 1, a BatchNorm momentum outside [0, 1], `Dataset::take(-1)`, a default-constructed `Tensor()` given to `fit`. The message names the option, its value and the valid range; the cause is specific where the value has a consequence worth explaining. Layer, optimizer and callback options are checked when the object is made (phase `build`, with your source line); call options and arguments when the call starts, before any step (phase `run`). The table of ranges is in docs/models.md.', 'Pass a value inside the range the message states.'),
'checkpoint.mismatch': ('load', 'A weights file whose layers, names or shapes do not fit the model. Every difference is listed and nothing in the model is changed. The file names layer groups by class and order, as Keras does (`dense`, `dense_1`); each difference shows the name you gave that layer beside the group (`layers/dense_1 (your layer \'head\', Dense)`).', 'Load a file saved from the same architecture, or `WeightsLoadOptions{.skip_mismatch = true}`.'),
'input.range': ('run', "A warning, at the start of `fit`: the values of an Input's first batch are far from the range the model was built for, read from the layer that first receives them. Without a `Rescaling` after the Input, values beyond about [-50, 50] reach a layer that computes on them: float images of 0..255 (converted from uint8 without scaling) are told apart from features of another scale (negatives, values past 255). With a `Rescaling`, values it brings near zero mean the data was scaled already (standardised data, or uint8 holding only 0 and 1), and values it leaves far above 1 mean its scale does not fit the data. A `BatchNorm` right after the Input takes any range. Keras trains on such data silently, so tenet only warns: printed once to stderr by default; `FitOptions::warnings = WarningMode::raise` makes it a ContractError (as below), `WarningMode::off` silences it.", 'Divide 0..255 pixels by 255 or put `Rescaling(1.0 / 255)` after the Input; standardise other features (`(x - mean) / std`, or `BatchNorm()` first); remove a `Rescaling` the data no longer needs.'),
'model.unsupported': ('load', 'A Keras model file (`.keras`, JSON) with a layer, option or dtype policy tenet cannot represent exactly (the layer, option and value are named; nothing is approximated), a user layer saved as Keras, or a file whose Dense and Conv2D kernels hold more parameters than `keras::LoadOptions::max_parameters` (default `tenet::keras::kMaxParameters`, 2^28): the kernels are counted as the model is built, before each is allocated, and the message names the limit, the count reached and the layer that passed it. Layers, Inputs and the model read from a file are named by the file and the layer they came from ("created by layer \'conv2d_1\' in model.keras"), never by tenet\'s reader.', 'Change the layer or option in Keras and save again (docs/keras.md lists what loads); check the units, filters and input sizes of a model that large, or raise `LoadOptions::max_parameters` for a file you trust.'),
'data.format': ('load', 'An IDX or HDF5 file that is truncated, corrupt, of the wrong type, or whose arrays disagree in length. The file and what was read are named.', 'Re-create or re-download the file.'),
'reshape.size': ('run', 'A reshape (op or `Reshape` layer, phase `build` for the layer) that changes the number of elements.', 'Choose a target shape whose dimensions multiply to the element count.'),
'reshape.axis': ('run', '`expand_dims`, `squeeze` or `transpose` with an invalid axis or permutation.', 'Give a valid axis / a permutation of all axes.'),
'slice.range': ('run', '`slice` on an axis that does not exist.', 'Use an axis in `[-rank, rank)`.'),
'flatten.rank': ('build', 'Flatten receives a tensor without a batch axis (a scalar).', '`expand_dims(x, 0)`.'),
'matmul.shape': ('run', '`matmul` operands whose inner dimensions differ, of another rank than 2 or 3, or of different dtypes.', 'Transpose or reshape one operand so that `(M, K) x (K, N)` holds.'),
'layer.input_count': ('build', 'A single-input layer called on several tensors, or a merge layer (Concatenate, Add, Multiply) called on fewer than two.', 'Call single-input layers on one tensor; pass merge layers a list `{a, b}`.'),
'reduce.axis': ('run', 'A reduction (`sum`, `mean`, `max`, `argmax`, `Softmax`) over an axis that does not exist.', 'Use an axis in `[-rank, rank)`.'),
'resize.size': ('run', '`resize` to a non-positive size, or of an empty image.', 'Pass `{height, width}` of at least 1.'),
'model.compile': ('run', '`fit` / `evaluate` before `compile`, or `compile` without a loss (phase `build`).', '`model.compile({.optimizer = SGD(), .loss = ...})` first.'),
'history.key': ('run', '`History[key]` for a metric that was never logged (e.g. `val_loss` without validation data).', 'Use one of the listed keys; `val_` keys need `validation_split` or `validation_data`.'),
'callback.filepath': ('run', 'A `ModelCheckpoint` path template names a log key that does not exist.', 'Use `{epoch}` or a logged key.'),
'tensor.item': ('run', '`item()` on a tensor of more than one element.', 'Reduce first: `t.sum().item()`.'),
'tensor.index': ('run', '`at()` with the wrong number of coordinates or an out-of-range index.', 'One coordinate per axis, each in `[0, dim)`.'),
'tensor.shape': ('run', 'A concrete tensor created with an unknown (`None`) or negative dimension.', 'Give concrete sizes; `None` is only for Input shapes.'),
'autograd.backward': ('run', '`backward()` without a gradient on a tensor of more than one element.', 'Call it on a scalar loss (`loss.mean()`), or pass the output gradient.'),
}

helper = '''// The helpers used by several examples below (as in examples/error_gallery.cpp):
Model classifier(const Shape& shape, std::int64_t classes, Loss loss) {
  auto in = Input(shape, {.name = "image"});
  auto x = shape.rank() > 1 ? Flatten()(in) : in;
  Model m(in, Dense(classes, {.seed = 1})(x), "classifier");
  m.compile({.optimizer = SGD(), .loss = std::move(loss)});
  return m;
}
std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tenet_gallery_" + name)).string();
}'''

catalog = ['concat.shape','concat.rank','concat.axis','dense.features','dense.undefined','conv.rank','conv.channels','conv.too_small','batchnorm.features','elementwise.shape','layer.input_spec','layer.output_shape','layer.expect','model.graph',
 'input.count','input.rank','input.shape','input.dtype','batch.mismatch','batch.empty','batch.ragged','loss.label_shape','loss.label_range','loss.label_dtype','numerics.nonfinite','compare.shape','options.invalid','input.range',
 'checkpoint.mismatch','data.format','model.unsupported']
extras = ['dense.rank','flatten.rank','reshape.size','reshape.axis','slice.range','matmul.shape','layer.input_count','reduce.axis','resize.size','model.compile','history.key','callback.filepath','tensor.item','tensor.index','tensor.shape','autograd.backward']
assert set(catalog+extras) == set(by_code), set(by_code) ^ set(catalog+extras)

# The data-parallel fit's codes (docs/distributed.md): they need tenet built without MPI, or
# several ranks under mpirun, so the one-process gallery cannot run them. Their programs are
# shown without output; tests/distributed checks their messages on 2 ranks.
DISTRIBUTED = collections.OrderedDict([
('distribution.unavailable', ('run', '`FitOptions::distribution = MpiDataParallel{}` in a tenet built without MPI (CMake did not find it when tenet was configured, so the component `TENET_MPI` is off). A tenet built with MPI but started without `mpirun` (or with `-np 1`) trains as a plain fit instead.',
 """// tenet configured on a machine without libopenmpi-dev
FitOptions options{.epochs = 3, .batch_size = 64};
options.distribution = MpiDataParallel{};
model.fit(x, y, options);  // distribution.unavailable""",
 'Install OpenMPI (`apt-get install libopenmpi-dev openmpi-bin`, or `scripts/setup.sh`), configure and build tenet again and start the program with `mpirun -np N`; or drop `.distribution` to train in one process.')),
('distribution.mismatch', ('run', 'At the start of a data-parallel fit the ranks hold different models (layer types, variable shapes or count, parameter count) or walk a different number of batches per epoch (different data sets or `batch_size`). Raised on every rank, listing each rank\'s figures, before any weight is broadcast.',
 """// under mpirun -np 2: rank 1 builds a wider layer
auto in = Input({12});
Model model(in, Dense(10)(Dense(distributed::rank() == 0 ? 32 : 33)(in)));
// ... compile ...
options.distribution = MpiDataParallel{};
model.fit(x, y, options);  // distribution.mismatch on both ranks:
                           // rank 0: 4 variables, 746 parameters; rank 1: 4 variables, 769 ...""",
 'Build the same model on every rank and give every rank the same data set and `batch_size`: each rank keeps its share of every global batch.')),
('distribution.peer', ('run', 'A collective of the data-parallel fit waited `MpiDataParallel::timeout_seconds` for the other ranks, or MPI reported a failure: another rank stopped, hangs, crashed or was killed, or never called `fit`. The message names the rank that waited and where (the agreement on a step\'s outcome, the gradient sum, a BatchNorm exchange), with the batch.',
 """// under mpirun -np 2, MpiDataParallel{.timeout_seconds = 5}: rank 1 stops answering
// in its third step (a hang, SIGSTOP); rank 0 raises after 5 s:
// [distribution.peer] rank 0 of 2 waited 5 s for the other ranks at the agreement on the
// step's outcome (training batch 3 of epoch 1, its rows 0-31 of 64)""",
 'Read the other ranks\' output (and `mpirun`\'s) for their first error; if a rank is only slow (a shared machine, a first step that loads data), raise `MpiDataParallel::timeout_seconds`.')),
('distribution.rank_failed', ('run', 'Another rank of the data-parallel fit stopped on an error that is not a `ContractError` (an `IOError` reading its data, say): that rank rethrows its own error, every other rank raises this code, naming the rank, the batch and the original message. (A `ContractError` on one rank is raised on every rank with its own code, its summary starting "on rank 1 of 2, training batch 2 of epoch 1, its rows 32-63 of 64: ...".)',
 """// under mpirun -np 2: rank 1's reader fails on training batch 1
// rank 1: IOError "disk on fire"; rank 0:
// [distribution.rank_failed] rank 1 of 2 stopped at the reading of training batch 1 of
// epoch 1 on an error, so every rank stops""",
 'Fix what the failing rank\'s error names (its own output shows it), then run again.')),
])
for c, (phase, meaning, body, fix) in DISTRIBUTED.items():
    T[c] = (phase, meaning, fix)
    where = 'In a tenet built without MPI' if c == 'distribution.unavailable' else 'Under mpirun'
    by_code[c] = [(where + ' (no output in the one-process gallery)', body, None)]

o = []

CLASSIFIER = """// classifier(): Input(shape) -> [Flatten] -> Dense(classes), compiled with `loss`
auto classifier = [](Shape shape, std::int64_t classes, Loss loss) {
  auto in = Input(shape, {.name = "image"});
  Model m(in, Dense(classes, {.seed = 1})(shape.rank() > 1 ? Flatten()(in) : in), "classifier");
  m.compile({.optimizer = SGD(), .loss = loss});
  return m;
};
"""
TEMP = """auto temp_path = [](const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tenet_gallery_" + name)).string();
};
"""
gsrc = src
scale_start = gsrc.index('// A user-written layer with a declared input contract')
scale_end = gsrc.index('// ----', scale_start)
SCALE = gsrc[scale_start:scale_end].strip()

def standalone(body):
    head = []
    pre = ''
    if 'classifier(' in body: pre += CLASSIFIER
    if 'temp_path(' in body:
        pre += TEMP
        head.append('#include <filesystem>')
    if 'std::ofstream' in body: head.append('#include <fstream>')
    if 'numeric_limits' in body: head.append('#include <limits>')
    if 'std::optional' in body: head.append('#include <optional>')
    if 'Scale()' in body:
        ind = '\n'.join('    ' + l if l else l for l in body.split('\n'))
        return ('#include <iostream>\n#include <tenet/tenet.hpp>\nusing namespace tenet;\n\n' + SCALE +
                '\n\nint main() {\n  try {\n' + ind +
                '\n  } catch (const ContractError& e) {\n    std::cout << e.what();\n  }\n}')
    return '\n'.join(head) + ('\n' if head else '') + pre + body

o.append('''# tenet's errors

Every contract tenet enforces raises `tenet::ContractError` with a stable code. This page has
one section per code: what it means, a minimal program that triggers it, the message tenet
prints, and the fix. It is the user-facing twin of the contract catalog and stays in step with
it; `examples/error_gallery` runs every program below (the messages here are its real output,
so source lines refer to `error_gallery.cpp`).

```cpp-fragment
try {
  model.fit(x, y);
} catch (const tenet::ContractError& e) {
  e.code();      // "input.rank": stable, use it in tests and tools
  e.phase();     // Phase::build (graph construction), run (data flowing) or load (files)
  e.where();     // "'image' (InputLayer) created at train.cpp:12, called at train.cpp:40
                 //  (model.fit)": layer, type, the line that created it, the failing call
  e.called_at(); // "train.cpp:40": your line of the failing call ("" when not recorded)
  e.expected();  // "(None, 28, 28, 1)", Keras notation, batch axis None
  e.actual();    // "(100, 28, 28)"
  e.cause();     // the likely reason, computed from your graph or data
  e.fix();       // a concrete change in tenet's API
  e.provenance();// for graph errors: each upstream layer with its output shape
  std::cerr << e.what();  // all of it, in one format
}
```

Every message has the same layout: `[code] summary`, then `phase`, `where`, `expected` before
`actual` (carets mark the axes that differ), `how the shapes came about` for graph errors, then
`cause` and `fix`. Messages never contain oneDNN statuses, pointers or mangled type names.
Broken invariants of tenet itself are not contract errors: they raise `tenet::InternalError`
("tenet internal error ... please report it").

Causes and fixes are computed from the facts of the case, never from a fixed text per code: the
graph (what each layer tells about itself: its window, whether it keeps, flattens, pools away or
fixes the height and width, the size its weights were built for), the data (its shape, channel
count and range of values) and the call. The same code therefore explains two situations
differently, and the sections below show such situations side by side.

Comparing tensors with `==` does not compile; the compiler message points to `equal(a, b)`

Errors raised while data flows name the line of your call that failed (`called at`) beside the
line that created the layer; docs/models.md ("Which line an error names") lists the calls that
record it and the few that cannot.

Comparing tensors with `==` does not compile; the compiler message names `[compare.shape]` and
points to `equal(a, b)`
(element-wise mask), `allclose(a, b, rtol, atol)` (numeric check) or `a.shape() == b.shape()`.

''')

def in_phase(phase):  # the catalog's codes of one phase, in catalog order
    return [c for c in catalog if T[c][0] == phase]

def toc(codes):
    return ', '.join('[`%s`](#%s)' % (c, c.replace('.', '')) for c in codes)
o.append('**Build phase:** ' + toc(in_phase('build')) + '  \n**Run phase:** ' + toc(in_phase('run')) +
         '  \n**Load phase:** ' + toc(in_phase('load')) + '  \n**Data-parallel fit:** ' + toc(DISTRIBUTED) +
         '  \n**Other codes:** ' + toc(extras) + '\n')

def section(code, level='##'):
    phase, meaning, fix = T[code]
    s = ['%s %s\n' % (level, code), '*Phase `%s`.* %s\n' % (phase, meaning)]
    for title, body, msg in by_code[code]:
        s.append('**%s**\n' % title)
        if msg is None:  # a data-parallel code: the program only
            s.append('```cpp-fragment\n%s\n```\n' % body)
            continue
        s.append('```cpp\n%s\n```\n' % standalone(body))
        s.append('```text\n%s\n```\n' % msg)
    s.append('**Fix:** %s\n' % fix)
    return '\n'.join(s)

o.append('# Contracts checked when a model is built\n')
for c in in_phase('build'): o.append(section(c))
o.append('# Contracts checked when data flows\n')
for c in in_phase('run'): o.append(section(c))
o.append('# Contracts checked when files are read\n')
for c in in_phase('load'): o.append(section(c))
o.append('# Codes of the data-parallel fit\n\nRaised by `fit` with `FitOptions::distribution` (docs/distributed.md) on every rank. They '
         'need several ranks under `mpirun`, or a tenet built without MPI, so the programs are shown '
         'without the output of `examples/error_gallery`; `tests/distributed` checks the messages.\n')
for c in DISTRIBUTED: o.append(section(c))
o.append('# Other codes\n\nRaised by ops, tensors, configuration and training utilities.\n')
for c in extras: o.append(section(c))
open(os.path.join(root, 'docs/errors.md'), 'w').write('\n'.join(o))
print('written')
