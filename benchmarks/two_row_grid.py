#!/usr/bin/env python3
"""The grid behind the Winograd rule's two-row clause (core/kernels/conv_rule.cpp): 3x3 'valid'
convolutions of 4-row images (2-row outputs) at 1 and 2 threads, batches 1-64, channels 16-128,
widths 50-400, each cell the median of three build/benchmarks/conv_grid runs. Prints one line per
cell: Winograd / direct per pass (fwd, bwd_d, bwd_w, inf) and whether the rule of the time chose
Winograd (W) or direct (d) for it.

    flock /tmp/tenet-build.lock python3 benchmarks/two_row_grid.py > /tmp/two_row_grid.txt
"""
import os
import statistics
import subprocess
import sys


def rule_before(n, c, o, oh, ow, p):
    """The rule before the two-row clause (2026-12-07 13:00 UTC), to count its losses."""
    small, large, px = min(c, o), max(c, o), oh * ow
    if small < 16 or oh < 2:
        return False
    if p == 'inf':
        if small >= 32:
            return px >= 196 or n >= 16 or (px >= 121 and n >= 2)
        return px >= 784 or (n == 1 and px >= 196)
    training = (small >= 32 and n * px >= 1568) or (px >= 784 and n >= 16)
    return training or (p == 'bwd_w' and large >= 32 and n * px >= 12544)


def cell(threads, n, c, o, w):
    ratios = {'fwd': [], 'bwd_d': [], 'bwd_w': [], 'inf': []}
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    for _ in range(3):
        out = subprocess.run(['build/benchmarks/conv_grid', str(n), str(c), str(o), '4', '0', str(w)],
                             capture_output=True, text=True, env=env, check=True).stdout
        for part in out.strip().splitlines()[-1].split('|')[1:]:
            fields = part.split()
            ratios[fields[0]].append(float(fields[-1]))
    return {p: statistics.median(v) for p, v in ratios.items()}


def cpu_model():
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    return 'unknown CPU'


def main():
    if len(sys.argv) > 1:
        sys.exit('usage: python3 benchmarks/two_row_grid.py  (from the repository, after building conv_grid)')
    print(f'two_row_grid: Winograd / direct per pass, medians of three conv_grid runs  [{cpu_model()}]',
          flush=True)
    for threads in (1, 2):
        for n in (1, 4, 16, 64):
            for c, o in ((16, 16), (16, 32), (32, 32), (32, 64), (64, 64), (128, 128)):
                for w in (50, 100, 200, 400):
                    r = cell(threads, n, c, o, w)
                    line = f't {threads} n {n} c {c} o {o} ow {w - 2}'
                    for p, v in r.items():
                        line += f" | {p} {v:.2f} {'W' if rule_before(n, c, o, 2, w - 2, p) else 'd'}"
                    print(line, flush=True)


main()
