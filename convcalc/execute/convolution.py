"""Convolutions and transposed convolutions: a column buffer and one matmul per chunk.

No Python loop over output elements and no full im2col copy: a 1 MB column buffer is filled
chunk by chunk, each chunk copied in one call from a strided view of the input (channel,
kernel tap, output position), and one matmul per chunk writes the output, the bias riding
along as a row of ones.  A transposed convolution is split into its ∏stride output phases,
each an ordinary stride-1 convolution with the reversed taps of that phase.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from itertools import product
from typing import Any

import numpy as np  # noqa: TID253

from convcalc.arithmetic import LayerShape
from convcalc.execute._exact import Array, linear
from convcalc.padding import NUMPY_MODES
from convcalc.specs import Conv

Pads = Sequence[tuple[int, int]]

# Column buffer of the chunked im2col, in elements (1 MB of float64: stays in cache).
_COLUMN_BUDGET = 1 << 17


def conv(spec: Conv, shape: LayerShape, x: Array, w: Array, b: Array | None, exact: bool) -> Array:
    """The conv layer on a batched x (N, C_in, *spatial)."""
    windows = shape.windows
    assert shape.channels is not None
    groups = shape.channels.groups
    stride = [axis.stride for axis in windows]
    dilation = [axis.dilation for axis in windows]
    out_spatial = [axis.output for axis in windows]
    pads = [(0, 0), shape.channel_padding, *[axis.padding for axis in windows]]

    def op(xf: Array, wf: Array, bf: Array | None) -> Array:
        padded = pad(xf, pads, spec.padding_mode)
        return correlate(padded, wf, stride, dilation, groups, out_spatial, bf)

    return linear(op, x, w, b, exact, shape.macs)


def conv_transpose(shape: LayerShape, x: Array, w: Array, b: Array | None, exact: bool) -> Array:
    """The transposed conv layer on a batched x (N, C_in, *spatial)."""
    windows = shape.windows
    assert shape.channels is not None
    groups = shape.channels.groups
    # (C_in, C_out/G, *k) → the conv layout (C_out, C_in/G, *k) of the same taps
    cin, cout_g = w.shape[:2]
    conv_w = (
        w.reshape(groups, cin // groups, cout_g, *w.shape[2:])
        .swapaxes(1, 2)
        .reshape(groups * cout_g, cin // groups, *w.shape[2:])
    )
    stride = [axis.stride for axis in windows]
    dilation = [axis.dilation for axis in windows]
    padding = [axis.padding[0] for axis in windows]  # cropped from each end of the output
    out_spatial = [axis.output for axis in windows]

    def op(xf: Array, wf: Array, bf: Array | None) -> Array:
        return scatter_correlate(xf, wf, stride, dilation, padding, out_spatial, groups, bf)

    return linear(op, x, np.ascontiguousarray(conv_w), b, exact, shape.macs)


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
    d/gcd(s, d)) over a zero-extended window of x.  Each of the ∏s phases is one such call.
    """
    n = x.shape[0]
    cout = w.shape[0]
    dims = len(out_spatial)
    per_axis = [
        _transposed_phases(x.shape[2 + i], w.shape[2 + i], s, d, p, o)
        for i, (s, d, p, o) in enumerate(zip(stride, dilation, padding, out_spatial, strict=True))
    ]
    y = np.empty((n, cout, *out_spatial), dtype=x.dtype)
    covered = math.prod(sum(axis.count for axis in phases) for phases in per_axis)
    if covered < math.prod(out_spatial):  # outputs no tap reaches: the bias alone
        y[...] = 0 if bias is None else bias.reshape((-1,) + (1,) * dims)
    for combo in product(*per_axis):
        taps = [axis.taps for axis in combo]
        window = _window(x, [axis.start for axis in combo], [axis.length for axis in combo])
        kernel = w[(slice(None), slice(None), *np.ix_(*taps))] if dims > 1 else w[:, :, taps[0]]  # type: ignore[arg-type]
        part = correlate(
            window,
            kernel,
            (1,) * dims,
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


class _Phase:
    """One output phase of one axis of a transposed conv (see scatter_correlate)."""

    __slots__ = ("count", "first", "length", "spacing", "start", "taps")

    def __init__(
        self, taps: list[int], spacing: int, start: int, length: int, first: int, count: int
    ) -> None:
        self.taps = taps  # kernel taps, reversed, for a stride-1 correlation
        self.spacing = spacing  # their dilation
        self.start = start  # first input index of the window (may be < 0: zeros)
        self.length = length
        self.first = first  # first output index of the phase
        self.count = count  # its outputs, step s


def _transposed_phases(size: int, k: int, s: int, d: int, p: int, out: int) -> list[_Phase]:
    phases = []
    spacing = d // math.gcd(s, d)
    for r in range(s):
        taps = [t for t in range(k) if (t * d) % s == r]
        first_m = -((r - p) // s)  # ⌈(p − r)/s⌉: the first m with r + s·m − p ≥ 0
        last_m = (out - 1 + p - r) // s
        count = last_m - first_m + 1
        if not taps or count <= 0:
            continue  # those outputs receive nothing (bias only)
        low, high = (taps[0] * d - r) // s, (taps[-1] * d - r) // s
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
