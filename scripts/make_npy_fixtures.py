#!/usr/bin/env python3
"""Writes tests/fixtures/npy/: small NumPy-written .npy and .npz files for tests/data/test_npy.cpp
(every dtype tenet reads, both byte orders, Fortran order, format 2.0, empty and scalar arrays).
Needs NumPy only. Usage: scripts/make_npy_fixtures.py [--dir tests/fixtures/npy]"""
import argparse
import os

import numpy as np

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--dir", default=os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "npy"))
d = p.parse_args().dir
os.makedirs(d, exist_ok=True)
a = np.arange(24).reshape(2, 3, 4)
np.save(f"{d}/f32.npy", (a / 4).astype("<f4"))
np.save(f"{d}/f8_big.npy", (a / 4).astype(">f8"))
np.save(f"{d}/i4_fortran.npy", np.asfortranarray(a.astype("<i4")))
np.save(f"{d}/i8_big_fortran.npy", np.asfortranarray(a.astype(">i8")))
np.save(f"{d}/u1.npy", a.astype(np.uint8))
np.save(f"{d}/bool.npy", np.array([True, False, True]))
np.save(f"{d}/scalar.npy", np.float32(2.5))
np.save(f"{d}/empty.npy", np.zeros((0, 3), np.float32))
np.save(f"{d}/f2.npy", np.zeros(3, np.float16))
np.save(f"{d}/object.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
with open(f"{d}/v2.npy", "wb") as f:
    np.lib.format.write_array(f, a.astype("<i8"), version=(2, 0))
np.savez(f"{d}/stored.npz", x=(a / 4).astype(np.float32), **{"train/y": np.arange(2, dtype=np.int32)})
np.savez_compressed(f"{d}/compressed.npz", x=(a / 4).astype(np.float32), y=np.arange(2, dtype=np.int64))
