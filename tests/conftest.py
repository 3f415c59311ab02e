from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))  # torch_oracle, strategies

UNDER_CI = bool(os.environ.get("CI"))

settings.register_profile(
    "default", deadline=2000, max_examples=150, suppress_health_check=[HealthCheck.too_slow]
)
# CI replays a fixed set of examples, so a submission's verdict does not depend on the draw;
# local runs keep exploring new ones (and the golden files hold 3,600 recorded torch cases).
settings.register_profile("ci", parent=settings.get_profile("default"), derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if UNDER_CI else "default"))


def require_torch() -> ModuleType:
    """torch, or a skip where it is absent; under CI an absent oracle is a failure."""
    try:
        import torch
    except ImportError:
        if UNDER_CI:
            pytest.fail("torch is required under CI: the live oracle tests must run")
        pytest.skip("torch not installed (the oracle tests run under CI)")
    return torch


@pytest.fixture
def torch() -> ModuleType:
    return require_torch()


def require_shell(name: str) -> str:
    """The path of shell `name` (bash, zsh, fish), or a skip; under CI a missing one fails."""
    found = shutil.which(name)
    if found is None:
        if UNDER_CI:
            pytest.fail(f"{name} is required under CI (.ci/run installs it): completion tests")
        pytest.skip(f"{name} not installed (the completion tests run under CI)")
    return found


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def assert_clean_error(
    result: CliResult, code: int, needle: str | None = None, *, one_line: bool = False
) -> None:
    """A refusal as the CLI promises it: exit `code` (1: convcalc's `Error:` line on stderr,
    nothing on stdout; 2: a malformed command line, click's usage error), `needle` in the
    message, never a traceback or an "internal error"."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert "internal error" not in result.output
    if needle is not None:
        assert needle in result.stderr, result.stderr
    if code == 1:
        assert result.stderr.startswith("Error: "), result.stderr
        assert result.stdout == "", result.stdout
        if one_line:
            assert result.stderr.count("\n") == 1, result.stderr


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run convcalc's real entry point (error handling included) in-process."""
    from convcalc.cli import main

    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


def rich_text(report: object, width: int, color: bool) -> str:
    """`report` as a console of `width` columns prints it, with or without colour codes; not
    cropped, as `solve` prints (its PyTorch lines stay whole)."""
    import io

    from rich.console import Console

    out = io.StringIO()
    console = Console(
        file=out,
        width=width,
        color_system="truecolor" if color else None,
        force_terminal=color,
        highlight=False,
        emoji=False,
    )
    console.print(report, crop=False)
    return out.getvalue()


def modules_after(*calls: list[str], packages: tuple[str, ...], answered: bool = True) -> list[str]:
    """The modules of `packages` (and their submodules) loaded after the CLI answered each
    of `calls` in one fresh Python: what a call pays to import.  With `answered`, every call
    must exit 0: a call that stopped early would import less."""
    import ast
    import subprocess

    code = (
        "import sys\n"
        "from convcalc.cli import main\n"
        "codes = []\n"
        f"for args in {list(calls)!r}:\n"
        "    try:\n"
        "        main(args)\n"
        "        codes.append(0)\n"
        "    except SystemExit as exc:\n"
        "        codes.append(exc.code or 0)\n"
        f"wanted = {packages!r}\n"
        "inside = tuple(p + '.' for p in wanted)\n"
        "print(codes)\n"
        "print(sorted(m for m in sys.modules if m in wanted or m.startswith(inside)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    *_, codes, loaded = done.stdout.strip().splitlines()
    if answered:
        assert ast.literal_eval(codes) == [0] * len(calls), (codes, done.stderr[-500:])
    return list(ast.literal_eval(loaded))
