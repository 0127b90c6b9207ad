"""Shared helpers of the Python package's tests (run with pytest from the
repository root after `pip install .`).

The tests that compare with the command need its binary: `ZHNORM_BIN`, or
`target/release/zhnorm`, or `target/debug/zhnorm` (in `CARGO_TARGET_DIR` when
that is set). Without one they fail rather than skip, so that CI cannot pass
without comparing.
"""

from __future__ import annotations

import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))


def _find_cli() -> pathlib.Path | None:
    env = os.environ.get("ZHNORM_BIN")
    if env:
        return pathlib.Path(env)
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for profile in ("release", "debug"):
        p = target / profile / "zhnorm"
        if p.is_file():
            return p
    return None


@pytest.fixture(scope="session")
def cli() -> pathlib.Path:
    path = _find_cli()
    if path is None:
        pytest.fail("no zhnorm binary: build it (cargo build --release) or set ZHNORM_BIN")
    return path


@pytest.fixture(scope="session")
def gen_pools():
    import gen_text  # scripts/gen_text.py: the OpenCC differential check's text

    return gen_text.Pools()
