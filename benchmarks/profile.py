#!/usr/bin/env python3
"""Sums operator profiles per operator: self time per step, calls per step, for one or two traces.

    benchmarks/profile.py TRACE STEPS [TRACE2 STEPS2]

TRACE is a Chrome-trace JSON written by PyTorch's profiler: `profile.json` of a cbns
`TrainRun --profile-steps N` run, or the peer's trace from benchmarks/peer-profile.py. STEPS is
the number of training steps the trace covers. Self time is an event's duration minus that of the
events nested in it on the same thread, so nothing is counted twice. With two traces, the table
puts them side by side (per step), sorted by the larger self time, with the difference. Standard
library only.
"""
import json
import sys
from collections import defaultdict

# DJL's trace has no category; torch.profiler's marks operators "cpu_op"
OPERATOR_CATEGORIES = ("cpu_op", "Operator", "operator")


def self_times(path):
    with open(path) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    by_thread = defaultdict(list)
    for e in events:
        if e.get("ph") == "X" and "dur" in e and e.get("cat", "cpu_op") in OPERATOR_CATEGORIES:
            by_thread[(e.get("pid"), e.get("tid"))].append(e)
    own = defaultdict(float)
    calls = defaultdict(int)
    for evs in by_thread.values():
        evs.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []  # [end, name, time of the nested events, duration]
        def close(item):
            own[item[1]] += item[3] - item[2]
        for e in evs:
            ts, dur = float(e["ts"]), float(e["dur"])
            while stack and stack[-1][0] <= ts:
                close(stack.pop())
            if stack:
                stack[-1][2] += dur
            calls[e["name"]] += 1
            stack.append([ts + dur, e["name"], 0.0, dur])
        while stack:
            close(stack.pop())
    return own, calls


def main(argv):
    if len(argv) not in (3, 5):
        sys.exit(__doc__)
    runs = []
    for k in range(1, len(argv), 2):
        own, calls = self_times(argv[k])
        steps = float(argv[k + 1])
        runs.append(({n: t / steps / 1000 for n, t in own.items()},
                     {n: c / steps for n, c in calls.items()}))
    names = sorted(set().union(*(r[0] for r in runs)),
                   key=lambda n: -max(r[0].get(n, 0) for r in runs))
    if len(runs) == 1:
        print(f"{'operator':40s} {'ms/step':>9s} {'calls/step':>10s}")
        for n in names:
            print(f"{n[:40]:40s} {runs[0][0][n]:9.3f} {runs[0][1][n]:10.1f}")
        print(f"{'total':40s} {sum(runs[0][0].values()):9.3f} {sum(runs[0][1].values()):10.1f}")
        return
    a, b = runs
    print(f"{'operator':40s} {'A ms':>8s} {'B ms':>8s} {'A-B ms':>8s}"
          f" {'A calls':>8s} {'B calls':>8s}")
    for n in names:
        ta, tb = a[0].get(n, 0), b[0].get(n, 0)
        if max(ta, tb) < 0.005:
            continue
        print(f"{n[:40]:40s} {ta:8.3f} {tb:8.3f} {ta - tb:8.3f}"
              f" {a[1].get(n, 0):8.1f} {b[1].get(n, 0):8.1f}")
    ta, tb = sum(a[0].values()), sum(b[0].values())
    print(f"{'total':40s} {ta:8.3f} {tb:8.3f} {ta - tb:8.3f}"
          f" {sum(a[1].values()):8.1f} {sum(b[1].values()):8.1f}")


if __name__ == "__main__":
    main(sys.argv)
