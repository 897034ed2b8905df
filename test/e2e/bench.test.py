#!/usr/bin/env python3
"""Reads `einc bench --json` on stdin and checks its contract: every
implementation that ran has times and agrees with Einc within the given
relative error. Usage: bench.test.py MAX_REL_ERROR EXPECTED_RESULTS."""
import json
import sys

limit, expected = float(sys.argv[1]), int(sys.argv[2])
report = json.load(sys.stdin)
for key in ("expression", "dtype", "flops", "compile_ms", "cached_lookup_us",
            "from_disk_cache", "cores", "openblas_core", "results"):
    assert key in report, f"missing {key}: {report}"
results = report["results"]
assert len(results) == expected, results
assert results[0]["name"] == "einc" and results[0]["einc_speed_ratio"] == 1
ran = [r for r in results if "skipped" not in r]
for r in ran:
    assert r["min_ms"] <= r["median_ms"] <= r["max_ms"], r
    assert r["repeats"] >= 1 and r["gflops"] >= 0, r
    assert r["max_rel_error"] <= limit, f"{r['name']} disagrees with einc: {r}"
assert len(ran) >= 2, "no peer ran"
print(f"bench: {len(ran)} implementations agree")
