"""One convolution or pooling layer in conv_arithmetic's style: the input map with its padding,
the kernel's window at one output position (its taps dark, dilation's holes inside its
outline, the next window one stride on dashed), the output map with that element marked,
input never read marked, and each output's window along every axis as a bar.  With values
the cells carry the numbers and the marked element its sum.  Animated, one frame per output
position drawn.

1-D layers are a row (the output below it), 2-D ones a grid (the output beside it), 3-D ones
the depth slices the marked window reads, then the output slice.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from convcalc.arithmetic import LayerShape, output_index
from convcalc.errors import InputError
from convcalc.figures import axes as axis_views
from convcalc.figures.axes import AxisRule, AxisView, Positions
from convcalc.figures.grid import (
    CELL,
    GAP,
    LANE,
    LINE,
    Track,
    cell,
    gap_marks,
    header,
    index_labels,
    lanes,
    legend,
    width_of,
    wrap,
)
from convcalc.figures.layout import (
    MARGIN,
    SMALL,
    TEXT,
    Canvas,
    Frame,
    Item,
    Layout,
    Line,
    Rect,
    Text,
)
from convcalc.notation import number_text, shape_text
from convcalc.padding import source_index
from convcalc.specs import AvgPool, Conv, ConvTranspose, MaxPool

STEP = 0.8  # seconds per animation frame
OUTPUT_GAP = 56  # between the input (with its bars) and the output
ROW_HEADER = 64  # a 1-D figure's row names ("input", "output") before the cells
SUM_WIDTH = 640  # px a sum line may take before it wraps
DEPTH_MOST = 6  # depth slices drawn of a 3-D window (more: the first and last ones)


@dataclass(frozen=True)
class Values:
    """The numbers of a run, as nested lists in PyTorch's batched layout."""

    x: Any  # (N, C, *spatial)
    w: Any | None  # PyTorch's weight layout
    b: Any | None
    out: Any  # (N, C, *output)
    lead: int  # leading (n, c) axes the user's arrays have: 0, 1 or 2
    full: Any | None = None  # a transposed conv's uncropped output (N, C, *full)


@dataclass(frozen=True)
class Target:
    """The output element a figure marks, and the input channel it draws."""

    n: int
    c: int  # output channel
    pos: tuple[int, ...]
    channel: int  # the input channel drawn
    lead: int

    def name(self, pos: Sequence[int] | None = None) -> str:
        head = ((), (self.c,), (self.n, self.c))[self.lead]
        where = (*head, *(self.pos if pos is None else pos))
        return f"out[{', '.join(map(str, where))}]"


def get(array: Any, index: Sequence[int]) -> Any:
    for i in index:
        array = array[i]
    return array


def resolve_at(shape: LayerShape, at: int | Sequence[int] | None, lead: int) -> Target:
    """`at` (every output index in the user's rank, or the spatial ones) → Target."""
    dims = shape.spec.dims
    out = shape.output_shape[len(shape.output_shape) - dims - lead :]
    if 0 in shape.output_shape or 0 in shape.input_shape:
        raise InputError(
            f"input: nothing to draw: the input {shape_text(shape.input_shape)} gives the "
            f"output {shape_text(shape.output_shape)}"
        )
    _, index = output_index((0,) * dims if at is None else at, out, dims)
    head = [0] * (lead - (len(index) - dims)) + list(index[: len(index) - dims])
    n, c = (head[0], head[1]) if lead == 2 else (0, head[0] if lead else 0)
    if isinstance(shape.spec, Conv | ConvTranspose):
        assert shape.channels is not None
        channel = shape.channels.inputs_of(c).start
    else:
        channel = c
    return Target(n, c, tuple(index[-dims:]), channel, lead)


def layer_layout(
    shape: LayerShape,
    at: int | Sequence[int] | None = None,
    values: Values | None = None,
    *,
    animate: bool = False,
) -> Layout:
    """The figure of `shape`, an analysed conv, transposed conv or pooling layer."""
    spec = shape.spec
    lead = values.lead if values is not None else len(shape.input_shape) - spec.dims
    target = resolve_at(shape, at, lead)
    if isinstance(spec, ConvTranspose):
        from convcalc.figures.transposed import transposed_layout

        return transposed_layout(shape, target, values, animate=animate)
    return _Sliding(shape, target, values, animate).layout()


def split(items: Iterable[Item]) -> tuple[tuple[Item, ...], tuple[Item, ...]]:
    """(drawn over the maps, drawn under them): connecting lines pass behind the cells."""
    listed = list(items)
    under = tuple(i for i in listed if isinstance(i, Line) and i.role == "connector")
    return tuple(i for i in listed if i not in under), under


def roles_of(items: Iterable[Item]) -> set[str]:
    return {item.role for item in items if isinstance(item, Rect)}


def sum_lines(shape: LayerShape, values: Values, index: tuple[int, ...]) -> list[str]:
    """`out[0] = 1·1 + 2·2 + 3·3 = 14` for one output element (batched index), as `run
    --explain` writes it, wrapped to fit the figure."""
    from convcalc.explain import Explanation, element
    from convcalc.render.explain import divisor_note, element_line, plain

    e = element(shape, values.x, values.w, values.b, index)
    explanation = Explanation(shape, values.lead, (e,), (), None, 0)
    note = divisor_note(e)
    return wrap(plain(element_line(explanation, e)), SUM_WIDTH) + ([f"  [{note}]"] if note else [])


@dataclass(frozen=True)
class Plane:
    """Where one drawn map went: its row and column tracks.  A 1-D map is one row: its row
    track holds the single position 0."""

    rows: Track
    cols: Track

    def xy(self, r: int, c: int) -> tuple[float, float] | None:
        if r in self.rows.at and c in self.cols.at:
            return self.cols.at[c], self.rows.at[r]
        return None


class _Sliding:
    """The figure of a conv or pool (a sliding or adaptive window)."""

    def __init__(
        self, shape: LayerShape, target: Target, values: Values | None, animate: bool
    ) -> None:
        self.shape = shape
        self.spec = shape.spec
        self.target = target
        self.values = values
        self.animate = animate
        self.rules = [AxisRule.of(axis, avg=isinstance(self.spec, AvgPool)) for axis in shape.axes]
        self.mode = self.spec.padding_mode if isinstance(self.spec, Conv) else "zeros"
        self.dims = self.spec.dims
        # a 3-D layer is drawn as depth slices of its last two axes
        self.depth = self.rules[0] if self.dims == 3 else None
        self.plane_rules = self.rules[-2:]
        self.views = [
            axis_views.view(rule, m)
            for rule, m in zip(self.plane_rules, target.pos[-len(self.plane_rules) :], strict=True)
        ]
        self.canvas = Canvas()
        self.roles: set[str] = set()
        self.cw, self.ch = self._cell_size()

    # --- grid coordinates: a 1-D map is row 0 -----------------------------------------------

    def grid(self, plane_pos: Sequence[int]) -> tuple[int, int]:
        return (plane_pos[0], plane_pos[1]) if len(plane_pos) == 2 else (0, plane_pos[0])

    def row_view(self) -> tuple[Positions, Positions]:
        """(input, output) positions along the row axis."""
        if len(self.views) == 2:
            return self.views[0].inputs, self.views[0].outputs
        return (0,), (0,)

    # --- what a position is, and what it shows --------------------------------------------

    def _source(self, pos: Sequence[int]) -> tuple[int, ...] | None:
        sources = [
            source_index(p, rule.size, self.mode) for p, rule in zip(pos, self.rules, strict=True)
        ]
        if any(s is None for s in sources):
            return None
        return tuple(s for s in sources if s is not None)

    def input_role(self, pos: Sequence[int]) -> str:
        kinds = [rule.kind(p) for rule, p in zip(self.rules, pos, strict=True)]
        for kind in ("cropped-input", "overhang"):
            if kind in kinds:
                return kind
        if "padding" in kinds:
            return "padding" if self.mode == "zeros" else "padding-copy"
        if not all(rule.read(p) for rule, p in zip(self.rules, pos, strict=True)):
            return "unused"
        return "input"

    def input_label(self, pos: Sequence[int], role: str) -> tuple[str | None, bool]:
        """(text, small) of an input cell."""
        if role == "overhang":
            return None, False
        source = tuple(pos) if role == "cropped-input" else self._source(pos)
        if self.values is None:
            if role == "padding-copy" and source is not None:
                return ",".join(map(str, source)), True
            return None, False
        if source is None:
            return ("-inf" if isinstance(self.spec, MaxPool) else "0"), False
        value = get(self.values.x, (self.target.n, self.target.channel, *source))
        return number_text(value), False

    def input_tip(self, pos: Sequence[int], role: str) -> str:
        where = ", ".join(map(str, pos))
        if role in ("padding", "padding-copy"):
            source = self._source(pos)
            copy = f": copies x[{', '.join(map(str, source))}]" if source else ""
            return f"padding at [{where}]{copy}"
        if role == "overhang":
            return f"[{where}]: past the padding, ignored"
        if role == "cropped-input":
            return f"x[{where}]: cropped by a negative padding"
        return f"x[{where}]" + (" (never read)" if role == "unused" else "")

    def output_label(self, pos: Sequence[int]) -> str | None:
        if self.values is None:
            return None
        return number_text(get(self.values.out, (self.target.n, self.target.c, *pos)))

    def weight(self, taps: Sequence[int]) -> str | None:
        if self.values is None or self.values.w is None:
            return None
        return "×" + number_text(get(self.values.w, (self.target.c, 0, *taps)))

    # --- sizes ------------------------------------------------------------------------------

    def _depths(self) -> Positions:
        if self.depth is None:
            return ()
        start, stop = self.depth.span(self.target.pos[0])
        kept = set(range(start, stop))
        if len(kept) > DEPTH_MOST:
            kept = set(range(start, start + 3)) | set(range(stop - 2, stop))
        return axis_views.with_gaps(kept)

    def _input_positions(self) -> list[tuple[int, ...]]:
        lists = [[p for p in v.inputs if p is not None] for v in self.views]
        depths: list[tuple[int, ...]] = [(d,) for d in self._depths() if d is not None] or [()]
        return [(*d, *p) for d in depths for p in itertools.product(*lists)]

    def _output_positions(self) -> list[tuple[int, ...]]:
        lists = [[p for p in v.outputs if p is not None] for v in self.views]
        fixed = self.target.pos[:1] if self.depth is not None else ()
        return [(*fixed, *p) for p in itertools.product(*lists)]

    def _cell_size(self) -> tuple[float, float]:
        if self.values is None:
            return CELL, CELL
        texts = [self.input_label(p, self.input_role(p))[0] or "" for p in self._input_positions()]
        texts += [self.output_label(p) or "" for p in self._output_positions()]
        weights = self.values.w is not None and isinstance(self.spec, Conv)
        if weights:
            kernel = [range(rule.kernel) for rule in self.rules]
            texts += [self.weight(t) or "" for t in itertools.product(*kernel)]
        side = max(CELL, width_of(texts) + 10)
        height = max(side, 38) if weights else side
        return (side, height) if self.dims == 1 else (max(side, height), max(side, height))

    # --- the figure ------------------------------------------------------------------------

    def layout(self) -> Layout:
        canvas, shape, spec = self.canvas, self.shape, self.spec
        lines = [f"input {shape_text(shape.input_shape)} → output {shape_text(shape.output_shape)}"]
        lines += [f"{axis.name}: {axis.formula}" for axis in shape.axes]
        y = header(canvas, MARGIN, MARGIN, f"nn.{spec.torch_call()}", lines)
        for note in self._channel_notes():
            canvas.text(MARGIN, y + TEXT / 2, note, "muted")
            y += LINE
        y += 6
        self.inputs: list[tuple[tuple[int, ...], Plane]] = []  # (depth slice, plane)
        if self.depth is None:
            self.bottom = y
            self.inputs.append(((), self._input_map(MARGIN, y, "input")))
            self.output = self._output_map(y)
        else:
            self._slices(y)
        y_text = self.bottom + 14
        frames: tuple[Frame, ...] = ()
        if self.animate:
            frames = tuple(
                Frame(round(i * STEP, 3), *split(self._overlay(pos, y_text, still=False)))
                for i, pos in enumerate(self._output_positions())
            )
            self.roles |= roles_of(item for frame in frames for item in frame.items)
            sums = max(len(self._sums(pos)) for pos in self._output_positions())
        else:
            items = self._overlay(self.target.pos, y_text, still=True)
            self.roles |= roles_of(items)
            over, under = split(items)
            canvas.add(*over)
            canvas.add_under(*under)
            sums = len(self._sums(self.target.pos))
        y = y_text + sums * LINE + (4 if sums else 0)
        for warning in shape.warnings:
            canvas.text(MARGIN, y + TEXT / 2, warning, "muted")
            y += LINE
        self.roles |= roles_of(canvas.items)
        legend(canvas, MARGIN, y + 6, self._legend())
        description = "; ".join([*lines, *self._sums(self.target.pos)])
        return canvas.layout(
            f"nn.{spec.torch_call()} on {shape_text(shape.input_shape)}", description, frames, STEP
        )

    def _sums(self, pos: tuple[int, ...]) -> list[str]:
        if self.values is None:
            return []
        return sum_lines(self.shape, self.values, (self.target.n, self.target.c, *pos))

    def _channel_notes(self) -> list[str]:
        shape, t = self.shape, self.target
        notes = []
        if isinstance(self.spec, Conv):
            assert shape.channels is not None
            reads = shape.channels.inputs_of(t.c)
            if len(reads) > 1 or shape.channels.groups > 1:
                notes.append(
                    f"{t.name()} reads input channels {reads.start}–{reads.stop - 1} "
                    f"(groups={shape.channels.groups}); channel {t.channel} is drawn"
                )
            if shape.channel_padding != (0, 0):
                notes.append(f"the channel axis is padded too: {shape.channel_padding}")
        elif t.lead and shape.input_shape[len(shape.input_shape) - self.dims - 1] > 1:
            notes.append(f"each channel is pooled alone; channel {t.c} is drawn")
        if self.depth is not None:
            notes.append(
                f"3-D: the {self.depth.name} slices {t.name()}'s window reads, then output "
                f"slice {self.depth.name} = {t.pos[0]}"
            )
        return notes

    # --- the maps ---------------------------------------------------------------------------

    def _input_map(self, x: float, y: float, title: str, depth: tuple[int, ...] = ()) -> Plane:
        canvas = self.canvas
        rows_in, _ = self.row_view()
        cols_view = self.views[-1]
        two_d = len(self.views) == 2
        label_width = self._label_width() if two_d else ROW_HEADER
        top = y + LINE + 12
        if two_d:
            canvas.text(x + label_width, y + TEXT / 2, title, bold=True)
        else:  # a 1-D map is a row: its name on its left
            top = y + 14
            canvas.text(x, top + self.ch / 2, title, bold=True)
        cols = Track.of(cols_view.inputs, x + label_width, self.cw)
        rows = Track.of(rows_in, top, self.ch)
        index_labels(canvas, cols, top - 8, horizontal=True, label=self._index(cols_view))
        if two_d:
            index_labels(
                canvas, rows, cols.start - 4, horizontal=False, label=self._index(self.views[0])
            )
        for r, ry in rows.at.items():
            for c, cx in cols.at.items():
                pos = (*depth, r, c) if two_d else (*depth, c)
                role = self.input_role(pos)
                label, small = self.input_label(pos, role)
                text_role = "copy" if role == "padding-copy" and self.values is None else "value"
                canvas.add(
                    *cell(
                        cx,
                        ry,
                        self.cw,
                        self.ch,
                        role,
                        label,
                        text_role=text_role,
                        tip=self.input_tip(pos, role),
                        small=small,
                    )
                )
        gap_marks(canvas, cols, rows if two_d else None, top, self.ch)
        plane = Plane(rows, cols)
        self.right = cols.stop
        self.bottom = max(self.bottom, rows.stop)
        if not depth or depth == self._last_depth():
            self._bars(plane)
        return plane

    def _last_depth(self) -> tuple[int, ...]:
        shown = [d for d in self._depths() if d is not None]
        return (shown[-1],) if shown else ()

    def _label_width(self) -> float:
        rows = self.views[0]
        labels = [str(p) for p in (*rows.inputs, *rows.outputs) if p is not None]
        return width_of(labels, SMALL) + 6

    @staticmethod
    def _index(view: AxisView) -> Any:
        size = view.rule.size

        def label(p: int) -> str | None:
            return str(p) if 0 <= p < size else None

        return label

    def _output_map(self, y: float) -> Plane:
        canvas = self.canvas
        _, rows_out = self.row_view()
        cols_view = self.views[-1]
        two_d = len(self.views) == 2
        if two_d:
            x = self.right + OUTPUT_GAP
            label_width = self._label_width()
        else:
            x, y = MARGIN, self.bottom + 26
            label_width = ROW_HEADER
        fixed = self.target.pos[:1] if self.depth is not None else ()
        title = "output" + (f", {self.depth.name} = {fixed[0]}" if self.depth is not None else "")
        top = y + LINE + 12
        if two_d:
            canvas.text(x + label_width, y + TEXT / 2, title, bold=True)
        else:
            top = y + 14
            canvas.text(x, top + self.ch / 2, title, bold=True)
        cols = Track.of(cols_view.outputs, x + label_width, self.cw)
        rows = Track.of(rows_out, top, self.ch)
        index_labels(canvas, cols, top - 8, horizontal=True)
        if two_d:
            index_labels(canvas, rows, cols.start - 4, horizontal=False)
        for r, ry in rows.at.items():
            for c, cx in cols.at.items():
                pos = (*fixed, r, c) if two_d else (c,)
                label = self.output_label(pos)
                canvas.add(
                    *cell(cx, ry, self.cw, self.ch, "output", label, tip=self.target.name(pos))
                )
        gap_marks(canvas, cols, rows if two_d else None, top, self.ch)
        self.bottom = max(self.bottom, rows.stop)
        return Plane(rows, cols)

    def _slices(self, y: float) -> None:
        """3-D: the input slices the marked window spans, side by side, then the output."""
        assert self.depth is not None
        x: float = MARGIN
        self.bottom = y
        for d in self._depths():
            if d is None:
                self.canvas.text(x + GAP / 2, y + 60, "⋯", "muted", TEXT, "middle")
                x += GAP + 8
                continue
            kind = self.depth.kind(d)
            title = f"input, {self.depth.name} = {d}" + ("" if kind == "input" else f" ({kind})")
            self.inputs.append(((d,), self._input_map(x, y, title, (d,))))
            x = self.right + 20
        self.output = self._output_map(y)

    def _bars(self, plane: Plane) -> None:
        """Each output's window along the columns (below the map) and rows (right of it)."""
        self.bar_places: list[tuple[int, float, bool]] = []  # (axis, offset, vertical)
        below = plane.rows.stop + 6
        last = len(self.views) - 1
        self.bar_places.append((last, below, False))
        self.bottom = max(self.bottom, below + self._lanes(self.views[last].rule) * (LANE + 2))
        if len(self.views) == 2:
            beside = plane.cols.stop + 6
            self.bar_places.append((0, beside, True))
            self.right = beside + self._lanes(self.views[0].rule) * (LANE + 2)
        self.bar_plane = plane
        for axis, offset, vertical in self.bar_places:
            for o in self.views[axis].outputs:
                if o is not None:
                    bar = self._bar(axis, o, offset, vertical, "bar")
                    if bar is not None:
                        self.canvas.add(bar)

    @staticmethod
    def _lanes(rule: AxisRule) -> int:
        start, stop = rule.span(0)
        return lanes(stop - start, 1 if rule.adaptive else rule.stride)

    def _bar(self, axis: int, o: int, offset: float, vertical: bool, role: str) -> Rect | None:
        rule = self.views[axis].rule
        track = self.bar_plane.rows if vertical else self.bar_plane.cols
        extent = track.span(*rule.span(o))
        if extent is None:
            return None
        a, b = extent
        across = offset + (o % self._lanes(rule)) * (LANE + 2)
        tip = f"window of output {o} along {rule.name}"
        if vertical:
            return Rect(across, a + 1, LANE, b - a - 2, role, tip)
        return Rect(a + 1, across, b - a - 2, LANE, role, tip)

    # --- the marked element -------------------------------------------------------------------

    def _box(
        self, plane: Plane, plane_pos: Sequence[int]
    ) -> tuple[float, float, float, float] | None:
        """The drawn extent of the window at plane_pos: (x0, y0, x1, y1)."""
        spans = [rule.span(o) for rule, o in zip(self.plane_rules, plane_pos, strict=True)]
        col = plane.cols.span(*spans[-1])
        row = plane.rows.span(*spans[0]) if len(spans) == 2 else plane.rows.span(0, 1)
        if col is None or row is None:
            return None
        return col[0], row[0], col[1], row[1]

    def _overlay(self, pos: tuple[int, ...], y_text: float, *, still: bool) -> list[Item]:
        items: list[Item] = []
        plane_pos = pos[len(pos) - len(self.plane_rules) :]
        depth_taps = self.depth.taps(pos[0]) if self.depth is not None else ()
        for depth, plane in self.inputs:
            if depth and depth[0] not in depth_taps:
                # a hole of the depth dilation: the window's span only
                items += self._outline(plane, plane_pos)
                continue
            items += self._taps(plane, depth, plane_pos, depth_taps)
            items += self._outline(plane, plane_pos)
            if still:
                items += self._next(plane, plane_pos)
        for axis, offset, vertical in getattr(self, "bar_places", []):
            bar = self._bar(axis, plane_pos[axis], offset, vertical, "bar-marked")
            if bar is not None:
                items.append(bar)
        items += self._marked(pos, plane_pos)
        for i, line in enumerate(self._sums(pos)):
            items.append(Text(MARGIN, y_text + i * LINE + TEXT / 2, line))
        return items

    def _taps(
        self,
        plane: Plane,
        depth: tuple[int, ...],
        plane_pos: tuple[int, ...],
        depth_taps: tuple[int, ...],
    ) -> list[Item]:
        items: list[Item] = []
        taps = [rule.taps(o) for rule, o in zip(self.plane_rules, plane_pos, strict=True)]
        depth_tap = (depth_taps.index(depth[0]),) if depth else ()
        conv = isinstance(self.spec, Conv)
        for where in itertools.product(*taps):
            full = (*depth, *where)
            if not all(rule.counts(p) for rule, p in zip(self.rules, full, strict=True)):
                continue  # past the padding: ignored (ceil_mode)
            xy = plane.xy(*self.grid(where))
            if xy is None:
                continue
            role = self.input_role(full)
            label, small = self.input_label(full, role)
            tap = tuple(t.index(p) for t, p in zip(taps, where, strict=True))
            items += cell(
                *xy,
                self.cw,
                self.ch,
                "window",
                label,
                text_role="on-dark",
                corner=self.weight((*depth_tap, *tap)) if conv else None,
                tip=self.input_tip(full, role),
                small=small,
            )
        return items

    def _outline(self, plane: Plane, plane_pos: tuple[int, ...]) -> list[Item]:
        box = self._box(plane, plane_pos)
        if box is None:
            return []
        x0, y0, x1, y1 = box
        return [Rect(x0, y0, x1 - x0, y1 - y0, "window-outline")]

    def _next(self, plane: Plane, plane_pos: tuple[int, ...]) -> list[Item]:
        """The window one stride on, along each axis (a still figure's way to show stride)."""
        items: list[Item] = []
        for axis, rule in enumerate(self.plane_rules):
            if rule.adaptive or plane_pos[axis] + 1 >= rule.out:
                continue
            moved = list(plane_pos)
            moved[axis] += 1
            box = self._box(plane, moved)
            if box is not None:
                x0, y0, x1, y1 = box
                items.append(Rect(x0 + 3, y0 + 3, x1 - x0 - 6, y1 - y0 - 6, "next-window"))
        return items

    def _marked(self, pos: tuple[int, ...], plane_pos: tuple[int, ...]) -> list[Item]:
        xy = self.output.xy(*self.grid(plane_pos))
        if xy is None:
            return []
        ox, oy = xy
        items: list[Item] = []
        _, plane = self.inputs[-1]
        box = self._box(plane, plane_pos)
        if box is not None:
            x0, y0, x1, y1 = box
            if len(self.views) == 2:
                items += [Line(x1, y0, ox, oy), Line(x1, y1, ox, oy + self.ch)]
            else:
                items += [Line(x0, y1, ox, oy), Line(x1, y1, ox + self.cw, oy)]
        items += cell(
            ox, oy, self.cw, self.ch, "marked", self.output_label(pos), tip=self.target.name(pos)
        )
        return items

    def _legend(self) -> list[tuple[str, str]]:
        spec, t = self.spec, self.target
        names = [rule.name for rule in self.plane_rules]
        stride = ", ".join(str(rule.stride) for rule in self.plane_rules)
        dilated = [rule for rule in self.rules if rule.dilation > 1]
        where = " (below / right of the input)" if len(names) == 2 else ""
        meanings = {
            "input": "input",
            "padding": "padding (−inf: never the max)"
            if isinstance(spec, MaxPool)
            else "zero padding",
            "padding-copy": f"{self.mode} padding: copies the input cell it names",
            "overhang": "ceil_mode: the last window hangs past the padding (ignored)",
            "cropped-input": "cropped: a negative padding removes it",
            "unused": "input no window reads",
            "window": "what the frame's output element reads"
            if self.animate
            else f"what {t.name()} reads",
            "window-outline": "the window's span"
            + (
                f" (dilation {', '.join(str(r.dilation) for r in self.rules)}: holes inside)"
                if dilated
                else ""
            ),
            "next-window": f"the next window, one stride on (stride {stride})",
            "output": "output",
            "marked": "the output element the window computes" if self.animate else t.name(),
            "bar": f"each output's window along {' and '.join(names)}{where}",
        }
        return [(role, meaning) for role, meaning in meanings.items() if role in self.roles]
