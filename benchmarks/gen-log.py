"""Writes a generated interaction log as CSV part files, for the scale benchmarks.

Usage: /usr/bin/python3 benchmarks/gen-log.py N OUT_DIR PARTS
N lines of `user,item,timestamp` in PARTS files OUT_DIR/part-00000.csv, ...: users uniform, items
Pareto-skewed (shape 1.2), timestamps uniform; 100,000 users x 50,000 items up to 5M lines, else
1,000,000 x 200,000. Seeded: the same arguments give the same files. Needs numpy.
"""
import os
import sys

import numpy as np

n, out, parts = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
rng = np.random.default_rng(0)
users, items = (100_000, 50_000) if n <= 5_000_000 else (1_000_000, 200_000)
os.makedirs(out, exist_ok=True)
per = (n + parts - 1) // parts
for p in range(parts):
    m = min(per, n - p * per)
    u = rng.integers(0, users, m)
    it = np.minimum((rng.pareto(1.2, m) * 50).astype(np.int64), items - 1)
    t = rng.integers(1_600_000_000, 1_700_000_000, m)
    with open(f"{out}/part-{p:05d}.csv", "w") as f:
        np.savetxt(f, np.stack([u, it, t], 1), fmt="%d", delimiter=",")
