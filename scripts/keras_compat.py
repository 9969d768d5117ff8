#!/usr/bin/env python3
"""Checks that tenet's .weights.h5 files and Keras 3's are interchangeable, both ways.

Needs Keras 3 with a backend and h5py (`pip install tensorflow-cpu keras h5py`); never part of
tenet's build or tests. Both directions use the same model, built in the same order as
ckpt::compat_model() in tests/data/test_checkpoint.cpp:

  Input 28x28x1 -> Conv2D(8, 3x3, same, relu) -> MaxPool2D --+
  Input 14x14x1 -> Conv2D(8, 3x3, same, relu) ---------------+-> Concatenate -> BatchNorm
      -> Flatten -> Dense(16, relu) -> Dense(10)

Usage:
  keras_compat.py all [--test-binary build/tests/test_data] [--dir DIR]
      runs both directions (calls the tenet test binary with the environment variables)
  keras_compat.py keras-archives [--archive-binary build/tests/test_data] [--dir DIR]
      .keras archives both ways (also part of `all`): Keras writes the models of
      scripts/make_keras_fixtures.py (branched, multi-input, every layer, Sequential), tenet
      loads them and must predict within --archive-tol (1e-5), writes them back with
      keras::save_model, and Keras loads tenet's archives and must predict what tenet did
  keras_compat.py check-tenet DIR   Keras loads DIR/tenet.weights.h5, predicts DIR/tenet_io.h5
  keras_compat.py write-keras DIR   Keras writes DIR/keras.weights.h5 and DIR/keras.io.h5
Exit status 0 when predictions agree within --tol (default 1e-4).
"""
import argparse
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import numpy as np  # noqa: E402


def build_model():
    import keras
    from keras import layers

    image = keras.Input((28, 28, 1), name="image")
    thumb = keras.Input((14, 14, 1), name="thumb")
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(image)
    x = layers.MaxPooling2D()(x)
    t = layers.Conv2D(8, 3, padding="same", activation="relu")(thumb)
    z = layers.Concatenate()([x, t])
    z = layers.BatchNormalization()(z)
    z = layers.Flatten()(z)
    z = layers.Dense(16, activation="relu")(z)
    return keras.Model([image, thumb], layers.Dense(10)(z), name="compat")


def max_diff(a, b):
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def check_tenet(directory, tol):
    """tenet -> Keras: Keras loads tenet's file and must predict what tenet predicted."""
    model = build_model()
    model.load_weights(os.path.join(directory, "tenet.weights.h5"))
    with h5py.File(os.path.join(directory, "tenet_io.h5"), "r") as f:
        image, thumb, want = f["image"][...], f["thumb"][...], f["pred"][...]
    got = model.predict([image, thumb], verbose=0)
    diff = max_diff(got, want)
    print(f"tenet -> Keras: max |keras - tenet| = {diff:.3g} over {want.size} values")
    return diff <= tol


def write_keras(directory):
    """Keras -> tenet: a trained Keras model's weights plus inputs and predictions."""
    import keras

    keras.utils.set_random_seed(3)
    model = build_model()
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    rng = np.random.default_rng(0)
    image = rng.uniform(size=(32, 28, 28, 1)).astype("float32")
    thumb = rng.uniform(size=(32, 14, 14, 1)).astype("float32")
    labels = rng.integers(0, 10, size=(32,)).astype("int32")
    model.fit([image, thumb], labels, epochs=2, batch_size=16, verbose=0)  # moves BN statistics
    pred = model.predict([image, thumb], verbose=0)
    path = os.path.join(directory, "keras.weights.h5")
    model.save_weights(path)
    with h5py.File(os.path.join(directory, "keras.io.h5"), "w") as f:
        f["image"], f["thumb"], f["pred"] = image, thumb, pred
    return path


def run_test(binary, case, env_key, env_value):
    env = dict(os.environ, **{env_key: env_value})
    r = subprocess.run([binary, "-tc=" + case, "-s"], env=env, capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if "MESSAGE" in line or "ERROR" in line or "max |" in line:
            print("  tenet:", line.strip())
    if r.returncode != 0:
        print(r.stdout[-3000:], r.stderr[-3000:], sep="\n", file=sys.stderr)
    return r.returncode == 0


def keras_archives(directory, binary, tol):
    """.keras both ways: Keras -> tenet (in the test binary) and tenet -> Keras (here)."""
    import keras

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import make_keras_fixtures as fx

    os.makedirs(directory, exist_ok=True)
    names = ["branch_swap", "branch_multi", "all_layers", "sequential"]
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(0)
    losses = {"branch_swap": "mse", "sequential": "sparse_categorical_crossentropy"}
    for name in names:
        fx.write(directory, name, getattr(fx, name), losses.get(name, "sparse_categorical_crossentropy"),
                 "adam", rng)
    fx.class_metrics(directory)  # per-class Precision, Recall and F1Score in the compile config
    names.append("class_metrics")
    ok = run_test(binary, "keras compat: archives*", "TENET_KERAS_ARCHIVE_DIR", directory)
    for name in names:
        path = os.path.join(directory, name + ".tenet.keras")
        if not os.path.exists(path):
            print(f"tenet -> Keras: {name}: tenet wrote no archive")
            ok = False
            continue
        model = keras.models.load_model(path)
        with h5py.File(os.path.join(directory, name + ".tenet.io.h5"), "r") as f:
            xs = [f["x%d" % i][...] for i in range(len(model.inputs))]
            want = f["pred"][...]
        got = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        diff = max_diff(got, want)
        print(f"tenet -> Keras: {name}: max |keras - tenet| = {diff:.3g} over {want.size} values")
        ok = ok and diff <= tol
        if name == "class_metrics":  # tenet wrote the metrics back: Keras computes the same
            with h5py.File(os.path.join(directory, name + ".io.h5"), "r") as f:
                logs = model.evaluate(f["x0"][...], f["y"][...], batch_size=8, return_dict=True,
                                      verbose=0)
                for key in ("precision_0", "recall_2", "f1_score"):
                    same = abs(logs[key] - float(f[key][()])) <= 1e-6
                    print(f"tenet -> Keras: {name}: {key} {logs[key]:.6f}, Keras's own {float(f[key][()]):.6f}")
                    ok = ok and same
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["all", "check-tenet", "write-keras", "keras-archives"])
    p.add_argument("dir", nargs="?")
    p.add_argument("--dir", dest="dir_opt")
    p.add_argument("--test-binary", default="build/tests/test_data")
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--archive-binary", default="build/tests/test_data")
    p.add_argument("--archive-tol", type=float, default=1e-5)
    a = p.parse_args()
    directory = a.dir or a.dir_opt or tempfile.mkdtemp(prefix="tenet_keras_")
    os.makedirs(directory, exist_ok=True)
    if a.command == "check-tenet":
        return 0 if check_tenet(directory, a.tol) else 1
    if a.command == "write-keras":
        print(write_keras(directory))
        return 0
    if a.command == "keras-archives":
        ok = keras_archives(directory, a.archive_binary, a.archive_tol)
        print("OK" if ok else "FAILED", "- files in", directory)
        return 0 if ok else 1
    ok = run_test(a.test_binary, "keras compat: write a tenet file*", "TENET_KERAS_COMPAT_OUT", directory)
    ok = ok and check_tenet(directory, a.tol)
    keras_file = write_keras(directory)
    ok = run_test(a.test_binary, "keras compat: load a file written by Keras*", "TENET_KERAS_FILE",
                  keras_file) and ok
    ok = keras_archives(os.path.join(directory, "archives"), a.archive_binary, a.archive_tol) and ok
    print("OK" if ok else "FAILED", "- files in", directory)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
