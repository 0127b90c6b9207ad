"""Throughput of the two Spark ways, side by side in one Spark application.

    python tests/spark/bench_spark.py [--records N] [--files K] [--master URL]
        [--zhnorm PATH] [--reps R]

Generates K plain UTF-8 JSON Lines files of N records (tests/spark/gen_data.py),
then times, on the same SparkContext (so JVM start-up is not counted):

* job:  examples/spark_normalize.py's own run() (package in mapPartitions),
        reading the files and writing part files;
* pipe: the README's RDD.pipe recipe, between textFile + json.loads and
        json.dumps + saveAsTextFile;
* cli:  the zhnorm command alone over the same files, one process per file,
        two at a time (a ceiling for what the pipe can reach).

After one untimed round the three take turns R times; the best and the
median time are printed, and records/s and MB/s of uncompressed input at
the median.
"""

import argparse
import concurrent.futures
import glob
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))
sys.path.insert(0, str(Path(__file__).parent))

import spark_normalize  # noqa: E402
from test_spark import readme_pipe_recipe  # noqa: E402


def parse(line):
    """The JSON value of LINE, or None if it is not JSON."""
    try:
        return json.loads(line)
    except ValueError:
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=25000)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--zhnorm", default=str(Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
                                            / "release" / "zhnorm"))
    args = ap.parse_args()
    zhnorm_bin = str(Path(args.zhnorm).resolve())
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    tmp = Path(tempfile.mkdtemp(prefix="zhnorm-spark-bench-"))
    try:
        subprocess.run([sys.executable, str(Path(__file__).with_name("gen_data.py")), str(tmp),
                        "--records", str(args.records), "--files", str(args.files), "--utf8",
                        "--no-warc"], check=True)
        src = tmp / "jsonl"
        # Plain files only, so that both ways read the same bytes and the
        # MB/s are of what was read.
        for p in src.glob("*.gz"):
            (src / ("plain-" + p.name[:-3])).write_bytes(gzip.decompress(p.read_bytes()))
            p.unlink()
        files = sorted(src.glob("*.jsonl"))
        n_records = sum(f.read_bytes().count(b"\n") for f in files)
        n_bytes = sum(f.stat().st_size for f in files)
        print("input: %d files, %d records, %.1f MB" % (len(files), n_records, n_bytes / 1e6))

        from pyspark import SparkConf, SparkContext

        conf = SparkConf().setMaster(args.master).setAppName("zhnorm-bench")
        conf.set("spark.ui.showConsoleProgress", "false")
        sc = SparkContext(conf=conf)
        sc.setLogLevel("ERROR")
        # The job's functions live in that module; workers must import it.
        sc.addPyFile(str(ROOT / "examples" / "spark_normalize.py"))
        recipe = readme_pipe_recipe().replace(
            next(line for line in readme_pipe_recipe().splitlines() if line.startswith("ZHNORM = ")),
            "ZHNORM = %r" % zhnorm_bin)

        def job(out):
            a = spark_normalize.parse_args([str(src), str(out), "--field", "text", "--field", "title"])
            assert spark_normalize.run(sc, a) == 0

        def pipe(out):
            # The records must be parsed before the pipe: PySpark feeds the
            # command from a thread, and an exception there (json.loads on
            # a line that is not JSON) leaves the task waiting forever.
            paths = ",".join(spark_normalize.escape_glob(str(f)) for f in files)
            rdd = sc.textFile(paths).map(parse) \
                .filter(lambda r: isinstance(r, dict))
            scope = {"rdd": rdd}
            exec(recipe, scope)
            scope["cleaned"].map(lambda r: json.dumps(r, ensure_ascii=False)).saveAsTextFile(str(out))

        def cli(out):
            out.mkdir()

            def one(f):
                with open(f, "rb") as i, open(out / f.name, "wb") as o:
                    subprocess.run([zhnorm_bin, "-q", "--format", "jsonl", "--field", "text",
                                    "--field", "title"], stdin=i, stdout=o, check=True)

            with concurrent.futures.ThreadPoolExecutor(2) as ex:
                list(ex.map(one, files))

        ways = (("job (package, mapPartitions)", job), ("RDD.pipe recipe", pipe),
                ("zhnorm CLI alone, 2 at a time", cli))
        times = {name: [] for name, _ in ways}
        # The recipe takes only the records that are JSON objects, so
        # records/s counts what each way wrote.
        written = {}
        # One untimed round starts the Python workers; then the ways take
        # turns, so that a busy spell on a shared machine hits all of them.
        for r in range(args.reps + 1):
            for name, fn in ways:
                out = tmp / ("out-%d-%d" % (r, len(times[name])))
                t0 = time.perf_counter()
                fn(out)
                dt = time.perf_counter() - t0
                if r:
                    times[name].append(dt)
                written[name] = sum(len(open(p, "rb").read().splitlines())
                                    for p in glob.glob(str(out / "*"))
                                    if not os.path.basename(p).startswith("_"))
                assert written[name] >= n_records * 0.9, (name, written[name])
                shutil.rmtree(out)
        print("%-32s %8s %8s %12s %8s" % ("way", "best s", "median s", "records/s", "MB/s"))
        for name, _ in ways:
            best, median = min(times[name]), statistics.median(times[name])
            print("%-32s %8.2f %8.2f %12.0f %8.2f"
                  % (name, best, median, written[name] / median, n_bytes / 1e6 / median))
        sc.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
