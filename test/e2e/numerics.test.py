#!/usr/bin/env python3
"""Special values and overflow through `einc run`: see numerics.test.

Usage: numerics.test.py EINC TMPDIR. Prints one line per failure and a
closing 'N passed, N failed' line; exits non-zero on any failure.
"""
import os
import subprocess
import sys

import numpy as np

einc, tmp = sys.argv[1], sys.argv[2]
os.makedirs(tmp, exist_ok=True)
rng = np.random.default_rng(11)
passed, failed = 0, 0


def same(got, want):
    """Equal classes (NaN, +inf, -inf, finite) everywhere and close finite
    values; integers exactly."""
    if got.shape != want.shape or got.dtype != want.dtype:
        return False
    if np.issubdtype(want.dtype, np.integer):
        return np.array_equal(got, want)
    for part in ([got.real, want.real], [got.imag, want.imag]) if \
            np.iscomplexobj(want) else ([got, want],):
        g, w = part
        if not np.array_equal(np.isnan(g), np.isnan(w)):
            return False
        if not np.array_equal(np.isposinf(g), np.isposinf(w)):
            return False
        if not np.array_equal(np.isneginf(g), np.isneginf(w)):
            return False
        finite = np.isfinite(w)
        tol = 1e-4 if w.dtype == np.float32 else 1e-10
        if not np.allclose(g[finite], w[finite], rtol=tol, atol=tol):
            return False
    return True


def check(what, got, want):
    global passed, failed
    if same(got, want):
        passed += 1
    else:
        failed += 1
        bad = np.argwhere(~np.isclose(got, want, equal_nan=True))[:3]
        print(f"FAIL: {what}: first differences at {bad.tolist()}")


def save(name, array):
    path = os.path.join(tmp, name + ".npy")
    np.save(path, array)
    return path


def run(args):
    out = os.path.join(tmp, "out.npy")
    r = subprocess.run([einc, "run"] + args + ["-o", out],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return np.load(out), ""


def run_program(program, inputs, output):
    out = os.path.join(tmp, output + ".npy")
    args = ["-e", program] + [f"{k}={v}" for k, v in inputs.items()]
    r = subprocess.run([einc, "run"] + args + ["-o", f"{output}={out}"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    return np.load(out), ""


def sprinkle(shape, dtype, count):
    """Random values with NaN, +inf and -inf at random places."""
    a = rng.uniform(-1, 1, shape).astype(dtype)
    flat = a.reshape(-1)
    for value in (np.nan, np.inf, -np.inf):
        flat[rng.integers(0, flat.size, count)] = value
    return a


# Contractions: small (scalar loops), blocked and packed (vector kernels),
# large enough for threads, batched, and with every layout of B.
cases = [
    ("ij,jk->ik", [(5, 7), (7, 3)], 1),
    ("ij,jk->ik", [(64, 96), (96, 80)], 3),
    ("ij,jk->ik", [(256, 512), (512, 384)], 8),  # packed panels, threads
    ("ik,jk->ij", [(128, 256), (192, 256)], 4),  # A B^T
    ("bij,bjk->bik", [(3, 32, 48), (3, 48, 40)], 2),
    ("i,i->", [(1000,)] * 2, 1),
    ("ij->", [(300, 300)], 1),
    ("ij,ij->i", [(40, 50)] * 2, 2),
    ("abc,cd->abd", [(6, 7, 8), (8, 9)], 2),
]
for dtype in (np.float32, np.float64):
    for expr, shapes, count in cases:
        arrays = [sprinkle(s, dtype, count) for s in shapes]
        paths = [save(f"in{k}", a) for k, a in enumerate(arrays)]
        got, err = run([expr] + paths)
        want = np.einsum(expr, *arrays)
        if got is None:
            check(f"{expr} {dtype.__name__}: {err}", np.zeros(1), np.ones(1))
        else:
            check(f"{expr} {dtype.__name__}", got, np.asarray(want))

# inf * 0 is NaN and inf - inf is NaN inside one sum; NaN wins everywhere.
a = np.array([[np.inf, 1.0], [np.inf, -np.inf], [np.nan, 0.0], [1.0, 2.0]])
b = np.array([[0.0, 1.0], [1.0, 1.0]])
got, err = run(["ij,jk->ik", save("a", a), save("b", b)])
check("inf*0 and inf-inf", got if got is not None else np.zeros(1),
      np.einsum("ij,jk->ik", a, b) if got is not None else np.ones(1))

# Complex NaN and inf.
c = (rng.uniform(-1, 1, (8, 8)) + 1j * rng.uniform(-1, 1, (8, 8)))
c[2, 3] = complex(np.inf, 0)
c[5, 1] = complex(0, np.nan)
got, err = run(["ij,jk->ik", save("c", c), save("c2", c)])
check("complex128 matmul", got if got is not None else np.zeros(1),
      np.einsum("ij,jk->ik", c, c) if got is not None else np.ones(1))

# Maps and reductions in programs, on NaN/inf-sprinkled data.
x = sprinkle((6, 9), np.float64, 2)
x[4] = -np.inf  # a whole row of -inf
x[5] = np.inf
xp = save("x", x)
with np.errstate(all="ignore"):
    programs = {
        "exp": ("Y[i,j] = exp(X[i,j])", np.exp(x)),
        "log": ("Y[i,j] = log(X[i,j])", np.log(x)),
        "tanh": ("Y[i,j] = tanh(X[i,j])", np.tanh(x)),
        "relu": ("Y[i,j] = relu(X[i,j])", np.where(np.isnan(x), np.nan,
                                                   np.maximum(x, 0))),
        "sum": ("Y[i] = sum[j](X[i,j])", x.sum(1)),
        "mean": ("Y[i] = mean[j](X[i,j])", x.mean(1)),
        "max": ("Y[i] = max[j](X[i,j])", x.max(1)),
        "min": ("Y[i] = min[j](X[i,j])", x.min(1)),
        "prod": ("Y[i] = prod[j](X[i,j])", x.prod(1)),
    }
    m = np.max(x, 1, keepdims=True)
    shifted = np.where(np.isinf(m), 0, m)
    lse = np.log(np.sum(np.exp(x - shifted), 1)) + shifted[:, 0]
    programs["logsumexp"] = ("Y[i] = logsumexp[j](X[i,j])", lse)
for name, (statement, want) in programs.items():
    got, err = run_program(f"in X[i,j] : f64; {statement}; out Y",
                           {"X": xp}, "Y")
    if got is None:
        check(f"{name}: {err}", np.zeros(1), np.ones(1))
    else:
        check(name, got, want)

# Softmax of huge and tiny logits: finite, sums to 1, as SciPy's.
for scale in (1e4, 1e300, -1e300, 1e-300):
    logits = rng.uniform(-1, 1, (4, 7)) * scale
    e = np.exp(logits - logits.max(1, keepdims=True))
    want = e / e.sum(1, keepdims=True)
    got, err = run_program("in X[i,j] : f64; P[i,j] = softmax[j](X[i,j]); "
                           "out P", {"X": save("logits", logits)}, "P")
    check(f"softmax x{scale:g}: {err}", got if got is not None else
          np.zeros(1), want if got is not None else np.ones(1))

# Integer contractions wrap around as NumPy's (two's complement).
for dtype, big in ((np.int32, 1 << 20), (np.int64, 1 << 40)):
    a = rng.integers(big // 2, big, (8, 300)).astype(dtype)
    b = rng.integers(big // 2, big, (300, 5)).astype(dtype)
    got, err = run(["ij,jk->ik", save("ia", a), save("ib", b)])
    with np.errstate(over="ignore"):
        want = np.einsum("ij,jk->ik", a, b)
    check(f"{np.dtype(dtype).name} wrap-around: {err}",
          got if got is not None else np.zeros(1, dtype),
          want if got is not None else np.ones(1, dtype))

print(f"numerics: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
