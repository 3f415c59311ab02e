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
from typing import IO, TYPE_CHECKING, cast

from convcalc.notation import shape_text

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from rich.console import Console, RenderableType
    from rich.table import Table
    from rich.text import Text

__all__ = [
    "FLAG_WORDS",
    "fit_columns",
    "fitted_grid",
    "fitted_table",
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
        file=cast("IO[str]", _TrimmedLines(stream)),
        width=width,
        highlight=False,
        emoji=False,
        color_system=None if plain else "auto",
    )


# spaces at a line's end, before any closing style codes (compiled by `re` on first use: a
# plain line needs only rstrip)
_TRAILING = r" +((?:\x1b\[[0-9;]*m)*)$"


class _TrimmedLines(io.TextIOBase):
    """`stream` with the spaces at the end of each line dropped: rich pads every table cell
    to its column's width, which leaves trailing spaces in pipes and copied text."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__()
        self._stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            kept = re.sub(_TRAILING, r"\1", line) if "\x1b" in line else line.rstrip(" ")
            self._stream.write(kept + "\n")
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(self._pending)
            self._pending = ""
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"


def is_ascii(console: Console) -> bool:
    return "utf" not in console.encoding.lower()


def make_table(*columns: str, title: str | None = None, ascii_only: bool = False) -> Table:
    """Tables built in one place: compact, right-aligned numbers, ASCII when asked."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(
        # a title is a constructor call to copy: never wrapped at the table's width
        title=None if title is None else Text(title, no_wrap=True, overflow="ignore"),
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


Rows = tuple[tuple[str, ...], list[tuple[str, ...]]]  # (headers, rows)
GAP = 2  # characters between two columns of make_table's tables


# A cell: its text, or (text, rich style) for a styled one.
Cell = str | tuple[str, str]


def _text(cell: Cell) -> str:
    return cell if isinstance(cell, str) else cell[0]


def column_widths(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> list[int]:
    """Each column of make_table's table as wide as its widest cell, in terminal cells."""
    from rich.cells import cell_len

    columns = zip(headers, *rows, strict=True)
    return [max(cell_len(_text(cell)) for cell in column) for column in columns]


def table_width(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> int:
    """The width make_table's table needs to show every cell whole."""
    return _spanned(column_widths(headers, rows))


def _spanned(widths: Sequence[int]) -> int:
    return sum(widths) + GAP * (len(widths) - 1)


# from this many rows on, a table that fits is written without rich's layout (the same text,
# tested at every size: tests/test_render_tables.py): rich's layout of a dozen cells costs
# about as much as the rest of a call, and importing rich.table as much again
FAST_ROWS = 0


def fitted_table(
    headers: Sequence[str],
    justify: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    width: int,
    title: str | None = None,
    ascii_only: bool = False,
) -> RenderableType:
    """make_table's table of these rows.  A table that fits the width gets each column as
    wide as its widest cell, left or right justified, and is written here as the text rich
    would lay out: the title, the header in rich's header style, the rule, the rows.
    Otherwise (too wide, or ASCII boxes) rich lays it out."""
    from rich.cells import cell_len
    from rich.text import Text

    widths = column_widths(headers, rows)
    if ascii_only or _spanned(widths) > width or len(rows) < FAST_ROWS:
        table = make_table(*headers, title=title, ascii_only=ascii_only)
        for column, side in zip(table.columns, justify, strict=True):
            column.justify = side  # type: ignore[assignment]
        for row in rows:
            table.add_row(*(c if isinstance(c, str) else Text(c[0], style=c[1]) for c in row))
        return table
    text = Text(no_wrap=True, overflow="ignore")
    if title is not None:
        text.append(title + "\n")
    header = [(name, "table.header") for name in headers]
    for number, row in enumerate([header, *rows]):
        if number:
            text.append("\n")
        for i, (cell, size, side) in enumerate(zip(row, widths, justify, strict=True)):
            content, style = (cell, "") if isinstance(cell, str) else cell
            pad = " " * (size - cell_len(content))
            if i:
                # the gap: rich pads a header cell on its right in the header's style
                text.append(" ", style=style if number == 0 else "")
                text.append(" ")
            # a styled cell's padding is in its style, as rich pads a styled Text
            text.append(content + pad if side == "left" else pad + content, style=style)
        if number == 0:
            # SIMPLE_HEAD's rule under the header, across the table
            text.append("\n" + "─" * _spanned(widths))
    return text


def fitted_grid(rows: Sequence[tuple[str, str]], *, width: int) -> RenderableType:
    """A summary: bold names, then values, two spaces apart (rich's Table.grid of them).
    When every line fits the width it is written here, the text the grid would make."""
    from rich.cells import cell_len
    from rich.text import Text

    names = max(cell_len(name) for name, _ in rows)
    values = max(cell_len(value) for _, value in rows)
    if len(rows) >= FAST_ROWS and names + GAP + values <= width:
        # as the grid pads them: a name and the gap in the name column's style, the value to
        # its column's width
        text = Text(no_wrap=True, overflow="ignore")
        for number, (name, value) in enumerate(rows):
            text.append("\n" if number else "")
            text.append(name + " " * (names - cell_len(name)), style="bold")
            text.append(" " * GAP, style="bold")
            text.append(value + " " * (values - cell_len(value)))
        return text
    from rich.table import Table

    grid = Table.grid(padding=(0, GAP))
    grid.add_column(style="bold")
    grid.add_column()
    for name, value in rows:
        grid.add_row(name, value)
    return grid


def fit_columns(
    build: Callable[[bool, frozenset[str]], Rows], width: int, drops: Sequence[str]
) -> Rows:
    """The first of build(compact, dropped) that fits `width`: numbers in full, then compact
    (119k), then without the columns in `drops`, one more at a time.  Never a cut number."""
    choices = [(False, ()), (True, ()), *((True, tuple(drops[: i + 1])) for i in range(len(drops)))]
    for compact, dropped in choices:
        headers, rows = build(compact, frozenset(dropped))
        if table_width(headers, rows) <= width:
            break
    return headers, rows


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
