#!/usr/bin/env python3
"""Regenerate src/decode/legacy/tables.bin, the decoding tables for EUC-TW,
ISO-2022-CN(-EXT) and HZ-GB-2312.

Where the data comes from
-------------------------
* CNS 11643, planes 1-16: every cell of every plane is put to glibc's EUC-TW
  converter as the four-byte sequence 8E A0+plane row|0x80 cell|0x80, and
  whatever text it yields is recorded (glibc knows planes 1-7 and 15). The
  converter is called through iconv(3) in this process, which is the same
  gconv module the iconv(1) program loads; one run of the iconv program over
  every mapped cell, and over a fixed sample of unmapped cells, then confirms
  that the program agrees.
* GB 2312 repertoire: which of the 94x94 cells are assigned. Taken from
  Python's 'gb2312' codec and required to equal glibc's GB2312 set. Only the
  set is stored: zhnorm decodes the cells themselves with encoding_rs (GBK),
  so that GB 2312 text reads the same whichever way it reached us.
* ISO-IR-165: the cells where glibc's ISO-2022-CN-EXT decoder, after
  ESC $ ) E, gives something other than its own GB2312 (cells GB 2312 lacks,
  and the few it redefines).

Licence: the tables are facts of the CNS 11643, GB 2312 and ISO-IR-165
standards as tabulated by glibc (LGPL-2.1-or-later) and CPython. Only data
is taken, by asking the converters; no code is copied.

File format (all integers little-endian)
----------------------------------------
    "ZHLT"  u8 version (1)  u8 n  n bytes: ASCII provenance (iconv --version)
    CNS 11643:
      u16 B                 number of 94-cell row blocks
      u16[16*94]            row index for planes 1-16, rows 0x21-0x7E:
                            a block number, or 0xFFFF for an empty row
      B * 94 * u24          cells 0x21-0x7E of each block: 0 = unmapped,
                            up to 0x10FFFF = that scalar value, from
                            0x110000 = entry (value - 0x110000) of the
                            sequence list (a cell that gives several chars)
      u16 S, then S * (u8 n, n bytes UTF-8)   the sequence list
    GB 2312:
      1105 bytes            bitmap of assigned cells, bit k = cell
                            (row-0x21)*94 + (col-0x21), least significant first
    ISO-IR-165:
      u16 D, then D * (u16 cell, u24 scalar)  sorted by cell
    "ZEND"

Usage: python3 scripts/gen_cns11643.py [--check]
  --check   regenerate in memory and fail if the committed file differs.
"""
import argparse
import ctypes
import ctypes.util
import hashlib
import pathlib
import random
import struct
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEST = ROOT / "src" / "decode" / "legacy" / "tables.bin"

SO, SI, ESC = 0x0E, 0x0F, 0x1B
CELLS = range(0x21, 0x7F)
SEQ_BASE = 0x110000

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
_libc.iconv_open.restype = ctypes.c_void_p
_libc.iconv_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
_libc.iconv_close.argtypes = [ctypes.c_void_p]
_libc.iconv.restype = ctypes.c_size_t
_libc.iconv.argtypes = [
    ctypes.c_void_p,
    ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t),
    ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t),
]
_ICONV_FAIL = ctypes.c_size_t(-1).value


def glibc_decode(charset, data):
    """Text glibc makes of `data`, or None if it rejects any of it.

    A fresh descriptor per call, so no shift state leaks between cells."""
    cd = _libc.iconv_open(b"UTF-8", charset.encode())
    if cd == _ICONV_FAIL or cd is None:
        raise SystemExit(f"glibc has no converter for {charset}")
    try:
        inbuf = ctypes.create_string_buffer(data, len(data))
        outbuf = ctypes.create_string_buffer(256)
        inp = ctypes.c_char_p(ctypes.addressof(inbuf))
        inleft = ctypes.c_size_t(len(data))
        outp = ctypes.c_char_p(ctypes.addressof(outbuf))
        outleft = ctypes.c_size_t(256)
        r = _libc.iconv(cd, ctypes.byref(inp), ctypes.byref(inleft),
                        ctypes.byref(outp), ctypes.byref(outleft))
        if r == _ICONV_FAIL or inleft.value:
            return None
        # Flush: a stateful decoder may hold output back until the end.
        r = _libc.iconv(cd, None, None, ctypes.byref(outp), ctypes.byref(outleft))
        if r == _ICONV_FAIL:
            return None
        return outbuf.raw[: 256 - outleft.value].decode("utf-8")
    finally:
        _libc.iconv_close(cd)


def iconv_program(charset, data):
    """Run the iconv program itself; None if it reports an error."""
    p = subprocess.run(["iconv", "-f", charset, "-t", "UTF-8"], input=data,
                       capture_output=True)
    return p.stdout.decode("utf-8") if p.returncode == 0 else None


def cns_planes():
    """{(plane, row, col): text} for everything glibc's EUC-TW maps."""
    table = {}
    for plane in range(1, 17):
        for row in CELLS:
            for col in CELLS:
                text = glibc_decode("EUC-TW", bytes([0x8E, 0xA0 + plane, row | 0x80, col | 0x80]))
                if text:
                    table[(plane, row, col)] = text
    # Plane 1 also has the plain two-byte form; it must mean the same.
    for row in CELLS:
        for col in CELLS:
            two = glibc_decode("EUC-TW", bytes([row | 0x80, col | 0x80]))
            if two != table.get((1, row, col)):
                raise SystemExit(f"plane 1 {row:02X}{col:02X}: two-byte form gives {two!r}")
    return table


def check_with_program(table):
    """The iconv program must agree with what iconv(3) said, both ways."""
    keys = sorted(table)
    data = b"".join(bytes([0x8E, 0xA0 + p, r | 0x80, c | 0x80]) + b"\n" for p, r, c in keys)
    out = iconv_program("EUC-TW", data)
    if out is None:
        raise SystemExit("the iconv program rejects a cell that iconv(3) maps")
    lines = out.split("\n")[:-1]
    if lines != [table[k] for k in keys]:
        raise SystemExit("the iconv program and iconv(3) disagree on some cell")
    rng = random.Random(11643)
    unmapped = [(p, r, c) for p in range(1, 17) for r in CELLS for c in CELLS
                if (p, r, c) not in table]
    for p, r, c in rng.sample(unmapped, 200):
        if iconv_program("EUC-TW", bytes([0x8E, 0xA0 + p, r | 0x80, c | 0x80])) is not None:
            raise SystemExit(f"the iconv program maps {p}-{r:02X}{c:02X}, iconv(3) did not")


def gb2312_set():
    cells = set()
    for row in CELLS:
        for col in CELLS:
            pair = bytes([row | 0x80, col | 0x80])
            try:
                pair.decode("gb2312")
                py = True
            except UnicodeDecodeError:
                py = False
            if py != (glibc_decode("GB2312", pair) is not None):
                raise SystemExit(f"Python and glibc disagree whether GB2312 {pair.hex()} exists")
            if py:
                cells.add((row, col))
    return cells


def iso_ir_165_deltas(gb_cells):
    deltas = {}
    for row in CELLS:
        for col in CELLS:
            text = glibc_decode("ISO-2022-CN-EXT", bytes([ESC, 0x24, 0x29, 0x45, SO, row, col, SI]))
            gb = glibc_decode("GB2312", bytes([row | 0x80, col | 0x80]))
            if gb is not None and text is None:
                raise SystemExit(f"ISO-IR-165 lacks GB2312 cell {row:02X}{col:02X}")
            if text is not None and text != gb:
                if len(text) != 1:
                    raise SystemExit(f"ISO-IR-165 {row:02X}{col:02X} gives {len(text)} chars")
                deltas[(row - 0x21) * 94 + (col - 0x21)] = ord(text)
    return deltas


def build():
    provenance = subprocess.run(["iconv", "--version"], capture_output=True,
                                text=True, check=True).stdout.splitlines()[0]
    cns = cns_planes()
    check_with_program(cns)
    gb_cells = gb2312_set()
    deltas = iso_ir_165_deltas(gb_cells)

    out = bytearray(b"ZHLT")
    prov = provenance.encode("ascii")
    out += struct.pack("<BB", 1, len(prov)) + prov

    rows = sorted({(p, r) for p, r, _ in cns})
    block_of = {pr: i for i, pr in enumerate(rows)}
    out += struct.pack("<H", len(rows))
    for plane in range(1, 17):
        for row in CELLS:
            out += struct.pack("<H", block_of.get((plane, row), 0xFFFF))
    sequences = []
    for plane, row in rows:
        for col in CELLS:
            text = cns.get((plane, row, col))
            if text is None:
                value = 0
            elif len(text) == 1:
                value = ord(text)
            else:
                value = SEQ_BASE + len(sequences)
                sequences.append(text)
            out += value.to_bytes(3, "little")
    out += struct.pack("<H", len(sequences))
    for text in sequences:
        raw = text.encode("utf-8")
        out += struct.pack("<B", len(raw)) + raw

    bitmap = bytearray(1105)
    for row, col in gb_cells:
        k = (row - 0x21) * 94 + (col - 0x21)
        bitmap[k // 8] |= 1 << (k % 8)
    out += bitmap

    out += struct.pack("<H", len(deltas))
    for cell in sorted(deltas):
        out += struct.pack("<H", cell) + deltas[cell].to_bytes(3, "little")
    out += b"ZEND"

    per_plane = {p: sum(1 for k in cns if k[0] == p) for p in range(1, 17)}
    summary = (
        f"{provenance}\n"
        f"CNS 11643 cells per plane: { {p: n for p, n in per_plane.items() if n} }, "
        f"{len(cns)} in all, {len(rows)} row blocks, {len(sequences)} multi-char cells\n"
        f"GB 2312: {len(gb_cells)} cells; ISO-IR-165 deltas: {len(deltas)}"
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
