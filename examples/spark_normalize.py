"""Normalize a directory of JSON Lines or WARC files with Spark and zhnorm.

    python examples/spark_normalize.py INPUT OUTPUT [--format jsonl|warc]
        [--field NAME]... [--config NAME] [--chunk-bytes N] [--master URL]

INPUT is a directory (local, HDFS, S3A, ... : any path Hadoop can list);
its files are read recursively. OUTPUT is a new directory of JSON Lines part
files (``part-*``), written by ``saveAsTextFile``.

* ``--format jsonl`` (default) reads ``*.jsonl`` and ``*.jsonl.gz``. Every
  record comes out with its named string fields (``--field``, default
  ``text``) cleaned and converted and every other byte unchanged: the
  records ``zhnorm --format jsonl`` writes (a missing final newline is
  added).
* ``--format warc`` reads ``*.warc`` and ``*.warc.gz`` and writes one
  ``{"url", "date", "text"}`` record per text record: the records
  ``zhnorm --format warc --to jsonl`` writes.

The work runs in ``mapPartitions`` with the ``zhnorm`` Python package, which
must be installed on every executor (see docs/spark.md). No
JSON Lines record is lost: a line the package refuses is written as it
came. Every failure (such a line, a WARC batch, a damaged .gz) is counted,
and the first few are named on standard error. The exit status is 0 when
nothing failed, 1 when something did, 2 on a usage error.
"""

import argparse
import gzip
import io
import sys
import zlib

from pyspark import SparkConf, SparkContext
from pyspark.accumulators import AccumulatorParam

# How many JSON Lines records go to the package in one call, and how many
# bytes (JSON Lines or .warc.gz members; --chunk-bytes). Larger chunks spend
# less time crossing into Rust; smaller ones hold less in memory.
CHUNK_RECORDS = 2000
CHUNK_BYTES = 8 << 20

# Hadoop reads a path as a glob; these characters must be escaped in file
# names so that a file called "a[1].jsonl" is read as itself.
GLOB_CHARS = "\\*?[]{}"

# How many failures are named on standard error (the count covers all).
SHOWN_FAILURES = 5


def parse_args(argv):
    """The command line, with --field refused where the CLI refuses it."""
    ap = argparse.ArgumentParser(
        prog="spark_normalize.py",
        description="Clean and convert JSON Lines or WARC files with zhnorm on Spark.",
    )
    ap.add_argument("input", metavar="INPUT", help="directory of input files")
    ap.add_argument("output", metavar="OUTPUT", help="directory for the part files (must not exist)")
    ap.add_argument("--format", choices=("jsonl", "warc"), default="jsonl",
                    help="input format (default jsonl)")
    ap.add_argument("--field", action="append", metavar="NAME",
                    help="JSON Lines: top-level string field to clean (repeatable; default text)")
    ap.add_argument("--config", default="t2s", metavar="NAME",
                    help="conversion configuration (default t2s)")
    ap.add_argument("--chunk-bytes", type=int, default=CHUNK_BYTES, metavar="N",
                    help="bytes of input per call into the package (default 8 MiB)")
    ap.add_argument("--master", metavar="URL",
                    help="Spark master: spark://HOST:7077, yarn, k8s://...; default the one "
                         "spark-submit was given, else local[*]")
    args = ap.parse_args(argv)
    if args.field and args.format != "jsonl":
        ap.error("--field applies to --format jsonl only")
    if not args.field:
        args.field = ["text"]
    if args.chunk_bytes < 1:
        ap.error("--chunk-bytes must be at least 1")
    return args


def escape_glob(path):
    """PATH with Hadoop's glob characters escaped.

    A comma separates paths before any escape is seen, except inside a
    brace group, so a literal comma becomes the one-choice group "{\\,}".
    """
    return "".join("\\" + c if c in GLOB_CHARS else "{\\,}" if c == "," else c for c in path)


def list_inputs(sc, root, suffixes):
    """Every file under ROOT whose name ends in one of SUFFIXES, sorted.

    Listed through Hadoop's FileSystem, so ROOT may be any URL the cluster
    can read. Names starting with "." or "_" are skipped, as Hadoop's input
    formats skip them (Spark's own _SUCCESS markers, editors' temp files).
    """
    jvm = sc._jvm
    path = jvm.org.apache.hadoop.fs.Path(root)
    fs = path.getFileSystem(sc._jsc.hadoopConfiguration())
    if not fs.exists(path):
        raise FileNotFoundError("%s: no such directory" % root)
    found = []
    files = fs.listFiles(path, True)
    while files.hasNext():
        p = files.next().getPath()
        name = p.getName()
        if name.startswith((".", "_")):
            continue
        if name.endswith(suffixes):
            found.append(p.toString())
    return sorted(found)


class FirstFew(AccumulatorParam):
    """An accumulator of lists that keeps the first SHOWN_FAILURES items."""

    def zero(self, value):
        return []

    def addInPlace(self, a, b):
        return (a + b)[:SHOWN_FAILURES]


class Tally:
    """Accumulators counting records and failures across the executors.

    Spark may run a task again after a lost executor, and an accumulator
    updated inside a transformation then counts that task twice; the counts
    are exact on a run without retries and an upper bound otherwise.
    """

    def __init__(self, sc):
        self.records_in = sc.accumulator(0)
        self.records_out = sc.accumulator(0)
        self.failed = sc.accumulator(0)
        # The first few failures, as (where, message) pairs.
        self.examples = sc.accumulator([], FirstFew())


def as_element(text):
    """The package's output TEXT (bytes) as one RDD element, and its line count.

    saveAsTextFile writes each element and an LF, bytes as they are. Handing
    it a whole chunk of lines, less its last LF, writes the same bytes as
    one element per line would, and Spark's cost per element (pickling,
    crossing into the JVM, a String per element) is paid once per chunk
    instead of once per record. Empty output is no element at all: an empty
    element would write a blank line.
    """
    if not text:
        return None, 0
    n = text.count(b"\n")
    if text.endswith(b"\n"):
        text = text[:-1]
    else:
        n += 1
    return text, n


def jsonl_lines(path, data):
    """The lines of one JSON Lines file, as bytes ending in LF where the file's do.

    A .gz file is decompressed as it is read, so only its compressed bytes
    and one line are in memory at a time.
    """
    if path.endswith(".gz"):
        yield from gzip.GzipFile(fileobj=io.BytesIO(data))
    else:
        yield from io.BytesIO(data)


def gzip_members(data):
    """The decompressed members of a gzip file, one at a time.

    A well-formed .warc.gz holds one record per member, so a member boundary
    is a record boundary: records can go to the package in batches without
    parsing a WARC header here. The input is fed in 64 KiB pieces so that
    what is left over after a member stays small.
    """
    view = memoryview(data)
    pos = 0
    while pos < len(view):
        d = zlib.decompressobj(wbits=31)
        parts = []
        while not d.eof:
            if pos >= len(view):
                raise EOFError("gzip member cut off at byte %d" % pos)
            piece = view[pos : pos + (64 << 10)]
            parts.append(d.decompress(piece))
            pos += len(piece)
        pos -= len(d.unused_data)
        yield b"".join(parts)


def batches(pieces, limit):
    """PIECES (byte strings) joined into runs of about LIMIT bytes."""
    run, size = [], 0
    for piece in pieces:
        run.append(piece)
        size += len(piece)
        if size >= limit:
            yield b"".join(run)
            run, size = [], 0
    if run:
        yield b"".join(run)


def jsonl_partition(fields, config, chunk_bytes, tally):
    """The mapPartitions function for JSON Lines: (path, bytes) in, chunks of lines out.

    A file's lines go to the package in chunks, line endings and all, so a
    chunk is a small JSON Lines file and comes back as the same number of
    lines, byte for byte what the CLI writes for them. Every chunk is judged
    on its own, on at least as many bytes as the CLI reads before it settles
    a file's encoding. If a chunk is refused as a whole (a NUL byte makes
    the package call it binary), its lines are tried one by one, and a line
    that is still refused is written as it came.
    """

    def normalize_chunk(zhnorm, chunk):
        text = zhnorm.normalize_bytes(b"".join(chunk), config=config, format="jsonl",
                                      fields=fields)
        element, n = as_element(text)
        if n != len(chunk):
            raise ValueError("%d lines in, %d out" % (len(chunk), n))
        return element

    def flush(zhnorm, path, chunk):
        tally.records_in.add(len(chunk))
        try:
            out = [normalize_chunk(zhnorm, chunk)]
        except Exception:
            out = []
            for line in chunk:
                try:
                    out.append(normalize_chunk(zhnorm, [line]))
                except Exception as e:
                    tally.failed.add(1)
                    tally.examples.add([("%s: line %r" % (path, line[:40]), "%s: %s" % (type(e).__name__, e))])
                    # Written as it came; saveAsTextFile adds the LF.
                    out.append(line[:-1] if line.endswith(b"\n") else line)
        tally.records_out.add(len(chunk))
        return out

    def run(files):
        import zhnorm

        for path, data in files:
            chunk, size = [], 0
            try:
                for line in jsonl_lines(path, data):
                    chunk.append(line)
                    size += len(line)
                    if len(chunk) >= CHUNK_RECORDS or size >= chunk_bytes:
                        yield from flush(zhnorm, path, chunk)
                        chunk, size = [], 0
            except (OSError, EOFError, zlib.error) as e:
                # A damaged .gz: what was read before the damage is kept.
                tally.failed.add(1)
                tally.examples.add([(path, "%s: %s" % (type(e).__name__, e))])
            if chunk:
                yield from flush(zhnorm, path, chunk)

    return run


def warc_partition(config, chunk_bytes, tally):
    """The mapPartitions function for WARC: (path, bytes) in, chunks of JSON lines out.

    A .warc.gz goes to the package in batches of whole gzip members, so
    memory holds one batch of decompressed records; a plain .warc goes
    whole, as only a WARC parser can find its record boundaries.
    """

    def run(files):
        import zhnorm

        for path, data in files:
            tally.records_in.add(1)
            runs = batches(gzip_members(data), chunk_bytes) if path.endswith(".gz") else iter([data])
            n = 0
            while True:
                try:
                    run_bytes = next(runs, None)
                    if run_bytes is None:
                        break
                    n += 1
                    text = zhnorm.normalize_bytes(run_bytes, config=config, format="warc",
                                                  to="jsonl")
                except Exception as e:
                    # A refused batch costs its own records only; a damaged
                    # .gz ends the file, as nothing after it can be found.
                    tally.failed.add(1)
                    tally.examples.add([("%s: batch %d" % (path, n), "%s: %s" % (type(e).__name__, e))])
                    if isinstance(e, (EOFError, zlib.error)):
                        break
                    continue
                element, n = as_element(text)
                tally.records_out.add(n)
                if element is not None:
                    yield element

    return run


def check_config(config):
    """A usage error for an unknown --config, if the driver has the package.

    Without this check every record would fail on the executors and be
    passed through unconverted. The driver itself needs only pyspark.
    """
    try:
        import zhnorm
    except ImportError:
        return None
    try:
        zhnorm.convert("", config=config)
    except ValueError as e:
        return str(e)
    return None


def main(argv=None):
    args = parse_args(argv)
    problem = check_config(args.config)
    if problem:
        print("spark_normalize: --config: %s" % problem, file=sys.stderr)
        return 2
    conf = SparkConf().setAppName("zhnorm")
    # Set in code, a master would override spark-submit's --master.
    if args.master:
        conf.setMaster(args.master)
    elif not conf.contains("spark.master"):
        conf.setMaster("local[*]")
    # Progress bars would interleave with the summary on standard error.
    conf.set("spark.ui.showConsoleProgress", "false")
    sc = SparkContext(conf=conf)
    sc.setLogLevel("WARN")
    try:
        return run(sc, args)
    finally:
        sc.stop()


def run(sc, args):
    """Read, normalize and write; returns the exit status."""
    suffixes = (".jsonl", ".jsonl.gz") if args.format == "jsonl" else (".warc", ".warc.gz")
    try:
        paths = list_inputs(sc, args.input, suffixes)
    except FileNotFoundError as e:
        print("spark_normalize: %s" % e, file=sys.stderr)
        return 2
    if not paths:
        print("spark_normalize: %s: no %s files" % (args.input, " or ".join(suffixes)), file=sys.stderr)
        return 2
    out_path = sc._jvm.org.apache.hadoop.fs.Path(args.output)
    if out_path.getFileSystem(sc._jsc.hadoopConfiguration()).exists(out_path):
        # saveAsTextFile would fail only after the job, with a stack trace.
        print("spark_normalize: %s: already exists" % args.output, file=sys.stderr)
        return 2
    tally = Tally(sc)
    # Each file is one task, read as bytes. textFile would split large
    # files, but it decodes every line as UTF-8 in the JVM, turning GBK or
    # Big5 into U+FFFD before zhnorm could see it, and drops CRs.
    rdd = sc.union([sc.binaryFiles(escape_glob(p)) for p in paths])
    if args.format == "jsonl":
        out = rdd.mapPartitions(jsonl_partition(args.field, args.config, args.chunk_bytes, tally))
        unit = "records"
    else:
        out = rdd.mapPartitions(warc_partition(args.config, args.chunk_bytes, tally))
        unit = "files"
    out.saveAsTextFile(args.output)

    print("spark_normalize: %d input files, %d %s in, %d records out, %d failed"
          % (len(paths), tally.records_in.value, unit, tally.records_out.value, tally.failed.value),
          file=sys.stderr)
    for where, what in tally.examples.value:
        print("spark_normalize: %s: %s" % (where, what), file=sys.stderr)
    if tally.failed.value:
        return 1
    if args.format == "jsonl" and tally.records_in.value != tally.records_out.value:
        print("spark_normalize: record counts differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
