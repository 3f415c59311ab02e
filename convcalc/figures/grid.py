"""Pieces every layer figure is made of: a track of cells along one axis (with gaps where it
is elided), grids of cells, bars for windows, a header and a legend.  Coordinates only."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from convcalc.figures.axes import Positions
from convcalc.figures.layout import SMALL, TEXT, TITLE, Canvas, Item, Rect, Text, text_width

CELL = 28
GAP = 18  # an elided stretch
LINE = 18  # a line of text
LANE = 7  # one lane of window bars
LANES = 5  # at most: beyond, bars overlap
SWATCH = 14


@dataclass(frozen=True)
class Track:
    """Where each drawn position of one axis starts, and where the gaps are."""

    at: dict[int, float]
    gaps: tuple[float, ...]
    start: float
    stop: float
    cell: float

    @classmethod
    def of(cls, positions: Positions, start: float, cell: float) -> Track:
        at: dict[int, float] = {}
        gaps = []
        x = start
        for p in positions:
            if p is None:
                gaps.append(x)
                x += GAP
            else:
                at[p] = x
                x += cell
        return cls(at, tuple(gaps), start, x, cell)

    def centre(self, p: int) -> float:
        return self.at[p] + self.cell / 2

    def span(self, start: int, stop: int) -> tuple[float, float] | None:
        """The drawn extent of positions [start, stop), None if none of them is drawn."""
        shown = [p for p in range(start, stop) if p in self.at] if stop - start < 4096 else []
        if not shown and stop - start >= 4096:
            shown = [p for p in self.at if start <= p < stop]
        if not shown:
            return None
        return self.at[min(shown)], self.at[max(shown)] + self.cell


def cell(
    x: float,
    y: float,
    w: float,
    h: float,
    role: str,
    label: str | None = None,
    *,
    text_role: str = "value",
    corner: str | None = None,
    tip: str | None = None,
    small: bool = False,
) -> list[Item]:
    """A cell with its text centred (and a weight in its lower right corner)."""
    items: list[Item] = [Rect(x, y, w, h, role, tip)]
    if label:
        middle = y + h / 2 if corner is None else y + h * 0.36
        items.append(Text(x + w / 2, middle, label, text_role, SMALL if small else TEXT, "middle"))
    if corner:
        items.append(Text(x + w - 3, y + h * 0.76, corner, text_role, SMALL, "end"))
    return items


def gap_marks(canvas: Canvas, cols: Track, rows: Track | None, y0: float, h: float) -> None:
    """⋯ in the gaps between columns, ⋮ in those between rows."""
    top = rows.start if rows else y0
    bottom = rows.stop if rows else y0 + h
    for x in cols.gaps:
        canvas.text(x + GAP / 2, (top + bottom) / 2, "⋯", "muted", TEXT, "middle")
    if rows:
        for y in rows.gaps:
            canvas.text((cols.start + cols.stop) / 2, y + GAP / 2, "⋮", "muted", TEXT, "middle")


def index_labels(
    canvas: Canvas,
    track: Track,
    fixed: float,
    *,
    horizontal: bool,
    label: Callable[[int], str | None] = str,
) -> None:
    """Position numbers beside a track: above it (horizontal) or left of it."""
    for p, x in sorted(track.at.items()):
        text = label(p)
        if not text:
            continue
        if horizontal:
            canvas.text(x + track.cell / 2, fixed, text, "muted", SMALL, "middle")
        else:
            canvas.text(fixed, x + track.cell / 2, text, "muted", SMALL, "end")


def header(canvas: Canvas, x: float, y: float, title: str, lines: Iterable[str]) -> float:
    """The title (the PyTorch constructor) and lines under it; returns the y below them."""
    canvas.text(x, y + TITLE / 2, title, "text", TITLE, bold=True)
    y += TITLE + 8
    for line in lines:
        canvas.text(x, y + TEXT / 2, line)
        y += LINE
    return y


def legend(canvas: Canvas, x: float, y: float, entries: Sequence[tuple[str, str]]) -> float:
    """Swatches with their meaning, one per line; returns the y below them."""
    for role, meaning in entries:
        canvas.rect(x, y, SWATCH, SWATCH, role)
        canvas.text(x + SWATCH + 8, y + SWATCH / 2, meaning)
        y += SWATCH + 6
    return y


def lanes(span: int, stride: int) -> int:
    """Lanes for window bars so that overlapping windows sit apart (⌈span / stride⌉)."""
    return max(1, min(LANES, -(-span // max(stride, 1))))


def wrap(text: str, width: float, size: float = TEXT, joiner: str = " + ") -> list[str]:
    """A long sum split at its ' + ' (or spaces) so each line fits `width` px."""
    limit = max(20, int(width // (size * 0.61)))
    if len(text) <= limit:
        return [text]
    parts = text.split(joiner) if joiner in text else text.split(" ")
    glue = joiner if joiner in text else " "
    lines: list[str] = []
    current = ""
    for part in parts:
        candidate = part if not current else current + glue + part
        if len(candidate) > limit and current:
            lines.append(current + glue.rstrip())
            current = "  " + part
        else:
            candidate_fits = candidate
            current = candidate_fits
    lines.append(current)
    return lines


def width_of(texts: Iterable[str], size: float = TEXT) -> float:
    return max((text_width(t, size) for t in texts), default=0.0)
