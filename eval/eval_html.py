#!/usr/bin/env python3
"""End-to-end figures for HTML pages from the corpus (never copied here).

For every page in html/ of the corpus (MANIFEST.tsv gives its true
encoding), the reference text is built independently of zhnorm: the page
decoded strictly in its true encoding, its text nodes taken with Python's
html.parser (script, style, noscript, template dropped), converted with
the OpenCC 1.4.2 library (t2s). Then zhnorm runs on the raw bytes twice:

* `--html text`: recall = share of the reference's Han characters, taken
  text node by text node, found in order in the output (Han characters
  only, so the tidy step's full-width punctuation does not count against
  it); U+FFFD in the output where the page had none is counted.
* `--html keep` (the default): the start tags of the output must be those
  of the page, in order; the text recall is measured on the output's own
  text nodes the same way; script and style contents must come out
  byte-identical.

    python3 eval/eval_html.py [--zhnorm PATH] [--corpus DIR] [--check]

Each output is also run through zhnorm again (keep output as a page, text
output as text), which must change nothing.

`--check` exits 1 if any page fails, recall falls under 99% in either mode,
any page gains a U+FFFD, the markup or scripts of any page change, or a
second run changes an output.
"""
import argparse
import csv
import re
import subprocess
import sys
from html.parser import HTMLParser

import opencc

from common import add_corpus_arg, default_zhnorm

HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]+")
SKIP = {"script", "style", "noscript", "template"}
# What keep mode must leave byte-identical. <noscript> is readable text that
# keep mode cleans like any other, so it is not code.
CODE = {"script", "style"}


class Parts(HTMLParser):
    """Text nodes outside SKIP elements, start tags, and raw script/style."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.tags, self.code = [], [], []
        self.skip = 0
        self.stack = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in SKIP:
            self.skip += 1
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
            self.skip -= 1

    def unknown_decl(self, data):
        # A CDATA section (feeds put HTML in them): its content is markup
        # to be read in turn, one level deep.
        if data.startswith("CDATA[") and not self.skip:
            inner = Parts()
            inner.feed(data[len("CDATA["):])
            inner.close()
            self.text.extend(inner.text)

    def handle_data(self, data):
        if not self.skip:
            self.text.append(data)
        elif self.stack[-1] in CODE:
            self.code.append(data)


def parts(html):
    p = Parts()
    p.feed(html)
    p.close()
    return p


def han_recall(reference_nodes, output):
    """Share of the reference's Han characters found, node by node, in
    order in the output's Han characters."""
    out = "".join(HAN.findall(output))
    total = found = 0
    at = 0
    for node in reference_nodes:
        for run in HAN.findall(node):
            total += len(run)
            i = out.find(run, at)
            if i < 0:
                i = out.find(run)
            if i >= 0:
                found += len(run)
                at = i + len(run)
    return found, total


def zhnorm(exe, path, *args):
    p = subprocess.run([exe, "-q", *args, path], capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", errors="replace"), p.stderr.decode(errors="replace")


def second_run(exe, text, *args):
    """zhnorm over its own output, from standard input."""
    p = subprocess.run([exe, "-q", *args], input=text.encode("utf-8"), capture_output=True)
    return p.stdout.decode("utf-8", errors="replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zhnorm", default=default_zhnorm())
    add_corpus_arg(ap)
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    pages = args.corpus / "html"
    t2s = opencc.OpenCC("t2s.json")
    rows = list(csv.DictReader(open(pages / "MANIFEST.tsv", encoding="utf-8"), delimiter="\t"))
    failures, fffd, markup_changed, code_changed, not_idempotent = [], [], [], [], []
    totals = {"text": [0, 0], "keep": [0, 0]}
    for row in rows:
        path = pages / row["file"]
        raw = open(path, "rb").read()
        # The first codec that decodes the page strictly, widest family
        # member last (gb18030, big5hkscs), as the manifest lists them.
        page = None
        for codec in row["strict_codecs_that_decode"].split(","):
            try:
                page = raw.decode(codec)
                break
            except (UnicodeDecodeError, LookupError):
                continue
        if page is None:
            continue
        ref = parts(page)
        ref_text = [t2s.convert(t) for t in ref.text]
        had_fffd = "\ufffd" in page
        for mode in ("text", "keep"):
            code, out, err = zhnorm(args.zhnorm, path, "--html", mode)
            if code != 0:
                failures.append(f"{row['file']} ({mode}): {err.strip()}")
                continue
            if "\ufffd" in out and not had_fffd:
                fffd.append(f"{row['file']} ({mode})")
            # Keep output is a page again; text output is plain text.
            again = second_run(args.zhnorm, out, *(["--html", "keep"] if mode == "keep" else ["--format", "text"]))
            if again != out:
                not_idempotent.append(f"{row['file']} ({mode})")
            if mode == "text":
                f, t = han_recall(ref_text, out)
            else:
                got = parts(out)
                f, t = han_recall(ref_text, "".join(got.text))
                if got.tags != ref.tags:
                    markup_changed.append(row["file"])
                if got.code != ref.code:
                    code_changed.append(row["file"])
            totals[mode][0] += f
            totals[mode][1] += t
    ok = not failures and not fffd and not markup_changed and not code_changed and not not_idempotent
    print(f"pages: {len(rows)}; failed runs: {len(failures)}; new U+FFFD: {len(fffd)}")
    for mode, (f, t) in totals.items():
        share = f / t if t else 1.0
        ok = ok and share >= 0.99
        print(f"--html {mode}: Han-character recall {f}/{t} = {share:.2%}")
    print(f"keep: pages whose start tags changed: {len(markup_changed)}; "
          f"whose script/style text changed: {len(code_changed)}")
    print(f"runs whose output changes when zhnorm runs on it again: {len(not_idempotent)}")
    for line in (failures + fffd + markup_changed[:5] + code_changed[:5] + not_idempotent[:5])[:20]:
        print("  ", line)
    if args.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
