#!/usr/bin/env python3
"""Regenerate src/model/letters.tsv, the letter-frequency models that let
zhnorm's detector judge a non-Chinese reading of a file by a model of its
own script.

Usage: python3 scripts/gen_letter_model.py > src/model/letters.tsv

Where the numbers come from
---------------------------
* wordfreq 3.1.1 (`pip install wordfreq==3.1.1`; code Apache-2.0, word
  lists compiled by its authors from public text: Wikipedia, subtitles,
  news, books, web text; the word-frequency data is distributed under
  CC BY-SA 4.0). For each language, the 50,000 commonest words are spelled
  out and every letter is counted, weighted by the word's frequency. Only
  the resulting letter shares are kept: statistics of the languages, not
  any text.
* Thai, which wordfreq lacks: PyThaiNLP 5.4.0 (`pip install
  pythainlp==5.4.0`; Apache-2.0), its `corpus/phupha_word_freqs.txt` list of
  Thai strings with their counts, letters and marks counted the same way.
* Estonian, which neither has: the letter ranking of charset_normalizer
  3.4.7 (MIT; `charset_normalizer.constant.FREQUENCIES`), turned into shares
  by a geometric decay over the rank (each rank 0.88 of the one before),
  which is the shape letter frequencies have in the languages above.

Vowel signs and other combining marks (Thai, Hebrew points, Arabic
harakat) count as letters: in Thai they are a third of the text.

Output format
-------------
One language per line, tab-separated:

    code  script  letter=per_million[/alone,initial,medial,final] ...

`script` is one of latin, cyrillic, greek, hebrew, arabic, thai (the
scripts that single-byte legacy encodings carry). Letters are lower-case;
a share is per million letters, and letters under 20 per million are left
out (the detector prices a letter it does not list as rare). After the
slash, where the source has words: how that letter's occurrences divide
between one-letter words, word starts, word middles and word ends, in
thousandths (Italian `è` is mostly a word of its own, Czech `č` never is).
Lines are sorted by code and letters by share, so the output is
deterministic for a given wordfreq version.
"""
import sys
import unicodedata

import wordfreq
from charset_normalizer.constant import FREQUENCIES

# wordfreq codes of the languages written in a script that single-byte
# legacy encodings carry (the CJK and Indic ones are judged elsewhere or
# have no such encoding).
WORDFREQ = ["ar", "bg", "ca", "cs", "da", "de", "el", "en", "es", "fa", "fi",
            "fr", "he", "hu", "id", "is", "it", "lt", "lv", "mk", "ms", "nb",
            "nl", "pl", "pt", "ro", "ru", "sh", "sk", "sl", "sv", "tr", "uk",
            "ur", "vi"]
RANKED = {"et": "Estonian"}
WORDS = 50_000
MIN_PER_MILLION = 20

SCRIPTS = [("LATIN", "latin"), ("CYRILLIC", "cyrillic"), ("GREEK", "greek"),
           ("HEBREW", "hebrew"), ("ARABIC", "arabic"), ("THAI", "thai")]


def script_of(letter):
    name = unicodedata.name(letter, "")
    for prefix, script in SCRIPTS:
        if name.startswith(prefix):
            return script
    return None


def from_wordfreq(code):
    counts, positions = {}, {}
    freqs = wordfreq.get_frequency_dict(code)
    for word in sorted(freqs, key=lambda w: (-freqs[w], w))[:WORDS]:
        weight = freqs[word]
        count_letters(counts, word, weight, positions)
    return counts, positions


def count_letters(counts, word, weight, positions=None):
    word = unicodedata.normalize("NFC", word).lower()
    letters = [ch.isalpha() or unicodedata.category(ch) == "Mn" for ch in word]
    for i, ch in enumerate(word):
        if not letters[i]:
            continue
        counts[ch] = counts.get(ch, 0.0) + weight
        if positions is not None:
            before = i > 0 and letters[i - 1]
            after = i + 1 < len(word) and letters[i + 1]
            slot = 2 if before and after else 1 if after else 3 if before else 0
            positions.setdefault(ch, [0.0, 0.0, 0.0, 0.0])[slot] += weight


def from_pythainlp():
    import pythainlp
    import pathlib
    path = pathlib.Path(pythainlp.__file__).parent / "corpus" / "phupha_word_freqs.txt"
    counts = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, n = line.partition("\t")
        if n.strip().isdigit():
            count_letters(counts, word, float(n))
    return counts, None


def from_ranking(language):
    counts, share = {}, 1.0
    for ch in FREQUENCIES[language]:
        counts[ch.lower()] = counts.get(ch.lower(), 0.0) + share
        share *= 0.88
    return counts, None


def main():
    out = []
    models = [(code, from_wordfreq(code)) for code in WORDFREQ]
    models += [(code, from_ranking(lang)) for code, lang in RANKED.items()]
    models.append(("th", from_pythainlp()))
    for code, (counts, positions) in sorted(models):
        # The script is the one most of the letter mass is in; letters of
        # other scripts (loan words, stray Latin in Cyrillic text) stay in.
        by_script = {}
        for ch, c in counts.items():
            s = script_of(ch)
            if s:
                by_script[s] = by_script.get(s, 0.0) + c
        script = max(by_script, key=by_script.get)
        total = sum(counts.values())
        cells = []
        for ch, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            ppm = round(c / total * 1_000_000)
            if ppm >= MIN_PER_MILLION and script_of(ch):
                cell = f"{ch}={ppm}"
                if positions and ch in positions:
                    p = positions[ch]
                    cell += "/" + ",".join(str(round(x / sum(p) * 1000)) for x in p)
                cells.append(cell)
        out.append("\t".join([code, script] + cells))
    sys.stdout.write("# generated by scripts/gen_letter_model.py; see its docstring for sources and licences\n")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
