"""Result objects → rich renderables (and the plain text `--json` carries).  Functions here
build; they never print.

rich is imported only when a console or table is made, so `--json` and the plain-text
modules of this package never load it.
"""

from __future__ import annotations

import io
import os
import re
import sys
from typing import IO, TYPE_CHECKING

from convcalc.notation import fraction_text as fmt_fraction
from convcalc.notation import shape_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

__all__ = [
    "FLAG_WORDS",
    "fmt_fraction",
    "fmt_int",
    "fmt_shape",
    "is_ascii",
    "make_console",
    "make_table",
    "warnings_text",
    "with_flags",
]

# How the command line spells the library parameters that hints name: the one place the two
# differ (the library speaks of `groups`, the terminal user types `--groups G`).
FLAG_WORDS = {"groups": "--groups G"}


def with_flags(text: str) -> str:
    """`text` with the library parameters it names spelled as the command line's flags."""
    for name, flag in FLAG_WORDS.items():
        text = re.sub(rf"(?<![-\w]){name}(?![-=\w])", flag, text)
    return text


def make_console(file: IO[str] | None = None, *, width: int | None = None) -> Console:
    """A console for `file` (stdout): styled on a terminal only, plain in pipes (rich's rule).

    rich reads NO_COLOR as "no colours" but still writes bold and italic; here it means no
    escape codes at all, so that what is copied from a terminal is plain text.
    """
    from rich.console import Console

    plain = bool(os.environ.get("NO_COLOR"))
    stream = file or sys.stdout
    encoding = (getattr(stream, "encoding", None) or "utf-8").lower()
    if "utf" not in encoding and isinstance(stream, io.TextIOWrapper):
        # a legacy code page cannot show ⌊ · → …: write '?' rather than fail half-way
        stream.reconfigure(errors="replace")
    return Console(
        file=stream,
        width=width,
        highlight=False,
        emoji=False,
        color_system=None if plain else "auto",
    )


def is_ascii(console: Console) -> bool:
    return "utf" not in console.encoding.lower()


def make_table(*columns: str, title: str | None = None, ascii_only: bool = False) -> Table:
    """Tables built in one place: compact, right-aligned numbers, ASCII when asked."""
    from rich import box
    from rich.table import Table

    table = Table(
        title=title,
        box=box.ASCII if ascii_only else box.SIMPLE_HEAD,
        title_justify="left",
        pad_edge=False,
        show_edge=False,
        collapse_padding=True,
        expand=False,
    )
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right", no_wrap=i == 0)
    return table


def fmt_int(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def fmt_shape(shape: tuple[int, ...] | None) -> str:
    return "—" if shape is None else shape_text(shape, "python")


def warnings_text(warnings: Sequence[str]) -> Text:
    """Each warning on a line of its own, after a blank line, marked in yellow."""
    from rich.text import Text

    text = Text()
    for warning in warnings:
        text.append("\nwarning: ", style="yellow bold")
        text.append(warning)
    return text
