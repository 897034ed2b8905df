#!/usr/bin/env python3
"""Runs `einc bench --json` on the fixed benchmark list and prints one
table: Einc's GFLOP/s on every core and on one, its speed relative to each
peer (the peer's median time over Einc's; above 1 Einc is faster) with
OpenBLAS on the same number of threads as Einc (every core, then one),
Eigen's Tensor contraction (one thread) and a naive loop nest, and Einc's
own scaling from one thread to all.

Usage: test/bench/run-suite.py [EINC] [--quick]   (EINC: build/bin/einc)
--quick drops the sizes from 2048 up. Nothing here is asserted: it measures."""
import json
import os
import platform
import subprocess
import sys

args = [a for a in sys.argv[1:] if a != "--quick"]
quick = "--quick" in sys.argv[1:]
einc = args[0] if args else os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "bin", "einc")

# (expression, shapes, dtype); the list. Attention is a program,
# not an einsum string: build/bin/ein-attention-bench measures it.
CASES = [
    ("ij,jk->ik", "256x256,256x256", "f32"),
    ("ij,jk->ik", "256x256,256x256", "f64"),
    ("ij,jk->ik", "1024x1024,1024x1024", "f32"),
    ("ij,jk->ik", "1024x1024,1024x1024", "f64"),
    ("ij,jk->ik", "2048x2048,2048x2048", "f32"),
    ("ij,jk->ik", "2048x2048,2048x2048", "f64"),
    ("ij,jk->ik", "4096x4096,4096x4096", "f32"),
    ("ik,jk->ij", "1024x1024,1024x1024", "f32"),  # A B^T
    ("bij,bjk->bik", "32x128x50,32x50x768", "f32"),
    ("bij,bjk->bik", "16x512x64,16x64x512", "f32"),
    # TCCG-style transposed contractions (several free and contracted
    # indices in odd orders).
    ("aebf,fdec->abcd", "24x24x24x24,24x24x24x24", "f32"),
    ("abc,bda->dc", "64x64x64,64x64x64", "f32"),
    ("abcd,ea->ebcd", "32x32x32x32,64x32", "f64"),
    # Complex (GFLOP/s counts 8 real operations per complex multiply-add).
    ("ij,jk->ik", "1024x1024,1024x1024", "complex64"),
    ("aebf,fdec->abcd", "24x24x24x24,24x24x24x24", "complex128"),
]
if quick:
    CASES = [c for c in CASES if "2048" not in c[1] and "4096" not in c[1]]

rows = []
for i, (expr, shapes, dtype) in enumerate(CASES):
    print(f"[{i + 1}/{len(CASES)}] {expr} {shapes} {dtype}", file=sys.stderr,
          flush=True)
    base = [einc, "bench", expr, "--shapes", shapes, "--dtype", dtype,
            "--json", "--min-time", "1"]
    out = subprocess.run(base, capture_output=True, text=True)
    # Einc and OpenBLAS once more on one thread each.
    single = subprocess.run(base + ["--peers", "openblas", "--threads", "1"],
                            capture_output=True, text=True)
    if out.returncode or single.returncode:
        print(f"  failed: {(out.stderr + single.stderr).strip()}",
              file=sys.stderr)
        continue
    report = json.loads(out.stdout)
    for r in json.loads(single.stdout)["results"]:
        r["name"] += "-1"
        report["results"].append(r)
    rows.append((expr, shapes, dtype, report))

cores = os.cpu_count()
model, flags = platform.processor() or platform.machine(), ""
try:
    with open("/proc/cpuinfo") as f:
        info = f.read()
    model = info.split("model name")[1].split(":")[1].split("\n")[0].strip()
    flags = "AVX-512" if "avx512f" in info else "AVX2" if "avx2" in info else ""
except (OSError, IndexError):
    pass
blas = rows[0][3].get("openblas_core", "?") if rows else "?"
print(f"Machine: {model} ({flags}), {cores} cores; Einc and OpenBLAS "
      f"({blas} kernels) on {cores} threads and on 1, Eigen on 1")
print(f"| expression | shapes | dtype | einc GFLOP/s ({cores} threads) "
      f"| vs OpenBLAS {cores} threads | einc GFLOP/s (1 thread) "
      "| vs OpenBLAS 1 thread | % of 1-core peak | vs Eigen | vs naive "
      f"| einc {cores} threads / 1 |")
print("|" + "---|" * 11)
for expr, shapes, dtype, r in rows:
    by = {x["name"]: x for x in r["results"]}
    own, own1 = by["einc"], by["einc-1"]
    peak = r.get("peak_gflops_1_thread")
    share = f"{100 * own1['gflops'] / peak:.1f}" if peak else "-"

    def ratio(name):
        x = by.get(name)
        return f"{x['einc_speed_ratio']:.2f}x" if x and "skipped" not in x else "-"
    threads = own.get("threads", 1)
    scaling = (f"{own['gflops'] / own1['gflops']:.2f}x" if threads > 1
               else "1 thread (small)")
    print(f"| `{expr}` | {shapes} | {dtype} | {own['gflops']:.2f} "
          f"| {ratio('openblas')} | {own1['gflops']:.2f} | {ratio('openblas-1')} "
          f"| {share} | {ratio('eigen')} | {ratio('naive')} | {scaling} |")
