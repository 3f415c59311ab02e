"""`convcalc run`: the output array (channels and batches labelled) and the explanation."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from convcalc.notation import number_text
from convcalc.render import fmt_shape, make_table, warnings_text
from convcalc.render.explain import BIAS, NOTE, PAD, VALUE, legend, lines, target, truncation_note

if TYPE_CHECKING:
    from convcalc.arrays import Preview
    from convcalc.explain import Explanation, Plane
    from convcalc.runs import LayerRun, Near

_STYLES = {PAD: "dim", BIAS: "cyan", VALUE: "bold", NOTE: "italic dim", None: ""}
_GAP = None  # an elided stretch of an axis in a Preview


def _lead_label(lead: int, index: Sequence[int | None]) -> str:
    names = ("batch", "channel")[2 - lead :] if lead else ()
    return ", ".join(
        f"{name} {'…' if i is None else i}" for name, i in zip(names, index, strict=False)
    )


def _thin(index: Sequence[int | None], keep: int) -> list[int | None]:
    """At most `keep` of the kept positions (first and last ones), gaps marked."""
    real = [i for i in index if i is not None]
    if len(real) <= keep and len(real) == len(index):
        return list(index)
    if len(real) <= keep:
        return list(index)
    head = (keep + 1) // 2
    return [*real[:head], _GAP, *real[len(real) - (keep - head) :]]


Lookup = list[dict[int, int]]  # per axis: original index → position in Preview.values


def _cell(values: Any, lookup: Lookup, path: Sequence[int]) -> str:
    for axis, i in enumerate(path):
        values = values[lookup[axis][i]]
    return number_text(values)


def _grid(
    view: Preview,
    head: tuple[int, ...],
    lookup: Lookup,
    width: int,
    ascii_only: bool,
) -> Table:
    rows_axis, cols_axis = len(head), len(head) + 1
    formatted = {
        (r, c): _cell(view.values, lookup, (*head, r, c))
        for r in view.index[rows_axis]
        for c in view.index[cols_axis]
        if r is not None and c is not None
    }
    cell = max((len(t) for t in formatted.values()), default=1)
    label = max(len(str(i)) for i in view.index[rows_axis] if i is not None) if formatted else 1
    fits = max(2, (width - label - 5) // (max(cell, 2) + 2))
    columns = _thin(view.index[cols_axis], fits)
    table = make_table("", *("…" if c is None else str(c) for c in columns), ascii_only=ascii_only)
    for r in view.index[rows_axis]:
        if r is None:
            table.add_row("…", *("…" for _ in columns))
            continue
        table.add_row(str(r), *("…" if c is None else formatted[(r, c)] for c in columns))
    return table


def _lookup(view: Preview) -> Lookup:
    return [
        {i: pos for pos, i in enumerate(i for i in index if i is not None)} for index in view.index
    ]


def array_view(
    view: Preview, lead: int, dims: int, *, width: int = 80, ascii_only: bool = False
) -> RenderableType:
    """1-D: one row per channel / batch item; 2-D and 3-D: one grid per channel (and slice)."""
    lookup = _lookup(view)
    if not view.shape or 0 in view.shape:
        return Text(f"(empty: shape {fmt_shape(view.shape)})")
    if dims == 1:
        spatial = len(view.shape) - 1
        blocks = list(itertools.product(*view.index[:spatial]))
        cells = {
            (b, i): _cell(view.values, lookup, (*cast("tuple[int, ...]", b), i))
            for b in blocks
            if None not in b
            for i in view.index[spatial]
            if i is not None
        }
        cell = max((len(t) for t in cells.values()), default=1)
        labels = [_lead_label(lead, b) for b in blocks]
        label = max((len(t) for t in labels), default=0)
        fits = max(2, (width - label - 5) // (max(cell, 2) + 2))
        columns = _thin(view.index[spatial], fits)
        table = make_table(
            "", *("…" if c is None else str(c) for c in columns), ascii_only=ascii_only
        )
        for b, text in zip(blocks, labels, strict=True):
            if None in b:
                table.add_row(text, *("…" for _ in columns))
                continue
            table.add_row(text, *("…" if c is None else cells[(b, c)] for c in columns))
        return table
    outer = len(view.shape) - 2
    parts: list[RenderableType] = []
    for head in itertools.product(*view.index[:outer]):
        names = _lead_label(lead, head[:lead])
        if dims == 3:
            depth = head[-1]
            names = ", ".join(filter(None, [names, f"depth {'…' if depth is None else depth}"]))
        if None in head:
            parts.append(Text(f"{names}: …"))
            continue
        grid = _grid(view, cast("tuple[int, ...]", head), lookup, width, ascii_only)
        parts.append(Group(Text(names, style="bold"), grid) if names else grid)
    return Group(*_spaced(parts))


def _spaced(parts: list[RenderableType]) -> list[RenderableType]:
    out: list[RenderableType] = []
    for i, part in enumerate(parts):
        if i:
            out.append(Text(""))
        out.append(part)
    return out


def explanation_view(explanation: Explanation, hint: str = "") -> RenderableType:
    """The legend, one line per element (a divisor note on its own line below it) or per
    scattered copy, and the truncation note ending with `hint`."""
    text = Text()
    text.append(legend(explanation) + "\n", style="italic")
    for segments, note in lines(explanation):
        for segment, style in segments:
            text.append(segment, style=_STYLES[style])
        if note is not None:
            text.append(f"\n    [{note}]", style=_STYLES[NOTE])
        text.append("\n")
    more = truncation_note(explanation, hint)
    if more:
        text.append(more + "\n", style="italic")
    text.rstrip()
    return text


def plane_view(
    plane: Plane, window: set[tuple[int, ...]], title: str, *, ascii_only: bool
) -> RenderableType:
    """A padded input channel: padding in (parentheses), the output's window in [brackets]."""
    columns = [str(plane.col0 + c) for c in range(len(plane.cells[0]))] if plane.cells else []
    table = make_table("", *columns, ascii_only=ascii_only)
    for r, row in enumerate(plane.cells):
        cells = []
        for c, (value, padded) in enumerate(row):
            text = number_text(value)
            text = f"({text})" if padded else text
            inside = (plane.row0 + r, plane.col0 + c) in window
            cells.append(
                Text(
                    f"[{text}]" if inside else text,
                    style="bold reverse" if inside else ("dim" if padded else ""),
                )
            )
        table.add_row(str(plane.row0 + r), *cells)
    return Group(Text(title, style="bold"), table)


def near_view(near: Near, title: str, *, ascii_only: bool) -> RenderableType:
    """The output around one element, that element in [brackets] (`--at`'s compact preview)."""
    table = make_table("", *(str(c) for c in near.cols), ascii_only=ascii_only)
    rows: Sequence[int | None] = [None] if near.rows is None else near.rows
    for r, values in zip(rows, near.values, strict=True):
        cells = []
        for c, value in zip(near.cols, values, strict=True):
            here = c == near.index[-1] and (r is None or r == near.index[-2])
            text = number_text(value)
            cells.append(Text(f"[{text}]" if here else text, style="bold reverse" if here else ""))
        table.add_row("" if r is None else str(r), *cells)
    return Group(Text(title, style="bold"), table)


def run_report(
    result: LayerRun, *, hint: str = "", width: int = 80, ascii_only: bool = False
) -> RenderableType:
    """The layer, the output array, and with an explanation its lines and (2-D) the padded
    input around the first element's window; `hint` ends the truncation note.  With `at`,
    the explanation comes first and the output is only previewed around the element."""
    shape = result.shape
    header = Text()
    header.append(shape.spec.torch_call(), style="bold")
    view = result.preview()
    header.append(f"\ninput {fmt_shape(result.input_shape)} → output {fmt_shape(view.shape)}")
    parts: list[RenderableType] = [header]
    explanation = result.explanation
    near = result.near() if result.at else None
    if near is None:
        array = array_view(view, result.lead, shape.spec.dims, width=width, ascii_only=ascii_only)
        parts += [Text(""), array]
    if explanation is not None:
        parts += [Text(""), explanation_view(explanation, hint)]
        if result.planes:
            chosen = explanation.elements[0]
            window = set(itertools.product(*chosen.window))
            padded = ", padded" if any(a.padding != (0, 0) for a in shape.axes) else ""
            of = f"{padded}; [ ] = the window of {target(explanation, chosen)}"
            for plane in result.planes:
                title = f"input channel {plane.channel}{of}"
                parts += [Text(""), plane_view(plane, window, title, ascii_only=ascii_only)]
    if near is not None:
        title = f"output near out[{', '.join(map(str, near.index))}]"
        parts += [Text(""), near_view(near, title, ascii_only=ascii_only)]
    if result.warnings:
        parts.append(warnings_text(result.warnings))
    return Group(*parts)
