"""nn.Linear (torch/nn/modules/linear.py): weight `torch.empty((out_features, in_features))`,
bias only where `if bias:` holds."""

import math
from typing import Self

from pydantic import model_validator

from convcalc.arguments import BoolTolerantInt, Flag, Int, refuse
from convcalc.errors import LayerError
from convcalc.layers.base import Effect, Module, Shape
from convcalc.notation import shape_text


class Linear(Module):
    torch_class = "Linear"
    positional = ("in_features", "out_features", "bias", "device", "dtype")
    # torch.empty takes True as 1 past the first entry of a size: in_features, not out_features
    in_features: BoolTolerantInt
    out_features: Int
    bias: Flag = True

    @model_validator(mode="after")
    def _check(self) -> Self:
        for name in ("in_features", "out_features"):
            if getattr(self, name) < 0:
                raise refuse(name, f"must be ≥ 0, got {getattr(self, name)}")
        return self

    def parameter_shapes(self) -> dict[str, Shape]:
        weight = {"weight": (self.out_features, self.in_features)}
        return weight | ({"bias": (self.out_features,)} if self.bias else {})

    def apply(self, shape: Shape) -> Effect:
        if not shape:
            raise LayerError("input: Linear needs at least a 1-D input, got a 0-D one")
        if shape[-1] != self.in_features:
            raise LayerError(
                f"in_features: Linear expects {self.in_features} features in the last axis, "
                f"but the input {shape_text(shape)} has {shape[-1]}"
            )
        out = (*shape[:-1], self.out_features)
        params = self.in_features * self.out_features + (self.out_features if self.bias else 0)
        # one multiply-accumulate per weight, for every position of the leading axes
        macs = math.prod(shape[:-1]) * self.in_features * self.out_features
        return Effect(out, params=params, macs=macs, kept=0)
