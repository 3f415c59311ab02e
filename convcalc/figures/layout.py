"""A figure as data: rectangles, texts, lines and polygons at computed coordinates, plus the
frames of an animation.  Every coordinate is worked out here (and in the modules that lay out
a particular figure); `convcalc.figures.svg` only writes these records out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# One monospace font for everything: the constructor calls and formulas are code, and a fixed
# advance (DejaVu Sans Mono's is 0.602 em) lets the layout size boxes to their text.
FONT = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace"
ADVANCE = 0.61  # a character's width in em, rounded up
TEXT = 12  # body text, px (the issue asks for at least 10)
SMALL = 10  # index labels and weights in a cell's corner: the smallest text drawn
TITLE = 14
MARGIN = 16


def text_width(text: str, size: float = TEXT) -> float:
    return len(text) * size * ADVANCE


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    role: str  # a key of style.ROLES
    tip: str | None = None  # a tooltip (<title>), e.g. the cell's index


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the text's vertical middle
    text: str
    role: str = "text"
    size: float = TEXT
    anchor: str = "start"  # start, middle or end
    bold: bool = False


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    role: str = "connector"


@dataclass(frozen=True)
class Polygon:
    points: tuple[tuple[float, float], ...]
    role: str


Item = Rect | Text | Line | Polygon


@dataclass(frozen=True)
class Frame:
    """What one animation step adds over the static items; shown from `begin` for one step
    of every period."""

    begin: float  # seconds
    items: tuple[Item, ...]
    under: tuple[Item, ...] = ()  # drawn beneath the static items (lines behind the cells)


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    title: str  # the SVG's <title>: what the figure shows, in one line
    description: str  # its <desc>: the text a screen reader gets
    items: tuple[Item, ...]
    frames: tuple[Frame, ...] = ()  # empty: a still figure
    period: float = 0.0  # seconds for all frames, then the loop starts again
    shown: float = 0.0  # fraction of the period one frame is shown (SMIL keyTimes)


@dataclass
class Canvas:
    """Collects items and the extent they reach, so a layout knows its size at the end."""

    items: list[Item] = field(default_factory=list)
    right: float = 0.0
    bottom: float = 0.0

    def add(self, *items: Item) -> None:
        for item in items:
            self.items.append(item)
            self.reach(*extent(item))

    def add_under(self, *items: Item) -> None:
        """Items drawn beneath everything added so far (lines that pass behind cells)."""
        self.items[0:0] = items
        for item in items:
            self.reach(*extent(item))

    def reach(self, x: float, y: float) -> None:
        self.right = max(self.right, x)
        self.bottom = max(self.bottom, y)

    def rect(
        self, x: float, y: float, w: float, h: float, role: str, tip: str | None = None
    ) -> None:
        self.add(Rect(x, y, w, h, role, tip))

    def text(
        self,
        x: float,
        y: float,
        text: str,
        role: str = "text",
        size: float = TEXT,
        anchor: str = "start",
        bold: bool = False,
    ) -> None:
        self.add(Text(x, y, text, role, size, anchor, bold))

    def line(self, x1: float, y1: float, x2: float, y2: float, role: str = "connector") -> None:
        self.add(Line(x1, y1, x2, y2, role))

    def layout(
        self,
        title: str,
        description: str,
        frames: tuple[Frame, ...] = (),
        step: float = 0.0,
    ) -> Layout:
        for frame in frames:
            for item in (*frame.items, *frame.under):
                self.reach(*extent(item))
        period = step * len(frames)
        return Layout(
            width=round(self.right + MARGIN),
            height=round(self.bottom + MARGIN),
            title=title,
            description=description,
            items=tuple(self.items),
            frames=frames,
            period=round(period, 3),
            shown=round(1 / len(frames), 6) if frames else 0.0,
        )


def extent(item: Item) -> tuple[float, float]:
    """The right and bottom edges an item reaches."""
    if isinstance(item, Rect):
        return item.x + item.width, item.y + item.height
    if isinstance(item, Text):
        width = text_width(item.text, item.size)
        right = {"start": item.x + width, "middle": item.x + width / 2, "end": item.x}
        return right[item.anchor], item.y + item.size / 2
    if isinstance(item, Line):
        return max(item.x1, item.x2), max(item.y1, item.y2)
    return max(x for x, _ in item.points), max(y for _, y in item.points)
