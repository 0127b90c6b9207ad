"""zhnorm.convert and zhnorm.Converter against OpenCC 1.4.2's Python library."""

from __future__ import annotations

import subprocess

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
    # Over a million code points: converted in pieces on several threads
    # (see convert_str in python/src/lib.rs), cut after line breaks; without
    # line breaks, in one piece.
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


def _long(unit: str, size: int = 400_000) -> str:
    """`unit` repeated past the size from which convert() works in pieces
    (256 KiB of UTF-8)."""
    return unit * (size // len(unit) + 1)


def test_pieces_convert_as_lines_one_by_one_and_as_the_cli(cli, tmp_path, gen_pools):
    # Each line converted alone (one piece, this thread) is what the pieces,
    # cut after line breaks, must add up to; and the command, which reads
    # the file in its own chunks, agrees.
    # (Without description sequences, which may swallow a line break and
    # are converted uncut: see the next test.)
    cases = gen_text.generate_cases(gen_pools, "t2s", seed=11, n=3000)
    cases = [c for c in cases if not any("\u2ff0" <= ch <= "\u2fff" for ch in c)]
    text = _long("\n".join(cases) + "\n")
    got = zhnorm.convert(text)
    assert got == "\n".join(zhnorm.convert(line) for line in text.split("\n"))
    src = tmp_path / "in.txt"
    src.write_bytes(text.encode("utf-8"))
    out = tmp_path / "out.txt"
    subprocess.run([str(cli), "-q", "--convert-only", "-o", str(out), str(src)], check=True)
    assert out.read_bytes().decode("utf-8") == got


def test_long_text_with_a_description_sequence_equals_opencc():
    # An ideographic description sequence may swallow a line break, so such
    # a text is not cut: it must still convert as OpenCC converts the whole.
    ref = opencc.OpenCC("t2s")
    text = _long("⿰車\n專 漢字轉換。\n頭髮乾燥\n")
    assert zhnorm.convert(text) == ref.convert(text)


def test_long_text_partly_unchanged():
    # Pieces that need nothing beside pieces that change; and a long text
    # that needs nothing is handed back as the same object.
    simplified = _long("这是简体中文，已经不需要转换。\n")
    traditional = _long("這是繁體中文，需要轉換。\n")
    text = simplified + traditional
    assert zhnorm.convert(text) == simplified + zhnorm.convert(traditional)
    assert zhnorm.convert(simplified) is simplified
    short = "简体"
    assert zhnorm.convert(short) is short


@pytest.mark.parametrize("size", [10, 400_000])
def test_every_kind_of_character_survives(size):
    # Python keeps a str as 1, 2 or 4 bytes a character, by the widest one:
    # results of each width, a BOM at the start, characters beyond the BMP.
    for unit, want in [
        ("abc\n", "abc\n"),
        ("café 漢\n", "café 汉\n"),
        ("\ufeff頭髮\n", "\ufeff头发\n"),
        ("𠀀𡚴 後\n", "𠀀𡚴 后\n"),
        ("é\n", "é\n"),
    ]:
        n = max(1, size // len(unit))
        assert zhnorm.convert(unit * n) == want * n
        assert zhnorm.Converter("t2s").convert(unit * n) == want * n


@pytest.mark.parametrize("size", [10, 400_000])
def test_a_lone_surrogate_is_a_unicode_error(size):
    text = "漢字\n" * (size // 3) + "\udc80"
    with pytest.raises(UnicodeEncodeError):
        zhnorm.convert(text)


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
