#!/usr/bin/env python3
"""CPU cost per megabyte of zhnorm on pathological inputs, as a ratio to
ordinary news text.

The target is that no input costs more than 5x ordinary text per MB. This
script builds each input (in a temporary directory, never in the repo),
runs the binary over it with the default settings (t2s, every cleanup
step), and prints the user+system CPU seconds per MB and the ratio to the
reference. Inputs that are not text (random bytes) may be refused as
binary; that is timed too, since refusing must be cheap as well.

    cargo build --release
    python3 eval/cost_per_mb.py                     # ./target/release/zhnorm
    python3 eval/cost_per_mb.py --bin /path/zhnorm --size 2
    python3 eval/cost_per_mb.py --only kun,latin1   # names contain these
    python3 eval/cost_per_mb.py --keep /tmp/inputs  # keep the inputs

The reference is bench/news_trad.txt of the corpus (--corpus) when present
(the first --size MB of it), else generated Traditional text. Each run is
repeated --repeat times and the fastest kept, so that a busy machine
inflates the figures as little as possible. Exit status 1 if any ratio is
above --limit or a run exits with anything but 0 or 1 (a crash is fast,
and must not pass for a good figure).
"""

import argparse
import gzip
import os
import random
import sys
import tempfile
import time

from common import add_corpus_arg, default_zhnorm, run_timed

# Common Traditional characters, for a generated reference and for inputs
# built out of Chinese text.
HAN = (
    "的一是不了人我在有他這中大來上國個到說們為子和你地出道也時年得就那要下以生會自著去之過家學對可她裡後小麼心多天而能好都然沒日於起還發成事只作當想看文無開手十用主行方又如前所本見經頭面公同三已老從動兩長"
)


def lines_of(text_len, seed=1):
    """Generated Chinese prose in lines of 20-80 characters."""
    rng = random.Random(seed)
    out, n = [], 0
    while n < text_len:
        k = rng.randint(20, 80)
        line = "".join(rng.choice(HAN) for _ in range(k)) + "。\n"
        out.append(line)
        n += len(line.encode())
    return "".join(out)


def repeat_to(unit, size):
    """`unit` (bytes) repeated to at least `size` bytes."""
    return unit * (size // len(unit) + 1)


def inputs(size, seed):
    """(name, bytes, note) for every pathological input."""
    rng = random.Random(seed)
    gbk_kun = "锟斤拷".encode("utf-8")
    mixed = bytearray()
    while len(mixed) < size:
        # A few bytes of GBK, a few of UTF-8, alternating.
        word = "".join(rng.choice(HAN) for _ in range(rng.randint(1, 3)))
        mixed += word.encode("gbk" if rng.random() < 0.5 else "utf-8", "replace")
    noise16 = bytearray()
    while len(noise16) < size:
        # UTF-16LE Chinese with stray bytes and no BOM.
        noise16 += "".join(rng.choice(HAN) for _ in range(40)).encode("utf-16-le")
        noise16 += bytes(rng.randrange(256) for _ in range(rng.randint(0, 3)))
    pinyin = "經(jīng)濟(jì)".encode()
    gz_kun = gzip.compress(repeat_to(gbk_kun, size)[:size], 9)
    yield "kun-run", repeat_to(gbk_kun, size), "锟斤拷 repeated, one line"
    yield "kun-lines", repeat_to(("锟斤拷" * 30 + "\n").encode(), size), "锟斤拷 in lines"
    yield "random-high", bytes(rng.randrange(0x80, 0x100) for _ in range(size)), "random bytes 0x80-0xFF"
    yield "random-high-lines", bytes(
        (rng.randrange(0x80, 0x100) if rng.random() > 0.01 else 0x0A) for _ in range(size)
    ), "random high bytes, ~100-byte lines"
    yield "one-char", repeat_to("國".encode(), size), "one CJK character, one line"
    yield "amp-chain", b"&" + repeat_to(b"amp;", size), "&amp;amp;amp;..."
    yield "amp-hash", repeat_to(b"&#", size), "&# flood"
    yield "lt-flood", repeat_to(b"<", size), "millions of <"
    yield "pinyin-chain", repeat_to(pinyin, size), "經(jīng)濟(jì) chain, one line"
    yield "fffd-run", repeat_to("\ufffd".encode(), size), "U+FFFD run"
    yield "c1-run", repeat_to("\u0085\u0091\u0099".encode(), size), "C1 controls (UTF-8)"
    yield "gbk-utf8-mix", bytes(mixed), "GBK and UTF-8 alternating"
    yield "utf16-noise", bytes(noise16), "UTF-16LE without BOM, noisy"
    yield "latin1-byte", repeat_to(b"\xe9", size), "one Latin-1 byte repeated"
    yield "mojibake-latin", repeat_to("測試中文".encode().decode("latin-1").encode(), size), "UTF-8 read as Latin-1, one line"
    yield "mojibake-gbk", repeat_to("测试中文一下".encode().decode("gbk", "replace").encode(), size), "UTF-8 read as GBK, one line"
    yield "kun-gz", gz_kun, "锟斤拷 run, gzip (%d bytes compressed)" % len(gz_kun)


def cpu_of(cmd, stdin_path, repeat):
    """Fastest user+sys CPU seconds of `cmd` over `repeat` runs, and the
    exit status of the last run."""
    best, code = None, 0
    for _ in range(repeat):
        with open(stdin_path, "rb") as f:
            t = run_timed(cmd, stdin=f)
        code = t.status
        best = t.cpu if best is None else min(best, t.cpu)
    return best, code


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=default_zhnorm())
    add_corpus_arg(ap)
    ap.add_argument("--size", type=float, default=1.0, help="MB per input (default 1)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--limit", type=float, default=5.0)
    ap.add_argument("--only", default="", help="comma-separated name fragments")
    ap.add_argument("--jobs", default="1", help="value for -j (default 1)")
    ap.add_argument(
        "--keep",
        metavar="DIR",
        help="also write each input to DIR (created if need be), so that two "
        "binaries' outputs can be compared on exactly what was timed",
    )
    args = ap.parse_args()
    if not os.path.exists(args.bin):
        sys.exit("no binary at %s (cargo build --release, or --bin)" % args.bin)
    size = int(args.size * 1_000_000)
    only = [s for s in args.only.split(",") if s]
    with tempfile.TemporaryDirectory(prefix="zhnorm-cost-") as tmp:
        news = args.corpus / "bench" / "news_trad.txt"
        if news.exists():
            with open(news, "rb") as f:
                ref = f.read(size)
            # Whole characters and lines only.
            ref = ref[: ref.rfind(b"\n") + 1] or ref
            ref_note = "news_trad.txt, first %d bytes" % len(ref)
        else:
            ref = lines_of(size).encode()
            ref_note = "generated Traditional prose"
        cases = [("news (reference)", ref, ref_note)]
        cases += [c for c in inputs(size, args.seed) if not only or any(o in c[0] for o in only)]
        rows, failed = [], []
        for name, data, note in cases:
            suffix = ".gz" if name.endswith("-gz") else ".txt"
            path = os.path.join(tmp, name.split()[0] + suffix)
            with open(path, "wb") as f:
                f.write(data)
            if args.keep:
                os.makedirs(args.keep, exist_ok=True)
                with open(os.path.join(args.keep, os.path.basename(path)), "wb") as f:
                    f.write(data)
            # A file argument, so that decompression and splitting are
            # what a batch run would do.
            out = os.path.join(tmp, "out")
            cmd = [args.bin, "-j", args.jobs, "-q", "-o", out + "/", path]
            t0 = time.time()
            cpu, code = cpu_of(cmd, os.devnull, args.repeat)
            wall = time.time() - t0
            # Per MB of input as given; for the .gz the decompressed size
            # is what costs, so that is what it is measured per.
            mb = (size if name.endswith("-gz") else len(data)) / 1e6
            if code not in (0, 1):
                # A crash is fast, and no answer: say so.
                note = "EXIT %d! %s" % (code, note)
                failed.append(name)
            rows.append((name, note, mb, cpu, cpu / mb, wall / args.repeat))
        ref_per_mb = rows[0][4]
        worst = 0.0
        print("%-20s %7s %8s %9s %7s  %s" % ("input", "MB", "cpu s", "s/MB", "ratio", "what"))
        for name, note, mb, cpu, per_mb, wall in rows:
            ratio = per_mb / ref_per_mb if ref_per_mb else float("inf")
            if not name.startswith("news"):
                worst = max(worst, ratio)
            print("%-20s %7.2f %8.3f %9.4f %7.2f  %s" % (name, mb, cpu, per_mb, ratio, note))
        print("worst ratio %.2f (limit %.1f)" % (worst, args.limit))
        if failed:
            print("exited abnormally: %s" % ", ".join(failed))
        sys.exit(1 if worst > args.limit or failed else 0)


if __name__ == "__main__":
    main()
