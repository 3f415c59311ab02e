"""The layers `convcalc net` chains besides conv and pooling, by family, and the registry
that binds a constructor call to one.

Each layer is a frozen model named after its PyTorch class, with PyTorch's argument names,
positional order and constructor checks (the argument types of `convcalc.arguments`);
`apply(input_shape)` gives what its forward does to a tensor of that shape, raising
LayerError where PyTorch raises.
"""

from __future__ import annotations

from convcalc.layers.base import Effect, Module, effect_of
from convcalc.layers.lazy import LAZY, Lazy
from convcalc.layers.registry import (
    MODULES,
    SUPPORTED,
    Layer,
    apply,
    buffer_shapes,
    build_layer,
    kind_of,
    layer_from_call,
    materialize,
    parameter_shapes,
    signature,
    state_counts,
    unknown_layer,
)

__all__ = [
    "LAZY",
    "MODULES",
    "SUPPORTED",
    "Effect",
    "Layer",
    "Lazy",
    "Module",
    "apply",
    "buffer_shapes",
    "build_layer",
    "effect_of",
    "kind_of",
    "layer_from_call",
    "materialize",
    "parameter_shapes",
    "signature",
    "state_counts",
    "unknown_layer",
]
