"""Exact PyTorch shape arithmetic on specs: pure ints and tuples, no numpy, no torch.

`analyze(spec, input_shape)` is the one interpretation of a spec: every other module reads
the `LayerShape` it returns (per-axis windows, channel groups, weights) rather than the
spec's raw arguments.  The rules follow ATen, not the docstrings: ConvUtils.h /
Convolution.cpp (conv), Pool.h (pooling_output_shape, pool*_shape_check),
AdaptiveAveragePooling.cpp; padding rules live in `convcalc.padding`.
"""

# No `from __future__ import annotations`: typing.NamedTuple would compile the text of
# every record field's annotation each time the module is imported.
import math
from collections.abc import Sequence
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple, cast

from convcalc import padding as padding_rules
from convcalc.arguments import INT64_MAX, is_int
from convcalc.errors import InputError, LayerError, LimitError
from convcalc.notation import count_text, json_number, shape_text
from convcalc.specs import LayerSpec, expand

if TYPE_CHECKING:
    # dispatch goes by `spec.family`: a call imports only the family of its spec
    from convcalc.specs import (
        AdaptiveAvgPool,
        AdaptiveMaxPool,
        AvgPool,
        Conv,
        ConvTranspose,
        MaxPool,
    )

AXIS_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}

Pair = tuple[int, int]


# Records are NamedTuples rather than frozen dataclasses: a frozen dataclass compiles six
# methods as it is defined (~0.3 ms a class), and every command-line call defines them.


class Axis(NamedTuple):
    """One spatial axis of a layer applied to an input: what every layer has (an adaptive
    pool's axes; the others are `WindowAxis`, which has these fields first)."""

    name: str
    input: int
    output: int
    padding: Pair  # applied (before, after); transposed: cropped from the output
    receptive_field: int  # input elements one output element can depend on
    jump: Fraction  # input elements between neighbouring outputs
    unused: int  # trailing input elements no window reaches
    formula: str  # the output size formula with the numbers substituted


class WindowAxis(NamedTuple):
    """An axis along which one fixed window slides (convs, transposed convs, max/avg pools);
    adaptive pools' windows vary, and their axes are plain `Axis` records.  Axis's fields come
    first, written again (a NamedTuple cannot extend another's; a test checks they agree)."""

    name: str
    input: int
    output: int
    padding: Pair  # applied (before, after); transposed: cropped from the output
    receptive_field: int  # input elements one output element can depend on
    jump: Fraction  # input elements between neighbouring outputs
    unused: int  # trailing input elements no window reaches
    formula: str  # the output size formula with the numbers substituted

    kernel: int
    stride: int  # a pool's stride=None is resolved to its kernel here
    dilation: int  # 1 for avg pools
    output_padding: int = 0
    ceil_dropped: bool = False  # ceil_mode's last window would start in the right padding

    @property
    def effective_kernel(self) -> int:
        """dilation·(kernel − 1) + 1: the span of one window."""
        return self.dilation * (self.kernel - 1) + 1


class ChannelGroups(NamedTuple):
    """Which input channels feed which output channels of a (transposed) conv."""

    in_channels: int
    out_channels: int
    groups: int
    transposed: bool = False

    @property
    def in_per_group(self) -> int:
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        return self.out_channels // self.groups

    def group_of_output(self, c: int) -> int:
        return c // self.out_per_group

    def group_of_input(self, c: int) -> int:
        return c // self.in_per_group

    def inputs_of(self, c: int) -> range:
        """The input channels output channel `c` reads."""
        group = self.group_of_output(c)
        return range(group * self.in_per_group, (group + 1) * self.in_per_group)

    def outputs_of(self, c: int) -> range:
        """The output channels input channel `c` feeds."""
        group = self.group_of_input(c)
        return range(group * self.out_per_group, (group + 1) * self.out_per_group)

    def weight_shape(self, kernel: Sequence[int]) -> tuple[int, ...]:
        """conv (out, in/g, *k); transposed (in, out/g, *k)."""
        if self.transposed:
            return (self.in_channels, self.out_per_group, *kernel)
        return (self.out_channels, self.in_per_group, *kernel)

    @classmethod
    def from_weight(
        cls, weight_shape: Sequence[int], groups: int, *, transposed: bool
    ) -> "ChannelGroups":
        """The channels a weight of this shape implies (the inverse of weight_shape)."""
        if transposed:
            return cls(weight_shape[0], weight_shape[1] * groups, groups, transposed=True)
        return cls(weight_shape[1] * groups, weight_shape[0], groups)


class Weights(NamedTuple):
    """What a conv's constructor creates, known without any input."""

    weight_shape: tuple[int, ...]  # conv (out, in/g, *k); transposed (in, out/g, *k)
    bias_shape: tuple[int, ...] | None
    params: int
    fan_in: int  # nn.init._calculate_fan_in_and_fan_out: weight.size(1) · ∏kernel
    init_bound: float | None  # U(−b, b) for weight and bias (kaiming_uniform_ with a=√5)


class LayerShape(NamedTuple):
    """Everything `convcalc shape` reports about one layer on one input shape."""

    spec: LayerSpec
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    batched: bool
    axes: tuple[Axis | WindowAxis, ...]
    macs: int
    warnings: tuple[str, ...]
    weights: Weights | None = None  # convs only
    channels: ChannelGroups | None = None  # convs only
    # F.pad's padding of the channel axis: a non-zeros mode with a (dims+1)-tuple padding
    channel_padding: Pair = (0, 0)

    @property
    def windows(self) -> tuple[WindowAxis, ...]:
        """The axes as sliding windows; TypeError for an adaptive pool (its windows vary)."""
        windows = tuple(axis for axis in self.axes if isinstance(axis, WindowAxis))
        if len(windows) != len(self.axes):
            raise TypeError(f"{self.spec.torch_name} has no fixed window")
        return windows

    @property
    def sliding(self) -> bool:
        return all(isinstance(axis, WindowAxis) for axis in self.axes)

    @property
    def weight_shape(self) -> tuple[int, ...] | None:
        return None if self.weights is None else self.weights.weight_shape

    @property
    def bias_shape(self) -> tuple[int, ...] | None:
        return None if self.weights is None else self.weights.bias_shape

    @property
    def params(self) -> int:
        return 0 if self.weights is None else self.weights.params

    @property
    def fan_in(self) -> int | None:
        return None if self.weights is None else self.weights.fan_in

    @property
    def init_bound(self) -> float | None:
        return None if self.weights is None else self.weights.init_bound

    @property
    def padding(self) -> tuple[Pair, ...]:
        return tuple(axis.padding for axis in self.axes)

    @property
    def receptive_field(self) -> tuple[int, ...]:
        return tuple(axis.receptive_field for axis in self.axes)

    @property
    def jump(self) -> tuple[Fraction, ...]:
        return tuple(axis.jump for axis in self.axes)

    @property
    def unused_input(self) -> tuple[int, ...]:
        return tuple(axis.unused for axis in self.axes)

    def to_json(self) -> dict[str, object]:
        """Plain JSON types; jumps below 1 (transposed convs) as floats."""
        return {
            "kind": self.spec.kind,
            "layer": self.spec.torch_call(),
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "batched": self.batched,
            "weight_shape": None if self.weight_shape is None else list(self.weight_shape),
            "bias_shape": None if self.bias_shape is None else list(self.bias_shape),
            "params": self.params,
            "macs": self.macs,
            "padding": [list(p) for p in self.padding],
            "effective_kernel": [
                axis.effective_kernel if isinstance(axis, WindowAxis) else None
                for axis in self.axes
            ],
            "receptive_field": list(self.receptive_field),
            "jump": [json_number(j) for j in self.jump],
            "unused_input": list(self.unused_input),
            "fan_in": self.fan_in,
            "init_bound": self.init_bound,
            "formulas": [axis.formula for axis in self.axes],
            "warnings": list(self.warnings),
        }


def check_input_shape(input_shape: tuple[int, ...]) -> None:
    if not input_shape or any(size < 0 for size in input_shape):
        raise LayerError(f"input: sizes must be ≥ 0, got {shape_text(input_shape)}")
    check_tensor("input", input_shape)


def output_index(
    at: int | Sequence[int], output_shape: tuple[int, ...], dims: int
) -> tuple[int, tuple[int, ...]]:
    """One output element named by all its indexes or by its `dims` spatial ones (negative
    ones count from the end, as in Python): how many leading axes were left out, and the
    given indexes wrapped into range.  InputError names the axis and the sizes."""
    wanted = (at,) if isinstance(at, int) else tuple(at)
    if not all(is_int(i) for i in wanted):
        raise InputError(f"at: expected integer indexes, got {at!r}")
    rank = len(output_shape)
    if len(wanted) not in {rank, dims}:
        raise InputError(
            f"at: the output {shape_text(output_shape, 'python')} has {rank} axes; give "
            f"{rank} indexes"
            + (f" or the {dims} spatial ones" if dims != rank else "")
            + f", got {len(wanted)}"
        )
    offset = rank - len(wanted)
    index = []
    for axis, i in enumerate(wanted, start=offset):
        size = output_shape[axis]
        if not -size <= i < size:
            raise InputError(
                f"at: index {i} is out of range for output axis {axis} of size {size} "
                f"(output shape {shape_text(output_shape, 'python')})"
            )
        index.append(i % size)
    return offset, tuple(index)


def check_tensor(name: str, shape: Sequence[int]) -> None:
    """PyTorch's tensors have int64 sizes and an int64 element count (limits on bytes, which
    depend on the dtype, are left to the machine)."""
    if any(size > INT64_MAX for size in shape):
        raise LimitError(
            f"{name}: {shape_text(shape)} has a size beyond PyTorch's int64 (at most "
            f"2**63 - 1 = {INT64_MAX})"
        )
    count = math.prod(shape)
    if count > INT64_MAX:
        raise LimitError(
            f"{name}: {shape_text(shape)} has {count_text(count)} elements, more than "
            f"PyTorch's int64 count allows (2**63 - 1 = {INT64_MAX})"
        )


def split_input(spec: LayerSpec, input_shape: tuple[int, ...]) -> tuple[bool, int, tuple[int, ...]]:
    """(batched, channels, spatial) of an input PyTorch accepts for this layer."""
    dims = spec.dims
    if len(input_shape) not in (dims + 1, dims + 2):
        layout = {1: "L", 2: "H, W", 3: "D, H, W"}[dims]
        raise LayerError(
            f"input: {spec.torch_name} expects a {dims + 1}-D (C, {layout}) or "
            f"{dims + 2}-D (N, C, {layout}) input, got {len(input_shape)}-D "
            f"{shape_text(input_shape)}"
        )
    check_input_shape(input_shape)
    batched = len(input_shape) == dims + 2
    return batched, input_shape[-dims - 1], input_shape[-dims:]


def analyze(spec: LayerSpec, input_shape: Sequence[int]) -> LayerShape:
    """Shape, parameters, MACs and receptive field of `spec` applied to `input_shape`.

    Raises LayerError for exactly the inputs PyTorch refuses.
    """
    return _analyze(spec, tuple(input_shape))


@lru_cache(maxsize=4096)  # specs are frozen, so `net` and `solve` re-ask for free
def _analyze(spec: LayerSpec, input_shape: tuple[int, ...]) -> LayerShape:
    family = spec.family
    if family == "adaptiveavgpool" and spec.dims > 1:
        mean = _adaptive_mean(cast("AdaptiveAvgPool", spec), input_shape)
        if mean is not None:
            return mean
    batched, channels, spatial = split_input(spec, input_shape)
    if family == "conv":
        result = _conv(cast("Conv", spec), input_shape, batched, channels, spatial)
    elif family == "convtranspose":
        result = _conv_transpose(
            cast("ConvTranspose", spec), input_shape, batched, channels, spatial
        )
    elif family in ("maxpool", "avgpool"):
        result = _pool(cast("MaxPool | AvgPool", spec), input_shape, batched, spatial)
    elif family in ("adaptiveavgpool", "adaptivemaxpool"):
        adaptive = cast("AdaptiveAvgPool | AdaptiveMaxPool", spec)
        result = _adaptive(adaptive, input_shape, batched, spatial)
    else:  # pragma: no cover
        raise TypeError(f"not a layer spec: {spec!r}")
    check_tensor("output", result.output_shape)
    return result


def _batch_head(input_shape: tuple[int, ...], batched: bool) -> tuple[int, ...]:
    return input_shape[: 1 if batched else 0]


# --- convolutions -----------------------------------------------------------------------------


def channel_groups(spec: "Conv | ConvTranspose") -> ChannelGroups:
    return ChannelGroups(
        spec.in_channels, spec.out_channels, spec.groups, transposed=spec.family == "convtranspose"
    )


def _check_channels(
    spec: "Conv | ConvTranspose", input_shape: tuple[int, ...], channels: int
) -> None:
    if channels != spec.in_channels:
        raise LayerError(
            f"in_channels: {spec.torch_name} expects {spec.in_channels} input channels, "
            f"but the input {shape_text(input_shape)} has {channels}"
        )


def conv_output_size(size: int, kernel: int, stride: int, padding: Pair, dilation: int) -> int:
    return (size + padding[0] + padding[1] - dilation * (kernel - 1) - 1) // stride + 1


def weights(spec: "Conv | ConvTranspose") -> Weights:
    weight_shape = channel_groups(spec).weight_shape(expand(spec.kernel_size, spec.dims))
    check_tensor("weight", weight_shape)
    fan_in = math.prod(weight_shape[1:])
    return Weights(
        weight_shape=weight_shape,
        bias_shape=(spec.out_channels,) if spec.bias else None,
        params=math.prod(weight_shape) + (spec.out_channels if spec.bias else 0),
        fan_in=fan_in,
        init_bound=1 / math.sqrt(fan_in) if fan_in > 0 else None,
    )


def _conv(
    spec: "Conv",
    input_shape: tuple[int, ...],
    batched: bool,
    channels: int,
    spatial: tuple[int, ...],
) -> LayerShape:
    if spec.out_channels == 0:
        raise LayerError(f"out_channels: {spec.torch_name} needs at least 1 output channel, got 0")
    dims = spec.dims
    empty_batch = batched and input_shape[0] == 0
    kernel, stride, dilation = (
        expand(v, dims) for v in (spec.kernel_size, spec.stride, spec.dilation)
    )
    if spec.padding_mode == "zeros":
        pads = padding_rules.conv_pairs(spec.padding, kernel, dilation, spec.padding_mode)
        conv_channels, conv_spatial, channel_padding = channels, spatial, (0, 0)
    else:
        pads, channel_padding = padding_rules.conv_mode_padding(
            spec.padding, spec.padding_mode, kernel, dilation, input_shape
        )
        conv_channels = channels + sum(channel_padding)
        conv_spatial = tuple(n + b + a for n, (b, a) in zip(spatial, pads, strict=True))
    _check_channels(spec, input_shape, conv_channels)
    # ATen's empty-input path (0 channels) skips the kernel and dilation checks
    if conv_channels and 0 in kernel:
        raise LayerError(f"kernel_size: must be ≥ 1, got {spec.kernel_size}")
    if conv_channels:
        _check_dilation(spec, dilation, empty_batch)

    axes = []
    warnings: list[str] = []
    names = AXIS_NAMES[dims]
    for i in range(dims):
        size, k, s, d, pad = spatial[i], kernel[i], stride[i], dilation[i], pads[i]
        eff = d * (k - 1) + 1
        padded = size + pad[0] + pad[1]
        if padded < eff:
            raise LayerError(_too_small_message(spec, names[i], size, k, d, pad, eff, padded))
        out = conv_output_size(size, k, s, pad, d)
        unused = unused_trailing(size, pad[0], out, s, k, d)
        if unused:
            warnings.append(_unused_message(names[i], unused, size, s))
        if spec.padding == "same" and pad[0] != pad[1]:
            warnings.append(
                f"axis {names[i]}: 'same' padding {pad[0]}+{pad[1]} is asymmetric "
                "(PyTorch pads the input explicitly, the extra element at the end)"
            )
        formula = f"⌊({size} + {pad[0]} + {pad[1]} − {d}·({k}−1) − 1)/{s}⌋ + 1 = {out}"
        axes.append(
            WindowAxis(names[i], size, out, pad, eff, Fraction(s), unused, formula, k, s, d)
        )
    if 0 in conv_spatial and not empty_batch and conv_channels != 0:
        raise LayerError(
            f"input: PyTorch convolves an empty spatial axis only in an empty batch or with 0 "
            f"channels, got {shape_text(input_shape)}"
        )

    out_spatial = tuple(axis.output for axis in axes)
    # quirk kept from ATen: a 0-channel input yields 0 output channels, whatever out_channels
    out_channels = spec.out_channels if conv_channels else 0
    output_shape = (*_batch_head(input_shape, batched), out_channels, *out_spatial)
    made = weights(spec)
    return LayerShape(
        spec,
        input_shape,
        output_shape,
        batched,
        tuple(axes),
        macs=math.prod(output_shape) * made.fan_in,
        warnings=tuple(warnings),
        weights=made,
        channels=channel_groups(spec),
        channel_padding=channel_padding,
    )


def _check_dilation(
    spec: "Conv | ConvTranspose", dilation: tuple[int, ...], empty_batch: bool
) -> None:
    # ATen skips this check for an empty batch (the constructor never checks it)
    if 0 in dilation and not empty_batch:
        raise LayerError(f"dilation: must be ≥ 1, got {spec.dilation}")


def _too_small_message(
    spec: LayerSpec,
    axis: str,
    size: int,
    k: int,
    d: int,
    pad: Pair,
    eff: int,
    padded: int,
) -> str:
    kernel = f"kernel {k} dilated by {d} spans {eff}" if d > 1 else f"kernel spans {k}"
    per_side = -(-(eff - size) // 2)  # integer ceiling: sizes may exceed a float's precision
    fixes = [f"an input ≥ {eff - pad[0] - pad[1]}"]
    # pools cap their padding, so suggest padding only where it is allowed
    pool = spec.family in ("maxpool", "avgpool")
    if size and per_side > 0 and (not pool or per_side <= padding_rules.max_pool_padding(k)):
        fixes.insert(0, f"padding ≥ {per_side} per side")
    return (
        f"kernel_size: on axis {axis} the {kernel}, but the padded input is only {padded} "
        f"(input {size} + padding {pad[0]}+{pad[1]}); {' or '.join(fixes)} fits"
    )


def unused_trailing(
    size: int, before: int, out: int, stride: int, kernel: int, dilation: int
) -> int:
    """Input elements after the last one any tap of any window reads (padding excluded).

    Tap t of window o reads padded position o·s + t·d.  A tap's last read comes from the last
    window, or, for the taps that overshoot the input, from the last window whose tap still
    lands inside: P_t = B − ((B − t·d) mod s) with B the last input element's position.  The
    smallest of those residues is found in O(log² s) (`_min_residue`): kernels and strides
    may be huge, so no loop over taps or windows.
    """
    if out < 1 or kernel < 1:
        return size  # no window, or an empty kernel (ATen's 0-channel path)
    if dilation == 0:  # every tap on the window's start (ATen's empty-batch path)
        kernel, dilation = 1, 1
    last_input = before + size - 1  # padded position of the last input element
    last_window = (out - 1) * stride
    best = -1  # the largest padded position read inside the input's end
    inside = (last_input - last_window) // dilation if last_input >= last_window else -1
    if inside >= 0:
        best = last_window + min(kernel - 1, inside) * dilation
    first, final = inside + 1, min(kernel - 1, last_input // dilation)
    if first <= final:
        residue = _min_residue(
            (-dilation) % stride,
            (last_input - first * dilation) % stride,
            stride,
            final - first + 1,
        )
        best = max(best, last_input - residue)
    return size if best < before else last_input - best


def _min_residue(a: int, b: int, m: int, n: int) -> int:
    """min over x in [0, n) of (a·x + b) mod m (a, b ≥ 0, m, n ≥ 1), by bisection on the
    count of residues ≤ c, each count a floor sum."""

    def at_most(c: int) -> int:  # how many x have (a·x + b) mod m ≤ c
        return n - (_floor_sum(n, m, a, b + m - 1 - c) - _floor_sum(n, m, a, b))

    low, high = 0, m - 1  # at_most(high) = n ≥ 1
    while low < high:
        middle = (low + high) // 2
        if at_most(middle) >= 1:
            high = middle
        else:
            low = middle + 1
    return low


def _floor_sum(n: int, m: int, a: int, b: int) -> int:
    """Σ_{x<n} ⌊(a·x + b)/m⌋ for a, b ≥ 0 in O(log m) (the Euclid-like reduction)."""
    total = 0
    while True:
        if a >= m:
            total += n * (n - 1) // 2 * (a // m)
            a %= m
        if b >= m:
            total += n * (b // m)
            b %= m
        y = a * n + b
        if y < m:
            return total
        n, b = divmod(y, m)
        m, a = a, m


def _unused_message(axis: str, unused: int, size: int, stride: int) -> str:
    return f"axis {axis}: stride {stride} leaves the last {unused} of {size} input elements unused"


def _conv_transpose(
    spec: "ConvTranspose",
    input_shape: tuple[int, ...],
    batched: bool,
    channels: int,
    spatial: tuple[int, ...],
) -> LayerShape:
    _check_channels(spec, input_shape, channels)
    for name in ("in_channels", "out_channels"):
        if getattr(spec, name) == 0:
            raise LayerError(f"{name}: {spec.torch_name} needs at least 1, got 0")
    dims = spec.dims
    empty_batch = batched and input_shape[0] == 0
    assert not isinstance(spec.padding, str)
    kernel, stride, dilation, padding, out_pad = (
        expand(v, dims)
        for v in (spec.kernel_size, spec.stride, spec.dilation, spec.padding, spec.output_padding)
    )
    _check_dilation(spec, dilation, empty_batch)
    names = AXIS_NAMES[dims]
    axes = []
    warnings: list[str] = []
    for i in range(dims):
        size, k, s, d, p, op = spatial[i], kernel[i], stride[i], dilation[i], padding[i], out_pad[i]
        # ATen skips the output_padding and output-size checks for an empty batch
        if op >= max(s, d) and not empty_batch:
            raise LayerError(
                f"output_padding: must be smaller than either stride or dilation on axis "
                f"{names[i]}, got output_padding={op} with stride={s}, dilation={d}; "
                f"at most {max(s, d) - 1}"
            )
        eff = d * (k - 1) + 1
        out = (size - 1) * s - 2 * p + d * (k - 1) + op + 1
        if out < (0 if empty_batch else 1):
            raise LayerError(
                f"padding: on axis {names[i]} the output size would be {out} "
                f"(({size} − 1)·{s} − 2·{p} + {d}·({k}−1) + {op} + 1); "
                f"padding ≤ {_max_transposed_padding(size, k, s, d, op)} gives at least 1"
            )
        if s > eff:
            warnings.append(
                f"axis {names[i]}: stride {s} > kernel span {eff}: some outputs receive no "
                "input (bias only)"
            )
        unused = max(0, size - -(-(out + p) // s))
        if unused:
            warnings.append(
                f"axis {names[i]}: padding {p} crops every contribution of the last {unused} "
                "input elements"
            )
        formula = f"({size} − 1)·{s} − 2·{p} + {d}·({k}−1) + {op} + 1 = {out}"
        receptive_field = (eff - 1) // s + 1
        axes.append(
            WindowAxis(
                names[i],
                size,
                out,
                (p, p),
                receptive_field,
                Fraction(1, s),
                unused,
                formula,
                k,
                s,
                d,
                output_padding=op,
            )
        )
    if 0 in spatial and not empty_batch:
        raise LayerError(
            f"input: PyTorch runs a transposed convolution on an empty spatial axis only in an "
            f"empty batch, got {shape_text(input_shape)}"
        )
    out_spatial = tuple(axis.output for axis in axes)
    output_shape = (*_batch_head(input_shape, batched), spec.out_channels, *out_spatial)
    made = weights(spec)
    return LayerShape(
        spec,
        input_shape,
        output_shape,
        batched,
        tuple(axes),
        # direct computation scatters each input element over (out/g)·∏k outputs
        macs=math.prod(input_shape) * made.fan_in,
        warnings=tuple(warnings),
        weights=made,
        channels=channel_groups(spec),
    )


def _max_transposed_padding(size: int, k: int, s: int, d: int, op: int) -> int:
    return ((size - 1) * s + d * (k - 1) + op) // 2


# --- pooling ----------------------------------------------------------------------------------


def pool_output_size(
    size: int, kernel: int, stride: int, pad: int, dilation: int, ceil_mode: bool
) -> tuple[int, bool]:
    """Pool.h pooling_output_shape: (size, whether ceil_mode dropped its last window)."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    # ceil mode: the last window must start inside the input or the left padding.
    if ceil_mode and (out - 1) * stride >= size + pad:
        return out - 1, True
    return out, False


def _pool(
    spec: "MaxPool | AvgPool", input_shape: tuple[int, ...], batched: bool, spatial: tuple[int, ...]
) -> LayerShape:
    dims = spec.dims
    _check_nonzero(spec, input_shape, batched, channels_may_be_empty=False)
    kernel = expand(spec.kernel_size, dims)
    stride = kernel if spec.stride is None else expand(spec.stride, dims)
    padding = expand(spec.padding, dims)
    maximum = spec.family == "maxpool"
    dilation = expand(cast("MaxPool", spec).dilation, dims) if maximum else (1,) * dims
    names = AXIS_NAMES[dims]
    axes = []
    warnings: list[str] = []
    for i in range(dims):
        size, k, s, p, d = spatial[i], kernel[i], stride[i], padding[i], dilation[i]
        padding_rules.check_pool_padding(p, k, names[i])
        eff = d * (k - 1) + 1
        if not maximum and dims == 3 and size < k:
            # avg_pool3d alone compares the unpadded input with the kernel
            raise LayerError(
                f"kernel_size: AvgPool3d needs every input axis ≥ its kernel, but axis "
                f"{names[i]} is {size} < {k} (padding does not count here)"
            )
        out, dropped = pool_output_size(size, k, s, p, d, spec.ceil_mode)
        if out < 1:
            raise LayerError(
                _too_small_message(spec, names[i], size, k, d, (p, p), eff, size + 2 * p)
            )
        unused = unused_trailing(size, p, out, s, k, d)
        if unused:
            warnings.append(_unused_message(names[i], unused, size, s))
        if dropped:
            warnings.append(
                f"axis {names[i]}: ceil_mode dropped a last window that would start in the "
                "right padding"
            )
        dil = f"{d}·" if maximum else ""
        bracket = ("⌈", "⌉") if spec.ceil_mode else ("⌊", "⌋")
        formula = (
            f"{bracket[0]}({size} + 2·{p} − {dil}({k}−1) − 1)/{s}{bracket[1]} + 1"
            + (" − 1" if dropped else "")
            + f" = {out}"
        )
        axes.append(
            WindowAxis(
                names[i],
                size,
                out,
                (p, p),
                eff,
                Fraction(s),
                unused,
                formula,
                k,
                s,
                d,
                ceil_dropped=dropped,
            )
        )
    output_shape = (*input_shape[:-dims], *(axis.output for axis in axes))
    return LayerShape(
        spec, input_shape, output_shape, batched, tuple(axes), macs=0, warnings=tuple(warnings)
    )


def _check_nonzero(
    spec: LayerSpec, input_shape: tuple[int, ...], batched: bool, *, channels_may_be_empty: bool
) -> None:
    """Pools refuse empty non-batch axes; a batch of 0 is fine, and some adaptive pools
    also take 0 channels."""
    rest = input_shape[1:] if batched else input_shape
    if channels_may_be_empty:
        rest = rest[1:]
    if 0 in rest:
        raise LayerError(
            f"input: {spec.torch_name} needs non-zero channel and spatial sizes, got "
            f"{shape_text(input_shape)}"
        )


def _adaptive_mean(spec: "AdaptiveAvgPool", input_shape: tuple[int, ...]) -> LayerShape | None:
    """adaptive_avg_pool2d/3d to all ones is input.mean(last dims) in ATen: no rank or
    emptiness checks, just enough axes (one more for a tuple: F's _list_with_default)."""
    dims, wanted = spec.dims, spec.output_sizes()
    if len(input_shape) < dims + isinstance(spec.output_size, tuple):
        return None  # the ordinary checks give the error
    check_input_shape(input_shape)
    spatial = input_shape[-dims:]
    sizes = [n if w is None else w for n, w in zip(spatial, wanted, strict=True)]
    if set(sizes) != {1}:
        return None
    axes = tuple(
        Axis(name, n, 1, (0, 0), n, Fraction(n), 0, "output_size = 1 (a mean)")
        for name, n in zip(AXIS_NAMES[dims], spatial, strict=True)
    )
    output_shape = (*input_shape[:-dims], *(1,) * dims)
    batched = len(input_shape) == dims + 2
    return LayerShape(spec, input_shape, output_shape, batched, axes, macs=0, warnings=())


def adaptive_window(size: int, out: int, index: int) -> Pair:
    """[start, end) of adaptive pooling's window `index` (AdaptiveAveragePooling.cpp)."""
    return (index * size) // out, -((-(index + 1) * size) // out)


def adaptive_max_window(size: int, out: int) -> int:
    """Largest adaptive window, in closed form (no loop over a possibly huge output).

    With size = q·out + r, window i spans q + ⌈(b_i + r)/out⌉ where b_i = i·r mod out; the
    b_i run over the multiples of g = gcd(r, out) below out.
    """
    q, r = divmod(size, out)
    if r == 0:
        return q
    return q + (2 if math.gcd(r, out) < r else 1)


def _adaptive(
    spec: "AdaptiveAvgPool | AdaptiveMaxPool",
    input_shape: tuple[int, ...],
    batched: bool,
    spatial: tuple[int, ...],
) -> LayerShape:
    # An unbatched input's channels act as its batch; batched, only adaptive_avg_pool1d/2d
    # accept 0 channels.
    sizes = [
        size if wanted is None else wanted
        for size, wanted in zip(spatial, spec.output_sizes(), strict=True)
    ]
    # adaptive_avg_pool1d to 1 runs the 2-D mean path after its own rank check
    mean = spec.family == "adaptiveavgpool"
    if not (mean and set(sizes) == {1}):
        _check_nonzero(
            spec,
            input_shape,
            batched,
            channels_may_be_empty=not batched or (mean and spec.dims < 3),
        )
    names = AXIS_NAMES[spec.dims]
    axes = []
    for i, wanted in enumerate(spec.output_sizes()):
        size = spatial[i]
        out = size if wanted is None else wanted
        window = adaptive_max_window(size, out) if out else 0
        jump = Fraction(size, out) if out else Fraction(0)
        formula = f"output_size {'None → input ' if wanted is None else ''}= {out}"
        axes.append(Axis(names[i], size, out, (0, 0), window, jump, 0, formula))
    output_shape = (*input_shape[: -spec.dims], *(axis.output for axis in axes))
    return LayerShape(spec, input_shape, output_shape, batched, tuple(axes), macs=0, warnings=())
