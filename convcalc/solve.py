"""The inverse questions: which padding, transposed conv, input sizes or layer give a wanted size.

Candidates come from the closed-form size formulas, or from a search over input sizes (a
layer's output never shrinks as its input grows, and PyTorch refuses only inputs below some
size).  Every candidate is then checked with `arithmetic.analyze`, the forward rule `convcalc
shape` uses, and dropped unless it gives the target: nothing is returned that the forward
arithmetic does not confirm.

Axes are independent in PyTorch's size arithmetic, so each axis is solved on a layer that has
that axis's values on every axis (`axis_spec`); the assembled answer is checked once more on
the real layer and the full input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from convcalc.arithmetic import AXIS_NAMES, analyze
from convcalc.errors import ConvcalcError, InputError, LayerError
from convcalc.specs import (
    AvgPool,
    Conv,
    ConvTranspose,
    LayerSpec,
    MaxPool,
    expand,
)

MAX_SIZE = 2**40  # largest input size searched: beyond any real tensor, 40 halvings away
MAX_LISTED = 256  # sizes, totals or paddings listed per axis (a huge stride allows many)
MAX_KERNEL = 64  # bounds of `solve layer`'s search
MAX_DILATION = 16
MAX_LIMIT = 1000
_MAX_STEPS = 200_000  # (stride, kernel, dilation) triples `solve layer` may try

PADDED_FAMILIES = ("conv", "convtranspose", "maxpool", "avgpool")
MIRRORED_FAMILIES = ("conv", "maxpool", "avgpool")


class NoSolution(ConvcalcError):
    """No setting reaches the target; the message names the nearest reachable sizes."""


# --- per-axis forward arithmetic ---------------------------------------------------------------


def axis_spec(spec: LayerSpec, axis: int, **changes: Any) -> LayerSpec:
    """`spec` with axis `axis`'s values on every axis, 1 channel in and out, and `changes`."""
    data = spec.model_dump()
    for name, _ in spec.size_fields:
        value = data[name]
        if isinstance(value, tuple):
            data[name] = expand(value, spec.dims)[axis]
    if isinstance(spec, Conv | ConvTranspose):
        data.update(in_channels=1, out_channels=1, groups=1)
    data.update(changes)
    return type(spec).model_validate(data)


def square_shape(spec: LayerSpec, size: int) -> tuple[int, ...]:
    """An unbatched one-channel input with `size` on every axis."""
    return (1,) + (size,) * spec.dims


def output_for(spec: LayerSpec, size: int) -> int | None:
    """Output size of a square layer on a square input, or None where PyTorch refuses it."""
    try:
        return analyze(spec, square_shape(spec, size)).axes[0].output
    except LayerError:
        return None


def _out(spec: LayerSpec, size: int) -> int:
    return output_for(spec, size) or 0 if size >= 1 else 0


def least_input(spec: LayerSpec, target: int) -> int:
    """Smallest input size whose output is ≥ target."""
    if _out(spec, MAX_SIZE) < target:
        analyze(spec, square_shape(spec, MAX_SIZE))  # raises PyTorch's refusal, if that is why
        raise InputError(f"target: {target:,} needs an input larger than {MAX_SIZE:,}")
    low, high = 0, 1  # out(low) < target ≤ out(high)
    while _out(spec, high) < target:
        low, high = high, min(2 * high, MAX_SIZE)
    while high - low > 1:
        middle = (low + high) // 2
        if _out(spec, middle) < target:
            low = middle
        else:
            high = middle
    return high


@dataclass(frozen=True)
class Reach:
    """An output size the layer can reach, and the smallest input that reaches it."""

    output: int
    input: int


def input_range(spec: LayerSpec, target: int) -> range:
    """Every input size giving `target` (outputs grow with the input: one run of sizes)."""
    first = least_input(spec, target)
    if _out(spec, first) != target:
        return range(first, first)
    return range(first, least_input(spec, target + 1))


def nearest_outputs(spec: LayerSpec, target: int, *, smallest_input: int = 1) -> tuple[Reach, ...]:
    """The reachable outputs just below and just above `target` (inputs ≥ smallest_input)."""
    first = max(least_input(spec, target), smallest_input)
    found = []
    if first > smallest_input and _out(spec, first - 1) >= 1:
        below = _out(spec, first - 1)
        found.append(Reach(below, max(least_input(spec, below), smallest_input)))
    above = _out(spec, first)
    if above != target:
        found.append(Reach(above, first))
    return tuple(found)


def _compact(values: Sequence[int]) -> int | tuple[int, ...]:
    """One int when every axis agrees (as people write it), else one per axis."""
    return values[0] if len(set(values)) == 1 else tuple(values)


def _strides(spec: LayerSpec) -> tuple[int, ...]:
    stride = getattr(spec, "stride", None)
    return expand(spec.kernel_size if stride is None else stride, spec.dims)  # type: ignore[attr-defined]


def _dilations(spec: LayerSpec) -> tuple[int, ...]:
    return expand(getattr(spec, "dilation", 1), spec.dims)


def effective_kernel(kernel: int, dilation: int) -> int:
    return dilation * (kernel - 1) + 1


def layer_template(spec: LayerSpec) -> str:
    """spec.torch_call() with the channel counts left as names when they are not known."""
    call = spec.torch_call()
    if isinstance(spec, Conv | ConvTranspose):
        head = f"{spec.torch_name}({spec.in_channels}, {spec.out_channels}"
        call = call.replace(head, f"{spec.torch_name}(in_channels, out_channels", 1)
    return call


def pad_argument(pairs: Sequence[tuple[int, int]]) -> tuple[int, ...]:
    """F.pad / nn.ZeroPad*d's tuple for per-axis (before, after): the LAST axis comes first."""
    return tuple(v for pair in reversed(pairs) for v in pair)


def _check_family(spec: LayerSpec, families: tuple[str, ...], question: str, why: str) -> None:
    if spec.family not in families:
        raise LayerError(f"{question}: {spec.torch_name} {why}")


def _per_axis(values: int | Sequence[int], dims: int, name: str) -> tuple[int, ...]:
    sizes = (values,) * dims if isinstance(values, int) else tuple(values)
    if len(sizes) != dims:
        raise InputError(f"{name}: needs one size or {dims}, got {len(sizes)}: {sizes}")
    if any(v < 1 for v in sizes):
        given = values if isinstance(values, int) else _text(sizes)
        raise InputError(f"{name}: sizes must be ≥ 1, got {given}")
    return sizes


def _text(values: Sequence[int]) -> str:
    return ", ".join(map(str, values))


# --- solve inputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputSize:
    input: int
    unused: int  # trailing input elements no window reaches (arithmetic's unused_input)


@dataclass(frozen=True)
class InputsAxis:
    name: str
    target: int
    sizes: tuple[InputSize, ...]  # the first MAX_LISTED of `count`
    count: int
    nearest: tuple[Reach, ...]  # when count is 0


@dataclass(frozen=True)
class InputsAnswer:
    spec: LayerSpec
    axes: tuple[InputsAxis, ...]

    @property
    def solved(self) -> bool:
        return all(axis.count for axis in self.axes)

    @property
    def failure(self) -> str | None:
        for axis in self.axes:
            if not axis.count:
                return (
                    f"no input size gives {axis.target} on axis {axis.name} of "
                    f"{layer_template(self.spec)}; nearest: {_reaches(axis.nearest)}"
                )
        return None

    def to_json(self) -> dict[str, object]:
        return {
            "question": "inputs",
            "kind": self.spec.kind,
            "layer": layer_template(self.spec),
            "solved": self.solved,
            "axes": [
                {
                    "axis": axis.name,
                    "target": axis.target,
                    "count": axis.count,
                    "inputs": [{"input": s.input, "unused": s.unused} for s in axis.sizes],
                    "nearest": [{"output": r.output, "input": r.input} for r in axis.nearest],
                }
                for axis in self.axes
            ],
        }


def _reaches(reaches: Sequence[Reach]) -> str:
    return ", ".join(f"{r.output} (from input {r.input})" for r in reaches) or "none"


def solve_inputs(spec: LayerSpec, target: int | Sequence[int]) -> InputsAnswer:
    """Every input size that `spec` maps to `target`, per axis."""
    _check_family(
        spec,
        PADDED_FAMILIES,
        "inputs",
        "gives its output_size for every input size; there is nothing to solve",
    )
    targets = _per_axis(target, spec.dims, "target")
    axes = []
    for i, wanted in enumerate(targets):
        one = axis_spec(spec, i)
        sizes = input_range(one, wanted)
        listed = []
        for size in sizes[:MAX_LISTED]:
            result = analyze(one, square_shape(one, size))
            if result.axes[0].output == wanted:  # the forward check; always true
                listed.append(InputSize(size, result.axes[0].unused))
        nearest = () if sizes else nearest_outputs(one, wanted)
        axes.append(
            InputsAxis(AXIS_NAMES[spec.dims][i], wanted, tuple(listed), len(sizes), nearest)
        )
    answer = InputsAnswer(spec, tuple(axes))
    if answer.solved:
        _confirm(spec, tuple(axis.sizes[0].input for axis in axes), targets)
    return answer


def _confirm(spec: LayerSpec, spatial: tuple[int, ...], targets: tuple[int, ...]) -> None:
    """The assembled answer on the real layer: a failure here is a bug in this module."""
    channels = spec.in_channels if isinstance(spec, Conv | ConvTranspose) else 1
    got = analyze(spec, (channels, *spatial)).output_shape[1:]
    if got != targets:  # pragma: no cover - would be a bug
        raise AssertionError(f"solve: {spec.torch_call()} on {spatial} gives {got}, not {targets}")


# --- solve padding -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaddingOption:
    before: int
    after: int
    output_padding: int  # transposed convs; 0 otherwise
    native: bool  # the layer's padding= does it; False: an explicit pad layer, then padding=0
    output_size_ok: bool  # transposed: forward(x, output_size=...) reaches it too

    @property
    def total(self) -> int:
        return self.before + self.after


@dataclass(frozen=True)
class SamePadding:
    """What TensorFlow/Keras and ONNX 'SAME' would pad for this layer and input."""

    scheme: str
    output: int  # ⌈input / stride⌉
    before: int
    after: int
    torch_output: int  # PyTorch's layer with padding=0 after that explicit pad


@dataclass(frozen=True)
class PaddingAxis:
    name: str
    input: int
    target: int
    kernel: int
    stride: int
    dilation: int
    options: tuple[PaddingOption, ...]
    same: tuple[SamePadding, ...]
    nearest: tuple[int, ...]  # reachable outputs nearest the target, when there is no option


@dataclass(frozen=True)
class PaddingAnswer:
    spec: LayerSpec  # the layer with padding=0 (the question's layer)
    axes: tuple[PaddingAxis, ...]
    native: LayerSpec | None  # one PyTorch layer with padding= that answers every axis
    pads: tuple[tuple[int, int], ...] | None  # else: explicit (before, after) per axis ...
    padded_layer: LayerSpec | None  # ... before this layer (padding=0)

    @property
    def solved(self) -> bool:
        return all(axis.options for axis in self.axes)

    @property
    def failure(self) -> str | None:
        for axis in self.axes:
            if not axis.options:
                near = ", ".join(map(str, axis.nearest)) or "none"
                return (
                    f"no padding gives {axis.target} on axis {axis.name} of "
                    f"{layer_template(self.spec)} with input {axis.input}; "
                    f"nearest reachable: {near}"
                )
        return None

    def to_json(self) -> dict[str, object]:
        return {
            "question": "padding",
            "kind": self.spec.kind,
            "solved": self.solved,
            "layer": None if self.native is None else layer_template(self.native),
            "pad": None if self.pads is None else list(pad_argument(self.pads)),
            "padded_layer": None
            if self.padded_layer is None
            else layer_template(self.padded_layer),
            "axes": [
                {
                    "axis": axis.name,
                    "input": axis.input,
                    "target": axis.target,
                    "kernel": axis.kernel,
                    "stride": axis.stride,
                    "dilation": axis.dilation,
                    "options": [
                        {
                            "padding": [o.before, o.after],
                            "output_padding": o.output_padding,
                            "native": o.native,
                            "output_size_ok": o.output_size_ok,
                        }
                        for o in axis.options
                    ],
                    "same": [
                        {
                            "scheme": s.scheme,
                            "output": s.output,
                            "padding": [s.before, s.after],
                            "torch_output": s.torch_output,
                        }
                        for s in axis.same
                    ],
                    "nearest": list(axis.nearest),
                }
                for axis in self.axes
            ],
        }


def same_padding_like(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int, int]:
    """TensorFlow 'SAME' (= ONNX SAME_UPPER): output ⌈L/s⌉, the odd element at the end.

    Returns (output, before, after); ONNX SAME_LOWER swaps before and after.
    """
    out = -(-size // stride)
    pad = max(0, (out - 1) * stride + effective_kernel(kernel, dilation) - size)
    return out, pad // 2, pad - pad // 2


def solve_padding(
    spec: LayerSpec, size: int | Sequence[int], target: int | Sequence[int]
) -> PaddingAnswer:
    """Every padding that makes `spec` (its own padding ignored) map `size` to `target`."""
    _check_family(
        spec, PADDED_FAMILIES, "padding", "has no padding: its windows follow output_size"
    )
    sizes = _per_axis(size, spec.dims, "input")
    targets = _per_axis(target, spec.dims, "target")
    zero: dict[str, Any] = {"padding": 0}
    if isinstance(spec, ConvTranspose):
        zero["output_padding"] = 0
    spec = type(spec).model_validate({**spec.model_dump(), **zero})
    axes = tuple(_padding_axis(spec, i, sizes[i], targets[i]) for i in range(spec.dims))
    native = pads = padded = None
    if all(axis.options for axis in axes):
        if all(axis.options[0].native for axis in axes):
            firsts = [axis.options[0] for axis in axes]
            change: dict[str, Any] = {"padding": _compact([o.before for o in firsts])}
            if isinstance(spec, ConvTranspose):
                change["output_padding"] = _compact([o.output_padding for o in firsts])
            native = type(spec).model_validate({**spec.model_dump(), **change})
            _confirm(native, sizes, targets)
        else:
            # an explicit pad where an axis needs one; the layer's own padding on the others
            # (an explicit (p, p) is not a pool's padding=p under ceil_mode)
            firsts = [axis.options[0] for axis in axes]
            pads = tuple((0, 0) if o.native else (o.before, o.after) for o in firsts)
            own = _compact([o.before if o.native else 0 for o in firsts])
            padded = type(spec).model_validate({**spec.model_dump(), "padding": own})
            _confirm(
                padded, tuple(s + b + a for s, (b, a) in zip(sizes, pads, strict=True)), targets
            )
    return PaddingAnswer(spec, axes, native, pads, padded)


def _padding_axis(spec: LayerSpec, i: int, size: int, target: int) -> PaddingAxis:
    base = axis_spec(spec, i)
    kernel = expand(spec.kernel_size, spec.dims)[i]  # type: ignore[attr-defined]
    stride, dilation = _strides(spec)[i], _dilations(spec)[i]
    name = AXIS_NAMES[spec.dims][i]
    if isinstance(spec, ConvTranspose):
        found, near = _transposed_paddings(spec.dims, size, target, kernel, stride, dilation)
        return PaddingAxis(name, size, target, kernel, stride, dilation, found, (), near)

    # input + explicit pad total that the layer with padding 0 maps to the target
    padded_sizes = input_range(base, target)
    padded_sizes = padded_sizes[max(0, size - padded_sizes.start) :]
    if isinstance(spec, Conv):
        # zero padding p on both sides is the explicit pad (p, p): the even totals
        start = padded_sizes.start + (padded_sizes.start - size) % 2
        paddings = range((start - size) // 2, (padded_sizes.stop - size + 1) // 2)
    else:
        paddings = range(kernel // 2 + 1)  # PyTorch's pools: padding ≤ kernel // 2
    native = [
        PaddingOption(p, p, 0, True, False)
        for p in paddings[:MAX_LISTED]
        if output_for(axis_spec(spec, i, padding=p), size) == target
    ]
    native_totals = {2 * o.before for o in native}
    explicit: list[PaddingOption] = []
    for padded in padded_sizes:
        total = padded - size
        if total < 0 or total in native_totals:
            continue
        if len(explicit) >= MAX_LISTED:
            break
        if output_for(base, padded) == target:  # the forward check
            # TF's split (the odd element at the end) first, then the mirror image
            pairs = [(total // 2, total - total // 2), (total - total // 2, total // 2)]
            explicit += [PaddingOption(b, a, 0, False, False) for b, a in dict.fromkeys(pairs)]
    same: list[SamePadding] = []
    out, before, after = same_padding_like(size, kernel, stride, dilation)
    torch_out = output_for(base, size + before + after) or 0
    same = [
        SamePadding("TensorFlow/Keras 'SAME', ONNX SAME_UPPER", out, before, after, torch_out),
        SamePadding("ONNX SAME_LOWER", out, after, before, torch_out),
    ]
    options = tuple(native + explicit)
    nearest: tuple[int, ...] = ()
    if not options:
        nearest = tuple(r.output for r in nearest_outputs(base, target, smallest_input=size))
    return PaddingAxis(name, size, target, kernel, stride, dilation, options, tuple(same), nearest)


def _one_transposed(dims: int, k: int, s: int, d: int, p: int, op: int) -> ConvTranspose:
    return ConvTranspose.model_validate(
        {
            "dims": dims,
            "in_channels": 1,
            "out_channels": 1,
            "kernel_size": k,
            "stride": s,
            "dilation": d,
            "padding": p,
            "output_padding": op,
        }
    )


def _transposed_paddings(
    dims: int, size: int, target: int, kernel: int, stride: int, dilation: int
) -> tuple[tuple[PaddingOption, ...], tuple[int, ...]]:
    """(padding, output_padding) with (L−1)s − 2p + d(k−1) + op + 1 = target, op < max(s, d);
    or, when there is none, the reachable sizes nearest the target."""
    full = (size - 1) * stride + dilation * (kernel - 1) + 1  # padding 0, output_padding 0
    limit = max(stride, dilation)
    options = []
    first = max(0, target - full)
    for op in range(first, min(limit, first + 2 * MAX_LISTED)):
        if (full + op - target) % 2:
            continue
        p = (full + op - target) // 2
        layer = _one_transposed(dims, kernel, stride, dilation, p, op)
        if output_for(layer, size) == target:  # the forward check
            options.append(PaddingOption(p, p, op, True, op < stride))
    if options:
        return tuple(sorted(options, key=lambda o: (o.before, o.output_padding))), ()
    # reachable: every t ≤ full + limit − 1, of full's parity when limit is 1
    highest = full + limit - 1
    if target > highest:
        return (), (highest,)
    near = [
        t
        for step in (-1, 1)
        for t in (target + step,)
        if 1 <= t <= highest and (limit > 1 or (full - t) % 2 == 0)
    ]
    return (), tuple(near)


# --- solve transpose -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TransposeAxis:
    name: str
    input: int  # the forward layer's input: what the transposed conv must give back
    forward_output: int
    kernel: int  # the forward layer's, unless it cannot give the input back
    padding: int | None  # None: no kernel near the forward one can
    output_padding: int | None
    min_output: int | None  # with this padding and output_padding 0
    max_output: int | None  # the constructor: output_padding < max(stride, dilation)
    max_output_size: int | None  # forward(x, output_size=...): PyTorch allows stride − 1 more
    mirror_nearest: tuple[int, ...]  # when the forward kernel cannot: the sizes it can reach

    @property
    def mirrored(self) -> bool:
        return not self.mirror_nearest


@dataclass(frozen=True)
class TransposeAnswer:
    forward: LayerSpec
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    axes: tuple[TransposeAxis, ...]
    layer: ConvTranspose | None  # output_padding chosen per axis
    plain: ConvTranspose | None  # the same with output_padding 0, for forward(output_size=)
    output_size: tuple[int, ...] | None  # None where PyTorch's output_size rule cannot reach

    @property
    def solved(self) -> bool:
        return self.layer is not None

    @property
    def mirrored(self) -> bool:
        return all(axis.mirrored for axis in self.axes)

    @property
    def failure(self) -> str | None:
        if self.layer is not None:
            return None
        bad = next(axis for axis in self.axes if axis.padding is None)
        near = ", ".join(map(str, bad.mirror_nearest)) or "none"
        return (
            f"no ConvTranspose with the stride and dilation of {self.forward.torch_call()} "
            f"gives {bad.input} back on axis {bad.name}; its kernel reaches {near}"
        )

    def to_json(self) -> dict[str, object]:
        def call(spec: LayerSpec | None) -> str | None:
            return None if spec is None else spec.torch_call()

        return {
            "question": "transpose",
            "from": self.forward.torch_call(),
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "solved": self.solved,
            "mirrored": self.mirrored,
            "layer": call(self.layer),
            "output_size_layer": None if self.output_size is None else call(self.plain),
            "output_size": None if self.output_size is None else list(self.output_size),
            "axes": [
                {
                    "axis": a.name,
                    "input": a.input,
                    "forward_output": a.forward_output,
                    "kernel_size": a.kernel,
                    "padding": a.padding,
                    "output_padding": a.output_padding,
                    "output_range": None if a.min_output is None else [a.min_output, a.max_output],
                    "output_size_range": None
                    if a.min_output is None
                    else [a.min_output, a.max_output_size],
                    "mirror_nearest": list(a.mirror_nearest),
                }
                for a in self.axes
            ],
        }


def solve_transpose(forward: LayerSpec, input_shape: Sequence[int]) -> TransposeAnswer:
    """The ConvTranspose mirroring `forward` that maps its output back to `input_shape`.

    The mirror keeps forward's kernel, stride and dilation and swaps its channels; per axis it
    takes the padding nearest forward's that works and the output_padding that makes up the
    rest.  Where forward's kernel cannot (output_padding would have to reach max(stride,
    dilation)), the nearest kernel size that can is taken instead, and the answer says so.
    """
    _check_family(
        forward,
        MIRRORED_FAMILIES,
        "from",
        "has no transposed mirror here: give a Conv, MaxPool or AvgPool "
        "(a ConvTranspose is undone by a Conv: see `convcalc solve layer`)",
    )
    result = analyze(forward, tuple(input_shape))
    dims = forward.dims
    kernel = expand(forward.kernel_size, dims)  # type: ignore[attr-defined]
    stride, dilation = _strides(forward), _dilations(forward)
    if isinstance(forward, Conv):
        channels: dict[str, Any] = {
            "in_channels": forward.out_channels,
            "out_channels": forward.in_channels,
            "groups": forward.groups,
            "bias": forward.bias,
        }
    else:  # a pool keeps its channels
        count = result.output_shape[-dims - 1]
        channels = {"in_channels": count, "out_channels": count}
    axes = [
        _transpose_axis(axis, kernel[i], stride[i], dilation[i], dims)
        for i, axis in enumerate(result.axes)
    ]
    layer = plain = None
    output_size = None
    if all(axis.padding is not None for axis in axes):
        layer = ConvTranspose.model_validate(
            {
                "dims": dims,
                **channels,
                "kernel_size": _compact([a.kernel for a in axes]),
                "stride": _compact(stride),
                "dilation": _compact(dilation),
                "padding": _compact([a.padding or 0 for a in axes]),
                "output_padding": _compact([a.output_padding or 0 for a in axes]),
            }
        )
        _confirm_transposed(layer, result.output_shape, result.input_shape)
        plain = ConvTranspose.model_validate({**layer.model_dump(), "output_padding": 0})
        # forward(x, output_size=) passes output_size − smallest as output_padding, < stride
        if all((a.output_padding or 0) < s for a, s in zip(axes, stride, strict=True)):
            output_size = result.input_shape[-dims:]
    return TransposeAnswer(
        forward, result.input_shape, result.output_shape, tuple(axes), layer, plain, output_size
    )


def _transpose_axis(axis: Any, kernel: int, stride: int, dilation: int, dims: int) -> TransposeAxis:
    preferred = sum(axis.padding) // 2
    options, mirror_nearest = _transposed_paddings(
        dims, axis.output, axis.input, kernel, stride, dilation
    )
    used = kernel
    if not options:
        # kernels nearest the forward one; a cropping (negative) padding may need a larger one
        reach = kernel + 2 * max(0, -min(axis.padding)) + 4
        for k in sorted(range(1, reach + 1), key=lambda k: (abs(k - kernel), k)):
            options, _ = _transposed_paddings(dims, axis.output, axis.input, k, stride, dilation)
            if options:
                used = k
                break
    if not options:
        return TransposeAxis(
            axis.name, axis.input, axis.output, kernel, None, None, None, None, None, mirror_nearest
        )
    best = min(options, key=lambda o: (abs(o.before - preferred), o.before))
    low = axis.input - best.output_padding
    return TransposeAxis(
        axis.name,
        axis.input,
        axis.output,
        used,
        best.before,
        best.output_padding,
        low,
        low + max(stride, dilation) - 1,
        low + stride - 1,
        mirror_nearest,
    )


def _confirm_transposed(
    layer: ConvTranspose, shape: tuple[int, ...], wanted: tuple[int, ...]
) -> None:
    got = analyze(layer, shape).output_shape
    if got != wanted:  # pragma: no cover - would be a bug
        raise AssertionError(f"solve: {layer.torch_call()} maps {shape} to {got}, not {wanted}")


# --- solve layer ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerCandidate:
    spec: LayerSpec
    kernel: int
    stride: int
    padding: int
    dilation: int
    unused: int


@dataclass(frozen=True)
class LayerAnswer:
    kind: str
    input: int
    target: int
    candidates: tuple[LayerCandidate, ...]  # ranked: stride, kernel, dilation, padding
    more: bool  # further candidates exist beyond `limit`
    nearest: tuple[int, ...]  # reachable outputs nearest the target, when there is none

    @property
    def solved(self) -> bool:
        return bool(self.candidates)

    @property
    def failure(self) -> str | None:
        if self.candidates:
            return None
        near = ", ".join(map(str, self.nearest)) or "none"
        return (
            f"no {self.kind} within the search maps {self.input} to {self.target}; "
            f"nearest reachable: {near}"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "question": "layer",
            "kind": self.kind,
            "input": self.input,
            "target": self.target,
            "solved": self.solved,
            "more": self.more,
            "layers": [
                {
                    "layer": layer_template(c.spec),
                    "kernel_size": c.kernel,
                    "stride": c.stride,
                    "padding": c.padding,
                    "dilation": c.dilation,
                    "unused_input": c.unused,
                }
                for c in self.candidates
            ],
            "nearest": list(self.nearest),
        }


def _layer_spec(cls: type[LayerSpec], dims: int, k: int, s: int, p: int, d: int) -> LayerSpec:
    data: dict[str, Any] = {"dims": dims, "kernel_size": k, "stride": s, "padding": p}
    if cls is Conv:
        data.update(in_channels=1, out_channels=1)
    if cls is not AvgPool:
        data["dilation"] = d
    return cls.model_validate(data)


def _search_space(
    family: str, max_kernel: int, max_dilation: int
) -> list[tuple[int, int, int, int]]:
    """(kernel, dilation, effective kernel, largest padding) in rank order."""
    space = []
    for k in range(1, max_kernel + 1):
        for d in range(1, (1 if k == 1 or family == "avgpool" else max_dilation) + 1):
            eff = effective_kernel(k, d)
            # conv: a window must touch the input (p < eff); pools: PyTorch's p ≤ k // 2
            space.append((k, d, eff, eff - 1 if family == "conv" else k // 2))
    return space


def solve_layer(
    kind: str,
    size: int,
    target: int,
    *,
    max_kernel: int = 7,
    max_dilation: int = 1,
    limit: int = 10,
) -> LayerAnswer:
    """(kernel, stride, padding, dilation) of a conv or pool mapping `size` to `target`,
    simplest first: smallest stride, then kernel, dilation, padding."""
    from convcalc.specs import parse_kind

    cls, dims = parse_kind(kind)
    if cls not in (Conv, MaxPool, AvgPool):
        raise LayerError(
            f"kind: solve layer searches Conv, MaxPool and AvgPool layers, not "
            f"{kind}; for a transposed conv use `convcalc solve padding convtranspose{dims}d`"
        )
    for name, value, top in (
        ("input", size, MAX_SIZE),
        ("target", target, MAX_SIZE),
        ("max-kernel", max_kernel, MAX_KERNEL),
        ("max-dilation", max_dilation, MAX_DILATION),
        ("limit", limit, MAX_LIMIT),
    ):
        if not 1 <= value <= top:
            raise InputError(f"{name}: must be between 1 and {top:,}, got {value}")
    family, name = cls.family, f"{cls.family}{dims}d"
    space = _search_space(family, max_kernel, max_dilation)
    widest = max(eff for _, _, eff, _ in space)
    # p ≥ 0 needs N·s − 1 + eff − L ≥ 0; p ≤ pmax needs (N−1)·s ≤ L + 2·pmax − eff
    first = max(1, -(-(size + 1 - widest) // target))
    last = (size + 2 * widest) // (target - 1) + 1 if target > 1 else first + size + widest
    found: list[LayerCandidate] = []
    steps = 0
    for s in range(first, last + 1):
        for k, d, eff, pmax in space:
            steps += 1
            low = max(0, -(-((target - 1) * s + eff - size) // 2))
            high = min(pmax, (target * s - 1 + eff - size) // 2)
            for p in range(low, high + 1):
                spec = _layer_spec(cls, dims, k, s, p, d)
                try:
                    result = analyze(spec, square_shape(spec, size))
                except LayerError:
                    continue
                if result.axes[0].output == target:  # the forward check
                    found.append(LayerCandidate(spec, k, s, p, d, result.axes[0].unused))
                if len(found) > limit:
                    return LayerAnswer(name, size, target, tuple(found[:limit]), True, ())
        if steps > _MAX_STEPS:  # a bound on the time, not on the answer: say more may exist
            return LayerAnswer(name, size, target, tuple(found), True, ())
    nearest = () if found else _nearest_layer_outputs(cls, dims, space, size, target, first, last)
    return LayerAnswer(name, size, target, tuple(found), False, nearest)


def _nearest_layer_outputs(
    cls: type[LayerSpec],
    dims: int,
    space: list[tuple[int, int, int, int]],
    size: int,
    target: int,
    first: int,
    last: int,
) -> tuple[int, ...]:
    """The outputs just below and above the target over the search space (strides near the
    ones that could have worked, and stride 1 for the largest outputs)."""
    below: int | None = None
    above: int | None = None
    strides = sorted({1, *range(max(1, first - 1), min(last + 1, first + 64) + 1)})
    for s in strides:
        for k, d, _, pmax in space:
            # outputs grow with the padding: the first padding reaching the target splits them
            def out(p: int, k: int = k, s: int = s, d: int = d) -> int:
                return output_for(_layer_spec(cls, dims, k, s, p, d), size) or 0

            low, high = -1, pmax + 1  # out(low) < target ≤ out(high), out(pmax + 1) = ∞
            while high - low > 1:
                middle = (low + high) // 2
                if out(middle) < target:
                    low = middle
                else:
                    high = middle
            if low >= 0 and out(low) >= 1 and (below is None or out(low) > below):
                below = out(low)
            if high <= pmax and out(high) != target and (above is None or out(high) < above):
                above = out(high)
    return tuple(v for v in (below, above) if v is not None)
