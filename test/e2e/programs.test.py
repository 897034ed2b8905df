#!/usr/bin/env python3
"""Runs index-notation programs through `einc run -e/-f` and compares every
output with NumPy. Usage: programs.test.py EINC EXAMPLES_DIR TMPDIR."""
import os
import subprocess
import sys

import numpy as np

einc, examples, tmp = sys.argv[1:4]
os.makedirs(tmp, exist_ok=True)
rng = np.random.default_rng(7)
np.seterr(divide="ignore")  # numpy.linalg.norm of a zero entry, ord < 0
passed = failed = 0


def run(program, inputs, outputs, inline=True, dtype_tol=1e-5):
    """inputs: name -> array; outputs: name -> expected array."""
    global passed, failed
    args = [einc, "run"]
    args += ["-e", program] if inline else ["-f", program]
    for name in outputs:
        args += ["-o", f"{name}={tmp}/{name}.npy"]
    for name, a in inputs.items():
        np.save(f"{tmp}/in_{name}.npy", a)
        args.append(f"{name}={tmp}/in_{name}.npy")
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        print(f"FAIL {program!r}: exit {p.returncode}: {p.stderr.strip()}")
        failed += 1
        return
    for name, want in outputs.items():
        got = np.load(f"{tmp}/{name}.npy")
        want = np.asarray(want)
        ok = got.shape == want.shape and np.allclose(
            got, want, rtol=dtype_tol, atol=dtype_tol, equal_nan=True)
        if not ok:
            print(f"FAIL {program!r} output {name}: got {got!r}, want {want!r}")
            failed += 1
            return
    passed += 1


f32 = lambda *s: rng.standard_normal(s).astype(np.float32)
f64 = lambda *s: rng.standard_normal(s)

# The shipped examples.
q, k, v = f32(2, 3, 4, 64), f32(2, 3, 5, 64), f32(2, 3, 5, 64)
s = np.einsum("bhid,bhjd->bhij", q, k) * 0.125
p = np.exp(s - s.max(-1, keepdims=True))
p /= p.sum(-1, keepdims=True)
run(f"{examples}/attention.ein", {"Q": q, "K": k, "V": v},
    {"O": np.einsum("bhij,bhjd->bhid", p, v)}, inline=False)


def attention(q, k, v, scale):
    s = np.einsum("...id,...jd->...ij", q, k) * scale
    p = np.exp(s - s.max(-1, keepdims=True))
    return np.einsum("...ij,...je->...ie", p / p.sum(-1, keepdims=True), v)


# Extents the online-softmax blocks divide (ein-fuse-attention): several key
# blocks, f64, no head index, e != d, huge logits, a scale from a division.
for q, k, v, tol in [(f32(2, 3, 64, 64), f32(2, 3, 256, 64), f32(2, 3, 256, 64), 1e-5),
                     (f32(1, 1, 8, 64), f32(1, 1, 48, 64), f32(1, 1, 48, 64), 1e-5),
                     (100 * f32(2, 2, 32, 64), f32(2, 2, 128, 64), f32(2, 2, 128, 64), 1e-4)]:
    run(f"{examples}/attention.ein", {"Q": q, "K": k, "V": v},
        {"O": attention(q, k, v, 0.125)}, inline=False, dtype_tol=tol)
# Random attention shapes on the fused path: 0-2 batch indices, blocks of
# 4-64 queries and 16-128 keys, any d and e, both dtypes, random scales.
for case in range(12):
    batch = list(rng.integers(1, 4, size=rng.integers(0, 3)))
    ni, nj = int(rng.choice([4, 8, 12, 20, 64, 96])), int(rng.choice([16, 48, 80, 128, 384]))
    nd, ne = int(rng.integers(1, 70)), int(rng.integers(1, 40))
    dtype = "f64" if case % 2 else "f32"
    make = f64 if dtype == "f64" else f32
    q, k, v = make(*batch, ni, nd), make(*batch, nj, nd), make(*batch, nj, ne)
    scale = float(np.round(rng.uniform(0.05, 2), 3))
    idx = "".join("bcd"[:len(batch)])
    sep = lambda *l: ",".join(list(idx) + list(l))
    run(f"in Q[{sep('i', 'x')}], K[{sep('j', 'x')}], V[{sep('j', 'y')}] : {dtype}\n"
        f"S[{sep('i', 'j')}] = Q[{sep('i', 'x')}] * K[{sep('j', 'x')}] * {scale}\n"
        f"P[{sep('i', 'j')}] = softmax[j](S[{sep('i', 'j')}])\n"
        f"O[{sep('i', 'y')}] = P[{sep('i', 'j')}] * V[{sep('j', 'y')}]\nout O",
        {"Q": q, "K": k, "V": v}, {"O": attention(q, k, v, scale)},
        dtype_tol=1e-12 if dtype == "f64" else 1e-5)
# Random layouts on the fused path (copied into its layout and back): Q, K,
# V, S and O each in a random index order (heads after the sequence, K
# transposed, softmax's index anywhere in S), and query and key counts no
# block divides (padded, the padded keys masked).
for case in range(8):
    labels = {"b": int(rng.integers(1, 3)), "h": int(rng.integers(1, 4)),
              "i": int(rng.choice([8, 64, 5, 100])),
              "j": int(rng.choice([16, 128, 256, 20, 197])),
              "x": int(rng.integers(1, 40)), "y": int(rng.integers(1, 20))}
    perm = lambda s: "".join(rng.permutation(list(s)))
    ql, kl, vl = perm("bhix"), perm("bhjx"), perm("bhjy")
    sl, ol = perm("bhij"), perm("bhiy")
    dtype = "f64" if case % 2 else "f32"
    make = f64 if dtype == "f64" else f32
    q, k, v = (make(*[labels[c] for c in l]) for l in (ql, kl, vl))
    sep = lambda l: ",".join(l)
    s = np.einsum(f"{ql},{kl}->{sl}", q, k) / 8
    p = np.exp(s - s.max(sl.index("j"), keepdims=True))
    p /= p.sum(sl.index("j"), keepdims=True)
    run(f"in Q[{sep(ql)}], K[{sep(kl)}], V[{sep(vl)}] : {dtype}\n"
        f"S[{sep(sl)}] = Q[{sep(ql)}] * K[{sep(kl)}] / 8\n"
        f"P[{sep(sl)}] = softmax[j](S[{sep(sl)}])\n"
        f"O[{sep(ol)}] = P[{sep(sl)}] * V[{sep(vl)}]\nout O",
        {"Q": q, "K": k, "V": v}, {"O": np.einsum(f"{sl},{vl}->{ol}", p, v)},
        dtype_tol=1e-12 if dtype == "f64" else 1e-5)
# Divisions in products: by a number, by a tensor over kept indices only
# (after the contraction), over a summed index (elementwise, then summed),
# by zero (inf and NaN as NumPy gives them).
a, bv, cv, dv = f64(3, 5), f64(5), f64(3) + 3, f64(5) + 3
run("in A[i,j], B[j], C[i] : f64\nY[i] = A[i,j] * B[j] / C[i] / 2\nout Y",
    {"A": a, "B": bv, "C": cv}, {"Y": (a @ bv) / cv / 2}, dtype_tol=1e-12)
run("in A[i,j], B[j], D[j] : f64\nY[i] = A[i,j] * B[j] / D[j]\nout Y",
    {"A": a, "B": bv, "D": dv}, {"Y": a @ (bv / dv)}, dtype_tol=1e-12)
z = np.array([1.0, -2.0, 0.0])
with np.errstate(divide="ignore", invalid="ignore"):
    run("in X[i] : f64\nY[i] = X[i] / 0\nout Y", {"X": z}, {"Y": z / 0.0})
q, k, v = f64(4, 16, 8), f64(4, 64, 8), f64(4, 64, 24)
for scaled in ("* 0.25", "/ 4"):  # a division by a number fuses too
    run("in Q[b,i,d], K[b,j,d], V[b,j,e] : f64\n"
        f"P[b,i,j] = softmax[j](Q[b,i,d] * K[b,j,d] {scaled})\n"
        "O[b,i,e] = P[b,i,j] * V[b,j,e]\nout O", {"Q": q, "K": k, "V": v},
        {"O": attention(q, k, v, 0.25)}, dtype_tol=1e-12)
x, w1, b1, w2, b2 = f32(3, 5), f32(5, 4), f32(4), f32(4, 2), f32(2)
run(f"{examples}/mlp.ein", {"X": x, "W1": w1, "b1": b1, "W2": w2, "b2": b2},
    {"Y": np.maximum(x @ w1 + b1, 0) @ w2 + b2}, inline=False)
e, f = f64(4, 6), f64(3, 6)
c = (e @ f.T) / np.sqrt(np.outer((e * e).sum(1), (f * f).sum(1)))
run(f"{examples}/cosine.ein", {"E": e, "F": f}, {"C": c, "best": c.max(1)},
    inline=False)

# Every function, elementwise and broadcast.
a, bb = f64(3, 4), f64(4)
pos = np.abs(a) + 0.5
run("in A[i,j] : f64\nY[i,j] = exp(A[i,j])\nout Y", {"A": a}, {"Y": np.exp(a)})
run("in A[i,j] : f64\nY[i,j] = log(A[i,j])\nout Y", {"A": pos}, {"Y": np.log(pos)})
run("in A[i,j] : f64\nY[i,j] = sqrt(A[i,j]) + rsqrt(A[i,j])\nout Y", {"A": pos},
    {"Y": np.sqrt(pos) + 1 / np.sqrt(pos)})
run("in A[i,j] : f64\nY[i,j] = abs(A[i,j]) - tanh(A[i,j]) * sigmoid(A[i,j])\nout Y",
    {"A": a}, {"Y": np.abs(a) - np.tanh(a) / (1 + np.exp(-a))})
run("in A[i,j], B[j] : f64\nY[i,j] = relu(A[i,j] - B[j]) + max(A[i,j], B[j]) * min(A[i,j], 0.5)\nout Y",
    {"A": a, "B": bb}, {"Y": np.maximum(a - bb, 0) + np.maximum(a, bb) * np.minimum(a, 0.5)})
run("in A[i,j] : f64\nY[i,j] = pow(A[i,j], 2) - -A[i,j] / 4\nout Y", {"A": pos},
    {"Y": pos ** 2 + pos / 4})
run("in A[i,j], B[j] : f64\nY[i,j] = where(gt(A[i,j], B[j]), A[i,j], B[j]) + lt(A[i,j], 0) + eq(A[i,j], A[i,j]) - ne(A[i,j], 0) + le(A[i,j], 1) * ge(A[i,j], -1)\nout Y",
    {"A": a, "B": bb},
    {"Y": np.where(a > bb, a, bb) + (a < 0) + (a == a) - (a != 0) + (a <= 1) * (a >= -1)})

# Reductions, softmax and logsumexp, stable for large logits.
big = f64(3, 5) * 1000
run("in A[i,j] : f64\nS[i] = sum[j](A[i,j])\nP[j] = prod[i](A[i,j])\nM[i] = mean[j](A[i,j])\nX[j] = max[i](A[i,j])\nN[j] = min[i](A[i,j])\nout S, P, M, X, N",
    {"A": a}, {"S": a.sum(1), "P": a.prod(0), "M": a.mean(1), "X": a.max(0), "N": a.min(0)})
m = big.max(1, keepdims=True)
sm = np.exp(big - m) / np.exp(big - m).sum(1, keepdims=True)
run("in A[i,j] : f64\nP[i,j] = softmax[j](A[i,j])\nL[i] = logsumexp[j](A[i,j])\nout P, L",
    {"A": big}, {"P": sm, "L": (m[:, 0] + np.log(np.exp(big - m).sum(1)))})
inf = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [np.nan, 1.0]])
run("in A[i,j] : f64\nL[i] = logsumexp[j](A[i,j])\nX[i] = max[j](A[i,j])\nout L, X",
    {"A": inf}, {"L": [-np.inf, np.inf, np.nan], "X": [-np.inf, np.inf, np.nan]})

# Scans: cumulative sums and products along any index (numpy.cumsum and
# numpy.cumprod), of expressions, in every dtype; integers wrap around.
for trial in range(8):
    shape = tuple(int(x) for x in rng.integers(1, 6, rng.integers(1, 4)))
    axis = int(rng.integers(0, len(shape)))
    names = "ijk"[:len(shape)]
    idx = ",".join(names)
    dtype = [np.float32, np.float64, np.int64, np.complex128][trial % 4]
    x = (rng.integers(-3, 4, shape) if dtype == np.int64 else
         rng.standard_normal(shape) + (1j * rng.standard_normal(shape)
                                       if dtype == np.complex128 else 0))
    x = x.astype(dtype)
    tname = {np.float32: "f32", np.float64: "f64", np.int64: "i64",
             np.complex128: "complex128"}[dtype]
    run(f"in X[{idx}] : {tname}\nC[{idx}] = cumsum[{names[axis]}](X[{idx}])\n"
        f"P[{idx}] = cumprod[{names[axis]}](X[{idx}] * 2)\nout C, P",
        {"X": x}, {"C": np.cumsum(x, axis), "P": np.cumprod(x * 2, axis)})
pos = np.abs(f64(4, 6)) + 0.1
run("in X[i,j] : f64\nR[i,j] = cumsum[j](X[i,j]) / sum[j](X[i,j])\nout R",
    {"X": pos}, {"R": np.cumsum(pos, 1) / pos.sum(1, keepdims=True)})
big_int = np.full(40, 1 << 20, dtype=np.int32)
with np.errstate(over="ignore"):
    run("in X[i] : i32\nP[i] = cumprod[i](X[i])\nout P", {"X": big_int},
        {"P": np.cumprod(big_int, dtype=np.int32)})
empty = np.zeros((3, 0))
run("in X[i,j] : f64\nC[i,j] = cumsum[j](X[i,j])\nout C", {"X": empty},
    {"C": empty})

# Cross products of 3-vectors (numpy.cross along the last axis): single,
# batched, broadcast against one vector, of expressions, integers.
u3, w3 = f64(3), f64(3)
run("in a[i], b[i] : f64\nc[i] = cross(a[i], b[i])\nout c", {"a": u3, "b": w3},
    {"c": np.cross(u3, w3)})
U, W = f64(5, 3), f64(5, 3)
run("in A[n,i], B[n,i] : f64\nC[n,i] = cross(A[n,i], B[n,i])\n"
    "D[n,i] = cross(A[n,i] * 2, b[i])\nin b[i] : f64\nout C, D",
    {"A": U, "B": W, "b": w3},
    {"C": np.cross(U, W), "D": np.cross(U * 2, w3)})
Ui = rng.integers(-5, 6, (4, 3)).astype(np.int64)
Wi = rng.integers(-5, 6, (4, 3)).astype(np.int64)
run("in A[n,i], B[n,i] : i64\nC[n,i] = cross(A[n,i], B[n,i])\nout C",
    {"A": Ui, "B": Wi}, {"C": np.cross(Ui, Wi)})

# Implicit summation term by term, constants, scalars, permutation.
A2, B2, c2 = f64(3, 4), f64(4, 2), f64(2)
run("in A[i,j], B[j,k], c[k] : f64\nY[k,i] = A[i,j] * B[j,k] * 2 + c[k]\nT = sum[i](sum[k](Y[k,i]))\nout Y, T",
    {"A": A2, "B": B2, "c": c2},
    {"Y": (2 * A2 @ B2 + c2).T, "T": (2 * A2 @ B2 + c2).sum()})
D = f64(3, 3)
run("in A[i,i] : f64\nd[i] = A[i,i]\nt = A[i,i]\nout d, t", {"A": D},
    {"d": np.diag(D), "t": np.trace(D)})

# Integers and type promotion of undeclared inputs.
ia, ib = rng.integers(-5, 5, (3, 4)), rng.integers(-5, 5, (4,))
run("in A[i,j], B[j]\nY[i] = A[i,j] * B[j] + max[j](A[i,j]) - abs(B[j])\nout Y",
    {"A": ia, "B": ib}, {"Y": ia @ ib + ia.max(1) - np.abs(ib).sum()})
fa = f32(4)
run("in A[i,j], B[j]\nY[i] = A[i,j] * B[j]\nout Y",
    {"A": ia.astype(np.int32), "B": fa}, {"Y": ia.astype(np.float64) @ fa.astype(np.float64)})

# Linear algebra through LAPACK: inv, det, solve (vector and matrix
# right-hand sides), cholesky; real and complex; used inside expressions.
for dt, tol in [(np.float64, 1e-9), (np.float32, 2e-4), (np.complex128, 1e-9)]:
    a = rng.standard_normal((4, 4)).astype(dt)
    if np.iscomplexobj(a):
        a = a + 1j * rng.standard_normal((4, 4))
    b = rng.standard_normal((4, 3)).astype(dt)
    vv = rng.standard_normal(4).astype(dt)
    spd = (a @ a.conj().T + 4 * np.eye(4)).astype(dt)
    name = np.dtype(dt).name
    run(f"in A[i,j], B[j,k], v[j], S[i,j] : {name}\n"
        "X[i,j] = inv(A[i,j])\nd = det(A[i,j])\n"
        "Y[i,k] = solve(A[i,j], B[j,k])\ny[i] = solve(A[i,j], v[j])\n"
        "L[i,j] = cholesky(S[i,j])\n"
        "R[i,k] = A[i,j] * Y[j,k] - B[i,k]\n"
        "out X, d, Y, y, L, R",
        {"A": a, "B": b, "v": vv, "S": spd},
        {"X": np.linalg.inv(a), "d": np.linalg.det(a),
         "Y": np.linalg.solve(a, b), "y": np.linalg.solve(a, vv),
         "L": np.linalg.cholesky(spd), "R": np.zeros((4, 3))},
        dtype_tol=tol * 10)

# svd, qr and eigh, checked by their identities inside the program (the
# reconstructions) and against numpy's singular values and eigenvalues.
for dt, tol in [(np.float64, 1e-9), (np.float32, 2e-4), (np.complex128, 1e-9)]:
    for m, n in [(5, 3), (3, 5), (4, 4)]:
        a = rng.standard_normal((m, n)).astype(dt)
        if np.iscomplexobj(a):
            a = a + 1j * rng.standard_normal((m, n))
        h = a.conj().T @ a
        name = np.dtype(dt).name
        run(f"in A[i,j], H[a,b] : {name}\n"
            "U[i,r], s[r], V[r,j] = svd(A[i,j])\n"
            "Q[i,q], R[q,j] = qr(A[i,j])\n"
            "w[k], E[a,k] = eigh(H[a,b])\n"
            "D1[i,j] = U[i,r] * s[r] * V[r,j] - A[i,j]\n"
            "D2[i,j] = Q[i,q] * R[q,j] - A[i,j]\n"
            "D3[a,k] = H[a,b] * E[b,k] - E[a,k] * w[k]\n"
            "out s, w, D1, D2, D3",
            {"A": a, "H": h},
            {"s": np.linalg.svd(a, compute_uv=False),
             "w": np.linalg.eigvalsh(h), "D1": np.zeros((m, n)),
             "D2": np.zeros((m, n)), "D3": np.zeros((n, n))},
            dtype_tol=tol * 100)

# Truncated SVD (rank=) and the low-rank, PCA and solve examples.
w = rng.standard_normal((12, 3)) @ rng.standard_normal((3, 9)) + 1e-3 * rng.standard_normal((12, 9))
uu, ss, vv = np.linalg.svd(w, full_matrices=False)
wk = (uu[:, :8] * ss[:8]) @ vv[:8]
run(f"{examples}/lowrank.ein", {"W": w},
    {"Wk": wk, "s": ss[:8], "err": np.linalg.norm(wk - w) / np.linalg.norm(w)},
    inline=False, dtype_tol=1e-9)
# Sliced factors as outputs (a strided copy into the output buffers).
w2 = (uu[:, :2] * ss[:2]) @ vv[:2]
run("in W[i,j] : f64\nU[i,r], s[r], V[r,j] = svd(W[i,j], rank=2)\n"
    "P[i,j] = U[i,r] * s[r] * V[r,j]\nout s, U, V, P",
    {"W": w}, {"s": ss[:2], "P": w2}, dtype_tol=1e-9)
x = rng.standard_normal((5, 3))
xc = x - x.mean(0)
cov = xc.T @ xc / 4
evals, evecs = np.linalg.eigh(cov)
run(f"{examples}/pca.ein", {"X": x}, {"var": evals}, inline=False,
    dtype_tol=1e-9)
A3, b3 = rng.standard_normal((4, 4)), rng.standard_normal(4)
run(f"{examples}/solve.ein", {"A": A3, "b": b3},
    {"x": np.linalg.solve(A3, b3), "residual": 0.0,
     "c": np.linalg.cond(A3)},
    inline=False, dtype_tol=1e-9)

# trace, cond and entrywise norms.
A4, v4 = rng.standard_normal((4, 4)), rng.standard_normal(5)
run("in A[i,j], v[k] : f64\nt = trace(A[i,j])\nc = cond(A[i,j])\n"
    "n2 = norm(A[i,j])\nn1 = norm(v[k], ord=1)\nn3 = norm(v[k], ord=3)\n"
    "ni = norm(v[k], ord=inf)\nout t, c, n2, n1, n3, ni",
    {"A": A4, "v": v4},
    {"t": np.trace(A4), "c": np.linalg.cond(A4), "n2": np.linalg.norm(A4),
     "n1": np.linalg.norm(v4, 1), "n3": np.linalg.norm(v4, 3),
     "ni": np.linalg.norm(v4, np.inf)}, dtype_tol=1e-9)

# rank and cond, also of rectangular and rank-deficient matrices.
for shape, r in [((5, 5), 2), ((3, 6), 3), ((6, 3), 1)]:
    lowr = rng.standard_normal((shape[0], r)) @ rng.standard_normal((r, shape[1]))
    run("in A[i,j] : f64\nk = rank(A[i,j])\nc = cond(A[i,j])\nout k, c",
        {"A": lowr}, {"k": np.linalg.matrix_rank(lowr),
                      "c": np.linalg.cond(lowr) if r == min(shape) else None}
        if r == min(shape) else {"k": np.linalg.matrix_rank(lowr)},
        dtype_tol=1e-6)

# slogdet: no overflow where det would, complex signs, singular matrices.
big = rng.standard_normal((40, 40)) * 1e3
cz = rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
for m in [big, cz, np.zeros((2, 2))]:
    sign, logdet = np.linalg.slogdet(m)
    run("in A[i,j]\nsg, ld = slogdet(A[i,j])\nout sg, ld", {"A": m},
        {"sg": sign, "ld": logdet}, dtype_tol=1e-9)

# eig of general matrices: complex results, A V = V diag(w), numpy's
# eigenvalues; real inputs are converted to the declared complex dtype.
for dt, tol in [(np.complex128, 1e-9), (np.complex64, 2e-4)]:
    for a in [rng.standard_normal((5, 5)),
              rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4)),
              np.array([[0.0, -1.0], [1.0, 0.0]]), np.ones((1, 1))]:
        n = a.shape[0]
        name = np.dtype(dt).name
        want = np.sort_complex(np.linalg.eigvals(a).astype(dt))
        # The eigenvalues in numpy's sort order: compare sorted copies.
        got_w = f"{tmp}/eig_w.npy"
        # Real inputs of the matching precision are converted.
        real = np.float64 if dt == np.complex128 else np.float32
        run(f"in A[i,j] : {name}\nw[k], V[i,k] = eig(A[i,j])\n"
            "D[i,k] = A[i,j] * V[j,k] - V[i,k] * w[k]\nout w, D",
            {"A": a.astype(dt) if np.iscomplexobj(a) else a.astype(real)},
            {"D": np.zeros((n, n))}, dtype_tol=tol * 100)
        p_ = subprocess.run([einc, "run", "-e",
                             f"in A[i,j] : {name}\nw[k], V[i,k] = eig(A[i,j])\nout w",
                             f"A={tmp}/in_A.npy", "-o", f"w={got_w}"],
                            capture_output=True, text=True)
        got = np.load(got_w) if p_.returncode == 0 else None
        # Match each of numpy's eigenvalues to the nearest of ours.
        ok = got is not None and len(got) == len(want) and all(
            np.min(np.abs(got - x)) <= tol * 100 * max(1, abs(x)) for x in want)
        if not ok:
            print(f"FAIL eig eigenvalues of {a!r}: got {got!r}, want {want!r}")
            failed += 1
        else:
            passed += 1

# lstsq: tall, wide, square and rank-deficient; vector and matrix
# right-hand sides; numpy's minimum-norm solution.
for dt, tol in [(np.float64, 1e-9), (np.float32, 2e-4), (np.complex128, 1e-9)]:
    # (NumPy solves float32 in float64 with float64's rcond, so a float32
    # rank-deficient case would not compare: ours uses float32's eps.)
    cases = [(6, 3, 3), (3, 6, 3), (4, 4, 4)] + ([(6, 4, 2)] if dt != np.float32 else [])
    for m, n, r in cases:
        a = rng.standard_normal((m, r)) @ rng.standard_normal((r, n))
        bm = rng.standard_normal((m, 2))
        if np.iscomplexobj(np.zeros(1, dt)):
            a = a + 1j * rng.standard_normal((m, r)) @ rng.standard_normal((r, n))
        a, bm = a.astype(dt), bm.astype(dt)
        name = np.dtype(dt).name
        run(f"in A[i,j], B[i,c], v[i] : {name}\nX[j,c] = lstsq(A[i,j], B[i,c])\n"
            "x[j] = lstsq(A[i,j], v[i])\nout X, x",
            {"A": a, "B": bm, "v": bm[:, 0].copy()},
            {"X": np.linalg.lstsq(a, bm, rcond=None)[0],
             "x": np.linalg.lstsq(a, bm[:, 0], rcond=None)[0]},
            dtype_tol=tol * 1000)

# svd cutoff=: values below cutoff * s_max, and their vectors, are zeroed.
a = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 5)) + 1e-6 * rng.standard_normal((6, 5))
uu, ss, vv = np.linalg.svd(a, full_matrices=False)
keep = ss >= 1e-3 * ss[0]
run("in A[i,j] : f64\nU[i,r], s[r], V[r,j] = svd(A[i,j], cutoff=1e-3)\n"
    "P[i,j] = U[i,r] * s[r] * V[r,j]\nk = sum[r](gt(s[r], 0))\nout s, P, k",
    {"A": a}, {"s": np.where(keep, ss, 0), "P": (uu[:, keep] * ss[keep]) @ vv[keep],
               "k": keep.sum()}, dtype_tol=1e-9)
run("in A[i,j] : complex128\nU[i,r], s[r], V[r,j] = svd(A[i,j], rank=4, cutoff=1e-3)\n"
    "P[i,j] = U[i,r] * s[r] * V[r,j]\nout s, P",
    {"A": a.astype(np.complex128)}, {"s": np.where(keep, ss, 0)[:4],
     "P": (uu[:, keep] * ss[keep]) @ vv[keep]}, dtype_tol=1e-9)

# Tensor splits: indices before r are the rows, after it the columns, in
# any order; the factors rebuild the tensor.
t4 = rng.standard_normal((2, 3, 4, 5))
mat = t4.transpose(0, 2, 1, 3).reshape(8, 15)
run("in T[a,b,c,d] : f64\nL[a,c,r], s[r], R[r,b,d] = svd(T[a,b,c,d])\n"
    "E[a,b,c,d] = L[a,c,r] * s[r] * R[r,b,d] - T[a,b,c,d]\n"
    "G[r,q] = L[a,c,r] * L[a,c,q]\nout s, E, G",
    {"T": t4}, {"s": np.linalg.svd(mat, compute_uv=False),
                "E": np.zeros(t4.shape), "G": np.eye(8)}, dtype_tol=1e-9)
run("in T[a,b,c,d] : f64\nQ[d,r], R[r,a,b,c] = qr(T[a,b,c,d])\n"
    "E[a,b,c,d] = Q[d,r] * R[r,a,b,c] - T[a,b,c,d]\nG[r,q] = Q[d,r] * Q[d,q]\n"
    "out E, G", {"T": t4}, {"E": np.zeros(t4.shape), "G": np.eye(5)},
    dtype_tol=1e-9)
run("in T[a,b,c] : f32\nL[a,b,r], s[r], R[r,c] = svd(T[a,b,c], rank=2)\nout s",
    {"T": t4[0].astype(np.float32)},
    {"s": np.linalg.svd(t4[0].reshape(3 * 4, 5).astype(np.float32),
                        compute_uv=False)[:2]}, dtype_tol=1e-4)

# norm as numpy.linalg.norm: vector orders, matrix orders.
vec, mat = rng.standard_normal(7), rng.standard_normal((4, 6))
vec[2] = 0
vec_ords = {"1": 1, "2": 2, "3": 3, "0.5": 0.5, "-1": -1, "inf": np.inf,
            "-inf": -np.inf, "0": 0}
mat_ords = {"1": 1, "-1": -1, "2": 2, "-2": -2, "inf": np.inf,
            "-inf": -np.inf, "fro": "fro", "nuc": "nuc"}
for i, (text, o) in enumerate(vec_ords.items()):
    run(f"in v[k] : f64\nn = norm(v[k], ord={text})\nout n", {"v": vec},
        {"n": np.linalg.norm(vec, o)}, dtype_tol=1e-9)
for i, (text, o) in enumerate(mat_ords.items()):
    run(f"in A[i,j] : f64\nn = norm(A[i,j], ord={text})\nm = norm(A[i,j])\nout n, m",
        {"A": mat}, {"n": np.linalg.norm(mat, o), "m": np.linalg.norm(mat)},
        dtype_tol=1e-9)
run("in A[i,j,k] : f32\nn = norm(A[i,j,k])\nout n", {"A": t4[0].astype(np.float32)},
    {"n": np.linalg.norm(t4[0])}, dtype_tol=1e-5)

# Two reductions of the same kind as separate outputs (their initial
# values must not share a buffer).
run("in A[i,j] : f64\nx = max[i,j](A[i,j])\ny = max[j](min[i](A[i,j]))\nout x, y",
    {"A": mat}, {"x": mat.max(), "y": mat.min(0).max()}, dtype_tol=1e-12)

# The MPS example: left-canonicalise a site by QR, then truncate the bond
# to the next site by SVD.
d, chi = 2, 6
A1, A2 = rng.standard_normal((chi, d, chi)), rng.standard_normal((chi, d, chi))
q_, r_ = np.linalg.qr(A1.reshape(chi * d, chi))
theta = np.einsum("ab,bsc->asc", r_, A2)
u_, s_, v_ = np.linalg.svd(theta.reshape(chi, d * chi), full_matrices=False)
approx = (u_[:, :4] * s_[:4]) @ v_[:4]
run(f"{examples}/mps.ein", {"A1": A1, "A2": A2},
    {"s": s_[:4], "err": np.linalg.norm(approx - theta.reshape(chi, d * chi)) /
     np.linalg.norm(theta)}, inline=False, dtype_tol=1e-9)

# Low-rank compression of a 1024 x 1024 weight matrix (rank 8 plus noise).
big_w = rng.standard_normal((1024, 8)) @ rng.standard_normal((8, 1024)) + 1e-2 * rng.standard_normal((1024, 1024))
sv = np.linalg.svd(big_w, compute_uv=False)
run(f"{examples}/lowrank.ein", {"W": big_w},
    {"s": sv[:8], "err": np.sqrt((sv[8:] ** 2).sum() / (sv ** 2).sum())},
    inline=False, dtype_tol=1e-8)

# Index groups on random tensors: permute the indices, group neighbours on
# the left (numpy transpose + reshape), then split the groups again on the
# right (reshape back) and compare both with NumPy; in every dtype.
letters = "abcdef"
for trial in range(12):
    rank = int(rng.integers(2, 5))
    shape = tuple(int(e) for e in rng.integers(1, 5, rank))
    dtype, tname = [(np.float64, "f64"), (np.float32, "f32"),
                    (np.int64, "i64"), (np.complex128, "complex128")][trial % 4]
    x = (rng.standard_normal(shape) * 10).astype(dtype)
    names = list(letters[:rank])
    order = list(rng.permutation(rank))
    # Groups of consecutive permuted indices.
    cuts = sorted(set(int(c) for c in rng.integers(1, rank, 2)))
    groups, start = [], 0
    for c in cuts + [rank]:
        groups.append(order[start:c])
        start = c
    lhs = ",".join("(" + ",".join(names[k] for k in g) + ")" if len(g) > 1
                   else names[g[0]] for g in groups)
    # Splitting back: every index's extent written but the first of a group.
    split = ",".join(
        "(" + ",".join(names[k] + ("" if j == 0 else f":{shape[k]}")
                       for j, k in enumerate(g)) + ")" if len(g) > 1
        else names[g[0]] for g in groups)
    want = x.transpose(order).reshape(
        [int(np.prod([shape[k] for k in g])) for g in groups])
    idx = ",".join(names)
    back = ",".join(names[k] for k in order)
    run(f"in X[{idx}] : {tname}\nG[{lhs}] = X[{idx}]\nB[{back}] = G[{split}]\n"
        "out G, B", {"X": x}, {"G": want, "B": x.transpose(order)})
# Reshape to an unrelated shape: flatten, then split into other extents.
z = rng.standard_normal((6, 4))
run("in X[i,j] : f64\nF[(i,j)] = X[i,j]\nY[p,q,r] = F[(p:2,q:3,r)]\nout Y",
    {"X": z}, {"Y": z.reshape(2, 3, 4)})
# Broadcasting to written extents, and keepdims as an extent-1 index.
run("in x[i] : f64\nY[i,j:3] = x[i]\nm[i,k:1] = mean[j](Y[i,j] * 2)\nout Y, m",
    {"x": vec}, {"Y": np.repeat(vec[:, None], 3, 1), "m": 2 * vec[:, None]})

print(f"programs: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
