"""What the evaluation harnesses in this folder share.

Every script here measures zhnorm on the shared corpus, which lives outside
the repository and is never copied into it. They find it, and the binary
they measure, the same way, and time runs the same way:

* `--corpus DIR`: default $ZHNORM_CORPUS, else `../shared/corpus` beside
  the repository (`add_corpus_arg`);
* the binary: default `target/release/zhnorm` (the profile `cargo install`
  uses, so the figures are those of the installed binary), or the release
  binary under $CARGO_TARGET_DIR when that is where it was built
  (`default_zhnorm`);
* `run_timed`: wall time and the CPU time (user + system) of one run. On a
  shared machine CPU time moves far less with other load than wall time, so
  the scripts compare CPU times taken side by side.
"""
import os
import pathlib
import subprocess
import time
from typing import NamedTuple

REPO = pathlib.Path(__file__).resolve().parent.parent

DEFAULT_CORPUS = pathlib.Path(os.environ.get("ZHNORM_CORPUS") or REPO.parent / "shared" / "corpus")


def add_corpus_arg(ap):
    """Adds the one `--corpus DIR` option (a pathlib.Path) to argparse parser `ap`."""
    ap.add_argument("--corpus", type=pathlib.Path, default=DEFAULT_CORPUS,
                    help="the shared corpus (default $ZHNORM_CORPUS or ../shared/corpus "
                         f"beside the repository: {DEFAULT_CORPUS})")


def default_zhnorm():
    """The release binary: target/release/zhnorm, or under $CARGO_TARGET_DIR
    when only that one exists."""
    local = REPO / "target" / "release" / "zhnorm"
    target = os.environ.get("CARGO_TARGET_DIR")
    if not local.exists() and target:
        return str(pathlib.Path(target) / "release" / "zhnorm")
    return str(local)


class Timing(NamedTuple):
    """One run: wall seconds, CPU seconds (user + system, the child's and
    its own waited-for children's) and the exit status."""
    wall: float
    cpu: float
    status: int


def run_timed(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
    """Runs `cmd` to completion and times it.

    The child is reaped with wait4, whose resource usage is exactly that
    child's (a getrusage difference would also count any other child that
    ended meanwhile). `stdin`, `stdout` and `stderr` are as for Popen, but
    files or DEVNULL only: nothing reads a pipe while the child runs."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=stderr)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    # Reaped here, so Popen must not try again.
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    return Timing(wall, usage.ru_utime + usage.ru_stime, code)
