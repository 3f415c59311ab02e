"""`solve_padding`: every padding that makes a layer map an input size to the wanted size.

The rules themselves (F.pad's tuple, the pool limit, TensorFlow's 'SAME') live in
`convcalc.padding`; this module searches with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from convcalc import padding as padding_rules
from convcalc.arithmetic import AXIS_NAMES
from convcalc.solve._search import (
    MAX_LISTED,
    SLIDING_FAMILIES,
    axis_spec,
    check_family,
    checked_sizes,
    compact,
    confirm,
    input_range,
    layer_template,
    nearest_outputs,
    output_for,
    output_or_zero,
    window,
)
from convcalc.specs import Conv, ConvTranspose, LayerSpec


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
            "pad": None if self.pads is None else list(padding_rules.fpad_flat(self.pads)),
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


def solve_padding(
    spec: LayerSpec, input: int | Sequence[int], target: int | Sequence[int]
) -> PaddingAnswer:
    """Every padding that makes `spec` (its own padding ignored) map `input` to `target`."""
    check_family(spec, SLIDING_FAMILIES, "spec", "has no padding: its windows follow output_size")
    sizes = checked_sizes(input, spec.dims, "input")
    targets = checked_sizes(target, spec.dims, "target")
    zero: dict[str, Any] = {"padding": 0}
    if isinstance(spec, ConvTranspose):
        zero["output_padding"] = 0
    spec = type(spec).model_validate({**spec.model_dump(), **zero})
    axes = tuple(_padding_axis(spec, i, sizes[i], targets[i]) for i in range(spec.dims))
    native = pads = padded = None
    if all(axis.options for axis in axes):
        firsts = [axis.options[0] for axis in axes]
        if all(o.native for o in firsts):
            change: dict[str, Any] = {"padding": compact([o.before for o in firsts])}
            if isinstance(spec, ConvTranspose):
                change["output_padding"] = compact([o.output_padding for o in firsts])
            native = type(spec).model_validate({**spec.model_dump(), **change})
            confirm(native, sizes, targets)
        else:
            # an explicit pad where an axis needs one; the layer's own padding on the others
            # (an explicit (p, p) is not a pool's padding=p under ceil_mode)
            pads = tuple((0, 0) if o.native else (o.before, o.after) for o in firsts)
            own = compact([o.before if o.native else 0 for o in firsts])
            padded = type(spec).model_validate({**spec.model_dump(), "padding": own})
            confirm(
                padded, tuple(s + b + a for s, (b, a) in zip(sizes, pads, strict=True)), targets
            )
    return PaddingAnswer(spec, axes, native, pads, padded)


def _padding_axis(spec: LayerSpec, i: int, size: int, target: int) -> PaddingAxis:
    base = axis_spec(spec, i)
    w = window(base)
    name = AXIS_NAMES[spec.dims][i]
    if isinstance(spec, ConvTranspose):
        found, near = transposed_paddings(spec.dims, size, target, w.kernel, w.stride, w.dilation)
        return PaddingAxis(name, size, target, w.kernel, w.stride, w.dilation, found, (), near)

    # input + explicit pad total that the layer with padding 0 maps to the target
    padded_sizes = input_range(base, target)
    padded_sizes = padded_sizes[max(0, size - padded_sizes.start) :]
    if isinstance(spec, Conv):
        # zero padding p on both sides is the explicit pad (p, p): the even totals
        start = padded_sizes.start + (padded_sizes.start - size) % 2
        paddings = range((start - size) // 2, (padded_sizes.stop - size + 1) // 2)
    else:
        paddings = range(padding_rules.max_pool_padding(w.kernel) + 1)
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
    out, before, after = padding_rules.tf_same(size, w.kernel, w.stride, w.dilation)
    torch_out = output_or_zero(base, size + before + after)
    same = (
        SamePadding("TensorFlow/Keras 'SAME', ONNX SAME_UPPER", out, before, after, torch_out),
        SamePadding("ONNX SAME_LOWER", out, after, before, torch_out),
    )
    options = tuple(native + explicit)
    nearest: tuple[int, ...] = ()
    if not options:
        nearest = tuple(r.output for r in nearest_outputs(base, target, smallest_input=size))
    return PaddingAxis(name, size, target, w.kernel, w.stride, w.dilation, options, same, nearest)


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


def transposed_paddings(
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
    near = (
        t
        for t in (target - 1, target + 1)
        if 1 <= t <= highest and (limit > 1 or (full - t) % 2 == 0)
    )
    return (), tuple(near)
