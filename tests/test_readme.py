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
