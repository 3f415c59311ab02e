"""A transposed convolution, read two ways.

Scatter (what it computes): each input cell adds input × kernel to the full output, one
stride apart; padding then crops the full output's border (output_padding extends its end).
Direct (conv_arithmetic's picture): the same numbers are a stride-1 convolution, kernel
flipped, over the input with stride − 1 zeros inserted between its cells and d·(k−1) − p
padding around it, drawn when that padding is not negative.

The marked output element is the same in both: the scatter shows the inputs whose kernel
copies land on it, the direct reading the window that computes it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from convcalc.arithmetic import LayerShape, WindowAxis
from convcalc.figures import axes as axis_views
from convcalc.figures.axes import AxisRule, Positions
from convcalc.figures.grid import (
    CELL,
    LINE,
    Track,
    cell,
    gap_marks,
    header,
    index_labels,
    legend,
    width_of,
)
from convcalc.figures.layer import STEP, Plane, Target, Values, get, roles_of, split, sum_lines
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

PANEL_GAP = 56
HEADER_1D = 72


def _scatter_rule(axis: WindowAxis) -> AxisRule:
    """The full output as the union of the input cells' kernel copies: copy i covers
    [i·s, i·s + d·(k−1) + 1), so 'window' i of this rule is input i's stamp."""
    full = (axis.input - 1) * axis.stride + axis.effective_kernel + axis.output_padding
    return AxisRule(axis.name, full, 0, 0, axis.input, axis.kernel, axis.stride, axis.dilation)


def _direct_rule(axis: WindowAxis) -> AxisRule | None:
    """The equivalent stride-1 convolution over the zero-inserted input; None when its
    padding d·(k−1) − p would be negative."""
    pad = axis.dilation * (axis.kernel - 1) - axis.padding[0]
    if pad < 0:
        return None
    size = (axis.input - 1) * axis.stride + 1
    return AxisRule(
        axis.name, size, pad, pad + axis.output_padding, axis.output, axis.kernel, 1, axis.dilation
    )


def _per_axis(values: list[int]) -> str:
    """'1' when every axis agrees, else '1, 2'."""
    return str(values[0]) if len(set(values)) == 1 else ", ".join(map(str, values))


def _contributors(axis: WindowAxis, q: int) -> tuple[tuple[int, int], ...]:
    """(input i, tap t) whose copy lands on full-output position q: i·s + t·d = q."""
    found = []
    for t in range(axis.kernel) if axis.kernel <= 4096 else ():
        rest = q - t * axis.dilation
        if rest >= 0 and rest % axis.stride == 0 and rest // axis.stride < axis.input:
            found.append((rest // axis.stride, t))
    return tuple(found)


class _Transposed:
    def __init__(
        self, shape: LayerShape, target: Target, values: Values | None, animate: bool
    ) -> None:
        self.shape = shape
        self.spec = shape.spec
        self.target = target
        self.values = values
        self.animate = animate
        self.axes = shape.windows
        self.dims = len(self.axes)
        self.canvas = Canvas()
        self.roles: set[str] = set()
        self.scatter_rules = [_scatter_rule(a) for a in self.axes]
        direct = [_direct_rule(a) for a in self.axes]
        self.direct_rules = None if None in direct else [r for r in direct if r is not None]
        # outputs drawn: as a conv over the zero-inserted input would draw them
        marked = target.pos
        out_views = []
        for axis, o, rule in zip(self.axes, marked, direct, strict=True):
            base = rule or AxisRule(axis.name, axis.output, 0, 0, axis.output)
            out_views.append(axis_views.view(base, o))
        self.direct_views = out_views if self.direct_rules is not None else None
        self.outputs: list[Positions] = [v.outputs for v in out_views]
        self.scatter_inputs, self.scatter_full = self._scatter_positions()
        self.cw, self.ch = self._cell_size()

    # --- which positions are drawn ------------------------------------------------------------

    def _scatter_positions(self) -> tuple[list[Positions], list[Positions]]:
        inputs: list[Positions] = []
        fulls: list[Positions] = []
        for axis, rule, outs in zip(self.axes, self.scatter_rules, self.outputs, strict=True):
            p = axis.padding[0]
            if axis.input <= 12 and rule.size <= axis_views.IN_ALL:
                inputs.append(tuple(range(axis.input)))
                fulls.append(tuple(range(rule.size)))
                continue
            shown = {o for o in outs if o is not None}
            feeding = {i for o in shown for i, _ in _contributors(axis, o + p)}
            feeding |= {0, axis.input - 1}
            full: set[int] = set()
            for i in feeding:
                start, stop = rule.span(i)
                full.update(range(start, stop))
            full |= {o + p for o in shown}
            full |= set(range(min(p, 3))) | set(range(max(0, rule.size - min(p, 3)), rule.size))
            inputs.append(axis_views.with_gaps(feeding))
            fulls.append(axis_views.with_gaps(full))
        return inputs, fulls

    # --- what a cell is -------------------------------------------------------------------------

    def full_role(self, q: Sequence[int]) -> str:
        kept = all(
            a.padding[0] <= qq < a.padding[0] + a.output for a, qq in zip(self.axes, q, strict=True)
        )
        if not kept:
            return "cropped"
        reached = all(rule.read(qq) for rule, qq in zip(self.scatter_rules, q, strict=True))
        return "output" if reached else "bias-only"

    def full_label(self, q: Sequence[int]) -> str | None:
        v, t = self.values, self.target
        if v is None:
            return None
        if v.full is not None:
            return number_text(get(v.full, (t.n, t.c, *q)))
        return number_text(get(v.out, (t.n, t.c, *q)))

    def input_label(self, i: Sequence[int]) -> str | None:
        if self.values is None:
            return None
        return number_text(get(self.values.x, (self.target.n, self.target.channel, *i)))

    def direct_role(self, pos: Sequence[int]) -> str:
        assert self.direct_rules is not None
        kinds = [rule.kind(p) for rule, p in zip(self.direct_rules, pos, strict=True)]
        if "padding" in kinds or "overhang" in kinds:
            return "padding"
        if any(p % a.stride for a, p in zip(self.axes, pos, strict=True)):
            return "inserted"
        if not all(rule.read(p) for rule, p in zip(self.direct_rules, pos, strict=True)):
            return "unused"
        return "input"

    def direct_label(self, pos: Sequence[int]) -> str | None:
        if self.values is None:
            return None
        if self.direct_role(pos) in ("padding", "inserted"):
            return "0"
        return self.input_label([p // a.stride for a, p in zip(self.axes, pos, strict=True)])

    def weight(self, taps: Sequence[int]) -> str | None:
        """The weight a tap applies: weight[c_in, c_out mod out/g, *taps]."""
        v = self.values
        if v is None or v.w is None:
            return None
        assert self.shape.channels is not None
        local = self.target.c % self.shape.channels.out_per_group
        return "×" + number_text(get(v.w, (self.target.channel, local, *taps)))

    def _cell_size(self) -> tuple[float, float]:
        if self.values is None:
            return CELL, CELL
        texts: list[str] = []
        for i in itertools.product(
            *([p for p in ps if p is not None] for ps in self.scatter_inputs)
        ):
            texts.append(self.input_label(i) or "")
        for q in itertools.product(*([p for p in ps if p is not None] for ps in self.scatter_full)):
            texts.append(self.full_label(q) or "")
        kernel = [range(a.kernel) for a in self.axes]
        weights = self.values.w is not None
        if weights:
            texts += [self.weight(t) or "" for t in itertools.product(*kernel)]
        side = max(CELL, width_of(texts) + 10)
        height = max(side, 38) if weights else side
        return (side, height) if self.dims == 1 else (max(side, height),) * 2

    # --- drawing ------------------------------------------------------------------------------

    def _map(
        self,
        x: float,
        y: float,
        title: str,
        rows: Positions,
        cols: Positions,
        role_label: object,
        index: object = None,
    ) -> Plane:
        """A map (1-D: a row with its title on the left; 2-D: a grid titled above)."""
        canvas = self.canvas
        two_d = self.dims == 2
        label_width = (
            width_of([str(p) for p in rows if p is not None], SMALL) + 6 if two_d else HEADER_1D
        )
        if two_d:
            canvas.text(x + label_width, y + TEXT / 2, title, bold=True)
            top = y + LINE + 12
        else:
            top = y + 14
            canvas.text(x, top + self.ch / 2, title, bold=True)
        col_track = Track.of(cols, x + label_width, self.cw)
        row_track = Track.of(rows if two_d else (0,), top, self.ch)
        labeller = index if callable(index) else str
        index_labels(canvas, col_track, top - 8, horizontal=True, label=labeller)
        if two_d:
            index_labels(canvas, row_track, col_track.start - 4, horizontal=False, label=labeller)
        assert callable(role_label)
        for r, ry in row_track.at.items():
            for c, cx in col_track.at.items():
                pos = (r, c) if two_d else (c,)
                role, label, tip = role_label(pos)
                canvas.add(*cell(cx, ry, self.cw, self.ch, role, label, tip=tip))
        gap_marks(canvas, col_track, row_track if two_d else None, top, self.ch)
        return Plane(row_track, col_track)

    def grid(self, pos: Sequence[int]) -> tuple[int, int]:
        return (pos[0], pos[1]) if len(pos) == 2 else (0, pos[0])

    def layout(self) -> Layout:
        canvas, shape, spec, t = self.canvas, self.shape, self.spec, self.target
        lines = [f"input {shape_text(shape.input_shape)} → output {shape_text(shape.output_shape)}"]
        lines += [f"{axis.name}: {axis.formula}" for axis in shape.axes]
        y = header(canvas, MARGIN, MARGIN, f"nn.{spec.torch_call()}", lines)
        assert shape.channels is not None
        reads = shape.channels.inputs_of(t.c)
        if len(reads) > 1 or shape.channels.groups > 1:
            canvas.text(
                MARGIN,
                y + TEXT / 2,
                f"{t.name()} sums input channels {reads.start}–{reads.stop - 1} "
                f"(groups={shape.channels.groups}); channel {t.channel} is drawn",
                "muted",
            )
            y += LINE
        pads = _per_axis([a.padding[0] for a in self.axes])
        canvas.text(
            MARGIN,
            y + 6 + TEXT / 2,
            "1. scatter: each input cell adds input × kernel to the full output; "
            + (
                f"padding {pads} crops its border"
                if any(a.padding[0] for a in self.axes)
                else "nothing is cropped"
            ),
            bold=True,
        )
        y += LINE + 14
        self.scatter = self._scatter(y)
        y = self.bottom + 22
        self.direct: tuple[Plane, Plane] | None = None
        if self.direct_rules is not None:
            pad = _per_axis([r.before for r in self.direct_rules])
            zeros = _per_axis([a.stride - 1 for a in self.axes])
            between = f"{zeros} zero(s) inserted between cells, " if zeros != "0" else ""
            canvas.text(
                MARGIN,
                y + TEXT / 2,
                "2. the same as a convolution (stride 1, kernel flipped) over the input with",
                bold=True,
            )
            y += LINE
            canvas.text(MARGIN, y + TEXT / 2, f"   {between}padded by d·(k−1)−p = {pad}", bold=True)
            y += LINE + 8
            self.direct = self._direct(y)
            y = self.bottom + 14
        else:
            canvas.text(
                MARGIN,
                y + TEXT / 2,
                "(the direct reading is not drawn: its padding d·(k−1)−p would be negative)",
                "muted",
            )
            y += LINE + 8
        y_text = y
        positions = list(
            itertools.product(*([o for o in os if o is not None] for os in self.outputs))
        )
        frames: tuple[Frame, ...] = ()
        if self.animate:
            frames = tuple(
                Frame(round(i * STEP, 3), *split(self._overlay(pos, y_text)))
                for i, pos in enumerate(positions)
            )
            self.roles |= roles_of(item for frame in frames for item in frame.items)
            sums = max(len(self._sums(pos)) for pos in positions)
        else:
            items = self._overlay(t.pos, y_text)
            self.roles |= roles_of(items)
            over, under = split(items)
            canvas.add(*over)
            canvas.add_under(*under)
            sums = len(self._sums(t.pos))
        y = y_text + sums * LINE + (4 if sums else 0)
        for warning in shape.warnings:
            canvas.text(MARGIN, y + TEXT / 2, warning, "muted")
            y += LINE
        self.roles |= roles_of(canvas.items)
        legend(canvas, MARGIN, y + 6, self._legend())
        description = "; ".join([*lines, *self._sums(t.pos)])
        return canvas.layout(
            f"nn.{spec.torch_call()} on {shape_text(shape.input_shape)}", description, frames, STEP
        )

    def _scatter(self, y: float) -> tuple[Plane, Plane]:
        ins, fulls = self.scatter_inputs, self.scatter_full
        t = self.target

        def input_cell(pos: tuple[int, ...]) -> tuple[str, str | None, str]:
            return "input", self.input_label(pos), f"x[{', '.join(map(str, pos))}]"

        def full_cell(pos: tuple[int, ...]) -> tuple[str, str | None, str]:
            role = self.full_role(pos)
            where = ", ".join(map(str, pos))
            tip = f"full[{where}]" + (" (cropped)" if role == "cropped" else "")
            return role, self.full_label(pos), tip

        rows_in = ins[0] if self.dims == 2 else (0,)
        rows_full = fulls[0] if self.dims == 2 else (0,)
        self.bottom = y
        if self.dims == 2:
            inp = self._map(MARGIN, y, "input", rows_in, ins[-1], input_cell)
            x = inp.cols.stop + PANEL_GAP
            full = self._map(x, y, "full output (before cropping)", rows_full, fulls[-1], full_cell)
            self.bottom = max(inp.rows.stop, full.rows.stop)
        else:
            inp = self._map(MARGIN, y, "input", rows_in, ins[-1], input_cell)
            full = self._map(MARGIN, inp.rows.stop + 26, "full", rows_full, fulls[-1], full_cell)
            self.bottom = full.rows.stop
        del t
        return inp, full

    def _direct(self, y: float) -> tuple[Plane, Plane]:
        assert self.direct_views is not None
        views = self.direct_views

        def zero_cell(pos: tuple[int, ...]) -> tuple[str, str | None, str]:
            role = self.direct_role(pos)
            tip = {"padding": "padding (0)", "inserted": "an inserted zero"}.get(
                role,
                "x["
                + ", ".join(str(p // a.stride) for a, p in zip(self.axes, pos, strict=True))
                + "]",
            )
            return role, self.direct_label(pos), tip

        def out_cell(pos: tuple[int, ...]) -> tuple[str, str | None, str]:
            label = None
            if self.values is not None:
                label = number_text(get(self.values.out, (self.target.n, self.target.c, *pos)))
            return "output", label, self.target.name(pos)

        if self.dims == 2:
            zeros = self._map(
                MARGIN,
                y,
                "zero-inserted, padded input",
                views[0].inputs,
                views[1].inputs,
                zero_cell,
                self._direct_index,
            )
            x = zeros.cols.stop + PANEL_GAP
            out = self._map(x, y, "output", views[0].outputs, views[1].outputs, out_cell)
            self.bottom = max(zeros.rows.stop, out.rows.stop)
        else:
            zeros = self._map(
                MARGIN, y, "zeros+x", (0,), views[0].inputs, zero_cell, self._direct_index
            )
            out = self._map(
                MARGIN, zeros.rows.stop + 26, "output", (0,), views[0].outputs, out_cell
            )
            self.bottom = out.rows.stop
        return zeros, out

    def _direct_index(self, p: int) -> str | None:
        return None

    def _sums(self, pos: tuple[int, ...]) -> list[str]:
        if self.values is None:
            return []
        return sum_lines(self.shape, self.values, (self.target.n, self.target.c, *pos))

    # --- the marked element -----------------------------------------------------------------

    def _overlay(self, pos: tuple[int, ...], y_text: float) -> list[Item]:
        items: list[Item] = []
        inp, full = self.scatter
        q = tuple(o + a.padding[0] for o, a in zip(pos, self.axes, strict=True))
        per_axis = [_contributors(a, qq) for a, qq in zip(self.axes, q, strict=True)]
        # the inputs whose kernel copies land on the marked element, and those copies
        for combo in itertools.product(*per_axis):
            i = tuple(c[0] for c in combo)
            xy = inp.xy(*self.grid(i))
            if xy is not None:
                items += cell(
                    *xy,
                    self.cw,
                    self.ch,
                    "window",
                    self.input_label(i),
                    text_role="on-dark",
                    tip=f"x[{', '.join(map(str, i))}]",
                )
            box = self._box(
                full, [rule.span(ii) for rule, ii in zip(self.scatter_rules, i, strict=True)]
            )
            if box is not None:
                x0, y0, x1, y1 = box
                items.append(Rect(x0 + 2, y0 + 2, x1 - x0 - 4, y1 - y0 - 4, "stamp"))
            if xy is not None and box is not None:
                items.append(
                    Line(xy[0] + self.cw / 2, xy[1] + self.ch / 2, (x0 + x1) / 2, (y0 + y1) / 2)
                )
        xy = full.xy(*self.grid(q))
        if xy is not None:
            items += cell(
                *xy, self.cw, self.ch, "marked", self.full_label(q), tip=self.target.name(pos)
            )
        if self.direct is not None:
            items += self._direct_overlay(pos)
        for n, line in enumerate(self._sums(pos)):
            items.append(Text(MARGIN, y_text + n * LINE + TEXT / 2, line))
        return items

    def _box(
        self, plane: Plane, spans: Sequence[tuple[int, int]]
    ) -> tuple[float, float, float, float] | None:
        col = plane.cols.span(*spans[-1])
        row = plane.rows.span(*spans[0]) if len(spans) == 2 else plane.rows.span(0, 1)
        if col is None or row is None:
            return None
        return col[0], row[0], col[1], row[1]

    def _direct_overlay(self, pos: tuple[int, ...]) -> list[Item]:
        assert self.direct is not None
        assert self.direct_rules is not None
        zeros, out = self.direct
        items: list[Item] = []
        taps = [rule.taps(o) for rule, o in zip(self.direct_rules, pos, strict=True)]
        for where in itertools.product(*taps):
            xy = zeros.xy(*self.grid(where))
            if xy is None:
                continue
            tap = tuple(t.index(p) for t, p in zip(taps, where, strict=True))
            # the kernel is flipped: direct tap t applies weight k−1−t
            flipped = tuple(a.kernel - 1 - tt for a, tt in zip(self.axes, tap, strict=True))
            role = self.direct_role(where)
            items += cell(
                *xy,
                self.cw,
                self.ch,
                "window",
                self.direct_label(where),
                text_role="on-dark",
                corner=self.weight(flipped),
                tip={"padding": "padding (0)", "inserted": "an inserted zero"}.get(role, "input"),
            )
        box = self._box(
            zeros, [rule.span(o) for rule, o in zip(self.direct_rules, pos, strict=True)]
        )
        xy = out.xy(*self.grid(pos))
        if box is not None:
            x0, y0, x1, y1 = box
            items.append(Rect(x0, y0, x1 - x0, y1 - y0, "window-outline"))
            if xy is not None:
                if self.dims == 2:
                    items += [Line(x1, y0, xy[0], xy[1]), Line(x1, y1, xy[0], xy[1] + self.ch)]
                else:
                    items += [Line(x0, y1, xy[0], xy[1]), Line(x1, y1, xy[0] + self.cw, xy[1])]
        if xy is not None:
            label = None
            if self.values is not None:
                label = number_text(get(self.values.out, (self.target.n, self.target.c, *pos)))
            items += cell(*xy, self.cw, self.ch, "marked", label, tip=self.target.name(pos))
        return items

    def _legend(self) -> list[tuple[str, str]]:
        t = self.target
        pads = ", ".join(str(a.padding[0]) for a in self.axes)
        strides = ", ".join(str(a.stride) for a in self.axes)
        meanings = {
            "input": "input",
            "window": "inputs whose kernel copy reaches the marked element (2: its window)",
            "stamp": "where such an input's copy (input × kernel) lands",
            "output": "output",
            "cropped": f"cropped: padding {pads} removes the full output's border",
            "bias-only": "no copy lands here: bias only",
            "marked": "the output element shown" if self.animate else t.name(),
            "inserted": f"zeros inserted between input cells (stride {strides})",
            "padding": "zero padding of the equivalent convolution",
            "unused": "input no window reads",
            "window-outline": "the window's span (flipped kernel)",
        }
        return [(role, meaning) for role, meaning in meanings.items() if role in self.roles]


def transposed_layout(
    shape: LayerShape, target: Target, values: Values | None, *, animate: bool
) -> Layout:
    if shape.spec.dims == 3:
        from convcalc.errors import InputError

        raise InputError(
            "kind: 3-D transposed convolutions are not drawn; draw convtranspose2d with the "
            "last two axes (every depth slice behaves the same way)"
        )
    return _Transposed(shape, target, values, animate).layout()
