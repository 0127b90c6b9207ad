#!/usr/bin/env python3
"""What the cleanup steps cost on a whole run, side by side with OpenCC.

Runs, interleaved, on one file: zhnorm with every default step, zhnorm
--convert-only, and the OpenCC 1.4.2 command-line tool (t2s), each writing
to a file; reports the median CPU time (user+sys, from wait4, which is less
noisy than wall time on a shared machine) and the ratios.

    python3 scripts/cleanup_cost.py [FILE] [--reps N]
"""
import argparse
import os
import statistics
import subprocess
import sys

import opencc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def cpu(cmd, out_path):
    with open(out_path, "wb") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
    if status != 0:
        sys.exit(f"{cmd[0]} failed")
    return ru.ru_utime + ru.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", default=os.path.join(ROOT, "..", "shared", "corpus", "bench", "tw_laws_trad.txt"))
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--zhnorm", default=os.path.join(ROOT, "target", "release", "zhnorm"))
    args = ap.parse_args()
    pkg = os.path.dirname(opencc.__file__)
    occ = os.path.join(pkg, "clib", "bin", "opencc")
    cfg = os.path.join(pkg, "clib", "share", "opencc", "t2s.json")
    tools = {
        "zhnorm (all cleanup)": [args.zhnorm, "-q", args.file],
        "zhnorm --convert-only": [args.zhnorm, "-q", "--convert-only", args.file],
        "opencc CLI t2s": [occ, "-c", cfg, "-i", args.file],
    }
    times = {k: [] for k in tools}
    for _ in range(args.reps):
        for name, cmd in tools.items():
            times[name].append(cpu(cmd, "/tmp/cleanup_cost.out"))
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med["opencc CLI t2s"]
    print(f"{os.path.basename(args.file)}, {args.reps} interleaved runs, median CPU time:")
    for k, v in med.items():
        print(f"  {k:24s} {v * 1000:7.1f} ms   OpenCC/this = {base / v:4.2f}x")


if __name__ == "__main__":
    main()
