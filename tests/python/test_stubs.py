"""The type stubs describe the module as it is (mypy's stubtest compares them
with the compiled module), and the package type-checks under --strict."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import zhnorm


def test_stubs_match_the_extension_module():
    r = subprocess.run([sys.executable, "-m", "mypy.stubtest", "zhnorm._zhnorm"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_package_typechecks_strictly():
    package = pathlib.Path(zhnorm.__file__).parent
    assert (package / "py.typed").is_file() and (package / "_zhnorm.pyi").is_file()
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", str(package)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
