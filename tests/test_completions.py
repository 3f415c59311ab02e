"""The checked-in completion scripts are what scripts/make_completions.py makes from the app now.

A new command or option without regenerated scripts fails here; the fix is
`python scripts/make_completions.py`.  tests/test_shells.py runs the scripts in real shells.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def maker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_completions", ROOT / "scripts" / "make_completions.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(maker: ModuleType) -> dict[str, str]:
    result: dict[str, str] = maker.generate()
    return result


@pytest.mark.parametrize("name", ["convcalc.bash", "_convcalc", "convcalc.fish"])
def test_checked_in_script_is_current(generated: dict[str, str], name: str) -> None:
    path = ROOT / "completions" / name
    assert path.exists(), f"completions/{name} missing: run python scripts/make_completions.py"
    assert path.read_text(encoding="utf-8") == generated[name], (
        f"completions/{name} is stale: run python scripts/make_completions.py"
    )


def test_tree_has_every_kind_under_shape(maker: ModuleType) -> None:
    # PyTorch's six families in 1, 2 and 3 dimensions
    families = ["conv", "convtranspose", "maxpool", "avgpool", "adaptiveavgpool", "adaptivemaxpool"]
    paths = {node.path for node in maker.build_tree()}
    assert {f"shape {f}{d}d" for f in families for d in (1, 2, 3)} <= paths


def test_zsh_script_starts_with_compdef(generated: dict[str, str]) -> None:
    # compinit binds a file to a command only through its first line
    assert generated["_convcalc"].startswith("#compdef convcalc\n")


def test_option_values_derive_from_the_specs(maker: ModuleType) -> None:
    # PyTorch: Conv2d takes the four padding modes and 'same'/'valid'; ConvTranspose2d only
    # 'zeros' and no padding string; MaxPool2d's padding is an int
    assert maker._spec_words("conv2d", "padding_mode") == [
        "zeros",
        "reflect",
        "replicate",
        "circular",
    ]
    assert maker._spec_words("conv2d", "padding") == ["same", "valid"]
    assert maker._spec_words("convtranspose2d", "padding_mode") == ["zeros"]
    assert maker._spec_words("convtranspose2d", "padding") == []
    assert maker._spec_words("maxpool2d", "padding") == []
