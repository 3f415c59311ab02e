"""The NumPy engine behind `convcalc run`: a layer applied to arrays, as PyTorch computes it.

Layout is PyTorch's: input (N, C, *spatial) or unbatched (C, *spatial); conv weight
(C_out, C_in/G, *k), transposed (C_in, C_out/G, *k); bias (C_out,).  The output keeps the
input's rank and its shape is always `arithmetic.analyze(spec, x.shape).output_shape`.

Exactness (integer inputs; bool counts as integer):
- conv and transposed conv bound every partial sum by B = max|x| · max over output channels
  of Σ|w| (+ |bias|), in Python ints.  B < 2⁵³: float64 through BLAS is exact (every partial
  sum is an integer float64 holds), and 2–10× faster than any int64 kernel.  B < 2⁶³: x (and,
  for huge weights, w) is split into limbs small enough for that exact float64 path, and the
  limb products are recombined modulo 2⁶⁴, which is exact because the result fits int64.
  Beyond: the same limbs, recombined in Python ints (an object array; SlowPathWarning).
- max pools keep the input's integers; avg pools give exact Fractions (object arrays).
Float inputs compute in float64 (summation order, hence the last bits, may differ from torch).
Float inputs that hold integers with B < 2²⁴ give the same bits in float32, where nothing
rounds either: GEMM-heavy layers take that route (_float32_exact).

Speed (benchmarks/bench_run.py measures it against torch): no Python loop over output
elements.  Convolutions fill a 1 MB column buffer chunk by chunk, each chunk copied in one
call from a strided view of the input (channel, kernel tap, output position), and run one
matmul per chunk, so no full im2col copy is made; transposed convolutions are split into
their ∏stride output phases, each an ordinary stride-1 convolution; pools reduce one axis at
a time over shifted strided slices.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from itertools import product
from typing import Any

# only `convcalc run` imports this module, so numpy stays off every other command's start-up
import numpy as np  # noqa: TID253
from numpy.typing import NDArray  # noqa: TID253

from convcalc.arithmetic import LayerShape, analyze
from convcalc.errors import InputError
from convcalc.specs import (
    AdaptiveAvgPool,
    AdaptiveMaxPool,
    AvgPool,
    Conv,
    ConvTranspose,
    LayerSpec,
    MaxPool,
    expand,
)

Array = NDArray[Any]
Pads = Sequence[tuple[int, int]]

FLOAT_EXACT = 1 << 53  # float64 holds every integer of smaller magnitude
FLOAT32_EXACT = 1 << 24
INT64_BOUND = 1 << 63
_INT64_MIN = -(1 << 63)
_UINT64_MOD = 1 << 64
_NUMPY_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
# Column buffer of the chunked im2col, in elements (1 MB of float64: stays in cache).
_COLUMN_BUDGET = 1 << 17
# Float inputs that hold small integers run in float32 when each input element feeds at least
# this many multiply-adds (measured: below it the integer check costs what float32 saves).
_NARROW_MIN_MACS = 128


class SlowPathWarning(UserWarning):
    """Values beyond int64: still exact, but computed with Python ints (much slower)."""


def run_layer(spec: LayerSpec, x: Any, weight: Any | None = None, bias: Any | None = None) -> Array:
    """`spec` applied to `x` (and its weight and bias), exactly as PyTorch would compute it.

    Integer inputs give int64 (when the result provably fits) or an object array of Python
    ints; integer avg pools give an object array of Fractions; anything float gives float64.
    Raises LayerError for a layer PyTorch refuses, InputError for unusable arrays.
    """
    x = as_numbers(x, "input")
    shape = analyze(spec, tuple(int(n) for n in x.shape))
    w: Array | None = None
    b: Array | None = None
    if isinstance(spec, Conv | ConvTranspose):
        w, b = _parameters(spec, shape, weight, bias)
    elif weight is not None or bias is not None:
        which = "weight" if weight is not None else "bias"
        raise InputError(f"{which}: {spec.torch_name} has no weight or bias, but one was given")
    arrays = [a for a in (x, w, b) if a is not None]
    exact = all(a.dtype.kind in "iO" for a in arrays)
    if not exact:
        x = _to_float(x, "input")
        w = None if w is None else _to_float(w, "weight")
        b = None if b is None else _to_float(b, "bias")
    result = _compute(spec, shape, x, w, b, exact)
    if result.shape != shape.output_shape:  # pragma: no cover - a bug, never the user's input
        raise AssertionError(f"computed {result.shape}, expected {shape.output_shape}")
    return result


def as_numbers(value: Any, name: str) -> Array:
    """int64, float64, or (integers beyond int64) an object array of Python ints."""
    array = np.asarray(value)
    kind = array.dtype.kind
    if kind in "bi" or (kind == "u" and (array.dtype.itemsize < 8 or not array.size)):
        return array.astype(np.int64, copy=False)
    if kind == "u":
        if int(array.max()) < INT64_BOUND:
            return array.astype(np.int64)
        return _python_ints(array.ravel().tolist(), array.shape)
    if kind == "f":
        return array.astype(np.float64, copy=False)
    if kind == "O":
        items = array.ravel().tolist()
        if all(isinstance(v, numbers.Integral) for v in items):
            return _python_ints(items, array.shape)
        if all(isinstance(v, numbers.Real) for v in items):
            return _to_float(array, name)
    raise InputError(f"{name}: values must be integers or real numbers, got dtype {array.dtype}")


def _python_ints(items: list[Any], shape: tuple[int, ...]) -> Array:
    values = [int(v) for v in items]
    if all(_INT64_MIN <= v < INT64_BOUND for v in values):
        return np.array(values, dtype=np.int64).reshape(shape)
    result = np.empty(len(values), dtype=object)
    result[:] = values
    return result.reshape(shape)


def _to_float(array: Array, name: str) -> Array:
    try:
        return np.asarray(array).astype(np.float64, copy=False)
    except OverflowError:
        raise InputError(
            f"{name}: an integer is too large for float64 (with float inputs "
            "everything computes in float64)"
        ) from None


def _parameters(
    spec: Conv | ConvTranspose, shape: LayerShape, weight: Any | None, bias: Any | None
) -> tuple[Array, Array | None]:
    expected = shape.weight_shape
    assert expected is not None
    layout = (
        "(C_in, C_out/groups, *kernel)"
        if isinstance(spec, ConvTranspose)
        else ("(C_out, C_in/groups, *kernel)")
    )
    if weight is None:
        raise InputError(f"weight: {spec.torch_call()} needs a weight of shape {_dims(expected)}")
    w = as_numbers(weight, "weight")
    if w.shape != expected:
        raise InputError(
            f"weight: {spec.torch_call()} expects a weight of shape {_dims(expected)} "
            f"{layout}, got {_dims(w.shape)}"
        )
    if bias is None:
        return w, None
    if not spec.bias:
        raise InputError(f"bias: {spec.torch_call()} has bias=False, but a bias was given")
    b = as_numbers(bias, "bias")
    if b.shape != (spec.out_channels,):
        raise InputError(
            f"bias: {spec.torch_call()} expects a bias of shape ({spec.out_channels},), "
            f"got {_dims(b.shape)}"
        )
    return w, b


def _dims(shape: Sequence[int]) -> str:
    return "(" + ", ".join(map(str, shape)) + (",)" if len(shape) == 1 else ")")


# --- dispatch ---------------------------------------------------------------------------------


def _compute(
    spec: LayerSpec, shape: LayerShape, x: Array, w: Array | None, b: Array | None, exact: bool
) -> Array:
    out_shape = shape.output_shape
    fractions = exact and isinstance(spec, AvgPool | AdaptiveAvgPool)
    if 0 in out_shape:
        dtype = object if fractions else (np.int64 if exact else np.float64)
        return np.zeros(out_shape, dtype=dtype)
    if isinstance(spec, Conv | ConvTranspose):
        assert w is not None
        xb = x if shape.batched else x[None]
        if isinstance(spec, Conv):
            y = _conv(spec, shape, xb, w, b, exact)
        else:
            y = _conv_transpose(spec, shape, xb, w, b, exact)
        return y if shape.batched else y[0]
    if isinstance(spec, MaxPool):
        return _max_pool(spec, shape, x)
    if isinstance(spec, AvgPool):
        return _avg_pool(spec, shape, x, exact)
    assert isinstance(spec, AdaptiveAvgPool | AdaptiveMaxPool)
    return _adaptive_pool(spec, shape, x, exact)


# --- convolutions -----------------------------------------------------------------------------


def _conv(spec: Conv, shape: LayerShape, x: Array, w: Array, b: Array | None, exact: bool) -> Array:
    dims = spec.dims
    stride = expand(spec.stride, dims)
    dilation = expand(spec.dilation, dims)
    out_spatial = shape.output_shape[-dims:]
    pads = [(0, 0), shape.channel_padding, *shape.padding]

    def op(xf: Array, wf: Array, bf: Array | None) -> Array:
        padded = pad(xf, pads, spec.padding_mode)
        return correlate(padded, wf, stride, dilation, spec.groups, out_spatial, bf)

    return _linear(op, x, w, b, exact, shape.macs)


def _conv_transpose(
    spec: ConvTranspose, shape: LayerShape, x: Array, w: Array, b: Array | None, exact: bool
) -> Array:
    dims, groups = spec.dims, spec.groups
    # (C_in, C_out/G, *k) → the conv layout (C_out, C_in/G, *k) of the same taps
    cin, cout_g = w.shape[:2]
    conv_w = (
        w.reshape(groups, cin // groups, cout_g, *w.shape[2:])
        .swapaxes(1, 2)
        .reshape(groups * cout_g, cin // groups, *w.shape[2:])
    )
    stride = expand(spec.stride, dims)
    dilation = expand(spec.dilation, dims)
    padding = tuple(p for p, _ in shape.padding)
    out_spatial = shape.output_shape[-dims:]

    def op(xf: Array, wf: Array, bf: Array | None) -> Array:
        return scatter_correlate(xf, wf, stride, dilation, padding, out_spatial, groups, bf)

    return _linear(op, x, np.ascontiguousarray(conv_w), b, exact, shape.macs)


def _linear(
    op: Callable[[Array, Array, Array | None], Array],
    x: Array,
    w: Array,
    b: Array | None,
    exact: bool,
    macs: int,
) -> Array:
    """op(x, w, b): bilinear in x and w (the conv layout, C_out first), plus the bias."""
    if not exact:
        # the check and the casts cost a few passes over x: worth it for GEMM-heavy layers only
        if macs >= _NARROW_MIN_MACS * x.size and _float32_exact(x, w, b):
            # nothing rounds in float32 or in float64 here: the same bits, at twice the speed
            y = op(x.astype(np.float32), w.astype(np.float32), _astype(b, np.float32))
            return y.astype(np.float64)
        return op(x, w, b)
    max_x = _max_abs(x)
    row_sums = _abs_row_sums(w)
    bound = _sum_bound(max_x, row_sums, b)
    native = all(a.dtype == np.int64 for a in (x, w) + (() if b is None else (b,)))
    if native and bound < FLOAT_EXACT:
        # every partial sum is an integer below the bound: exact in float32 below 2²⁴
        dtype = np.float32 if bound < FLOAT32_EXACT else np.float64
        y = op(x.astype(dtype), w.astype(dtype), _astype(b, dtype))
        return y.astype(np.int64)
    wrap = native and bound < INT64_BOUND
    if not wrap:
        warnings.warn(
            SlowPathWarning(
                f"sums may reach {bound.bit_length()} bits, beyond int64: the exact result "
                "is assembled in Python ints (slow for large arrays)"
            ),
            stacklevel=5,  # run_layer's caller
        )
    taps = math.prod(w.shape[1:])
    widest = max(row_sums)
    if w.dtype == np.int64 and widest.bit_length() <= 40:
        # whole weights; x limbs of x_bits: |limb| ≤ 2^x_bits, so partial sums < 2⁵³
        x_bits, w_bits = 53 - widest.bit_length(), 0
        w_limbs = [w.astype(np.float64)]
    else:
        # |x limb|, |w limb| ≤ 2^bits and taps < 2^bit_length(taps): partial sums < 2⁵³
        x_bits = w_bits = (53 - taps.bit_length()) // 2
        w_limbs = _limbs(w, w_bits, _max_abs(w))
    x_limbs = _limbs(x, x_bits, max_x)
    total: Array | None = None
    for (i, xl), (j, wl) in product(enumerate(x_limbs), enumerate(w_limbs)):
        part = op(xl, wl, None).astype(np.int64)
        scale = 1 << (x_bits * i + w_bits * j)
        # modulo 2⁶⁴ the wrapped int64 sum is exact, since the true result fits in int64
        term = (
            part.view(np.uint64) * np.uint64(scale % _UINT64_MOD)
            if wrap
            else (part.astype(object) * scale)
        )
        total = term if total is None else total + term
    assert total is not None
    if b is not None:
        bias_shape = (-1,) + (1,) * (x.ndim - 2)
        total = total + (b.view(np.uint64) if wrap else b.astype(object)).reshape(bias_shape)
    return total.view(np.int64) if wrap else total


def _float32_exact(x: Array, w: Array, b: Array | None) -> bool:
    """Whether float64 x, w, b hold integers whose sums the bound B keeps below 2²⁴, so
    float32 computes every partial sum exactly, as float64 would (weights are checked first:
    they are small, and real-valued weights end the check at once)."""
    if any(_small_integers(a) is None for a in (w, b) if a is not None):
        return False
    max_x = _small_integers(x)
    if max_x is None:
        return False
    return _sum_bound(max_x, _abs_row_sums(w.astype(np.int64)), b) < FLOAT32_EXACT


def _sum_bound(max_x: int, row_sums: list[int], b: Array | None) -> int:
    """B = max|x| · Σ|w| + |bias|, the largest over output channels: no partial sum of the
    layer exceeds it in magnitude (integer-valued b: int64, Python ints, or floats)."""
    bias_abs = [0] * len(row_sums) if b is None else [abs(int(v)) for v in b.tolist()]
    return max(max_x * s + c for s, c in zip(row_sums, bias_abs, strict=True))


def _small_integers(a: Array) -> int | None:
    """max|a| if every value of the float64 array a is an integer below 2²⁴, else None."""
    if not a.size:
        return 0
    top = float(np.abs(a).max())
    # NaN and ±inf fail the first test
    if not top < FLOAT32_EXACT or not np.array_equal(a, np.trunc(a)):
        return None
    return int(top)


def _astype(a: Array | None, dtype: Any) -> Array | None:
    return None if a is None else a.astype(dtype)


def _limbs(a: Array, bits: int, max_abs: int) -> list[Array]:
    """a = Σ limb_i · 2^(bits·i), float64 limbs: the low ones in [0, 2^bits), the top one
    (signed, floored) within ±2^bits."""
    count = max(1, -(-max_abs.bit_length() // bits))
    mask = (1 << bits) - 1
    limbs = []
    rest = a
    for _ in range(count - 1):
        limbs.append((rest & mask).astype(np.float64))
        rest = rest >> bits
    limbs.append(np.asarray(rest).astype(np.float64))
    return limbs


def _max_abs(a: Array) -> int:
    if not a.size:
        return 0
    if a.dtype == object:
        return max(abs(int(v)) for v in a.ravel().tolist())
    return max(int(a.max()), -int(a.min()))  # abs(INT64_MIN) would overflow


def _abs_row_sums(w: Array) -> list[int]:
    """Σ|w| per output channel (axis 0), as Python ints."""
    rows = w.reshape(w.shape[0], -1)
    if w.dtype == np.int64 and _max_abs(w) * max(1, rows.shape[1]) < INT64_BOUND:
        return [int(v) for v in np.abs(rows).sum(axis=1).tolist()]
    return [sum(abs(int(v)) for v in row) for row in rows.tolist()]


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
    return np.pad(x, widths, mode=_NUMPY_MODES[mode])  # type: ignore[call-overload,no-any-return]


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


# --- pooling ----------------------------------------------------------------------------------


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


def _pool_axes(
    spec: MaxPool | AvgPool, shape: LayerShape
) -> list[tuple[int, int, int, int, int, int]]:
    """(axis, kernel, stride, dilation, padding, output) per spatial axis."""
    dims = spec.dims
    kernel = expand(spec.kernel_size, dims)
    stride = kernel if spec.stride is None else expand(spec.stride, dims)
    dilation = expand(spec.dilation, dims) if isinstance(spec, MaxPool) else (1,) * dims
    return [
        (i - dims, kernel[i], stride[i], dilation[i], axis.padding[0], axis.output)
        for i, axis in enumerate(shape.axes)
    ]


def _max_pool(spec: MaxPool, shape: LayerShape, x: Array) -> Array:
    # padding never wins a max: -inf for floats and Python ints, INT64_MIN for int64 — which is
    # also what torch's int64 max_pool gives a window lying wholly in the padding (possible
    # with dilation)
    fill: Any = _INT64_MIN if x.dtype == np.int64 else -math.inf
    y = x
    for axis, k, s, d, p, o in _pool_axes(spec, shape):
        y = _reduce_axis(y, axis, k, s, d, p, o, fill, np.maximum)
    return y


def _avg_pool(spec: AvgPool, shape: LayerShape, x: Array, exact: bool) -> Array:
    axes = _pool_axes(spec, shape)
    if exact and x.dtype == np.int64 and _max_abs(x) * math.prod(a[1] for a in axes) >= INT64_BOUND:
        x = x.astype(object)
    sums = x
    for axis, k, s, d, p, o in axes:
        sums = _reduce_axis(sums, axis, k, s, d, p, o, 0, np.add)
    if spec.divisor_override is not None:
        return _divide(sums, np.array(spec.divisor_override), exact)
    uniform = 1  # the product of the axes where every window is whole: a plain int
    divisor: Array | None = None
    for (axis, k, s, _, p, o), size in zip(axes, x.shape[-spec.dims :], strict=True):
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


def _divide(sums: Array, divisor: Array, exact: bool) -> Array:
    """sums / divisor: float64, or exact Fractions; `sums` is a fresh array (reused)."""
    if not exact:
        if divisor.ndim and divisor.size and (divisor == divisor.flat[0]).all():
            divisor = divisor.flat[0]  # one divisor: a scalar division, in place
        np.divide(sums, divisor, out=sums)
        return sums
    numerators, denominators = np.broadcast_arrays(sums.astype(object), divisor.astype(object))
    return np.frompyfunc(Fraction, 2, 1)(numerators, denominators)  # type: ignore[no-any-return]


def _adaptive_pool(
    spec: AdaptiveAvgPool | AdaptiveMaxPool, shape: LayerShape, x: Array, exact: bool
) -> Array:
    dims = spec.dims
    averaging = isinstance(spec, AdaptiveAvgPool)
    sizes = x.shape[-dims:]
    outs = shape.output_shape[-dims:]
    if averaging and 0 in sizes:
        # the all-ones case runs input.mean() in ATen: the mean of nothing is nan
        return np.full(shape.output_shape, math.nan)
    windows = [_adaptive_windows(n, o) for n, o in zip(sizes, outs, strict=True)]
    if averaging and exact and x.dtype == np.int64:
        widest = math.prod(int((end - start).max()) for start, end in windows)
        if _max_abs(x) * widest >= INT64_BOUND:
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
