"""Max, average and adaptive pools, one spatial axis at a time.

A sliding pool reduces each axis over shifted strided slices of the input (one per kernel
tap that can reach the input: a tap reading only padding is never visited, however large the
kernel), combined in place; padding and the ceil-mode overhang are handled by clipping those
slices, never by a padded copy.  Integer avg pools give exact Fractions (object arrays),
max pools keep the input's integers.  Adaptive pools reduce their varying windows with
ufunc.reduceat.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np  # noqa: TID253

from convcalc.arithmetic import LayerShape, WindowAxis
from convcalc.execute import bounds
from convcalc.execute._exact import INT64_BOUND, INT64_MIN, Array, max_abs
from convcalc.execute.convolution import meet, pair_bound
from convcalc.specs import AdaptiveAvgPool, AdaptiveMaxPool, AvgPool

# Kernels up to this many taps per axis are read tap by tap without first cutting them to the
# taps that meet the input (each tap that misses costs a comparison, the cut a few µs).
_FEW_TAPS = 16


def max_pool(shape: LayerShape, x: Array) -> Array:
    """The max pool layer on x (any leading axes, then the spatial ones)."""
    # padding never wins a max: -inf for floats and Python ints, INT64_MIN for int64 — which is
    # also what torch's int64 max_pool gives a window lying wholly in the padding (possible
    # with dilation)
    fill: Any = INT64_MIN if x.dtype == np.int64 else -math.inf
    if x.dtype == object:
        _check_objects(shape, max_abs(x).bit_length(), "values beyond int64")
    y = x
    for axis, k, s, d, p, o in _pool_axes(shape):
        y = _reduce_axis(y, axis, k, s, d, p, o, fill, np.maximum)
    return y


def avg_pool(spec: AvgPool, shape: LayerShape, x: Array, exact: bool) -> Array:
    """The avg pool layer on x: exact Fractions for integer x, else float64."""
    axes = _pool_axes(shape)
    # every real element a window holds: padding adds zeros to the sum
    reach = math.prod(min(a[1], size) for a, size in zip(axes, x.shape[-len(axes) :], strict=True))
    if exact and x.dtype == np.int64 and max_abs(x) * reach >= INT64_BOUND:
        x = x.astype(object)
    if x.dtype == object:
        _check_objects(shape, max_abs(x).bit_length() + reach.bit_length(), "sums beyond int64")
    sums = x
    for axis, k, s, d, p, o in axes:
        sums = _reduce_axis(sums, axis, k, s, d, p, o, 0, np.add)
    if spec.divisor_override is not None:
        return _divide(sums, np.array(spec.divisor_override), exact)
    uniform = 1  # the product of the axes where every window is whole: a plain int
    counts: list[Array] = []
    for (axis, k, s, _, p, o), size in zip(axes, x.shape[-len(axes) :], strict=True):
        # AvgPoolKernel.cpp: the window clipped to the padded input (the ceil-mode
        # overhang never counts), then to the input unless count_include_pad
        low, high = (-p, size + p) if spec.count_include_pad else (0, size)
        if -p >= low and (o - 1) * s - p + k <= high:  # neither end window is clipped
            uniform *= k
            continue
        counts.append(
            _window_counts(size, k, s, p, o, spec.count_include_pad).reshape(
                (-1,) + (1,) * (-axis - 1)
            )
        )
    largest = uniform * math.prod(int(c.max()) for c in counts)
    # divisors past int64 (huge kernels on several axes) stay exact as Python ints
    dtype: Any = np.int64 if largest < INT64_BOUND else object
    divisor = np.array(uniform, dtype=dtype)
    for c in counts:
        divisor = divisor * c.astype(dtype)
    if not exact and dtype is object:
        divisor = divisor.astype(np.float64)
    return _divide(sums, divisor, exact)


def _window_counts(size: int, k: int, s: int, p: int, o: int, include_pad: bool) -> Array:
    """The elements each of the o windows averages along one axis, in int64 without
    overflow (k, s, p may be near 2⁶³): window j starts at j·s − p (≥ −p, < size + p)."""
    starts = np.arange(o, dtype=np.int64) * s  # < size + p: int64
    if include_pad:
        # min(k, size + 2p − j·s): only the ceil-mode overhang (the last windows) is short
        whole = size + 2 * p - k  # windows starting at or before this are whole
        counts = np.full(o, k, dtype=np.int64)
        first_short = max(0, whole // s + 1)
        if first_short < o:
            counts[first_short:] = (size + 2 * p - first_short * s) - starts[: o - first_short]
        return counts
    starts -= p  # in [−p, size)
    # min(start + k, size) − max(start, 0), with start + k never formed
    return np.minimum(k, size - starts) + starts - np.maximum(starts, 0)


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
    if x.dtype == object:
        _check_objects(shape, max_abs(x).bit_length() + 64, "values beyond int64")
    y = x
    for i, (start, end) in enumerate(windows):
        y = _adaptive_axis(y, i - dims, start, end, averaging)
    if not averaging:
        return y
    divisor = np.ones((1,) * y.ndim, dtype=np.int64)
    for i, (start, end) in enumerate(windows):
        divisor = divisor * (end - start).reshape((-1,) + (1,) * (dims - 1 - i))
    return _divide(y, divisor, exact)


def reads(shape: LayerShape) -> int:
    """The window elements the engine reads for this pool, axis by axis (each axis reduces
    the array the previous one left), a tap's pass counting at least bounds.PASS_READS;
    known before any array exists."""
    dims = len(shape.axes)
    lead = math.prod(shape.input_shape[:-dims])
    total = 0
    for i, axis in enumerate(shape.axes):
        before = math.prod(a.output for a in shape.axes[:i])
        after = math.prod(a.input for a in shape.axes[i + 1 :])
        if isinstance(axis, WindowAxis):
            m = meet(
                axis.output, axis.kernel, axis.stride, axis.dilation, axis.padding[0], axis.input
            )
            taps = 0 if m is None else m.taps
            pairs = 0 if m is None else pair_bound(m, axis.stride, axis.dilation, axis.input)
        else:  # adaptive: each input element once, each output once more
            taps, pairs = 2, axis.input
        total += lead * before * after * (pairs + axis.output) + bounds.PASS_READS * taps
    return total


def _check_objects(shape: LayerShape, bits: int, what: str) -> None:
    bounds.check_python_work(
        bounds.python_units(reads(shape), bits),
        f"{what} make this pool run on Python ints",
        shape.spec.torch_name,
    )


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
    taps = range(kernel)
    if kernel > _FEW_TAPS:  # only the taps that can reach the input (the kernel may be huge)
        m = meet(out, kernel, stride, dilation, before, size)
        taps = range(0) if m is None else range(m.tap, m.tap + m.taps)
    for tap in taps:
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
