#!/usr/bin/env python3
"""Writes tests/fixtures/seed/: each seed case of examples/error_gallery.cpp that a Keras model
can express, as a Keras-written `.keras` file plus a small data file, for `tenet explain`
(tests/tools/test_tenet_cli.cpp checks that it prints the gallery's code and message).

Needs Keras 3 with a backend, NumPy and h5py; never part of tenet's build or tests (the files it
writes are committed). Usage: scripts/make_seed_fixtures.py [--dir tests/fixtures/seed]

Keras refuses to build the graphs of the build-time cases (concat.shape, dense.undefined,
conv.channels), as tenet does. For those the script saves the nearest model Keras builds and
then edits config.json inside the archive (an Input's shape, a layer's padding or strides), as
a hand-edited file or one from a program that skipped Keras's checks would differ. Each
fixture's data are zeros (or small integer labels) stored gzip-compressed, so files stay small.

manifest.txt lists, per case: the fixture name, the gallery case number, the code, and the
`tenet explain` arguments after the model.
"""
import argparse
import json
import os
import shutil
import tempfile
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402


def save_h5(path, arrays):
    with h5py.File(path, "w") as f:
        for name, a in arrays.items():
            kw = {"compression": "gzip"} if a.ndim > 0 and a.size > 0 else {}
            f.create_dataset(name, data=a, **kw)


def classifier(shape, classes, loss):
    """The gallery's classifier(): Input(shape, name image) -> [Flatten] -> Dense(classes)."""
    inp = keras.Input(shape, name="image")
    x = layers.Flatten()(inp) if len(shape) > 1 else inp
    m = keras.Model(inp, layers.Dense(classes)(x), name="classifier")
    m.compile(optimizer="sgd", loss=loss)
    return m


def sparse():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def edit_config(path, edit):
    """Rewrites config.json of the .keras archive at `path` through edit(config)."""
    tmp = path + ".tmp"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config).encode()
            dst.writestr(item, data)
    os.replace(tmp, path)


def layer_config(config, name):
    for layer in config["config"]["layers"]:
        if layer["name"] == name:
            return layer
    raise KeyError(name)


def set_input_shape(config, name, shape):
    """An Input's batch_shape, and the shapes recorded for it where it is consumed."""
    layer_config(config, name)["config"]["batch_shape"] = [None, *shape]

    def walk(node):
        if isinstance(node, dict):
            hist = node.get("config", {}).get("keras_history") if node.get("class_name") == "__keras_tensor__" else None
            if hist and hist[0] == name:
                node["config"]["shape"] = [None, *shape]
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(config["config"]["layers"])
    for layer in config["config"]["layers"]:
        for node in layer.get("inbound_nodes", []):
            args = json.dumps(node)
            if f'"keras_history": ["{name}"' in args and "build_config" in layer:
                layer["build_config"]["input_shape"] = [None, *shape]


# ---------------------------------------------------------------- the cases


def case_concat_sizes(d):
    small = keras.Input((64, 64, 3), name="small_view")
    large = keras.Input((64, 64, 3), name="large_view")  # 128x128 after the edit
    a = layers.Conv2D(8, 3, padding="same")(small)
    b = layers.Conv2D(8, 3, padding="same")(large)
    m = keras.Model([small, large], layers.Concatenate()([a, b]), name="two_views")
    m.save(f"{d}/concat_sizes.keras")
    edit_config(f"{d}/concat_sizes.keras", lambda c: set_input_shape(c, "large_view", (128, 128, 3)))
    save_h5(f"{d}/concat_sizes.h5", {"small_view": np.zeros((1, 64, 64, 3), np.float32),
                                     "large_view": np.zeros((1, 128, 128, 3), np.float32)})
    return "concat_sizes", 1, "concat.shape", ["--data", "concat_sizes.h5"]


def case_concat_valid(d):
    inp = keras.Input((32, 32, 3), name="image")
    a = layers.Conv2D(32, 3, padding="same", name="conv2d_2")(inp)
    a = layers.MaxPooling2D(2)(a)
    b = layers.Conv2D(64, 5, padding="same", strides=2, name="conv2d_3")(inp)  # valid, 1 after the edit
    m = keras.Model(inp, layers.Concatenate()([a, b]), name="pooled_and_valid")
    m.save(f"{d}/concat_valid.keras")

    def edit(c):
        conv = layer_config(c, "conv2d_3")["config"]
        conv["padding"], conv["strides"] = "valid", [1, 1]

    edit_config(f"{d}/concat_valid.keras", edit)
    save_h5(f"{d}/concat_valid.h5", {"x": np.zeros((2, 32, 32, 3), np.float32)})
    return "concat_valid", 2, "concat.shape", ["--data", "concat_valid.h5"]


def case_two_batches(d):
    left, right = keras.Input((8,), name="left"), keras.Input((8,), name="right")
    m = keras.Model([left, right], layers.Dense(2)(layers.Concatenate()([left, right])), name="two_inputs")
    m.compile(optimizer="sgd", loss=sparse())
    m.save(f"{d}/two_batches.keras")
    save_h5(f"{d}/two_batches.h5", {"left": np.zeros((32, 8), np.float32), "right": np.zeros((64, 8), np.float32),
                                    "y": np.zeros((32,), np.int32)})
    return "two_batches", 3, "batch.mismatch", ["--data", "two_batches.h5"]


def case_fewer_labels(d):
    classifier((28, 28, 1), 10, sparse()).save(f"{d}/fewer_labels.keras")
    save_h5(f"{d}/fewer_labels.h5", {"x": np.zeros((100, 28, 28, 1), np.float32), "y": np.zeros((90,), np.int32)})
    return "fewer_labels", 4, "batch.mismatch", ["--data", "fewer_labels.h5"]


def case_no_channel_axis(d):
    classifier((28, 28, 1), 10, sparse()).save(f"{d}/no_channel_axis.keras")
    # an h5py file with its own names, given on the command line
    save_h5(f"{d}/no_channel_axis.h5", {"train/images": np.zeros((100, 28, 28), np.float32),
                                        "train/labels": np.zeros((100,), np.int32)})
    return "no_channel_axis", 6, "input.rank", ["--data", "no_channel_axis.h5", "--x", "image=/train/images",
                                                "--y", "/train/labels"]


def case_single_image(d):
    classifier((28, 28, 1), 10, sparse()).save(f"{d}/single_image.keras")
    np.save(f"{d}/single_image.npy", np.zeros((28, 28, 1), np.float32))
    return "single_image", 7, "input.rank", ["--data", "single_image.npy"]


def case_integer_labels(d):
    classifier((8,), 5, keras.losses.CategoricalCrossentropy(from_logits=True)).save(f"{d}/integer_labels.keras")
    np.savez_compressed(f"{d}/integer_labels.npz", x=np.zeros((100, 8), np.float32),
                        y=np.zeros((100, 1), np.int32))
    return "integer_labels", 8, "loss.label_shape", ["--data", "integer_labels.npz"]


def case_uint8(d):
    classifier((28, 28, 1), 10, sparse()).save(f"{d}/uint8_images.keras")
    save_h5(f"{d}/uint8_images.h5", {"x": np.zeros((16, 28, 28, 1), np.uint8), "y": np.zeros((16,), np.int32)})
    return "uint8_images", 9, "input.dtype", ["--data", "uint8_images.h5"]


def case_wrong_size(d):
    inp = keras.Input((224, 224, 3), name="photo")
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(4, 3, padding="same")(inp))
    keras.Model(inp, layers.Dense(2)(x), name="photo_model").save(f"{d}/wrong_size.keras")
    save_h5(f"{d}/wrong_size.h5", {"x": np.zeros((2, 128, 128, 3), np.float32)})
    return "wrong_size", 12, "input.shape", ["--data", "wrong_size.h5"]


def case_none_flatten(d):
    inp = keras.Input((8, 8, 3), name="any_size")  # None x None after the edit
    x = layers.Flatten()(layers.Conv2D(8, 3)(inp))
    keras.Model(inp, layers.Dense(10)(x), name="any_size_model").save(f"{d}/none_flatten.keras")
    edit_config(f"{d}/none_flatten.keras", lambda c: set_input_shape(c, "any_size", (None, None, 3)))
    save_h5(f"{d}/none_flatten.h5", {"x": np.zeros((1, 8, 8, 3), np.float32)})
    return "none_flatten", 13, "dense.undefined", ["--data", "none_flatten.h5"]


def case_rgba(d):
    rgb, rgba = keras.Input((32, 32, 3), name="rgb"), keras.Input((32, 32, 3), name="rgba")  # 4 after the edit
    conv = layers.Conv2D(8, 3, padding="same")
    m = keras.Model([rgb, rgba], layers.Add()([conv(rgb), conv(rgba)]), name="shared_conv")
    m.save(f"{d}/rgba.keras")
    edit_config(f"{d}/rgba.keras", lambda c: set_input_shape(c, "rgba", (32, 32, 4)))
    save_h5(f"{d}/rgba.h5", {"rgb": np.zeros((1, 32, 32, 3), np.float32), "rgba": np.zeros((1, 32, 32, 4), np.float32)})
    return "rgba", 14, "conv.channels", ["--data", "rgba.h5"]


def case_two_problems(d):
    """Not a gallery case: two independent problems in one run (4 channels, label 7 of 5)."""
    inp = keras.Input((16, 16, 3), name="image")
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(4, 3, padding="same", activation="relu")(inp))
    m = keras.Model(inp, layers.Dense(5)(x), name="two_problems")
    m.compile(optimizer="sgd", loss=sparse())
    m.save(f"{d}/two_problems.keras")
    save_h5(f"{d}/two_problems.h5", {"x": np.zeros((4, 16, 16, 4), np.float32),
                                     "y": np.array([0, 1, 7, 2], np.int32)})
    return "two_problems", 0, "input.shape loss.label_range", ["--data", "two_problems.h5"]


def case_sound(d):
    """Not a gallery case: a model and data without problems (exit 0, and tenet trace)."""
    rng = np.random.default_rng(1)
    inp = keras.Input((8, 8, 1), name="image")
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(inp)
    x = layers.Dense(3)(layers.Flatten()(layers.MaxPooling2D(2)(x)))
    m = keras.Model(inp, x, name="sound")
    m.compile(optimizer="sgd", loss=sparse())
    m.save(f"{d}/sound.keras")
    save_h5(f"{d}/sound.h5", {"x": rng.uniform(0, 1, (8, 8, 8, 1)).astype(np.float32),
                              "y": rng.integers(0, 3, (8,)).astype(np.int32)})
    return "sound", 0, "-", ["--data", "sound.h5"]


CASES = [case_concat_sizes, case_concat_valid, case_two_batches, case_fewer_labels, case_no_channel_axis,
         case_single_image, case_integer_labels, case_uint8, case_wrong_size, case_none_flatten, case_rgba,
         case_two_problems, case_sound]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", default=os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "seed"))
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    lines = ["# fixture gallery_case code(s) explain-arguments (made by scripts/make_seed_fixtures.py)"]
    for case in CASES:
        keras.backend.clear_session()  # fresh automatic names per model, as in a new program
        name, number, code, argv = case(args.dir)
        lines.append(" ".join([name, str(number), code.replace(" ", ","), *argv]))
        print(f"{name}: {os.path.getsize(os.path.join(args.dir, name + '.keras'))} bytes")
    with open(os.path.join(args.dir, "manifest.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
