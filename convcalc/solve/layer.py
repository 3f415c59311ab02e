"""`solve_layer`: the conv or pool settings (kernel, stride, padding, dilation) that map one
size to another, simplest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from convcalc import padding as padding_rules
from convcalc.arithmetic import analyze
from convcalc.errors import InputError, LayerError
from convcalc.solve._search import MAX_SIZE, layer_template, output_or_zero, square_shape
from convcalc.specs import AvgPool, Conv, LayerSpec, MaxPool, parse_kind

MAX_KERNEL = 64  # bounds of the search
MAX_DILATION = 16
MAX_LIMIT = 1000
_MAX_STEPS = 200_000  # (stride, kernel, dilation) triples one search may try


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
    simplest first: smallest stride, then kernel, dilation, padding."""
    cls, dims = parse_kind(kind)
    if cls not in (Conv, MaxPool, AvgPool):
        raise LayerError(
            f"kind: solve_layer searches Conv, MaxPool and AvgPool layers, not {kind}; "
            f"for a transposed conv, solve_padding with a ConvTranspose{dims}d"
        )
    for name, value, top in (
        ("input", input, MAX_SIZE),
        ("target", target, MAX_SIZE),
        ("max_kernel", max_kernel, MAX_KERNEL),
        ("max_dilation", max_dilation, MAX_DILATION),
        ("limit", limit, MAX_LIMIT),
    ):
        if not 1 <= value <= top:
            raise InputError(f"{name}: must be between 1 and {top:,}, got {value}")
    family, name = cls.family, f"{cls.family}{dims}d"
    space = _search_space(family, max_kernel, max_dilation)
    widest = max(eff for _, _, eff, _ in space)
    # p ≥ 0 needs N·s − 1 + eff − L ≥ 0; p ≤ pmax needs (N−1)·s ≤ L + 2·pmax − eff
    first = max(1, -(-(input + 1 - widest) // target))
    last = (input + 2 * widest) // (target - 1) + 1 if target > 1 else first + input + widest
    found: list[LayerCandidate] = []
    steps = 0
    for s in range(first, last + 1):
        for k, d, eff, pmax in space:
            steps += 1
            low = max(0, -(-((target - 1) * s + eff - input) // 2))
            high = min(pmax, (target * s - 1 + eff - input) // 2)
            for p in range(low, high + 1):
                spec = _layer_spec(cls, dims, k, s, p, d)
                try:
                    result = analyze(spec, square_shape(spec, input))
                except LayerError:
                    continue
                if result.axes[0].output == target:  # the forward check
                    found.append(LayerCandidate(spec, k, s, p, d, result.axes[0].unused))
                if len(found) > limit:
                    return LayerAnswer(name, input, target, tuple(found[:limit]), True, ())
        if steps > _MAX_STEPS:  # a bound on the time, not on the answer: say more may exist
            return LayerAnswer(name, input, target, tuple(found), True, ())
    nearest = () if found else _nearest_outputs(cls, dims, space, input, target, first, last)
    return LayerAnswer(name, input, target, tuple(found), False, nearest)


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
            eff = d * (k - 1) + 1  # the window's span
            # conv: a window must touch the input (p < eff); pools: PyTorch's p ≤ k // 2
            pmax = eff - 1 if family == "conv" else padding_rules.max_pool_padding(k)
            space.append((k, d, eff, pmax))
    return space


def _nearest_outputs(
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
                return output_or_zero(_layer_spec(cls, dims, k, s, p, d), size)

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
