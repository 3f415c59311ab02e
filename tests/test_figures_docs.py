"""The README's figures in docs/figures/ are what scripts/make_figures.py makes from convcalc
now, and what the commands the README shows beside them write.

A change to a figure without regenerating fails here; the fix is
`python scripts/make_figures.py`.
"""

from __future__ import annotations

import importlib.util
import shlex
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_figures", ROOT / "scripts" / "make_figures.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(maker: ModuleType) -> dict[str, str]:
    result: dict[str, str] = maker.generate()
    return result


@pytest.mark.parametrize("name", ["conv-strided.svg", "conv-transposed.svg", "network.svg"])
def test_checked_in_figure_is_current(generated: dict[str, str], name: str) -> None:
    path = ROOT / "docs" / "figures" / name
    assert path.exists(), f"docs/figures/{name} missing: run python scripts/make_figures.py"
    assert path.read_text(encoding="utf-8") == generated[name], (
        f"docs/figures/{name} is stale: run python scripts/make_figures.py"
    )


@pytest.mark.parametrize("name", ["conv-strided.svg", "conv-transposed.svg"])
def test_the_command_shown_draws_the_figure(
    cli, maker: ModuleType, generated: dict[str, str], name: str
) -> None:
    args = shlex.split(maker.FIGURES[name])[1:]
    result = cli(*args, "--save", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout == generated[name]
