#!/usr/bin/env python3
"""Regenerate src/decode/legacy/foreign.bin, the decoding tables for IBM855
and Johab.

Where the data comes from
-------------------------
Both tables are CPython's own codecs, asked cell by cell; nothing is
computed from a description of the encodings. The committed file was made
with CPython 3.11.7; the interpreter's version is recorded in the file and
printed by `--check`, which fails if another interpreter would write
different bytes.

* IBM855 (codec 'cp855'): each byte 0x80-0xFF decoded on its own. Bytes
  0x00-0x7F must decode to ASCII and are not stored.
* Johab (codec 'johab'): every pair of a byte 0x80-0xFF and any second byte,
  decoded strictly; a pair that decodes to exactly one character is a cell.
  Every single byte 0x00-0x7F must decode to itself (CPython reads 0x5C as
  a backslash, not as the won sign some Korean fonts draw there), no single
  byte 0x80-0xFF may decode alone, and every cell must lie in the byte
  ranges the Rust decoder treats as two-byte codes (leads 0x84-0xD3 with
  trails 0x41-0x7E/0x81-0xFE; leads 0xD8-0xDE and 0xE0-0xF9 with trails
  0x31-0x7E/0x91-0xFE), so that the decoder's resynchronisation never
  splits a pair CPython would read.

ISO-2022-KR needs no table here: zhnorm reads its KS X 1001 pairs with
encoding_rs's EUC-KR, so that it agrees with how EUC-KR pages are decoded.

Licence: the tables are facts of the IBM855 code page and of KS X 1001
Annex 3 (Johab) as tabulated by CPython's codecs (PSF licence). Only data is
taken, by asking the codecs; no code is copied.

File format (all integers little-endian)
----------------------------------------
    "ZHFT"  u8 version (1)  u8 n  n bytes: ASCII provenance
    IBM855:
      128 * u16             the characters of bytes 0x80-0xFF
    Johab:
      u8 L0, u8 L1          first and last lead byte of the grid
      u8 T0, u8 T1          first and last trail byte of the grid
      (L1-L0+1)*(T1-T0+1) * u16
                            cell (lead, trail) at (lead-L0)*(T1-T0+1) +
                            (trail-T0); 0 = unmapped
    "ZEND"

Every character of both tables is in the BMP and none is U+0000 (checked),
so u16 with 0 for "unmapped" loses nothing.

Usage: python3 scripts/gen_foreign_tables.py [--check]
  --check   regenerate in memory and fail if the committed file differs.
"""
import argparse
import hashlib
import pathlib
import platform
import struct
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEST = ROOT / "src" / "decode" / "legacy" / "foreign.bin"


def single(codec, b):
    """The text `codec` makes of the one byte `b`, or None if it refuses."""
    try:
        return bytes([b]).decode(codec)
    except UnicodeDecodeError:
        return None


def ibm855():
    for b in range(0x80):
        if single("cp855", b) != chr(b):
            raise SystemExit(f"cp855 byte {b:02X} is not ASCII")
    table = []
    for b in range(0x80, 0x100):
        text = single("cp855", b)
        if text is None or len(text) != 1 or not 0 < ord(text) <= 0xFFFF:
            raise SystemExit(f"cp855 byte {b:02X} gives {text!r}")
        table.append(ord(text))
    return table


def johab_two_byte(lead, trail):
    """Whether the Rust decoder reads (lead, trail) as one two-byte code."""
    if 0x84 <= lead <= 0xD3:
        return 0x41 <= trail <= 0x7E or 0x81 <= trail <= 0xFE
    if 0xD8 <= lead <= 0xDE or 0xE0 <= lead <= 0xF9:
        return 0x31 <= trail <= 0x7E or 0x91 <= trail <= 0xFE
    return False


def johab():
    for b in range(0x80):
        if single("johab", b) != chr(b):
            raise SystemExit(f"johab byte {b:02X} is not ASCII")
    for b in range(0x80, 0x100):
        if single("johab", b) is not None:
            raise SystemExit(f"johab byte {b:02X} decodes on its own")
    cells = {}
    for lead in range(0x80, 0x100):
        for trail in range(0x100):
            try:
                text = bytes([lead, trail]).decode("johab")
            except UnicodeDecodeError:
                continue
            if len(text) != 1 or not 0 < ord(text) <= 0xFFFF:
                raise SystemExit(f"johab {lead:02X}{trail:02X} gives {text!r}")
            if not johab_two_byte(lead, trail):
                raise SystemExit(f"johab {lead:02X}{trail:02X} lies outside the two-byte ranges")
            cells[(lead, trail)] = ord(text)
    return cells


def build():
    provenance = f"CPython {platform.python_version()} codecs cp855, johab"
    out = bytearray(b"ZHFT")
    prov = provenance.encode("ascii")
    out += struct.pack("<BB", 1, len(prov)) + prov

    cp855 = ibm855()
    out += struct.pack("<128H", *cp855)

    cells = johab()
    l0 = min(l for l, _ in cells)
    l1 = max(l for l, _ in cells)
    t0 = min(t for _, t in cells)
    t1 = max(t for _, t in cells)
    out += struct.pack("<4B", l0, l1, t0, t1)
    for lead in range(l0, l1 + 1):
        for trail in range(t0, t1 + 1):
            out += struct.pack("<H", cells.get((lead, trail), 0))
    out += b"ZEND"

    hangul = sum(1 for c in cells.values() if 0xAC00 <= c <= 0xD7A3)
    hanja = sum(1 for c in cells.values() if 0x4E00 <= c <= 0x9FFF or 0xF900 <= c <= 0xFAFF)
    summary = (
        f"{provenance}\n"
        f"IBM855: 128 high bytes\n"
        f"Johab: {len(cells)} cells ({hangul} hangul syllables, {hanja} hanja, "
        f"{len(cells) - hangul - hanja} others); grid leads {l0:02X}-{l1:02X}, "
        f"trails {t0:02X}-{t1:02X}"
    )
    return bytes(out), summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    data, summary = build()
    print(summary)
    print(f"{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    if args.check:
        if not DEST.exists() or DEST.read_bytes() != data:
            print(f"{DEST} is out of date", file=sys.stderr)
            return 1
        print(f"{DEST} is up to date")
        return 0
    DEST.write_bytes(data)
    print(f"wrote {DEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
