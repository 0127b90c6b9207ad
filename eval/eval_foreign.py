#!/usr/bin/env python3
"""Score zhnorm on non-Chinese pages in legacy encodings.

Usage: python3 eval/eval_foreign.py [--corpus DIR] [--zhnorm BIN]
                                       [--no-peers] [--check] [-v]

DIR defaults to $ZHNORM_CORPUS or ../shared/corpus and must hold
`foreign/MANIFEST.tsv` (file, folder, codec). The truth of every file is
its strict decode with the manifest's Python codec; nothing here asks
zhnorm what the answer is.

Per file, three figures:

* right: zhnorm's output (`-c none --convert-only`, so only decoding acts)
  has the same lines as the truth once both are NFKC-normalised (the way
  the encodings/ evaluation compares; NFKC folds the few code points where
  the WHATWG tables and Python's codecs differ in form only, such as
  full-width forms);
* invented Han: the output holds a Han character the truth does not have
  (European or Cyrillic text read as GBK or Big5);
* cleanup invents no Han either: a run with every cleanup step but no
  conversion (`-c none`) holds no Han character that the NFKC form of the
  truth lacks (mojibake repair must not turn real Latin, Cyrillic, Greek or
  Hebrew text into Han; NFKC because cleanup maps compatibility ideographs
  to their unified forms, as NFKC does);
* for Japanese and Korean files, a default run (`t2s`, every cleanup step)
  keeps every Han character of the truth unchanged, in order.

Python's chardet and charset_normalizer are scored the same way beside it
(their guess decoded with Python's codec, errors replaced) when installed.

With --check, exits 1 when a target is missed: at least 98% of
files right, no file with invented Han, every Japanese and Korean file's Han
characters kept.
"""
import argparse
import collections
import subprocess
import sys
import unicodedata

from common import add_corpus_arg, default_zhnorm


# Japanese and Korean codecs: their files must keep their Han characters.
CJK_CODECS = {"cp932", "shift_jis", "euc_jp", "iso2022_jp", "cp949", "euc_kr", "johab", "iso2022_kr"}


def is_han(c):
    o = ord(c)
    return (0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF
            or 0x20000 <= o <= 0x3FFFF)


def lines(text):
    return unicodedata.normalize("NFKC", text).splitlines()


# Where Python's codec and the WHATWG table that zhnorm (like browsers)
# follows assign different characters to the same bytes, the truth is
# taken in the WHATWG convention, computed here from Python's own codecs:
# ISO-8859-1 and TIS-620 are decoded as their supersets windows-1252 and
# windows-874 (WHATWG maps those labels so), and EUC-JP's JIS X 0208 cells
# as Microsoft's cp932 reads the same cells (〜 as ～, − as －, ...).
SUPERSET = {"latin-1": "cp1252", "latin_1": "cp1252", "iso8859_1": "cp1252", "tis_620": "cp874"}


def jis_fold():
    fold = {}
    for row in range(0x21, 0x7F):
        for cell in range(0x21, 0x7F):
            try:
                a = bytes([row | 0x80, cell | 0x80]).decode("euc_jp")
            except UnicodeDecodeError:
                continue
            # JIS row/cell to Shift_JIS bytes.
            lead = (row + 1) // 2 + (0x70 if row <= 0x5E else 0xB0)
            trail = cell + (0x1F if row % 2 else 0x7E)
            if row % 2 and cell >= 0x60:
                trail += 1
            try:
                b = bytes([lead, trail]).decode("cp932")
            except UnicodeDecodeError:
                continue
            if a != b and len(a) == 1 and len(b) == 1:
                fold[ord(a)] = b
    return fold


JIS_FOLD = None


def strict(data, codec):
    global JIS_FOLD
    text = data.decode(codec)
    wide = SUPERSET.get(codec)
    if wide:
        try:
            text = data.decode(wide)
        except UnicodeDecodeError:
            pass
    if codec == "euc_jp":
        if JIS_FOLD is None:
            JIS_FOLD = jis_fold()
        text = text.translate(JIS_FOLD)
    return text[1:] if text.startswith("\ufeff") else text


def zhnorm(binary, data, *args):
    p = subprocess.run([binary, "-q", *args], input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.stdout.decode("utf-8", "replace")


def score(out, truth):
    # Peers decode Japanese with Python's JIS tables: fold their output the
    # same way as the truth, so only real differences count.
    global JIS_FOLD
    if JIS_FOLD is None:
        JIS_FOLD = jis_fold()
    out = out.translate(JIS_FOLD)
    right = lines(out) == lines(truth)
    truth_han = set(c for c in truth if is_han(c))
    invented = sorted(set(c for c in out if is_han(c) and c not in truth_han))
    return right, invented


def peer_outputs(data):
    outs = {}
    try:
        import chardet
        enc = chardet.detect(data).get("encoding")
        outs["chardet"] = data.decode(enc, "replace") if enc else ""
    except ImportError:
        pass
    except LookupError:
        outs["chardet"] = ""
    try:
        import charset_normalizer
        best = charset_normalizer.from_bytes(data).best()
        outs["charset_normalizer"] = str(best) if best is not None else ""
    except ImportError:
        pass
    for k, v in list(outs.items()):
        if v.startswith("\ufeff"):
            outs[k] = v[1:]
    return outs


def main():
    ap = argparse.ArgumentParser()
    add_corpus_arg(ap)
    ap.add_argument("--zhnorm", default=default_zhnorm())
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    folder = args.corpus / "foreign"
    rows = [l.rstrip("\n").split("\t") for l in open(folder / "MANIFEST.tsv", encoding="utf-8")][1:]

    tools = ["zhnorm"]
    per = collections.defaultdict(lambda: collections.defaultdict(lambda: [0, 0, 0]))
    total = collections.defaultdict(lambda: [0, 0, 0])
    cjk_files = cjk_kept = 0
    cleanup_invented = 0
    for name, group, codec, *_ in rows:
        data = (folder / name).read_bytes()
        truth = strict(data, codec)
        outs = {"zhnorm": zhnorm(args.zhnorm, data, "-c", "none", "--convert-only")}
        if not args.no_peers:
            outs.update(peer_outputs(data))
        for tool, out in outs.items():
            if tool not in tools:
                tools.append(tool)
            right, invented = score(out, truth)
            for bucket in (per[group][tool], total[tool]):
                bucket[0] += right
                bucket[1] += bool(invented)
                bucket[2] += 1
            if args.verbose and tool == "zhnorm" and (not right or invented):
                detected = subprocess.run([args.zhnorm, "detect", "-"], input=data,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                first = detected.stdout.decode("utf-8", "replace").splitlines()[:1]
                print(f"  WRONG {name} ({codec}): {first[0] if first else '?'}"
                      + (f"; invented Han {''.join(invented[:10])}" if invented else ""))
        cleaned = zhnorm(args.zhnorm, data, "-c", "none")
        truth_han = set(c for c in unicodedata.normalize("NFKC", truth) if is_han(c))
        extra = sorted(set(c for c in cleaned if is_han(c) and c not in truth_han))
        if extra:
            cleanup_invented += 1
            if args.verbose:
                print(f"  CLEANUP INVENTED HAN {name}: {''.join(extra[:10])}")
        if codec in CJK_CODECS:
            cjk_files += 1
            out = zhnorm(args.zhnorm, data)
            want = [c for c in unicodedata.normalize("NFKC", truth) if is_han(c)]
            got = [c for c in unicodedata.normalize("NFKC", out) if is_han(c)]
            kept = want == got
            cjk_kept += kept
            if args.verbose and not kept:
                changed = [(a, b) for a, b in zip(want, got) if a != b][:5]
                print(f"  HAN CHANGED by a default run: {name}: {changed or (len(want), len(got))}")

    width = max(len(g) for g in per) + 2
    print(f"{'folder':<{width}}" + "".join(f"{t + ' right/invented':>32}" for t in tools))
    for group in sorted(per):
        cells = []
        for t in tools:
            r, inv, n = per[group][t]
            cells.append(f"{r:>3}/{n:<3} {inv:>3} inv".rjust(32))
        print(f"{group:<{width}}" + "".join(cells))
    print()
    for t in tools:
        r, inv, n = total[t]
        print(f"{t}: {r}/{n} files right ({r / n:.1%}), {inv} with invented Han")
    print(f"zhnorm with every cleanup step (-c none): {cleanup_invented} files with invented Han")
    print(f"zhnorm default run (t2s) on Japanese and Korean files: {cjk_kept}/{cjk_files} keep every Han character")

    r, inv, n = total["zhnorm"]
    failures = []
    if r < 0.98 * n:
        failures.append(f"right {r}/{n} < 98%")
    if inv:
        failures.append(f"{inv} files with invented Han")
    if cleanup_invented:
        failures.append(f"{cleanup_invented} files with Han invented by cleanup")
    if cjk_kept < cjk_files:
        failures.append(f"{cjk_files - cjk_kept} Japanese/Korean files had Han converted")
    if failures:
        print("targets missed: " + "; ".join(failures))
        return 1 if args.check else 0
    print("targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
