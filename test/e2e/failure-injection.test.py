#!/usr/bin/env python3
"""Failure injection for `einc run`: see failure-injection.test.

Usage: failure-injection.test.py EINC TMPDIR. Prints one line per failure
and a closing 'N passed, N failed' line; exits non-zero on any failure.
"""
import os
import random
import resource
import signal
import subprocess
import sys
import time

import numpy as np

einc, tmp = sys.argv[1], sys.argv[2]
os.makedirs(tmp, exist_ok=True)
passed, failed = 0, 0
# AddressSanitizer reserves terabytes of address space at start: an
# address-space limit cannot be tested in that build (the others run).
with open(einc, "rb") as f:
    asan = b"__asan_init" in f.read()


def report(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def fresh_dir(name):
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    return d


def limits(**kw):
    """A preexec_fn that sets resource limits in the child."""
    def apply():
        for name, value in kw.items():
            resource.setrlimit(getattr(resource, name), (value, value))
    return apply


def run(args, preexec=None, **kw):
    return subprocess.run([einc, "run"] + args, capture_output=True,
                          text=True, preexec_fn=preexec, **kw)


def one_line_error(r, needle, what):
    lines = r.stderr.strip().splitlines()
    ok = (r.returncode == 1 and len(lines) == 1 and
          lines[0].startswith("einc: error: ") and needle in lines[0])
    report(ok, f"{what}: exit {r.returncode}, stderr {r.stderr!r}")


def only(d, names, what):
    left = sorted(os.listdir(d))
    report(left == sorted(names), f"{what}: directory holds {left}")


inputs = fresh_dir("inputs")
small = os.path.join(inputs, "small.npy")
np.save(small, np.arange(6.0).reshape(2, 3))
vec = os.path.join(inputs, "vec.npy")
np.save(vec, np.ones(4000))
square = os.path.join(inputs, "sq120.npy")
np.save(square, np.ones((120, 120)))
huge_vec = os.path.join(inputs, "v16k.npy")
np.save(huge_vec, np.ones(16384))

# A device that is always full: the write fails, the error names it.
r = run(["ij", small, "-o", "/dev/full"])
one_line_error(r, "cannot write '/dev/full': No space left on device",
               "/dev/full")

# A file-size limit (ulimit -f): the write fails with EFBIG instead of
# killing einc, and the partial file is gone.
d = fresh_dir("fsize")
out = os.path.join(d, "out.npy")
r = run(["i,j->ij", vec, vec, "-o", out], limits(RLIMIT_FSIZE=64 * 1024))
one_line_error(r, "File too large", "RLIMIT_FSIZE")
only(d, [], "RLIMIT_FSIZE")

# A directory that cannot be written (for root, who may write anywhere,
# /proc).
if os.geteuid() == 0:
    target = "/proc/einc-out.npy"
    d = None
else:
    d = fresh_dir("readonly")
    os.chmod(d, 0o555)
    target = os.path.join(d, "out.npy")
r = run(["ij", small, "-o", target])
one_line_error(r, f"cannot write '{target}'", "unwritable directory")
report(not os.path.exists(target), "unwritable directory: file exists")
if d:
    os.chmod(d, 0o755)

# The result cannot be allocated (2 GiB under a 1.5 GiB address-space
# limit): refused with its size, nothing written.
if asan:
    print("skipped under AddressSanitizer: failing allocations "
          "(RLIMIT_AS)")
d = fresh_dir("alloc-result")
out = os.path.join(d, "out.npy")
if not asan:
    r = run(["i,j->ij", huge_vec, huge_vec, "-o", out],
            limits(RLIMIT_AS=1536 << 20))
    one_line_error(r, "cannot allocate", "failing allocation of the result")
    only(d, [], "failing allocation of the result")

# An intermediate the kernel cannot allocate (120^4 doubles, 1.5 GiB):
# the kernel's call fails with the size instead of crashing.
d = fresh_dir("alloc-kernel")
out = os.path.join(d, "out.npy")
if not asan:
    r = run(["--optimize", "left-to-right", "ab,cd,bc->ad", square, square,
             square, "-o", out], limits(RLIMIT_AS=1536 << 20))
    one_line_error(r, "out of memory: the kernel could not allocate 1.5 GiB",
                   "failing allocation in the kernel")
    only(d, [], "failing allocation in the kernel")

# Killed at random moments, while computing or writing 128 MB: afterwards
# the output is either absent or complete, and nothing else is there.
d = fresh_dir("killed")
out = os.path.join(d, "out.npy")
big = os.path.join(inputs, "v4k.npy")
np.save(big, np.arange(4000.0))
expected = np.outer(np.arange(4000.0), np.arange(4000.0))
rng = random.Random(7)
for trial in range(6):
    if os.path.exists(out):
        os.remove(out)
    p = subprocess.Popen([einc, "run", "i,j->ij", big, big, "-o", out],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.05, 1.2))
    p.send_signal(signal.SIGKILL)
    p.wait()
    left = os.listdir(d)
    if left == ["out.npy"]:
        report(np.array_equal(np.load(out), expected),
               f"killed run {trial}: the output is not complete")
    else:
        report(left == [], f"killed run {trial}: directory holds {left}")

print(f"failure injection: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
