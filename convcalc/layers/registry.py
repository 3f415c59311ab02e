"""PyTorch class name → layer: the classes `net` knows, and a constructor call bound to one."""

from __future__ import annotations

import difflib
import importlib
import math
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from convcalc import arithmetic
from convcalc.expressions import SIGNATURES, Call, ExpressionError, bind, spec_from_call
from convcalc.layers.base import Effect, Module, Shape, effect_of
from convcalc.layers.lazy import LAZY, Lazy
from convcalc.specs import LayerSpec, is_conv, make_spec

# PyTorch class name → (module of convcalc.layers, class, dims), in the order error messages
# list them.  Written out so that a call imports only the families it names: defining the
# ~60 layer classes costs ~75 ms, a whole `net` call's worth of start-up
# (tests/test_net_layers.py checks the table against the classes themselves).
_WHERE: dict[str, tuple[str, str, int | None]] = {
    "ReLU": ("relu", "ReLU", None),
    "ReLU6": ("rectifiers", "ReLU6", None),
    "LeakyReLU": ("rectifiers", "LeakyReLU", None),
    "PReLU": ("rectifiers", "PReLU", None),
    "RReLU": ("rectifiers", "RReLU", None),
    "ELU": ("rectifiers", "ELU", None),
    "CELU": ("rectifiers", "CELU", None),
    "SELU": ("rectifiers", "SELU", None),
    "GELU": ("rectifiers", "GELU", None),
    "SiLU": ("rectifiers", "SiLU", None),
    "Mish": ("rectifiers", "Mish", None),
    "Sigmoid": ("activations", "Sigmoid", None),
    "LogSigmoid": ("activations", "LogSigmoid", None),
    "Tanh": ("activations", "Tanh", None),
    "Hardtanh": ("activations", "Hardtanh", None),
    "Hardswish": ("rectifiers", "Hardswish", None),
    "Hardsigmoid": ("rectifiers", "Hardsigmoid", None),
    "Hardshrink": ("activations", "Hardshrink", None),
    "Softshrink": ("activations", "Softshrink", None),
    "Tanhshrink": ("activations", "Tanhshrink", None),
    "Softsign": ("activations", "Softsign", None),
    "Softplus": ("activations", "Softplus", None),
    "Threshold": ("activations", "Threshold", None),
    "GLU": ("activations", "GLU", None),
    "Softmax": ("activations", "Softmax", None),
    "Softmin": ("activations", "Softmin", None),
    "Softmax2d": ("activations", "Softmax2d", None),
    "LogSoftmax": ("activations", "LogSoftmax", None),
    "Identity": ("activations", "Identity", None),
    "Dropout": ("dropout", "Dropout", None),
    "Dropout1d": ("dropout", "ChannelDropout", 1),
    "Dropout2d": ("dropout", "ChannelDropout", 2),
    "Dropout3d": ("dropout", "ChannelDropout", 3),
    "AlphaDropout": ("dropout", "AlphaDropout", None),
    "FeatureAlphaDropout": ("dropout", "FeatureAlphaDropout", None),
    "BatchNorm1d": ("norms", "BatchNorm", 1),
    "BatchNorm2d": ("norms", "BatchNorm", 2),
    "BatchNorm3d": ("norms", "BatchNorm", 3),
    "SyncBatchNorm": ("norms", "SyncBatchNorm", None),
    "InstanceNorm1d": ("norms", "InstanceNorm", 1),
    "InstanceNorm2d": ("norms", "InstanceNorm", 2),
    "InstanceNorm3d": ("norms", "InstanceNorm", 3),
    "GroupNorm": ("norms", "GroupNorm", None),
    "LayerNorm": ("norms", "LayerNorm", None),
    "RMSNorm": ("norms", "RMSNorm", None),
    "LocalResponseNorm": ("norms", "LocalResponseNorm", None),
    "CrossMapLRN2d": ("norms", "CrossMapLRN2d", None),
    "Flatten": ("reshape", "Flatten", None),
    "Unflatten": ("reshape", "Unflatten", None),
    "Linear": ("linear", "Linear", None),
    "Upsample": ("resampling", "Upsample", None),
    "UpsamplingNearest2d": ("resampling", "UpsamplingNearest2d", None),
    "UpsamplingBilinear2d": ("resampling", "UpsamplingBilinear2d", None),
    "PixelShuffle": ("resampling", "PixelShuffle", None),
    "PixelUnshuffle": ("resampling", "PixelUnshuffle", None),
    "ChannelShuffle": ("resampling", "ChannelShuffle", None),
    "Unfold": ("resampling", "Unfold", None),
    "Fold": ("resampling", "Fold", None),
    "ZeroPad1d": ("pads", "ZeroPad", 1),
    "ZeroPad2d": ("pads", "ZeroPad", 2),
    "ZeroPad3d": ("pads", "ZeroPad", 3),
    "ConstantPad1d": ("pads", "ConstantPad", 1),
    "ConstantPad2d": ("pads", "ConstantPad", 2),
    "ConstantPad3d": ("pads", "ConstantPad", 3),
    "ReflectionPad1d": ("pads", "ReflectionPad", 1),
    "ReflectionPad2d": ("pads", "ReflectionPad", 2),
    "ReflectionPad3d": ("pads", "ReflectionPad", 3),
    "ReplicationPad1d": ("pads", "ReplicationPad", 1),
    "ReplicationPad2d": ("pads", "ReplicationPad", 2),
    "ReplicationPad3d": ("pads", "ReplicationPad", 3),
    "CircularPad1d": ("pads", "CircularPad", 1),
    "CircularPad2d": ("pads", "CircularPad", 2),
    "CircularPad3d": ("pads", "CircularPad", 3),
    "LPPool1d": ("pooling", "LPPool", 1),
    "LPPool2d": ("pooling", "LPPool", 2),
    "LPPool3d": ("pooling", "LPPool", 3),
    "FractionalMaxPool2d": ("pooling", "FractionalMaxPool", 2),
    "FractionalMaxPool3d": ("pooling", "FractionalMaxPool", 3),
    "MaxUnpool1d": ("pooling", "MaxUnpool", 1),
    "MaxUnpool2d": ("pooling", "MaxUnpool", 2),
    "MaxUnpool3d": ("pooling", "MaxUnpool", 3),
}


class _Modules(Mapping[str, tuple[type[Module], int | None]]):
    """PyTorch class name → (layer class, dims), each family imported when first asked."""

    def __getitem__(self, name: str) -> tuple[type[Module], int | None]:
        module, cls, dims = _WHERE[name]
        found = getattr(importlib.import_module(f"convcalc.layers.{module}"), cls)
        return found, dims

    def __contains__(self, name: object) -> bool:
        return name in _WHERE

    def __iter__(self) -> Iterator[str]:
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)


MODULES = _Modules()

# conv and pooling (convcalc.specs, as `shape` knows them), then the rest, then the Lazy ones
SUPPORTED: tuple[str, ...] = (*SIGNATURES, *MODULES, *LAZY)

Layer = LayerSpec | Module | Lazy


def unknown_layer(name: str) -> ExpressionError:
    """'unknown layer' with the closest names convcalc knows, as click suggests commands."""
    by_lower = {known.lower(): known for known in SUPPORTED}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=3, cutoff=0.6)
    hint = (
        f"; did you mean {' or '.join(by_lower[c] for c in close)}?"
        if close
        else f" (convcalc knows {len(SUPPORTED)} torch.nn layers; the README lists them)"
    )
    return ExpressionError(f"unknown layer {name!r}{hint}")


_BUILT: dict[object, Layer] = {}  # layers are frozen: one per distinct call, however often
_MAX_BUILT = 4096


def layer_from_call(call: Call) -> Layer:
    """The layer for one constructor call; ExpressionError / LayerError if PyTorch would not
    build it (or convcalc does not know it).  A model repeats its layers (ResNet-50: 161
    layers, 30 distinct), so each distinct call is validated once."""
    # repr tells 1, 1.0 and True apart, as the argument types do
    key = (call.class_name, repr(call.args), repr(call.kwargs))
    layer = _BUILT.get(key)
    if layer is None:
        layer = _layer_from_call(call)
        if len(_BUILT) >= _MAX_BUILT:
            _BUILT.clear()
        _BUILT[key] = layer
    return layer


def _layer_from_call(call: Call) -> Layer:
    name = call.class_name
    if name in SIGNATURES:
        return spec_from_call(call)
    if name in LAZY:
        return _lazy_from_call(call)
    if name not in MODULES:
        raise unknown_layer(name)
    cls = MODULES[name][0]
    if cls.varargs:
        return cls()
    if len(call.args) > len(cls.positional):
        raise ExpressionError(
            f"{name}: takes at most {len(cls.positional)} positional arguments, got "
            f"{len(call.args)} (line {call.line}, column {call.column})"
        )
    args = bind(call, cls.positional + cls.keyword_only)
    return build_layer(name, args)


def build_layer(name: str, args: dict[str, Any]) -> Layer:
    """The layer `name` (a class `net` knows, not a Lazy one) from keyword arguments."""
    if name in SIGNATURES:
        return make_spec(name, **args)
    cls, dims = MODULES[name]
    if cls.varargs:
        return cls()
    missing = [
        field
        for field, info in cls.model_fields.items()
        if info.is_required() and field not in args and field != "dims"
    ]
    if missing:
        raise ExpressionError(f"{name}: missing required argument {missing[0]}")
    return cls.model_validate({**args, "dims": dims} if dims else args)


def _lazy_from_call(call: Call) -> Lazy:
    name = call.class_name
    kind = LAZY[name]
    if len(call.args) > len(kind.positional):
        raise ExpressionError(
            f"{name}: takes at most {len(kind.positional)} positional arguments, got "
            f"{len(call.args)} (line {call.line}, column {call.column})"
        )
    args = bind(call, kind.positional + kind.keyword_only)
    lazy = Lazy(name, tuple(args.items()))
    # PyTorch's constructor checks everything but the missing size now: so do we, with a
    # stand-in size that passes its own checks (groups divides it)
    groups = args.get("groups", 1)
    build_layer(kind.target, lazy.keywords(groups if isinstance(groups, int) and groups > 0 else 1))
    return lazy


def materialize(layer: Layer, shape: Shape) -> LayerSpec | Module:
    """`layer` as it is after its first forward on `shape`: a Lazy one becomes its class."""
    if not isinstance(layer, Lazy):
        return layer
    built = build_layer(layer.kind.target, layer.keywords(layer.size_from(shape)))
    assert not isinstance(built, Lazy)
    return built


def signature(class_name: str) -> tuple[str, ...]:
    """PyTorch's positional parameter order for a supported class name (else ())."""
    if class_name in SIGNATURES:
        return SIGNATURES[class_name]
    if class_name in LAZY:
        return LAZY[class_name].positional
    return MODULES[class_name][0].positional if class_name in MODULES else ()


def apply(layer: Layer, shape: Shape) -> Effect:
    """What `layer` does to an input of `shape`; LayerError where PyTorch refuses."""
    if isinstance(layer, Lazy):
        layer = materialize(layer, shape)
    return _apply(layer, tuple(shape))


@lru_cache(maxsize=4096)  # layers are frozen: a repeated layer on a repeated shape is free
def _apply(layer: LayerSpec | Module, shape: Shape) -> Effect:
    if isinstance(layer, Module):
        return layer.apply(shape)
    if isinstance(layer, LayerSpec):
        return effect_of(arithmetic.analyze(layer, shape))
    raise TypeError(f"not a layer: {layer!r}")  # pragma: no cover


def kind_of(layer: Layer) -> str:
    """The PyTorch class name: Conv2d, BatchNorm2d, ReLU."""
    return layer.torch_name


def parameter_shapes(layer: Layer) -> dict[str, Shape]:
    """The parameters its constructor creates, by name (`weight`, `bias`), known without input;
    a Lazy layer has none yet."""
    if isinstance(layer, Lazy):
        return {}
    if isinstance(layer, Module):
        return layer.parameter_shapes()
    if is_conv(layer):
        w = arithmetic.weights(layer)
        return {"weight": w.weight_shape} | ({"bias": w.bias_shape} if w.bias_shape else {})
    return {}


def buffer_shapes(layer: Layer) -> dict[str, Shape]:
    """Its buffers by name (BatchNorm's running_mean, running_var, num_batches_tracked)."""
    return layer.buffer_shapes() if isinstance(layer, Module) else {}


def state_counts(layer: Layer) -> tuple[int, int]:
    """(parameters, buffers) as `model.parameters()` / `model.buffers()` count them."""
    params = sum(math.prod(s) for s in parameter_shapes(layer).values())
    buffers = sum(math.prod(s) for s in buffer_shapes(layer).values())
    return params, buffers
