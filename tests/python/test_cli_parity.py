"""zhnorm.normalize on a file's bytes against `zhnorm -q -o OUT FILE`, over
every file of tests/fixtures/ with several option sets; the report and
detect records against the command's."""

from __future__ import annotations

import json
import pathlib
import subprocess

import pytest

import zhnorm

from conftest import ROOT

FIXTURES = sorted(p for p in (ROOT / "tests" / "fixtures").rglob("*") if p.is_file())

# (keywords for Python, the same for the command)
OPTION_SETS = [
    ({}, []),
    ({"html": "text"}, ["--html", "text"]),
    ({"config": "s2twp", "skip": ("punct", "width")}, ["-c", "s2twp", "--skip", "punct,width"]),
    ({"convert_only": True, "config": "hk2s"}, ["--convert-only", "-c", "hk2s"]),
    ({"format": "text", "skip": "entities,pinyin"}, ["--format", "text", "--skip", "entities,pinyin"]),
]


def run_cli(cli, args, cwd):
    return subprocess.run([str(cli), *args], cwd=cwd, capture_output=True)


def test_fixtures_found():
    assert len(FIXTURES) > 100


@pytest.mark.parametrize("kw,flags", OPTION_SETS, ids=lambda v: repr(v))
def test_normalize_equals_cli_on_every_fixture(cli, tmp_path, kw, flags):
    out = tmp_path / "out"
    mismatches, failures, compared = [], [], 0
    for f in FIXTURES:
        data = f.read_bytes()
        if out.exists():
            out.unlink()
        r = run_cli(cli, ["-q", "-o", str(out), *flags, str(f)], tmp_path)
        try:
            got = zhnorm.normalize_bytes(data, **kw)
        except zhnorm.NormalizeError as e:
            # The command fails on the same inputs, with the same message.
            if r.returncode == 0:
                failures.append(f"{f}: Python raised {e!r}, the command succeeded")
            elif str(e) not in r.stderr.decode("utf-8", "replace"):
                failures.append(f"{f}: {e} not in {r.stderr!r}")
            continue
        if r.returncode != 0:
            failures.append(f"{f}: the command failed ({r.stderr!r}), Python did not")
            continue
        compared += 1
        if out.read_bytes() != got:
            mismatches.append(str(f.relative_to(ROOT)))
    assert not failures, failures[:5]
    assert not mismatches, f"{len(mismatches)} differ: {mismatches[:10]}"
    assert compared > 100


def test_str_result_is_the_bytes_result_decoded():
    for f in FIXTURES:
        data = f.read_bytes()
        try:
            b = zhnorm.normalize_bytes(data)
        except zhnorm.NormalizeError:
            continue
        try:
            s = zhnorm.normalize(data)
        except zhnorm.NormalizeError as e:
            # Only WARC output may be other than UTF-8.
            with pytest.raises(UnicodeDecodeError):
                b.decode("utf-8")
            assert "UTF-8" in str(e)
            continue
        assert s.encode("utf-8") == b, f


REPORT_SKIP = {"path", "output", "status", "error"}


@pytest.mark.parametrize("kw,flags", OPTION_SETS[:2], ids=lambda v: repr(v))
def test_report_equals_cli_report(cli, tmp_path, kw, flags):
    checked = 0
    for f in FIXTURES:
        data = f.read_bytes()
        try:
            text, report = zhnorm.normalize_with_report(data, **kw)
        except zhnorm.NormalizeError:
            continue
        rep = tmp_path / "report.jsonl"
        r = run_cli(cli, ["-q", "--report", str(rep), "-o", str(tmp_path / "o"), *flags, str(f)],
                    tmp_path)
        assert r.returncode == 0, r.stderr
        records = [json.loads(line) for line in rep.read_text("utf-8").splitlines()]
        mine = [rec for rec in records if rec.get("path") == str(f)]
        assert len(mine) == 1, records
        want = {k: v for k, v in mine[0].items() if k not in REPORT_SKIP}
        assert report == want, f
        assert report["bytes_in"] == len(data)
        checked += 1
    assert checked > 100


def test_detect_equals_cli_detect_json(cli, tmp_path):
    checked = 0
    for f in FIXTURES:
        data = f.read_bytes()
        r = run_cli(cli, ["detect", "--json", str(f)], tmp_path)
        lines = [json.loads(x) for x in r.stdout.decode().splitlines() if x.strip()]
        try:
            got = zhnorm.detect(data)
        except zhnorm.BinaryInputError:
            assert not lines or lines[0].get("binary") or r.returncode != 0, (f, lines)
            continue
        assert len(lines) == 1, (f, lines, r.stderr)
        want = {k: v for k, v in lines[0].items() if k != "path"}
        assert got == want, f
        checked += 1
    assert checked > 100


def test_jsonl_fields_equal_cli(cli, tmp_path):
    records = [
        {"id": 1, "title": "軟體&amp;資訊", "text": "漢字轉換,測試。", "url": "http://x/軟體"},
        {"id": 2, "text": "乾燥的頭髮", "tags": ["軟體"]},
        {"id": 3, "title": "沒有正文"},
    ]
    raw = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    src = tmp_path / "in.jsonl"
    src.write_bytes(raw)
    for fields in (["text"], ["title", "text"]):
        out = tmp_path / "out.jsonl"
        flags = [a for f in fields for a in ("--field", f)]
        r = run_cli(cli, ["-q", "--format", "jsonl", *flags, "-o", str(out), str(src)], tmp_path)
        assert r.returncode == 0, r.stderr
        want = out.read_text("utf-8")
        assert zhnorm.normalize(raw, format="jsonl", fields=fields) == want
        # One line at a time (as a Spark job feeds records) gives the same lines.
        per_line = "".join(zhnorm.normalize(line + b"\n", format="jsonl", fields=fields)
                           for line in raw.splitlines())
        assert per_line == want
    first = json.loads(zhnorm.normalize(raw, format="jsonl", fields=["title", "text"]).splitlines()[0])
    assert first["title"] == "软体&资讯" and first["url"] == "http://x/軟體"


@pytest.mark.parametrize("name", ["sample.warc", "sample.wet", "utf8.warc", "warcio_written.warc"])
def test_warc_to_jsonl_equals_cli(cli, tmp_path, name):
    src = ROOT / "tests" / "fixtures" / "warc" / name
    out = tmp_path / "out.jsonl"
    r = run_cli(cli, ["-q", "--format", "warc", "--to", "jsonl", "-o", str(out), str(src)], tmp_path)
    assert r.returncode == 0, r.stderr
    want = out.read_text("utf-8")
    got = zhnorm.normalize(src.read_bytes(), format="warc", to="jsonl")
    assert got == want
    assert all({"url", "date", "text"} <= json.loads(line).keys() for line in got.splitlines())
