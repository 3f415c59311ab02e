"""The NumPy engine behind `convcalc run`: a layer applied to arrays, as PyTorch computes it.

Layout is PyTorch's: input (N, C, *spatial) or unbatched (C, *spatial); conv weight
(C_out, C_in/G, *k), transposed (C_in, C_out/G, *k); bias (C_out,).  Every kernel reads the
analysed layer (`arithmetic.analyze`), and the output's shape is always its output_shape.
Integer inputs give exact results (`_exact`); float inputs compute in float64 (summation
order, hence the last bits, may differ from torch).  benchmarks/bench_run.py times it.
"""

from __future__ import annotations

import numbers
from typing import Any

# only `convcalc run` imports this package, so numpy stays off every other command's start-up
import numpy as np  # noqa: TID253

from convcalc.arithmetic import LayerShape, analyze
from convcalc.errors import InputError
from convcalc.execute import convolution, pooling
from convcalc.execute._exact import INT64_BOUND, INT64_MIN, Array, SlowPathWarning
from convcalc.notation import shape_text
from convcalc.specs import (
    AdaptiveAvgPool,
    AdaptiveMaxPool,
    AvgPool,
    Conv,
    ConvTranspose,
    LayerSpec,
    MaxPool,
)

__all__ = ["SlowPathWarning", "as_numbers", "run_layer"]


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
    if all(INT64_MIN <= v < INT64_BOUND for v in values):
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
        raise InputError(
            f"weight: {spec.torch_call()} needs a weight of shape {shape_text(expected, 'python')}"
        )
    w = as_numbers(weight, "weight")
    if w.shape != expected:
        raise InputError(
            f"weight: {spec.torch_call()} expects a weight of shape "
            f"{shape_text(expected, 'python')} {layout}, got {shape_text(w.shape, 'python')}"
        )
    if bias is None:
        return w, None
    if shape.bias_shape is None:
        raise InputError(f"bias: {spec.torch_call()} has bias=False, but a bias was given")
    b = as_numbers(bias, "bias")
    if b.shape != shape.bias_shape:
        raise InputError(
            f"bias: {spec.torch_call()} expects a bias of shape "
            f"{shape_text(shape.bias_shape, 'python')}, got {shape_text(b.shape, 'python')}"
        )
    return w, b


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
            y = convolution.conv(spec, shape, xb, w, b, exact)
        else:
            y = convolution.conv_transpose(shape, xb, w, b, exact)
        return y if shape.batched else y[0]
    if isinstance(spec, MaxPool):
        return pooling.max_pool(shape, x)
    if isinstance(spec, AvgPool):
        return pooling.avg_pool(spec, shape, x, exact)
    assert isinstance(spec, AdaptiveAvgPool | AdaptiveMaxPool)
    return pooling.adaptive_pool(spec, shape, x, exact)
