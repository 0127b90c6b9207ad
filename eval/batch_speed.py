#!/usr/bin/env python3
"""Whole-process speed of zhnorm's batch mode against peer pipelines.

Builds two trees in a temporary folder, in turn:

    corpus   the batch evaluation tree (eval/batch_tree.py: corpus encodings
             files, HTML pages, news text in Big5/GB18030/UTF-8; about 23 MB)
    small    many small pages (eval/small_pages.py: about 4,000 pieces of
             about 9 KB cut from the same sources, stored as GBK, Big5 or
             UTF-8; about 35 MB), where the cost per file shows

and times these commands on each, each writing a mirror of the tree into a
fresh output folder:

    zhnorm -j2   zhnorm -j 2 TREE -o OUT
    zhnorm -j1   zhnorm -j 1 TREE -o OUT
    baseline     BASELINE -j 2 TREE -o OUT (only with --baseline PATH: an
                 older build, for before/after figures in one run)
    careful      python3 eval/batch_peers.py careful TREE OUT -j 2
    fast         python3 eval/batch_peers.py fast TREE OUT -j 2
    uchardet     python3 eval/batch_peers.py uchardet TREE OUT -j 2

(see batch_peers.py for what the peers do). The time is the wall time of the
whole process, start-up and imports included, from start to exit. Runs are
interleaved: each round runs every tool once, and odd rounds run them in
reverse order, so load from elsewhere on a shared machine falls on all of
them alike. Before the rounds, every tool but careful runs once untimed to
warm the page cache (careful only has its modules imported). Before each
timed run, sync() writes back what earlier runs left dirty (untimed), so no
tool pays for another's writes; zhnorm fsyncs every output it writes, the
peers do not, and each is timed as it behaves.

Reported per tool: the median wall time over the rounds, MB/s (input bytes
of the tree, 10^6 per MB, divided by that time), CPU time (user + system of
the process and its children, median), the outputs it wrote, and how many
times faster zhnorm -j2 is (tool time / zhnorm -j2 time), next to its
target. The zhnorm -j1 row's ratio is the gain from the second
thread. A last column gives the same ratio in CPU time, for reference: it
moves less than wall time when other work shares the machine, but it is not
what the targets are about.

Targets: careful 20x, fast 2x, uchardet 15x; -j 2 over -j 1 1.7x on the
corpus tree and 1.8x on the small pages. Each tree gets its own table.

Usage:
    python3 eval/batch_speed.py [--zhnorm PATH] [--corpus DIR] [--reps N]
        [--careful-reps N] [--skip careful,uchardet,...] [--jobs 2]
        [--trees corpus,small] [--baseline PATH] [--check] [--margin 0.5] [--json FILE]
        [--no-warmup]

With --check the exit status is 1 when a ratio is below target * margin
(margin 0.5 by default: only a ratio under half its target fails, since one
run on a noisy shared machine can be far off). A peer that cannot run
(uchardet not installable, a library missing) is reported as skipped and is
not checked. Exit status 2: corpus or zhnorm binary missing, or a tool
failed.
"""
import argparse
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import batch_peers  # noqa: E402
import small_pages  # noqa: E402
from batch_tree import build  # noqa: E402
from common import add_corpus_arg, default_zhnorm, run_timed  # noqa: E402

TOOLS = ("zhnorm-j2", "zhnorm-j1", "baseline-j2", "careful", "fast", "uchardet")
LABELS = {"zhnorm-j2": "zhnorm -j 2", "zhnorm-j1": "zhnorm -j 1", "baseline-j2": "baseline zhnorm -j 2",
          "careful": "careful (py)", "fast": "fast (py)", "uchardet": "uchardet+iconv+opencc"}
# How many times faster zhnorm -j 2 must be than each tool, per tree (an
# older build given with --baseline only has to be matched).
TARGETS = {"zhnorm-j1": 1.7, "baseline-j2": 1.0, "careful": 20.0, "fast": 2.0, "uchardet": 15.0}
TREE_TARGETS = {"corpus": TARGETS, "small": dict(TARGETS, **{"zhnorm-j1": 1.8})}
TREES = ("corpus", "small")


def die(msg):
    print(f"batch_speed.py: {msg}", file=sys.stderr)
    sys.exit(2)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zhnorm", default=default_zhnorm(),
                    help="zhnorm binary (default target/release/zhnorm)")
    add_corpus_arg(ap)
    ap.add_argument("--reps", type=int, default=3, help="timed rounds (default 3)")
    ap.add_argument("--careful-reps", type=int, default=None,
                    help="rounds that include careful, the slow one (default: all)")
    ap.add_argument("--skip", action="append", default=[],
                    help="leave tools out (comma-separated or repeated): " + ", ".join(TOOLS[1:]))
    ap.add_argument("--baseline", metavar="PATH",
                    help="also time another zhnorm binary (an older build) with -j 2, for A/B figures")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="processes for the peers (default 2)")
    ap.add_argument("--trees", default=",".join(TREES),
                    help="which trees to time, comma-separated: corpus (eval/batch_tree.py), "
                         "small (eval/small_pages.py); default both")
    ap.add_argument("--check", action="store_true", help="exit 1 when a ratio misses target * margin")
    ap.add_argument("--margin", type=float, default=0.5,
                    help="--check fails below target * margin (default 0.5)")
    ap.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    ap.add_argument("--no-warmup", dest="warmup", action="store_false",
                    help="skip the untimed warm-up runs")
    args = ap.parse_args()
    args.skip = {s.strip() for item in args.skip for s in item.split(",") if s.strip()}
    if not args.baseline:
        args.skip.add("baseline-j2")
    unknown = args.skip - set(TOOLS[1:])
    if unknown:
        ap.error(f"--skip: unknown tool(s) {', '.join(sorted(unknown))} (zhnorm-j2 is the reference)")
    if args.reps < 1:
        ap.error("--reps must be at least 1")
    args.careful_reps = args.reps if args.careful_reps is None else min(args.careful_reps, args.reps)
    args.trees = [t.strip() for t in args.trees.split(",") if t.strip()]
    if not args.trees or set(args.trees) - set(TREES):
        ap.error(f"--trees: give some of {', '.join(TREES)}")
    return args


def check_inputs(args):
    corpus = args.corpus
    needed = [corpus / "encodings" / "MANIFEST.tsv", corpus / "html" / "MANIFEST.tsv",
              corpus / "bench" / "news_trad.txt"]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        die(f"corpus incomplete or missing at {corpus} (give --corpus or set ZHNORM_CORPUS); "
            f"not found: {', '.join(missing)}")
    if args.baseline and not (os.path.isfile(args.baseline) and os.access(args.baseline, os.X_OK)):
        die(f"--baseline {args.baseline} not found or not executable")
    if not (os.path.isfile(args.zhnorm) and os.access(args.zhnorm, os.X_OK)):
        die(f"zhnorm binary {args.zhnorm} not found or not executable "
            "(cargo build --release, or give --zhnorm PATH)")


def prepare_peers(tools):
    """Make sure each peer can run; returns {peer: reason} for those that cannot."""
    unavailable = {}
    for peer in ("careful", "fast", "uchardet"):
        if peer not in tools:
            continue
        try:
            import opencc  # noqa: F401
            if peer == "careful":
                import charset_normalizer  # noqa: F401
                batch_peers.ensure_ftfy()
            if peer == "uchardet":
                if not batch_peers.find_uchardet():
                    raise RuntimeError("uchardet not installed and could not be installed "
                                       "(apt-get install uchardet, as root)")
                for prog in ("iconv", "xargs", "bash"):
                    if not shutil.which(prog):
                        raise RuntimeError(f"{prog} not found")
                batch_peers.opencc_cli()
        except (ImportError, RuntimeError) as e:
            unavailable[peer] = str(e).splitlines()[0]
    return unavailable


def command(tool, args, tree, out):
    if tool == "baseline-j2":
        return [args.baseline, "-j", "2", str(tree), "-o", str(out)]
    if tool.startswith("zhnorm-j"):
        return [args.zhnorm, "-j", tool[len("zhnorm-j"):], str(tree), "-o", str(out)]
    return [sys.executable, str(HERE / "batch_peers.py"), tool, str(tree), str(out), "-j", str(args.jobs)]


def timed_run(tool, cmd, scratch):
    """Run cmd to completion; returns (wall seconds, CPU seconds).

    Output goes to files (not pipes), as common.run_timed requires."""
    # Write back whatever earlier runs left dirty first: zhnorm fsyncs each
    # output, and on ext4 an fsync can also wait for other files' dirty data,
    # so without this a tool would pay for the one that ran before it.
    os.sync()
    with open(scratch / "stdout", "wb") as out, open(scratch / "stderr", "wb") as err:
        t = run_timed(cmd, stdout=out, stderr=err)
    code = t.status
    # zhnorm exits 1 when some inputs failed but the rest were written.
    allowed = (0, 1) if tool.startswith(("zhnorm", "baseline")) else (0,)
    if code not in allowed:
        tail = (scratch / "stderr").read_text(encoding="utf-8", errors="replace")[-2000:]
        die(f"{tool} failed with status {code}: {' '.join(cmd)}\n{tail}")
    return t.wall, t.cpu


def count_files(folder):
    return sum(len(files) for _, _, files in os.walk(folder))


def measure(args, tools, tree, scratch):
    """Warm-up, then the interleaved rounds; returns {tool: {...figures...}}.

    Outputs stay until every tree is timed. Deleting one run's thousands
    of files just before the next run makes ext4 slow to create files for
    a while (it passes over the inodes freed moments ago): the next tool,
    whichever it is, paid seconds of system time for it on the small
    pages."""
    figures = {t: {"wall": [], "cpu": [], "outputs": None} for t in tools}
    if args.warmup:
        for tool in tools:
            if tool == "careful":
                subprocess.run([sys.executable, "-c", "import charset_normalizer, ftfy, opencc"], check=False)
                continue
            out = scratch / f"warmup-{tool}"
            timed_run(tool, command(tool, args, tree, out), scratch)
    for r in range(args.reps):
        order = list(tools) if r % 2 == 0 else list(reversed(tools))
        for tool in order:
            if tool == "careful" and r >= args.careful_reps:
                continue
            out = scratch / f"out-{tool}-{r}"
            wall, cpu = timed_run(tool, command(tool, args, tree, out), scratch)
            figures[tool]["wall"].append(wall)
            figures[tool]["cpu"].append(cpu)
            figures[tool]["outputs"] = count_files(out)
        print(f"  round {r + 1}/{args.reps}: " + ", ".join(
            f"{t} {figures[t]['wall'][-1]:.2f}s" for t in order if len(figures[t]["wall"]) > r),
            file=sys.stderr)
    return figures


def summarise(figures, unavailable, tree_bytes, inputs, margin, targets=TARGETS):
    """Medians, MB/s, ratios and verdicts; returns (rows, failed)."""
    rows, failed = {}, []
    ref = statistics.median(figures["zhnorm-j2"]["wall"])
    ref_cpu = statistics.median(figures["zhnorm-j2"]["cpu"])
    for tool in TOOLS:
        if tool in unavailable:
            rows[tool] = {"skipped": unavailable[tool]}
            continue
        if tool not in figures:
            continue
        f = figures[tool]
        wall = statistics.median(f["wall"])
        row = {"runs": len(f["wall"]), "wall_s": f["wall"], "median_s": wall,
               "cpu_s": statistics.median(f["cpu"]), "mb_per_s": tree_bytes / 1e6 / wall,
               "outputs": f["outputs"], "inputs": inputs}
        if tool in targets:
            ratio, target = wall / ref, targets[tool]
            if ratio >= target:
                verdict = "met"
            elif ratio >= target * margin:
                verdict = "missed (within margin)"
            else:
                verdict = "FAIL"
                failed.append(tool)
            row.update(ratio=ratio, target=target, verdict=verdict)
            if tool != "zhnorm-j1":  # both runs of one zhnorm do the same work
                row["cpu_ratio"] = row["cpu_s"] / ref_cpu
        rows[tool] = row
    return rows, failed


def print_table(rows, args, inputs, tree_bytes, tree="corpus"):
    source = {"corpus": "eval/batch_tree.py", "small": "eval/small_pages.py, many small pages"}[tree]
    print(f"date:    {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
          f"{platform.system()} {platform.release()}, load {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    print(f"tree:    {inputs} files, {tree_bytes / 1e6:.1f} MB ({source}), "
          f"{tree_bytes / max(inputs, 1) / 1e3:.1f} KB a file")
    print(f"runs:    {args.reps} interleaved rounds (careful in {args.careful_reps}), "
          f"peers with {args.jobs} processes; median wall time of the whole process")
    print()
    head = f"{'tool':<23} {'runs':>4} {'wall s':>8} {'MB/s':>7} {'CPU s':>7} {'outputs':>9}   {'zhnorm -j2 faster':>17} {'target':>7}  {'verdict':<22} {'by CPU':>7}"
    print(head)
    print("-" * len(head))
    for tool in TOOLS:
        row = rows.get(tool)
        if row is None:
            continue
        if "skipped" in row:
            print(f"{LABELS[tool]:<23} skipped: {row['skipped']}")
            continue
        line = (f"{LABELS[tool]:<23} {row['runs']:>4} {row['median_s']:>8.2f} {row['mb_per_s']:>7.1f} "
                f"{row['cpu_s']:>7.2f} {row['outputs']:>4}/{row['inputs']:<4}")
        if "ratio" in row:
            line += f"   {row['ratio']:>16.2f}x {row['target']:>6.1f}x  {row['verdict']:<22}"
            if "cpu_ratio" in row:
                line += f" {row['cpu_ratio']:>6.2f}x"
        else:
            line += f"   {'(reference)':>17}"
        print(line.rstrip())
    print()
    print("'zhnorm -j2 faster' = tool's median wall time / zhnorm -j 2's; on the zhnorm -j 1 row it")
    print(f"is the gain from -j 2 over -j 1. 'missed (within margin)': below target but above target x {args.margin}")
    print("(what --check tolerates). outputs = files written; a peer skips what it cannot decode,")
    print("zhnorm writes (or copies) every input. 'by CPU' = tool's CPU time / zhnorm -j 2's, for")
    print("reference only (steadier than wall time when other work shares the machine).")


def main():
    args = parse_args()
    check_inputs(args)
    tools = [t for t in TOOLS if t not in args.skip]
    unavailable = prepare_peers(tools)
    for peer, why in unavailable.items():
        print(f"batch_speed.py: skipping {peer}: {why}", file=sys.stderr)
    tools = [t for t in tools if t not in unavailable]

    results, failed_all = {}, []
    scratches = []
    for n, tree_name in enumerate(args.trees):
        scratch = pathlib.Path(tempfile.mkdtemp(prefix="zhnorm_batch_speed."))
        scratches.append(scratch)
        try:
            if tree_name == "small":
                rows_built = small_pages.build(args.corpus, scratch / "built")
            else:
                rows_built = build(args.corpus, scratch / "built")
            tree = scratch / "built" / "tree"
            inputs = count_files(tree)
            tree_bytes = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())
            print(f"built the {tree_name} tree: {len(rows_built)} inputs, {tree_bytes / 1e6:.1f} MB; "
                  f"timing {', '.join(tools)}", file=sys.stderr)
            figures = measure(args, tools, tree, scratch)
        except BaseException:
            for s in scratches:
                shutil.rmtree(s, ignore_errors=True)
            raise

        rows, failed = summarise(figures, unavailable, tree_bytes, inputs, args.margin,
                                 TREE_TARGETS[tree_name])
        if n:
            print()
        print_table(rows, args, inputs, tree_bytes, tree_name)
        results[tree_name] = {"tree": {"files": inputs, "bytes": tree_bytes}, "tools": rows,
                              "failed": failed}
        failed_all += [f"{t} ({tree_name})" for t in failed]
    for s in scratches:
        shutil.rmtree(s, ignore_errors=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "cpus": os.cpu_count(),
                       "load_at_end": os.getloadavg(), "zhnorm": args.zhnorm,
                       "reps": args.reps, "careful_reps": args.careful_reps, "jobs": args.jobs,
                       "margin": args.margin, "trees": results, "failed": failed_all}, f, indent=2)
            f.write("\n")
    if args.check and failed_all:
        print(f"batch_speed.py: below target x {args.margin}: {', '.join(failed_all)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
