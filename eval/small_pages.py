#!/usr/bin/env python3
"""Build a tree of many small pages from the shared corpus.

An archive of scraped pages is mostly small files: what costs there is what
zhnorm pays per file (opening, detecting, committing), not per byte. This
tree holds about 4,000 pieces of about 9 KB each, cut at line ends from the
corpus's `html/` pages, its `encodings/` files (the Chinese ones: Big5, GBK
family, UTF-8) and `bench/news_trad.txt`, and stored as GBK, Big5 or UTF-8:

* a piece of a page or an encodings file keeps its source's encoding family
  (a GBK-family page stays GBK, or GB18030 when a character needs it; a
  Big5 one stays Big5 as Windows and browsers read it, cp950, or
  Big5-HKSCS when a character needs it), so a charset the page declares
  still holds;
* news pieces take GBK, Big5 and UTF-8 in turn (a Big5 piece keeps only
  the lines Big5 can hold; a GBK one falls to the next in turn when a
  character has no GBK code), and one legacy news piece in four has CRLF
  line endings.

Pieces are cut by their stored size. The sources give about 2,600 pieces;
to reach the count asked for, further passes cut the same texts again from
a point half a piece further on (so the pieces differ from the first
pass's), and the pieces are taken evenly spaced over all those cut, so
each source gives its share by size whatever the count. Everything is
deterministic: the same corpus gives the same tree.

Beside the tree, `truth/` holds the true text of every piece as UTF-8 and
`manifest.tsv` says where each came from, as eval/batch_tree.py does.

Usage: eval/small_pages.py DEST [--corpus DIR] [--pieces 4000] [--size 9000]

    DEST/tree/{gbk,big5,utf8}/NNNN.{html,txt}
    DEST/truth/...     same relative paths, true text in UTF-8
    DEST/manifest.tsv  rel, encoding, source

eval/batch_speed.py imports `build(corpus, dest, pieces, size)`, which
returns the manifest rows.
"""
import argparse
import pathlib
import shutil
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from batch_tree import decode_or_none, manifest  # noqa: E402
from common import add_corpus_arg  # noqa: E402

PIECES = 4000
SIZE = 9000  # stored bytes per piece, roughly: cut at the first line end past it
LONG_LINE = 1500  # characters; longer lines (minified HTML) are cut into runs this long
ROTATION = ("gbk", "big5", "utf-8")
# Codecs tried, in order, for a piece of each encoding family.
FAMILY = {"gbk": ("gbk", "gb18030"), "big5": ("cp950", "big5hkscs"), "utf-8": ("utf-8",)}
FOLDER = {"gbk": "gbk", "big5": "big5", "utf-8": "utf8"}


def family_of(codec):
    """The storage family (gbk, big5, utf-8) of a corpus codec name, or None."""
    codec = codec.lower()
    if codec in ("gb2312", "gbk", "gb18030"):
        return "gbk"
    if codec in ("big5", "cp950", "big5hkscs"):
        return "big5"
    if codec in ("utf-8", "ascii"):
        return "utf-8"
    return None


def sources(corpus):
    """(name, text, family or None for the news rotation, suffix) of every source."""
    found = []
    for row in manifest(corpus / "html" / "MANIFEST.tsv"):
        codecs = [c for c in row["strict_codecs_that_decode"].split(",") if c]
        family = family_of(codecs[-1]) if codecs else None
        if family is None:
            continue
        text = decode_or_none((corpus / "html" / row["file"]).read_bytes(), codecs[-1])
        if text:
            found.append((f"html/{row['file']}", text, family, "html"))
    for row in manifest(corpus / "encodings" / "MANIFEST.tsv"):
        family = family_of(row["finest"])
        if family is None:
            continue
        text = decode_or_none((corpus / "encodings" / row["file"]).read_bytes(), row["finest"])
        if text:
            suffix = "html" if row["file"].endswith((".html", ".htm")) else "txt"
            found.append((f"encodings/{row['file']}", text, family, suffix))
    news = (corpus / "bench" / "news_trad.txt").read_text(encoding="utf-8")
    found.append(("bench/news_trad.txt", news, None, "txt"))
    return found


def lines_of(text):
    """Lines with their ends, long ones cut into runs of LONG_LINE characters."""
    for line in text.splitlines(keepends=True):
        for i in range(0, len(line), LONG_LINE):
            yield line[i:i + LONG_LINE]


def store(piece, family):
    """(bytes, codec) of the piece in the first codec of its family that holds it, or None."""
    for codec in FAMILY[family]:
        try:
            return piece.encode(codec), codec
        except UnicodeEncodeError:
            continue
    return None


def cut(text, size, skip, family_at):
    """Pieces of about `size` stored bytes, after skipping `skip` UTF-8 bytes'
    worth of lines; `family_at(i)` is the family piece i is meant for (a
    legacy one stores a Chinese character in two bytes, UTF-8 in three)."""
    piece, got, skipped, i = [], 0, 0, 0
    for line in lines_of(text):
        if skipped < skip:
            skipped += len(line.encode("utf-8"))
            continue
        legacy = family_at(i) != "utf-8"
        piece.append(line)
        got += len(line.encode("gb18030" if legacy else "utf-8"))
        if got >= size:
            yield "".join(piece)
            piece, got, i = [], 0, i + 1
    if piece:
        yield "".join(piece)


def pieces_of(name, text, family, size, skip, turn):
    """Stored pieces (data, codec, family, text, source) of one source.

    `turn` shifts the news rotation from one pass to the next."""
    def family_at(i):
        return family or ROTATION[(turn + i) % 3]
    out = []
    for i, piece in enumerate(cut(text, size, skip, family_at)):
        families = [family] if family else [ROTATION[(turn + i + k) % 3] for k in range(3)]
        if families[0] == "big5" and family is None:
            # Hong Kong forms such as 説 and 裏 have no Big5 code: a scraper
            # saving Big5 could not have written those lines (as in
            # eval/batch_tree.py), so a Big5 news piece keeps the others.
            piece = "".join(line for line in piece.splitlines(keepends=True) if store(line, "big5"))
        for fam in families:
            stored = store(piece, fam)
            if stored:
                data, codec = stored
                out.append((data, codec, fam, piece, f"{name} from byte {skip} piece {i}"))
                break
    return out


def build(corpus, dest, pieces=PIECES, size=SIZE):
    corpus, dest = pathlib.Path(corpus), pathlib.Path(dest)
    tree, truth = dest / "tree", dest / "truth"
    if dest.exists():
        shutil.rmtree(dest)
    srcs = sources(corpus)
    # Passes over every source, each starting half a piece further on,
    # until there are enough pieces.
    queues, passes, total = [[] for _ in srcs], 0, 0
    while total < pieces and passes < 8:
        skip = passes * size // 2
        for q, (name, text, family, suffix) in zip(queues, srcs):
            got = pieces_of(name, text, family, size, skip, passes)
            if passes == 0 or len(got) > 1:
                q.extend((p, suffix) for p in got)
                total += len(got)
        passes += 1
    # Evenly spaced over all the pieces cut, so each source gives its share
    # (by size) whatever the count.
    every = [p for q in queues for p in q]
    chosen = [every[k * len(every) // pieces] for k in range(min(pieces, len(every)))]
    rows = []
    for n, ((data, codec, fam, text, source), suffix) in enumerate(chosen):
        if fam != "utf-8" and source.startswith("bench/") and n % 4 == 3:
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
            data = text.encode(codec)
        rel = f"{FOLDER[fam]}/{n:04}.{suffix}"
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_bytes(data)
        (truth / rel).parent.mkdir(parents=True, exist_ok=True)
        (truth / rel).write_bytes(text.encode("utf-8"))
        rows.append((rel, codec, source))
    with open(dest / "manifest.tsv", "w", encoding="utf-8") as f:
        f.write("rel\tencoding\tsource\n")
        for rel, codec, source in rows:
            f.write(f"{rel}\t{codec}\t{source}\n")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dest")
    add_corpus_arg(ap)
    ap.add_argument("--pieces", type=int, default=PIECES, help=f"how many pieces (default {PIECES})")
    ap.add_argument("--size", type=int, default=SIZE, help=f"bytes per piece, about (default {SIZE})")
    args = ap.parse_args()
    rows = build(args.corpus, args.dest, args.pieces, args.size)
    files = [f for f in (pathlib.Path(args.dest) / "tree").rglob("*") if f.is_file()]
    size = sum(f.stat().st_size for f in files)
    by = {}
    for _, codec, _ in rows:
        by[codec] = by.get(codec, 0) + 1
    print(f"{len(rows)} pieces, {size / 1e6:.1f} MB ({size / max(len(rows), 1) / 1e3:.1f} KB each), "
          f"{', '.join(f'{c} {k}' for c, k in sorted(by.items()))}, in {args.dest}")


if __name__ == "__main__":
    main()
