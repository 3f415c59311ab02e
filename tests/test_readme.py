"""The README's `$ convcalc ...` sessions are real: each one is run and its output compared."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.DOTALL)


def sessions() -> list[tuple[str, str]]:
    found = []
    for block in BLOCK.findall(README.read_text(encoding="utf-8")):
        lines = block.splitlines()
        starts = [i for i, line in enumerate(lines) if line.startswith("$ convcalc")]
        for n, start in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(lines)
            found.append((lines[start][2:], "\n".join(lines[start + 1 : end]).rstrip()))
    return found


def test_readme_has_sessions() -> None:
    assert len(sessions()) >= 3


@pytest.mark.parametrize(("command", "expected"), sessions())
def test_readme_session_output_is_true(cli, command: str, expected: str) -> None:
    result = cli(*shlex.split(command)[1:])
    actual = "\n".join(line.rstrip() for line in result.output.splitlines()).rstrip()
    assert actual == expected


PYCON = re.compile(r"```pycon\n(.*?)```", re.DOTALL)
# the library call behind each command, which the README's Python section must show
COMMAND_FUNCTIONS = (
    "analyze",
    "compare",
    "run",
    "summarize",
    "solve_padding",
    "solve_inputs",
    "solve_transpose",
    "solve_layer",
)


def test_readme_python_examples_run() -> None:
    """The `>>>` examples of "Using it from Python", run in order as one session."""
    import doctest

    source = "".join(PYCON.findall(README.read_text(encoding="utf-8")))
    test = doctest.DocTestParser().get_doctest(source, {}, "README", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False).attempted >= 15
    assert runner.failures == 0


def test_readme_python_examples_show_every_command_function() -> None:
    import convcalc

    source = "".join(PYCON.findall(README.read_text(encoding="utf-8")))
    for name in COMMAND_FUNCTIONS:
        assert name in convcalc.__all__
        assert re.search(rf"\b{name}\(", source), name
