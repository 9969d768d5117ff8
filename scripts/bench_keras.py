#!/usr/bin/env python3
"""Keras 3 (TensorFlow-CPU backend) side of tenet's training benchmark (benchmarks/README.md).

The nets A, B, C of benchmarks/reference/onednn_nets.hpp, batch 64, SGD(0.01, momentum 0.9),
sparse softmax cross-entropy from logits, on the first 8192 Fashion-MNIST training images.
Timing: `train_on_batch` on consecutive batches, blocks of --steps steps, images/s of a block,
median over --rounds blocks, after a warm-up (the first call traces and compiles the step).

With --tenet (the default when build/benchmarks/train_bench exists) the same run alternates:
Keras block(s) of a round, then `train_bench --nets X --quick` as a subprocess (tenet and the
raw-oneDNN reference, 3 rounds of 10 steps each, OMP_NUM_THREADS = --threads), and prints the
median of each and tenet/Keras. TensorFlow fixes its thread pools once per process, so 1 and
2 threads are two invocations.

Usage:
  scripts/bench_keras.py --threads 2 [--nets ABC] [--rounds 5] [--steps 30] [--no-tenet]
  scripts/bench_keras.py --first-step A      # process start to first finished step, peak RSS
  scripts/bench_keras.py --worker A --threads 2   # for train_bench --contention: reads a number
                                                  # of steps per line, prints their seconds
Needs: scripts/bench_deps.sh --keras (tensorflow-cpu and keras in build/keras-venv).
"""
import argparse
import gzip
import os
import re
import resource
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
T0_WALL = time.time()

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = "/usr/share/datasets/fashion-mnist"


def load(n):
    """First n training images (n, 28, 28, 1) in [0, 1], 2x2-mean thumbnails, int32 labels."""
    with gzip.open(os.path.join(DATA, "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16)[: n * 784]
    with gzip.open(os.path.join(DATA, "train-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    images = images.reshape(n, 28, 28, 1).astype(np.float32) / 255.0
    thumbs = images.reshape(n, 14, 2, 14, 2, 1).mean(axis=(2, 4)).astype(np.float32)
    return images, thumbs, labels.astype(np.int32)


def build_net(net):
    import keras
    from keras import layers

    image = keras.Input((28, 28, 1), name="image")
    if net == "C":
        thumb = keras.Input((14, 14, 1), name="thumb")
        a = layers.MaxPooling2D()(layers.Conv2D(16, 3, padding="same", activation="relu")(image))
        b = layers.Conv2D(16, 3, padding="same", activation="relu")(thumb)
        z = layers.Concatenate()([a, b])
        z = layers.MaxPooling2D()(layers.Conv2D(32, 3, padding="same", activation="relu")(z))
        model = keras.Model([image, thumb], layers.Dense(10)(layers.Flatten()(z)), name="net_C")
    else:
        x = image
        for filters in (32, 64):
            if net == "B":
                x = layers.ReLU()(layers.BatchNormalization()(layers.Conv2D(filters, 3)(x)))
            else:
                x = layers.Conv2D(filters, 3, activation="relu")(x)
            x = layers.MaxPooling2D()(x)
        x = layers.Dense(128, activation="relu")(layers.Flatten()(x))
        model = keras.Model(image, layers.Dense(10)(x), name="net_" + net)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


class Runner:
    """Consecutive batches of one net; block() returns images/s of `steps` train_on_batch calls."""

    def __init__(self, net, batch, data):
        import tensorflow as tf

        self.net, self.batch, self.model = net, batch, build_net(net)
        images, thumbs, labels = data
        self.images, self.thumbs = tf.constant(images), tf.constant(thumbs)
        self.labels = tf.constant(labels)
        self.n, self.next = images.shape[0], 0

    def step(self):
        s = self.next
        self.next = s + self.batch if s + 2 * self.batch <= self.n else 0
        x = self.images[s:s + self.batch]
        if self.net == "C":
            x = [x, self.thumbs[s:s + self.batch]]
        return self.model.train_on_batch(x, self.labels[s:s + self.batch])

    def block(self, steps):
        t0 = time.perf_counter()
        for _ in range(steps):
            self.step()
        return steps * self.batch / (time.perf_counter() - t0)


def tenet_numbers(binary, net, threads):
    """Runs train_bench --quick for one net; returns (tenet im/s, reference im/s)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([binary, "--nets", net, "--quick"], env=env, check=True,
                         capture_output=True, text=True).stdout
    m = re.search(r"net %s, batch 64\s+([\d.]+)\s+([\d.]+)" % net, out)
    if not m:
        raise RuntimeError("unexpected train_bench output:\n" + out)
    return float(m.group(1)), float(m.group(2))


def median(v):
    return sorted(v)[len(v) // 2]


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def first_step(net):
    import tensorflow as tf  # noqa: F401

    r = Runner(net, 64, load(256))
    r.step()
    print("keras net %s: process start to first finished step %.2f s (import, data, trace); "
          "peak RSS %.1f MiB" % (net, time.time() - T0_WALL, peak_rss_mib()))


def worker(net, threads):
    """train_bench --contention's Keras side: times the blocks of steps asked on stdin."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    r = Runner(net, 64, load(8192))
    for line in sys.stdin:
        steps = int(line)
        print("%.6f" % (steps * r.batch / r.block(steps)), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--nets", default="ABC")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--first-step", metavar="NET")
    p.add_argument("--worker", metavar="NET")
    p.add_argument("--train-bench", default=os.path.join(ROOT, "build/benchmarks/train_bench"))
    p.add_argument("--no-tenet", action="store_true", help="Keras only, no train_bench rounds")
    a = p.parse_args()
    if a.first_step:
        return first_step(a.first_step)
    if a.worker:
        return worker(a.worker, a.threads)

    import tensorflow as tf
    import keras

    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(a.threads)
    with_tenet = not a.no_tenet and os.access(a.train_bench, os.X_OK)
    data = load(8192)
    print("Keras %s, TensorFlow %s, %d threads (intra- and inter-op), batch 64, median of %d "
          "rounds of %d train_on_batch steps%s" % (keras.__version__, tf.__version__, a.threads,
          a.rounds, a.steps, "; tenet from %s --quick in between" % a.train_bench
          if with_tenet else ""))
    if with_tenet:
        print("%-18s %10s %10s %10s %12s %10s" % ("case", "keras im/s", "tenet im/s", "ref im/s",
                                                  "tenet/keras", "ref/keras"))
    else:
        print("%-18s %10s" % ("case", "keras im/s"))
    for net in a.nets:
        r = Runner(net, 64, data)
        r.block(5)  # traces and compiles the train step
        k, t, ref = [], [], []
        for _ in range(a.rounds):
            k.append(r.block(a.steps))
            if with_tenet:
                tt, rr = tenet_numbers(a.train_bench, net, a.threads)
                t.append(tt)
                ref.append(rr)
        km = median(k)
        if with_tenet:
            tm, rm = median(t), median(ref)
            print("%-18s %10.0f %10.0f %10.0f %12.2f %10.2f" % ("net %s, batch 64" % net, km, tm,
                                                               rm, tm / km, rm / km))
        else:
            print("%-18s %10.0f" % ("net %s, batch 64" % net, km))
        sys.stdout.flush()
    print("peak RSS of this process (all nets, 8192 images) %.1f MiB" % peak_rss_mib())


if __name__ == "__main__":
    main()
