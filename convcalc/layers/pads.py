"""ZeroPad / ConstantPad / ReflectionPad / ReplicationPad / CircularPad 1d-3d
(torch/nn/modules/padding.py): F.pad with the module's mode; the shape rule is `padding`'s."""

from fractions import Fraction
from typing import ClassVar

from convcalc import padding as padding_rules
from convcalc.arguments import Real, Size
from convcalc.layers.base import Effect, Module, Shape, check_rank


class _Pad(Module):
    dimensioned = (1, 2, 3)
    positional: ClassVar[tuple[str, ...]] = ("padding",)
    mode: ClassVar[str]  # F.pad's mode
    padding: Size

    def flat(self) -> Shape:
        """F.pad's tuple: (before, after) per axis, last axis first; an int on every side."""
        assert self.dims is not None
        if isinstance(self.padding, int):
            return (self.padding,) * (2 * self.dims)
        return self.padding

    def apply(self, shape: Shape) -> Effect:
        flat = self.flat()
        out = padding_rules.fpad_shape(self.mode, shape, flat, who=self.torch_name)
        window = ((1, Fraction(1)),) * len(padding_rules.fpad_pairs(flat))
        return Effect(out, window=window)


class ZeroPad(_Pad):
    torch_class = "ZeroPad"
    mode = "constant"


class ConstantPad(_Pad):
    torch_class = "ConstantPad"
    mode = "constant"
    positional = ("padding", "value")
    value: Real


class ReflectionPad(_Pad):
    torch_class = "ReflectionPad"
    mode = "reflect"


class ReplicationPad(_Pad):
    torch_class = "ReplicationPad"
    mode = "replicate"


class CircularPad(_Pad):
    torch_class = "CircularPad"
    mode = "circular"

    def apply(self, shape: Shape) -> Effect:
        # _CircularPadNd checks the rank itself, whatever the length of the padding tuple
        assert self.dims is not None
        check_rank(self.torch_name, shape, (self.dims + 1, self.dims + 2))
        return super().apply(shape)
