"""Dropout and feature dropout (torch/nn/modules/dropout.py): the shape stays."""

from typing import Self

from pydantic import model_validator

from convcalc.arguments import Flag, Real, refuse
from convcalc.layers.base import Effect, Pointwise, Shape, check_rank


class Dropout(Pointwise):
    torch_class = "Dropout"
    positional = ("p", "inplace")
    p: Real = 0.5
    inplace: Flag = False

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not 0 <= self.p <= 1:
            raise refuse("p", f"dropout probability has to be between 0 and 1, but got {self.p}")
        return self


class ChannelDropout(Dropout):
    """Dropout1d / 2d / 3d: whole channels."""

    dimensioned = (1, 2, 3)

    def apply(self, shape: Shape) -> Effect:
        rank = len(shape)
        assert self.dims is not None
        usual = (self.dims + 1, self.dims + 2)
        if self.dims == 1:
            check_rank("Dropout1d", shape, usual)
        warnings = []
        if rank not in usual:
            warnings.append(
                f"{self.torch_name} on a {rank}-D input is deprecated in PyTorch (it expects "
                f"{usual[0]}-D or {usual[1]}-D); use Dropout"
            )
        if self.dims == 2 and rank == 3:
            warnings.append(
                "Dropout2d reads a 3-D input as (N, C, L) and drops 1-D channels, "
                "not as an unbatched (C, H, W)"
            )
        # dropout3d adds a batch axis to an unbatched input; feature dropout needs 2 axes
        batched_rank = rank if self.dims == 2 or rank == usual[1] else rank + 1
        if batched_rank < 2:
            warnings.append(
                f"feature dropout needs at least 2 dimensions, got {rank}-D: PyTorch refuses "
                "this in training mode"
            )
        return Effect(shape, warnings=tuple(warnings))


class AlphaDropout(Dropout):
    """AlphaDropout and FeatureAlphaDropout: in eval mode the identity, on any shape."""

    torch_class = "AlphaDropout"


class FeatureAlphaDropout(Dropout):
    torch_class = "FeatureAlphaDropout"
