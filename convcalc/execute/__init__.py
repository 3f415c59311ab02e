"""The NumPy engine behind `convcalc run`: a layer applied to arrays, as PyTorch computes it.

Layout is PyTorch's: input (N, C, *spatial) or unbatched (C, *spatial); conv weight
(C_out, C_in/G, *k), transposed (C_in, C_out/G, *k); bias (C_out,).  Every kernel reads the
analysed layer (`arithmetic.analyze`), and the output's shape is always its output_shape.
Integer inputs give exact results (`_exact`); float inputs compute in float64 (summation
order, hence the last bits, may differ from torch).  benchmarks/bench_run.py times it.
Before any array is made, `check` holds the layer's sizes and work against `bounds`.
"""

from __future__ import annotations

import math
import numbers
from functools import lru_cache
from typing import Any

# only `convcalc run` imports this package, so numpy stays off every other command's start-up
import numpy as np  # noqa: TID253

from convcalc.arithmetic import LayerShape, analyze
from convcalc.errors import InputError
from convcalc.execute import bounds, convolution, pooling
from convcalc.execute._exact import INT64_BOUND, INT64_MIN, Array, SlowPathWarning
from convcalc.execute.bounds import BoundError
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

__all__ = ["BoundError", "SlowPathWarning", "as_numbers", "check", "run_layer"]


def run_layer(spec: LayerSpec, x: Any, weight: Any | None = None, bias: Any | None = None) -> Array:
    """`spec` applied to `x` (and its weight and bias), exactly as PyTorch would compute it.

    Integer inputs give int64 (when the result provably fits) or an object array of Python
    ints; integer avg pools give an object array of Fractions; anything float gives float64.
    Raises LayerError for a layer PyTorch refuses, InputError for unusable arrays, and
    BoundError (an InputError) for a run beyond `bounds`, before any work.
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
    way = check(shape, exact)
    if not exact:
        x = _to_float(x, "input")
        w = None if w is None else _to_float(w, "weight")
        b = None if b is None else _to_float(b, "bias")
    result = _compute(spec, shape, way, x, w, b, exact)
    if result.shape != shape.output_shape:  # pragma: no cover - a bug, never the user's input
        raise AssertionError(f"computed {result.shape}, expected {shape.output_shape}")
    return result


def check(shape: LayerShape, exact: bool = False) -> convolution.Plan | None:
    """Refuse a run beyond `bounds` (BoundError), from the analysed layer alone: its output,
    and for convolutions the method's buffer and work (returned as the plan), for pools the
    window elements read and, for `exact` (integer) averages, their Fractions.  What depends
    on the values (limbs, Python ints) is checked where they are known."""
    return _check(shape.spec, shape.input_shape, exact)


@lru_cache(maxsize=1024)  # a layer is planned once: run_layer's fixed cost stays small
def _check(spec: LayerSpec, input_shape: tuple[int, ...], exact: bool) -> convolution.Plan | None:
    shape = analyze(spec, input_shape)
    name = spec.torch_name
    output = shape_text(shape.output_shape, "python")
    bounds.check_elements("the output", shape.output_shape, param=name)
    if isinstance(spec, Conv | ConvTranspose):
        way = convolution.plan(shape)
        what = {
            "padded": "the padded input",
            "grid": "the padded input",
            "phases": "the zero-extended input of a phase",
        }.get(way.method, "")
        if way.buffer:
            bounds.check_elements(what, way.buffer, param=name)
        bounds.check_multiply_adds(way.multiply_adds, f"computing the output {output}", name)
        return way
    bounds.check_window_reads(pooling.reads(shape), f"computing the output {output}", name)
    if exact and isinstance(spec, AvgPool | AdaptiveAvgPool):
        bounds.check_python_work(
            bounds.fraction_units(math.prod(shape.output_shape)),
            f"integer averages are exact Fractions, one per element of the output {output} "
            "(float input gives float64)",
            name,
        )
    return None


def as_numbers(value: Any, name: str) -> Array:
    """int64, float64, or (integers beyond int64) an object array of Python ints."""
    array = np.asarray(value)
    bounds.check_elements("the array", array.shape, param=name)
    if array.dtype.kind == "f" and not isinstance(value, np.ndarray):
        # NumPy reads nested lists mixing ints with ints past int64 as float64, losing digits
        objects = np.asarray(value, dtype=object)
        if objects.size and all(isinstance(v, numbers.Integral) for v in objects.flat):
            array = objects
    kind = array.dtype.kind
    if kind in "bi" or (kind == "u" and (array.dtype.itemsize < 8 or not array.size)):
        return array.astype(np.int64, copy=False)
    if kind == "u":
        if int(array.max()) < INT64_BOUND:
            return array.astype(np.int64)
        check_python_ints(array.size, name)
        return _python_ints(array.ravel().tolist(), array.shape)
    if kind == "f":
        return array.astype(np.float64, copy=False)
    if kind == "O":
        check_python_ints(array.size, name)
        items = array.ravel().tolist()
        if all(isinstance(v, numbers.Integral) for v in items):
            return _python_ints(items, array.shape)
        if all(isinstance(v, numbers.Real) for v in items):
            return _to_float(array, name)
    raise InputError(f"{name}: values must be integers or real numbers, got dtype {array.dtype}")


def check_python_ints(count: int, name: str) -> None:
    """Refuse turning `count` values into Python ints (values beyond int64) past the bound."""
    bounds.check_python_work(
        bounds.python_units(count, 64),
        f"{count:,} values held as Python ints (beyond int64, or given as objects)",
        name,
    )


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
    spec: LayerSpec,
    shape: LayerShape,
    way: convolution.Plan | None,
    x: Array,
    w: Array | None,
    b: Array | None,
    exact: bool,
) -> Array:
    out_shape = shape.output_shape
    fractions = exact and isinstance(spec, AvgPool | AdaptiveAvgPool)
    if 0 in out_shape:
        dtype = object if fractions else (np.int64 if exact else np.float64)
        return np.zeros(out_shape, dtype=dtype)
    if isinstance(spec, Conv | ConvTranspose):
        assert w is not None
        assert way is not None
        xb = x if shape.batched else x[None]
        if isinstance(spec, Conv):
            y = convolution.conv(spec, shape, way, xb, w, b, exact)
        else:
            y = convolution.conv_transpose(shape, way, xb, w, b, exact)
        return y if shape.batched else y[0]
    if isinstance(spec, MaxPool):
        return pooling.max_pool(shape, x)
    if isinstance(spec, AvgPool):
        return pooling.avg_pool(spec, shape, x, exact)
    assert isinstance(spec, AdaptiveAvgPool | AdaptiveMaxPool)
    return pooling.adaptive_pool(spec, shape, x, exact)
