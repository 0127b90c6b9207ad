#!/usr/bin/env python3
"""Correctness figures of zhnorm's batch mode on the corpus tree.

    python3 eval/eval_batch.py [--zhnorm PATH] [--corpus DIR] [--check]
                                  [--json FILE] [--peers] [--keep DIR] [-v]

The tree and the true text of every input come from `batch_tree.build`
(encodings/, html/ and the news text cut into Big5/GB18030/UTF-8 files,
some with CRLF). zhnorm runs on it as a batch, `-q -j 2 TREE -o OUT`, with
its default options, and four things are measured:

1. Right text. For each input with a true text, the reference is the
   OpenCC 1.4.2 Python library's t2s of that text, computed here, under
   docs/decoding.md's rule that only Chinese is converted (class ChineseOnly:
   Japanese and Korean documents, and lines quoting them, stay as they
   are; written here from the docs, not taken from zhnorm). zhnorm
   does more than decode and convert (entities, punctuation and width,
   NBSP, invisible characters, NFC, radicals, pinyin spam, the charset
   declaration), so bytes are not compared. Two comparisons are made
   instead, and an output is WRONG when either fails:

   * Han: the sequence of Han characters (CJK unified ideographs with all
     extensions, and the compatibility ideographs) of the output against
     that of the reference. Character references are decoded all the way
     on both sides before t2s (zhnorm's entity step runs on every input and
     undoes double escapes). A true text that looks like a page or feed
     (this script's own sniff) is read with html.parser on both sides, and
     what zhnorm documents as left alone stays unconverted in the
     reference: script and style contents, comments, attribute names, and
     attribute values other than the readable ones (title, alt,
     placeholder, aria-label, label, and the content of description,
     keyword and Open Graph meta tags). Text nodes are converted one by
     one, CDATA sections of feeds as text. Kangxi radicals (U+2F00 block)
     count as the ideograph they stand for, as zhnorm writes them so. Any
     decoding or conversion error that touches a Han character shows here.
   * Text: everything that is not Han, so that errors in kana, Hangul,
     Latin letters, or an input left undecoded (UTF-16 of ASCII has no Han
     characters) are not missed. Both sides are normalised the same way,
     undoing only what zhnorm is documented to change: references decoded
     all the way, single-quoted attribute values double-quoted (lol_html
     writes a rewritten attribute so), the charset value of a meta or XML
     declaration blanked, NFKC (full-width letters, digits and punctuation,
     NBSP, ideographic space), pinyin annotations after a Han character,
     empty Markdown images/links and table pipes, format and control
     characters and all whitespace dropped (line endings are measured on
     their own). Then Han characters are removed and the strings compared.
     Control characters (other than tab, CR, LF) in the output that the
     true text does not have also make the output wrong.

   A page whose Han characters match part by part, with the parts zhnorm
   leaves alone converted or not (a plain converter converts scripts,
   comments and all attributes), counts as right for a peer, and is
   counted apart ("conv+"); for zhnorm it is a miss, since it documents
   leaving those parts alone.

   When a comparison fails only because Python's big5/shift_jis codecs and
   the WHATWG tables zhnorm follows map some bytes to different characters,
   the output counts as right ("tables"); the fold is eval_decode.py's
   convention table (the one behind `same_modulo_tables`), applied to both
   sides before the normalisation.

   A page (by this script's sniff: it starts with `<` and has a doctype,
   `<html`, `<head`, `<body`, `<meta`, an XML declaration or a feed root
   in its first 2,048 characters) that zhnorm's
   report says it read as text is also a miss: keep mode's care for markup
   is lost (`&amp;` in links decoded), which the comparisons above, which
   decode references on both sides, do not see.

   Also counted, per output: U+FFFD more often than in the true text (new
   U+FFFD); lines that ftfy's mojibake heuristic (`ftfy.badness.is_bad`)
   flags in the output but not in the true text (line by line when both
   have the same number of lines, else by count); changed line endings
   (the counts of CRLF, lone LF and lone CR differ from the true text's,
   taken as written or with references to CR and LF decoded, since
   zhnorm's entity step turns `&#13;` into a real CR); an output that is
   not valid UTF-8. Targets: none of any.

2. Nothing lost. A copy of the tree gets one entry zhnorm cannot read: a
   file with mode 000 when not running as root, otherwise (root reads mode
   000 files) a symbolic link to a path that does not exist. zhnorm runs
   with --report. Required: exit 1, the entry named on standard error and
   failed in the report, every other input exactly one output at its
   mirrored path, valid UTF-8, nothing else in the output directory (no
   temporary or hidden files, no stray directories), and a summary record
   whose counts agree with the per-input records and the files on disk.

3. Idempotent. zhnorm over its own output tree into a third directory must
   give every file byte for byte. A file that changes only where OpenCC's
   t2s itself is not idempotent (t2s of the changed lines of the first
   output gives the second; docs/cleanup.md, `於倫`) is listed but not counted as a
   miss, since zhnorm converts exactly as OpenCC does. Then `--incremental` twice into one
   directory: the second run must rewrite nothing (each output keeps its
   inode and mtime), report every input up-to-date, and leave only the
   documented state file (`.zhnorm-state`) beside the outputs.

4. With --peers, and when eval/batch_peers.py is present, its pipelines
   (careful, fast, uchardet) are run over the same tree and scored with the
   same right-text measure, for a side-by-side table. The "Han" column is
   the fair one there: the text normalisation undoes zhnorm's documented
   changes, not a peer's (ftfy uncurls quotes, for one), so a peer's
   "text" count mixes real errors with its own cleanup choices. Peers are
   not part of --check.

Without --check the script only reports; with it, any miss makes it exit 1.
The tree and outputs go to a temporary directory (or --keep DIR).
"""
import argparse
import html
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from html.parser import HTMLParser

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from batch_tree import build  # noqa: E402
from common import add_corpus_arg, default_zhnorm  # noqa: E402
from eval_decode import convention_table  # noqa: E402

import opencc  # noqa: E402

HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
HAN = re.compile(f"[{HAN_CLASS}]")
RADICALS = {c: unicodedata.normalize("NFKC", chr(c)) for c in range(0x2F00, 0x2FD6)}
STATE_FILE = ".zhnorm-state"
PEERS = ("careful", "fast", "uchardet")


def ensure_ftfy():
    try:
        import ftfy.badness  # noqa: F401
    except ImportError:
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "ftfy"]
        if subprocess.run(pip, capture_output=True).returncode != 0:
            subprocess.run(pip + ["--break-system-packages"], capture_output=True, check=True)
        import importlib
        importlib.invalidate_caches()
    import ftfy.badness
    return ftfy.badness.is_bad


# --- references ------------------------------------------------------------

def looks_like_markup(text):
    """Our own sniff (not zhnorm's) of whether a true text is a page or feed."""
    head = text[:2048].lstrip("\ufeff \t\r\n").lower()
    return head.startswith("<") and any(
        k in head for k in ("<!doctype", "<html", "<?xml", "<rss", "<feed", "<head", "<body", "<meta"))


READABLE_ATTRS = {"title", "alt", "placeholder", "aria-label", "label"}
READABLE_META = re.compile(r"^(description|keywords?|og:.*|twitter:(title|description))$", re.I)
LEFT_ALONE = {"script", "style"}


def unescape_all(text):
    """Character references decoded until none is left (double escapes
    such as `&amp;#40194;` included, as zhnorm's entity step does)."""
    for _ in range(16):
        new = html.unescape(text)
        if new == text:
            break
        text = new
    return text


class PageParts(HTMLParser):
    """A page (or feed) in document order, as (line, text, convertible)
    parts holding every Han character of the file. Convertible: text
    nodes, CDATA sections (feeds keep their text there) and readable
    attribute values. Not: script and style contents, comments, other
    attribute values, attribute names (broken markup makes names such as
    `暗伤"曝露？"`) and declarations, which zhnorm leaves alone. Character
    references are decoded all the way."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.parts = []
        self.raw = 0  # inside script/style
        self.pending = []  # text node pieces (references arrive separately)

    def add(self, text, convertible):
        self.flush()
        self.parts.append((self.getpos()[0], text, convertible))

    def flush(self):
        if self.pending:
            line, pieces = self.pending[0][0], "".join(t for _, t in self.pending)
            self.pending = []
            self.parts.append((line, unescape_all(pieces), True))

    def handle_starttag(self, tag, attrs):
        self.flush()
        meta_readable = tag == "meta" and any(
            k in ("name", "property") and v and READABLE_META.match(v.strip()) for k, v in attrs)
        for k, v in attrs:
            self.add(k, False)
            if v:
                readable = k in READABLE_ATTRS or (k == "content" and meta_readable)
                self.add(unescape_all(v), readable)
        if tag in LEFT_ALONE:
            self.raw += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in LEFT_ALONE:
            self.raw -= 1

    def handle_endtag(self, tag):
        self.flush()
        if tag in LEFT_ALONE and self.raw:
            self.raw -= 1

    def handle_data(self, data):
        if self.raw:
            self.add(data, False)
        else:
            self.pending.append((self.getpos()[0], data))

    def handle_entityref(self, name):
        self.handle_data(f"&{name};")

    def handle_charref(self, name):
        self.handle_data(f"&#{name};")

    def handle_comment(self, data):
        self.add(data, False)

    def handle_decl(self, decl):
        self.add(decl, False)

    def handle_pi(self, data):
        self.add(data, False)

    def unknown_decl(self, data):
        if data.startswith("CDATA["):
            self.add(unescape_all(data[6:]), True)
        else:
            self.add(data, False)

    def close(self):
        super().close()
        self.flush()


def page_parts(text):
    p = PageParts()
    p.feed(text)
    p.close()
    return p.parts


def han_source(text, markup, conv=None):
    """(line, text) parts whose Han characters are compared: for a page,
    its parts with the convertible ones through conv."""
    conv = conv or (lambda t: t)
    if markup:
        return [(line, conv(t) if c else t) for line, t, c in page_parts(text)]
    return [(1, conv(unescape_all(text)))]


def is_kana(c):
    return "\u3041" <= c <= "\u309f" or "\u30a1" <= c <= "\u30fa"


def is_hangul(c):
    return "\uac00" <= c <= "\ud7a3"


def is_han_char(c):
    o = ord(c)
    return 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3FFFF


def word_letters(line, test):
    """Letters of `test`'s script in `line` that stand next to another of
    the script (ー continues a katakana word), as docs/decoding.md "Which text is
    converted" counts them."""
    n = 0
    for i, c in enumerate(line):
        if not test(c):
            continue
        prev = line[i - 1] if i else ""
        nxt = line[i + 1] if i + 1 < len(line) else ""
        if test(prev) or test(nxt) or (prev == "ー" or nxt == "ー") and test is is_kana:
            n += 1
    return n


class ChineseOnly:
    """The README's rule that only Chinese is converted, written here from
    its text (not from zhnorm): a document is Japanese when, over its first
    1,000 Han, kana and hangul letters, kana words make up at least 10% of
    kana and Han and at least half of those letters are in lines with a
    kana word, or kana words make up 20% or more; Korean likewise with
    hangul at 30%. Japanese and Korean documents are not converted; in
    others, lines with a kana or hangul word are left as they are."""

    def __init__(self, convert):
        self.convert = convert

    def language(self, lines):
        han = kana = hangul = in_kana = in_hangul = seen = 0
        for line in lines:
            h = sum(1 for c in line if is_han_char(c))
            k, g = word_letters(line, is_kana), word_letters(line, is_hangul)
            han, kana, hangul = han + h, kana + k, hangul + g
            letters = h + k + g
            if k:
                in_kana += h + k
            if g:
                in_hangul += h + g
            seen += letters
            if seen >= 1000:
                break
        total = han + kana + hangul
        ja = kana * 10 >= kana + han and kana and (in_kana * 2 >= total or kana * 5 >= kana + han)
        ko = hangul * 10 >= (hangul + han) * 3 and hangul and in_hangul * 2 >= total
        if ja and ko:
            return "ja" if kana >= hangul else "ko"
        return "ja" if ja else "ko" if ko else "zh"

    def converter(self, truth, markup, encoding=""):
        lines = [t for _, t, c in page_parts(truth) if c] if markup else truth.splitlines()
        if self.language(lines) != "zh":
            return lambda t: t

        def conv(text):
            out = []
            for line in text.splitlines(keepends=True):
                foreign = word_letters(line, is_kana) or word_letters(line, is_hangul)
                out.append(line if foreign else self.convert(line))
            return "".join(out)
        return conv


MARKUP_REFS = re.compile(r"&(?:amp|lt|gt|quot);")


def count_reference_changes(src, out):
    """How many markup-spelling references the output has fewer than the
    input (both read leniently; the input's encoding does not matter for
    ASCII references)."""
    a = src.read_bytes().decode("latin-1")
    b = out.read_bytes().decode("utf-8", "replace")
    return len(MARKUP_REFS.findall(a)) - len(MARKUP_REFS.findall(b))


def han_of(text):
    return "".join(HAN.findall(text.translate(RADICALS)))


# --- comparison --------------------------------------------------------------

FOLD = None
FOLD_HAN = None  # fold classes that contain a Han character
FOLD_REST = None  # the fold for non-Han characters only


def fold_tables():
    global FOLD, FOLD_HAN, FOLD_REST
    if FOLD is None:
        FOLD = convention_table()
        FOLD_HAN = {r for c, r in FOLD.items() if HAN.match(chr(c)) or HAN.match(r)}
        FOLD_REST = {c: r for c, r in FOLD.items() if not HAN.match(chr(c))}
    return FOLD


def han_seq(parts):
    """Han characters of the parts (Kangxi radicals as the ideographs they
    stand for), and for each the line it is on."""
    chars, lines = [], []
    for line, text in parts:
        text = text.translate(RADICALS)
        for m in HAN.finditer(text):
            chars.append(m.group())
            lines.append(line + text.count("\n", 0, m.start()))
    return "".join(chars), lines


def han_seq_folded(parts):
    """Han characters, and characters the table fold puts in a class with a
    Han character, all folded."""
    fold = fold_tables()
    out = []
    for _, text in parts:
        for c in text.translate(RADICALS):
            f = fold.get(ord(c), c)
            if HAN.match(c) or f in FOLD_HAN:
                out.append(f)
    return "".join(out)


PINYIN = re.compile(
    f"(?<=[{HAN_CLASS}])(?:\\((?:[a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ]{{1,7}})\\))+")
CHARSET = re.compile(r"""(charset\s*=\s*["']?)[A-Za-z0-9_.:-]+""", re.I)
XMLENC = re.compile(r"""(<\?xml[^>]*?encoding\s*=\s*["'])[^"']*""", re.I)
MARKDOWN = re.compile(r"!?\[\]\(\)")
QUOTED = re.compile(r"""=(\s*)'([^'\n]*)'""")


def rest_norm(text, fold=False):
    """Non-Han text of an output or a true text, normalised as described;
    with fold, the table-convention fold is applied first."""
    if fold:
        # Han characters are compared elsewhere (and dropped below), so
        # only the non-Han members of a class are folded here.
        fold_tables()
        text = text.translate(FOLD_REST)
    text = unescape_all(text)
    # An attribute zhnorm rewrote comes back double-quoted (lol_html).
    text = QUOTED.sub(r'=\1"\2"', text)
    text = CHARSET.sub(r"\1", text)
    text = XMLENC.sub(r"\1", text)
    text = unicodedata.normalize("NFKC", text)
    text = PINYIN.sub("", text)
    text = MARKDOWN.sub("", text)
    return "".join(c for c in text
                   if not (c.isspace() or c == "|" or HAN.match(c)
                           or unicodedata.category(c) in ("Cc", "Cf")))


EOL_REF = re.compile(r"&(?:amp;)*#(?:0*13|[xX]0*[dD]|0*10|[xX]0*[aA]);")


def is_control(c):
    return unicodedata.category(c) == "Cc" and c not in "\t\n\r"


def controls(text):
    return sum(1 for c in text if is_control(c))


def eols(text):
    crlf = text.count("\r\n")
    return (crlf, text.count("\n") - crlf, text.count("\r") - crlf)


def first_diff(a, b):
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n if len(a) != len(b) else None


def snippet(s, i, width=12):
    """Text around s[i], line breaks shown as ⏎ and ␍, other controls escaped."""
    piece = s[max(0, i - width):i + width].replace("\n", "⏎").replace("\r", "␍")
    return "".join(f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c for c in piece)


def line_text(text, line, width=160):
    lines = text.split("\n")
    return lines[line - 1][:width].strip() if 0 < line <= len(lines) else ""


class Truths:
    """True texts and their references, computed once and shared by the
    scoring of zhnorm and of the peers."""

    def __init__(self, truth_dir, rels, encodings=None):
        self.encodings = encodings or {}
        self.t2s = opencc.OpenCC("t2s")
        self.chinese_only = ChineseOnly(self.t2s.convert)
        self.truth_dir = truth_dir
        self.rels = rels
        self.cache = {}

    def get(self, rel):
        if rel not in self.cache:
            p = self.truth_dir / rel
            if not p.exists():
                self.cache[rel] = None
            else:
                truth = p.read_bytes().decode("utf-8")
                markup = looks_like_markup(truth)
                conv = self.chinese_only.converter(truth, markup, self.encodings.get(rel, ""))
                parts = han_source(truth, markup, conv)
                han, lines = han_seq(parts)
                self.cache[rel] = {
                    "truth": truth, "markup": markup, "parts": parts,
                    "han": han, "han_lines": lines, "han_fold": None, "han_alone": None,
                    "rest": rest_norm(truth), "rest_fold": None,
                    # Line endings as written, and with references to CR and
                    # LF decoded (zhnorm's entity step makes them real).
                    "eols": {eols(truth), eols(EOL_REF.sub(lambda m: unescape_all(m.group()), truth))},
                }
        return self.cache[rel]


def score_tree(out_dir, truths, is_bad):
    """Right-text figures for one output tree."""
    res = {"inputs": 0, "scored": 0, "right": 0, "table_convention": 0, "wrong": [],
           "no_output": [], "not_utf8": [], "new_fffd": [], "new_mojibake": [],
           "eol_changed": []}
    for rel in truths.rels:
        res["inputs"] += 1
        ref = truths.get(rel)
        path = out_dir / rel
        if not path.is_file():
            res["no_output"].append(rel)
            continue
        data = path.read_bytes()
        try:
            out = data.decode("utf-8")
        except UnicodeDecodeError as e:
            res["not_utf8"].append({"file": rel, "at": e.start,
                                    "bytes": data[e.start:e.start + 8].hex(" ")})
            out = data.decode("utf-8", "replace")
        if ref is None:
            continue
        res["scored"] += 1
        truth = ref["truth"]
        problems = []
        folded = False

        parts = han_source(out, ref["markup"])
        han_out, out_lines_of = han_seq(parts)
        if han_out != ref["han"] and ref["markup"]:
            # A plain converter (a peer) also converts scripts, comments and
            # other attributes, which zhnorm leaves alone. That is no
            # decoding or conversion error: a page whose every part matches,
            # the parts zhnorm leaves alone converted or not, counts as
            # right, and is counted apart.
            if ref["han_alone"] is None:
                ref["han_alone"] = [(han_of(truths.t2s.convert(t)), han_of(t), c)
                                    for _, t, c in page_parts(truth)]
            mine = [han_of(t) for _, t, _ in page_parts(out)]
            if len(mine) == len(ref["han_alone"]) and all(
                    o == conv or (not c and o == raw)
                    for o, (conv, raw, c) in zip(mine, ref["han_alone"])):
                res["converted_left_alone"] = res.get("converted_left_alone", 0) + 1
                res.setdefault("converted_left_alone_files", []).append(rel)
                han_out = ref["han"]
        if han_out != ref["han"]:
            if ref["han_fold"] is None:
                ref["han_fold"] = han_seq_folded(ref["parts"])
            if han_seq_folded(parts) == ref["han_fold"]:
                folded = True
            else:
                i = first_diff(ref["han"], han_out)
                o_line = out_lines_of[min(i, len(out_lines_of) - 1)] if out_lines_of else 1
                t_line = ref["han_lines"][min(i, len(ref["han_lines"]) - 1)] if ref["han_lines"] else 1
                problems.append({
                    "kind": "han", "han_index": i,
                    "han_counts": [len(ref["han"]), len(han_out)],
                    "expected": snippet(ref["han"], i), "got": snippet(han_out, i),
                    "output_line": o_line, "truth_line": t_line,
                    "output_text": line_text(out, o_line), "truth_text": line_text(truth, t_line),
                })
        rest_out = rest_norm(out)
        if rest_out != ref["rest"]:
            if ref["rest_fold"] is None:
                ref["rest_fold"] = rest_norm(truth, fold=True)
            if rest_norm(out, fold=True) == ref["rest_fold"]:
                folded = True
            else:
                i = first_diff(ref["rest"], rest_out)
                problems.append({"kind": "rest", "index": i,
                                 "lengths": [len(ref["rest"]), len(rest_out)],
                                 "expected": snippet(ref["rest"], i, 30),
                                 "got": snippet(rest_out, i, 30)})
        # The rest comparison drops control characters (zhnorm removes them),
        # so controls the true text lacks (NULs of UTF-16 read as bytes) are
        # checked here.
        ctl_out, ctl_truth = controls(out), controls(truth)
        if ctl_out > ctl_truth:
            first = next(i for i, c in enumerate(out) if is_control(c))
            problems.append({"kind": "controls", "count": ctl_out - ctl_truth,
                             "first_line": out.count("\n", 0, first) + 1,
                             "got": snippet(out, first, 12)})
        if problems:
            res["wrong"].append({"file": rel, "problems": problems})
        else:
            res["right"] += 1
            if folded:
                res["table_convention"] += 1
                res.setdefault("table_convention_files", []).append(rel)

        n_out, n_truth = out.count("\ufffd"), truth.count("\ufffd")
        if n_out > n_truth:
            first = out.index("\ufffd")
            res["new_fffd"].append({"file": rel, "count": n_out - n_truth,
                                    "first_line": out.count("\n", 0, first) + 1,
                                    "context": snippet(out, first, 20)})

        out_lines, truth_lines = out.splitlines(), truth.splitlines()
        bad_out = [i for i, l in enumerate(out_lines) if is_bad(l)]
        if bad_out:
            if len(out_lines) == len(truth_lines):
                new = [i for i in bad_out if not is_bad(truth_lines[i])]
            else:
                n_truth_bad = sum(1 for l in truth_lines if is_bad(l))
                new = bad_out[n_truth_bad:]
            if new:
                res["new_mojibake"].append({"file": rel, "lines": len(new),
                                            "first_line": new[0] + 1,
                                            "text": out_lines[new[0]][:120]})

        e_out = eols(out)
        if e_out not in ref["eols"]:
            res["eol_changed"].append({"file": rel, "truth_crlf_lf_cr": sorted(ref["eols"])[0],
                                       "output_crlf_lf_cr": e_out})
    return res


# --- runs ----------------------------------------------------------------------

def run_zhnorm(binary, *args):
    t = time.monotonic()
    p = subprocess.run([binary, "-q", "--progress", "never", *map(str, args)],
                       capture_output=True)
    return p.returncode, p.stderr.decode("utf-8", "replace"), time.monotonic() - t


def read_report(path):
    records, summary = [], None
    for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        if r.get("summary"):
            summary = r
        else:
            records.append(r)
    return records, summary


def walk_all(root):
    """Every entry below root (files, links, dirs, specials), relative."""
    files, dirs = set(), set()
    for base, dnames, fnames in os.walk(root):
        for d in dnames:
            p = os.path.join(base, d)
            (files if os.path.islink(p) else dirs).add(os.path.relpath(p, root))
        for f in fnames:
            files.add(os.path.relpath(os.path.join(base, f), root))
    return files, dirs


def parents(rels):
    out = set()
    for r in rels:
        p = os.path.dirname(r)
        while p:
            out.add(p)
            p = os.path.dirname(p)
    return out


def nothing_lost(binary, tree, work, rels, jobs):
    """Check 2. Returns (figures, misses)."""
    src, out, rpt = work / "lost_tree", work / "lost_out", work / "lost_report.jsonl"
    shutil.copytree(tree, src, symlinks=True)
    # Put the bad entry among real inputs, in a directory that keeps others.
    bad_rel = "news/big5/zz_unreadable.txt"
    bad = src / bad_rel
    if os.geteuid() != 0:
        shutil.copyfile(src / rels[-1], bad)
        os.chmod(bad, 0)
        what = "a regular file with mode 000"
    else:
        os.symlink("/nonexistent/eval_batch/gone.txt", bad)
        what = "a symbolic link to a path that does not exist (root reads mode-000 files)"
    code, err, secs = run_zhnorm(binary, "-j", jobs, src, "-o", out, "--report", rpt)
    misses = []
    if code != 1:
        misses.append(f"exit status {code}, expected 1")
    if str(bad) not in err:
        misses.append(f"standard error does not name {bad}: {err.strip()[:300]!r}")
    found, dirs = walk_all(out)
    expected = set(rels)
    missing = sorted(expected - found)
    extra = sorted(found - expected)
    extra_dirs = sorted(dirs - parents(expected))
    not_utf8 = []
    for r in sorted(expected & found):
        p = out / r
        if p.is_symlink() or not p.is_file():
            misses.append(f"{r}: output is not a regular file")
            continue
        try:
            p.read_bytes().decode("utf-8")
        except UnicodeDecodeError as e:
            not_utf8.append(f"{r} (byte {e.start})")
    if missing:
        misses.append(f"{len(missing)} inputs without output: {missing[:5]}")
    if extra or extra_dirs:
        misses.append(f"unexpected entries in the output: {(extra + extra_dirs)[:10]}")
    if not_utf8:
        misses.append(f"{len(not_utf8)} outputs not valid UTF-8: {not_utf8}")
    # The report.
    try:
        records, summary = read_report(rpt)
    except (OSError, ValueError) as e:
        records, summary = [], None
        misses.append(f"report unreadable: {e}")
    by_path = {}
    for r in records:
        by_path.setdefault(r.get("path"), []).append(r)
    dup = [p for p, rs in by_path.items() if len(rs) > 1]
    if dup:
        misses.append(f"inputs with several report records: {dup[:5]}")
    bad_rec = by_path.get(str(bad), [{}])[0]
    if bad_rec.get("status") != "failed" or not bad_rec.get("error"):
        misses.append(f"report record of the bad entry: {bad_rec}")
    for r in rels:
        rec = by_path.get(str(src / r), [None])[0]
        if rec is None:
            misses.append(f"{r}: no report record")
        elif rec.get("status") not in ("ok", "copied"):
            misses.append(f"{r}: report status {rec.get('status')}")
        elif rec.get("output") != str(out / r):
            misses.append(f"{r}: report output {rec.get('output')}")
    statuses = {}
    for r in records:
        statuses[r.get("status")] = statuses.get(r.get("status"), 0) + 1
    if summary is None:
        misses.append("no summary record")
    else:
        want = {"inputs": len(rels) + 1, "failed": 1,
                "ok": statuses.get("ok", 0), "copied": statuses.get("copied", 0),
                "skipped": statuses.get("skipped", 0), "up_to_date": 0, "planned": 0,
                "bytes_out": sum((out / r).stat().st_size for r in expected & found)}
        if statuses.get("ok", 0) + statuses.get("copied", 0) != len(rels):
            misses.append(f"statuses {statuses}: ok + copied should be {len(rels)}")
        for k, v in want.items():
            if summary.get(k) != v:
                misses.append(f"summary {k} = {summary.get(k)}, expected {v}")
        bytes_in = sum(rec.get("bytes_in", 0) for rec in records)
        if summary.get("bytes_in") != bytes_in:
            misses.append(f"summary bytes_in {summary.get('bytes_in')} != sum of records {bytes_in}")
    fig = {"bad_entry": what, "bad_path": bad_rel, "exit": code, "seconds": round(secs, 2),
           "outputs": len(expected & found), "expected_outputs": len(expected),
           "missing": len(missing), "extra": len(extra) + len(extra_dirs),
           "not_utf8": len(not_utf8), "statuses": statuses, "summary": summary,
           "stderr": err.strip()[:500]}
    return fig, misses


def snapshot(root):
    out = {}
    for base, _, fnames in os.walk(root):
        for f in fnames:
            p = os.path.join(base, f)
            st = os.lstat(p)
            out[os.path.relpath(p, root)] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def opencc_explains(t2s, first, second):
    """Whether every line that changed on the second run changed exactly as
    OpenCC 1.4.2's t2s changes that line of the first output: its t2s is not
    idempotent (docs/cleanup.md: `於倫` → `於伦`, then `于伦`)."""
    try:
        a, b = first.decode("utf-8").split("\n"), second.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return False
    return len(a) == len(b) and all(x == y or t2s.convert(x) == y for x, y in zip(a, b))


def idempotent(binary, tree, first_out, work, rels, jobs):
    """Check 3. Returns (figures, misses)."""
    misses = []
    second = work / "second_out"
    code, err, secs = run_zhnorm(binary, "-j", jobs, first_out, "-o", second)
    if code != 0:
        misses.append(f"second run exit {code}: {err.strip()[:300]}")
    changed = []
    t2s = opencc.OpenCC("t2s")
    for r in rels:
        a, b = first_out / r, second / r
        if not b.is_file():
            changed.append({"file": r, "why": "no output", "opencc": False})
            continue
        x, y = a.read_bytes(), b.read_bytes()
        if x != y:
            i = first_diff(x, y)
            changed.append({"file": r, "byte": i,
                            "first": x[max(0, i - 24):i + 24].decode("utf-8", "replace"),
                            "second": y[max(0, i - 24):i + 24].decode("utf-8", "replace"),
                            "opencc": opencc_explains(t2s, x, y)})
    unexplained = [c for c in changed if not c["opencc"]]
    if unexplained:
        misses.append(f"{len(unexplained)} files change on a second run (not OpenCC's own doing)")

    inc = work / "incremental_out"
    r1, r2 = work / "inc1.jsonl", work / "inc2.jsonl"
    code1, err1, s1 = run_zhnorm(binary, "-j", jobs, tree, "-o", inc,
                                 "--incremental", "--report", r1)
    before = snapshot(inc)
    time.sleep(0.05)
    code2, err2, s2 = run_zhnorm(binary, "-j", jobs, tree, "-o", inc,
                                 "--incremental", "--report", r2)
    after = snapshot(inc)
    if code1 != 0 or code2 != 0:
        misses.append(f"incremental runs exit {code1}, {code2}: {(err1 + err2).strip()[:300]}")
    rewritten = sorted(r for r in before if r != STATE_FILE and after.get(r) != before[r])
    if rewritten:
        misses.append(f"second incremental run touched {len(rewritten)} outputs: {rewritten[:5]}")
    extra = sorted(set(after) - set(rels) - {STATE_FILE})
    if extra:
        misses.append(f"unexpected files in the incremental output: {extra[:5]}")
    records, summary = read_report(r2)
    not_up = [r["path"] for r in records if r.get("status") != "up_to_date"]
    if not_up or len(records) != len(rels):
        misses.append(f"second incremental report: {len(records)} records, "
                      f"{len(not_up)} not up-to-date: {not_up[:5]}")
    if not summary or summary.get("up_to_date") != len(rels):
        misses.append(f"second incremental summary: {summary}")
    fig = {"second_run_changed": changed, "second_run_seconds": round(secs, 2),
           "incremental_seconds": [round(s1, 2), round(s2, 2)],
           "incremental_rewritten": len(rewritten),
           "incremental_records_not_up_to_date": len(not_up),
           "incremental_summary": summary}
    return fig, misses


def run_peer(peer, tree, out, jobs):
    t = time.monotonic()
    p = subprocess.run([sys.executable, str(HERE / "batch_peers.py"), peer, str(tree), str(out), "-j", str(jobs)],
                       capture_output=True, text=True)
    return p.returncode, p.stdout.strip().splitlines()[-1:] , p.stderr, time.monotonic() - t


# --- output ------------------------------------------------------------------------

def describe(res, verbose, label):
    lines = []
    for w in res["wrong"]:
        for pr in w["problems"]:
            if pr["kind"] == "han":
                lines.append(f"  {label} WRONG {w['file']}: Han character #{pr['han_index']} "
                             f"({pr['han_counts'][0]} expected, {pr['han_counts'][1]} in output), "
                             f"output line {pr['output_line']}, truth line {pr['truth_line']}: "
                             f"expected …{pr['expected']}… got …{pr['got']}…")
                if verbose:
                    lines.append(f"      output line: {pr['output_text']}")
                    lines.append(f"      truth line:  {pr['truth_text']}")
            elif pr["kind"] == "controls":
                lines.append(f"  {label} WRONG {w['file']}: {pr['count']} control characters the true "
                             f"text lacks, first on output line {pr['first_line']}: …{pr['got']}…")
            else:
                lines.append(f"  {label} WRONG {w['file']}: non-Han text at {pr['index']} "
                             f"(normalised lengths {pr['lengths'][0]} vs {pr['lengths'][1]}): "
                             f"expected …{pr['expected']}… got …{pr['got']}…")
    for r in res["no_output"]:
        lines.append(f"  {label} NO OUTPUT {r}")
    if verbose:
        for r in res.get("table_convention_files", []):
            lines.append(f"  {label} right modulo the table conventions: {r}")
    for r in res["not_utf8"]:
        lines.append(f"  {label} NOT UTF-8 {r['file']} (byte {r['at']}: {r['bytes']})")
    for r in res["new_fffd"]:
        lines.append(f"  {label} NEW U+FFFD {r['file']}: {r['count']}, first on line {r['first_line']}: …{r['context']}…")
    for r in res["new_mojibake"]:
        lines.append(f"  {label} NEW MOJIBAKE {r['file']}: {r['lines']} lines, first line {r['first_line']}: {r['text']!r}")
    for r in res["eol_changed"]:
        lines.append(f"  {label} LINE ENDINGS {r['file']}: CRLF/LF/CR truth {r['truth_crlf_lf_cr']} "
                     f"output {r['output_crlf_lf_cr']}")
    return lines


def kinds(res):
    han = sum(1 for w in res["wrong"] if any(p["kind"] == "han" for p in w["problems"]))
    text = sum(1 for w in res["wrong"] if any(p["kind"] != "han" for p in w["problems"]))
    return han, text


HEADER = (f"{'pipeline':<10} {'right':>11} {'wrong':>5} {'(Han':>5} {'text)':>5} {'no out':>6} "
          f"{'!utf8':>5} {'+FFFD':>5} {'+mojibake':>9} {'eol':>4} {'tables':>6} {'conv+':>6}")


def row(name, res):
    han, text = kinds(res)
    return (f"{name:<10} {res['right']:>5}/{res['scored']:<5} {len(res['wrong']):>5} {han:>5} {text:>5} "
            f"{len(res['no_output']):>6} {len(res['not_utf8']):>5} {len(res['new_fffd']):>5} "
            f"{len(res['new_mojibake']):>9} {len(res['eol_changed']):>4} {res['table_convention']:>6} "
            f"{res.get('converted_left_alone', 0):>6}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--zhnorm", default=default_zhnorm())
    add_corpus_arg(ap)
    ap.add_argument("--check", action="store_true", help="exit 1 on any miss")
    ap.add_argument("--json", metavar="FILE", help="write the figures as JSON")
    ap.add_argument("--peers", action="store_true", help="also score eval/batch_peers.py's pipelines")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR (emptied first) and keep it")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    binary = os.path.abspath(args.zhnorm)
    if not os.access(binary, os.X_OK):
        sys.exit(f"eval_batch.py: no zhnorm at {binary} (cargo build --release, or --zhnorm)")
    if not (args.corpus / "encodings").is_dir():
        sys.exit(f"eval_batch.py: no corpus at {args.corpus}")
    is_bad = ensure_ftfy()
    started = time.monotonic()

    if args.keep:
        work = pathlib.Path(args.keep).resolve()
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        cleanup = None
    else:
        work = pathlib.Path(tempfile.mkdtemp(prefix="eval_batch."))
        cleanup = work
    try:
        return evaluate(args, binary, work, is_bad, started)
    finally:
        if cleanup:
            shutil.rmtree(cleanup, ignore_errors=True)


def evaluate(args, binary, work, is_bad, started):
    base = work / "set"
    rows = build(args.corpus, base)
    tree, truth_dir = base / "tree", base / "truth"
    rels = sorted(r[0] for r in rows)
    truths = Truths(truth_dir, rels, {r[0]: r[1] for r in rows})
    misses = []
    figures = {"zhnorm": binary, "corpus": str(args.corpus), "inputs": len(rels),
               "with_truth": sum(1 for r in rels if (truth_dir / r).exists())}

    # 1. Right text.
    out = base / "out"
    rpt = work / "report.jsonl"
    code, err, secs = run_zhnorm(binary, "-j", args.jobs, tree, "-o", out, "--report", rpt)
    records, summary = read_report(rpt)
    statuses = {}
    for r in records:
        statuses[r.get("status")] = statuses.get(r.get("status"), 0) + 1
    not_converted = [os.path.relpath(r["path"], tree) for r in records if r.get("status") != "ok"]
    # zhnorm's own HTML verdict, against ours (informative only).
    fmt = {os.path.relpath(r["path"], tree): r.get("format") for r in records}
    # A page read as text loses keep mode's care for markup: its `&amp;`
    # and `&lt;` get decoded like any reference. The text comparison
    # cannot see that (it decodes references on both sides), so a page
    # taken for text is a miss of its own. The other way round (a fragment
    # or source file with tags taken as HTML) is only listed.
    page_as_text = [r for r in rels if truths.get(r) and truths.get(r)["markup"] and fmt.get(r) == "text"]
    sniff_disagree = [r for r in rels if truths.get(r) and not truths.get(r)["markup"] and fmt.get(r) == "html"]
    if page_as_text:
        misses.append(f"right text: {len(page_as_text)} pages read as plain text: {page_as_text[:5]}")
    if code != 0:
        misses.append(f"batch run exit {code}: {err.strip()[:300]}")
    res = score_tree(out, truths, is_bad)
    figures["run"] = {"exit": code, "seconds": round(secs, 2), "statuses": statuses,
                      "not_converted": not_converted, "summary": summary,
                      "pages_read_as_text": page_as_text,
                      "non_pages_read_as_html": sniff_disagree}
    figures["right_text"] = {"zhnorm": res}
    for k in ("wrong", "no_output", "not_utf8", "new_fffd", "new_mojibake", "eol_changed"):
        if res[k]:
            misses.append(f"right text: {len(res[k])} {k.replace('_', ' ')}")
    if res.get("converted_left_alone"):
        misses.append(f"right text: {res['converted_left_alone']} pages with scripts, comments or "
                      f"other attributes converted: {res['converted_left_alone_files'][:5]}")

    # 2. Nothing lost.
    lost, lost_misses = nothing_lost(binary, tree, work, rels, args.jobs)
    figures["nothing_lost"] = dict(lost, misses=lost_misses)
    misses += [f"nothing lost: {m}" for m in lost_misses]

    # 3. Idempotent, incremental.
    idem, idem_misses = idempotent(binary, tree, out, work, rels, args.jobs)
    figures["idempotent"] = dict(idem, misses=idem_misses)
    misses += [f"idempotent: {m}" for m in idem_misses]

    # 4. Peers.
    peer_res = {}
    if args.peers:
        if not (HERE / "batch_peers.py").exists():
            print("--peers: eval/batch_peers.py is not there; peers not scored")
        else:
            for peer in PEERS:
                pout = work / f"peer_{peer}"
                pcode, last, perr, psecs = run_peer(peer, tree, pout, args.jobs)
                if pcode != 0:
                    print(f"peer {peer}: exit {pcode}: {perr.strip()[-300:]}")
                    peer_res[peer] = {"exit": pcode, "error": perr.strip()[-300:]}
                    continue
                r = score_tree(pout, truths, is_bad)
                r["exit"], r["seconds"], r["summary_line"] = pcode, round(psecs, 2), last
                peer_res[peer] = r
            figures["right_text"].update(peer_res)

    # --- print ---
    s = figures["run"]
    print(f"tree: {len(rels)} inputs ({figures['with_truth']} with a true text) from {args.corpus}")
    print(f"batch run: exit {s['exit']}, {s['seconds']:.2f} s, statuses {s['statuses']}")
    if not_converted:
        print(f"  not converted (status other than ok): {', '.join(not_converted)}")
    for r in page_as_text:
        changed = count_reference_changes(tree / r, out / r)
        print(f"  PAGE READ AS TEXT {r} (zhnorm's report says format text; it starts like a page): "
              f"{changed} markup references (&amp; &lt; &gt; &quot;) fewer in the output")
    if sniff_disagree:
        print(f"  taken as HTML by zhnorm, not a page by this script's sniff (only listed): "
              f"{', '.join(sniff_disagree)}")
    print()
    print("1. Right text (Han characters and normalised other text, against OpenCC t2s of the true text)")
    print(HEADER)
    print(row("zhnorm", res))
    for peer, r in peer_res.items():
        if "scored" in r:
            print(row(peer, r))
        else:
            print(f"{peer:<10} did not run (exit {r['exit']})")
    print("  wrong: the Han characters differ (Han), or the normalised non-Han text differs or has\n"
          "  control characters the true text lacks (text); a file can be both. no out: no output\n"
          "  file; !utf8: output not UTF-8; +FFFD, +mojibake: U+FFFD or ftfy-flagged lines the true\n"
          "  text lacks; eol: counts of CRLF/LF/CR changed; tables: right only modulo the\n"
          "  big5/cp950 and shift_jis/cp932 table conventions (counted as right); conv+: pages\n"
          "  right only if scripts, comments and other attributes, which zhnorm leaves alone,\n"
          "  may be converted too, as a plain converter does (counted as right).")
    for line in describe(res, args.verbose, "zhnorm"):
        print(line)
    if args.verbose:
        for peer, r in peer_res.items():
            if "scored" in r:
                for line in describe(r, False, peer):
                    print(line)
    print()
    print(f"2. Nothing lost (bad entry: {lost['bad_entry']}, at {lost['bad_path']})")
    print(f"   exit {lost['exit']}; {lost['outputs']}/{lost['expected_outputs']} outputs; "
          f"missing {lost['missing']}, extra {lost['extra']}, not UTF-8 {lost['not_utf8']}; "
          f"report statuses {lost['statuses']}")
    for m in lost_misses:
        print(f"   MISS {m}")
    print()
    print("3. Idempotent")
    print(f"   zhnorm over its own output: {len(rels) - len(idem['second_run_changed'])}/{len(rels)} "
          f"files byte-identical")
    explained = sum(1 for c in idem["second_run_changed"] if c["opencc"])
    if explained:
        print(f"   of the changed files, {explained} change only where OpenCC's t2s itself is not "
              f"idempotent (t2s of those lines of the first output gives the second)")
    for c in idem["second_run_changed"]:
        tag = "CHANGED (OpenCC t2s)" if c["opencc"] else "CHANGED"
        print(f"   {tag} {c['file']} at byte {c.get('byte')}: {c.get('first')!r} -> {c.get('second')!r}")
    print(f"   --incremental twice: second run rewrote {idem['incremental_rewritten']} outputs, "
          f"{idem['incremental_records_not_up_to_date']} records not up-to-date "
          f"({idem['incremental_seconds'][0]:.2f} s then {idem['incremental_seconds'][1]:.2f} s)")
    for m in idem_misses:
        print(f"   MISS {m}")
    print()
    figures["misses"] = misses
    figures["seconds"] = round(time.monotonic() - started, 1)
    print(f"{len(misses)} targets missed" + (": " + "; ".join(misses) if misses else "")
          + f" ({figures['seconds']} s)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(figures, f, ensure_ascii=False, indent=1)
    return 1 if (args.check and misses) else 0


if __name__ == "__main__":
    sys.exit(main())
