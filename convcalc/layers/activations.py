"""The other activations and softmax (torch/nn/modules/activation.py): sigmoid-like,
shrinking and thresholding ones keep the shape, GLU halves an axis; `inplace` is only tested
for truth by torch/nn/functional.py, so it is a Flag.  ReLU is in `relu`, its variants in
`rectifiers`."""

from typing import Self

from pydantic import model_validator

from convcalc.arguments import Flag, Int, OptionalInt, OptionalReal, Real, refuse
from convcalc.errors import LayerError
from convcalc.layers.base import Effect, Module, Pointwise, Shape, wrap_dim
from convcalc.notation import shape_text


class Sigmoid(Pointwise):
    torch_class = "Sigmoid"
    varargs = True


class Tanh(Sigmoid):
    torch_class = "Tanh"


class Identity(Sigmoid):
    torch_class = "Identity"


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


class Hardtanh(Pointwise):
    torch_class = "Hardtanh"
    positional = ("min_val", "max_val", "inplace", "min_value", "max_value")
    min_val: Real = -1.0
    max_val: Real = 1.0
    inplace: Flag = False
    # deprecated spellings: when given, they replace min_val / max_val
    min_value: OptionalReal = None
    max_value: OptionalReal = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        low = self.min_val if self.min_value is None else self.min_value
        high = self.max_val if self.max_value is None else self.max_value
        if not high > low:
            raise refuse("max_val", f"max_val ({high}) must be greater than min_val ({low})")
        return self


class Softplus(Pointwise):
    torch_class = "Softplus"
    positional = ("beta", "threshold")
    beta: Real = 1.0
    threshold: Real = 20.0


class Threshold(Pointwise):
    torch_class = "Threshold"
    positional = ("threshold", "value", "inplace")
    threshold: Real
    value: Real
    inplace: Flag = False


class Hardshrink(Pointwise):
    torch_class = "Hardshrink"
    positional = ("lambd",)
    lambd: Real = 0.5


class Softshrink(Hardshrink):
    torch_class = "Softshrink"

    def apply(self, shape: Shape) -> Effect:
        if self.lambd < 0:
            raise LayerError(f"lambd: must be ≥ 0 for Softshrink, got {self.lambd}")
        return Effect(shape)


class LogSigmoid(Sigmoid):
    torch_class = "LogSigmoid"


class Softsign(Sigmoid):
    torch_class = "Softsign"


class Tanhshrink(Sigmoid):
    torch_class = "Tanhshrink"


class Softmin(Softmax):
    torch_class = "Softmin"


class Softmax2d(Sigmoid):
    torch_class = "Softmax2d"

    def apply(self, shape: Shape) -> Effect:
        if len(shape) not in (3, 4):
            raise LayerError(
                f"input: Softmax2d expects a 3-D or 4-D input, got {len(shape)}-D "
                f"{shape_text(shape)}"
            )
        return Effect(shape)


class GLU(Module):
    torch_class = "GLU"
    positional = ("dim",)
    dim: Int = -1

    def apply(self, shape: Shape) -> Effect:
        if not shape:
            raise LayerError("input: GLU does not support a 0-D input (halving needs a size)")
        dim = wrap_dim("dim", self.dim, len(shape))
        if shape[dim] % 2:
            raise LayerError(
                f"dim: halving dimension must be even, but dimension {dim} of "
                f"{shape_text(shape)} is size {shape[dim]}"
            )
        out = (*shape[:dim], shape[dim] // 2, *shape[dim + 1 :])
        return Effect(out, kept=len(shape) - 1 - dim)
