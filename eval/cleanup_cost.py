#!/usr/bin/env python3
"""What the cleanup steps cost on a whole run, side by side with OpenCC.

Runs, interleaved, on one file: zhnorm with every default step, zhnorm
--convert-only, and the OpenCC 1.4.2 command-line tool (t2s), each writing
to a file; reports the median CPU time (user+sys, from wait4, which is less
noisy than wall time on a shared machine) and the ratios.

    python3 eval/cleanup_cost.py [FILE] [--reps N] [--corpus DIR]
        [--zhnorm BIN] [--baseline BIN]

FILE defaults to bench/tw_laws_trad.txt in the corpus. With --baseline, a
second zhnorm binary (an older build) runs the same two ways in the same
interleaved rounds, for an A/B on a noisy machine.
"""
import argparse
import os
import statistics
import sys

import opencc

from common import add_corpus_arg, default_zhnorm, run_timed


def cpu(cmd, out_path):
    with open(out_path, "wb") as out:
        t = run_timed(cmd, stdout=out)
    if t.status != 0:
        sys.exit(f"{cmd[0]} failed")
    return t.cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", help="input (default: bench/tw_laws_trad.txt in the corpus)")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--zhnorm", default=default_zhnorm())
    ap.add_argument("--baseline", help="another zhnorm binary to run alongside")
    add_corpus_arg(ap)
    args = ap.parse_args()
    if args.file is None:
        args.file = str(args.corpus / "bench" / "tw_laws_trad.txt")
    pkg = os.path.dirname(opencc.__file__)
    occ = os.path.join(pkg, "clib", "bin", "opencc")
    cfg = os.path.join(pkg, "clib", "share", "opencc", "t2s.json")
    tools = {
        "zhnorm (all cleanup)": [args.zhnorm, "-q", args.file],
        "zhnorm --convert-only": [args.zhnorm, "-q", "--convert-only", args.file],
        "opencc CLI t2s": [occ, "-c", cfg, "-i", args.file],
    }
    if args.baseline:
        tools["baseline (all cleanup)"] = [args.baseline, "-q", args.file]
        tools["baseline --convert-only"] = [args.baseline, "-q", "--convert-only", args.file]
    times = {k: [] for k in tools}
    for _ in range(args.reps):
        for name, cmd in tools.items():
            times[name].append(cpu(cmd, "/tmp/cleanup_cost.out"))
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med["opencc CLI t2s"]
    print(f"{os.path.basename(args.file)}, {args.reps} interleaved runs, median CPU time:")
    for k, v in med.items():
        print(f"  {k:25s} {v * 1000:7.1f} ms   OpenCC/this = {base / v:4.2f}x")


if __name__ == "__main__":
    main()
