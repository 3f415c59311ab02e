"""Convolutions and transposed convolutions: a column buffer and one matmul per chunk.

No Python loop over output elements and no full im2col copy: a 1 MB column buffer is filled
chunk by chunk, each chunk copied in one call from a strided view of the input (channel,
kernel tap, output position), and one matmul per chunk writes the output, the bias riding
along as a row of ones.  A transposed convolution is split into its output phases (one per
class of taps landing on the same positions modulo the stride), each an ordinary stride-1
convolution with the reversed taps of that phase.

Work stays proportional to what is produced.  `plan` first cuts each axis down to the
outputs and kernel taps that can meet the input (`meet`): a padding or a stride whose
windows read only zeros is never visited, and those outputs are the bias alone.  Where the
cut grid is still mostly empty (a huge dilation, a few input elements under a huge kernel, a
transposed convolution whose phases would be sparse or countless), it takes the (input
element, tap) pairs that meet instead (`_pairs_correlate`).  The plan's counts are what
run_layer checks against convcalc.execute.bounds before any array is made.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any, Literal

import numpy as np  # noqa: TID253

from convcalc.arithmetic import LayerShape
from convcalc.execute._exact import Array, linear
from convcalc.padding import NUMPY_MODES
from convcalc.specs import Conv, ConvTranspose

Pads = Sequence[tuple[int, int]]

# Column buffer of the chunked im2col, in elements (1 MB of float64: stays in cache).
_COLUMN_BUDGET = 1 << 17
# Deepest column buffer (channels · taps) one matmul takes: deeper kernels run in blocks of
# kernel rows, summed (a 10⁴-deep buffer measured 6× slower than blocks of 2,000).
_MAX_DEPTH = 2048
# Pairs taken per chunk by the pair method (its gathers and products stay ~8 MB).
_PAIR_BUDGET = 1 << 20
# Transposed phases run as one call each: past this many the pair method is used.
_MAX_PHASES = 1 << 12
# Rough cost, in ns, of one call of the phases: only to choose a method.
_CALL_NS = 30_000
# One Python step listing pairs counts as this many multiply-adds (its fixed cost, ~3 µs).
_STEP_ADDS = 4096


@dataclass(frozen=True)
class Meet:
    """One axis of a (transposed) convolution cut to what can reach its target: sources a in
    [first, first + count) and taps t in [tap, tap + taps) such that a·s + t·d − p can land
    in [0, size).  A conv's sources are its outputs and its target the input; a transposed
    conv's sources are its inputs and its target the output."""

    first: int
    count: int
    tap: int
    taps: int


@dataclass(frozen=True)
class Plan:
    """How the engine computes one layer, and what that costs (checked before any work)."""

    method: Literal["bias", "grid", "padded", "phases", "pairs"]
    meets: tuple[Meet, ...]  # per axis ("bias", "padded": empty)
    buffer: tuple[int, ...]  # the largest intermediate array (a padded input or window)
    multiply_adds: int  # the work, in multiply-adds (copies into buffers counted as one each)
    whole: bool = False  # "grid": the meets are the whole layer (no cut)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def meet(sources: int, kernel: int, s: int, d: int, p: int, size: int) -> Meet | None:
    """The smallest ranges of sources and taps holding every pair with a·s + t·d − p in
    [0, size), or None when no pair lands (exact Python ints: sizes may be huge)."""
    lo_a, hi_a, lo_t, hi_t = 0, sources - 1, 0, kernel - 1
    for _ in range(2):  # each cut narrows the other; two rounds settle every real case
        lo_a = max(lo_a, _ceil_div(p - hi_t * d, s))
        hi_a = min(hi_a, (p + size - 1 - lo_t * d) // s)
        if lo_a > hi_a:
            return None
        lo_t = max(lo_t, _ceil_div(p - hi_a * s, d))
        hi_t = min(hi_t, (p + size - 1 - lo_a * s) // d)
        if lo_t > hi_t:
            return None
    return Meet(lo_a, hi_a - lo_a + 1, lo_t, hi_t - lo_t + 1)


def pair_bound(m: Meet, s: int, d: int, size: int) -> int:
    """At most how many pairs of `m` land: each tap reaches ⌈size/s⌉ sources at most, each
    source ⌈size/d⌉ taps."""
    return min(m.count * min(m.taps, _ceil_div(size, d)), m.taps * min(m.count, _ceil_div(size, s)))


def plan(shape: LayerShape) -> Plan:
    """The method and its costs for a (transposed) convolution on shape.input_shape: the
    cheaper of the cut grid (a conv's column buffer, a transposed conv's phases) and the
    pairs, by a rough time estimate; the grid wins ties (it is the benchmarked path)."""
    spec = shape.spec
    assert isinstance(spec, Conv | ConvTranspose)
    assert shape.channels is not None
    if 0 in shape.output_shape:
        return Plan("bias", (), (), 0)
    windows = shape.windows
    batch = shape.input_shape[0] if shape.batched else 1
    cin, cout = shape.channels.in_channels, shape.channels.out_channels
    groups = shape.channels.groups
    per_pair = batch * cout * (cin // groups)  # multiply-adds of one (input element, tap) pair
    if isinstance(spec, Conv) and (spec.padding_mode != "zeros" or shape.channel_padding != (0, 0)):
        # F.pad's copies: the padded input as PyTorch builds it
        padded = (
            batch,
            cin + sum(shape.channel_padding),
            *(a.input + sum(a.padding) for a in windows),
        )
        positions = _grid_positions([a.output for a in windows], padded[2:], windows)
        taps = math.prod(a.kernel for a in windows)
        return Plan("padded", (), padded, (per_pair + batch * cin) * taps * positions)
    conv_layer = isinstance(spec, Conv)
    targets = [a.input if conv_layer else a.output for a in windows]
    found = [
        meet(a.output if conv_layer else a.input, a.kernel, a.stride, a.dilation, a.padding[0], t)
        for a, t in zip(windows, targets, strict=True)
    ]
    meets = tuple(m for m in found if m is not None)
    if len(meets) < len(found):
        return Plan("bias", (), (), 0)
    pairs = math.prod(
        pair_bound(m, a.stride, a.dilation, t)
        for m, a, t in zip(meets, windows, targets, strict=True)
    )
    # listing the pairs takes one Python step per tap or source (the fewer) on each axis
    steps = sum(min(m.count, m.taps) for m in meets)
    # the gathers and the scatter-add touch every input and output channel of each pair
    pair_adds = (per_pair + batch * (cin + cout)) * pairs + _STEP_ADDS * steps
    pair_ns = pairs * (2 * batch * cin + 2 * cout * (cin // groups) + 8 * batch * cout)
    pair_ns += per_pair * pairs + _CALL_NS // 10 * steps
    grid: Plan | None = None
    grid_ns = 0
    if conv_layer:
        sub = tuple(
            (m.count - 1) * a.stride + (m.taps - 1) * a.dilation + 1
            for m, a in zip(meets, windows, strict=True)
        )
        positions = _grid_positions([m.count for m in meets], sub, windows)
        taps = math.prod(m.taps for m in meets)
        buffer = (batch, cin, *sub)
        # each multiply-add, and each element copied into the column buffer
        whole = all(
            m.first == 0 and m.count == a.output and m.tap == 0 and m.taps == a.kernel
            for m, a in zip(meets, windows, strict=True)
        )
        work = (per_pair + batch * cin) * taps * positions
        grid = Plan("grid", meets, buffer, work, whole)
        grid_ns = 2 * math.prod(buffer) + batch * cin * taps * positions + grid.multiply_adds // 8
    elif math.prod(_phase_count(a.kernel, a.stride, a.dilation) for a in windows) <= _MAX_PHASES:
        per_axis = [
            _transposed_phases(a.input, a.kernel, a.stride, a.dilation, a.padding[0], a.output)
            for a in windows
        ]
        window = tuple(max((p.length for p in axis), default=0) for axis in per_axis)
        columns = math.prod(sum(p.length * len(p.taps) for p in axis) for axis in per_axis)
        calls = math.prod(len(axis) for axis in per_axis)
        grid = Plan("phases", meets, (batch, cin, *window), (per_pair + batch * cin) * columns)
        grid_ns = _CALL_NS * calls + batch * cin * columns + grid.multiply_adds // 8
    if grid is None or 2 * pair_ns < grid_ns:
        return Plan("pairs", meets, (), pair_adds)
    return grid


def _grid_positions(counts: Sequence[int], padded: Sequence[int], windows: Sequence[Any]) -> int:
    """Output positions the column buffer covers: stride 1 works on x's full rows."""
    if all(a.stride == 1 for a in windows):
        return counts[0] * math.prod(padded[1:])
    return math.prod(counts)


def _phase_count(kernel: int, s: int, d: int) -> int:
    """How many transposed phases an axis has: classes of taps t·d mod s."""
    return min(kernel, s // math.gcd(s, d))


def conv(
    spec: Conv, shape: LayerShape, way: Plan, x: Array, w: Array, b: Array | None, exact: bool
) -> Array:
    """The conv layer on a batched x (N, C_in, *spatial), computed as `way` says."""
    windows = shape.windows
    assert shape.channels is not None
    groups = shape.channels.groups
    stride = [axis.stride for axis in windows]
    dilation = [axis.dilation for axis in windows]
    out_spatial = [axis.output for axis in windows]
    outputs = math.prod(shape.output_shape)
    if way.method == "bias":
        return _bias_only(x.shape[0], w.shape[0], out_spatial, b, x.dtype, exact)
    if way.method == "padded" or (way.method == "grid" and way.whole):
        # the layer's own padding, as PyTorch pads
        pads = [(0, 0), shape.channel_padding, *[axis.padding for axis in windows]]

        def padded_op(xf: Array, wf: Array, bf: Array | None) -> Array:
            padded = pad(xf, pads, spec.padding_mode)
            return correlate(padded, wf, stride, dilation, groups, out_spatial, bf)

        return linear(
            padded_op, x, w, b, exact, shape.macs, way.multiply_adds, outputs, spec.torch_name
        )
    meets = way.meets
    if way.method == "pairs":
        pairs = [
            _pairs(m, a.stride, a.dilation, a.padding[0], a.input)
            for m, a in zip(meets, windows, strict=True)
        ]
        # a conv's sources are its outputs and its targets the input positions read
        axes = [(pos, tap, src) for src, tap, pos in pairs]

        def pairs_op(xf: Array, wf: Array, bf: Array | None) -> Array:
            return _pairs_correlate(xf, wf, axes, groups, out_spatial, bf)

        return linear(
            pairs_op, x, w, b, exact, shape.macs, way.multiply_adds, outputs, spec.torch_name
        )
    # the grid cut to the outputs and taps that meet the input: zeros (or a crop) around it
    cut = [(0, 0), (0, 0)]
    for m, a in zip(meets, windows, strict=True):
        start = m.first * a.stride + m.tap * a.dilation - a.padding[0]  # first position read
        end = start + (m.count - 1) * a.stride + (m.taps - 1) * a.dilation
        cut.append((-start, end - (a.input - 1)))  # negative: a crop
    kept = _at(slice(m.tap, m.tap + m.taps) for m in meets)
    placed = _at(slice(m.first, m.first + m.count) for m in meets)
    counts = [m.count for m in meets]

    def cut_op(xf: Array, wf: Array, bf: Array | None) -> Array:
        part = correlate(pad(xf, cut, "zeros"), wf[kept], stride, dilation, groups, counts, bf)
        y = _filled((xf.shape[0], wf.shape[0], *out_spatial), bf, xf.dtype)
        y[placed] = part
        return y

    return linear(cut_op, x, w, b, exact, shape.macs, way.multiply_adds, outputs, spec.torch_name)


def conv_transpose(
    shape: LayerShape, way: Plan, x: Array, w: Array, b: Array | None, exact: bool
) -> Array:
    """The transposed conv layer on a batched x (N, C_in, *spatial)."""
    windows = shape.windows
    assert shape.channels is not None
    groups = shape.channels.groups
    out_spatial = [axis.output for axis in windows]
    if way.method == "bias":
        return _bias_only(x.shape[0], shape.channels.out_channels, out_spatial, b, x.dtype, exact)
    # (C_in, C_out/G, *k) → the conv layout (C_out, C_in/G, *k) of the same taps
    cin, cout_g = w.shape[:2]
    conv_w = np.ascontiguousarray(
        w.reshape(groups, cin // groups, cout_g, *w.shape[2:])
        .swapaxes(1, 2)
        .reshape(groups * cout_g, cin // groups, *w.shape[2:])
    )
    outputs = math.prod(shape.output_shape)
    if way.method == "pairs":
        axes = [
            _pairs(m, a.stride, a.dilation, a.padding[0], a.output)
            for m, a in zip(way.meets, windows, strict=True)
        ]

        def pairs_op(xf: Array, wf: Array, bf: Array | None) -> Array:
            return _pairs_correlate(xf, wf, axes, groups, out_spatial, bf)

        return linear(
            pairs_op,
            x,
            conv_w,
            b,
            exact,
            shape.macs,
            way.multiply_adds,
            outputs,
            shape.spec.torch_name,
        )
    stride = [axis.stride for axis in windows]
    dilation = [axis.dilation for axis in windows]
    padding = [axis.padding[0] for axis in windows]  # cropped from each end of the output

    def op(xf: Array, wf: Array, bf: Array | None) -> Array:
        return scatter_correlate(xf, wf, stride, dilation, padding, out_spatial, groups, bf)

    return linear(
        op, x, conv_w, b, exact, shape.macs, way.multiply_adds, outputs, shape.spec.torch_name
    )


def _filled(shape: tuple[int, ...], bias: Array | None, dtype: Any) -> Array:
    """An output every element of which is its channel's bias (or 0)."""
    y = np.empty(shape, dtype=dtype)
    y[...] = 0 if bias is None else bias.reshape((-1,) + (1,) * (len(shape) - 2))
    return y


def _bias_only(
    n: int, cout: int, out_spatial: Sequence[int], b: Array | None, dtype: Any, exact: bool
) -> Array:
    """No input element reaches any output: each holds its bias (exact: the bias's own ints)."""
    if exact and b is not None:
        dtype = b.dtype
    elif exact:
        dtype = np.int64
    elif b is not None:
        b = b.astype(np.float64)
    return _filled((n, cout, *out_spatial), b, np.float64 if not exact else dtype)


def _at(slices: Iterable[slice]) -> tuple[Any, ...]:
    """An index of the trailing axes."""
    return (Ellipsis, *slices)


def pad(x: Array, pads: Pads, mode: str) -> Array:
    """F.pad on every axis: (before, after) per axis; a negative side crops."""
    if not any(before or after for before, after in pads):
        return x
    crop = tuple(
        slice(-min(before, 0), size + min(after, 0))
        for size, (before, after) in zip(x.shape, pads, strict=True)
    )
    x = x[crop]
    widths = [(max(before, 0), max(after, 0)) for before, after in pads]
    if not any(before or after for before, after in widths):
        return x
    if mode == "zeros":
        result = np.zeros(
            tuple(n + a + b for n, (a, b) in zip(x.shape, widths, strict=True)), dtype=x.dtype
        )
        result[tuple(slice(a, a + n) for n, (a, _) in zip(x.shape, widths, strict=True))] = x
        return result
    return np.pad(x, widths, mode=NUMPY_MODES[mode])  # type: ignore[call-overload,no-any-return]


def correlate(
    x: Array,
    w: Array,
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
    out_spatial: Sequence[int],
    bias: Array | None = None,
) -> Array:
    """PyTorch's convolution (a cross-correlation) of an already padded x (N, C, *P) with
    w (C_out, C/groups, *k), plus bias, in x's float dtype.

    Stride 1: with x flattened per channel, output (o_1, ..., o_d) and kernel tap t read
    flat position Σ o_i·q_i + Σ t_i·d_i·q_i (q: row strides), so one strided view of x holds
    every (channel, tap) row of the column matrix for a chunk of positions.  It fills a
    column buffer (a row of ones carries the bias), one matmul per chunk writes the output on
    x's full rows, and the result is a view of it cropped to out_spatial.  Strided: see
    _correlate_rows (measured faster there than flattening each of the ∏stride phases).
    """
    if 1 in out_spatial or 1 in w.shape[2:]:
        # a stride with one output, or a dilation with one tap, never steps (and may be huge)
        stride = [s if o > 1 else 1 for s, o in zip(stride, out_spatial, strict=True)]
        dilation = [d if k > 1 else 1 for d, k in zip(dilation, w.shape[2:], strict=True)]
    if w[0].size > _MAX_DEPTH and w.shape[2] > 1:
        rows = max(1, _MAX_DEPTH // (w[0].size // w.shape[2]))
        return _correlate_blocks(x, w, stride, dilation, groups, out_spatial, bias, rows)
    if any(s > 1 for s in stride):
        return _correlate_rows(x, w, stride, dilation, groups, out_spatial, bias)
    n, kernel, sizes = x.shape[0], w.shape[2:], x.shape[2:]
    buf = np.ascontiguousarray(x).reshape(-1)
    row, steps = _tap_steps(x.shape, w.shape[1], groups, dilation)
    length = sum((o - 1) * r for o, r in zip(out_spatial, row, strict=True)) + 1
    wmat, depth = _weight_matrix(w, groups, bias, x.dtype)
    chunk = min(length, max(64, _COLUMN_BUDGET // max(1, n * groups * depth)))
    cols = _column_buffer((n, groups, depth, chunk), bias is not None, x.dtype)
    out = np.empty((n, groups, w.shape[0] // groups, out_spatial[0] * row[0]), dtype=x.dtype)
    out[..., length:] = 0  # never read: positions past the last output, cropped below
    for start in range(0, length, chunk):
        stop = min(length, start + chunk)
        view = _strided(buf, start, (n, groups, w.shape[1], *kernel, stop - start), (*steps, 1))
        _fill(cols, view, depth - (bias is not None), stop - start)
        np.matmul(wmat, cols[..., : stop - start], out=out[..., start:stop])
    full = out.reshape(n, w.shape[0], out_spatial[0], *sizes[1:])
    return np.asarray(full[_at(slice(0, o) for o in out_spatial[1:])])


def _correlate_blocks(
    x: Array,
    w: Array,
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
    out_spatial: Sequence[int],
    bias: Array | None,
    rows: int,
) -> Array:
    """correlate, a block of `rows` kernel rows (first spatial axis) at a time, summed: a
    column buffer deeper than _MAX_DEPTH leaves the cache (measured 6× slower)."""
    total: Array | None = None
    for top in range(0, w.shape[2], rows):
        bottom = min(w.shape[2], top + rows)
        start = top * dilation[0]
        length = (out_spatial[0] - 1) * stride[0] + (bottom - top - 1) * dilation[0] + 1
        part = correlate(
            x[:, :, start : start + length],
            w[:, :, top:bottom],
            stride,
            dilation,
            groups,
            out_spatial,
            bias if total is None else None,
        )
        total = part if total is None else np.add(total, part, out=total)
    assert total is not None
    return total


def _correlate_rows(
    x: Array,
    w: Array,
    stride: Sequence[int],
    dilation: Sequence[int],
    groups: int,
    out_spatial: Sequence[int],
    bias: Array | None = None,
) -> Array:
    """correlate with a classic im2col: one strided view of x, (channel, tap, output
    position), fills the column buffer for a block of output rows; one matmul per block
    writes the output."""
    n, kernel = x.shape[0], w.shape[2:]
    buf = np.ascontiguousarray(x).reshape(-1)
    row, tap_steps = _tap_steps(x.shape, w.shape[1], groups, dilation)
    # then the output positions' steps
    steps = (*tap_steps, *(s * r for s, r in zip(stride, row, strict=True)))
    wmat, depth = _weight_matrix(w, groups, bias, x.dtype)
    first, rest = out_spatial[0], tuple(out_spatial[1:])
    inner = math.prod(rest)
    per_row = n * groups * depth * inner
    # one block when the whole buffer stays within twice the budget: fewer, larger calls
    rows = first if first * per_row <= 2 * _COLUMN_BUDGET else max(1, _COLUMN_BUDGET // per_row)
    cols = _column_buffer((n, groups, depth, rows * inner), bias is not None, x.dtype)
    out = np.empty((n, groups, w.shape[0] // groups, first * inner), dtype=x.dtype)
    for top in range(0, first, rows):
        bottom = min(first, top + rows)
        shape = (n, groups, w.shape[1], *kernel, bottom - top, *rest)
        view = _strided(buf, top * stride[0] * row[0], shape, steps)
        _fill(cols, view, depth - (bias is not None), (bottom - top) * inner)
        np.matmul(
            wmat, cols[..., : (bottom - top) * inner], out=out[..., top * inner : bottom * inner]
        )
    return out.reshape(n, w.shape[0], *out_spatial)


def _tap_steps(
    shape: Sequence[int], cg: int, groups: int, dilation: Sequence[int]
) -> tuple[list[int], tuple[int, ...]]:
    """For contiguous x of this shape (N, C, *P): the row strides of P, and the element
    steps along (N, groups, C/groups, *kernel taps)."""
    sizes = shape[2:]
    row = [math.prod(sizes[i + 1 :]) for i in range(len(sizes))]
    plane = math.prod(sizes)
    taps = (d * r for d, r in zip(dilation, row, strict=True))
    return row, (groups * cg * plane, cg * plane, plane, *taps)


def _weight_matrix(w: Array, groups: int, bias: Array | None, dtype: Any) -> tuple[Array, int]:
    """w as (groups, C_out/groups, depth) rows in the column buffer's (channel, tap) order,
    plus the bias column; and depth."""
    cout = w.shape[0]
    width = w[0].size  # C/groups · taps
    depth = width + (bias is not None)
    wmat = np.empty((groups, cout // groups, depth), dtype=dtype)
    wmat[..., :width] = w.reshape(groups, cout // groups, width)
    if bias is not None:
        wmat[..., -1] = bias.reshape(groups, cout // groups)
    return wmat, depth


def _column_buffer(shape: tuple[int, ...], ones: bool, dtype: Any) -> Array:
    """(N, groups, depth, columns), its last row all ones when it carries the bias."""
    cols = np.empty(shape, dtype=dtype)
    if ones:
        cols[:, :, -1] = 1
    return cols


def _strided(buf: Array, offset: int, shape: Sequence[int], steps: Sequence[int]) -> Array:
    """A view of the 1-D contiguous buf from element offset, with strides in elements
    (ndarray checks that it stays inside buf; as_strided would not, and costs 8× more)."""
    item = buf.itemsize
    return np.ndarray(
        tuple(shape), buf.dtype, buffer=buf, offset=offset * item, strides=[s * item for s in steps]
    )


def _fill(cols: Array, view: Array, width: int, columns: int) -> None:
    """cols[:, :, :width, :columns] = view, that block seen as view's (N, groups, C/groups,
    *k, *positions): splitting axes, so a view of cols, never a copy."""
    np.copyto(cols[:, :, :width, :columns].reshape(view.shape, copy=False), view)


def scatter_correlate(
    x: Array,
    w: Array,
    stride: Sequence[int],
    dilation: Sequence[int],
    padding: Sequence[int],
    out_spatial: Sequence[int],
    groups: int,
    bias: Array | None = None,
) -> Array:
    """PyTorch's transposed convolution of x (N, C_in, *I) with w in the conv layout
    (C_out, C_in/G, *k), plus bias, in x's float dtype.

    Input i and tap k land on output i·s + k·d − p.  Output phase r (positions ≡ r − p mod s)
    only receives taps with k·d ≡ r (mod s): for those, out[r + s·m − p] = Σ x[m − c_k]·w[k]
    with c_k = (k·d − r)/s, an ordinary stride-1 correlation with the reversed taps (spaced
    d/gcd(s, d)) over a zero-extended window of x.  Each phase that receives a tap is one
    such call; the others hold the bias.
    """
    n = x.shape[0]
    cout = w.shape[0]
    per_axis = [
        _transposed_phases(x.shape[2 + i], w.shape[2 + i], s, d, p, o)
        for i, (s, d, p, o) in enumerate(zip(stride, dilation, padding, out_spatial, strict=True))
    ]
    covered = math.prod(sum(axis.count for axis in phases) for phases in per_axis)
    if covered < math.prod(out_spatial):  # outputs no tap reaches: the bias alone
        y = _filled((n, cout, *out_spatial), bias, x.dtype)
    else:
        y = np.empty((n, cout, *out_spatial), dtype=x.dtype)
    for combo in product(*per_axis):
        taps = [axis.taps for axis in combo]
        window = _window(x, [axis.start for axis in combo], [axis.length for axis in combo])
        kernel = w[_at(_as_slice(t) for t in taps)]
        part = correlate(
            window,
            kernel,
            (1,) * len(out_spatial),
            [axis.spacing for axis in combo],
            groups,
            [axis.count for axis in combo],
            bias,
        )
        target = tuple(
            slice(axis.first, axis.first + (axis.count - 1) * s + 1, s)
            for axis, s in zip(combo, stride, strict=True)
        )
        y[_at(target)] = part
    return y


@dataclass(frozen=True)
class _Phase:
    """One output phase of one axis of a transposed conv (see scatter_correlate)."""

    taps: range  # kernel taps, reversed, for a stride-1 correlation
    spacing: int  # their dilation
    start: int  # first input index of the window (may be < 0: zeros)
    length: int
    first: int  # first output index of the phase
    count: int  # its outputs, step s


def _transposed_phases(size: int, k: int, s: int, d: int, p: int, out: int) -> list[_Phase]:
    """The phases of one axis that receive a tap: taps t and t' land on the same residue
    modulo s exactly when t ≡ t' modulo s/gcd(s, d), so there are min(k, s/gcd) classes (never
    a loop over a huge stride)."""
    phases = []
    g = math.gcd(s, d)
    period, spacing = s // g, d // g
    for j in range(min(k, period)):
        taps = range(j, k, period)
        r = (j * d) % s
        first_m = -((r - p) // s)  # ⌈(p − r)/s⌉: the first m with r + s·m − p ≥ 0
        last_m = (out - 1 + p - r) // s
        count = last_m - first_m + 1
        if count <= 0:
            continue  # those outputs receive nothing (bias only)
        low = (taps[0] * d - r) // s
        high = low + (len(taps) - 1) * spacing
        phases.append(
            _Phase(
                taps=taps[::-1],
                spacing=spacing,
                start=first_m - high,
                length=count + high - low,
                first=r + s * first_m - p,
                count=count,
            )
        )
    return phases


def _as_slice(taps: range) -> slice:
    """A range as the slice that takes the same indexes (a view, not a copy)."""
    return slice(taps.start, taps.stop if taps.stop >= 0 else None, taps.step)


def _window(x: Array, starts: Sequence[int], lengths: Sequence[int]) -> Array:
    """x[..., start:start+length] per spatial axis, zero where that runs outside x."""
    result = np.zeros((*x.shape[:2], *lengths), dtype=x.dtype)
    source, target = [], []
    for size, start, length in zip(x.shape[2:], starts, lengths, strict=True):
        low, high = max(start, 0), min(start + length, size)
        if low >= high:
            return result
        source.append(slice(low, high))
        target.append(slice(low - start, high - start))
    result[_at(target)] = x[_at(source)]
    return result


def _pairs(m: Meet, s: int, d: int, p: int, size: int) -> tuple[Array, Array, Array]:
    """Every (source, tap, target) of one axis with target = source·s + tap·d − p in
    [0, size), as three int64 arrays: one Python step per tap or per source of `m`, whichever
    are fewer, each listing a run (exact ints; every target is < size, so int64 holds it)."""
    sources, taps, targets = [], [], []
    if m.taps <= m.count:
        for t in range(m.tap, m.tap + m.taps):
            lo = max(m.first, _ceil_div(p - t * d, s))
            hi = min(m.first + m.count - 1, (p + size - 1 - t * d) // s)
            if lo <= hi:
                sources.append(np.arange(lo, hi + 1))
                taps.append(np.full(hi - lo + 1, t))
                targets.append(np.arange(hi - lo + 1) * s + (lo * s + t * d - p))
    else:
        for a in range(m.first, m.first + m.count):
            lo = max(m.tap, _ceil_div(p - a * s, d))
            hi = min(m.tap + m.taps - 1, (p + size - 1 - a * s) // d)
            if lo <= hi:
                sources.append(np.full(hi - lo + 1, a))
                taps.append(np.arange(lo, hi + 1))
                targets.append(np.arange(hi - lo + 1) * d + (a * s + lo * d - p))
    if not sources:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    return tuple(np.concatenate(v).astype(np.int64) for v in (sources, taps, targets))  # type: ignore[return-value]


def _pairs_correlate(
    x: Array,
    w: Array,
    axes: Sequence[tuple[Array, Array, Array]],
    groups: int,
    out_spatial: Sequence[int],
    bias: Array | None,
) -> Array:
    """out[n, co, o] = Σ x[n, ci, i]·w[co, ci, t] over the channels ci of co's group and the
    pairs (i, t, o) that meet, plus bias: per axis `axes` lists them as (input index, tap,
    output index); a multi-axis pair is one pair per axis.  Chunks of pairs are gathered,
    multiplied per pair, and added where they land (np.add.at: exact for integer sums)."""
    n, cin = x.shape[:2]
    cout, cg = w.shape[:2]
    y = _filled((n, cout, *out_spatial), bias, x.dtype).reshape(n * cout, -1)
    counts = [len(axis[0]) for axis in axes]
    total = math.prod(counts)
    if not total:
        return y.reshape(n, cout, *out_spatial)
    xf = np.ascontiguousarray(x).reshape(n, cin, -1)
    wf = np.ascontiguousarray(w).reshape(cout, cg, -1)

    def flat(which: int, sizes: Sequence[int], coords: Sequence[Array]) -> Array:
        index = np.zeros(len(coords[0]), dtype=np.int64)
        for axis, size, coord in zip(axes, sizes, coords, strict=True):
            index = index * size + axis[which][coord]
        return index

    per_pair = n * cin + cout * cg + n * cout * cg
    chunk = max(1, _PAIR_BUDGET // per_pair)
    rows = (np.arange(n * cout, dtype=np.int64) * math.prod(out_spatial))[:, None]
    for start in range(0, total, chunk):
        coords = np.unravel_index(np.arange(start, min(total, start + chunk)), counts)
        inputs = flat(0, x.shape[2:], coords)
        taps = flat(1, w.shape[2:], coords)
        outputs = flat(2, out_spatial, coords)
        xs = xf[:, :, inputs].reshape(n, groups, cin // groups, -1)
        ws = wf[:, :, taps].reshape(groups, cout // groups, cg, -1)
        part = np.einsum("ngcp,gocp->ngop", xs, ws).reshape(n * cout, -1)
        np.add.at(y.reshape(-1), (rows + outputs).reshape(-1), part.reshape(-1))
    return y.reshape(n, cout, *out_spatial)
