"""The arithmetic behind `convcalc run` output elements, written out as sums (pure Python).

`out[1] = 1·2 + 2·3 + 3·4 = 20` for convolutions, with padded positions in parentheses; the
scatter view for transposed convolutions (each input element's scaled kernel copy and where it
lands); the window and its max, or its sum and divisor, for pools.  Values are recomputed here
in exact Python arithmetic from nested lists, independently of the NumPy engine.

Coordinates are PyTorch's batched ones, (n, c, *spatial); `Layout` maps them back to the
rank the user gave.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from convcalc.arithmetic import LayerShape, adaptive_window
from convcalc.specs import AdaptiveAvgPool, AvgPool, Conv, ConvTranspose, MaxPool, expand

Number = int | float | Fraction
DECIMALS = 6  # digits after the point for rationals that do not terminate sooner
MAX_ELEMENTS = 12  # explained elements (or scattered input elements) when no --at is given
MAX_TERMS = 12  # terms written out per sum; longer sums keep their first and last ones

# Segment styles: the render layer maps them to rich styles; plain text ignores them.
PAD, BIAS, VALUE, NOTE = "pad", "bias", "value", "note"
Segment = tuple[str, str | None]


def fmt_number(value: Number) -> str:
    """Ints as they are; rationals as decimals (exact, or cut after DECIMALS digits and
    marked '…'); floats with 6 significant digits."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        sign = "-" if value < 0 else ""
        scaled = abs(value) * 10**DECIMALS
        digits = math.floor(scaled)
        whole, frac = divmod(digits, 10**DECIMALS)
        text = f"{sign}{whole}.{frac:0{DECIMALS}d}"
        return text.rstrip("0").rstrip(".") if scaled == digits else text + "…"
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.6g}"
    return text if any(c in text for c in ".e") else text + ".0"


def exact_text(value: Number) -> str:
    """Exact form for JSON: '7/2' for a rational, the number itself otherwise."""
    if isinstance(value, Fraction) and value.denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    return fmt_number(value) if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Layout:
    """How many of PyTorch's leading (n, c) axes the user's arrays have: 0, 1 (c) or 2."""

    lead: int

    def index(self, n: int, c: int, pos: Sequence[int]) -> str:
        head = ((n, c), (c,), ())[2 - self.lead] if self.lead else ()
        return ", ".join(map(str, (*head, *pos)))


@dataclass(frozen=True)
class Term:
    weight: Number | None  # None for pools
    value: Number
    padded: bool


@dataclass(frozen=True)
class Element:
    """One output element and how it was computed."""

    n: int
    c: int
    pos: tuple[int, ...]
    op: str  # "sum", "max" or "mean"
    terms: tuple[Term, ...]
    bias: Number | None
    divisor: int | None
    divisor_note: str
    value: Number
    window: tuple[tuple[int, ...], ...]  # input positions per axis the window covers
    channels: tuple[int, ...]  # input channels read


@dataclass(frozen=True)
class Explanation:
    title: str
    legend: str
    lines: tuple[tuple[Segment, ...], ...]
    elements: tuple[Element, ...]  # the explained elements (for the grid view)
    note: str  # truncation, if any


def _get(array: Any, index: Sequence[int]) -> Any:
    for i in index:
        array = array[i]
    return array


def _pad_index(i: int, size: int, mode: str) -> int | None:
    """Source index of padded position i under padding_mode; None where it is a zero."""
    if 0 <= i < size:
        return i
    if mode == "reflect":
        i = -i if i < 0 else 2 * (size - 1) - i
        return i
    if mode == "replicate":
        return min(max(i, 0), size - 1)
    if mode == "circular":
        return i % size
    return None


def _dot(terms: Sequence[Term]) -> Number:
    total: Any = 0
    for term in terms:
        total += term.weight * term.value  # type: ignore[operator]
    return total  # type: ignore[no-any-return]


def _product(sizes: Sequence[int]) -> Iterator[tuple[int, ...]]:
    return itertools.product(*(range(s) for s in sizes))


# --- one element --------------------------------------------------------------------------


def _conv_element(
    shape: LayerShape, x: Any, w: Any, bias: Any, n: int, c: int, pos: tuple[int, ...]
) -> Element:
    spec = shape.spec
    assert isinstance(spec, Conv)
    spatial = shape.input_shape[-spec.dims :]
    kernel = expand(spec.kernel_size, spec.dims)
    per_group_in = spec.in_channels // spec.groups
    group = c // (spec.out_channels // spec.groups)
    channels = tuple(range(group * per_group_in, (group + 1) * per_group_in))
    terms = []
    for ci_local, ci in enumerate(channels):
        for k in _product(kernel):
            where = [
                o * a.stride + kk * a.dilation - a.padding[0]  # type: ignore[operator]
                for o, kk, a in zip(pos, k, shape.axes, strict=True)
            ]
            sources = [
                _pad_index(i, s, spec.padding_mode) for i, s in zip(where, spatial, strict=True)
            ]
            padded = any(not 0 <= i < s for i, s in zip(where, spatial, strict=True))
            value = 0 if None in sources else _get(x, (n, ci, *sources))  # type: ignore[arg-type]
            terms.append(Term(_get(w, (c, ci_local, *k)), value, padded))
    total = _dot(terms)
    b = None if bias is None else bias[c]
    window = tuple(
        tuple(o * a.stride + kk * a.dilation - a.padding[0] for kk in range(kernel[i]))  # type: ignore[operator]
        for i, (o, a) in enumerate(zip(pos, shape.axes, strict=True))
    )
    return Element(n, c, pos, "sum", tuple(terms), b, None, "", total + (b or 0), window, channels)


def _transposed_element(
    shape: LayerShape, x: Any, w: Any, bias: Any, n: int, c: int, pos: tuple[int, ...]
) -> Element:
    spec = shape.spec
    assert isinstance(spec, ConvTranspose)
    spatial = shape.input_shape[-spec.dims :]
    kernel = expand(spec.kernel_size, spec.dims)
    per_group_out = spec.out_channels // spec.groups
    per_group_in = spec.in_channels // spec.groups
    group, co_local = divmod(c, per_group_out)
    channels = tuple(range(group * per_group_in, (group + 1) * per_group_in))
    terms = []
    for ci in channels:
        for i in _product(spatial):
            k = []
            for ii, o, a in zip(i, pos, shape.axes, strict=True):
                offset = o + a.padding[0] - ii * a.stride  # type: ignore[operator]
                if offset < 0 or offset % a.dilation:  # type: ignore[operator]
                    break
                k.append(offset // a.dilation)  # type: ignore[operator]
            if len(k) == spec.dims and all(kk < ks for kk, ks in zip(k, kernel, strict=True)):
                terms.append(Term(_get(w, (ci, co_local, *k)), _get(x, (n, ci, *i)), False))
    total = _dot(terms)
    b = None if bias is None else bias[c]
    return Element(n, c, pos, "sum", tuple(terms), b, None, "", total + (b or 0), (), channels)


def _pool_element(shape: LayerShape, x: Any, n: int, c: int, pos: tuple[int, ...]) -> Element:
    spec = shape.spec
    spatial = shape.input_shape[-spec.dims :]
    ranges: list[list[int]] = []
    real: list[list[int]] = []
    counted = 1
    note = ""
    if isinstance(spec, AdaptiveAvgPool) or not isinstance(spec, MaxPool | AvgPool):
        for o, s, a in zip(pos, spatial, shape.axes, strict=True):
            start, end = adaptive_window(s, a.output, o)
            ranges.append(list(range(start, end)))
            real.append(ranges[-1])
    else:
        cut = []
        for o, s, a in zip(pos, spatial, shape.axes, strict=True):
            start = o * a.stride - a.padding[0]  # type: ignore[operator]
            if isinstance(spec, MaxPool):
                span = [start + kk * a.dilation for kk in range(a.kernel)]  # type: ignore[arg-type, operator]
            else:
                # avg: positions past the right padding (ceil_mode's overhang) never count
                end = min(start + a.kernel, s + a.padding[1])  # type: ignore[operator]
                span = list(range(start, end))
                counted *= len(span)
                if len(span) < a.kernel:  # type: ignore[operator]
                    cut.append(f"{a.name} {len(span)} of {a.kernel}")
            ranges.append([i for i in span if -a.padding[0] <= i < s + a.padding[1]])
            real.append([i for i in span if 0 <= i < s])
        if cut:
            note = "ceil_mode overhang cut " + ", ".join(cut)
    terms = []
    pad_value: Number = float("-inf") if isinstance(spec, MaxPool) else 0
    for i in itertools.product(*ranges):
        inside = all(0 <= ii < s for ii, s in zip(i, spatial, strict=True))
        terms.append(Term(None, _get(x, (n, c, *i)) if inside else pad_value, not inside))
    window = tuple(tuple(r) for r in ranges)
    if isinstance(spec, MaxPool) or not isinstance(spec, AvgPool | AdaptiveAvgPool):
        values = [t.value for t in terms]
        nan = next((v for v in values if isinstance(v, float) and math.isnan(v)), None)
        value = nan if nan is not None else max(values)
        return Element(n, c, pos, "max", tuple(terms), None, None, note, value, window, (c,))
    total: Number = sum((t.value for t in terms), 0)
    if isinstance(spec, AvgPool) and spec.divisor_override is not None:
        divisor, why = spec.divisor_override, "divisor_override"
    elif isinstance(spec, AvgPool) and spec.count_include_pad:
        divisor, why = counted, "window incl. padding"
    else:
        divisor = math.prod(len(r) for r in real)
        why = "real elements" if isinstance(spec, AvgPool) else "adaptive window"
    plain_window = not note and not any(t.padded for t in terms) and why != "divisor_override"
    note = "" if plain_window else "; ".join(filter(None, [f"divisor {divisor}: {why}", note]))
    value = total / divisor if isinstance(total, float) else Fraction(total, divisor)
    return Element(n, c, pos, "mean", tuple(terms), None, divisor, note, value, window, (c,))


def element(shape: LayerShape, x: Any, w: Any, bias: Any, index: tuple[int, ...]) -> Element:
    """Explain output element `index` = (n, c, *pos) of a batched PyTorch-layout input."""
    n, c, *rest = index
    pos = tuple(rest)
    spec = shape.spec
    if isinstance(spec, Conv):
        return _conv_element(shape, x, w, bias, n, c, pos)
    if isinstance(spec, ConvTranspose):
        return _transposed_element(shape, x, w, bias, n, c, pos)
    return _pool_element(shape, x, n, c, pos)


# --- text -----------------------------------------------------------------------------------


def _term_segments(term: Term) -> list[Segment]:
    value = fmt_number(term.value)
    shown: Segment = (f"({value})", PAD) if term.padded else (value, None)
    if term.weight is None:
        return [shown]
    return [(f"{fmt_number(term.weight)}·", None), shown]


def element_line(e: Element, layout: Layout) -> tuple[Segment, ...]:
    """`out[1] = 1·2 + 2·3 + 3·4 = 20`, `out[0, 0] = max(1, 0, 3, 4) = 4`, ..."""
    parts: list[Segment] = [(f"out[{layout.index(e.n, e.c, e.pos)}] = ", None)]
    terms = list(e.terms)
    shown: list[Term | None] = list(terms)
    if len(terms) > MAX_TERMS:
        shown = [*terms[: MAX_TERMS - 2], None, *terms[-2:]]
    joiner = " + " if e.op != "max" else ", "
    body: list[Segment] = []
    for i, term in enumerate(shown):
        if i:
            body.append((joiner, None))
        if term is None:
            body.append((f"… {len(terms) - MAX_TERMS + 2} more …", NOTE))
        else:
            body.extend(_term_segments(term))
    if e.op == "sum":
        parts += body or [("0 (no input reaches it)", NOTE)]
        if e.bias is not None:
            parts += [(" + ", None), (fmt_number(e.bias), BIAS), (" (bias)", BIAS)]
    elif e.op == "max":
        parts += [("max(", None), *body, (")", None)]
    else:
        parts += [("(", None), *body, (f") / {e.divisor}", None)]
    parts += [(" = ", None), (fmt_number(e.value), VALUE)]
    if e.divisor_note:
        parts.append((f"   [{e.divisor_note}]", NOTE))
    return tuple(parts)


def plain(line: Sequence[Segment]) -> str:
    return "".join(text for text, _ in line)


def _legend(shape: LayerShape) -> str:
    spec = shape.spec
    if isinstance(spec, ConvTranspose):
        return "sums of weight·input over every input element whose kernel copy lands here"
    pads = any(a.padding != (0, 0) for a in shape.axes)
    if isinstance(spec, Conv):
        mode = "zeros" if spec.padding_mode == "zeros" else f"{spec.padding_mode} copies"
        return "weight·input" + (f"; (v) = padding ({mode})" if pads else "")
    if isinstance(spec, MaxPool):
        return "window values" + ("; (-inf) = padding, never the max" if pads else "")
    if isinstance(spec, AvgPool):
        return "window sum / divisor" + ("; (0) = zero padding" if pads else "")
    return "adaptive window [⌊i·in/out⌋, ⌈(i+1)·in/out⌉) per axis"


def _scatter_lines(
    shape: LayerShape, x: Any, w: Any, layout: Layout, limit: int
) -> tuple[list[tuple[Segment, ...]], int]:
    """Each input element times its kernel slice, and where the copy lands in the full
    (uncropped) output; padding then crops the full output."""
    spec = shape.spec
    assert isinstance(spec, ConvTranspose)
    spatial = shape.input_shape[-spec.dims :]
    batch = shape.input_shape[0] if shape.batched else 1
    per_group_out = spec.out_channels // spec.groups
    per_group_in = spec.in_channels // spec.groups
    lines: list[tuple[Segment, ...]] = []
    total = batch * spec.in_channels * math.prod(spatial) * per_group_out
    for n, ci, i in itertools.product(range(batch), range(spec.in_channels), _product(spatial)):
        group = ci // per_group_in
        for co_local in range(per_group_out):
            if len(lines) == limit:
                return lines, total - limit
            co = group * per_group_out + co_local
            value = _get(x, (n, ci, *i))
            kernel = _get(w, (ci, co_local))
            lands = ", ".join(
                _slice(ii * a.stride, a.kernel, a.dilation)  # type: ignore[arg-type, operator]
                for ii, a in zip(i, shape.axes, strict=True)
            )
            copy = _scale(kernel, value)
            where = f"full[{layout.index(n, co, ())}{', ' if layout.lead else ''}{lands}]"
            lines.append(
                (
                    (f"x[{layout.index(n, ci, i)}] = {fmt_number(value)}: ", None),
                    (f"{fmt_number(value)}·{_nested(kernel)} = ", None),
                    (_nested(copy), VALUE),
                    (f" → {where}", None),
                )
            )
    return lines, 0


def _slice(start: int, kernel: int, dilation: int) -> str:
    stop = start + dilation * (kernel - 1) + 1
    return f"{start}:{stop}" + (f":{dilation}" if dilation > 1 else "")


def _scale(kernel: Any, value: Number) -> Any:
    if isinstance(kernel, list):
        return [_scale(k, value) for k in kernel]
    return kernel * value


def _nested(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_nested(v) for v in value) + "]"
    return fmt_number(value)


def _crop_line(shape: LayerShape, layout: Layout) -> tuple[Segment, ...]:
    full = " × ".join(
        str((a.input - 1) * a.stride + a.dilation * (a.kernel - 1) + 1 + a.output_padding)  # type: ignore[operator]
        for a in shape.axes
    )
    keep = ", ".join(f"{a.padding[0]}:{a.padding[0] + a.output}" for a in shape.axes)
    cropped = any(a.padding[0] for a in shape.axes)
    keep = f"…, {keep}" if layout.lead else keep
    text = f"the copies sum to the full output ({full})" + (
        f"; padding crops it: out = full[{keep}]" if cropped else " = out"
    )
    if any(a.output_padding for a in shape.axes):
        text += " (output_padding extends the end)"
    return ((text, NOTE),)


def explain(
    shape: LayerShape,
    x: Any,
    w: Any,
    bias: Any,
    layout: Layout,
    at: Sequence[tuple[int, ...]] | None = None,
    limit: int = MAX_ELEMENTS,
) -> Explanation:
    """Explain the output elements `at` (batched PyTorch indexes), or the first `limit`.

    `x` is (N, C, *spatial) nested lists, `w` and `bias` in PyTorch's layouts (or None).
    Without `at`, a transposed convolution is shown as its scatter view instead.
    """
    spec = shape.spec
    output = shape.output_shape if shape.batched else (1, *shape.output_shape)
    lines: list[tuple[Segment, ...]] = []
    elements: list[Element] = []
    more = 0
    if at is None and isinstance(spec, ConvTranspose):
        lines, more = _scatter_lines(shape, x, w, layout, limit)
        lines.append(_crop_line(shape, layout))
        first = next(_product(output), None)
        if first is not None:
            elements.append(element(shape, x, w, bias, first))
    else:
        wanted = list(at) if at is not None else list(itertools.islice(_product(output), limit))
        if at is None:
            more = math.prod(output) - len(wanted)
        elif len(wanted) > limit:
            wanted, more = wanted[:limit], len(wanted) - limit
        for index in wanted:
            elements.append(element(shape, x, w, bias, index))
            lines.append(element_line(elements[-1], layout))
    what = "input elements" if at is None and isinstance(spec, ConvTranspose) else "elements"
    note = f"… {more:,} more {what}; choose one with --at" if more else ""
    return Explanation(spec.torch_call(), _legend(shape), tuple(lines), tuple(elements), note)


def explain_text(explanation: Explanation) -> list[str]:
    """Plain lines for --json and pipes."""
    lines = [plain(line) for line in explanation.lines]
    return lines + ([explanation.note] if explanation.note else [])


@dataclass(frozen=True)
class Plane:
    """Part of a 2-D input channel with its padding, for the grid view: cells[r][c] =
    (value, padded) at input position (row0 + r, col0 + c)."""

    channel: int
    row0: int
    col0: int
    cells: tuple[tuple[tuple[Number, bool], ...], ...]


MAX_PLANE = 16  # a window wider than this is not drawn
PLANE_MARGIN = 2  # cells shown around the window


def padded_plane(shape: LayerShape, x: Any, chosen: Element, c: int) -> Plane | None:
    """Input channel c around `chosen`'s window (2-D conv or pool), padded as the layer pads
    it; None when the window is too large to draw."""
    spec = shape.spec
    height, width = shape.input_shape[-2:]
    (top, bottom), (left, right) = (a.padding for a in shape.axes)
    if len(chosen.window) != 2 or not all(chosen.window):
        return None
    spans = []
    for positions, low, high in zip(
        chosen.window, (-top, -left), (height + bottom, width + right), strict=True
    ):
        if max(positions) - min(positions) >= MAX_PLANE:
            return None
        first = max(low, min(positions) - PLANE_MARGIN)
        spans.append(range(first, min(high, max(positions) + PLANE_MARGIN + 1)))
    mode = spec.padding_mode if isinstance(spec, Conv) else "zeros"
    pad_value: Number = float("-inf") if isinstance(spec, MaxPool) else 0
    rows = []
    for r in spans[0]:
        row = []
        for col in spans[1]:
            sr, sc = _pad_index(r, height, mode), _pad_index(col, width, mode)
            padded = not (0 <= r < height and 0 <= col < width)
            value = pad_value if sr is None or sc is None else _get(x, (chosen.n, c, sr, sc))
            row.append((value, padded))
        rows.append(tuple(row))
    return Plane(c, spans[0].start, spans[1].start, tuple(rows))
