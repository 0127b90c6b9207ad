#!/usr/bin/env python3
"""Score zhnorm's decoding on a corpus of real files.

Usage: python3 eval/eval_decode.py [--corpus DIR] [--zhnorm BIN] [--check]

DIR defaults to $ZHNORM_CORPUS or ../shared/corpus; BIN to
target/release/zhnorm. zhnorm runs with `-c none --convert-only`, so only
decoding is scored. Truth is computed here, independently of zhnorm:

* encodings/: each file decoded strictly with the codec the manifest calls
  `finest` (Python's codecs; `iconv` for EUC-TW); score = output identical.
* the GB and Big5 files of encodings/ again, each with one corruption made
  here: cut in the middle of its last multi-byte character; one 0xFF byte
  inserted before a character in the middle; one UTF-8 `“` inserted there.
  Right = identical to the truth apart from the damaged spot (which may come
  out as nothing, U+FFFD, or the quote itself).
* mixed/: share of the lines of NAME.truth.txt found in the output.
* html/: pages whose strict decode in their true encoding works must come out
  free of U+FFFD; also counted: identical to that strict decode.

With --check, exits non-zero when a target is missed (each figure is
printed with its target).
"""
import argparse
import codecs
import subprocess
import sys

from common import add_corpus_arg, default_zhnorm


def run_zhnorm(binary, data, extra=()):
    p = subprocess.run([binary, "-c", "none", "--convert-only", "--quiet", *extra],
                       input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def strict_decode(data, codec):
    if codec.startswith("iconv:"):
        p = subprocess.run(["iconv", "-f", codec[6:], "-t", "UTF-8"], input=data,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
        return p.stdout.decode("utf-8")
    if codec in ("gb2312", "gbk"):
        codec = "gb18030"
    text = data.decode(codec)
    return text[1:] if text.startswith("\ufeff") else text


def char_starts(text, codec):
    """Byte offset of each character of `text` in `codec`."""
    enc = "gb18030" if codec in ("gb2312", "gbk") else codec
    offsets, pos = [], 0
    for ch in text:
        offsets.append(pos)
        pos += len(ch.encode(enc))
    return offsets


def convention_table():
    """Characters that Python's codecs and the WHATWG tables (which zhnorm,
    like browsers, follows) assign differently to the same bytes: Python's
    `big5`/`big5hkscs` follow the old Unicode BIG5.TXT, WHATWG follows cp950
    (Big5-2003) there; Python's `shift_jis` follows JIS, WHATWG cp932. Built
    here from Python's own cp950 and cp932 codecs, not from zhnorm."""
    parent = {}

    def root(c):
        while parent.get(c, c) != c:
            c = parent[c]
        return c

    for strict, wide in (("big5", "cp950"), ("big5hkscs", "cp950"), ("shift_jis", "cp932")):
        for lead in range(0x81, 0x100):
            for trail in range(0x40, 0x100):
                b = bytes([lead, trail])
                try:
                    a, c = b.decode(strict), b.decode(wide)
                except UnicodeDecodeError:
                    continue
                if a != c and len(a) == len(c) == 1:
                    ra, rc = root(ord(a)), root(ord(c))
                    if ra != rc:
                        parent[max(ra, rc)] = min(ra, rc)
    # Every member of a class of interchangeable characters maps to one.
    return {c: chr(root(c)) for c in parent}


FOLD = None


def same_modulo_tables(a, b):
    global FOLD
    if FOLD is None:
        FOLD = convention_table()
    return a.translate(FOLD) == b.translate(FOLD)


def spot_ok(out, before, after, allowed):
    if not (out.startswith(before) and out.endswith(after)):
        return False
    middle = out[len(before):len(out) - len(after)] if len(out) >= len(before) + len(after) else None
    return middle is not None and len(middle) <= 3 and all(c in allowed for c in middle)


def eval_encodings(corpus, binary, verbose):
    rows = [l.rstrip("\n").split("\t") for l in open(corpus / "encodings" / "MANIFEST.tsv", encoding="utf-8")][1:]
    same_modulo_tables("", "")
    exact = folded = 0
    corrupt = {"truncated": [0, 0], "stray 0xFF": [0, 0], "UTF-8 quote": [0, 0]}
    for row in rows:
        name, family, finest = row[0], row[1], row[6]
        data = (corpus / "encodings" / name).read_bytes()
        truth = strict_decode(data, finest)
        rc, out, err = run_zhnorm(binary, data)
        if out == truth:
            exact += 1
            folded += 1
        elif same_modulo_tables(out, truth):
            folded += 1
            if verbose:
                print(f"  TABLE CONVENTION ONLY {name} ({finest})")
        elif verbose:
            print(f"  WRONG {name} ({finest}): {err.strip()[:200]}")
        if family not in ("gb18030", "big5"):
            continue
        codec = "gb18030" if family == "gb18030" else finest
        starts = char_starts(truth, codec)
        raw = data
        # The files are plain, BOM-less GB or Big5, so offsets in `truth`
        # map onto `raw` directly.
        wide = [i for i, ch in enumerate(truth) if ord(ch) >= 0x80]
        if not wide:
            continue
        # Cut in the middle of the last multi-byte character.
        last = wide[-1]
        cut = starts[last] + 1
        rc, out, _ = run_zhnorm(binary, raw[:cut])
        out, ref = out.translate(FOLD), truth.translate(FOLD)
        ok = spot_ok(out, ref[:last], "", {"\ufffd"})
        corrupt["truncated"][0] += ok
        corrupt["truncated"][1] += 1
        if verbose and not ok:
            print(f"  TRUNC WRONG {name}")
        mid = min(wide, key=lambda i: abs(i - len(truth) // 2))
        at = starts[mid]
        for kind, insert, allowed in (("stray 0xFF", b"\xff", {"\ufffd"}),
                                      ("UTF-8 quote", "“".encode("utf-8"), {"\ufffd", "“"})):
            rc, out, _ = run_zhnorm(binary, raw[:at] + insert + raw[at:])
            out = out.translate(FOLD)
            ok = spot_ok(out, ref[:mid], ref[mid:], allowed)
            corrupt[kind][0] += ok
            corrupt[kind][1] += 1
            if verbose and not ok:
                print(f"  {kind} WRONG {name}")
    return exact, folded, len(rows), corrupt


def eval_mixed(corpus, binary, verbose):
    same_modulo_tables("", "")
    results = {}
    for binf in sorted((corpus / "mixed").glob("*.bin")):
        name = binf.name[:-4]
        kind = name.rsplit("_", 1)[0]
        truth = (corpus / "mixed" / (name + ".truth.txt")).read_text(encoding="utf-8")
        rc, out, _ = run_zhnorm(binary, binf.read_bytes())
        # Lines count as found modulo the table conventions (see above).
        out_lines = set(out.translate(FOLD).splitlines())
        lines = [l.translate(FOLD) for l in truth.splitlines() if l.strip()]
        found = sum(1 for l in lines if l in out_lines)
        r = results.setdefault(kind, [0, 0])
        r[0] += found
        r[1] += len(lines)
        if verbose and found < len(lines):
            print(f"  {name}: {found}/{len(lines)} lines")
    return results


def eval_html(corpus, binary, verbose):
    rows = [l.rstrip("\n").split("\t") for l in open(corpus / "html" / "MANIFEST.tsv", encoding="utf-8")][1:]
    same_modulo_tables("", "")
    valid = clean = exact = folded = 0
    for row in rows:
        name, codecs_ok = row[0], row[5]
        data = (corpus / "html" / name).read_bytes()
        codec = codecs_ok.split(",")[-1]
        try:
            truth = strict_decode(data, codec)
        except (UnicodeDecodeError, LookupError):
            continue
        valid += 1
        rc, out, _ = run_zhnorm(binary, data)
        if "\ufffd" not in out or "\ufffd" in truth:
            clean += 1
        elif verbose:
            print(f"  U+FFFD in {name}")
        exact += out == truth
        folded += out == truth or same_modulo_tables(out, truth)
    return valid, clean, exact, folded


def main():
    ap = argparse.ArgumentParser()
    add_corpus_arg(ap)
    ap.add_argument("--zhnorm", default=default_zhnorm())
    ap.add_argument("--check", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    corpus = args.corpus
    failures = []

    exact, folded, total, corrupt = eval_encodings(corpus, args.zhnorm, args.verbose)
    share = folded / total
    print(f"encodings/: {exact}/{total} files identical to Python's strict decode; "
          f"{folded}/{total} ({share:.1%}; target 99%) identical once the cp950/cp932 "
          f"table conventions are folded (Python big5/shift_jis vs WHATWG)")
    if share < 0.99:
        failures.append("encodings")
    for kind, (ok, n) in corrupt.items():
        print(f"  corrupted GB/Big5, {kind}: {ok}/{n} right apart from the spot ({ok / n:.1%}; target 98%)")
        if ok / n < 0.98:
            failures.append(f"corrupted {kind}")

    mixed = eval_mixed(corpus, args.zhnorm, args.verbose)
    for kind, (found, n) in sorted(mixed.items()):
        print(f"mixed/{kind}: {found}/{n} lines right ({found / n:.1%}; target 97%)")
        if found / n < 0.97:
            failures.append(f"mixed {kind}")

    valid, clean, exact, folded = eval_html(corpus, args.zhnorm, args.verbose)
    print(f"html/: {clean}/{valid} pages free of U+FFFD (target all); {exact}/{valid} identical to a strict "
          f"decode, {folded}/{valid} once the table conventions are folded")
    if clean < valid:
        failures.append("html")

    if failures:
        print("targets missed: " + ", ".join(failures))
        if args.check:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
