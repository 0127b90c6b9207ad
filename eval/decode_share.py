#!/usr/bin/env python3
"""How much of a t2s run on a 20 MB GBK file goes to decoding and detection.

Usage: python3 eval/decode_share.py [--corpus DIR] [--zhnorm BIN]
                                       [--runs N] [--fail-above SHARE]

Builds two inputs with the same text from the corpus's Traditional bench file
(bench/tw_laws_trad.txt, repeated to 20 MB): one in GBK (GB18030 encodes
Traditional characters too), one in UTF-8. Runs `zhnorm --convert-only` (t2s)
on each, interleaved, N times, and reports medians. The decoding share is

    (time on GBK - time on UTF-8) / time on GBK

since the UTF-8 run does everything else the same (UTF-8 input costs only a
validation pass). `--convert-only` keeps the cleanup steps (entities,
mojibake) out of both sides; the default run's time is printed too.
Timing on a shared machine is noisy: read the figure as a ratio taken side by
side, not as an absolute.
"""
import argparse
import pathlib
import statistics
import sys
import tempfile

from common import add_corpus_arg, default_zhnorm, run_timed

SIZE = 20_000_000


def timed(cmd):
    """CPU time of one run (see common.run_timed for why CPU time)."""
    t = run_timed(cmd, stderr=None)
    if t.status != 0:
        raise SystemExit(f"{cmd} failed")
    return t.cpu


def main():
    ap = argparse.ArgumentParser()
    add_corpus_arg(ap)
    ap.add_argument("--zhnorm", default=default_zhnorm())
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--fail-above", type=float, default=None)
    args = ap.parse_args()

    text = (args.corpus / "bench" / "tw_laws_trad.txt").read_text(encoding="utf-8")
    gbk = text.encode("gb18030")
    while len(gbk) < SIZE:
        gbk += gbk[: SIZE - len(gbk)]
    gbk = gbk[: gbk.rfind(b"\n", 0, SIZE) + 1]
    with tempfile.TemporaryDirectory() as tmp:
        gbk_path = pathlib.Path(tmp) / "gbk20.txt"
        utf8_path = pathlib.Path(tmp) / "utf8_20.txt"
        gbk_path.write_bytes(gbk)
        utf8_path.write_bytes(gbk.decode("gb18030").encode("utf-8"))
        cmds = {
            "GBK, t2s, --convert-only": [args.zhnorm, "--convert-only", str(gbk_path)],
            "UTF-8, t2s, --convert-only": [args.zhnorm, "--convert-only", str(utf8_path)],
            "GBK, t2s, default (with cleanup)": [args.zhnorm, str(gbk_path)],
        }
        times = {k: [] for k in cmds}
        for _ in range(args.runs):
            for k, c in cmds.items():
                times[k].append(timed(c))
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    print(f"input: {len(gbk):,} bytes of GBK, {args.runs} interleaved runs, median CPU time")
    for k, v in med.items():
        print(f"  {k}: {v:.1f} ms")
    g, u = med["GBK, t2s, --convert-only"], med["UTF-8, t2s, --convert-only"]
    share = (g - u) / g
    print(f"decoding and detection: {g - u:.1f} ms = {share:.1%} of the GBK t2s run (target at most 25%)")
    if args.fail_above is not None and share > args.fail_above:
        print(f"share above {args.fail_above:.0%}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
