#!/usr/bin/env python3
"""Runs `einc bench --json` on the fixed benchmark list and prints one
table: Einc's GFLOP/s and its speed relative to each peer (the peer's
median time over Einc's; above 1 Einc is faster), OpenBLAS both on one
thread (like for like: Einc's kernels are single-threaded today) and on
every core.

Usage: test/bench/run-suite.py [EINC] [--quick]   (EINC: build/bin/einc)
--quick drops the largest sizes. Nothing here is asserted: it measures."""
import json
import os
import platform
import subprocess
import sys

args = [a for a in sys.argv[1:] if a != "--quick"]
quick = "--quick" in sys.argv[1:]
einc = args[0] if args else os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "bin", "einc")

# (expression, shapes, dtype); the list, less what einc bench cannot
# express yet (attention is a program, not an einsum string).
CASES = [
    ("ij,jk->ik", "256x256,256x256", "f32"),
    ("ij,jk->ik", "256x256,256x256", "f64"),
    ("ij,jk->ik", "1024x1024,1024x1024", "f32"),
    ("ij,jk->ik", "1024x1024,1024x1024", "f64"),
    ("ij,jk->ik", "2048x2048,2048x2048", "f32"),
    ("bij,bjk->bik", "32x128x50,32x50x768", "f32"),
    ("bij,bjk->bik", "16x512x64,16x64x512", "f32"),
    # TCCG-style transposed contractions (several free and contracted
    # indices in odd orders).
    ("aebf,fdec->abcd", "24x24x24x24,24x24x24x24", "f32"),
    ("abc,bda->dc", "64x64x64,64x64x64", "f32"),
    ("abcd,ea->ebcd", "32x32x32x32,64x32", "f64"),
]
if quick:
    CASES = [c for c in CASES if "2048" not in c[1]]

rows = []
for i, (expr, shapes, dtype) in enumerate(CASES):
    print(f"[{i + 1}/{len(CASES)}] {expr} {shapes} {dtype}", file=sys.stderr,
          flush=True)
    base = [einc, "bench", expr, "--shapes", shapes, "--dtype", dtype,
            "--json", "--min-time", "1"]
    out = subprocess.run(base, capture_output=True, text=True)
    # OpenBLAS once more on one thread, like for like with Einc's one.
    single = subprocess.run(base + ["--peers", "openblas", "--threads", "1"],
                            capture_output=True, text=True)
    if out.returncode or single.returncode:
        print(f"  failed: {(out.stderr + single.stderr).strip()}",
              file=sys.stderr)
        continue
    report = json.loads(out.stdout)
    for r in json.loads(single.stdout)["results"]:
        if r["name"] == "openblas":
            r["name"] = "openblas-1"
            report["results"].append(r)
    rows.append((expr, shapes, dtype, report))

print(f"Machine: {platform.processor() or platform.machine()}, "
      f"{os.cpu_count()} cores; einc 1 thread, Eigen 1 thread")
header = ("| expression | shapes | dtype | einc GFLOP/s | % of 1-core peak "
          f"| vs OpenBLAS 1 thread | vs OpenBLAS {os.cpu_count()} threads "
          "| vs Eigen | vs naive |")
print(header)
print("|" + "---|" * 9)
for expr, shapes, dtype, r in rows:
    by = {x["name"]: x for x in r["results"]}
    own = by["einc"]
    peak = r.get("peak_gflops_1_thread")
    share = f"{100 * own['gflops'] / peak:.1f}" if peak else "-"

    def ratio(name):
        x = by.get(name)
        return f"{x['einc_speed_ratio']:.2f}x" if x and "skipped" not in x else "-"
    print(f"| `{expr}` | {shapes} | {dtype} | {own['gflops']:.2f} | {share} "
          f"| {ratio('openblas-1')} | {ratio('openblas')} | {ratio('eigen')} "
          f"| {ratio('naive')} |")
