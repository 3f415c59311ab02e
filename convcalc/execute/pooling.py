"""Max, average and adaptive pools, one spatial axis at a time.

A sliding pool reduces each axis over shifted strided slices of the input (one per kernel
tap), combined in place; padding and the ceil-mode overhang are handled by clipping those
slices, never by a padded copy.  Integer avg pools give exact Fractions (object arrays),
max pools keep the input's integers.  Adaptive pools reduce their varying windows with
ufunc.reduceat.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np  # noqa: TID253

from convcalc.arithmetic import LayerShape
from convcalc.execute._exact import INT64_BOUND, INT64_MIN, Array, max_abs
from convcalc.specs import AdaptiveAvgPool, AdaptiveMaxPool, AvgPool


def max_pool(shape: LayerShape, x: Array) -> Array:
    """The max pool layer on x (any leading axes, then the spatial ones)."""
    # padding never wins a max: -inf for floats and Python ints, INT64_MIN for int64 — which is
    # also what torch's int64 max_pool gives a window lying wholly in the padding (possible
    # with dilation)
    fill: Any = INT64_MIN if x.dtype == np.int64 else -math.inf
    y = x
    for axis, k, s, d, p, o in _pool_axes(shape):
        y = _reduce_axis(y, axis, k, s, d, p, o, fill, np.maximum)
    return y


def avg_pool(spec: AvgPool, shape: LayerShape, x: Array, exact: bool) -> Array:
    """The avg pool layer on x: exact Fractions for integer x, else float64."""
    axes = _pool_axes(shape)
    if exact and x.dtype == np.int64 and max_abs(x) * math.prod(a[1] for a in axes) >= INT64_BOUND:
        x = x.astype(object)
    sums = x
    for axis, k, s, d, p, o in axes:
        sums = _reduce_axis(sums, axis, k, s, d, p, o, 0, np.add)
    if spec.divisor_override is not None:
        return _divide(sums, np.array(spec.divisor_override), exact)
    uniform = 1  # the product of the axes where every window is whole: a plain int
    divisor: Array | None = None
    for (axis, k, s, _, p, o), size in zip(axes, x.shape[-len(axes) :], strict=True):
        # AvgPoolKernel.cpp: the window clipped to the padded input (the ceil-mode
        # overhang never counts), then to the input unless count_include_pad
        low, high = (-p, size + p) if spec.count_include_pad else (0, size)
        if -p >= low and (o - 1) * s - p + k <= high:  # neither end window is clipped
            uniform *= k
            continue
        start = np.arange(o) * s - p
        end = np.minimum(start + k, size + p)
        if not spec.count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        counts = (end - start).reshape((-1,) + (1,) * (-axis - 1))
        divisor = counts if divisor is None else divisor * counts
    return _divide(sums, np.array(uniform) if divisor is None else divisor * uniform, exact)


def adaptive_pool(
    spec: AdaptiveAvgPool | AdaptiveMaxPool, shape: LayerShape, x: Array, exact: bool
) -> Array:
    """The adaptive pool layer on x; an adaptive avg pool divides as avg_pool does."""
    dims = len(shape.axes)
    averaging = isinstance(spec, AdaptiveAvgPool)
    sizes = x.shape[-dims:]
    outs = shape.output_shape[-dims:]
    if averaging and 0 in sizes:
        # the all-ones case runs input.mean() in ATen: the mean of nothing is nan
        return np.full(shape.output_shape, math.nan)
    windows = [_adaptive_windows(n, o) for n, o in zip(sizes, outs, strict=True)]
    if averaging and exact and x.dtype == np.int64:
        widest = math.prod(int((end - start).max()) for start, end in windows)
        if max_abs(x) * widest >= INT64_BOUND:
            x = x.astype(object)
    y = x
    for i, (start, end) in enumerate(windows):
        y = _adaptive_axis(y, i - dims, start, end, averaging)
    if not averaging:
        return y
    divisor = np.ones((1,) * y.ndim, dtype=np.int64)
    for i, (start, end) in enumerate(windows):
        divisor = divisor * (end - start).reshape((-1,) + (1,) * (dims - 1 - i))
    return _divide(y, divisor, exact)


def _pool_axes(shape: LayerShape) -> list[tuple[int, int, int, int, int, int]]:
    """(axis, kernel, stride, dilation, padding, output) per spatial axis; axis counts from
    the end, so any leading axes (batch, channels) pass through."""
    windows = shape.windows
    dims = len(windows)
    return [
        (i - dims, axis.kernel, axis.stride, axis.dilation, axis.padding[0], axis.output)
        for i, axis in enumerate(windows)
    ]


def _reduce_axis(
    x: Array,
    axis: int,
    kernel: int,
    stride: int,
    dilation: int,
    before: int,
    out: int,
    fill: Any,
    combine: Any,
) -> Array:
    """combine over x's windows along one axis, as shifted strided slices (one per tap);
    positions in the padding or the ceil-mode overhang hold `fill`."""
    size = x.shape[axis]
    index: list[slice] = [slice(None)] * x.ndim
    source: list[slice] = [slice(None)] * x.ndim
    if not before and (out - 1) * stride + (kernel - 1) * dilation < size:
        index[axis] = slice(0, (out - 1) * stride + 1, stride)
        result = np.array(x[tuple(index)])
        for tap in range(1, kernel):
            start = tap * dilation
            index[axis] = slice(start, start + (out - 1) * stride + 1, stride)
            combine(result, x[tuple(index)], out=result)
        return result
    reads = []
    for tap in range(kernel):
        offset = tap * dilation - before  # the input index output 0 reads at this tap
        low = max(0, -(offset // stride))  # first o with o·stride + offset ≥ 0
        high = min(out, (size - 1 - offset) // stride + 1)
        if low < high:
            reads.append(
                (low, high, slice(low * stride + offset, (high - 1) * stride + offset + 1, stride))
            )
    # start from a tap that every output reads inside x (a copy), else from `fill`
    whole = next((read for read in reads if read[:2] == (0, out)), None)
    if whole is not None:
        source[axis] = whole[2]
        result = np.array(x[tuple(source)])
        reads.remove(whole)
    else:
        shape = list(x.shape)
        shape[axis] = out
        result = np.full(shape, fill, dtype=x.dtype)
    for low, high, reading in reads:
        index[axis] = slice(low, high)
        source[axis] = reading
        target = result[tuple(index)]
        combine(target, x[tuple(source)], out=target)
    return result


def _divide(sums: Array, divisor: Array, exact: bool) -> Array:
    """sums / divisor: float64, or exact Fractions; `sums` is a fresh array (reused)."""
    if not exact:
        if divisor.ndim and divisor.size and (divisor == divisor.flat[0]).all():
            divisor = divisor.flat[0]  # one divisor: a scalar division, in place
        np.divide(sums, divisor, out=sums)
        return sums
    numerators, denominators = np.broadcast_arrays(sums.astype(object), divisor.astype(object))
    return np.frompyfunc(Fraction, 2, 1)(numerators, denominators)  # type: ignore[no-any-return]


def _adaptive_windows(size: int, out: int) -> tuple[Array, Array]:
    """[start, end) of every window: ⌊i·L/O⌋ and ⌈(i+1)·L/O⌉ (AdaptiveAveragePooling.cpp)."""
    index = np.arange(out, dtype=np.int64)
    return (index * size) // out, -((-(index + 1) * size) // out)


def _adaptive_axis(x: Array, axis: int, start: Array, end: Array, summing: bool) -> Array:
    size = x.shape[axis]
    combine = np.add if summing else np.maximum
    if len(start) <= size:
        # starts strictly increase and a window overlaps the next by at most one element:
        # reduce [start_i, start_{i+1}), then add that element where the window reaches it
        result = combine.reduceat(x, start, axis=axis)
        last = np.take(x, end - 1, axis=axis)
        if not summing:
            return np.asarray(np.maximum(result, last))
        following = np.append(start[1:], size)
        reach = (end > following).reshape((-1,) + (1,) * (-axis - 1))
        return np.asarray(result + np.where(reach, last, 0))
    # more outputs than inputs: windows of one or two elements
    result = np.take(x, start, axis=axis)
    for tap in range(1, int((end - start).max())):
        inside = start + tap < end
        value = np.take(x, np.minimum(start + tap, end - 1), axis=axis)
        if summing:
            result = result + np.where(inside.reshape((-1,) + (1,) * (-axis - 1)), value, 0)
        else:
            result = np.maximum(result, value)
    return result
