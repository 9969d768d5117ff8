#!/usr/bin/env python3
"""Writes tests/fixtures/augmentation/: what Keras 3 (TensorFlow backend) computes for the
augmentation layers where the transform is deterministic, so tenet's tests compare against Keras
without Keras installed (tests/layers/test_random_*.cpp).

- augmentation.h5: `images` (3, 7, 6, 2) float32, then one output per case:
  * layers with a forced draw (a factor range of one value): RandomRotation((0.125, 0.125)),
    RandomTranslation((0.1, 0.1), (-0.2, -0.2)), RandomZoom((0.2, 0.2)) and with a
    width_factor, each for every fill_mode and interpolation;
  * RandomFlip with forced flips (transform_images with the flips given) for each mode;
  * RandomCrop in training where Keras draws nothing (an input not larger on both axes), and
    smart_resize, the inference rule Keras documents;
  * keras.ops.image.affine_transform with a projective matrix (c0, c1 nonzero), per fill mode.
- layers.keras: a model holding all five layers with their seeds and options, for the reader.

Needs Keras 3 with TensorFlow, NumPy and h5py; never part of tenet's build or tests.
Usage: scripts/make_augmentation_fixtures.py [--dir tests/fixtures/augmentation]
"""
import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

FILL_MODES = ["reflect", "wrap", "constant", "nearest"]
INTERPOLATIONS = ["bilinear", "nearest"]


def forced_layers(fill, interp):
    kw = dict(fill_mode=fill, interpolation=interp, fill_value=0.5)
    return {
        "rotation": layers.RandomRotation((0.125, 0.125), **kw),
        "translation": layers.RandomTranslation((0.1, 0.1), (-0.2, -0.2), **kw),
        "zoom": layers.RandomZoom((0.2, 0.2), **kw),
        "zoom_wh": layers.RandomZoom((-0.3, -0.3), width_factor=(0.25, 0.25), **kw),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="tests/fixtures/augmentation")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    rng = np.random.default_rng(7)
    images = rng.uniform(0, 1, (3, 7, 6, 2)).astype("float32")
    out = {"images": images}
    for fill in FILL_MODES:
        for interp in INTERPOLATIONS:
            for name, layer in forced_layers(fill, interp).items():
                out[f"{name}_{fill}_{interp}"] = np.asarray(layer(images, training=True))
    flips = np.array([True, False, True]).reshape(3, 1, 1, 1)
    for mode in ["horizontal", "vertical", "horizontal_and_vertical"]:
        layer = layers.RandomFlip(mode)
        out[f"flip_{mode}"] = np.asarray(
            layer.transform_images(images, {"flips": flips}, training=True))
    out["crop_7x4"] = np.asarray(layers.RandomCrop(7, 4)(images, training=True))
    out["crop_9x8"] = np.asarray(layers.RandomCrop(9, 8)(images, training=True))
    out["crop_infer_4x5"] = np.asarray(keras.preprocessing.image.smart_resize(images, (4, 5)))
    projective = np.array([[0.9, 0.2, 0.4, -0.1, 1.1, -0.3, 0.02, -0.03]], "float32")
    for fill in FILL_MODES:
        for interp in INTERPOLATIONS:
            out[f"projective_{fill}_{interp}"] = np.asarray(keras.ops.image.affine_transform(
                images, projective, interpolation=interp, fill_mode=fill, fill_value=0.5))
    out["projective"] = projective
    with h5py.File(os.path.join(args.dir, "augmentation.h5"), "w") as f:
        for name, a in sorted(out.items()):
            f.create_dataset(name, data=a)

    inp = keras.Input((28, 28, 1), name="image")
    x = layers.RandomFlip("horizontal", seed=11, name="flip")(inp)
    x = layers.RandomTranslation(0.1, (-0.2, 0.1), fill_mode="constant", fill_value=0.25,
                                 seed=12, name="shift")(x)
    x = layers.RandomZoom((-0.2, 0.1), width_factor=0.15, interpolation="nearest", seed=13,
                          name="zoom")(x)
    x = layers.RandomRotation(0.05, fill_mode="wrap", seed=14, name="turn")(x)
    x = layers.RandomCrop(24, 20, seed=15, name="crop")(x)
    x = layers.Flatten(name="flatten")(x)
    y = layers.Dense(3, name="dense")(x)
    keras.Model(inp, y, name="augmented").save(os.path.join(args.dir, "layers.keras"))


if __name__ == "__main__":
    main()
