"""Figures of layers, channel groups and networks, as SVG: the pictures behind `convcalc draw`,
`params --save` and (later) `net --save`.

Each function lays a figure out as data (`convcalc.figures.layout`), from the analysed layer
(`arithmetic.LayerShape`), then writes it as SVG (`convcalc.figures.svg`).  A `Figure` shows
itself in Jupyter (`_repr_svg_`), saves with `.save(path)`, and its text is `.svg`.

    >>> from convcalc.figures import draw_layer
    >>> figure = draw_layer("conv2d", (1, 1, 5, 5), out_channels=1, kernel_size=3, stride=2,
    ...                     padding=1)
    >>> figure.svg.startswith("<?xml")
    True

No numpy and no rich here: `draw_run` reaches numpy only through `convcalc.runs`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from convcalc.figures.layout import Layout

if TYPE_CHECKING:
    from convcalc.arithmetic import LayerShape
    from convcalc.network import Network
    from convcalc.runs import LayerRun
    from convcalc.variants import Comparison

__all__ = [
    "Figure",
    "draw_channels",
    "draw_layer",
    "draw_network",
    "draw_run",
    "draw_variants",
]


@dataclass(frozen=True)
class Figure:
    """A laid-out figure: `.svg` is its SVG text, `.save(path)` writes it, and Jupyter shows
    it inline."""

    layout: Layout

    @cached_property
    def svg(self) -> str:
        from convcalc.figures.svg import write

        return write(self.layout)

    @property
    def width(self) -> float:
        return self.layout.width

    @property
    def height(self) -> float:
        return self.layout.height

    @property
    def frames(self) -> int:
        return len(self.layout.frames)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the SVG (UTF-8) to `path`; OSError if it cannot be written."""
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(self.svg)

    def _repr_svg_(self) -> str:
        return self.svg

    def __str__(self) -> str:
        return self.svg


def _shape_of(kind: str, input_shape: Sequence[int], layer_args: dict[str, Any]) -> LayerShape:
    from convcalc.arithmetic import analyze
    from convcalc.kinds import CONV_FAMILIES, family_and_dims
    from convcalc.specs import make_spec

    family, dims = family_and_dims(kind)
    args = dict(layer_args)
    shape = tuple(input_shape)
    if family in CONV_FAMILIES and "in_channels" not in args:
        # as `convcalc shape`: the channels sit just before the spatial axes
        args["in_channels"] = shape[-dims - 1] if len(shape) > dims else 0
    return analyze(make_spec(kind, **args), shape)


def draw_layer(
    layer: str | LayerShape,
    input_shape: Sequence[int] | None = None,
    *,
    at: int | Sequence[int] | None = None,
    animate: bool = False,
    **layer_args: Any,
) -> Figure:
    """One layer in conv_arithmetic's style, from its shapes.

    `layer` is a kind ("conv2d", "MaxPool1d", ...) with `input_shape` and the layer's PyTorch
    arguments (in_channels defaults to the input's), or an analysed layer
    (`convcalc.analyze(...)`).  `at` marks an output element: its spatial indexes, or every
    index of the output; `animate=True` steps through every output position drawn.
    """
    from convcalc.arithmetic import LayerShape
    from convcalc.errors import InputError
    from convcalc.figures.layer import layer_layout

    if isinstance(layer, LayerShape):
        shape = layer
    else:
        if input_shape is None:
            raise InputError("input_shape: needed with a layer kind")
        shape = _shape_of(layer, input_shape, layer_args)
    return Figure(layer_layout(shape, at, animate=animate))


def draw_run(
    kind: str,
    input: Any,
    weight: Any = None,
    bias: Any = None,
    *,
    at: int | Sequence[int] | None = None,
    animate: bool = False,
    **layer_args: Any,
) -> Figure:
    """One layer with its numbers: `convcalc.run`'s arguments (kind, input, weight, bias and
    the layer's PyTorch arguments), the cells carrying the values and the marked element its
    sum.

    >>> draw_run("conv1d", [1, 2, 3, 4], [1, 2, 3]).layout.description.endswith("= 14")
    True
    """
    from convcalc.figures.layer import layer_layout
    from convcalc.runs import run

    result = run(kind, input, weight, bias, **layer_args)
    values = _values(result, input, weight, bias)
    return Figure(layer_layout(result.shape, at, values, animate=animate))


def _values(result: LayerRun, input: Any, weight: Any, bias: Any) -> Any:
    """A run's numbers as nested lists in PyTorch's batched layout."""
    from convcalc import arrays
    from convcalc.figures.layer import Values
    from convcalc.runs import run

    spec = result.spec
    dims = spec.dims
    x = arrays.torch_input(arrays.to_array(input, "input"), dims, spec.torch_name)
    xb = x.tolist() if result.shape.batched else [x.tolist()]
    w = b = full = None
    if weight is not None:
        # checked by `run` already: the layout text is only for messages
        w = arrays.torch_weight(arrays.to_array(weight, "weight"), dims, "").tolist()
    if bias is not None:
        b = arrays.to_array(bias, "bias").reshape(-1).tolist()
    out = result.output.tolist()
    for _ in range(2 - result.lead):
        out = [out]
    if spec.family == "convtranspose" and any(a.padding[0] for a in result.shape.windows):
        # the uncropped output: the same layer without padding
        args = {
            "stride": spec.stride,  # type: ignore[attr-defined]
            "dilation": spec.dilation,  # type: ignore[attr-defined]
            "output_padding": spec.output_padding,  # type: ignore[attr-defined]
            "groups": spec.groups,  # type: ignore[attr-defined]
        }
        whole = run(spec.kind, input, weight, bias, **args).output.tolist()
        for _ in range(2 - result.lead):
            whole = [whole]
        full = whole
    return Values(xb, w, b, out, result.lead, full)


def draw_channels(
    layer: str | LayerShape, input_shape: Sequence[int] | None = None, **layer_args: Any
) -> Figure:
    """Which input channels feed which output channels of a (transposed) conv: standard,
    grouped or depthwise."""
    from convcalc.arithmetic import LayerShape
    from convcalc.errors import InputError
    from convcalc.figures.channels import channels_layout
    from convcalc.specs import is_conv

    if isinstance(layer, LayerShape):
        spec = layer.spec
    else:
        from convcalc.specs import make_spec

        if input_shape is not None:
            spec = _shape_of(layer, input_shape, layer_args).spec
        else:
            spec = make_spec(layer, **layer_args)
    if not is_conv(spec):
        raise InputError(f"layer: {spec.torch_name} has no channel groups (convolutions have)")
    return Figure(channels_layout(spec))


def draw_variants(comparison: Comparison) -> Figure:
    """`convcalc params`'s variants side by side, each as its chain of channel groups."""
    from convcalc.figures.channels import variants_layout

    return Figure(variants_layout(comparison))


def draw_network(network: Network) -> Figure:
    """An architecture diagram of a chain (`convcalc.summarize(...)`): each feature map a block
    sized by its channels and spatial size (log-scaled), the layer between two maps named,
    flat vectors as bars."""
    from convcalc.figures.network import network_layout

    return Figure(network_layout(network))
