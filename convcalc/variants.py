"""One conv or transposed-conv layer and its cheaper cousins: grouped, depthwise, separable.

`compare(spec)` builds each variant as a chain of layer specs of the user's family (a
transposed layer's variants are built from ConvTranspose layers only), counts its parameters
without an input, and — given an input shape — runs the chain through `arithmetic.analyze`
for the output shape and MACs.  Every chain keeps the user's stride, padding, dilation and
output_padding in exactly one place per axis, and its 1×1 layers keep every size, so its
output has the standard layer's spatial size.
"""

# No `from __future__ import annotations`: typing.NamedTuple would compile the text of
# every record field's annotation each time the module is imported.
import math
from typing import TYPE_CHECKING, NamedTuple, TypeAlias

from convcalc import padding as padding_rules
from convcalc.arithmetic import analyze, weights
from convcalc.errors import LayerError
from convcalc.specs import Conv, expand

if TYPE_CHECKING:
    from convcalc.specs import ConvTranspose

# text, so that a conv's call never defines ConvTranspose (its variants are of its own
# class); the two record fields annotated with it compile that text (~7 µs each)
Layer: TypeAlias = "Conv | ConvTranspose"

# MobileNetV2's expansion factor t and ResNet's bottleneck width (out_channels / 4).
DEFAULT_EXPANSION = 6
BOTTLENECK_REDUCTION = 4


class LayerCount(NamedTuple):
    """One layer of a variant: its parameters, PyTorch's init bound and, with an input, its
    output shape and MACs."""

    spec: Layer
    weight_shape: tuple[int, ...]
    weights: int
    biases: int
    fan_in: int
    init_bound: float | None  # kaiming_uniform_(a=√5) and the bias: U(−b, b), b = 1/√fan_in
    output_shape: tuple[int, ...] | None = None
    macs: int | None = None

    @property
    def params(self) -> int:
        return self.weights + self.biases

    def to_json(self) -> dict[str, object]:
        return {
            "layer": self.spec.torch_call(),
            "weight_shape": list(self.weight_shape),
            "weights": self.weights,
            "biases": self.biases,
            "params": self.params,
            "fan_in": self.fan_in,
            "init_bound": self.init_bound,
            "output_shape": None if self.output_shape is None else list(self.output_shape),
            "macs": self.macs,
        }


class Variant(NamedTuple):
    """A named way to build the layer: its chain of layers and their totals."""

    name: str
    description: str
    channels: tuple[int, ...]  # channel count before the first layer and after each layer
    layers: tuple[LayerCount, ...]
    ratio: float | None  # params / the standard layer's (None if that has none: kernel 0)
    macs: int | None
    macs_ratio: float | None
    output_shape: tuple[int, ...] | None
    note: str | None = None  # why output_shape is missing, or how it differs from standard's

    @property
    def weights(self) -> int:
        return sum(layer.weights for layer in self.layers)

    @property
    def biases(self) -> int:
        return sum(layer.biases for layer in self.layers)

    @property
    def params(self) -> int:
        return self.weights + self.biases

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "layers": [layer.spec.torch_call() for layer in self.layers],
            "params": self.params,
            "weights": self.weights,
            "biases": self.biases,
            "ratio": self.ratio,
            "macs": self.macs,
            "macs_ratio": self.macs_ratio,
            "output_shape": None if self.output_shape is None else list(self.output_shape),
            "channels": list(self.channels),
            "description": self.description,
            "note": self.note,
            "per_layer": [layer.to_json() for layer in self.layers],
        }


class Comparison(NamedTuple):
    """All variants of one layer, the standard one first, and those that do not apply."""

    layer: Layer  # as the user gave it (with their groups)
    input_shape: tuple[int, ...] | None
    variants: tuple[Variant, ...]
    skipped: tuple[tuple[str, str], ...]  # (variant name, reason)

    @property
    def standard(self) -> Variant:
        return self.variants[0]

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.layer.kind,
            "layer": self.layer.torch_call(),
            "input_shape": None if self.input_shape is None else list(self.input_shape),
            "variants": [variant.to_json() for variant in self.variants],
            "skipped": [{"name": name, "reason": reason} for name, reason in self.skipped],
        }


def count_layer(spec: Layer) -> LayerCount:
    """Weight and bias counts and the init bound, as the PyTorch constructor makes them."""
    made = weights(spec)
    return LayerCount(
        spec=spec,
        weight_shape=made.weight_shape,
        weights=math.prod(made.weight_shape),
        biases=spec.out_channels if spec.bias else 0,
        fan_in=made.fan_in,
        init_bound=made.init_bound,
    )


def _with(spec: Layer, **changes: object) -> Layer:
    """The same layer with some arguments changed, validated again."""
    return type(spec).model_validate({**spec.model_dump(), **changes})


def _pointwise(spec: Layer, in_channels: int, out_channels: int) -> Layer:
    """A 1×1 layer of the same family: every spatial size is kept."""
    return type(spec).model_validate(
        {
            "dims": spec.dims,
            "in_channels": in_channels,
            "out_channels": out_channels,
            "kernel_size": 1,
            "bias": spec.bias,
        }
    )


def _padding_entries(spec: Layer) -> tuple[tuple[int, int], ...]:
    assert not isinstance(spec.padding, str)
    mode = spec.padding_mode if isinstance(spec, Conv) else "zeros"
    return padding_rules.conv_entries(spec.padding, spec.dims, mode)


def _split_channel_padding(spec: Layer) -> tuple[dict[str, object], dict[str, object]]:
    """Changes for a 1×1 layer put before `spec`'s k×k layer, and for that k×k layer, so that
    a padding F.pad applies to the channel axis still pads the variant's input."""
    if not isinstance(spec, Conv) or isinstance(spec.padding, str):
        return {}, {}
    entries = _padding_entries(spec)
    if all(axis >= 0 for axis, _ in entries):
        return {}, {}
    first = tuple(p if axis < 0 else 0 for axis, p in entries)
    rest = tuple(0 if axis < 0 else p for axis, p in entries)
    return (
        {"padding": first, "padding_mode": spec.padding_mode} if any(first) else {},
        {"padding": rest} if any(rest) else {"padding": 0, "padding_mode": "zeros"},
    )


def _default_or_tuple(values: list[int], default: int) -> int | tuple[int, ...]:
    # print stride=1 rather than stride=(1, 1): same layer, shorter call
    return default if all(v == default for v in values) else tuple(values)


def _kernel_text(kernel: tuple[int, ...]) -> str:
    return "×".join(map(str, kernel))


def _spatial_factors(spec: Layer) -> list[Layer] | str:
    """One layer per axis whose kernel is > 1, with that axis's kernel, stride, padding,
    dilation (and output_padding) and 1 / 0 elsewhere.  Axes whose kernel is already 1 keep
    their stride and padding in the first layer.  Each axis is so transformed exactly once,
    as in the standard layer.  A str is the reason there is nothing to factorise."""
    dims = spec.dims
    kernel = expand(spec.kernel_size, dims)
    stride = expand(spec.stride, dims)
    dilation = expand(spec.dilation, dims)
    entries = None if isinstance(spec.padding, str) else _padding_entries(spec)
    out_pad = None if isinstance(spec, Conv) else expand(spec.output_padding, dims)
    if dims == 1:
        return "a 1-D kernel has a single axis"
    factored = [i for i in range(dims) if kernel[i] > 1]
    if len(factored) < 2:
        return f"the kernel {_kernel_text(kernel)} is > 1 on fewer than 2 axes"
    # Inception v3's 1×7 then 7×1 runs at the narrower width (c7 → c7 → 192): the cheapest
    # chain C1 → m → … → C2 has m = min(C1, C2).
    width = min(spec.in_channels, spec.out_channels)
    layers = []
    for n, axis in enumerate(factored):
        mine = [i == axis or (n == 0 and kernel[i] == 1) for i in range(dims)]
        changes: dict[str, object] = {
            "kernel_size": tuple(kernel[i] if mine[i] else 1 for i in range(dims)),
            "stride": _default_or_tuple([stride[i] if mine[i] else 1 for i in range(dims)], 1),
            "dilation": _default_or_tuple([dilation[i] if mine[i] else 1 for i in range(dims)], 1),
            "in_channels": width if n else spec.in_channels,
            "out_channels": spec.out_channels if n == len(factored) - 1 else width,
            "groups": 1,
        }
        if entries is None:
            changes["padding"] = spec.padding  # 'same' / 'valid': 0 where the kernel is 1
        else:
            # an entry off the spatial axes (F.pad reaching the channels) goes first, too
            pads = [p if (mine[i] if i >= 0 else n == 0) else 0 for i, p in entries]
            if not any(pads):
                changes["padding"] = 0
                if isinstance(spec, Conv):
                    changes["padding_mode"] = "zeros"  # nothing to pad: the mode changes nothing
            elif len(pads) == dims:
                changes["padding"] = _default_or_tuple(pads, 0)
            else:
                changes["padding"] = tuple(pads)  # F.pad's reading needs the same length
        if out_pad is not None:
            changes["output_padding"] = _default_or_tuple(
                [out_pad[i] if mine[i] else 0 for i in range(dims)], 0
            )
        layers.append(_with(spec, **changes))
    return layers


def _check_at_least_one(name: str, value: int) -> None:
    if value < 1:
        raise LayerError(f"{name}: must be ≥ 1, got {value}")


def compare(
    layer: Layer,
    *,
    depth_multiplier: int = 1,
    bottleneck_width: int | None = None,
    expansion: int = DEFAULT_EXPANSION,
    input_shape: tuple[int, ...] | None = None,
) -> Comparison:
    """The standard layer (groups=1), `layer` itself if grouped, and its factorisations."""
    standard = _with(layer, groups=1)
    # the input's own complaints (rank, channels) come first: they explain a 0 in_channels
    standard_result = None if input_shape is None else analyze(standard, tuple(input_shape))
    c1, c2 = layer.in_channels, layer.out_channels
    _check_at_least_one("in_channels", c1)
    _check_at_least_one("out_channels", c2)
    _check_at_least_one("depth_multiplier", depth_multiplier)
    _check_at_least_one("expansion", expansion)
    width = max(1, c2 // BOTTLENECK_REDUCTION) if bottleneck_width is None else bottleneck_width
    _check_at_least_one("bottleneck_width", width)
    dw_out = c1 * depth_multiplier
    hidden = c1 * expansion
    k = _kernel_text(expand(layer.kernel_size, layer.dims))
    ones = _kernel_text((1,) * layer.dims)

    chains: list[tuple[str, str, list[Layer]]] = [("standard", f"the plain {k} layer", [standard])]
    skipped: list[tuple[str, str]] = []
    if layer.groups > 1:
        chains.append(
            (
                "grouped",
                f"groups={layer.groups}: each output channel sees {c1 // layer.groups} of "
                f"{c1} input channels",
                [layer],
            )
        )
    else:
        skipped.append(("grouped", "no groups > 1 given"))
    depthwise = _with(standard, out_channels=dw_out, groups=c1)
    chains.append(
        (
            "depthwise",
            f"groups={c1}: {depth_multiplier} {k} filter(s) per input channel, "
            f"{dw_out} output channels",
            [depthwise],
        )
    )
    chains.append(
        (
            "depthwise_separable",
            f"depthwise {k} (groups={c1}), then pointwise {ones}",
            [depthwise, _pointwise(standard, dw_out, c2)],
        )
    )
    factors = _spatial_factors(standard)
    if isinstance(factors, str):
        skipped.append(("spatial_separable", factors))
    else:
        steps = " then ".join(_kernel_text(expand(f.kernel_size, f.dims)) for f in factors)
        chains.append(
            (
                "spatial_separable",
                f"kernel factorised per axis: {steps} (Inception v3), at width "
                f"min(C1, C2) = {min(c1, c2)}",
                factors,
            )
        )
    first, rest = _split_channel_padding(standard)
    chains.append(
        (
            "bottleneck",
            f"ResNet: {ones} reduce to {width}, {k}, {ones} expand",
            [
                _with(_pointwise(standard, c1, width), **first),
                _with(standard, in_channels=width, out_channels=width, **rest),
                _pointwise(standard, width, c2),
            ],
        )
    )
    chains.append(
        (
            "inverted_bottleneck",
            f"MobileNetV2: {ones} expand ×{expansion}, depthwise {k}, {ones} project",
            [
                _with(_pointwise(standard, c1, hidden), **first),
                _with(standard, in_channels=hidden, out_channels=hidden, groups=hidden, **rest),
                _pointwise(standard, hidden, c2),
            ],
        )
    )

    standard_params = count_layer(standard).params
    standard_macs = None if standard_result is None else standard_result.macs
    variants = []
    for name, description, specs in chains:
        counts = [count_layer(spec) for spec in specs]
        note = None
        if input_shape is not None:
            counts, note = _run(counts, tuple(input_shape))
        last = counts[-1]
        if standard_result is not None and last.output_shape is not None:
            note = _difference(last.output_shape, standard_result.output_shape, layer.dims)
        macs = None if last.output_shape is None else sum(c.macs or 0 for c in counts)
        params = sum(c.params for c in counts)
        variants.append(
            Variant(
                name=name,
                description=description,
                channels=(c1, *(spec.out_channels for spec in specs)),
                layers=tuple(counts),
                ratio=params / standard_params if standard_params else None,
                macs=macs,
                macs_ratio=None if macs is None or not standard_macs else macs / standard_macs,
                output_shape=last.output_shape,
                note=note,
            )
        )
    return Comparison(
        layer=layer,
        input_shape=None if input_shape is None else tuple(input_shape),
        variants=tuple(variants),
        skipped=tuple(skipped),
    )


def _run(
    counts: list[LayerCount], input_shape: tuple[int, ...]
) -> tuple[list[LayerCount], str | None]:
    """Feed each layer's output to the next.  A chain PyTorch refuses on this input (an empty
    axis a 1×1 layer cannot take) keeps its counts and says why it has no shape."""
    shape = input_shape
    ran = []
    for count in counts:
        try:
            result = analyze(count.spec, shape)
        except LayerError as exc:
            return counts, f"PyTorch refuses {count.spec.torch_call()} here: {exc}"
        shape = result.output_shape
        ran.append(count._replace(output_shape=result.output_shape, macs=result.macs))
    return ran, None


def _difference(shape: tuple[int, ...], standard: tuple[int, ...], dims: int) -> str | None:
    if shape == standard:
        return None
    channel = -dims - 1
    if shape[:channel] + shape[channel + 1 :] == standard[:channel] + standard[channel + 1 :]:
        return f"output has {shape[channel]} channels, not {standard[channel]}"
    return f"output shape {shape} differs from the standard layer's {standard}"
