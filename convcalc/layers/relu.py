"""ReLU (torch/nn/modules/activation.py), the activation CNNs use most: the shape stays;
`inplace` is only tested for truth by torch/nn/functional.py, so it is a Flag.  A module of
its own, as each pydantic class costs ~0.3 ms to define and a chain of ReLUs needs only this
one (its variants are in `rectifiers`, the other activations in `activations`)."""

from convcalc.arguments import Flag
from convcalc.layers.base import Pointwise


class ReLU(Pointwise):
    torch_class = "ReLU"
    positional = ("inplace",)
    inplace: Flag = False
