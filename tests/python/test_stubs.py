"""The type stubs describe the module as it is (mypy's stubtest compares them
with the compiled module), and code using the installed package type-checks
under --strict while misuse does not."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import zhnorm


def test_stubs_match_the_extension_module():
    r = subprocess.run([sys.executable, "-m", "mypy.stubtest", "zhnorm._zhnorm"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


CLIENT = """
import zhnorm

text: str = zhnorm.normalize(b"x", config="t2s", skip=("punct",), from_encoding=None)
raw: bytes = zhnorm.normalize_bytes("x", format="warc", to="jsonl")
pair: tuple[str, dict[str, object]] = zhnorm.normalize_with_report(b"x")
many: list[object] = zhnorm.normalize_many([b"x", "y"], threads=2, errors="return")
found: dict[str, object] = zhnorm.detect(b"x")
conv: zhnorm.Converter = zhnorm.Converter("s2t", dicts=["a.txt"])
out: str = conv.convert("x") + zhnorm.convert("x", "t2s")
version: str = zhnorm.__version__
err: type[ValueError] = zhnorm.BinaryInputError
"""


def _mypy(tmp_path, code):
    client = tmp_path / "client.py"
    client.write_text(code, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(client)],
                          capture_output=True, text=True, cwd=tmp_path)


def test_code_using_the_package_typechecks_strictly(tmp_path):
    package = pathlib.Path(zhnorm.__file__).parent
    assert (package / "py.typed").is_file() and (package / "_zhnorm.pyi").is_file()
    r = _mypy(tmp_path, CLIENT)
    assert r.returncode == 0, r.stdout + r.stderr


def test_wrong_use_is_caught_by_the_types(tmp_path):
    r = _mypy(tmp_path, "import zhnorm\nn: int = zhnorm.convert('x')\nzhnorm.normalize(b'x', confg='t2s')\n")
    assert r.returncode == 1
    assert "Incompatible types in assignment" in r.stdout
    assert 'Unexpected keyword argument "confg"' in r.stdout
