"""The Python recipes of the README and docs/python.md work as written:
their `>>>` examples run as a doctest, and the WARC recipes run as they
stand."""

from __future__ import annotations

import doctest
import os
import re

from conftest import ROOT


def _python_section() -> str:
    """The README's Python section and the whole of docs/python.md."""
    text = (ROOT / "README.md").read_text("utf-8")
    start = text.index("\n## Python\n")
    end = text.index("\n## ", start + 1)
    return text[start:end] + "\n" + (ROOT / "docs" / "python.md").read_text("utf-8")


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", _python_section(), re.S)


def test_readme_examples_hold():
    doctests = [b for b in _blocks() if b.lstrip().startswith(">>>")]
    assert doctests
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for block in doctests:
        test = parser.get_doctest(block, {}, "README Python", "README.md", 0)
        assert test.examples
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} README examples failed (see output)"


def test_readme_warc_recipe_runs_from_the_repository_root():
    scripts = [b for b in _blocks() if not b.lstrip().startswith(">>>")]
    assert scripts
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for block in scripts:
            ns: dict = {}
            exec(compile(block, "README.md", "exec"), ns)
            if "records" in ns:
                assert ns["records"] and all({"url", "date", "text"} <= r.keys() for r in ns["records"])
    finally:
        os.chdir(cwd)
