#!/usr/bin/env python3
"""Peer for the full-d benchmark: the same LoRA SGD update (rank 1, K = 1, aligned w0,
spherical row, matched teacher) written with vectorised numpy, one B x d draw per step.

Usage: full_sgd_numpy.py --d 1000 --batch 500 --steps 200 [--activation linear|erf]
Prints one JSON object: {"d", "batch", "steps", "seconds", "steps_per_s", "cpu_seconds",
"cpu_steps_per_s", "peak_rss_mib", "m"} (CPU time: this process alone, whatever else the machine runs).
"""
import argparse
import json
import math
import resource
import time

import numpy as np


def erf(z):
    # numpy has no erf without SciPy; vectorised math.erf is slow, so use the
    # Abramowitz-Stegun 7.1.26 form (|error| < 1.5e-7), ample for timing.
    t = 1.0 / (1.0 + 0.3275911 * np.abs(z))
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * np.exp(-z * z)
    return np.sign(z) * y


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--d", type=int, required=True)
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--steps", type=int, required=True)
    p.add_argument("--activation", default="linear", choices=["linear", "erf"])
    p.add_argument("--mu", type=float, default=0.5)
    p.add_argument("--eta", type=float, default=0.2)
    a = p.parse_args()
    rng = np.random.default_rng(1)
    d, B = a.d, a.batch
    wstar = rng.standard_normal(d)
    wstar /= np.linalg.norm(wstar)
    w0 = a.mu * wstar
    v = rng.standard_normal(d)
    v /= np.linalg.norm(v)
    u = 1.0 / d**2
    if a.activation == "linear":
        s = lambda z: z
        ds = lambda z: np.ones_like(z)
    else:
        s = erf
        ds = lambda z: (2.0 / math.sqrt(math.pi)) * np.exp(-z * z)
    t0 = time.perf_counter()
    c0 = time.process_time()
    for _ in range(a.steps):
        x = rng.standard_normal((B, d))
        pstar = x @ wstar
        pv = x @ v
        lam = a.mu * pstar + u * pv
        err = (s(lam) - s(pstar)) * ds(lam)
        gu = np.dot(err, pv) / B
        gv = (u / B) * (err @ x)
        u -= a.eta * gu
        v -= a.eta * gv
        v /= np.linalg.norm(v)
    sec = time.perf_counter() - t0
    cpu = time.process_time() - c0
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"d": d, "batch": B, "steps": a.steps, "seconds": sec, "steps_per_s": a.steps / sec, "cpu_seconds": cpu, "cpu_steps_per_s": a.steps / cpu, "peak_rss_mib": peak_mib, "m": float(v @ wstar)}))


if __name__ == "__main__":
    main()
