#!/usr/bin/env python3
"""Peak memory of `einc run --memory-limit`: see memory-limit.test.

Usage: memory-limit.test.py EINC TMPDIR.
"""
import os
import subprocess
import sys

import numpy as np

einc, tmp = sys.argv[1], sys.argv[2]
os.makedirs(tmp, exist_ok=True)
passed, failed = 0, 0
MiB = 1 << 20
# AddressSanitizer's quarantine holds freed memory: peak memory says
# nothing about what einc allocated in that build (the results still count).
with open(einc, "rb") as f:
    asan = b"__asan_init" in f.read()
if asan:
    print("skipped under AddressSanitizer: peak-memory checks")


def report(ok, what):
    global passed, failed
    passed += ok
    failed += not ok
    if not ok:
        print("FAIL:", what)


def peak_rss(args):
    """Runs einc; returns (exit code, peak resident bytes, stderr)."""
    p = subprocess.Popen([einc] + args, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, usage.ru_maxrss * 1024, err


n = 100
a = os.path.join(tmp, "a.npy")
np.save(a, np.random.default_rng(5).standard_normal((n, n)))
tiny = os.path.join(tmp, "tiny.npy")
np.save(tiny, np.ones(4))
expr = ["--optimize", "left-to-right", "ab,cd,bc->ad", a, a, a]

# The process's own footprint: libraries, the JIT compiling a kernel.
rc, baseline, err = peak_rss(["run", "i->i", tiny, "-o",
                              os.path.join(tmp, "t.npy")])
report(rc == 0, f"baseline run failed: {err}")

# Unsliced: the ab,cd->abcd intermediate alone is 800 MB.
full = os.path.join(tmp, "full.npy")
rc, unsliced, err = peak_rss(["run"] + expr + ["-o", full])
report(rc == 0, f"unsliced run failed: {err}")
report(asan or unsliced - baseline > 700 * MiB,
       f"the unsliced run peaked at only {(unsliced - baseline) / MiB:.0f} "
       "MiB over the baseline: the test would not notice a broken limit")

for limit in (64, 16):
    out = os.path.join(tmp, f"sliced{limit}.npy")
    rc, peak, err = peak_rss(["run", "--memory-limit", f"{limit}MiB"] + expr
                             + ["-o", out])
    report(rc == 0 and "slicing over" in err, f"{limit} MiB: {err}")
    # A few MiB of slack for the larger kernel's compile and the allocator.
    over = (peak - baseline) / MiB
    report(asan or over <= limit + 8,
           f"--memory-limit {limit}MiB peaked at {over:.0f} MiB over the "
           "baseline")
    if rc == 0:
        report(np.allclose(np.load(out), np.load(full), rtol=1e-12),
               f"{limit} MiB: the sliced result differs")

print(f"memory limit: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
