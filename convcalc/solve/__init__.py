"""The inverse questions: which padding, input sizes, transposed conv or layer give a wanted size.

Candidates come from the closed-form size formulas or from a search over input sizes; each is
checked with `arithmetic.analyze`, the forward rule of `convcalc shape`, and dropped unless it
gives the target.  Axes are solved one at a time; the assembled answer is checked once more on
the real layer.  One module per question, its answer records and their JSON beside its solver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from convcalc import _lazy_getattr

# Each question imports only its own module (a `solve padding` call never loads the search
# for layers): names are resolved on first use.
_EXPORTS = {
    **dict.fromkeys(
        ("MAX_LISTED", "MAX_SIZE", "NoSolution", "Reach", "layer_template"),
        "convcalc.solve._search",
    ),
    **dict.fromkeys(
        ("InputsAnswer", "InputsAxis", "InputSize", "OutputPaddingHint", "solve_inputs"),
        "convcalc.solve.inputs",
    ),
    **dict.fromkeys(
        ("MAX_DILATION", "MAX_KERNEL", "MAX_LIMIT", "LayerAnswer", "LayerCandidate", "solve_layer"),
        "convcalc.solve.layer",
    ),
    **dict.fromkeys(
        (
            "PaddingAnswer",
            "PaddingAxis",
            "PaddingOption",
            "SamePadding",
            "SchemeMatch",
            "solve_padding",
        ),
        "convcalc.solve.padding",
    ),
    **dict.fromkeys(
        ("TransposeAnswer", "TransposeAxis", "solve_transpose"), "convcalc.solve.transpose"
    ),
}
__getattr__ = _lazy_getattr("convcalc.solve", _EXPORTS)


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:
    from convcalc.solve._search import MAX_LISTED, MAX_SIZE, NoSolution, Reach, layer_template
    from convcalc.solve.inputs import (
        InputsAnswer,
        InputsAxis,
        InputSize,
        OutputPaddingHint,
        solve_inputs,
    )
    from convcalc.solve.layer import (
        MAX_DILATION,
        MAX_KERNEL,
        MAX_LIMIT,
        LayerAnswer,
        LayerCandidate,
        solve_layer,
    )
    from convcalc.solve.padding import (
        PaddingAnswer,
        PaddingAxis,
        PaddingOption,
        SamePadding,
        SchemeMatch,
        solve_padding,
    )
    from convcalc.solve.transpose import TransposeAnswer, TransposeAxis, solve_transpose

__all__ = [
    "MAX_DILATION",
    "MAX_KERNEL",
    "MAX_LIMIT",
    "MAX_LISTED",
    "MAX_SIZE",
    "InputSize",
    "InputsAnswer",
    "InputsAxis",
    "LayerAnswer",
    "LayerCandidate",
    "NoSolution",
    "OutputPaddingHint",
    "PaddingAnswer",
    "PaddingAxis",
    "PaddingOption",
    "Reach",
    "SamePadding",
    "SchemeMatch",
    "TransposeAnswer",
    "TransposeAxis",
    "layer_template",
    "solve_inputs",
    "solve_layer",
    "solve_padding",
    "solve_transpose",
]
