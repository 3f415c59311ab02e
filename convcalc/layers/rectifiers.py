"""ReLU's variants (torch/nn/modules/activation.py), the activations CNNs use most after
ReLU itself (in `relu`): the shape stays; `inplace` is only tested for truth by
torch/nn/functional.py, so it is a Flag.  A module of their own, as each pydantic class costs
~0.3 ms to define (the other activations are in `activations`)."""

from typing import Self

from pydantic import model_validator

from convcalc.arguments import Flag, Int, Real, Str, refuse
from convcalc.errors import LayerError
from convcalc.layers.base import Effect, Module, Pointwise, Shape
from convcalc.layers.relu import ReLU
from convcalc.notation import shape_text


class ReLU6(ReLU):
    torch_class = "ReLU6"


class SiLU(ReLU):
    torch_class = "SiLU"


class Mish(ReLU):
    torch_class = "Mish"


class Hardswish(ReLU):
    torch_class = "Hardswish"


class Hardsigmoid(ReLU):
    torch_class = "Hardsigmoid"


class LeakyReLU(Pointwise):
    torch_class = "LeakyReLU"
    positional = ("negative_slope", "inplace")
    negative_slope: Real = 0.01
    inplace: Flag = False


class ELU(Pointwise):
    torch_class = "ELU"
    positional = ("alpha", "inplace")
    alpha: Real = 1.0
    inplace: Flag = False


class GELU(Pointwise):
    torch_class = "GELU"
    positional = ("approximate",)
    approximate: Str = "none"

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.approximate not in ("none", "tanh"):
            raise refuse("approximate", f"must be 'none' or 'tanh', got {self.approximate!r}")
        return self


class PReLU(Module):
    torch_class = "PReLU"
    positional = ("num_parameters", "init", "device", "dtype")
    num_parameters: Int = 1
    init: Real = 0.25

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.num_parameters < 0:
            raise refuse("num_parameters", f"must be ≥ 0, got {self.num_parameters}")
        return self

    def parameter_shapes(self) -> dict[str, Shape]:
        return {"weight": (self.num_parameters,)}

    def apply(self, shape: Shape) -> Effect:
        # the channel axis is 1 whatever the rank; below 2-D there is one channel
        channels = shape[1] if len(shape) >= 2 else 1
        if self.num_parameters not in (1, channels):
            raise LayerError(
                f"num_parameters: PReLU has {self.num_parameters} parameters, but axis 1 of "
                f"the input {shape_text(shape)} has {channels} channels (use 1 or {channels})"
            )
        return Effect(shape, params=self.num_parameters)


class SELU(ReLU):
    torch_class = "SELU"


class CELU(Pointwise):
    torch_class = "CELU"
    positional = ("alpha", "inplace")
    alpha: Real = 1.0
    inplace: Flag = False

    def apply(self, shape: Shape) -> Effect:
        if self.alpha == 0:  # F.celu divides by alpha
            raise LayerError("alpha: cannot be 0 for CELU")
        return Effect(shape)


class RReLU(Pointwise):
    torch_class = "RReLU"
    positional = ("lower", "upper", "inplace")
    lower: Real = 1 / 8
    upper: Real = 1 / 3
    inplace: Flag = False

    def apply(self, shape: Shape) -> Effect:
        if self.lower > self.upper:  # checked by F.rrelu in forward, not by the constructor
            raise LayerError(
                f"lower: the lower bound {self.lower} should be less than or equal to the "
                f"upper bound {self.upper}"
            )
        return Effect(shape)
