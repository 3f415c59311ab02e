"""The inverse questions: which padding, input sizes, transposed conv or layer give a wanted size.

Candidates come from the closed-form size formulas or from a search over input sizes; each is
checked with `arithmetic.analyze`, the forward rule of `convcalc shape`, and dropped unless it
gives the target.  Axes are solved one at a time; the assembled answer is checked once more on
the real layer.  One module per question, its answer records and their JSON beside its solver.
"""

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
