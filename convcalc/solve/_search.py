"""What the solve questions share: one axis of a layer, its forward map, and the search over it.

Axes are independent in PyTorch's size arithmetic, so each axis is solved on a layer that has
that axis's values on every axis (`axis_spec`), with one channel, on a square input.  A
layer's output never shrinks as its input grows, and PyTorch refuses only inputs below some
size: the inputs giving one output are one run of sizes, found by bisection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from convcalc.arguments import expand
from convcalc.arithmetic import WindowAxis, analyze
from convcalc.errors import ConvcalcError, InputError, LayerError
from convcalc.notation import shape_text
from convcalc.specs import Conv, ConvTranspose, LayerSpec

MAX_SIZE = 2**40  # largest input size searched: beyond any real tensor, 40 halvings away
MAX_LISTED = 256  # sizes, totals or paddings listed per axis (a huge stride allows many)

# the families with one fixed window; an adaptive pool's follows its output_size
SLIDING_FAMILIES = ("conv", "convtranspose", "maxpool", "avgpool")


class NoSolution(ConvcalcError):
    """No setting reaches the target; the message names the nearest reachable sizes."""


# --- one axis ----------------------------------------------------------------------------------


def axis_spec(spec: LayerSpec, axis: int, **changes: Any) -> LayerSpec:
    """`spec` with axis `axis`'s values on every axis, 1 channel in and out, and `changes`.

    The one place solve reads a spec's per-axis arguments; everything else asks `analyze`.
    """
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
    """An unbatched one-channel input with `size` on the first axis, the one solved, and the
    smallest size the layer accepts on the others (the same values): a tensor PyTorch can
    hold (int64 elements) even with `size` at MAX_SIZE."""
    others = _least_accepted(spec) if spec.dims > 1 else size
    return (1, size) + (min(size, others),) * (spec.dims - 1)


_PROBE_CAP = 2**20  # a cube of this side has 2**60 elements: within int64 in 3-D


@lru_cache(maxsize=256)
def _least_accepted(spec: LayerSpec) -> int:
    """The smallest n such that PyTorch takes an input of n on every axis (bisection; the
    layer accepts every larger n), or _PROBE_CAP when no cube up to it is accepted; doubling
    first, so that only cubes near the answer are tried."""

    def accepted(n: int) -> bool:
        try:
            analyze(spec, (1,) + (n,) * spec.dims)
        except LayerError:
            return False
        return True

    low, high = 0, 1  # refused at low (or low = 0), accepted at high
    while not accepted(high):
        if high >= _PROBE_CAP:
            return _PROBE_CAP
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        if accepted(middle):
            high = middle
        else:
            low = middle
    return high


def output_for(spec: LayerSpec, size: int) -> int | None:
    """Output size of a square layer on a square input, or None where PyTorch refuses it."""
    try:
        return analyze(spec, square_shape(spec, size)).axes[0].output
    except LayerError:
        return None


def output_or_zero(spec: LayerSpec, size: int) -> int:
    """output_for, with 0 where there is no output (no input, or PyTorch refuses it): the
    form the searches compare, since outputs only grow with the input."""
    if size < 1:
        return 0
    output = output_for(spec, size)
    return 0 if output is None else output


def window(spec: LayerSpec) -> WindowAxis:
    """The window of a square layer (kernel, stride, dilation as PyTorch takes them), read from
    the forward arithmetic on the smallest input the layer accepts."""
    return analyze(spec, square_shape(spec, least_input(spec, 1))).windows[0]


# --- searching input sizes -----------------------------------------------------------------------


def least_input(spec: LayerSpec, target: int) -> int:
    """Smallest input size whose output is ≥ target."""
    if output_or_zero(spec, MAX_SIZE) < target:
        analyze(spec, square_shape(spec, MAX_SIZE))  # raises PyTorch's refusal, if that is why
        raise InputError(f"target: {target:,} needs an input larger than {MAX_SIZE:,}")
    low, high = 0, 1  # out(low) < target ≤ out(high)
    while output_or_zero(spec, high) < target:
        low, high = high, min(2 * high, MAX_SIZE)
    while high - low > 1:
        middle = (low + high) // 2
        if output_or_zero(spec, middle) < target:
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
    if output_or_zero(spec, first) != target:
        return range(first, first)
    return range(first, least_input(spec, target + 1))


def nearest_outputs(spec: LayerSpec, target: int, *, smallest_input: int = 1) -> tuple[Reach, ...]:
    """The reachable outputs just below and just above `target` (inputs ≥ smallest_input)."""
    first = max(least_input(spec, target), smallest_input)
    found = []
    if first > smallest_input and output_or_zero(spec, first - 1) >= 1:
        below = output_or_zero(spec, first - 1)
        found.append(Reach(below, max(least_input(spec, below), smallest_input)))
    above = output_or_zero(spec, first)
    if above != target:
        found.append(Reach(above, first))
    return tuple(found)


# --- questions and answers -----------------------------------------------------------------------


def check_family(spec: LayerSpec, families: tuple[str, ...], parameter: str, why: str) -> None:
    if spec.family not in families:
        raise LayerError(f"{parameter}: {spec.torch_name} {why}")


def checked_sizes(values: int | Sequence[int], dims: int, parameter: str) -> tuple[int, ...]:
    """One size per axis from one for every axis or one per axis; refuses sizes below 1."""
    sizes = (values,) * dims if isinstance(values, int) else tuple(values)
    if len(sizes) != dims:
        raise InputError(f"{parameter}: needs one size or {dims}, got {len(sizes)}: {sizes}")
    if any(v < 1 for v in sizes):
        given = values if isinstance(values, int) else shape_text(sizes, "sizes")
        raise InputError(f"{parameter}: sizes must be ≥ 1, got {given}")
    return sizes


def compact(values: Sequence[int]) -> int | tuple[int, ...]:
    """One int when every axis agrees (as people write it), else one per axis."""
    return values[0] if len(set(values)) == 1 else tuple(values)


def confirm(spec: LayerSpec, spatial: tuple[int, ...], targets: tuple[int, ...]) -> None:
    """The assembled answer on the real layer: a failure here is a bug in solve."""
    channels = spec.in_channels if isinstance(spec, Conv | ConvTranspose) else 1
    got = analyze(spec, (channels, *spatial)).output_shape[1:]
    if got != targets:  # pragma: no cover - would be a bug
        raise AssertionError(f"solve: {spec.torch_call()} on {spatial} gives {got}, not {targets}")


def layer_template(spec: LayerSpec) -> str:
    """spec.torch_call() with the channel counts left as names when they are not known."""
    call = spec.torch_call()
    if isinstance(spec, Conv | ConvTranspose):
        head = f"{spec.torch_name}({spec.in_channels}, {spec.out_channels}"
        call = call.replace(head, f"{spec.torch_name}(in_channels, out_channels", 1)
    return call
