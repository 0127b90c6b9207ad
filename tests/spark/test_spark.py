"""The Spark job and the README's RDD.pipe recipe, checked against the CLI.

Run from the repository root, in a venv holding pyspark, warcio, pytest and
the zhnorm package (`.ci/run` step "spark" sets that up):

    python -m pytest tests/spark -q

The CLI under comparison is ZHNORM_BIN, by default the release build in
CARGO_TARGET_DIR (or target/). Spark runs with master local[2] (SPARK_MASTER
overrides it) and needs Java 17 or newer.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "spark_normalize.py"
GEN = Path(__file__).with_name("gen_data.py")
MASTER = os.environ.get("SPARK_MASTER", "local[2]")


def cli_path():
    """The zhnorm binary the Spark results are compared with."""
    if "ZHNORM_BIN" in os.environ:
        return Path(os.environ["ZHNORM_BIN"]).resolve()
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return (target / "release" / "zhnorm").resolve()


ZHNORM = cli_path()


def spark_env():
    """The environment for a Spark driver: workers use this interpreter."""
    env = dict(os.environ)
    env["PYSPARK_PYTHON"] = sys.executable
    env["PYSPARK_DRIVER_PYTHON"] = sys.executable
    return env


def run_job(*args):
    """Runs examples/spark_normalize.py; returns the finished process."""
    cmd = [sys.executable, str(SCRIPT), *map(str, args), "--master", MASTER]
    return subprocess.run(cmd, env=spark_env(), capture_output=True, text=True, timeout=600)


def lines_of(data):
    """The LF-terminated lines of DATA (bytes), a CR before an LF kept."""
    lines = data.decode("utf-8").split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def part_lines(out_dir):
    """Every line of every part file in OUT_DIR, in file order."""
    parts = sorted(Path(out_dir).glob("part-*"))
    assert parts, "no part files in %s" % out_dir
    lines = []
    for p in parts:
        lines.extend(lines_of(p.read_bytes()))
    return lines


def cli_lines(*args, stdin=None):
    """The lines zhnorm writes for ARGS (and STDIN bytes, if given)."""
    r = subprocess.run([str(ZHNORM), "-q", *map(str, args)], input=stdin,
                       capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    return lines_of(r.stdout)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A small generated set: 4 JSON Lines files and 4 WARC files."""
    if not ZHNORM.is_file():
        pytest.fail("no zhnorm binary at %s (cargo build --release, or set ZHNORM_BIN)" % ZHNORM)
    d = tmp_path_factory.mktemp("data")
    subprocess.run([sys.executable, str(GEN), str(d), "--records", "60", "--files", "4"], check=True)
    return d


def input_files(d, suffixes):
    return sorted(p for p in d.iterdir() if p.name.endswith(suffixes))


# The default chunks hold a whole test file; 4096 bytes cuts every file into
# several calls, each decoded on its own.
@pytest.mark.parametrize("chunk", [None, 4096])
def test_jsonl_records_equal_the_clis(data, tmp_path, chunk):
    out = tmp_path / "out"
    extra = ["--chunk-bytes", chunk] if chunk else []
    r = run_job(data / "jsonl", out, "--field", "text", "--field", "title", *extra)
    assert r.returncode == 0, r.stderr
    got = part_lines(out)

    want = []
    n_in = 0
    for f in input_files(data / "jsonl", (".jsonl", ".jsonl.gz")):
        lines = cli_lines("--format", "jsonl", "--field", "text", "--field", "title", f)
        want.extend(lines)
        n_in += len(lines)
    assert n_in == 240
    # Records, not only their number: the same bytes on every line. Part
    # files come in partition order, which is the sorted file order.
    assert len(got) == n_in
    assert sorted(got) == sorted(want)
    assert got == want
    # It converted something, in the named fields only.
    joined = "\n".join(got)
    assert "软体" in joined and "軟體" in joined  # meta.text is not a named field
    assert "240 records in, 240 records out, 0 failed" in r.stderr
    # The CRLF file's line endings came through.
    assert sum(line.endswith("\r") for line in got) == 60


def test_warc_records_equal_the_clis(data, tmp_path):
    out = tmp_path / "out"
    # Batches of a few gzip members: each .warc.gz goes in several calls.
    r = run_job(data / "warc", out, "--format", "warc", "--chunk-bytes", 4096)
    assert r.returncode == 0, r.stderr
    got = part_lines(out)

    want = []
    for f in input_files(data / "warc", (".warc", ".warc.gz")):
        want.extend(cli_lines("--format", "warc", "--to", "jsonl", f))
    assert len(want) > 200
    assert got == want
    recs = [json.loads(line) for line in got]
    assert all(set(r) == {"url", "date", "text"} for r in recs)
    assert any("软体" in r["text"] for r in recs)
    assert not any("軟體" in r["text"] for r in recs)
    assert "4 input files, 4 files in" in r.stderr and ", 0 failed" in r.stderr


def test_refused_record_is_kept_and_counted(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    good = '{"text": "軟體"}'
    # A NUL byte makes the package call the line binary; the CLI fails a
    # whole input for it. The job keeps the line as it came and counts it.
    bad = b'{"text": "\x00\xe8\xbb\x9f"}'
    (src / "a.jsonl").write_bytes(good.encode() + b"\n" + bad + b"\n" + good.encode() + b"\n")
    out = tmp_path / "out"
    r = run_job(src, out)
    assert r.returncode == 1, r.stderr
    assert "3 records in, 3 records out, 1 failed" in r.stderr
    raw = b"".join(p.read_bytes() for p in sorted(out.glob("part-*")))
    assert raw.split(b"\n") == [b'{"text": "\xe8\xbd\xaf\xe4\xbd\x93"}', bad,
                                b'{"text": "\xe8\xbd\xaf\xe4\xbd\x93"}', b""]


def test_usage_errors(tmp_path):
    r = subprocess.run([sys.executable, str(SCRIPT), "in", "out", "--format", "warc",
                        "--field", "title"], capture_output=True, text=True)
    assert r.returncode == 2 and "--field applies to --format jsonl only" in r.stderr
    r = subprocess.run([sys.executable, str(SCRIPT), "in", "out", "--config", "t2x"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--config" in r.stderr and "t2x" in r.stderr
    r = run_job(tmp_path / "missing", tmp_path / "out")
    assert r.returncode == 2 and "no such directory" in r.stderr
    (tmp_path / "empty").mkdir()
    r = run_job(tmp_path / "empty", tmp_path / "out")
    assert r.returncode == 2 and "no .jsonl or .jsonl.gz files" in r.stderr
    (tmp_path / "empty" / "a.jsonl").write_text('{"text": "軟體"}\n', encoding="utf-8")
    r = run_job(tmp_path / "empty", tmp_path / "empty")
    assert r.returncode == 2 and "already exists" in r.stderr


def readme_pipe_recipe():
    """The README's RDD.pipe code block, with its ZHNORM line."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    recipes = [b for b in blocks if ".pipe(" in b]
    assert len(recipes) == 1, "expected one RDD.pipe block in README.md"
    recipe = recipes[0]
    assert len(re.findall(r"^ZHNORM = .*$", recipe, re.M)) == 1
    return recipe


PIPE_DRIVER = r'''
import json, sys
from pyspark import SparkContext
master, recipe, src, dst = sys.argv[1:5]
sc = SparkContext(master, "pipe-recipe")
sc.setLogLevel("ERROR")
def parse(line):
    # An exception here would run in pipe()'s feeding thread and leave the
    # task hanging, so lines that are not JSON become None.
    try:
        return json.loads(line)
    except ValueError:
        return None
lines = sc.textFile(src)
rdd = lines.map(parse).filter(lambda r: isinstance(r, dict))
scope = {"rdd": rdd}
exec(recipe, scope)
result = {"cleaned": scope["cleaned"].collect()}
# The recipe as it stood before: PATH is not searched, the job fails.
old = rdd.map(json.dumps).pipe("zhnorm -q --format jsonl --field text --field title")
try:
    old.collect()
    result["old"] = "ran"
except Exception as e:
    result["old"] = str(e)
# checkCode=True: a zhnorm that exits non-zero fails the job.
bad = recipe.replace("--field text", "--config no-such-config --field text")
scope = {"rdd": rdd}
exec(bad, scope)
try:
    scope["cleaned"].collect()
    result["bad"] = "ran"
except Exception as e:
    result["bad"] = str(e)
sc.stop()
json.dump(result, open(dst, "w"), ensure_ascii=False)
'''


def test_readme_pipe_recipe(data, tmp_path):
    recipe = re.sub(r"^ZHNORM = .*$", "ZHNORM = %r" % str(ZHNORM), readme_pipe_recipe(),
                    flags=re.M)
    src = data / "jsonl" / "crawl-0.jsonl"  # UTF-8, as textFile expects
    dst = tmp_path / "result.json"
    env = spark_env()
    # zhnorm is on the driver's PATH, yet the old recipe cannot find it.
    env["PATH"] = "%s:%s" % (ZHNORM.parent, env.get("PATH", ""))
    subprocess.run([sys.executable, "-c", PIPE_DRIVER, MASTER, recipe, str(src), str(dst)],
                   env=env, check=True, timeout=600)
    result = json.loads(dst.read_text(encoding="utf-8"))

    records = []
    for line in src.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            pass
    records = [r for r in records if isinstance(r, dict)]
    stdin = "".join(json.dumps(r) + "\n" for r in records).encode("utf-8")
    want = [json.loads(line) for line in
            cli_lines("--format", "jsonl", "--field", "text", "--field", "title", stdin=stdin)]
    assert len(records) > 50
    assert result["cleaned"] == want
    assert any("软体" in r.get("text", "") for r in want if isinstance(r.get("text"), str))
    assert "No such file or directory" in result["old"] and "zhnorm" in result["old"]
    assert "PIPE_FUNCTION_EXITED" in result["bad"] or "exited" in result["bad"]
