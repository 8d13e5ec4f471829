"""Peer for bench/reduced.ts: the same exact reduced chain (rank 1, K = 1, aligned w0,
spherical, linear student and teacher) written with numpy, vectorised over the batch.

State (m, l, u): m = v.w*, l = |part of v outside w*|. Per step: the B inputs' frame
coordinates (x.w*, x.e) are iid N(0, 1); the inputs' parts outside the frame enter only
through sum_b c_b x_b^perp, whose squared norm is (sum_b c_b^2) chi2(d - 2).

Usage: python3 reduced_numpy.py D B STEPS ETA [SEED]  ->  one JSON line {"steps_per_s": ..., "seconds": ...}
"""
import json
import sys
import time

import numpy as np


def run(d, batch, steps, seed, mu=0.5, eta=0.2):
    rng = np.random.default_rng(seed)
    # Initial v: unit vector uniform on the sphere, so m = g0 / sqrt(g0^2 + chi2(d - 1)).
    g0 = rng.standard_normal()
    rest = rng.chisquare(d - 1)
    m = g0 / np.sqrt(g0 * g0 + rest)
    l = np.sqrt(rest / (g0 * g0 + rest))
    u = 1.0 / (d * d)
    step = eta / batch
    dof = d - 2
    t0 = time.process_time()  # CPU time: the machine may be shared
    for _ in range(steps):
        x = rng.standard_normal((2, batch))
        x0, x1 = x[0], x[1]
        pv = m * x0 + l * x1
        err = mu * x0 + u * pv - x0  # linear student and teacher
        gu = err @ pv
        c = u * err
        s0 = c @ x0
        s1 = c @ x1
        cc = c @ c
        z = np.sqrt(cc * rng.chisquare(dof))
        u -= step * gu
        mn = m - step * s0
        p0 = l - step * s1
        p1 = -step * z
        inv = 1.0 / np.sqrt(mn * mn + p0 * p0 + p1 * p1)
        m = mn * inv
        l = np.sqrt(p0 * p0 + p1 * p1) * inv
    wall = time.process_time() - t0
    return {"steps_per_s": steps / wall, "seconds": wall, "m": float(m), "u": float(u)}


if __name__ == "__main__":
    d, batch, steps, eta = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    print(json.dumps(run(d, batch, steps, seed, eta=eta)))
