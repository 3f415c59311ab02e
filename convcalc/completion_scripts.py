"""Where the generated completion scripts live: in the installed package (the wheel carries
the repo's completions/ as convcalc/_completions), else in the checkout (editable installs)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from convcalc.errors import InputError

CHECKOUT = Path(__file__).resolve().parent.parent / "completions"


def script_text(name: str) -> str:
    packaged = resources.files("convcalc") / "_completions" / name
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    if (CHECKOUT / name).is_file():
        return (CHECKOUT / name).read_text(encoding="utf-8")
    raise InputError(f"shell: the completion script {name} is not installed with convcalc")
