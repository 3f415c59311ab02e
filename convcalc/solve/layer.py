"""`solve_layer`: the conv or pool settings (kernel, stride, padding, dilation) that map one
size to another, simplest first."""

# No `from __future__ import annotations`: typing.NamedTuple would compile the text of
# every record field's annotation each time the module is imported.
import heapq
from typing import Any, NamedTuple

from convcalc import padding as padding_rules
from convcalc.arithmetic import analyze
from convcalc.errors import InputError, LayerError
from convcalc.kinds import torch_name
from convcalc.notation import int_text
from convcalc.solve._search import (
    MAX_SIZE,
    axis_spec,
    layer_template,
    output_for,
    probe_shape,
)
from convcalc.specs import AvgPool, Conv, LayerSpec, MaxPool, parse_kind

# bounds of the search (README, "Bounds"): at most MAX_KERNEL · MAX_DILATION (kernel, dilation)
# pairs, each asked for at most MAX_LIMIT + 1 candidates; sizes up to MAX_SIZE (int64)
MAX_KERNEL = 64
MAX_DILATION = 16
MAX_LIMIT = 1000


class LayerCandidate(NamedTuple):
    spec: LayerSpec
    kernel: int
    stride: int
    padding: int
    dilation: int
    unused: int


class LayerAnswer(NamedTuple):
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


SEARCHED_KINDS = tuple(
    f"{family}{d}d" for family in ("conv", "maxpool", "avgpool") for d in (1, 2, 3)
)


def solve_layer(
    kind: str,
    input: int,
    target: int,
    *,
    max_kernel: int = 7,
    max_dilation: int = 1,
    limit: int = 10,
) -> LayerAnswer:
    """(kernel, stride, padding, dilation) of a conv or pool mapping `input` to `target`,
    simplest first: smallest stride, then kernel, dilation, padding.

    Closed forms, not a walk over strides: for one (kernel, dilation) the strides that work are
    one run and, per stride, the paddings one run, so the work is the candidates listed (at
    most MAX_LIMIT) times the (kernel, dilation) pairs (at most MAX_KERNEL · MAX_DILATION),
    whatever the sizes.
    """
    cls, dims = parse_kind(kind)
    if cls not in (Conv, MaxPool, AvgPool):
        name = torch_name(cls.family, dims)
        if cls.family.startswith("adaptive"):
            why = (
                "has no kernel, stride or padding to search: it gives its output_size for "
                f"every input size ({name}({int_text(target)}) maps any input to "
                f"{int_text(target)})"
            )
        else:
            why = (
                "is not searched: solve_layer searches conv, maxpool and avgpool layers; "
                f"solve_padding finds a {name}'s padding and output_padding"
            )
        raise LayerError(f"kind: {name} {why}")
    for name, value, top in (
        ("input", input, MAX_SIZE),
        ("target", target, MAX_SIZE),
        ("max_kernel", max_kernel, MAX_KERNEL),
        ("max_dilation", max_dilation, MAX_DILATION),
        ("limit", limit, MAX_LIMIT),
    ):
        if not 1 <= value <= top:
            raise InputError(f"{name}: must be between 1 and {top:,}, got {int_text(value)}")
    family, name = cls.family, f"{cls.family}{dims}d"
    space = _search_space(family, input, max_kernel, max_dilation)
    found: list[LayerCandidate] = []
    # (stride, rank in the space): the next stride each (kernel, dilation) works with
    queue = [(s, index) for index, entry in enumerate(space) if (s := entry.next_stride(target, 0))]
    heapq.heapify(queue)
    while queue and len(found) <= limit:
        s, index = heapq.heappop(queue)
        entry = space[index]
        try:
            for p in entry.paddings(target, s):
                found.append(_candidate(cls, dims, entry, s, p, input, target))
                if len(found) > limit:
                    break
        except LayerError:  # refused whatever the stride (AvgPool3d: an axis below its kernel)
            continue
        following = entry.next_stride(target, s)
        if following:
            heapq.heappush(queue, (following, index))
    if found:
        return LayerAnswer(name, input, target, tuple(found[:limit]), len(found) > limit, ())
    nearest = _nearest_outputs(cls, dims, space, input, target)
    return LayerAnswer(name, input, target, (), False, nearest)


class _Entry(NamedTuple):
    """One (kernel, dilation) of the search on input L: output ⌊X/s⌋ + 1 with X = L + 2p −
    span, p = 0 … pmax, X ≥ 0 (floor mode, as convs and pools here)."""

    kernel: int
    dilation: int
    pmax: int
    low: int  # A = L − span: X at p = 0
    least: int  # the least X ≥ 0 of A's parity (p ≥ 0)
    most: int  # A + 2·pmax

    def reachable(self) -> bool:
        return self.least <= self.most

    def strides(self, target: int) -> tuple[int, int | None]:
        """The strides ≥ 2 that give `target` (None: no upper end): (t−1)·s ≤ X ≤ t·s − 1 has
        an X in least … most (an interval of s ≥ 2 integers holds both parities)."""
        first = max(2, -(-(self.least + 1) // target))
        last = self.most // (target - 1) if target > 1 else None
        return first, last

    def next_stride(self, target: int, after: int) -> int:
        """The least stride > after that gives `target`, or 0."""
        if after < 1 and self.least <= target - 1 <= self.most and (target - 1 - self.low) % 2 == 0:
            return 1
        first, last = self.strides(target)
        s = max(first, after + 1)
        return s if self.reachable() and (last is None or s <= last) else 0

    def paddings(self, target: int, s: int) -> range:
        """The paddings giving `target` with stride s (ascending)."""
        low = max((target - 1) * s, self.least)
        high = min(target * s - 1, self.most)
        low += (low - self.low) % 2
        high -= (high - self.low) % 2
        return range((low - self.low) // 2, (high - self.low) // 2 + 1) if low <= high else range(0)

    def witness(self, value: int) -> tuple[int, int] | None:
        """A (stride, padding) giving `value`, or None."""
        s = self.next_stride(value, 0)
        if not s:
            return None
        return s, self.paddings(value, s)[0]

    def near(self, target: int) -> tuple[list[int], list[int]]:
        """Outputs of this entry just below and just above `target` (candidates: each is
        checked with `witness`).  Stride 1 gives least+1, least+3, … most+1; stride s ≥ 2 every
        value of ⌊least/s⌋+1 … ⌊most/s⌋+1, runs that move down as s grows."""
        below: list[int] = []
        above: list[int] = []
        if not self.reachable():
            return below, above
        first, last = self.least + 1, self.most + 1  # stride 1
        v = min(target - 1, last)
        v -= (v - first) % 2
        if v >= first:
            below.append(v)
        v = max(target + 1, first)
        v += (v - first) % 2
        if v <= last:
            above.append(v)
        if target >= 2:
            s0 = max(2, self.most // (target - 1) + 1)  # the first run entirely below target
            below.append(self.most // s0 + 1)
            if s0 - 1 >= 2 and self.least // (s0 - 1) + 1 <= target - 1:
                below.append(target - 1)
        s1 = self.least // target  # the last run entirely above target
        if s1 >= 2:
            above.append(self.least // s1 + 1)
        if self.most // max(2, s1 + 1) + 1 >= target + 1:
            above.append(target + 1)
        return below, above


def _candidate(
    cls: type[LayerSpec], dims: int, entry: _Entry, s: int, p: int, size: int, target: int
) -> LayerCandidate:
    spec = _layer_spec(cls, dims, entry.kernel, s, p, entry.dilation)
    probe = axis_spec(spec, 0)
    axis = analyze(probe, probe_shape(probe, size)).axes[0]
    assert axis.output == target, f"solve: {spec.torch_call()} gives {axis.output}"  # forward check
    return LayerCandidate(spec, entry.kernel, s, p, entry.dilation, axis.unused)


def _layer_spec(cls: type[LayerSpec], dims: int, k: int, s: int, p: int, d: int) -> LayerSpec:
    data: dict[str, Any] = {"dims": dims, "kernel_size": k, "stride": s, "padding": p}
    if cls is Conv:
        data.update(in_channels=1, out_channels=1)
    if cls is not AvgPool:
        data["dilation"] = d
    return cls.model_validate(data)


def _search_space(family: str, size: int, max_kernel: int, max_dilation: int) -> list[_Entry]:
    """(kernel, dilation) in rank order, each with its padding limit."""
    space = []
    for k in range(1, max_kernel + 1):
        for d in range(1, (1 if k == 1 or family == "avgpool" else max_dilation) + 1):
            span = d * (k - 1) + 1
            # conv: a window must touch the input (p < span); pools: PyTorch's p ≤ k // 2
            pmax = span - 1 if family == "conv" else padding_rules.max_pool_padding(k)
            low = size - span
            least = low if low >= 0 else low % 2
            space.append(_Entry(k, d, pmax, low, least, low + 2 * pmax))
    return space


def _nearest_outputs(
    cls: type[LayerSpec], dims: int, space: list[_Entry], size: int, target: int
) -> tuple[int, ...]:
    """The reachable outputs just below and above the target over the whole search space,
    each confirmed by the forward arithmetic on a layer that gives it."""
    below: int | None = None
    above: int | None = None
    for entry in space:
        lower, higher = entry.near(target)
        for v in lower:
            if (
                1 <= v < target
                and (below is None or v > below)
                and _gives(cls, dims, entry, v, size)
            ):
                below = v
        for v in higher:
            if (
                target < v <= MAX_SIZE
                and (above is None or v < above)
                and _gives(cls, dims, entry, v, size)
            ):
                above = v
    return tuple(v for v in (below, above) if v is not None)


def _gives(cls: type[LayerSpec], dims: int, entry: _Entry, value: int, size: int) -> bool:
    found = entry.witness(value)
    if found is None:
        return False
    spec = _layer_spec(cls, dims, entry.kernel, found[0], found[1], entry.dilation)
    probe = axis_spec(spec, 0)
    return output_for(probe, size) == value
