#!/usr/bin/env python3
"""Seeded generator of adversarial test text for the OpenCC differential check.

The text is built to exercise the places where a re-implementation of OpenCC
is most likely to drift from the original: dictionary keys and values
(whole, glued together, overlapping, cut short) so that longest-match
segmentation has real choices to make; characters outside the BMP; CJK
compatibility ideographs, which OpenCC 1.4.2 normalises before converting;
Ideographic Description Sequences, which it leaves unconverted when complete;
variation selectors and combining marks hanging off converted characters; and
the usual ASCII, punctuation, whitespace and line-ending noise of web text.
NUL is never produced (the OpenCC CLI treats it as end of input).

The same seed, config and case count always give the same text, so a failure
seen in CI can be reproduced locally.

Usage as a script (writes the concatenated cases, one per line, to OUT):

    python3 scripts/gen_text.py --config t2s --seed 1 --cases 3000 -o OUT

Usually used as a module by scripts/opencc_diff.py.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import random
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DICT_DIR = ROOT / "dictionaries"

# Punctuation seen in Chinese web text: CJK symbols block plus common marks.
CJK_PUNCT = "，。、；：？！「」『』（）《》〈〉【】〔〕…—～·‧﹏＿〃〜・"
ASCII_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
WHITESPACE = [" ", "  ", "\t", "\n", "\r\n", "\r", "\u3000", "\u00a0",
              "\u2028", "\u200b", "\x0b", "\x0c"]
# IDS operators as OpenCC 1.4.2 reads them (checked against the Python
# library): U+2FF2 and U+2FF3 take three operands, U+2FFE and U+2FFF one,
# the rest two. U+31EF is not an operator for OpenCC; it is generated too,
# as a look-alike that must convert like any other character.
IDS_OPS = [chr(c) for c in range(0x2FF0, 0x3000)] + ["\u31ef"]
IDS_TERNARY = {"\u2ff2", "\u2ff3"}
IDS_UNARY = {"\u2ffe", "\u2fff"}
EMOJI = ["\U0001F600", "\U0001F44D", "\U0001F44D\U0001F3FD", "\U0001F1E8\U0001F1F3",
         "\U0001F468\u200d\U0001F469\u200d\U0001F467", "\u2764\ufe0f", "\U0001F9E7",
         "\U0001FAE0", "#\ufe0f\u20e3"]


def parse_dict(path: pathlib.Path) -> list[tuple[str, list[str]]]:
    """Reads an OpenCC text dictionary: `key<TAB>value value...`, '#' comments."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or "\t" not in line:
            continue
        key, _, values = line.partition("\t")
        vals = [v for v in values.split(" ") if v]
        if key:
            entries.append((key, vals))
    return entries


def config_dict_files(config: str) -> list[str]:
    """Names of the dictionary files a config refers to (normalisation,
    segmentation and conversion chain alike), from dictionaries/config."""
    data = json.loads((DICT_DIR / "config" / f"{config}.json").read_text(encoding="utf-8"))
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            f = node.get("file")
            if isinstance(f, str) and f not in found:
                found.append(f)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(data)
    return found


def testcase_inputs() -> list[str]:
    """Inputs of OpenCC's upstream testcases.json.  The file has trailing
    commas (not strict JSON), so the "input" string literals are picked out
    with a regex and decoded one by one."""
    path = DICT_DIR / "testcases.json"
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r'"input"\s*:\s*("(?:[^"\\]|\\.)*")', text):
        out.append(json.loads(m.group(1)))
    return out


class Pools:
    """Keys, values and characters to draw from, loaded once and shared by
    every config (only the choice of 'relevant' files differs)."""

    def __init__(self) -> None:
        self.dicts: dict[str, list[tuple[str, list[str]]]] = {}
        for path in sorted(DICT_DIR.glob("*.txt")):
            self.dicts[path.name] = parse_dict(path)
        if not self.dicts:
            raise SystemExit(f"no dictionaries found in {DICT_DIR}")
        self.all_keys = [k for d in self.dicts.values() for k, _ in d]
        self.all_values = [v for d in self.dicts.values() for _, vs in d for v in vs]
        # Single characters that appear anywhere in the dictionaries: the
        # characters conversion actually touches.
        chars = set()
        for k in self.all_keys:
            chars.update(k)
        for v in self.all_values:
            chars.update(v)
        self.dict_chars = sorted(chars)
        self.astral_dict_chars = [c for c in self.dict_chars if ord(c) > 0xFFFF]
        # unified ideograph -> compatibility ideographs that normalise to it
        self.compat_of: dict[str, list[str]] = {}
        for k, vs in self.dicts.get("CJK_Compatibility_Ideographs.txt", []):
            if vs:
                self.compat_of.setdefault(vs[0], []).append(k)
        self.testcases = testcase_inputs()

    def for_config(self, config: str) -> "ConfigPool":
        return ConfigPool(self, config)


class ConfigPool:
    """Keys and values of the dictionaries one config uses, plus an index of
    keys by first character for building overlapping matches."""

    def __init__(self, pools: Pools, config: str) -> None:
        self.p = pools
        files = [f.replace(".ocd2", ".txt") for f in config_dict_files(config)]
        entries = [e for f in files for e in pools.dicts.get(f, [])]
        self.keys = [k for k, _ in entries] or pools.all_keys
        self.values = [v for _, vs in entries for v in vs] or pools.all_values
        self.long_keys = [k for k in self.keys if len(k) >= 3] or self.keys
        self.by_first: dict[str, list[str]] = {}
        for k in self.keys:
            if len(k) >= 2:
                self.by_first.setdefault(k[0], []).append(k)


def _cjk_char(rng: random.Random, pools: Pools) -> str:
    r = rng.random()
    if r < 0.7:
        return rng.choice(pools.dict_chars)
    if r < 0.9:
        return chr(rng.randint(0x4E00, 0x9FFF))
    if r < 0.95 and pools.astral_dict_chars:
        return rng.choice(pools.astral_dict_chars)
    return chr(rng.randint(0x3400, 0x4DBF))


def _ids(rng: random.Random, pools: Pools, cp: ConfigPool, depth: int = 0) -> str:
    """An IDS, sometimes nested, sometimes cut short, with operands that are
    usually convertible characters but sometimes anything at all."""
    op = rng.choice(IDS_OPS)
    n = 3 if op in IDS_TERNARY else 1 if op in IDS_UNARY else 2
    parts = [op]
    for _ in range(n):
        r = rng.random()
        if r < 0.2 and depth < 3:
            parts.append(_ids(rng, pools, cp, depth + 1))
        elif r < 0.7:
            parts.append(_cjk_char(rng, pools))
        elif r < 0.8:
            parts.append(_cjk_char(rng, pools) + rng.choice(["\ufe00", "\ufe0f", "\U000e0100", "\u0301"]))
        elif r < 0.85:
            parts.append(chr(rng.randint(0xF900, 0xFAFF)))
        else:
            parts.append(rng.choice(["a", "1", " ", "\n", "\r\n", "？", "\U00020000", "\U0001F600", "\u2ff0"]))
    if rng.random() < 0.25:  # incomplete: drop the last operand(s)
        parts = parts[: rng.randint(1, len(parts) - 1)]
    s = "".join(parts)
    if depth == 0 and rng.random() < 0.5:
        # A convertible phrase right after: does the IDS swallow too much?
        s += rng.choice(cp.keys)
    return s


def _fragment(rng: random.Random, pools: Pools, cp: ConfigPool) -> str:
    kind = rng.random()
    if kind < 0.22:  # a key of this config
        return rng.choice(cp.keys)
    if kind < 0.30:  # a value of this config (round-trip territory)
        return rng.choice(cp.values)
    if kind < 0.35:  # any dictionary's key or value
        return rng.choice(pools.all_keys if rng.random() < 0.5 else pools.all_values)
    if kind < 0.42:  # keys glued together
        return "".join(rng.choice(cp.keys) for _ in range(rng.randint(2, 4)))
    if kind < 0.50:  # overlapping keys: B starts inside A's tail
        a = rng.choice(cp.long_keys)
        for cut in range(1, len(a)):
            cands = cp.by_first.get(a[cut])
            if cands and rng.random() < 0.6:
                return a + rng.choice(cands)[len(a) - cut:]
        return a[: rng.randint(1, len(a))] + a[rng.randint(0, len(a) - 1):]
    if kind < 0.55:  # prefix or suffix of a long key
        k = rng.choice(cp.long_keys)
        if len(k) < 2:
            return k
        cut = rng.randint(1, len(k) - 1)
        return k[:cut] if rng.random() < 0.6 else k[cut:]
    if kind < 0.60:  # a key broken by something in the middle
        k = rng.choice(cp.long_keys)
        if len(k) < 2:
            return k + "\ufe00"
        cut = rng.randint(1, len(k) - 1)
        mid = rng.choice(["\ufe00", "\ufe0f", "\U000e0100", "\U000e01ef", "\u0301",
                          "\u0308\u0323", " ", "\n", "\u200d", "，"])
        return k[:cut] + mid + k[cut:]
    if kind < 0.64:  # a key with one character written as a compatibility ideograph
        k = rng.choice(cp.keys)
        idx = [i for i, c in enumerate(k) if c in pools.compat_of]
        if idx:
            i = rng.choice(idx)
            return k[:i] + rng.choice(pools.compat_of[k[i]]) + k[i + 1:]
        return k
    if kind < 0.68:  # random compatibility ideographs, assigned or not
        if rng.random() < 0.6:
            return chr(rng.randint(0xF900, 0xFAFF))
        return chr(rng.randint(0x2F800, 0x2FA1F))
    if kind < 0.72:  # IDS
        return _ids(rng, pools, cp)
    if kind < 0.76:  # variation selector after a CJK character
        vs = chr(rng.randint(0xFE00, 0xFE0F)) if rng.random() < 0.6 else chr(rng.randint(0xE0100, 0xE01EF))
        return _cjk_char(rng, pools) + vs
    if kind < 0.79:  # combining marks
        base = _cjk_char(rng, pools) if rng.random() < 0.5 else rng.choice("aeiouAZ")
        return base + "".join(chr(rng.randint(0x0300, 0x036F)) for _ in range(rng.randint(1, 3)))
    if kind < 0.83:  # astral: Extension B and emoji
        if rng.random() < 0.5:
            return chr(rng.randint(0x20000, 0x2A6DF))
        return rng.choice(EMOJI)
    if kind < 0.88:  # ASCII words, numbers, punctuation
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" + ASCII_PUNCT
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
    if kind < 0.92:  # CJK and full-width punctuation
        return "".join(rng.choice(CJK_PUNCT) if rng.random() < 0.6 else chr(rng.randint(0xFF01, 0xFF5E))
                       for _ in range(rng.randint(1, 3)))
    if kind < 0.96:
        return rng.choice(WHITESPACE)
    if kind < 0.98:  # random CJK characters
        return "".join(_cjk_char(rng, pools) for _ in range(rng.randint(1, 6)))
    # odd but valid: BOM, private use, U+FFFD, noncharacter, C0/C1 controls (never NUL)
    return rng.choice(["\ufeff", "\ue000", "\ufffd", "\uffff", "\x01", "\x1b", "\x7f", "\x85", "\U0010FFFD"])


def generate_cases(pools: Pools, config: str, seed: int, n: int,
                   with_testcases: bool = True) -> list[str]:
    """`n` random cases (plus OpenCC's upstream test inputs) for one config.
    The config name is mixed into the seed so each config gets its own text
    while staying reproducible."""
    rng = random.Random(f"{seed}:{config}")
    cp = pools.for_config(config)
    cases = list(pools.testcases) if with_testcases else []
    for _ in range(n):
        count = rng.randint(1, 12)
        cases.append("".join(_fragment(rng, pools, cp) for _ in range(count)))
    return cases


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="t2s")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=3000)
    ap.add_argument("-o", "--output", help="output file (default stdout)")
    args = ap.parse_args()
    text = "\n".join(generate_cases(Pools(), args.config, args.seed, args.cases))
    data = text.encode("utf-8")
    if args.output:
        pathlib.Path(args.output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
