"""Peer for bench/reduced.ts: the exact reduced chain at any rank r and width K (aligned w0 =
diag(mu), spherical rows, linear student and teacher, committee readout 1/sqrt(K)) written
with numpy, vectorised over the batch: the general loop of native/core/reduced, step for step.

Frame: the K teacher rows (w0 lies in their span), then r axes E holding the rows' parts
outside it; q = K + r coordinates per input, iid N(0, 1). Per step: the B inputs' frame
coordinates; the forward pass and the batch sums gU = g^T pv, sv = c^T x, cc = c^T c; the
inputs' parts outside the frame enter as Lc T on r new axes (Lc Lc^T = cc, T the Bartlett
factor of a Wishart_r(d - q)); the rows move, are renormalised, and their parts outside the
teacher span are re-expressed on r orthonormal axes (an LQ factorisation).

Usage: python3 reduced_general_numpy.py D B STEPS ETA RANK K [SEED]
  ->  one JSON line {"steps_per_s": ..., "seconds": ..., "m": ..., "u": ...}  (CPU time)
"""
import json
import sys
import time

import numpy as np


def run(d, batch, steps, eta, r, K, seed, mu=0.5):
    rng = np.random.default_rng(seed)
    q = K + r
    a = 1.0 / np.sqrt(K) if K > 1 else 1.0
    mus = np.full(K, mu)
    # Initial rows: independent uniform unit vectors, expressed in the frame (teacher axes, then
    # a growing orthonormal frame for their parts outside the teacher span).
    g = rng.standard_normal((r, K))
    rest = np.zeros((r, r))
    for i in range(r):
        rest[i, :i] = rng.standard_normal(i)
        rest[i, i] = np.sqrt(rng.chisquare(d - K - i))
    V = np.hstack([g, rest])
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    U = np.full((K, r), 1.0 / (d * d))
    step = eta / batch
    dof = d - q
    t0 = time.process_time()  # CPU time: the machine may be shared
    for _ in range(steps):
        x = rng.standard_normal((batch, q))
        pv = x @ V.T                       # B x r
        lam = x[:, :K] * mus + pv @ U.T    # B x K
        err = a * (lam.sum(axis=1) - x[:, :K].sum(axis=1))  # linear student and teacher
        gmat = np.broadcast_to((err * a)[:, None], (batch, K))  # s' = 1
        gU = gmat.T @ pv
        c = gmat @ U                       # B x r
        sv = c.T @ x                       # r x q
        cc = c.T @ c
        U -= step * gU
        w, Q = np.linalg.eigh(cc)
        Lc = Q * np.sqrt(np.clip(w, 0.0, None))
        T = np.zeros((r, r))
        for i in range(r):
            T[i, :i] = rng.standard_normal(i)
            T[i, i] = np.sqrt(rng.chisquare(dof - i))
        Z = Lc @ T
        V = V - step * sv
        P = np.hstack([V[:, K:], -step * Z])
        nn = np.sqrt((V[:, :K] ** 2).sum(axis=1) + (P ** 2).sum(axis=1))
        V[:, :K] /= nn[:, None]
        P /= nn[:, None]
        R = np.linalg.qr(P.T, mode="r")    # P = R^T Q^T: R^T is the new lower-triangular E part
        V[:, K:] = R.T
    seconds = time.process_time() - t0
    if not np.all(np.isfinite(V)):
        sys.exit(f"reduced_general_numpy: the chain diverged (d {d}, B {batch}, eta {eta}, r {r}, K {K})")
    return {"steps_per_s": steps / seconds, "seconds": seconds, "m": float(np.abs(V[:, :K]).max()), "u": float(U[0, 0])}


if __name__ == "__main__":
    d, batch, steps, eta = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    r, K = int(sys.argv[5]), int(sys.argv[6])
    seed = int(sys.argv[7]) if len(sys.argv) > 7 else 1
    print(json.dumps(run(d, batch, steps, eta, r, K, seed)))
