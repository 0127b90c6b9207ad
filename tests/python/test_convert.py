"""zhnorm.convert and zhnorm.Converter against OpenCC 1.4.2's Python library."""

from __future__ import annotations

import opencc
import pytest

import gen_text
import zhnorm

OPENCC_CONFIGS = [c for c in zhnorm.configs() if c != "none"]


def test_opencc_is_the_reference_version():
    assert opencc.__version__ == "1.4.2"


@pytest.mark.parametrize("config", OPENCC_CONFIGS)
def test_generated_cases_equal_opencc(config, gen_pools):
    cases = gen_text.generate_cases(gen_pools, config, seed=13, n=400)
    ref = opencc.OpenCC(config)
    conv = zhnorm.Converter(config)
    bad = [c for c in cases if conv.convert(c) != ref.convert(c)]
    assert not bad, f"{len(bad)} of {len(cases)} cases differ, first: {bad[0]!r}"
    # The module function and a whole text (cases meeting across lines).
    whole = "\n".join(cases)
    assert zhnorm.convert(whole, config) == ref.convert(whole)


@pytest.mark.parametrize("config", ["t2s", "s2twp", "jp2t"])
def test_long_text_crossing_the_boundary_in_pieces_equals_opencc(config, gen_pools):
    # Over a million code points: converted in pieces (see convert_str in
    # python/src/lib.rs), cut at fixed code-point offsets whatever the text
    # there, with and without line breaks to cut at.
    cases = gen_text.generate_cases(gen_pools, config, seed=7, n=3000)
    ref = opencc.OpenCC(config)
    for sep in ("\n", ""):
        unit = sep.join(cases)
        text = unit * (1_300_000 // len(unit) + 1)
        assert len(text) > 1_048_576
        got = zhnorm.convert(text, config)
        want = ref.convert(text)
        if got != want:
            i = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
            pytest.fail(f"differs at {i}: {got[i - 20:i + 20]!r} vs {want[i - 20:i + 20]!r}")


def test_examples():
    assert zhnorm.convert("漢字轉換") == "汉字转换"
    assert zhnorm.convert("汉字转换", "s2t") == "漢字轉換"
    assert zhnorm.convert("漢字", config="none") == "漢字"
    assert zhnorm.Converter("s2tw").convert("软件") == "軟件"
    assert zhnorm.Converter("s2twp").convert("软件") == "軟體"
    assert zhnorm.Converter().config == "t2s"
    # OpenCC's file names, as -c takes them.
    assert zhnorm.convert("漢字", "t2s.json") == "汉字"
    assert zhnorm.Converter("/usr/share/opencc/s2t.json").config == "s2t"


def test_empty_and_ascii():
    assert zhnorm.convert("") == ""
    assert zhnorm.convert("plain ASCII\r\n") == "plain ASCII\r\n"


def test_user_dictionary_wins_over_builtin(tmp_path):
    d = tmp_path / "mine.txt"
    d.write_text("# comment\n軟體\t软件\n", encoding="utf-8")
    assert zhnorm.convert("軟體與硬體") == "软体与硬体"
    conv = zhnorm.Converter("t2s", dicts=[d])
    assert conv.convert("軟體與硬體") == "软件与硬体"
    assert [str(p) for p in conv.dicts] == [str(d)]
    # A str path works as well as a Path.
    assert zhnorm.Converter("t2s", dicts=[str(d)]).convert("軟體") == "软件"


def test_later_dictionary_wins(tmp_path):
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text("漢字\t甲\n", encoding="utf-8")
    b.write_text("漢字\t乙\n", encoding="utf-8")
    assert zhnorm.Converter("t2s", dicts=[a, b]).convert("漢字") == "乙"
    assert zhnorm.Converter("t2s", dicts=[b, a]).convert("漢字") == "甲"


def test_unknown_config_is_a_value_error():
    with pytest.raises(ValueError, match="unknown config 'x2y'"):
        zhnorm.convert("字", "x2y")
    with pytest.raises(ValueError, match="x2y"):
        zhnorm.Converter("x2y")


def test_missing_dictionary_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        zhnorm.Converter("t2s", dicts=[tmp_path / "absent.txt"])


def test_malformed_dictionary_is_a_value_error(tmp_path):
    d = tmp_path / "bad.txt"
    d.write_text("no tab here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1"):
        zhnorm.Converter("t2s", dicts=[d])


def test_wrong_types_are_type_errors():
    with pytest.raises(TypeError):
        zhnorm.convert(b"bytes are not text")
    with pytest.raises(TypeError):
        zhnorm.Converter("t2s", dicts="one-path-not-a-list")
