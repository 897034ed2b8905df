#!/usr/bin/env python3
"""Runs opt_einsum on the networks `ein-path-bench --dump DIR` wrote.

For every network: opt_einsum's greedy, random-greedy (128 trials) and, for
small networks, dp (its exact optimiser) versus Einc's greedy and hyper, as
log10 FLOPs; and a check that opt_einsum counts the same FLOPs for Einc's
paths. opt_einsum is not a dependency of Einc: put a copy on PYTHONPATH.

  ein-path-bench --dump /tmp/nets && python3 compare_opt_einsum.py /tmp/nets
"""
import glob
import json
import math
import sys
import time

import opt_einsum as oe


def equation(net):
    sym = oe.get_symbol
    ins = ",".join("".join(sym(i) for i in t) for t in net["inputs"])
    return ins + "->" + "".join(sym(i) for i in net["output"])


def shapes(net):
    return [tuple(int(net["sizes"][i]) for i in t) for t in net["inputs"]]


def cost(eq, shp, optimize):
    start = time.time()
    _, info = oe.contract_path(eq, *shp, shapes=True, optimize=optimize)
    return float(info.opt_cost), time.time() - start


def main():
    rows, mismatches = [], 0
    for path in sorted(glob.glob(sys.argv[1] + "/*.json")):
        net = json.load(open(path))
        eq, shp = equation(net), shapes(net)
        n = len(shp)
        # opt_einsum must count the same FLOPs for our paths.
        for name, res in net["results"].items():
            ours = [tuple(p) for p in res["path"]]
            theirs, _ = cost(eq, shp, ours)
            if not math.isclose(theirs, res["flops"], rel_tol=1e-9):
                print(f"MISMATCH {net['name']} {name}: einc {res['flops']:.6g}, opt_einsum {theirs:.6g}")
                mismatches += 1
        oe_greedy, _ = cost(eq, shp, "greedy")
        oe_random, t_random = cost(eq, shp, oe.RandomGreedy(max_repeats=128))
        oe_dp = None
        if n <= 16:
            oe_dp, _ = cost(eq, shp, "dp")
        ours = {k: v["flops"] for k, v in net["results"].items()}
        rows.append((net["name"], n, oe_greedy, oe_random, t_random, oe_dp,
                     ours.get("greedy"), ours.get("hyper"), ours.get("optimal")))
    print(f"{'network':28} {'n':>4}  {'oe greedy':>9} {'oe rg128':>9} {'(s)':>5} {'oe dp':>7}"
          f"  {'einc greedy':>11} {'einc hyper':>10} {'einc opt':>8}")
    lg = lambda v: f"{math.log10(v):.3f}" if v else "-"
    for r in rows:
        print(f"{r[0]:28} {r[1]:4d}  {lg(r[2]):>9} {lg(r[3]):>9} {r[4]:5.1f} {lg(r[5]):>7}"
              f"  {lg(r[6]):>11} {lg(r[7]):>10} {lg(r[8]):>8}")
    print(f"flop-count check: {mismatches} mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
