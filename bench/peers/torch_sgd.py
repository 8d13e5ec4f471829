#!/usr/bin/env python3
"""PyTorch peer of loradyn's full-d CUDA kernel: the same one-pass SGD update, all seeds as one batch.

Rank-1 LoRA on an aligned pre-trained unit (w = mu w* + u v), student and teacher with the same
activation, spherical v, step size eta / B, first passage of |m| >= 0.5 tracked every step, exactly
the update of native/core/sgd/sgd_full.cpp (K = r = 1). Written to be fast, not literal:

  * no autograd: the gradient of the squared loss is two lines;
  * one batched GEMM projects the B inputs of every seed on (w*, v) at once, a second forms dV;
    for B = 1 the projections are fused multiply-adds over d instead (GEMMs of width 1 waste the GPU);
  * the inputs come from torch.randn on the GPU (Philox, like loradyn), in the run's dtype;
  * launch overhead is removed by capturing `--inner` steps in a CUDA graph and replaying it;
    with --compile the step is also fused by torch.compile (Inductor) before capture.

Also times the generator alone (torch.randn of the same shape), the roofline of this update.
Prints one JSON object per line. Usage:
  python3 torch_sgd.py --d 1000 --batch 1 --seeds 4096 --steps 2000 [--dtype float64] [--compile]
"""
import argparse
import json
import math
import sys
import time

import torch


def act_fns(name):
    if name == "relu":
        return torch.relu, lambda z: (z > 0).to(z.dtype)
    if name == "erf":
        c = 2.0 / math.sqrt(math.pi)
        return torch.erf, lambda z: c * torch.exp(-z * z)
    if name == "linear":
        return (lambda z: z), torch.ones_like
    if name == "he3":
        return (lambda z: z * z * z - 3 * z), (lambda z: 3 * z * z - 3)
    raise SystemExit(f"unknown activation {name} (relu, erf, linear, he3)")


def make_state(S, d, mu, dtype, dev, seed):
    g = torch.Generator(device=dev).manual_seed(seed)
    wstar = torch.randn(S, d, device=dev, dtype=dtype, generator=g)
    wstar /= wstar.norm(dim=1, keepdim=True)
    v = torch.randn(S, d, device=dev, dtype=dtype, generator=g)
    v /= v.norm(dim=1, keepdim=True)
    u = torch.full((S,), 1.0 / (d * d), device=dev, dtype=dtype)
    return {
        "wstar": wstar,
        "v": v,
        "u": u,
        "m": (v * wstar).sum(1),
        "esc": torch.full((S,), -1, device=dev, dtype=torch.int64),
        "step": torch.zeros((), device=dev, dtype=torch.int64),
    }


def make_step(S, B, d, mu, eta, act, dact, dtype, dev):
    lr = eta / B

    def step(st):
        wstar, v, u = st["wstar"], st["v"], st["u"]
        if B == 1:
            x = torch.randn(S, d, device=dev, dtype=dtype)
            ps = (x * wstar).sum(1)  # (S,)
            pv = (x * v).sum(1)
            lam = mu * ps + u * pv
            err = act(lam) - act(ps)
            g = dact(lam) * err
            gu = g * pv
            dv = (u * g).unsqueeze(1) * x  # (S, d)
        else:
            x = torch.randn(S, B, d, device=dev, dtype=dtype)
            P = torch.bmm(x, torch.stack((wstar, v), 2))  # (S, B, 2): one GEMM for both projections
            ps, pv = P[..., 0], P[..., 1]
            lam = mu * ps + u.unsqueeze(1) * pv
            err = act(lam) - act(ps)
            g = dact(lam) * err  # (S, B)
            gu = (g * pv).sum(1)
            dv = torch.bmm((u.unsqueeze(1) * g).unsqueeze(1), x).squeeze(1)  # (S, d)
        # In place, so that the tensors a CUDA graph captured stay the state it updates.
        u.sub_(gu, alpha=lr)
        v.sub_(dv, alpha=lr)
        v.div_(v.norm(dim=1, keepdim=True))
        m = st["m"]
        torch.sum(v * wstar, 1, out=m)
        st["step"] += 1
        esc = st["esc"]
        esc.copy_(torch.where((esc < 0) & (m.abs() >= 0.5), st["step"], esc))

    return step


def run(args, compiled):
    dev = torch.device("cuda")
    dtype = getattr(torch, args.dtype)
    S, B, d = args.seeds, args.batch, args.d
    act, dact = act_fns(args.activation)
    st = make_state(S, d, args.mu, dtype, dev, 0)
    step = make_step(S, B, d, args.mu, args.eta, act, dact, dtype, dev)
    if compiled:
        step = torch.compile(step, fullgraph=False, dynamic=False)
    inner = max(1, min(args.inner, args.steps))
    # Warm up (compilation, cuBLAS heuristics) on a side stream, as graph capture requires.
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):
            step(st)
    torch.cuda.current_stream().wait_stream(s)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        for _ in range(inner):
            step(st)
    reps = max(1, args.steps // inner)
    graph.replay()  # one untimed replay
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(reps):
        graph.replay()
    torch.cuda.synchronize()
    secs = time.perf_counter() - t0
    steps = reps * inner
    escaped = int((st["esc"] >= 0).sum().item())
    return {
        "peer": "torch",
        "mode": "compile+graph" if compiled else "eager+graph",
        "activation": args.activation,
        "dtype": args.dtype,
        "d": d,
        "batch": B,
        "seeds": S,
        "steps": steps,
        "seconds": secs,
        "steps_per_s": S * steps / secs,
        "coord_samples_per_s": S * steps * B * d / secs,
        "escaped_seeds": escaped,
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
    }


def generator_alone(args):
    dtype = getattr(torch, args.dtype)
    n = args.seeds * args.batch * args.d
    chunk = min(n, 1 << 27)
    out = torch.empty(chunk, device="cuda", dtype=dtype)
    reps = max(3, int(4e9 // chunk))
    out.normal_()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(reps):
        out.normal_()
    torch.cuda.synchronize()
    secs = time.perf_counter() - t0
    return {"peer": "torch", "mode": "generator-alone (torch.randn into memory)", "dtype": args.dtype,
            "gaussians_per_s": reps * chunk / secs, "device": torch.cuda.get_device_name(0)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--d", type=int, default=1000)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--seeds", type=int, default=4096)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--inner", type=int, default=50, help="steps captured per CUDA graph")
    p.add_argument("--eta", type=float, default=None, help="default 0.02 for B = 1, 0.2 otherwise")
    p.add_argument("--mu", type=float, default=0.5)
    p.add_argument("--activation", default="relu")
    p.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    p.add_argument("--compile", action="store_true", help="also time torch.compile of the step")
    p.add_argument("--generator", action="store_true", help="also time the generator alone")
    args = p.parse_args()
    if args.eta is None:
        args.eta = 0.02 if args.batch == 1 else 0.2
    if not torch.cuda.is_available():
        print(json.dumps({"peer": "torch", "error": "torch.cuda.is_available() is false"}))
        return 2
    print(json.dumps(run(args, False)), flush=True)
    if args.compile:
        try:
            print(json.dumps(run(args, True)), flush=True)
        except Exception as e:  # no Triton / compiler on the machine: say so, keep the eager number
            print(json.dumps({"peer": "torch", "mode": "compile+graph", "error": f"{type(e).__name__}: {e}"[:500]}),
                  flush=True)
    if args.generator:
        print(json.dumps(generator_alone(args)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
