"""The arithmetic behind `convcalc run` output elements, as records of numbers (pure Python).

For each explained output element: its terms (weight, input value, the input position read,
whether that position is padding), bias, and for average pools the divisor and why PyTorch
uses it.  A transposed convolution with a small kernel and no chosen elements is explained as
its scatter: each input element's scaled kernel copy and where it lands in the full output,
which padding then crops.  Values are recomputed in exact Python arithmetic, independently of
the NumPy engine, from nested lists or NumPy arrays (read an element at a time, never
converted whole); `convcalc.render` writes the text.  The work is known from the layer alone
(`terms_per_element`) and held to MAX_EXPLAIN_TERMS before any of it is done.

Coordinates are PyTorch's batched ones, (n, c, *spatial); `user_index` maps them back to the
rank the user gave.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from convcalc.arithmetic import ChannelGroups, LayerShape, WindowAxis, adaptive_window
from convcalc.padding import source_index
from convcalc.specs import AvgPool, Conv, ConvTranspose, MaxPool

Number = int | float | Fraction
MAX_ELEMENTS = 12  # explained elements (or scattered input elements) unless `at` is given
# Terms worked out in all (each a record, ~5 µs): fewer elements are explained when they read
# more, and one element reading more is refused (explain writes every term out, even padding).
MAX_EXPLAIN_TERMS = 2**17
# The scatter view writes each input element's copy of the kernel out in full: only for
# kernels of at most this many taps (5×5); larger transposed kernels are explained by element.
MAX_SCATTER_TAPS = 25

# Why an average pool divides by what it does (AvgPool's divisor_override, count_include_pad).
DivisorReason = Literal["divisor_override", "count_include_pad", "real_elements", "adaptive"]


@dataclass(frozen=True)
class Term:
    """One input value an output element reads, times its weight (None for pools)."""

    weight: Number | None
    value: Number
    channel: int  # the input channel read
    position: tuple[int, ...]  # spatial input position; outside the input where padded
    padded: bool
    source: tuple[int, ...] | None  # the input position the value copies; None: a constant


@dataclass(frozen=True)
class Overhang:
    """ceil_mode's last average window reaching past the right padding: only `kept` of its
    `kernel` positions count."""

    axis: str
    kept: int
    kernel: int


@dataclass(frozen=True)
class Element:
    """One output element and how it was computed."""

    n: int
    c: int
    pos: tuple[int, ...]
    op: Literal["sum", "max", "mean"]
    terms: tuple[Term, ...]
    value: Number
    window: tuple[tuple[int, ...], ...]  # input positions per axis (convs and pools)
    channels: tuple[int, ...]  # input channels read
    bias: Number | None = None
    divisor: int | None = None  # means only
    divisor_reason: DivisorReason | None = None  # means only
    overhang: tuple[Overhang, ...] = ()  # avg pools with ceil_mode


@dataclass(frozen=True)
class Scatter:
    """A transposed convolution's input element x[n, in_channel, *position] times the kernel
    slice feeding out_channel: the copy lands on `lands` (per axis) of the full output."""

    n: int
    in_channel: int
    position: tuple[int, ...]
    value: Number
    out_channel: int
    kernel: Any  # nested lists: weight[in_channel, out_channel mod out_per_group]
    copy: Any  # value · kernel, nested lists
    lands: tuple[range, ...]


@dataclass(frozen=True)
class Crop:
    """The scatter's full output (per axis) and the part padding keeps: out = full[keep]."""

    full: tuple[int, ...]
    keep: tuple[range, ...]
    output_padding: tuple[int, ...]


@dataclass(frozen=True)
class Explanation:
    shape: LayerShape
    lead: int  # how many of PyTorch's leading (n, c) axes the user's arrays have: 0, 1 or 2
    elements: tuple[Element, ...]  # explained output elements (none in the scatter view)
    scatter: tuple[Scatter, ...]  # the scatter view: a transposed conv with no `at`
    crop: Crop | None  # with the scatter view
    more: int  # elements (or scattered input elements) not shown

    def index(self, n: int, c: int, pos: Sequence[int]) -> tuple[int, ...]:
        """A batched index (n, c, *pos) in the rank the user gave."""
        return user_index(self.lead, n, c, pos)


def user_index(lead: int, n: int, c: int, pos: Sequence[int]) -> tuple[int, ...]:
    head = ((), (c,), (n, c))[lead]
    return (*head, *pos)


def _get(array: Any, index: Sequence[int]) -> Any:
    """array[index] as Python numbers (nested lists for a part of a NumPy array)."""
    try:
        value = array[tuple(index)]  # a NumPy array: one lookup
    except TypeError:  # nested lists
        value = array
        for i in index:
            value = value[i]
    return value.tolist() if hasattr(value, "tolist") else value


def _product(sizes: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """Every index of `sizes` in order, made one at a time (itertools.product would first
    copy each axis's range, and an axis may be huge)."""
    if 0 in sizes:
        return
    index = [0] * len(sizes)
    while True:
        yield tuple(index)
        for axis in reversed(range(len(sizes))):
            index[axis] += 1
            if index[axis] < sizes[axis]:
                break
            index[axis] = 0
        else:
            return


def _groups(shape: LayerShape) -> ChannelGroups:
    assert shape.channels is not None  # convs always have channel groups
    return shape.channels


# --- one element --------------------------------------------------------------------------


def _conv_element(
    shape: LayerShape, x: Any, w: Any, bias: Any, n: int, c: int, pos: tuple[int, ...]
) -> Element:
    spec = shape.spec
    assert isinstance(spec, Conv)
    windows = shape.windows
    spatial = shape.input_shape[-spec.dims :]
    channels = _groups(shape).inputs_of(c)
    window = tuple(
        tuple(o * a.stride + k * a.dilation - a.padding[0] for k in range(a.kernel))
        for o, a in zip(pos, windows, strict=True)
    )
    terms = []
    total: Any = 0
    for ci_local, ci in enumerate(channels):
        for k in _product([a.kernel for a in windows]):
            where = tuple(axis[kk] for axis, kk in zip(window, k, strict=True))
            sources = [
                source_index(i, s, spec.padding_mode) for i, s in zip(where, spatial, strict=True)
            ]
            source = tuple(i for i in sources if i is not None)
            inside = len(source) == len(sources)
            value = _get(x, (n, ci, *source)) if inside else 0
            weight = _get(w, (c, ci_local, *k))
            total += weight * value
            padded = any(not 0 <= i < s for i, s in zip(where, spatial, strict=True))
            terms.append(Term(weight, value, ci, where, padded, source if inside else None))
    b = None if bias is None else _get(bias, (c,))
    value = total + (b or 0)
    return Element(n, c, pos, "sum", tuple(terms), value, window, tuple(channels), bias=b)


def _landing(o: int, a: WindowAxis, size: int) -> list[tuple[int, int]]:
    """(input index, tap) pairs of one axis landing on output o of a transposed conv:
    i·s + t·d − p = o, the taps solving t·d ≡ o + p (mod s), in increasing input order."""
    s, d, target = a.stride, a.dilation, o + a.padding[0]
    g = math.gcd(s, d)
    if target % g:
        return []
    period = s // g
    # the smallest tap solving the congruence, then every `period`-th one
    first = (target // g * pow(d // g, -1, period)) % period if period > 1 else 0
    least = _ceil_div(target - (size - 1) * s, d)  # i ≤ size − 1
    low = first + max(0, _ceil_div(least - first, period)) * period
    pairs = []
    for t in range(low, min(a.kernel - 1, target // d) + 1, period):  # i ≥ 0 ⟺ t·d ≤ target
        pairs.append(((target - t * d) // s, t))
    return pairs[::-1]


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _transposed_element(
    shape: LayerShape, x: Any, w: Any, bias: Any, n: int, c: int, pos: tuple[int, ...]
) -> Element:
    spec = shape.spec
    assert isinstance(spec, ConvTranspose)
    windows = shape.windows
    groups = _groups(shape)
    co_local = c % groups.out_per_group
    channels = groups.inputs_of(c)
    spatial = shape.input_shape[-spec.dims :]
    per_axis = [_landing(o, a, n_) for o, a, n_ in zip(pos, windows, spatial, strict=True)]
    terms = []
    total: Any = 0
    for ci in channels:
        for pairs in itertools.product(*per_axis):
            i = tuple(p[0] for p in pairs)
            k = tuple(p[1] for p in pairs)
            weight, value = _get(w, (ci, co_local, *k)), _get(x, (n, ci, *i))
            total += weight * value
            terms.append(Term(weight, value, ci, i, False, i))
    b = None if bias is None else _get(bias, (c,))
    value = total + (b or 0)
    return Element(n, c, pos, "sum", tuple(terms), value, (), tuple(channels), bias=b)


def _pool_element(shape: LayerShape, x: Any, n: int, c: int, pos: tuple[int, ...]) -> Element:
    spec = shape.spec
    spatial = shape.input_shape[-spec.dims :]
    ranges: list[list[int]] = []
    real: list[list[int]] = []
    counted = 1
    overhang = []
    if not shape.sliding:  # adaptive pools: windows of varying size, never padded
        for o, s, a in zip(pos, spatial, shape.axes, strict=True):
            start, end = adaptive_window(s, a.output, o)
            ranges.append(list(range(start, end)))
            real.append(ranges[-1])
    else:
        for o, s, a in zip(pos, spatial, shape.windows, strict=True):
            start = o * a.stride - a.padding[0]
            if isinstance(spec, MaxPool):
                span = [start + k * a.dilation for k in range(a.kernel)]
            else:
                # avg: positions past the right padding (ceil_mode's overhang) never count
                end = min(start + a.kernel, s + a.padding[1])
                span = list(range(start, end))
                counted *= len(span)
                if len(span) < a.kernel:
                    overhang.append(Overhang(a.name, len(span), a.kernel))
            ranges.append([i for i in span if -a.padding[0] <= i < s + a.padding[1]])
            real.append([i for i in span if 0 <= i < s])
    terms = []
    pad_value: Number = float("-inf") if isinstance(spec, MaxPool) else 0
    for i in itertools.product(*ranges):
        inside = all(0 <= ii < s for ii, s in zip(i, spatial, strict=True))
        value = _get(x, (n, c, *i)) if inside else pad_value
        terms.append(Term(None, value, c, i, not inside, i if inside else None))
    window = tuple(tuple(r) for r in ranges)
    if spec.family in ("maxpool", "adaptivemaxpool"):
        values = [t.value for t in terms]
        nan = next((v for v in values if isinstance(v, float) and math.isnan(v)), None)
        top = nan if nan is not None else max(values)
        return Element(n, c, pos, "max", tuple(terms), top, window, (c,))
    total: Number = sum((t.value for t in terms), 0)
    reason: DivisorReason
    if isinstance(spec, AvgPool) and spec.divisor_override is not None:
        divisor, reason = spec.divisor_override, "divisor_override"
    elif isinstance(spec, AvgPool) and spec.count_include_pad:
        divisor, reason = counted, "count_include_pad"
    else:
        divisor = math.prod(len(r) for r in real)
        reason = "real_elements" if isinstance(spec, AvgPool) else "adaptive"
    mean = total / divisor if isinstance(total, float) else Fraction(total, divisor)
    return Element(
        n,
        c,
        pos,
        "mean",
        tuple(terms),
        mean,
        window,
        (c,),
        divisor=divisor,
        divisor_reason=reason,
        overhang=tuple(overhang),
    )


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


# --- the scatter view of a transposed convolution ------------------------------------------


def _scatter(shape: LayerShape, x: Any, w: Any, limit: int) -> tuple[list[Scatter], int]:
    """Each input element times its kernel slice, and where the copy lands in the full
    (uncropped) output; the second number counts the copies left out."""
    spec = shape.spec
    windows = shape.windows
    groups = _groups(shape)
    spatial = shape.input_shape[-spec.dims :]
    batch = shape.input_shape[0] if shape.batched else 1
    copies: list[Scatter] = []
    total = batch * groups.in_channels * math.prod(spatial) * groups.out_per_group
    heads = _product((batch, groups.in_channels))
    for (n, ci), i in ((head, i) for head in heads for i in _product(spatial)):
        outputs = groups.outputs_of(ci)
        for co in outputs:
            if len(copies) == limit:
                return copies, total - limit
            value = _get(x, (n, ci, *i))
            kernel = _get(w, (ci, co - outputs.start))
            lands = tuple(
                range(ii * a.stride, ii * a.stride + a.effective_kernel, a.dilation)
                for ii, a in zip(i, windows, strict=True)
            )
            copies.append(Scatter(n, ci, i, value, co, kernel, _scale(kernel, value), lands))
    return copies, 0


def _scale(kernel: Any, value: Number) -> Any:
    if isinstance(kernel, list):
        return [_scale(k, value) for k in kernel]
    return kernel * value


def _crop(shape: LayerShape) -> Crop:
    windows = shape.windows
    return Crop(
        full=tuple(
            (a.input - 1) * a.stride + a.effective_kernel + a.output_padding for a in windows
        ),
        keep=tuple(range(a.padding[0], a.padding[0] + a.output) for a in windows),
        output_padding=tuple(a.output_padding for a in windows),
    )


def terms_per_element(shape: LayerShape) -> int:
    """At most how many terms one output element's explanation lists (padding included),
    from the layer alone."""
    spec = shape.spec
    if isinstance(spec, Conv | ConvTranspose):
        taps = 1
        for a in shape.windows:
            if isinstance(spec, ConvTranspose):  # the taps of one phase, each one input
                period = a.stride // math.gcd(a.stride, a.dilation)
                taps *= min(_ceil_div(a.kernel, period), a.input)
            else:
                taps *= a.kernel
        return _groups(shape).in_per_group * taps
    if shape.sliding:
        return math.prod(a.kernel for a in shape.windows)
    return math.prod(a.receptive_field for a in shape.axes)  # adaptive: the widest window


def scatter_view(shape: LayerShape) -> bool:
    """Whether a run without chosen elements is explained as a scatter: a transposed conv
    whose kernel has at most MAX_SCATTER_TAPS taps."""
    return isinstance(shape.spec, ConvTranspose) and (
        math.prod(a.kernel for a in shape.windows) <= MAX_SCATTER_TAPS
    )


def budget(shape: LayerShape) -> int:
    """How many elements fit MAX_EXPLAIN_TERMS (at least 1); BoundError when one does not
    (an empty output has nothing to explain)."""
    per_element = 0 if 0 in shape.output_shape else terms_per_element(shape)
    if per_element > MAX_EXPLAIN_TERMS:
        from convcalc.execute.bounds import BoundError, amount

        raise BoundError(
            f"explain: an output element of {shape.spec.torch_name} reads up to "
            f"{amount(per_element)} terms (padding included); --explain and --at write out "
            f"at most {MAX_EXPLAIN_TERMS:,} (MAX_EXPLAIN_TERMS)",
            name="MAX_EXPLAIN_TERMS",
            size=per_element,
            bound=MAX_EXPLAIN_TERMS,
        )
    return max(1, MAX_EXPLAIN_TERMS // max(1, per_element))


def explain(
    shape: LayerShape,
    x: Any,
    w: Any,
    bias: Any,
    lead: int,
    at: Sequence[tuple[int, ...]] | None = None,
    limit: int = MAX_ELEMENTS,
) -> Explanation:
    """Explain the output elements `at` (batched PyTorch indexes), or the first `limit`.

    `x` is (N, C, *spatial) nested lists or a NumPy array, `w` and `bias` in PyTorch's
    layouts (or None); `lead` is how many of the leading (n, c) axes the user's arrays have.
    Without `at`, a transposed convolution with a small kernel is explained as its scatter.
    Fewer elements are explained when they read many terms (MAX_EXPLAIN_TERMS in all);
    an element reading more than that is refused (BoundError) before any work.
    """
    if at is None and scatter_view(shape):
        copies, more = _scatter(shape, x, w, limit)
        return Explanation(shape, lead, (), tuple(copies), _crop(shape), more)
    limit = min(limit, budget(shape))
    output = shape.output_shape if shape.batched else (1, *shape.output_shape)
    if at is None:
        wanted = list(itertools.islice(_product(output), limit))
        more = math.prod(output) - len(wanted)
    else:
        wanted = [at[i] for i in range(min(len(at), limit))]
        more = len(at) - len(wanted)
    elements = tuple(element(shape, x, w, bias, index) for index in wanted)
    return Explanation(shape, lead, elements, (), None, more)


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
    (top, bottom), (left, right) = shape.padding
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
            sr, sc = source_index(r, height, mode), source_index(col, width, mode)
            padded = not (0 <= r < height and 0 <= col < width)
            value = pad_value if sr is None or sc is None else _get(x, (chosen.n, c, sr, sc))
            row.append((value, padded))
        rows.append(tuple(row))
    return Plane(c, spans[0].start, spans[1].start, tuple(rows))
