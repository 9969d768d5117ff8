#!/usr/bin/env python3
"""Writes the Keras 3 fixtures of tests/fixtures/keras/ (committed, so ctest runs without Keras).

Each model NAME gives NAME.keras (Keras's model.save), NAME.io.h5 (inputs x0, x1, ... and
Keras's predictions `pred`, float32) and, for the branched models, NAME.weights.h5
(model.save_weights); class_metrics.keras has per-class metrics (see class_metrics). Refusal fixtures: unsupported_layer.keras, unsupported_dtype.json, bomb.keras.

Usage: <a Python with Keras 3> scripts/make_keras_fixtures.py [OUT_DIR]
Needs Keras 3 with a backend (tensorflow-cpu) and h5py.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402


def branch_swap():
    """Two branches of different depth whose first convolutions have equal shapes: the short
    branch comes first in the Concatenate, so a depth-first numbering swaps them silently."""
    x = keras.Input((6, 6, 2), name="image")
    short = layers.Conv2D(3, 3, padding="same")(x)
    deep = layers.Conv2D(3, 3, padding="same", activation="relu")(x)
    deep = layers.Conv2D(3, 3, padding="same")(deep)
    z = layers.Concatenate()([short, deep])
    z = layers.GlobalAveragePooling2D()(z)
    return keras.Model(x, layers.Dense(2)(z), name="branch_swap")


def branch_multi():
    """Two inputs, branches of different depth and different layer shapes (the shorter first)."""
    image = keras.Input((8, 8, 1), name="image")
    thumb = keras.Input((4, 4, 1), name="thumb")
    a = layers.Conv2D(4, 2, activation="relu")(image)
    a = layers.Conv2D(6, 3)(a)
    a = layers.GlobalMaxPooling2D()(a)
    b = layers.Conv2D(6, 3)(thumb)
    b = layers.GlobalAveragePooling2D()(b)
    z = layers.Concatenate()([b, a])
    return keras.Model([image, thumb], layers.Dense(3, activation="softmax")(z), name="branch_multi")


def all_layers():
    """Every layer tenet has, with non-default options, in one functional model."""
    image = keras.Input((8, 8, 3), name="image")
    x = layers.Rescaling(1 / 255.0, offset=-0.5)(image)
    x = layers.Resizing(10, 10)(x)
    x = layers.Conv2D(4, 3, strides=2, padding="same", use_bias=False, name="stem")(x)
    x = layers.BatchNormalization(momentum=0.9, epsilon=1e-4)(x)
    x = layers.ReLU()(x)
    y = layers.Conv2D(4, 3, padding="same", dilation_rate=2, activation="relu")(x)
    s = layers.Add()([x, y])
    m = layers.Multiply()([s, y])
    p = layers.MaxPooling2D(pool_size=2, strides=1, padding="valid")(m)
    g1 = layers.GlobalAveragePooling2D()(p)
    g2 = layers.GlobalMaxPooling2D()(p)
    f = layers.Flatten()(layers.Reshape((5, 5, 4))(layers.Reshape((100,))(m)))
    z = layers.Concatenate(axis=-1)([g1, g2, f])
    z = layers.Dropout(0.25)(z)
    z = layers.Dense(8, activation="relu")(z)
    z = layers.Activation("relu")(z)
    z = layers.Dense(3)(z)
    return keras.Model(image, layers.Softmax()(z), name="all_layers")


def sequential():
    return keras.Sequential([keras.Input((6,)), layers.Dense(5, activation="relu"),
                             layers.BatchNormalization(), layers.Dropout(0.5),
                             layers.Dense(2, activation="softmax")], name="seq")


def inputs_for(model, rng):
    return [rng.uniform(0, 255 if model.name == "all_layers" else 1,
                        size=(4,) + tuple(t.shape[1:])).astype("float32") for t in model.inputs]


def write(out, name, build, loss, optimizer, rng, weights=False):
    keras.backend.clear_session()  # layer names count from conv2d again in every model
    model = build()
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    xs = inputs_for(model, rng)
    units = model.outputs[0].shape[-1]
    y = rng.integers(0, units, size=(4,)).astype("int32")
    if loss == "mse":
        y = np.eye(units, dtype="float32")[y]
    xs = xs if len(xs) > 1 else xs[0]
    model.fit(xs, y, epochs=1, batch_size=2, verbose=0)  # moves BatchNorm's statistics
    pred = model.predict(xs, verbose=0)
    model.save(os.path.join(out, name + ".keras"))
    if weights:
        model.save_weights(os.path.join(out, name + ".weights.h5"))
    with h5py.File(os.path.join(out, name + ".io.h5"), "w") as f:
        for i, x in enumerate(xs if isinstance(xs, list) else [xs]):
            f["x%d" % i] = x
        f["pred"] = pred.astype("float32")
    print(name, [l.name for l in model.layers])


def class_metrics(out):
    """Per-class metrics in a compile config: Precision and Recall per class (top_k=1) and
    F1Score(average="macro"), with one-hot labels; class_metrics.io.h5 adds the labels `y` and
    Keras's evaluate values under their log names (precision_0, ..., f1_score)."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(11)
    rng = np.random.default_rng(11)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")],
                             name="class_metrics")
    metrics = [keras.metrics.Precision(class_id=c, top_k=1, name="precision_%d" % c) for c in range(3)]
    metrics += [keras.metrics.Recall(class_id=c, top_k=1, name="recall_%d" % c) for c in range(3)]
    metrics += [keras.metrics.F1Score(average="macro", name="f1_score")]
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=metrics)
    x = rng.normal(size=(24, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, size=(24,))]
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    logs = model.evaluate(x, y, batch_size=8, return_dict=True, verbose=0)
    model.save(os.path.join(out, "class_metrics.keras"))
    with h5py.File(os.path.join(out, "class_metrics.io.h5"), "w") as f:
        f["x0"] = x
        f["y"] = y
        f["pred"] = model.predict(x, verbose=0).astype("float32")
        for k, v in logs.items():
            f[k] = np.float64(v)
    print("class_metrics", logs)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests/fixtures/keras")
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(0)
    write(out, "branch_swap", branch_swap, "mse", "sgd", rng, weights=True)
    write(out, "branch_multi", branch_multi, "sparse_categorical_crossentropy", "adam", rng,
          weights=True)
    write(out, "all_layers", all_layers, "sparse_categorical_crossentropy", "adam", rng)
    write(out, "sequential", sequential, "sparse_categorical_crossentropy",
          keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), rng)
    class_metrics(out)
    # Refusals: a layer tenet lacks, and a dtype policy other than float32.
    keras.backend.clear_session()
    leaky = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.LeakyReLU(0.2)],
                             name="leaky")
    leaky.save(os.path.join(out, "unsupported_layer.keras"))
    mixed = keras.Sequential([keras.Input((4,)), layers.Dense(3, dtype="mixed_float16")],
                             name="mixed")
    with open(os.path.join(out, "unsupported_dtype.json"), "w") as f:
        f.write(mixed.to_json())
    # A zip bomb: config.json of 17 MiB of spaces, deflated to about 17 KiB (tenet reads at
    # most 16 MiB of JSON).
    import zipfile
    with zipfile.ZipFile(os.path.join(out, "bomb.keras"), "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("config.json", b" " * (17 << 20))
    with open(os.path.join(out, "sequential.json"), "w") as f:
        f.write(keras.models.load_model(os.path.join(out, "sequential.keras")).to_json())


if __name__ == "__main__":
    main()
