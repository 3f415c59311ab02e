"""convcalc: convolution arithmetic exactly as PyTorch computes it, without PyTorch.

One function per command, each returning a record of numbers (every record has `to_json()`);
every refusal raises `ConvcalcError` (a ValueError) with the message the CLI prints.

    >>> from convcalc import analyze, make_spec
    >>> analyze(make_spec("conv2d", in_channels=3, out_channels=64, kernel_size=7, stride=2,
    ...                   padding=3), (1, 3, 224, 224)).output_shape
    (1, 64, 112, 112)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Names are resolved on first use so that `import convcalc` (and so every CLI start,
# including shell completion) does not pay for pydantic or numpy.
_EXPORTS = {
    # layers and the shape arithmetic (`convcalc shape`)
    "AdaptiveAvgPool": "convcalc.specs",
    "AdaptiveMaxPool": "convcalc.specs",
    "AvgPool": "convcalc.specs",
    "Conv": "convcalc.specs",
    "ConvTranspose": "convcalc.specs",
    "LayerSpec": "convcalc.specs",
    "MaxPool": "convcalc.specs",
    "make_spec": "convcalc.specs",
    "parse_kind": "convcalc.specs",
    "Axis": "convcalc.arithmetic",
    "ChannelGroups": "convcalc.arithmetic",
    "LayerShape": "convcalc.arithmetic",
    "WindowAxis": "convcalc.arithmetic",
    "analyze": "convcalc.arithmetic",
    # `convcalc params`
    "Comparison": "convcalc.variants",
    "compare": "convcalc.variants",
    # `convcalc run`
    "LayerRun": "convcalc.runs",
    "run": "convcalc.runs",
    "run_layer": "convcalc.execute",
    # `convcalc net`
    "Network": "convcalc.network",
    "summarize": "convcalc.network",
    # `convcalc solve`
    "NoSolution": "convcalc.solve",
    "solve_inputs": "convcalc.solve",
    "solve_layer": "convcalc.solve",
    "solve_padding": "convcalc.solve",
    "solve_transpose": "convcalc.solve",
    # `convcalc draw` and the figures of params and net
    "Figure": "convcalc.figures",
    "draw_channels": "convcalc.figures",
    "draw_layer": "convcalc.figures",
    "draw_network": "convcalc.figures",
    "draw_run": "convcalc.figures",
    "draw_variants": "convcalc.figures",
    # errors
    "ConvcalcError": "convcalc.errors",
    "InputError": "convcalc.errors",
    "LayerError": "convcalc.errors",
}

__all__ = [
    "AdaptiveAvgPool",
    "AdaptiveMaxPool",
    "AvgPool",
    "Axis",
    "ChannelGroups",
    "Comparison",
    "Conv",
    "ConvTranspose",
    "ConvcalcError",
    "Figure",
    "InputError",
    "LayerError",
    "LayerRun",
    "LayerShape",
    "LayerSpec",
    "MaxPool",
    "Network",
    "NoSolution",
    "WindowAxis",
    "__version__",
    "analyze",
    "compare",
    "draw_channels",
    "draw_layer",
    "draw_network",
    "draw_run",
    "draw_variants",
    "make_spec",
    "parse_kind",
    "run",
    "run_layer",
    "solve_inputs",
    "solve_layer",
    "solve_padding",
    "solve_transpose",
    "summarize",
]

if TYPE_CHECKING:
    from convcalc.arithmetic import Axis, ChannelGroups, LayerShape, WindowAxis, analyze
    from convcalc.errors import ConvcalcError, InputError, LayerError
    from convcalc.execute import run_layer
    from convcalc.figures import (
        Figure,
        draw_channels,
        draw_layer,
        draw_network,
        draw_run,
        draw_variants,
    )
    from convcalc.network import Network, summarize
    from convcalc.runs import LayerRun, run
    from convcalc.solve import (
        NoSolution,
        solve_inputs,
        solve_layer,
        solve_padding,
        solve_transpose,
    )
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
    from convcalc.variants import Comparison, compare


def _lazy_getattr(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A package's module `__getattr__` (PEP 562): each name in `exports` is imported from
    its module when first asked for (convcalc's and convcalc.solve's names)."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    return __getattr__


__getattr__ = _lazy_getattr("convcalc", _EXPORTS)
