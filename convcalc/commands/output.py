"""How every command prints: one JSON object (rich never imported), or a rich report."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import RenderableType


def print_json(payload: object) -> None:
    # UTF-8 stdout gets the text as it is; any other encoding gets lossless \u escapes
    utf = "utf" in (getattr(sys.stdout, "encoding", None) or "").lower()
    typer.echo(json_text(payload, ascii_only=not utf))


def json_text(payload: object, *, ascii_only: bool) -> str:
    """`json.dumps(payload, ensure_ascii=ascii_only)`, byte for byte.

    Written by the C encoder that `json.dumps` itself calls, with `json.dumps`'s arguments:
    importing the `json` package compiles six regular expressions, ~0.1× a bare Python start
    in every `--json` call.  Without that encoder (not CPython), `json.dumps` writes it.
    """
    try:
        from _json import encode_basestring, encode_basestring_ascii, make_encoder

        quote = encode_basestring_ascii if ascii_only else encode_basestring
        # markers (check_circular), default, encoder, indent, separators, sort_keys,
        # skipkeys, allow_nan: json.encoder.JSONEncoder.iterencode's call
        encode = make_encoder({}, _not_serializable, quote, None, ": ", ", ", False, False, True)
        return "".join(encode(payload, 0))
    except (ImportError, TypeError):
        # no such encoder, another signature, or a value JSON refuses: json.dumps decides
        import json

        return json.dumps(payload, ensure_ascii=ascii_only)


def _not_serializable(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def print_report(build: Callable[[bool, int], RenderableType]) -> None:
    """Print build(ascii_only, width), sized for stdout's console (pipes get 80 columns)."""
    from convcalc.render import is_ascii, make_console

    console = make_console()
    console.print(build(is_ascii(console), console.width))
