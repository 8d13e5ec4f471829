"""Reads the escape times and theory curves the paper's authors stored in their repository
(numpy .npz files) and prints them as JSON for bench/authors_data.ts. Also evaluates their
theory notebook's Hermite-series formulas for A(mu) and B(mu) (the formulas re-implemented
here, with an accurate quadrature) at several truncations, with and without the k = 0 term of
B's second sum, to check what the truncation does for relu.

usage: python3 bench/peers/authors_data.py AUTHORS_REPO_DIR
"""
import glob
import json
import math
import os
import sys

import numpy as np

# Files read, relative to the repository root.
NUMERICS = [
    ("matched", "x", "data_numerics_paper/x_time_to_overlap1.npz"),
    ("matched", "linear", "data_numerics_paper/linear_time_to_overlap1.npz"),
    ("matched", "relu", "data_numerics_paper/relu_time_to_overlap1.npz"),
    ("matched", "erf", "data_numerics_paper/erf_time_to_overlap1.npz"),
    ("matched", "sigmoid", "data_numerics_paper/sigmoid_time_to_overlap1.npz"),
    ("square", "x", "data_numerics_paper/T_xS_x_time_to_overlap1.npz"),
    ("square", "relu", "data_numerics_paper/T_reluS_relu_time_to_overlap1.npz"),
    ("square", "erf", "data_numerics_paper/T_erfS_erf_time_to_overlap1.npz"),
    ("square", "sigmoid", "data_numerics_paper/T_sigmoidS_sigmoid_time_to_overlap1.npz"),
    ("matched", "he2", "data_numerics_paper/He2_time_to_overlap2.npz"),
]
THEORY = [
    ("matched", "Jupyter_Notebok/t_exit_activations_icml.npz"),
    ("square", "Jupyter_Notebok/t_exit_activations_icml_sqteacher.npz"),
    ("matched", "Figures_theory/t_exit_all_activations.npz"),
    ("matched", "Figures_theory/t_exit_even_hermite.npz"),
    ("matched", "Figures_theory/t_exit_odd_hermite.npz"),
]
AGGREGATES = "data_numerics_paper/*_aggregate*.npz"


def status(path):
    """'ok', 'lfs-pointer', 'absent' or 'unreadable: ...'."""
    if not os.path.exists(path):
        return "absent"
    with open(path, "rb") as f:
        head = f.read(200)
    if head.startswith(b"version https://git-lfs"):
        return "lfs-pointer"
    if len(head) == 0:
        return "unreadable: empty file"
    try:
        np.load(path, allow_pickle=True).files
    except Exception as e:  # noqa: BLE001 - report whatever numpy says
        return "unreadable: " + str(e)
    return "ok"


def label_name(s):
    s = str(s)
    for a, b in (("$\\mathrm{erf}$", "erf"), ("$\\mathrm{ReLU}$", "relu"), ("$\\mathrm{sigmoid}$", "sigmoid"), ("$x$", "x")):
        if s == a:
            return b
    if s.startswith("He$_{"):
        return "he" + s[len("He$_{"):].split("}")[0]
    return s


def read_numerics(root):
    out = []
    for teacher, act, rel in NUMERICS:
        p = os.path.join(root, rel)
        st = status(p)
        row = {"file": rel, "teacher": teacher, "activation": act, "status": st}
        if st == "ok":
            z = np.load(p)
            row["mu"] = z["d_values"].tolist()
            row["steps"] = z["time_to_overlap"].tolist()
            row["std"] = z["std_time_to_overlap"].tolist() if "std_time_to_overlap" in z.files else None
        out.append(row)
    for p in sorted(glob.glob(os.path.join(root, AGGREGATES))):
        out.append({"file": os.path.relpath(p, root), "status": status(p)})
    return out


def read_theory(root):
    out = []
    for teacher, rel in THEORY:
        p = os.path.join(root, rel)
        st = status(p)
        row = {"file": rel, "teacher": teacher, "status": st}
        if st == "ok":
            z = np.load(p, allow_pickle=True)
            names = z["names"].tolist() if "names" in z.files else [label_name(l) for l in z["labels"].tolist()]
            row["mu"] = z["mu_vals"].tolist()
            row["curves"] = {str(n): [None if not np.isfinite(v) else float(v) for v in z["T"][i]] for i, n in enumerate(names)}
            if "meta" in z.files:
                row["meta"] = {k: (v if isinstance(v, (int, float, str, list)) else str(v)) for k, v in z["meta"].item().items()}
        out.append(row)
    return out


# --- The notebook's series, from its formulas (our implementation) -------------------------
# sigma_k = E[He_k(z) t(z)], sigma_k^[r] = E[He_k^[r](X) s(X)], sbar_k^[r] = E[X He_k^[r](X) s'(X)],
# X ~ N(0, r = mu^2), He_k^[r](x) = r^(k/2) He_k(x / sqrt r). Then
#   A = -sum_k sbar_k / (k! mu^(k+1)) (-sigma_k + sigma_k^[r] / mu^k)
#   B = -sum_k [ sbar_k sigma_k^[r] / (k! mu^(2k+2)) + sigma_k / ((k-1)! mu^(k+2)) (sigma_k^[r] - sbar_k / k) ]
# The notebook drops the second term of B at k = 0; its limit there is -sigma_0 sbar_0 / mu^2.

def he_all(kmax, z):
    h = np.zeros((kmax + 1,) + np.shape(z))
    h[0] = 1.0
    if kmax >= 1:
        h[1] = z
    for k in range(1, kmax):
        h[k + 1] = z * h[k] - k * h[k - 1]
    return h


def normal_rule():
    # Composite Gauss-Legendre on [-12, 0] and [0, 12] (split at relu's kink), 48 panels of 20.
    x, w = np.polynomial.legendre.leggauss(20)
    xs, ws = [], []
    for a, b in ((-12.0, 0.0), (0.0, 12.0)):
        edges = np.linspace(a, b, 49)
        for lo, hi in zip(edges[:-1], edges[1:]):
            xs.append(0.5 * (hi - lo) * x + 0.5 * (hi + lo))
            ws.append(0.5 * (hi - lo) * w)
    z = np.concatenate(xs)
    wt = np.concatenate(ws) * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return z, wt


LINKS = {
    "relu": (lambda x: np.maximum(x, 0.0), lambda x: (x > 0).astype(float)),
    "erf": (lambda x: np.vectorize(math.erf)(x), lambda x: 2 / math.sqrt(math.pi) * np.exp(-x * x)),
    "x": (lambda x: x, lambda x: np.ones_like(x)),
}


def notebook_AB(act, mu, kmax, keep_k0=False):
    s, ds = LINKS[act]
    z, w = normal_rule()
    H = he_all(kmax, z)
    X = mu * z
    A = B = 0.0
    for k in range(kmax + 1):
        sig = np.sum(w * H[k] * s(z))
        sig_r = np.sum(w * (mu ** k) * H[k] * s(X))
        sbar = np.sum(w * X * (mu ** k) * H[k] * ds(X))
        f = math.factorial(k)
        A += -(sbar / (f * mu ** (k + 1))) * (-sig + sig_r / mu ** k)
        t1 = sbar * sig_r / (f * mu ** (2 * k + 2))
        if k >= 1:
            t2 = sig / (math.factorial(k - 1) * mu ** (k + 2)) * (sig_r - sbar / k)
        else:
            t2 = -sig * sbar / mu ** 2 if keep_k0 else 0.0
        B += -(t1 + t2)
    return A, B


def series_check():
    out = []
    for act in ("relu", "erf", "x"):
        for mu in (0.2, 0.5, 0.8):
            for kmax in (4, 10, 16, 24, 32, 48):
                for keep in (False, True):
                    A, B = notebook_AB(act, mu, kmax, keep)
                    out.append({"activation": act, "mu": mu, "kmax": kmax, "k0": keep, "A": A, "B": B})
    return out


def tau_of(A, B):
    if A == 0:
        return None
    return (-B + math.sqrt(B * B + 4 * A * A)) / (2 * A * A)


def relu_series_curves(mus):
    """tau(mu) from the notebook's series for relu, as it truncates it (k_max 10 and 16, no
    k = 0 term in B's second sum) and with that term restored, on the given mu grid."""
    out = {}
    for kmax in (10, 16):
        for keep in (False, True):
            out[f"kmax={kmax}{' +k0' if keep else ''}"] = [tau_of(*notebook_AB("relu", mu, kmax, keep)) for mu in mus]
    return out


def _he(k, x, der=0):
    c = np.zeros(k + 1)
    c[k] = 1.0
    return np.polynomial.hermite_e.hermeval(x, np.polynomial.hermite_e.hermeder(c, der) if der else c)


def square_teacher_k0(root):
    """Polynomial links with the squared teacher: exact A, B (Gauss-Hermite, exact for
    polynomials) with and without the k = 0 term of B's second sum, -sigma_0 sbar_0 / mu^2,
    against the stored curves (the notebook's eta / (k! k) rescale on both)."""
    rel = "Jupyter_Notebok/t_exit_activations_icml_sqteacher.npz"
    p = os.path.join(root, rel)
    if status(p) != "ok":
        return None
    zf = np.load(p, allow_pickle=True)
    names = [str(n) for n in zf["names"].tolist()]
    mus = zf["mu_vals"]
    z, w = np.polynomial.hermite_e.hermegauss(200)
    w = w / w.sum()
    out = []
    for k in (2, 6, 10, 14):
        if f"He{k}" not in names:
            continue
        stored = zf["T"][names.index(f"He{k}")]
        resc = math.factorial(k) * k
        rows = []
        for j, mu in enumerate(mus):
            X = mu * z
            s, t = _he(k, X), _he(k, z) ** 2
            A = -np.sum(w * (s - t) * _he(k, X, 1) * z)
            B = -np.sum(w * (_he(k, X, 1) ** 2 + (s - t) * _he(k, X, 2)))
            B_nok0 = B - np.sum(w * t) * np.sum(w * X * _he(k, X, 1)) / mu ** 2
            rows.append((float(mu), float(stored[j]), tau_of(A / resc, B / resc), tau_of(A / resc, B_nok0 / resc)))
        out.append({"activation": f"he{k}", "file": rel, "mu": [r[0] for r in rows], "stored": [r[1] for r in rows], "exact": [r[2] for r in rows], "withoutK0": [r[3] for r in rows]})
    return out


def main():
    root = sys.argv[1]
    if not os.path.isdir(root):
        sys.exit(f"not a directory: {root} (clone the authors' repository there)")
    theory = read_theory(root)
    grid = next((t["mu"] for t in theory if t["status"] == "ok" and "relu" in t.get("curves", {}) and t["teacher"] == "matched"), [0.1, 0.5, 0.9])
    print(json.dumps({"numerics": read_numerics(root), "theory": theory, "series": series_check(), "reluSeries": {"mu": grid, "curves": relu_series_curves(grid)}, "squareK0": square_teacher_k0(root), "numpy": np.__version__}))


if __name__ == "__main__":
    main()
