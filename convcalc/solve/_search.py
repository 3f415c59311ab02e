"""What the solve questions share: one axis of a layer, its forward map, and the search over it.

Axes are independent in PyTorch's size arithmetic, so each axis is solved on a one-axis copy of
the layer (`axis_spec`: that axis's values, one channel), probed on inputs PyTorch can hold
whatever the size.  A layer's output never shrinks as its input grows, and PyTorch refuses
only inputs too small for the window and outputs beyond int64: the inputs giving one output are
one run of sizes, found by bisection over 1 … MAX_SIZE in about 130 probes, however large the
numbers.  Work is bounded by MAX_SIZE's 63 bits and MAX_LISTED, never by a size or a count.
"""

# No `from __future__ import annotations`: typing.NamedTuple would compile the text of
# every record field's annotation each time the module is imported.
from collections.abc import Sequence
from typing import Any, NamedTuple

from convcalc.arguments import INT64_MAX, expand
from convcalc.arithmetic import analyze, weights
from convcalc.errors import ConvcalcError, InputError, LayerError, LimitError
from convcalc.kinds import CONV_FAMILIES
from convcalc.notation import int_text, shape_text
from convcalc.specs import LayerSpec, is_conv

# The bounds of every solve question (README, "Bounds"): sizes are PyTorch's int64, so no input,
# output, padding or target beyond 2**63 − 1 is searched, listed or accepted; listings stop at
# MAX_LISTED per axis while their counts stay exact (closed forms, not enumeration).
MAX_SIZE = INT64_MAX
MAX_LISTED = 256  # options or sizes listed per axis (a huge stride allows ~10**18)
BEYOND = MAX_SIZE + 1  # the level of an output PyTorch refuses as beyond int64: above any target
# said where a target lies beyond everything reachable within those bounds
LIMITS = f"sizes, paddings and element counts stop at {MAX_SIZE:,} (PyTorch's int64)"

# the families with one fixed window; an adaptive pool's follows its output_size
SLIDING_FAMILIES = (*CONV_FAMILIES, "maxpool", "avgpool")


class NoSolution(ConvcalcError):
    """No setting reaches the target; the message names the nearest reachable sizes."""


# --- one axis ----------------------------------------------------------------------------------


def axis_spec(spec: LayerSpec, axis: int, **changes: Any) -> LayerSpec:
    """The one-axis copy of `spec` that solves axis `axis`: that axis's values, one channel,
    and `changes`.  One axis, so a probe of any size up to int64 is a tensor PyTorch can hold;
    AvgPool3d keeps its three axes (it alone compares every unpadded axis with its kernel).

    With `window`, the one place solve reads a spec's per-axis arguments; everything else
    asks `analyze`.
    """
    data = spec.model_dump()
    for name, _ in spec.size_fields:
        value = data[name]
        if isinstance(value, tuple):
            data[name] = expand(value, spec.dims)[axis]
    if is_conv(spec):
        data.update(in_channels=1, out_channels=1, groups=1)
    avg = spec.family == "avgpool"  # by name: a conv's question never imports the pools
    if not (avg and spec.dims == 3):
        data["dims"] = 1
        if avg:
            data["divisor_override"] = None  # 2-D and 3-D only; sizes do not depend on it
    data.update(changes)
    return type(spec).model_validate(data)


def probe_shape(spec: LayerSpec, size: int) -> tuple[int, ...]:
    """An unbatched one-channel input of `size` on the solved axis (an AvgPool3d's other axes
    at its kernel, the least it takes)."""
    if spec.dims == 1:
        return (1, size)
    kernel = window(spec, 0).kernel
    return (1, size, kernel, kernel)


def output_for(spec: LayerSpec, size: int) -> int | None:
    """Output size of a one-axis layer on `size`, or None where PyTorch refuses it."""
    try:
        return analyze(spec, probe_shape(spec, size)).axes[0].output
    except LayerError:
        return None


def level(spec: LayerSpec, size: int) -> int:
    """The output for `size` as the searches compare it (outputs only grow with the input):
    0 where there is no input or PyTorch refuses it as too small for the window, BEYOND where
    it refuses the output (or input) as beyond int64."""
    if size < 1:
        return 0
    try:
        return analyze(spec, probe_shape(spec, size)).axes[0].output
    except LimitError:  # arithmetic.check_tensor's refusals, the only ones from above
        return BEYOND
    except LayerError:
        return 0


class Window(NamedTuple):
    """One axis's window as PyTorch takes it."""

    kernel: int
    stride: int  # a pool's stride=None is its kernel
    dilation: int  # 1 for an avg pool, which has none


def window(spec: LayerSpec, axis: int) -> Window:
    """Kernel, stride and dilation of axis `axis`, read from the spec as PyTorch reads them
    (solve needs them where no input is accepted: a window wider than any int64 input)."""
    values: dict[str, Any] = spec.model_dump()
    kernel = expand(values["kernel_size"], spec.dims)[axis]
    stride = kernel if values["stride"] is None else expand(values["stride"], spec.dims)[axis]
    dilation = expand(values.get("dilation", 1), spec.dims)[axis]
    return Window(kernel, stride, dilation)


def check_layer(spec: LayerSpec) -> None:
    """PyTorch's refusal of `spec` at every input size, raised before any search: its weight
    beyond int64, or a refusal that does not depend on the size (the same at sizes 1 and 2; a
    refusal that depends on the size names it)."""
    if is_conv(spec):
        weights(spec)
    channels = spec.in_channels if is_conv(spec) else 1
    refusals = []
    for size in (1, 2):
        try:
            analyze(spec, (channels,) + (size,) * spec.dims)
            return
        except LayerError as error:
            refusals.append(error)
    # (a refusal that names int64 is about sizes, beyond it: the searches stop there instead)
    if str(refusals[0]) == str(refusals[1]) and "int64" not in str(refusals[0]):
        raise refusals[0]


# --- searching input sizes -----------------------------------------------------------------------


def least_input(spec: LayerSpec, target: int) -> int:
    """Smallest input size whose output is ≥ target, or MAX_SIZE + 1 when no int64 size has."""
    if level(spec, MAX_SIZE) < target:
        return MAX_SIZE + 1
    low, high = 0, 1  # level(low) < target ≤ level(high)
    while level(spec, high) < target:
        low, high = high, min(2 * high, MAX_SIZE)
    while high - low > 1:
        middle = (low + high) // 2
        if level(spec, middle) < target:
            low = middle
        else:
            high = middle
    return high


class Reach(NamedTuple):
    """An output size the layer can reach, and the smallest input that reaches it."""

    output: int
    input: int


def input_range(spec: LayerSpec, target: int) -> range:
    """Every input size up to MAX_SIZE giving `target` (outputs grow with the input: one run)."""
    first = least_input(spec, target)
    if first > MAX_SIZE or level(spec, first) != target:
        return range(first, first)
    return range(first, least_input(spec, target + 1))


def nearest_outputs(spec: LayerSpec, target: int, *, smallest_input: int = 1) -> tuple[Reach, ...]:
    """The reachable outputs just below and just above `target` (inputs ≥ smallest_input, up to
    MAX_SIZE; an output beyond int64 is not reachable)."""
    first = max(least_input(spec, target), smallest_input)
    found = []
    last = min(first - 1, MAX_SIZE)
    if last >= smallest_input and 1 <= level(spec, last) < BEYOND:
        below = level(spec, last)
        found.append(Reach(below, max(least_input(spec, below), smallest_input)))
    if first <= MAX_SIZE:
        above = level(spec, first)
        if above not in (target, BEYOND):
            found.append(Reach(above, first))
    return tuple(found)


# --- questions and answers -----------------------------------------------------------------------


def check_family(spec: LayerSpec, families: tuple[str, ...], parameter: str, why: str) -> None:
    if spec.family not in families:
        raise LayerError(f"{parameter}: {spec.torch_name} {why}")


def checked_sizes(values: int | Sequence[int], dims: int, parameter: str) -> tuple[int, ...]:
    """One size per axis from one for every axis or one per axis; refuses sizes below 1 and
    beyond MAX_SIZE."""
    sizes = (values,) * dims if isinstance(values, int) else tuple(values)
    if len(sizes) != dims:
        raise InputError(
            f"{parameter}: needs one size or {dims}, got {len(sizes)}: {shape_text(sizes)}"
        )
    given = int_text(values) if isinstance(values, int) else shape_text(sizes, "sizes")
    if any(v < 1 for v in sizes):
        raise InputError(f"{parameter}: sizes must be ≥ 1, got {given}")
    if any(v > MAX_SIZE for v in sizes):
        raise InputError(
            f"{parameter}: sizes must be at most {MAX_SIZE:,} (PyTorch's int64), got {given}"
        )
    return sizes


def compact(values: Sequence[int]) -> int | tuple[int, ...]:
    """One int when every axis agrees (as people write it), else one per axis."""
    return values[0] if len(set(values)) == 1 else tuple(values)


def confirm(spec: LayerSpec, spatial: tuple[int, ...], targets: tuple[int, ...]) -> None:
    """The assembled answer on the real layer: a failure here is a bug in solve (or an input
    whose element count only the real layer's axes together take beyond int64: refused)."""
    channels = spec.in_channels if is_conv(spec) else 1
    got = analyze(spec, (channels, *spatial)).output_shape[1:]
    if got != targets:  # pragma: no cover - would be a bug
        raise AssertionError(f"solve: {spec.torch_call()} on {spatial} gives {got}, not {targets}")


def layer_template(spec: LayerSpec) -> str:
    """spec.torch_call() with the channel counts left as names: they do not change sizes."""
    return spec.torch_call(channels=False)
