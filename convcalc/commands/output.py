"""How every command prints: one JSON object (rich never imported), or a rich report."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import RenderableType


def print_json(payload: object) -> None:
    import json  # only here: help pages and tables never need it

    # UTF-8 stdout gets the text as it is; any other encoding gets lossless \u escapes
    utf = "utf" in (getattr(sys.stdout, "encoding", None) or "").lower()
    typer.echo(json.dumps(payload, ensure_ascii=not utf))


def print_report(build: Callable[[bool, int], RenderableType]) -> None:
    """Print build(ascii_only, width), sized for stdout's console (pipes get 80 columns)."""
    from convcalc.render import is_ascii, make_console

    console = make_console()
    console.print(build(is_ascii(console), console.width))
