"""`solve_inputs`: every input size a layer maps to the wanted output size, per axis."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from convcalc.arithmetic import AXIS_NAMES, analyze
from convcalc.solve._search import (
    MAX_LISTED,
    SLIDING_FAMILIES,
    Reach,
    axis_spec,
    check_family,
    checked_sizes,
    confirm,
    input_range,
    layer_template,
    nearest_outputs,
    square_shape,
)
from convcalc.specs import LayerSpec


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
    check_family(
        spec,
        SLIDING_FAMILIES,
        "spec",
        "gives its output_size for every input size; there is nothing to solve",
    )
    targets = checked_sizes(target, spec.dims, "target")
    axes = []
    for i, wanted in enumerate(targets):
        one = axis_spec(spec, i)
        sizes = input_range(one, wanted)
        listed = []
        for size in sizes[:MAX_LISTED]:
            axis = analyze(one, square_shape(one, size)).axes[0]
            # input_range bisects on this same forward rule, so every size in it gives `wanted`
            assert axis.output == wanted, f"solve: input {size} gives {axis.output}, not {wanted}"
            listed.append(InputSize(size, axis.unused))
        nearest = () if sizes else nearest_outputs(one, wanted)
        axes.append(
            InputsAxis(AXIS_NAMES[spec.dims][i], wanted, tuple(listed), len(sizes), nearest)
        )
    answer = InputsAnswer(spec, tuple(axes))
    if answer.solved:
        confirm(spec, tuple(axis.sizes[0].input for axis in axes), targets)
    return answer
