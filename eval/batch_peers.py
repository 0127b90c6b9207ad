#!/usr/bin/env python3
"""The peer pipelines zhnorm's batch mode is timed against.

Each peer does what zhnorm does to a tree of scraped files (find out the
encoding, decode, clean, convert to Simplified, write UTF-8) the way a
competent user would put it together from ordinary parts:

careful   charset_normalizer picks the encoding
          (`from_bytes(data).best()`), ftfy.fix_text repairs what it can,
          the OpenCC 1.4.2 Python library converts t2s. One converter per
          worker process; files are written with ordinary text I/O.
fast      trial decodes, first that works wins: utf-8, gb18030, big5; then
          html.unescape and the OpenCC library's t2s. Quick, and often wrong:
          almost any Big5 file also decodes as GB18030.
uchardet  a shell pipeline per file, run under `xargs -P J`:
          `uchardet FILE` names the encoding, then
          `iconv -f ENC -t UTF-8 FILE | opencc -c .../t2s.json > OUT`,
          with the OpenCC command-line tool from the opencc wheel.

careful and fast spread the files over a multiprocessing.Pool of J workers.

Usage: python3 eval/batch_peers.py careful|fast|uchardet IN_DIR OUT_DIR [-j 2]

OUT_DIR gets IN_DIR's relative paths, one UTF-8 output per input. A file a
peer cannot decode (charset_normalizer finds nothing, every trial codec
fails, uchardet says "unknown" or iconv stops on a bad byte) is named on
standard error and gets no output. The last line on standard output counts
inputs, outputs and skipped files. Exit status: 0 when the run finished
(skipped files included), 2 when the peer cannot run at all (a library or
tool is missing).

eval/batch_speed.py imports this module: `run(peer, in_dir, out_dir, jobs)`
runs a peer in-process, and ensure_ftfy(), find_uchardet() and opencc_cli()
prepare the tools before anything is timed.
"""
import argparse
import html
import importlib
import os
import shutil
import subprocess
import sys

PEERS = ("careful", "fast", "uchardet")


# --- tools --------------------------------------------------------------------

def ensure_ftfy():
    """Import ftfy, installing it with pip first if it is missing."""
    try:
        import ftfy  # noqa: F401
        return
    except ImportError:
        pass
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "ftfy"]
    p = subprocess.run(pip, capture_output=True, text=True)
    if p.returncode != 0 and "externally-managed" in (p.stdout + p.stderr):
        # PEP 668: a distribution's Python refuses plain pip installs.
        p = subprocess.run(pip + ["--break-system-packages"], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("could not install ftfy with pip:\n" + p.stderr.strip())
    importlib.invalidate_caches()
    import ftfy  # noqa: F401,F811


def find_uchardet(install=True):
    """Path of the uchardet program, or None.

    When it is missing and we are root, try `apt-get install -y uchardet`
    (after an `apt-get update` if the first attempt fails)."""
    found = shutil.which("uchardet")
    if found or not install or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(["apt-get", "install", "-y", "uchardet"], env=env, **quiet).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, **quiet)
        subprocess.run(["apt-get", "install", "-y", "uchardet"], env=env, **quiet)
    return shutil.which("uchardet")


def opencc_cli():
    """(program, t2s config) of the OpenCC command-line tool in the opencc wheel."""
    import opencc
    base = os.path.join(os.path.dirname(opencc.__file__), "clib")
    program = os.path.join(base, "bin", "opencc")
    config = os.path.join(base, "share", "opencc", "t2s.json")
    if not (os.access(program, os.X_OK) and os.path.isfile(config)):
        raise RuntimeError(f"OpenCC command-line tool not found under {base} "
                           "(pip install opencc==1.4.2)")
    return program, config


# --- the tree -----------------------------------------------------------------

def list_files(in_dir):
    """Relative paths of every file below in_dir, in a stable order."""
    found = []
    for root, dirs, files in os.walk(in_dir):
        dirs.sort()
        for name in sorted(files):
            found.append(os.path.relpath(os.path.join(root, name), in_dir))
    return found


def make_dirs(rels, out_dir):
    for d in sorted({os.path.dirname(r) for r in rels}):
        os.makedirs(os.path.join(out_dir, d), exist_ok=True)


# --- careful: charset_normalizer + ftfy + OpenCC --------------------------------

_converter = None  # one OpenCC converter per worker process


def _start_worker():
    global _converter
    import opencc
    _converter = opencc.OpenCC("t2s")


def careful_text(data, converter):
    """Decoded, repaired and converted text of data, or None if undecodable."""
    import charset_normalizer
    import ftfy
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None
    return converter.convert(ftfy.fix_text(str(best)))


def fast_text(data, converter):
    """Text of data after trial decodes, entity decoding and t2s, or None."""
    for codec in ("utf-8", "gb18030", "big5"):
        try:
            text = data.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    return converter.convert(html.unescape(text))


def _one_file(task):
    """Worker: convert one file. Returns (rel, None) or (rel, why it was skipped)."""
    peer, src, dst, rel = task
    with open(src, "rb") as f:
        data = f.read()
    text = (careful_text if peer == "careful" else fast_text)(data, _converter)
    if text is None:
        return rel, "no encoding found" if peer == "careful" else "no trial codec decodes it"
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text)
    return rel, None


def run_pool(peer, in_dir, out_dir, jobs):
    """Run careful or fast over the tree; returns (inputs, skipped rels)."""
    if peer == "careful":
        ensure_ftfy()
        import charset_normalizer  # noqa: F401  (loaded once, shared by fork)
    import multiprocessing
    rels = list_files(in_dir)
    make_dirs(rels, out_dir)
    tasks = [(peer, os.path.join(in_dir, r), os.path.join(out_dir, r), r) for r in rels]
    skipped = []
    with multiprocessing.Pool(jobs, initializer=_start_worker) as pool:
        # Files differ a lot in size, so hand them out one at a time.
        for rel, why in pool.imap_unordered(_one_file, tasks):
            if why:
                print(f"{peer}: skipped {rel}: {why}", file=sys.stderr)
                skipped.append(rel)
    return len(rels), skipped


# --- uchardet + iconv + opencc CLI under xargs ---------------------------------

# One bash per file (pipefail, so an iconv error is not hidden by the pipe).
# $1 is the relative path; IN, OUT, OPENCC and CONFIG come from the
# environment. A skipped file is announced on stdout as "SKIP<TAB>rel<TAB>why".
PER_FILE = r'''
set -o pipefail
enc=$(uchardet "$IN/$1")
if [ -z "$enc" ] || [ "$enc" = unknown ]; then
    printf 'SKIP\t%s\tuchardet: %s\n' "$1" "${enc:-no answer}"
    exit 0
fi
if ! iconv -f "$enc" -t UTF-8 "$IN/$1" | "$OPENCC" -c "$CONFIG" > "$OUT/$1"; then
    rm -f "$OUT/$1"
    printf 'SKIP\t%s\ticonv or opencc failed (encoding %s)\n' "$1" "$enc"
fi
'''


def run_uchardet(in_dir, out_dir, jobs):
    """Run the shell peer over the tree; returns (inputs, skipped rels)."""
    if not find_uchardet():
        raise RuntimeError("uchardet not found (apt-get install uchardet)")
    program, config = opencc_cli()
    rels = list_files(in_dir)
    make_dirs(rels, out_dir)
    env = dict(os.environ, IN=in_dir, OUT=out_dir, OPENCC=program, CONFIG=config)
    p = subprocess.run(
        ["xargs", "-0", "-n", "1", "-P", str(jobs), "bash", "-c", PER_FILE, "per-file"],
        input="".join(r + "\0" for r in rels).encode(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    sys.stderr.write(p.stderr.decode("utf-8", "replace"))
    skipped = []
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("SKIP\t"):
            _, rel, why = line.split("\t", 2)
            print(f"uchardet: skipped {rel}: {why}", file=sys.stderr)
            skipped.append(rel)
    if p.returncode != 0:
        raise RuntimeError(f"xargs exited with status {p.returncode}")
    return len(rels), skipped


def run(peer, in_dir, out_dir, jobs=2):
    """Run one peer over in_dir into out_dir; returns (inputs, skipped rels)."""
    in_dir, out_dir = os.path.abspath(in_dir), os.path.abspath(out_dir)
    if peer == "uchardet":
        return run_uchardet(in_dir, out_dir, jobs)
    if peer in ("careful", "fast"):
        return run_pool(peer, in_dir, out_dir, jobs)
    raise ValueError(f"unknown peer {peer!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("peer", choices=PEERS)
    ap.add_argument("in_dir")
    ap.add_argument("out_dir")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    args = ap.parse_args()
    if not os.path.isdir(args.in_dir):
        sys.exit(f"batch_peers.py: {args.in_dir} is not a directory")
    try:
        inputs, skipped = run(args.peer, args.in_dir, args.out_dir, args.jobs)
    except (RuntimeError, ImportError) as e:
        print(f"batch_peers.py: {args.peer}: {e}", file=sys.stderr)
        sys.exit(2)
    print(f"{args.peer}: {inputs} inputs, {inputs - len(skipped)} written, {len(skipped)} skipped")


if __name__ == "__main__":
    main()
