"""Exact integer results from float BLAS: the sum bound and the limbs.

For integer inputs (bool counts as integer) a convolution's partial sums are bounded by
B = max|x| · max over output channels of (Σ|w| + |bias|), in Python ints.  B < 2⁵³: float64
through BLAS is exact (every partial sum is an integer float64 holds), and 2–10× faster
than any int64 kernel; B < 2²⁴: float32 is exact too.  B < 2⁶³: x (and, for huge weights,
w) is split into limbs small enough for that exact float path, and the limb products are
recombined modulo 2⁶⁴, exact because the result fits int64.  Beyond: the same limbs,
recombined in Python ints (an object array; SlowPathWarning).  Float inputs that hold
integers with B < 2²⁴ give float64's bits in float32, where nothing rounds either.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from typing import Any

# only `convcalc run` imports this package, so numpy stays off every other command's start-up
import numpy as np  # noqa: TID253
from numpy.typing import NDArray  # noqa: TID253

from convcalc.execute import bounds

Array = NDArray[Any]

FLOAT_EXACT = 1 << 53  # float64 holds every integer of smaller magnitude
FLOAT32_EXACT = 1 << 24
INT64_BOUND = 1 << 63
INT64_MIN = -(1 << 63)
_UINT64_MOD = 1 << 64
# Float inputs that hold small integers run in float32 when each input element feeds at least
# this many multiply-adds (measured: below it the integer check costs what float32 saves).
_NARROW_MIN_MACS = 128


class SlowPathWarning(UserWarning):
    """Values beyond int64: still exact, but computed with Python ints (much slower)."""


def linear(
    op: Callable[[Array, Array, Array | None], Array],
    x: Array,
    w: Array,
    b: Array | None,
    exact: bool,
    macs: int,
    work: int,
    outputs: int,
    name: str = "run",
) -> Array:
    """op(x, w, b): bilinear in x and w (the conv layout, C_out first), plus the bias.

    `macs` is the layer's multiply-adds (it chooses the float32 route), `work` those of one
    call of `op` and `outputs` its elements: exact integers that need limbs make one call per
    pair of limbs, refused beyond the bounds (a BoundError naming layer `name`) before the
    first one.
    """
    if not exact:
        # the check and the casts cost a few passes over x: worth it for GEMM-heavy layers only
        if macs >= _NARROW_MIN_MACS * x.size and _float32_exact(x, w, b):
            # nothing rounds in float32 or in float64 here: the same bits, at twice the speed
            y = op(x.astype(np.float32), w.astype(np.float32), _astype(b, np.float32))
            return y.astype(np.float64)
        return op(x, w, b)
    max_x = max_abs(x)
    row_sums = _abs_row_sums(w)
    bound = _sum_bound(max_x, row_sums, b)
    native = all(a.dtype == np.int64 for a in (x, w) + (() if b is None else (b,)))
    if native and bound < FLOAT_EXACT:
        # every partial sum is an integer below the bound: exact in float32 below 2²⁴
        dtype = np.float32 if bound < FLOAT32_EXACT else np.float64
        y = op(x.astype(dtype), w.astype(dtype), _astype(b, dtype))
        return y.astype(np.int64)
    wrap = native and bound < INT64_BOUND
    taps = math.prod(w.shape[1:])
    widest = max(row_sums)
    if w.dtype == np.int64 and widest.bit_length() <= 40:
        # whole weights; x limbs of x_bits: |limb| ≤ 2^x_bits, so partial sums < 2⁵³
        x_bits, w_bits = 53 - widest.bit_length(), 0
        w_count = 1
    else:
        # |x limb|, |w limb| ≤ 2^bits and taps < 2^bit_length(taps): partial sums < 2⁵³
        x_bits = w_bits = (53 - taps.bit_length()) // 2
        w_count = _limb_count(max_abs(w), w_bits)
    x_count = _limb_count(max_x, x_bits)
    passes = x_count * w_count
    bits = bound.bit_length()
    bounds.check_multiply_adds(
        passes * work,
        f"computing the output exactly, in {passes} passes (sums of up to {bits} bits),",
        name,
    )
    if not wrap:
        # each pass turns its part into Python ints, scales and adds it; objects split in limbs
        units = bounds.python_units(passes * outputs * 3 + outputs, bits)
        for a, count in ((x, x_count), (w, w_count)):
            if a.dtype == object:
                units += bounds.python_units(2 * count * a.size, max_abs(a).bit_length())
        bounds.check_python_work(
            units, f"sums of up to {bits} bits are exact only in Python ints (the slow path)", name
        )
        warnings.warn(
            SlowPathWarning(
                f"sums may reach {bits} bits, beyond int64: the exact result "
                "is assembled in Python ints (slow for large arrays)"
            ),
            stacklevel=5,  # run_layer's caller
        )
    w_limbs = [w.astype(np.float64)] if w_bits == 0 else list(_limbs(w, w_bits, w_count))
    total: Array | None = None
    # x limbs one at a time: each is a float64 copy of x
    for i, xl in enumerate(_limbs(x, x_bits, x_count)):
        for j, wl in enumerate(w_limbs):
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


def _limb_count(largest: int, bits: int) -> int:
    return max(1, -(-largest.bit_length() // bits))


def _limbs(a: Array, bits: int, count: int) -> Iterator[Array]:
    """a = Σ limb_i · 2^(bits·i), float64 limbs made one at a time: the low ones in
    [0, 2^bits), the top one (signed, floored) within ±2^bits."""
    mask = (1 << bits) - 1
    rest = a
    for _ in range(count - 1):
        yield (rest & mask).astype(np.float64)
        rest = rest >> bits
    yield np.asarray(rest).astype(np.float64)


def max_abs(a: Array) -> int:
    """max|a| as a Python int (0 for an empty array)."""
    if not a.size:
        return 0
    if a.dtype == object:
        return max(abs(int(v)) for v in a.ravel().tolist())
    return max(int(a.max()), -int(a.min()))  # abs(INT64_MIN) would overflow


def _abs_row_sums(w: Array) -> list[int]:
    """Σ|w| per output channel (axis 0), as Python ints."""
    rows = w.reshape(w.shape[0], -1)
    if w.dtype == np.int64 and max_abs(w) * max(1, rows.shape[1]) < INT64_BOUND:
        return [int(v) for v in np.abs(rows).sum(axis=1).tolist()]
    return [sum(abs(int(v)) for v in row) for row in rows.tolist()]
