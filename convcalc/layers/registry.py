"""PyTorch class name → layer: the classes `net` knows, and a constructor call bound to one."""

from __future__ import annotations

from convcalc import arithmetic
from convcalc.expressions import SIGNATURES, Call, ExpressionError, bind, spec_from_call
from convcalc.layers.activations import (
    ELU,
    GELU,
    Hardsigmoid,
    Hardswish,
    Identity,
    LeakyReLU,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Tanh,
)
from convcalc.layers.base import Effect, Module, Shape, effect_of
from convcalc.layers.dropout import ChannelDropout, Dropout
from convcalc.layers.linear import Linear
from convcalc.layers.norms import BatchNorm, GroupNorm, InstanceNorm, LayerNorm, LocalResponseNorm
from convcalc.layers.pads import CircularPad, ConstantPad, ReflectionPad, ReplicationPad, ZeroPad
from convcalc.layers.pooling import LPPool
from convcalc.layers.resampling import PixelShuffle, PixelUnshuffle, Upsample
from convcalc.layers.reshape import Flatten, Unflatten
from convcalc.specs import LayerSpec

# in the order error messages list them
_MODULES: tuple[type[Module], ...] = (
    ReLU,
    ReLU6,
    LeakyReLU,
    PReLU,
    ELU,
    GELU,
    SiLU,
    Mish,
    Sigmoid,
    Tanh,
    Hardswish,
    Hardsigmoid,
    Softmax,
    LogSoftmax,
    Identity,
    Dropout,
    ChannelDropout,
    BatchNorm,
    InstanceNorm,
    GroupNorm,
    LayerNorm,
    LocalResponseNorm,
    Flatten,
    Unflatten,
    Linear,
    Upsample,
    PixelShuffle,
    PixelUnshuffle,
    ZeroPad,
    ConstantPad,
    ReflectionPad,
    ReplicationPad,
    CircularPad,
    LPPool,
)
# PyTorch class name → (layer class, dims)
MODULES: dict[str, tuple[type[Module], int | None]] = {}
for _cls in _MODULES:
    if _cls.dimensioned:
        for _d in _cls.dimensioned:
            MODULES[f"{_cls.torch_class}{_d}d"] = (_cls, _d)
    else:
        MODULES[_cls.torch_class] = (_cls, None)

# conv and pooling (convcalc.specs, as `shape` knows them), then the rest
SUPPORTED: tuple[str, ...] = (*SIGNATURES, *MODULES)

Layer = LayerSpec | Module


def layer_from_call(call: Call) -> Layer:
    """The layer for one constructor call; ExpressionError / LayerError if PyTorch would not
    build it (or convcalc does not know it)."""
    name = call.class_name
    if name in SIGNATURES:
        return spec_from_call(call)
    if name not in MODULES:
        raise ExpressionError(f"unknown layer {name!r}; supported: {', '.join(SUPPORTED)}")
    cls, dims = MODULES[name]
    if cls.varargs:
        return cls()
    if len(call.args) > len(cls.positional):
        raise ExpressionError(
            f"{name}: takes at most {len(cls.positional)} positional arguments, got "
            f"{len(call.args)} (line {call.line}, column {call.column})"
        )
    args = bind(call, cls.positional + cls.keyword_only)
    missing = [
        field
        for field, info in cls.model_fields.items()
        if info.is_required() and field not in args and field != "dims"
    ]
    if missing:
        raise ExpressionError(f"{name}: missing required argument {missing[0]}")
    return cls.model_validate({**args, "dims": dims} if dims else args)


def signature(class_name: str) -> tuple[str, ...]:
    """PyTorch's positional parameter order for a supported class name (else ())."""
    if class_name in SIGNATURES:
        return SIGNATURES[class_name]
    cls = MODULES.get(class_name, (None, None))[0]
    return () if cls is None else cls.positional


def apply(layer: Layer, shape: Shape) -> Effect:
    """What `layer` does to an input of `shape`; LayerError where PyTorch refuses."""
    if isinstance(layer, Module):
        return layer.apply(shape)
    if isinstance(layer, LayerSpec):
        return effect_of(arithmetic.analyze(layer, shape))
    raise TypeError(f"not a layer: {layer!r}")  # pragma: no cover


def kind_of(layer: Layer) -> str:
    """The PyTorch class name: Conv2d, BatchNorm2d, ReLU."""
    return layer.torch_name
