#!/usr/bin/env python3
"""Prints Keras 3's results for tests/core/training/test_optimizers_keras.cpp and
tests/losses/test_binary_crossentropy.cpp: each optimizer (and schedule) run for 6 steps on a
fixed variable with fixed gradients, the schedules' rates, and binary cross-entropy values.

Run with a Python that has Keras 3 (e.g. `pip install tensorflow-cpu`):
    python3 scripts/make_optimizer_reference.py
and paste the printed tables into the tests. tenet's build and tests never need Keras."""
import math
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import optimizers as O  # noqa: E402
from keras.optimizers import schedules as S  # noqa: E402

W0 = [0.5, -1.5, 2.0, 0.0, 0.25, -0.75]
STEPS = 6


def grad(t):  # the gradient fed at step t (0-based): the same formula in the C++ test
    return [math.sin(0.7 * (i + 1) + 1.3 * t) * (1 + 0.5 * i) for i in range(len(W0))]


def run(opt):
    w = keras.Variable(np.array(W0, dtype="float32"))
    for t in range(STEPS):
        opt.apply([np.array(grad(t), dtype="float32")], [w])
    return [float(x) for x in np.array(w)]


def show(name, values):
    print(f'  {{"{name}", {{{", ".join(f"{v:.9g}" for v in values)}}}}},')


print(f"// Keras {keras.__version__}: W0 = {W0}, {STEPS} steps")
show("sgd_momentum_nesterov", run(O.SGD(0.05, momentum=0.9, nesterov=True)))
show("adam", run(O.Adam(0.01)))
show("adamw", run(O.AdamW(0.01, weight_decay=0.1)))
show("rmsprop", run(O.RMSprop(0.01)))
show("rmsprop_momentum_centered", run(O.RMSprop(0.01, rho=0.8, momentum=0.5, centered=True)))
show("adam_exponential", run(O.Adam(S.ExponentialDecay(0.02, decay_steps=2, decay_rate=0.5))))
show("sgd_cosine_warmup", run(O.SGD(S.CosineDecay(0.0, decay_steps=4, alpha=0.1,
                                                   warmup_target=0.1, warmup_steps=2))))
show("rmsprop_piecewise", run(O.RMSprop(S.PiecewiseConstantDecay([1, 3], [0.03, 0.02, 0.01]))))

print("// schedule rates at steps 0..9")
for name, s in [("exponential_staircase", S.ExponentialDecay(0.1, 3, 0.5, staircase=True)),
                ("exponential", S.ExponentialDecay(0.1, 3, 0.5)),
                ("cosine", S.CosineDecay(0.1, 5, alpha=0.2)),
                ("cosine_warmup", S.CosineDecay(0.0, 4, warmup_target=0.2, warmup_steps=3)),
                ("piecewise", S.PiecewiseConstantDecay([2, 5], [0.3, 0.2, 0.1]))]:
    show(name, [float(s(i)) for i in range(10)])

print("// binary cross-entropy")
y = np.array([[1, 0, 1], [0, 0, 1]], dtype="float32")
p = np.array([[0.9, 0.2, 1.0], [0.0, 0.4, 0.7]], dtype="float32")
z = np.array([[2.0, -1.0, 0.0], [-30.0, 0.5, 40.0]], dtype="float32")
show("bce_probabilities", [float(keras.losses.BinaryCrossentropy()(y, p))])
show("bce_logits", [float(keras.losses.BinaryCrossentropy(from_logits=True)(y, z))])


def optimizer_fixture(opt, path):
    """A Dense(3) model on 4 features, trained one step with `opt`, its weights file (with the
    optimizer's state) written to `path`; prints the optimizer's variables in file order."""
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(optimizer=opt, loss="mse")
    x = np.arange(8, dtype="float32").reshape(2, 4) / 8
    model.train_on_batch(x, np.ones((2, 3), dtype="float32"))
    model.save_weights(path)
    print(f"// {path}")
    for v in opt.variables:
        show(v.path, np.array(v).ravel().tolist())
    show("kernel", np.array(model.layers[0].kernel).ravel().tolist())


if __name__ == "__main__" and os.environ.get("TENET_FIXTURES"):
    out = os.environ["TENET_FIXTURES"]
    optimizer_fixture(O.RMSprop(0.01, momentum=0.5, centered=True),
                      f"{out}/rmsprop_momentum_centered.weights.h5")
    optimizer_fixture(O.Adam(S.ExponentialDecay(0.01, 10, 0.5)), f"{out}/adam_schedule.weights.h5")
