"""Generate JSON Lines and WARC inputs for the Spark tests and measurements.

The data imitates what a crawl hands to zhnorm: Traditional Chinese in UTF-8,
GBK and Big5, HTML entities, full-width oddities, records that are not JSON
objects, WARC records that are not text, and plain and gzip-compressed
files side by side. Everything is drawn from a seeded generator, so a run
with the same arguments writes the same bytes.

    python tests/spark/gen_data.py OUT_DIR [--records N] [--files K] [--seed S]

writes OUT_DIR/jsonl/ and OUT_DIR/warc/ (each with K files of about N
records) and prints what it wrote.
"""

import argparse
import gzip
import io
import json
import os
import random
import sys
import uuid

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# Traditional phrases that GBK and Big5 can both encode, so one sentence can
# be written in either legacy encoding.
PHRASES = [
    "軟體開發", "資訊科技", "臺灣大學", "圖書館", "電腦網路", "記憶體",
    "這個問題", "我們認為", "經濟發展", "歷史文學", "讀書節", "開放時間",
    "主辦單位", "學術研究", "環境保護", "醫療服務", "鐵路運輸", "國際關係",
    "網際網路", "資料庫", "程式設計", "傳統文化", "藝術展覽", "體育運動",
    "發表意見", "憂鬱", "龜兔賽跑", "舊書攤", "聯絡處", "觀光旅遊",
]
PUNCT = ["，", "。", "、", "；", "！", "？"]
# Entities the cleanup decodes: named, decimal and hexadecimal.
ENTITIES = ["&quot;", "&amp;", "&#35722;", "&#x8CC7;&#x8A0A;", "&nbsp;", "&lt;b&gt;"]


def sentence(rng, words=8):
    """One Traditional sentence, with an entity now and then."""
    parts = []
    for i in range(rng.randint(3, words)):
        parts.append(rng.choice(PHRASES))
        if rng.random() < 0.15:
            parts.append(rng.choice(ENTITIES))
        if i and rng.random() < 0.3:
            parts.append(rng.choice(PUNCT))
    return "".join(parts) + "。"


def jsonl_record(rng, n):
    """One JSON Lines record, in one of several shapes a crawl produces."""
    kind = rng.random()
    if kind < 0.03:
        # Not an object: the CLI passes it through and counts it.
        return rng.choice(["null", "[1, 2, 3]", '"只有字串"', "{broken"])
    rec = {
        "id": n,
        "url": "https://example.com/%d" % n,
        "text": "\n".join(sentence(rng) for _ in range(rng.randint(1, 4))),
        "meta": {"lang": "zh-Hant", "text": sentence(rng, 4)},
    }
    if rng.random() < 0.5:
        rec["title"] = sentence(rng, 4)
    if rng.random() < 0.05:
        rec["text"] = 12345  # a field of the wrong type is left alone
    style = rng.random()
    if style < 0.3:
        return json.dumps(rec)  # \uXXXX escapes
    if style < 0.4:
        # Unusual spacing and key order must survive byte for byte.
        return json.dumps(rec, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return json.dumps(rec, ensure_ascii=False)


def write_jsonl(out, records, files, rng, utf8_only=False):
    """K files of JSON Lines, alternately plain and gzip; the third is Big5
    unless UTF8_ONLY, the fourth has CRLF line endings."""
    os.makedirs(out, exist_ok=True)
    names = []
    n = 0
    for k in range(files):
        lines = []
        for _ in range(records):
            lines.append(jsonl_record(rng, n))
            n += 1
        # JSON Lines should be UTF-8, but crawls also hold legacy files,
        # which zhnorm decodes as it decodes any other input.
        # One file has CRLF line endings, which zhnorm keeps.
        eol = "\r\n" if k == 3 else "\n"
        data = (eol.join(lines) + eol).encode("big5" if k == 2 and not utf8_only else "utf-8")
        if k % 2:
            name = "part %d,x.jsonl.gz" % k  # a comma and a space in the name
            with open(os.path.join(out, name), "wb") as f:
                f.write(gzip.compress(data, mtime=0))
        else:
            name = "crawl-%d.jsonl" % k
            with open(os.path.join(out, name), "wb") as f:
                f.write(data)
        names.append(name)
    # Something that is not JSON Lines, which the job must not read.
    with open(os.path.join(out, "README.txt"), "w") as f:
        f.write("not an input\n")
    return names, n


def page(rng, charset, declare):
    """An HTML page in CHARSET; DECLARE says where the charset is stated."""
    meta = '<meta charset="%s">' % charset if declare == "meta" else ""
    body = "".join("<p>%s</p>\n" % sentence(rng) for _ in range(rng.randint(2, 6)))
    html = (
        "<!DOCTYPE html>\n<html><head>%s<title>%s</title>"
        "<style>p { color: red }</style></head>\n<body>\n%s"
        "<script>var x = '不要轉換';</script>\n</body></html>\n"
        % (meta, rng.choice(PHRASES), body)
    )
    return html.encode(charset)


def fixed(record, rng, n):
    """RECORD with a date and an ID drawn from RNG instead of the clock."""
    h = record.rec_headers
    h.replace_header("WARC-Date", "2024-05-%02dT%02d:%02d:00Z" % (1 + n % 28, n % 24, n % 60))
    h.replace_header("WARC-Record-ID", "<urn:uuid:%s>" % uuid.UUID(int=rng.getrandbits(128)))
    return record


def write_warc(out, records, files, rng):
    """K WARC files (alternately .warc.gz and .warc) with mixed records."""
    os.makedirs(out, exist_ok=True)
    names = []
    n = 0
    for k in range(files):
        gz = k % 2 == 0
        name = "crawl-%d.warc%s" % (k, ".gz" if gz else "")
        with open(os.path.join(out, name), "wb") as f:
            w = WARCWriter(f, gzip=gz)
            w.write_record(fixed(w.create_warcinfo_record(name, {"software": "gen_data.py"}), rng, n))
            for _ in range(records):
                url = "https://example.com/page/%d" % n
                n += 1
                kind = rng.random()
                if kind < 0.1:
                    # A request: not text to convert.
                    h = StatusAndHeaders("GET /page HTTP/1.1", [("Host", "example.com")],
                                         is_http_request=True)
                    w.write_record(fixed(w.create_warc_record(url, "request", http_headers=h), rng, n))
                    continue
                if kind < 0.15:
                    png = b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(64))
                    h = StatusAndHeaders("200 OK", [("Content-Type", "image/png")],
                                         protocol="HTTP/1.1")
                    w.write_record(fixed(w.create_warc_record(
                        url, "response", payload=io.BytesIO(png), http_headers=h,
                        length=len(png)), rng, n))
                    continue
                charset = rng.choice(["utf-8", "gbk", "big5"])
                declare = rng.choice(["header", "meta", "none"])
                body = page(rng, charset, declare)
                ctype = "text/html" + ("; charset=" + charset if declare == "header" else "")
                h = StatusAndHeaders("200 OK", [("Content-Type", ctype),
                                                ("Content-Length", str(len(body)))],
                                     protocol="HTTP/1.1")
                w.write_record(fixed(w.create_warc_record(
                    url, "response", payload=io.BytesIO(body), http_headers=h), rng, n))
                if rng.random() < 0.1:
                    # A conversion record (WET-like plain text).
                    text = "\n".join(sentence(rng) for _ in range(3)).encode("utf-8")
                    w.write_record(fixed(w.create_warc_record(
                        url, "conversion", payload=io.BytesIO(text),
                        warc_content_type="text/plain"), rng, n))
        names.append(name)
    return names, n


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--records", type=int, default=60, help="records per file (default 60)")
    ap.add_argument("--files", type=int, default=4, help="files per format (default 4)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--utf8", action="store_true",
                    help="JSON Lines in UTF-8 only (what Spark's textFile can read)")
    ap.add_argument("--no-warc", action="store_true", help="JSON Lines only")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    jn, jcount = write_jsonl(os.path.join(args.out, "jsonl"), args.records, args.files, rng,
                             args.utf8)
    print("%s: %d JSON Lines records in %d files" % (args.out, jcount, len(jn)), file=sys.stderr)
    if not args.no_warc:
        wn, wcount = write_warc(os.path.join(args.out, "warc"), args.records, args.files, rng)
        print("%s: %d WARC targets in %d files" % (args.out, wcount, len(wn)), file=sys.stderr)


if __name__ == "__main__":
    main()
