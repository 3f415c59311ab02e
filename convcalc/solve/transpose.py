"""`solve_transpose`: the ConvTranspose that maps a conv's or pool's output back to its input."""

# No `from __future__ import annotations`: typing.NamedTuple would compile the text of
# every record field's annotation each time the module is imported.
from collections.abc import Sequence
from typing import Any, NamedTuple

from convcalc.arithmetic import WindowAxis, analyze
from convcalc.solve._search import MAX_SIZE, check_family, compact
from convcalc.solve.padding import transposed_options
from convcalc.specs import Conv, ConvTranspose, LayerSpec

MIRRORED_FAMILIES = ("conv", "maxpool", "avgpool")


class TransposeAxis(NamedTuple):
    name: str
    input: int  # the forward layer's input: what the transposed conv must give back
    forward_output: int
    kernel: int  # the forward layer's, unless it cannot give the input back
    padding: int | None  # None: no kernel near the forward one can
    output_padding: int | None
    # the sizes this padding reaches, from output_padding 0 (at least 1: ATen's native kernels
    # refuse an output of size 0) ...
    min_output: int | None
    max_output: int | None  # ... to the constructor's output_padding < max(stride, dilation)
    max_output_size: int | None  # ... or forward(x, output_size=...)'s stride − 1 more
    mirror_nearest: tuple[int, ...]  # when the forward kernel cannot: the sizes it can reach

    @property
    def mirrored(self) -> bool:
        return not self.mirror_nearest

    @property
    def output_size_reachable(self) -> bool:
        """forward(x, output_size=...) reaches some size ≥ 1 with this padding."""
        if self.min_output is None or self.max_output_size is None:
            return False
        return self.max_output_size >= self.min_output


class TransposeAnswer(NamedTuple):
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
                    "output_size_range": [a.min_output, a.max_output_size]
                    if a.output_size_reachable
                    else None,
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
    check_family(
        forward,
        MIRRORED_FAMILIES,
        "forward",
        "has no transposed mirror here: give a Conv, MaxPool or AvgPool "
        "(a ConvTranspose is undone by a Conv, which solve_layer finds)",
    )
    result = analyze(forward, tuple(input_shape))
    windows = result.windows
    dims = forward.dims
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
    axes = [_transpose_axis(w) for w in windows]
    layer = plain = None
    output_size = None
    if all(axis.padding is not None for axis in axes):
        layer = ConvTranspose.model_validate(
            {
                "dims": dims,
                **channels,
                "kernel_size": compact([a.kernel for a in axes]),
                "stride": compact([w.stride for w in windows]),
                "dilation": compact([w.dilation for w in windows]),
                "padding": compact([a.padding or 0 for a in axes]),
                "output_padding": compact([a.output_padding or 0 for a in axes]),
            }
        )
        _confirm_transposed(layer, result.output_shape, result.input_shape)
        plain = ConvTranspose.model_validate({**layer.model_dump(), "output_padding": 0})
        # forward(x, output_size=) passes output_size − smallest as output_padding, < stride
        if all((a.output_padding or 0) < w.stride for a, w in zip(axes, windows, strict=True)):
            output_size = result.input_shape[-dims:]
    return TransposeAnswer(
        forward, result.input_shape, result.output_shape, tuple(axes), layer, plain, output_size
    )


def _transpose_axis(axis: WindowAxis) -> TransposeAxis:
    """The mirror of one forward axis: its stride and dilation, the kernel nearest its own that
    gives `axis.input` back, and the padding nearest its own (closed forms: kernels, strides
    and paddings may be as large as int64)."""
    kernel, stride, dilation = axis.kernel, axis.stride, axis.dilation
    paddings, reach = transposed_options(axis.output, axis.input, kernel, stride, dilation)
    mirror_nearest: tuple[int, ...] = ()
    used = kernel
    if not paddings:
        mirror_nearest = reach.nearest(axis.input)
        for k in _kernels_to_try(axis.output, axis.input, kernel, stride, dilation):
            paddings, reach = transposed_options(axis.output, axis.input, k, stride, dilation)
            if paddings:
                used = k
                break
    if not paddings:
        return TransposeAxis(
            axis.name,
            axis.input,
            axis.output,
            kernel,
            None,
            None,
            None,
            None,
            None,
            mirror_nearest,
        )
    preferred = sum(axis.padding) // 2
    padding = min(max(preferred, paddings[0]), paddings[-1])
    output_padding = reach.output_padding(axis.input, padding)
    plain = axis.input - output_padding  # output_padding 0: may be < 1, which PyTorch refuses
    return TransposeAxis(
        axis.name,
        axis.input,
        axis.output,
        used,
        padding,
        output_padding,
        max(1, plain),  # ATen's native kernels refuse an output of size 0
        plain + max(stride, dilation) - 1,
        plain + stride - 1,
        mirror_nearest,
    )


def _kernels_to_try(size: int, target: int, kernel: int, stride: int, dilation: int) -> list[int]:
    """Kernels that may give `target` back, nearest the forward one first.  A kernel k' can
    when its full output (L−1)·s + d·(k'−1) + 1 lies in target − (limit − 1) … target + 2·MAX_SIZE
    (output_padding < limit, padding ≤ MAX_SIZE): one run of kernels, from k_low to k_high; with
    limit 1 only every other one (output_padding 0: the full output's parity)."""
    limit = max(stride, dilation)
    base = (size - 1) * stride + 1
    k_low = 1 + max(0, -(-(target - limit + 1 - base) // dilation))
    k_high = 1 + (target + 2 * MAX_SIZE - base) // dilation
    near = {kernel - 1, kernel + 1, k_low, k_low + 1, k_high, k_high - 1}
    return sorted((k for k in near if 1 <= k <= MAX_SIZE), key=lambda k: (abs(k - kernel), k))


def _confirm_transposed(
    layer: ConvTranspose, shape: tuple[int, ...], wanted: tuple[int, ...]
) -> None:
    got = analyze(layer, shape).output_shape
    if got != wanted:  # pragma: no cover - would be a bug
        raise AssertionError(f"solve: {layer.torch_call()} maps {shape} to {got}, not {wanted}")
