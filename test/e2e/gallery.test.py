#!/usr/bin/env python3
"""Runs each program of examples/gallery with random inputs through
`einc run -f` and compares every output with what NumPy computes.
Usage: gallery.test.py EINC GALLERY_DIR TMPDIR."""
import os
import subprocess
import sys

import numpy as np

einc, gallery, tmp = sys.argv[1:4]
os.makedirs(tmp, exist_ok=True)
rng = np.random.default_rng(2026)
failed = 0


def fail(message):
    global failed
    failed += 1
    print("FAIL", message)


def run(program, inputs, names, threads=None, tag=""):
    """Runs gallery/PROGRAM; returns name -> array, or None on failure."""
    args = [einc, "run", "-f", os.path.join(gallery, program)]
    if threads:
        args += ["--threads", str(threads)]
    for name in names:
        args += ["-o", f"{name}={tmp}/{tag}{name}.npy"]
    for name, a in inputs.items():
        np.save(f"{tmp}/in_{name}.npy", a)
        args.append(f"{name}={tmp}/in_{name}.npy")
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"{program}: exit {p.returncode}: {p.stderr.strip()}")
        return None
    return {n: np.load(f"{tmp}/{tag}{n}.npy") for n in names}


def check(program, inputs, want):
    got = run(program, inputs, list(want))
    if got is None:
        return
    bad = [n for n, w in want.items()
           if got[n].shape != np.shape(w)
           or not np.allclose(got[n], w, rtol=1e-9, atol=1e-9)]
    for n in bad:
        fail(f"{program} output {n}: got {got[n]!r}, want {np.asarray(want[n])!r}")
    if not bad:
        print(f"gallery: {program} {len(want)} outputs match")


def invertible(n):
    return rng.standard_normal((n, n)) + n * np.eye(n)


# Vectors.
x, y = rng.standard_normal(6), rng.standard_normal(6)
P, R = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
S = rng.standard_normal((6, 3))
S[:, 2] = S[:, 0] - 2 * S[:, 1]  # three vectors spanning a plane
B = S[:, :2]                     # whose basis is the first two
proj = B @ np.linalg.solve(B.T @ B, B.T @ x)
l2 = np.linalg.norm(x)
check("vectors.ein", dict(x=x, y=y, P=P, R=R, S=S[:, :2]), dict(
    dot=x @ y, C=np.cross(P, R), l1=np.linalg.norm(x, 1), l2=l2,
    l3=np.linalg.norm(x, 3), linf=np.linalg.norm(x, np.inf), u=x / l2,
    cosine=x @ y / (l2 * np.linalg.norm(y)), proj=proj, rk=2.0))
# The rank of a dependent set counts what it spans.
got = run("vectors.ein", dict(x=x, y=y, P=P, R=R, S=S), ["rk"], tag="dep_")
if got is not None and got["rk"] != np.linalg.matrix_rank(S):
    fail(f"vectors.ein rank of a dependent set: {got['rk']}")

# Matrices.
n = 5
A, Bm = invertible(n), invertible(n)
M = rng.standard_normal((n, n))
Sym = M + M.T
xv, b = rng.standard_normal(n), rng.standard_normal(n)
U, s, Vt = np.linalg.svd(A)
A2 = (U[:, :2] * s[:2]) @ Vt[:2]
check("matrices.ein", dict(A=A, B=Bm, S=Sym, x=xv, b=b), dict(
    y=A @ xv, AB=A @ Bm, At=A.T, tr=np.trace(A), d=np.linalg.det(A),
    Ainv=np.linalg.inv(A), w=np.linalg.eigvalsh(Sym), Srec=Sym, s=s,
    kappa=np.linalg.cond(A), z=np.linalg.solve(A, b), A2=A2,
    err=np.linalg.norm(A - A2),
    ABinv=np.linalg.inv(Bm) @ np.linalg.inv(A)))

# Tensors.
X, Y = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
v = rng.standard_normal(4)
Q, K = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))
W = rng.standard_normal((2, 5, 6))
BM = Q @ K.transpose(0, 2, 1)
logits = BM * 0.5
Pr = np.exp(logits - logits.max(-1, keepdims=True))
Pr /= Pr.sum(-1, keepdims=True)
check("tensors.ein", dict(X=X, Y=Y, v=v, Q=Q, K=K, W=W), dict(
    T=X.reshape(2, 12), F=X.ravel(), G=X.reshape(2, 3, 2, 2),
    Pm=X.transpose(2, 0, 1), Bc=X + v, H=X * Y, total=X.sum(),
    m=X.mean((0, 1)), mk=X.mean((0, 1), keepdims=True),
    cs=np.cumsum(X, 2), cp=np.cumprod(X, 1), BM=BM, Att=Pr @ W))

# Constructors: the deterministic ones exactly; the random ones by their
# statistics, bounds and reproducibility.
vv, Am = rng.standard_normal(4), invertible(4)
names = ["I", "D", "dg", "Z", "O", "Fu", "r", "steps", "Un", "No"]
runs = [run("constructors.ein", dict(v=vv, A=Am), names, threads=t,
            tag=f"t{t}_") for t in (1, 2, 4)]
if all(r is not None for r in runs):
    got = runs[0]
    want = dict(I=np.eye(4), D=np.diag(vv), dg=np.diag(Am),
                Z=np.zeros((4, 4)), O=np.ones((4, 4)),
                Fu=np.full((4, 4), 2.5), r=np.arange(5.0),
                steps=np.arange(0.5, 1.75, 0.25))
    bad = [k for k, w in want.items()
           if got[k].shape != w.shape or not np.allclose(got[k], w)]
    Un, No = got["Un"], got["No"]
    if Un.shape != (2, 3) or Un.min() < -1 or Un.max() >= 1:
        bad.append("Un")
    if No.shape != (2, 3) or not np.isfinite(No).all():
        bad.append("No")
    for k in bad:
        fail(f"constructors.ein output {k}: {got[k]!r}")
    if not bad:
        print(f"gallery: constructors.ein {len(names)} outputs match")
    same = all(np.array_equal(r[k], got[k]) for r in runs[1:]
               for k in ("Un", "No"))
    # Tensors large enough to be filled by several threads: the same values
    # for any count, and the distributions they claim.
    big = []
    for t in (1, 4):
        p = subprocess.run(
            [einc, "run", "--threads", str(t), "-e",
             "G[m:1024, c:1536] = normal(m, c, seed=5, mean=1, std=2)\n"
             "H[m, c] = uniform(m, c, seed=5, low=-1, high=3); out G, H",
             "-o", f"G={tmp}/g{t}.npy", "-o", f"H={tmp}/h{t}.npy"],
            capture_output=True, text=True)
        big.append((np.load(f"{tmp}/g{t}.npy"), np.load(f"{tmp}/h{t}.npy"))
                   if p.returncode == 0 else None)
    if big[0] is None or big[1] is None:
        fail("large random tensors did not run")
    else:
        g, h = big[0]
        same = same and all(np.array_equal(x, y)
                            for x, y in zip(big[0], big[1]))
        if abs(g.mean() - 1) > 0.01 or abs(g.std() - 2) > 0.01 or \
                abs(((g - 1) / 2 > 1.96).mean() - 0.025) > 0.002:
            fail(f"normal(mean=1, std=2): mean {g.mean()}, std {g.std()}")
        if h.min() < -1 or h.max() >= 3 or abs(h.mean() - 1) > 0.01 or \
                abs(h.var() - 16 / 12) > 0.01:
            fail(f"uniform(-1, 3): min {h.min()}, max {h.max()}, "
                 f"mean {h.mean()}, var {h.var()}")
    again = run("constructors.ein", dict(v=vv, A=Am), ["Un", "No"],
                tag="again_")
    if same and again is not None and all(
            np.array_equal(again[k], got[k]) for k in ("Un", "No")):
        print("gallery: random tensors reproducible across runs and 1, 2, 4 "
              "threads")
    else:
        fail("random tensors differ between runs or thread counts")
    # Another seed gives other values.
    other = subprocess.run(
        [einc, "run", "-e",
         "Un[m:2, c:3] = uniform(m, c, seed=43, low=-1, high=1); out Un",
         "-o", f"Un={tmp}/seed43.npy"], capture_output=True, text=True)
    if other.returncode != 0 or np.array_equal(np.load(f"{tmp}/seed43.npy"),
                                               Un):
        fail("seed 43 gives the values of seed 42")

print(f"gallery: {failed} failed")
sys.exit(1 if failed else 0)
