"""The Python API itself: str versus bytes, errors, option names, version."""

from __future__ import annotations

import gzip
import importlib.metadata
import subprocess

import pytest

import zhnorm


def test_version_matches_the_distribution_and_the_command(cli):
    assert zhnorm.__version__ == importlib.metadata.version("zhnorm")
    out = subprocess.run([str(cli), "--version"], capture_output=True, text=True).stdout
    assert out.split()[-1] == zhnorm.__version__


def test_bytes_are_decoded_and_cleaned():
    gbk = "漢字轉換&amp;測試".encode("big5")
    assert zhnorm.normalize(gbk) == "汉字转换&测试"
    assert zhnorm.normalize("漢字轉換&amp;測試".encode("gb18030")) == "汉字转换&测试"


def test_str_is_cleaned_and_converted_only():
    assert zhnorm.normalize("軟體&amp;資訊") == "软体&资讯"
    # A str is never taken for HTML unless asked: markup stays as text.
    assert zhnorm.normalize("<p>軟體</p>") == "<p>软体</p>"
    assert zhnorm.normalize("<p>軟體</p>", format="html", html="text") == "软体\n"


def test_str_that_looks_like_a_page_is_still_text():
    # Only bytes are sniffed for markup, as the command sniffs a file; a str
    # is cleaned as a JSON Lines field is, whatever it holds.
    page = "<!DOCTYPE html><html><head><title>軟體</title></head><body><p>軟體&amp;資訊</p></body></html>"
    want = page.replace("軟體", "软体").replace("&amp;資訊", "&资讯")
    for kw in ({}, {"html": "text"}, {"format": "text", "html": "text"}):
        assert zhnorm.normalize(page, **kw) == want
        assert zhnorm.normalize_bytes(page, **kw) == want.encode()
        assert zhnorm.normalize_with_report(page, **kw)[0] == want
        assert zhnorm.normalize_many([page], **kw) == [want]
    # As bytes it is a page.
    assert zhnorm.normalize(page.encode(), html="text") == "软体\n软体&资讯\n"
    assert zhnorm.normalize(page, format="html", html="text") == "软体\n软体&资讯\n"


def test_str_and_its_utf8_bytes_agree_on_plain_text():
    s = "第 1 條 中華民國基於三民主義,為民有民治民享之民主共和國。\n"
    assert zhnorm.normalize(s) == zhnorm.normalize(s.encode())


# Records a report is not asked for take a cheaper path in the library
# (no language judgement kept for a report); the text must not differ.
RECORDS = [
    "軟體&amp;資訊 第 1 條",
    "日本語のテキストです。漢字も含む",
    "한국어 문장입니다 漢字",
    "經(jīng)濟(jì)發展",
    "æµ‹è¯•文字",
    "娴嬭瘯 測試",
    "乾燥頭髮,好嗎?",
    "",
    "plain ascii line",
    "Ｆｕｌｌ　ｗｉｄｔｈ 軟體\u00a0",
]


@pytest.mark.parametrize("config", ["t2s", "s2twp", "none"])
def test_every_str_path_gives_the_same_text(config):
    with_report = [zhnorm.normalize_with_report(r, config=config)[0] for r in RECORDS]
    assert [zhnorm.normalize(r, config=config) for r in RECORDS] == with_report
    assert zhnorm.normalize_many(RECORDS, config=config, threads=1) == with_report
    assert zhnorm.normalize_many(RECORDS * 50, config=config, threads=2) == with_report * 50
    assert [zhnorm.normalize_bytes(r, config=config).decode() for r in RECORDS] == with_report


def test_defaults_spelled_out_or_built_at_run_time_give_the_same_text():
    # normalize skips its options cache when every keyword is its own
    # default object; equal values that are other objects take the cache.
    t2s = "".join(["t2", "s"])
    for r in RECORDS:
        want = zhnorm.normalize(r)
        assert zhnorm.normalize(r, config=t2s, format="auto", html="keep", skip=[],
                                from_encoding=None, fields=["text"], to="same",
                                convert_all=False, convert_only=False, strict=False) == want
        assert zhnorm.normalize(r, skip=("mojibake",)) == zhnorm.normalize_with_report(
            r, skip=("mojibake",))[0]


def test_a_lone_surrogate_is_a_value_error_not_a_crash():
    raw = ("中華民國之主權屬於國民全體。" * 3).encode("big5") + b"\xff"
    text = raw.decode("utf-8", errors="surrogateescape")
    with pytest.raises(UnicodeEncodeError):
        zhnorm.normalize(text)
    with pytest.raises(ValueError):
        zhnorm.normalize_many([text, "ok"])
    # The bytes themselves are what zhnorm is for.
    assert zhnorm.normalize(raw) == "中华民国之主权属于国民全体。" * 3 + "\ufffd"


def test_compressed_bytes_are_decompressed():
    data = gzip.compress("漢字轉換\n".encode("big5"))
    assert zhnorm.normalize(data) == "汉字转换\n"


def test_options_change_output():
    assert zhnorm.normalize("汉字", config="s2t") == "漢字"
    assert zhnorm.normalize("漢字", config="t2s.json") == "汉字"
    assert zhnorm.normalize("&amp;", skip=["entities"]) == "&amp;"
    assert zhnorm.normalize("&amp;", skip="entities,punct") == "&amp;"
    conv = zhnorm.Converter("t2s")
    assert zhnorm.normalize("漢字", config=conv) == "汉字"


@pytest.mark.parametrize(
    "kw,word",
    [
        ({"config": "t2x"}, "t2x"),
        ({"format": "pdf"}, "pdf"),
        ({"html": "strip"}, "strip"),
        ({"skip": ["pinyin", "spelling"]}, "spelling"),
        ({"from_encoding": "klingon-8"}, "klingon-8"),
        ({"to": "csv"}, "csv"),
    ],
)
def test_unknown_names_are_value_errors_naming_them(kw, word):
    for call in (zhnorm.normalize, zhnorm.normalize_with_report, zhnorm.normalize_bytes):
        with pytest.raises(ValueError, match=word):
            call(b"abc", **kw)
    with pytest.raises(ValueError, match=word):
        zhnorm.normalize_many([b"abc"], **kw)


def test_combinations_the_command_refuses_are_value_errors():
    with pytest.raises(ValueError, match="WARC"):
        zhnorm.normalize(b"abc", format="text", to="jsonl")
    with pytest.raises(ValueError, match="JSON Lines"):
        zhnorm.normalize(b"abc", format="html", fields=["title"])


def test_converter_repr():
    assert repr(zhnorm.Converter("s2t")) == "zhnorm.Converter('s2t')"


def test_binary_input_raises_a_documented_value_error():
    data = b"PK\x03\x04\x00\x00\x08\x00" + bytes(range(256)) * 4
    with pytest.raises(zhnorm.BinaryInputError) as e:
        zhnorm.normalize(data)
    assert isinstance(e.value, ValueError)
    assert isinstance(e.value, zhnorm.NormalizeError)
    assert e.value.offset == 4
    assert "NUL byte at offset 4" in str(e.value)
    with pytest.raises(zhnorm.BinaryInputError):
        zhnorm.detect(data)
    # Giving the encoding decodes it anyway.
    out = zhnorm.normalize(data, from_encoding="latin1")
    assert out.startswith("PK")


def test_strict_raises_on_damage():
    damaged = "漢字轉換測試，這是一段正常的文字。".encode("big5") + b"\xff\xfe\xff" + "再來一段。".encode("big5")
    assert isinstance(zhnorm.normalize(damaged), str)
    with pytest.raises(zhnorm.StrictError):
        zhnorm.normalize(damaged, strict=True)


def test_wrong_data_type_is_a_type_error():
    with pytest.raises(TypeError, match="bytes or str"):
        zhnorm.normalize(123)
    with pytest.raises(TypeError):
        zhnorm.normalize_many([b"ok", 4.5])
    with pytest.raises(TypeError):
        zhnorm.detect("text is not bytes")


def test_bytearray_is_bytes():
    assert zhnorm.normalize(bytearray("漢字".encode())) == "汉字"


def test_report_fields():
    text, report = zhnorm.normalize_with_report("漢字".encode("big5"))
    assert text == "汉字"
    assert report["encoding"] == "Big5"
    assert report["converted"] is True
    assert report["bytes_in"] == 4 and report["bytes_out"] == len("汉字".encode())


def test_detect_fields():
    d = zhnorm.detect("中華民國基於三民主義，為民有民治民享之民主共和國。".encode("big5"))
    assert d["encoding"] == "Big5"
    assert "path" not in d


def test_warc_output_that_is_not_utf8_needs_normalize_bytes():
    # A WARC with a record that is not text is copied as it is.
    payload = bytes(range(256))
    rec = (b"WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
           b"WARC-Target-URI: http://x/a.bin\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n"
           b"Content-Type: application/octet-stream\r\n"
           b"Content-Length: %d\r\n\r\n" % len(payload)) + payload + b"\r\n\r\n"
    out = zhnorm.normalize_bytes(rec, format="warc")
    assert payload in out
    with pytest.raises(zhnorm.NormalizeError, match="UTF-8"):
        zhnorm.normalize(rec, format="warc")


def test_public_names_have_docstrings():
    for name in zhnorm.__all__:
        obj = getattr(zhnorm, name)
        if callable(obj):
            assert obj.__doc__ and len(obj.__doc__) > 20, name
