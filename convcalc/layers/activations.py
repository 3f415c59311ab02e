"""Activations and softmax (torch/nn/modules/activation.py): the shape stays; `inplace` is
only tested for truth by torch/nn/functional.py, so it is a Flag."""

from __future__ import annotations

from pydantic import model_validator

from convcalc.arguments import Flag, Int, OptionalInt, Real, Str, refuse
from convcalc.errors import LayerError
from convcalc.layers.base import Effect, Module, Pointwise, Shape, wrap_dim
from convcalc.notation import shape_text


class ReLU(Pointwise):
    torch_class = "ReLU"
    positional = ("inplace",)
    inplace: Flag = False


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
    def _check(self) -> GELU:
        if self.approximate not in ("none", "tanh"):
            raise refuse("approximate", f"must be 'none' or 'tanh', got {self.approximate!r}")
        return self


class Sigmoid(Pointwise):
    torch_class = "Sigmoid"
    varargs = True


class Tanh(Sigmoid):
    torch_class = "Tanh"


class Identity(Sigmoid):
    torch_class = "Identity"


class PReLU(Module):
    torch_class = "PReLU"
    positional = ("num_parameters", "init", "device", "dtype")
    num_parameters: Int = 1
    init: Real = 0.25

    @model_validator(mode="after")
    def _check(self) -> PReLU:
        if self.num_parameters < 0:
            raise refuse("num_parameters", f"must be ≥ 0, got {self.num_parameters}")
        return self

    def apply(self, shape: Shape) -> Effect:
        # the channel axis is 1 whatever the rank; below 2-D there is one channel
        channels = shape[1] if len(shape) >= 2 else 1
        if self.num_parameters not in (1, channels):
            raise LayerError(
                f"num_parameters: PReLU has {self.num_parameters} parameters, but axis 1 of "
                f"the input {shape_text(shape)} has {channels} channels (use 1 or {channels})"
            )
        return Effect(shape, params=self.num_parameters)


class Softmax(Module):
    torch_class = "Softmax"
    positional = ("dim",)
    dim: OptionalInt = None

    def apply(self, shape: Shape) -> Effect:
        rank = len(shape)
        if self.dim is None:
            # torch/nn/functional.py, _get_softmax_dim
            implicit = 0 if rank in (0, 1, 3) else 1
            return Effect(
                shape,
                warnings=(
                    f"no dim given: PyTorch picks dim={implicit} for a {rank}-D input "
                    "(deprecated); write dim=",
                ),
            )
        wrap_dim("dim", self.dim, rank)
        return Effect(shape)


class LogSoftmax(Softmax):
    torch_class = "LogSoftmax"
