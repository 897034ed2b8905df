#!/usr/bin/env python3
"""Runs einsum cases through `einc run` and compares with numpy.einsum.

Usage: numpy_compare.py EINC TMPDIR. Prints one line per failure and a
closing 'N passed, N failed' line; exits non-zero on any failure.
"""
import os
import subprocess
import sys

import numpy as np

# (expression, shapes, dtype). Shapes with 1s exercise broadcasting.
CASES = [
    ("ij", [(2, 3)], "f8"), ("ji", [(2, 3)], "f8"), ("ij->", [(2, 3)], "f8"),
    ("ii", [(4, 4)], "f8"), ("ii->i", [(4, 4)], "f4"), ("iij->j", [(3, 3, 2)], "f8"),
    ("ijji->", [(2, 3, 3, 2)], "f8"), ("iii->i", [(3, 3, 3)], "i8"),
    ("i,i", [(5,), (5,)], "f8"), ("i,j", [(3,), (4,)], "f8"), ("i,j->ij", [(3,), (4,)], "i4"),
    ("ij,j", [(3, 4), (4,)], "f8"), ("ji,j", [(4, 3), (4,)], "f4"),
    ("ij,jk", [(3, 4), (4, 5)], "f8"), ("ij,jk->ki", [(3, 4), (4, 5)], "c16"),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)], "f4"), ("bij,bkj->bik", [(2, 3, 4), (2, 5, 4)], "c8"),
    ("ijk,jil->kl", [(3, 4, 5), (4, 3, 2)], "f8"), ("ijkl,ijkl->", [(2, 3, 4, 5), (2, 3, 4, 5)], "f8"),
    ("a,ab,abc->abc", [(2,), (2, 3), (2, 3, 4)], "f8"), ("a,b,c", [(2,), (3,), (4,)], "i8"),
    ("ab,bc,cd,de->ae", [(2, 3), (3, 4), (4, 5), (5, 2)], "f8"),
    ("ea,fb,abcd,gc,hd->efgh", [(2, 3), (2, 3), (3, 3, 3, 3), (2, 3), (2, 3)], "f8"),
    ("ea,fb,gc,hd,abcd->efgh", [(2, 3), (2, 3), (2, 3), (2, 3), (3, 3, 3, 3)], "f8"),
    ("i,i,i->", [(4,), (4,), (4,)], "f8"), ("i,i,i->i", [(4,), (4,), (4,)], "c16"),
    ("abc,cd,de,ef->abf", [(2, 2, 3), (3, 2), (2, 2), (2, 3)], "f4"),
    ("...", [(2, 3)], "f8"), ("i...->...", [(3, 2, 2)], "f8"),
    ("...ii->...i", [(2, 3, 3)], "f8"), ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)], "f8"),
    ("...ij,...jk->...ik", [(5, 1, 3, 4), (2, 4, 6)], "f8"),
    ("ij...,j...->i...", [(3, 4, 2), (4, 2)], "f8"), ("ij...,jk...->ik...", [(3, 4, 2), (4, 5, 1)], "f8"),
    ("...,...", [(2, 1), (3,)], "f8"), ("...,...->...", [(2, 3), (3,)], "i4"),
    ("a...,...->a...", [(2, 3), (3,)], "f8"), ("...a,...a->...", [(1, 4, 3), (2, 1, 3)], "f8"),
    ("ij,jk->ik", [(2, 1), (3, 4)], "f8"), ("ij,ij->ij", [(1, 3), (2, 3)], "f8"),
    ("ij,ij->", [(2, 1), (1, 3)], "f8"), (",ij->ij", [(), (2, 3)], "f8"), ("ij,->ij", [(2, 3), ()], "c8"),
    (",", [(), ()], "f8"), ("->", [()], "f8"), ("", [()], "i8"),
    ("Ab,bC->AC", [(2, 3), (3, 4)], "f8"), ("aA,Aa", [(3, 3), (3, 3)], "f8"), ("Ba", [(2, 3)], "f8"),
    (" i j , j k -> i k ", [(2, 3), (3, 4)], "f8"),
    ("ij,jk->ik", [(0, 3), (3, 4)], "f8"), ("ij,jk->ik", [(2, 0), (0, 4)], "f8"), ("i->", [(0,)], "f8"),
    ("ij,jk", [(2, 3), (3, 4)], ("i4", "f4")), ("ij,jk", [(2, 3), (3, 4)], ("i8", "c8")),
    ("ij,jk", [(2, 3), (3, 4)], ("f4", "c8")), ("ij,jk", [(2, 3), (3, 4)], ("f8", "c8")),
    ("ij,jk", [(2, 3), (3, 4)], ("i4", "i8")),
    ("abcdefghijklmnopqrstuvwxyzABCDEF->", [(1,) * 30 + (2, 2)], "f8"),
    ("ab,cd,ef,gh,ij,kl->", [(2, 2)] * 6, "f8"), ("ij,jk,kl,lm,mn,no,op->ip", [(2, 2)] * 7, "f8"),
    ("bhid,bhjd->bhij", [(2, 2, 3, 4), (2, 2, 5, 4)], "f4"), ("bhij,bhjd->bhid", [(2, 2, 3, 5), (2, 2, 5, 4)], "f4"),
    ("abcd,dcba->", [(2, 3, 4, 5), (5, 4, 3, 2)], "f8"), ("ijk->kji", [(2, 3, 4)], "i8"),
    ("ijk,ikj->i", [(2, 3, 4), (2, 4, 3)], "c16"), ("ii,ii->i", [(3, 3), (3, 3)], "f8"),
    ("ijk,k->ij", [(2, 3, 4), (4,)], "f4"), ("k,ijk->ij", [(4,), (2, 3, 4)], "f4"),
]


def random_array(shape, dtype, rng):
    if dtype.startswith("i"):
        return rng.integers(-3, 4, size=shape).astype(dtype)
    if dtype.startswith("c"):
        return (rng.uniform(-1, 1, shape) + 1j * rng.uniform(-1, 1, shape)).astype(dtype)
    return rng.uniform(-1, 1, shape).astype(dtype)


def main():
    einc, tmp = sys.argv[1], sys.argv[2]
    os.makedirs(tmp, exist_ok=True)
    rng = np.random.default_rng(1234)
    passed = failed = 0
    for n, (expr, shapes, dtypes) in enumerate(CASES):
        if isinstance(dtypes, str):
            dtypes = (dtypes,) * len(shapes)
        arrays = [random_array(s, d, rng) for s, d in zip(shapes, dtypes)]
        files = []
        for k, a in enumerate(arrays):
            files.append(os.path.join(tmp, f"case{n}_{k}.npy"))
            np.save(files[-1], a)
        out = os.path.join(tmp, f"case{n}_out.npy")
        proc = subprocess.run([einc, "run", "-o", out, "--", expr, *files],
                              capture_output=True, text=True)
        want = np.einsum(expr, *arrays)
        if proc.returncode != 0:
            print(f"FAIL {expr!r} {shapes}: einc exited {proc.returncode}: {proc.stderr.strip()}")
            failed += 1
            continue
        got = np.load(out)
        want = np.asarray(want)
        if got.dtype != want.dtype or got.shape != want.shape:
            print(f"FAIL {expr!r} {shapes}: got {got.dtype}{got.shape}, numpy {want.dtype}{want.shape}")
            failed += 1
            continue
        tol = 1e-4 if want.dtype in (np.float32, np.complex64) else 1e-10
        if not np.allclose(got, want, rtol=tol, atol=tol):
            print(f"FAIL {expr!r} {shapes}: values differ, max err {np.max(np.abs(got - want))}")
            failed += 1
            continue
        passed += 1
    print(f"numpy: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
