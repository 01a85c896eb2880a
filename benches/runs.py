#!/usr/bin/env python3
"""Runs a criterion bench target several times and summarises each group's ratio over the runs.

On a shared machine one run can be off by a factor of two, and not evenly across functions, so
a ratio from a single run says little. This runs the target N times and prints, for each group,
the median (lowest-highest) of its per-run ratios, each ratio taken from functions of one run,
and for each function the median of its medians: the figures of the README's benchmark tables.

    python3 benches/runs.py --bench modbus --runs 7
    python3 benches/runs.py --bench modbus --runs 3 --filter 'fc16|stream'
    python3 benches/runs.py --bench coap --runs 5 --peer coap-lite

Ratio of a group: the fastest peer's median / ours (`m2m`); function ids `m2m-*` are other ways
of ours and are not peers. A group with a `crc` or `sum` function (a plain pass over the same bytes,
not a peer) gives ours / that instead, a time ratio. Reads criterion's own files under
`$CARGO_TARGET_DIR/criterion` (default `target/criterion`) after each run. Not run by CI: it
takes minutes per run.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def medians_since(root, since):
    """{(group, function): median in ns} of the benchmarks criterion wrote after `since`."""
    out = {}
    for dirpath, _, files in os.walk(root):
        if "benchmark.json" not in files or "estimates.json" not in files:
            continue
        if os.path.basename(dirpath) != "new":
            continue
        est = os.path.join(dirpath, "estimates.json")
        if os.path.getmtime(est) < since:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bench = json.load(f)
        with open(est) as f:
            median = json.load(f)["median"]["point_estimate"]
        out[(bench["group_id"], bench["function_id"])] = median
    return out


def ratios(run, extra=()):
    """{group: (ratio, kind)} for one run, kind "x crc" or "vs peers"; and for each peer named in
    `extra` that a group has, `"<group> vs <peer>"`: that peer's median / ours."""
    groups = {}
    for (group, function), ns in run.items():
        groups.setdefault(group, {})[function] = ns
    out = {}
    for group, fs in groups.items():
        ours = fs.get("m2m")
        if ours is None:
            continue
        base = next((b for b in ("crc", "sum") if b in fs), None)
        if base:
            out[group] = (ours / fs[base], f"x {base}")
            continue
        peers = [ns for f, ns in fs.items() if f != "m2m" and not f.startswith("m2m-")]
        if peers:
            out[group] = (min(peers) / ours, "vs peers")
        for name in extra:
            if name in fs:
                out[f"{group} vs {name}"] = (fs[name] / ours, f"vs {name}")
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bench", default="modbus")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--filter", default=None, help="criterion filter (a regex on group/function)")
    p.add_argument("--measurement-time", default="4")
    p.add_argument("--warm-up-time", default="1")
    p.add_argument("--peer", action="append", default=[],
                   help="also the ratio against this peer alone (its median / ours), per run; "
                        "may be repeated")
    args = p.parse_args()

    target = os.environ.get("CARGO_TARGET_DIR", "target")
    root = os.path.join(target, "criterion")
    cmd = ["cargo", "bench", "-p", "benches", "--bench", args.bench, "--",
           "--warm-up-time", args.warm_up_time, "--measurement-time", args.measurement_time]
    if args.filter:
        cmd.append(args.filter)

    runs = []
    for i in range(args.runs):
        start = time.time()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        run = medians_since(root, start)
        if not run:
            sys.exit(f"run {i + 1}: criterion wrote no estimates under {root}")
        runs.append(run)
        line = ", ".join(f"{g} {r:.2f}" for g, (r, _) in sorted(ratios(run, args.peer).items()))
        print(f"run {i + 1}: {line}", file=sys.stderr)

    print(f"| group | ratio: median (lowest-highest) of {len(runs)} runs | runs |")
    print("|---|---|---|")
    per_group = {}
    for run in runs:
        for group, (r, kind) in ratios(run, args.peer).items():
            per_group.setdefault(group, (kind, []))[1].append(r)
    for group in sorted(per_group):
        kind, rs = per_group[group]
        print(f"| `{group}` ({kind}) | {statistics.median(rs):.2f} ({min(rs):.2f}-{max(rs):.2f}) "
              f"| {' '.join(f'{r:.2f}' for r in rs)} |")
    print()
    print("| function | median of medians | lowest-highest |")
    print("|---|---|---|")
    keys = sorted({k for run in runs for k in run})
    for group, function in keys:
        ns = [run[(group, function)] for run in runs if (group, function) in run]
        print(f"| `{group}/{function}` | {statistics.median(ns):.2f} ns "
              f"| {min(ns):.2f}-{max(ns):.2f} ns |")


if __name__ == "__main__":
    main()
