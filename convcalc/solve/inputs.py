"""`solve_inputs`: every input size a layer maps to the wanted output size, per axis."""

# No `from __future__ import annotations`: typing.NamedTuple would compile the text of
# every record field's annotation each time the module is imported.
from collections.abc import Sequence
from typing import NamedTuple

from convcalc.arithmetic import AXIS_NAMES, analyze
from convcalc.solve._search import (
    LIMITS,
    MAX_LISTED,
    MAX_SIZE,
    SLIDING_FAMILIES,
    Reach,
    axis_spec,
    check_family,
    check_layer,
    checked_sizes,
    confirm,
    input_range,
    layer_template,
    least_input,
    level,
    nearest_outputs,
    output_for,
    probe_shape,
    window,
)
from convcalc.specs import ConvTranspose, LayerSpec


class InputSize(NamedTuple):
    input: int
    unused: int  # trailing input elements no tap reads (arithmetic's unused_input)


class OutputPaddingHint(NamedTuple):
    """A transposed conv that misses the target: the output_padding that reaches it."""

    output_padding: int
    input: int


class InputsAxis(NamedTuple):
    name: str
    target: int
    sizes: tuple[InputSize, ...]  # the first MAX_LISTED of `count`
    # a field named as a tuple method: NamedTuple allows it at run time
    count: int  # type: ignore[assignment]
    nearest: tuple[Reach, ...]  # when count is 0
    hint: OutputPaddingHint | None = None  # when count is 0 and another output_padding reaches

    @property
    def capped(self) -> bool:
        return self.count > len(self.sizes)


class InputsAnswer(NamedTuple):
    spec: LayerSpec
    axes: tuple[InputsAxis, ...]

    @property
    def solved(self) -> bool:
        return all(axis.count for axis in self.axes)

    @property
    def failure(self) -> str | None:
        for axis in self.axes:
            if not axis.count:
                text = (
                    f"no input size gives {axis.target} on axis {axis.name} of "
                    f"{layer_template(self.spec)}; nearest: {_reaches(axis.nearest)}"
                )
                if all(r.output < axis.target for r in axis.nearest):
                    text += f"; {LIMITS}"
                if axis.hint is not None:
                    text += (
                        f"; output_padding={axis.hint.output_padding} gives {axis.target} "
                        f"(from input {axis.hint.input})"
                    )
                return text
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
                    "capped": axis.capped,
                    "inputs": [{"input": s.input, "unused": s.unused} for s in axis.sizes],
                    "nearest": [{"output": r.output, "input": r.input} for r in axis.nearest],
                    "output_padding": None
                    if axis.hint is None
                    else {"output_padding": axis.hint.output_padding, "input": axis.hint.input},
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
    check_layer(spec)
    axes = []
    for i, wanted in enumerate(targets):
        one = axis_spec(spec, i)
        sizes = input_range(one, wanted)
        listed = []
        for size in sizes[:MAX_LISTED]:
            axis = analyze(one, probe_shape(one, size)).axes[0]
            # input_range bisects on this same forward rule, so every size in it gives `wanted`
            assert axis.output == wanted, f"solve: input {size} gives {axis.output}, not {wanted}"
            listed.append(InputSize(size, axis.unused))
        nearest = () if sizes else nearest_outputs(one, wanted)
        hint = None if sizes else _output_padding_hint(spec, i, wanted)
        axes.append(
            InputsAxis(AXIS_NAMES[spec.dims][i], wanted, tuple(listed), len(sizes), nearest, hint)
        )
    answer = InputsAnswer(spec, tuple(axes))
    if answer.solved:
        confirm(spec, tuple(axis.sizes[0].input for axis in axes), targets)
    return answer


def _output_padding_hint(spec: LayerSpec, i: int, target: int) -> OutputPaddingHint | None:
    """A transposed conv's outputs skip sizes when its stride exceeds 1: the output_padding
    (< max(stride, dilation)) that reaches `target` from the largest input that stays below."""
    if not isinstance(spec, ConvTranspose):
        return None
    plain = axis_spec(spec, i, output_padding=0)
    size = least_input(plain, target + 1) - 1  # the largest input giving at most the target
    below = output_for(plain, size) if 1 <= size <= MAX_SIZE else None
    w = window(plain, 0)
    if below is None or not 0 <= target - below < max(w.stride, w.dilation):
        return None
    extra = target - below
    assert level(axis_spec(spec, i, output_padding=extra), size) == target  # the forward check
    return OutputPaddingHint(extra, size)
