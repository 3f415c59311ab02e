"""convcalc: convolution arithmetic exactly as PyTorch computes it, without PyTorch.

The Python API mirrors the CLI's layers: build a spec, ask the arithmetic about it.

    >>> from convcalc import Conv, analyze
    >>> analyze(Conv(dims=2, in_channels=3, out_channels=64, kernel_size=7, stride=2,
    ...              padding=3), (1, 3, 224, 224)).output_shape
    (1, 64, 112, 112)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Names are resolved on first use so that `import convcalc` (and so every CLI start,
# including shell completion) does not pay for pydantic.
_EXPORTS = {
    "Axis": "convcalc.arithmetic",
    "LayerShape": "convcalc.arithmetic",
    "analyze": "convcalc.arithmetic",
    "ConvcalcError": "convcalc.errors",
    "LayerError": "convcalc.errors",
    "InputError": "convcalc.errors",
    "AdaptiveAvgPool": "convcalc.specs",
    "AdaptiveMaxPool": "convcalc.specs",
    "AvgPool": "convcalc.specs",
    "Conv": "convcalc.specs",
    "ConvTranspose": "convcalc.specs",
    "LayerSpec": "convcalc.specs",
    "MaxPool": "convcalc.specs",
    "make_spec": "convcalc.specs",
    "parse_kind": "convcalc.specs",
}

__all__ = [
    "AdaptiveAvgPool",
    "AdaptiveMaxPool",
    "AvgPool",
    "Axis",
    "Conv",
    "ConvTranspose",
    "ConvcalcError",
    "InputError",
    "LayerError",
    "LayerShape",
    "LayerSpec",
    "MaxPool",
    "__version__",
    "analyze",
    "make_spec",
    "parse_kind",
]

if TYPE_CHECKING:
    from convcalc.arithmetic import Axis, LayerShape, analyze
    from convcalc.errors import ConvcalcError, InputError, LayerError
    from convcalc.specs import (
        AdaptiveAvgPool,
        AdaptiveMaxPool,
        AvgPool,
        Conv,
        ConvTranspose,
        LayerSpec,
        MaxPool,
        make_spec,
        parse_kind,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'convcalc' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
