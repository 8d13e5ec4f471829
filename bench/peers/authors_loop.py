"""The authors' aligned single-index training loop (their experiment.py, as described in SPEC 1),
restated in numpy, to check whether it reproduces the escape times they stored.

Their loop, step by step: S = mu T + U V (K = r = 1, U = 1/N^2, V a unit Gaussian row, T the unit
teacher), a fresh batch X of B Gaussian rows, loss 0.5 mean (s(X S) - s(X T))^2, plain SGD on U and
V with the same rate (gradients at the old parameters), then V /= (|V| + 1e-12). float32 as torch's
default (float64 gives the same numbers here: pass --float64 to check). The escape time is their
window metric: the mean index at which the seed mean of |T . V| lies within mu +- 0.05.

usage: python3 bench/peers/authors_loop.py ACTIVATION MU [MU ...] [--seeds 6] [--steps 200]
       [--lr 0.2] [--batch 500] [--d 1000] [--float64]
Prints one JSON object per mu: the window metric (their 0-based index), its count, and each seed's
first step in the window.
"""
import argparse
import json

import numpy as np
from scipy.special import erf

LINKS = {
    "linear": (lambda z: z, lambda z: np.ones_like(z)),
    "erf": (erf, lambda z: (2 / np.sqrt(np.pi)) * np.exp(-z * z)),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(z.dtype)),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
}


def run(act, mu, seed, steps, lr, batch, d, dt):
    s, ds = LINKS[act]
    rng = np.random.default_rng(seed)
    T = rng.standard_normal(d).astype(dt)
    T /= np.linalg.norm(T)
    U = dt(1.0 / float(d) ** 2)
    V = rng.standard_normal(d).astype(dt)
    V /= np.linalg.norm(V) + dt(1e-12)
    over = np.empty(steps)
    for t in range(steps):
        X = rng.standard_normal((batch, d), dtype=np.float32).astype(dt, copy=False)
        S = dt(mu) * T + U * V
        zs = X @ S
        e = ((s(zs) - s(X @ T)) * ds(zs)).astype(dt)
        g = (e @ X) / dt(batch)  # dL/dS
        U, V = dt(U - dt(lr) * (g @ V)), (V - dt(lr) * U * g).astype(dt)
        V /= np.linalg.norm(V) + dt(1e-12)
        over[t] = abs(T @ V)
    return over


def main():
    p = argparse.ArgumentParser()
    p.add_argument("activation", choices=sorted(LINKS))
    p.add_argument("mu", type=float, nargs="+")
    p.add_argument("--seeds", type=int, default=6)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--lr", type=float, default=0.2)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--d", type=int, default=1000)
    p.add_argument("--float64", action="store_true")
    a = p.parse_args()
    dt = np.float64 if a.float64 else np.float32
    for mu in a.mu:
        curves = [run(a.activation, mu, 1000 + k, a.steps, a.lr, a.batch, a.d, dt) for k in range(a.seeds)]
        mean = np.mean(curves, axis=0)
        # Their convention: the mean of the 0-based list indices in the window (index i is the state
        # after step i + 1), as stored in their *_time_to_overlap1.npz files.
        hits = np.where((mean >= mu - 0.05) & (mean <= mu + 0.05))[0]
        first = [int(np.argmax(c >= mu - 0.05)) + 1 if (c >= mu - 0.05).any() else None for c in curves]
        print(json.dumps({"activation": a.activation, "mu": mu, "lr": a.lr, "batch": a.batch, "d": a.d, "seeds": a.seeds,
                          "steps": a.steps, "dtype": np.dtype(dt).name, "windowIndex": float(hits.mean()) if len(hits) else None,
                          "windowCount": int(len(hits)), "firstEntryPerSeed": first}), flush=True)


if __name__ == "__main__":
    main()
