#!/usr/bin/env python3
"""Score pinyin-annotation removal on the corpus's real snippets.

Reads pinyin/real_snippets.txt of the corpus (never copied into the repo),
runs zhnorm over it twice -- the whole file as one document, and each block
as a document of its own -- and counts, for the artefact blocks, annotations
left (a Han character directly followed by one bracketed pinyin syllable)
against annotations in the input, and for the look-alike blocks (`FP-*`)
whether any byte changed. Conversion is off (`-c none`) so the comparison
is on the text as it came; the other cleanup steps stay on, as a user
would run them, and their changes are counted separately as non-pinyin
edits so they do not hide a wrong removal.

    python3 eval/eval_pinyin.py [--zhnorm PATH] [--corpus DIR] [--check]

`--check` exits 1 unless at least 99% of annotations go and no look-alike
changes.
"""
import argparse
import re
import subprocess
import sys

from common import add_corpus_arg, default_zhnorm

SYLLABLE = "a-züāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜêḿńňǹ"
ANNOTATION = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]\([" + SYLLABLE + r"]{1,6}\)")
# Repeats such as 黨(dang)(dang) count as annotations too.
REPEAT = re.compile(r"\)\([" + SYLLABLE + r"]{1,6}\)")


def annotations(text):
    return len(ANNOTATION.findall(text)) + len(REPEAT.findall(text))


def blocks(text):
    """(header, body) for every `### ` block; a look-alike block's text may
    sit on its header line, after the second `|`."""
    out = []
    for part in re.split(r"(?m)^### ", text)[1:]:
        header, _, body = part.partition("\n")
        if header.startswith("FP-"):
            body = header.split("|", 2)[-1].strip() + "\n" + body
        out.append((header, body))
    return out


def run(zhnorm, text):
    p = subprocess.run([zhnorm, "-c", "none", "-q"], input=text.encode(), capture_output=True)
    if p.returncode != 0:
        sys.exit(f"zhnorm failed: {p.stderr.decode(errors='replace')}")
    return p.stdout.decode()


def strip_annotations(text):
    return REPEAT.sub(")", ANNOTATION.sub(lambda m: m.group(0)[0], text)).replace("))", ")")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zhnorm", default=default_zhnorm())
    add_corpus_arg(ap)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    snippets = args.corpus / "pinyin" / "real_snippets.txt"
    if not snippets.exists():
        sys.exit(f"no corpus at {snippets}")
    text = open(snippets, encoding="utf-8").read()
    bs = blocks(text)
    ok = True
    for mode in ("whole file", "block by block"):
        if mode == "whole file":
            outs = run(args.zhnorm, text)
            # Split the output back at the same headers.
            got = [b for _, b in blocks(outs)]
            if len(got) != len(bs):
                got = None
            if got is None:
                sys.exit("block headers did not survive")
        else:
            got = [run(args.zhnorm, b) for _, b in bs]
        before = after = 0
        fp_changed = []
        for (header, body), out in zip(bs, got):
            if header.startswith("FP-"):
                if out != body:
                    fp_changed.append(header.split("|")[0].strip())
                continue
            before += annotations(body)
            after += annotations(out)
        removed = before - after
        share = removed / before if before else 1.0
        print(f"{mode}: annotations {before}, removed {removed} ({share:.2%}), "
              f"left {after}; look-alike blocks changed: {len(fp_changed)} {fp_changed}")
        if share < 0.99 or fp_changed:
            ok = False
    if args.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
