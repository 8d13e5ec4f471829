#!/usr/bin/env python3
"""Peer for the theory benchmark: tau(mu) of a matched erf student/teacher on a grid,
computed with numpy alone (no SciPy): A and B by Gauss-Hermite quadrature of their
definitions, A = -E[(s(mu z) - s(z)) s'(mu z) z], B = -E[s'(mu z)^2 + (s(mu z) - s(z)) s''(mu z)].

Usage: theory_numpy.py --points 200 --nodes 100 [--repeat 5]
Prints one JSON object: {"points", "nodes", "seconds" (best of repeat), "tau": [...], "mu": [...]}.
"""
import argparse
import json
import math
import time

import numpy as np

_erf = np.frompyfunc(math.erf, 1, 1)


def erf(z):
    return _erf(z).astype(np.float64)


def tau_curve(mu, nodes):
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    lam = np.outer(mu, x)  # (points, nodes): mu z
    s_lam, s_z = erf(lam), erf(x)[None, :]
    ds = 2 / math.sqrt(math.pi) * np.exp(-lam * lam)
    d2s = -2 * lam * ds
    A = -((s_lam - s_z) * ds * x[None, :]) @ w
    B = -(ds * ds + (s_lam - s_z) * d2s) @ w
    return (-B + np.sqrt(B * B + 4 * A * A)) / (2 * A * A)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--points", type=int, default=200)
    p.add_argument("--nodes", type=int, default=100)
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args()
    mu = np.linspace(0.01, 0.99, a.points)
    best = float("inf")
    tau = None
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        tau = tau_curve(mu, a.nodes)
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"points": a.points, "nodes": a.nodes, "seconds": best, "mu": mu.tolist(), "tau": tau.tolist()}))


if __name__ == "__main__":
    main()
