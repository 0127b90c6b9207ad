#!/usr/bin/env python3
"""Build the batch evaluation tree from the shared corpus.

The tree holds what a scraped archive holds: every file of `encodings/`, every
page of `html/`, and the news text of `bench/news_trad.txt` cut into pieces of
about 20 KB, each piece stored as Big5 (only the lines Big5 can hold), GB18030
or UTF-8 in turn, one piece in four with CRLF line endings. Beside the tree, `truth/` holds the true text of
every input as UTF-8 (the strict decode in the file's own encoding, or the
news text as it was cut), and `manifest.tsv` says where each one came from.

Usage: eval/batch_tree.py DEST [--corpus DIR]

    DEST/tree/...      the inputs (encodings/, html/, news/{big5,gb18030,utf8}/)
    DEST/truth/...     same relative paths, true text in UTF-8; missing for an
                       input that no strict codec decodes (then only "nothing
                       lost" and "no new U+FFFD" apply to it)
    DEST/manifest.tsv  rel, encoding, source

Other scripts import `build(corpus, dest)`, which returns the manifest rows.
"""
import argparse
import pathlib
import shutil
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import add_corpus_arg  # noqa: E402
from eval_decode import strict_decode  # noqa: E402

PIECE = 20_000  # characters of news text per file, cut at a line end
ROTATION = ("big5", "gb18030", "utf-8")


def news_pieces(text):
    """Cut the news text at line ends into pieces of about PIECE characters."""
    lines = text.splitlines(keepends=True)
    piece, size = [], 0
    for line in lines:
        piece.append(line)
        size += len(line)
        if size >= PIECE:
            yield "".join(piece)
            piece, size = [], 0
    if piece:
        yield "".join(piece)


def build(corpus, dest):
    corpus, dest = pathlib.Path(corpus), pathlib.Path(dest)
    tree, truth = dest / "tree", dest / "truth"
    if dest.exists():
        shutil.rmtree(dest)
    rows = []

    def add(rel, data, encoding, source, text):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_bytes(data)
        if text is not None:
            (truth / rel).parent.mkdir(parents=True, exist_ok=True)
            (truth / rel).write_bytes(text.encode("utf-8"))
        rows.append((rel, encoding, source))

    for row in manifest(corpus / "encodings" / "MANIFEST.tsv"):
        name, finest = row["file"], row["finest"]
        data = (corpus / "encodings" / name).read_bytes()
        add(f"encodings/{name}", data, finest, f"encodings/{name}", decode_or_none(data, finest))

    for row in manifest(corpus / "html" / "MANIFEST.tsv"):
        name = row["file"]
        data = (corpus / "html" / name).read_bytes()
        codecs = [c for c in row["strict_codecs_that_decode"].split(",") if c]
        codec = codecs[-1] if codecs else row["encoding"]
        add(f"html/{name}", data, codec, f"html/{name}",
            decode_or_none(data, codec) if codecs else None)

    news = (corpus / "bench" / "news_trad.txt").read_text(encoding="utf-8")
    for i, piece in enumerate(news_pieces(news)):
        if i % 4 == 3:
            piece = piece.replace("\r\n", "\n").replace("\n", "\r\n")
        encoding = ROTATION[i % len(ROTATION)]
        if encoding == "big5":
            # Hong Kong forms such as 説 and 裏 have no Big5 code. A scraper
            # saving Big5 could not have written those lines, so the piece
            # keeps only the lines Big5 (as Windows and browsers read it,
            # cp950) can hold.
            piece = "".join(line for line in piece.splitlines(keepends=True) if encodable(line, "cp950"))
            data = piece.encode("cp950")
        else:
            data = piece.encode(encoding)
        folder = {"utf-8": "utf8"}.get(encoding, encoding)
        add(f"news/{folder}/news_{i:03}.txt", data, encoding, f"bench/news_trad.txt piece {i}", piece)

    with open(dest / "manifest.tsv", "w", encoding="utf-8") as f:
        f.write("rel\tencoding\tsource\n")
        for rel, encoding, source in rows:
            f.write(f"{rel}\t{encoding}\t{source}\n")
    return rows


def encodable(text, codec):
    try:
        text.encode(codec)
        return True
    except UnicodeEncodeError:
        return False


def manifest(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    head = lines[0].split("\t")
    return [dict(zip(head, line.split("\t"))) for line in lines[1:] if line]


def decode_or_none(data, codec):
    try:
        return strict_decode(data, codec)
    except (UnicodeDecodeError, LookupError, OSError, Exception):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dest")
    add_corpus_arg(ap)
    args = ap.parse_args()
    rows = build(args.corpus, args.dest)
    size = sum(f.stat().st_size for f in (pathlib.Path(args.dest) / "tree").rglob("*") if f.is_file())
    with_truth = sum(1 for r in rows if (pathlib.Path(args.dest) / "truth" / r[0]).exists())
    print(f"{len(rows)} inputs, {size / 1e6:.1f} MB, {with_truth} with a true text, in {args.dest}")


if __name__ == "__main__":
    main()
