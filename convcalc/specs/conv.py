"""Conv: the convolution spec, and the rules ConvTranspose shares (torch/nn/modules/conv.py)."""

# No `from __future__ import annotations`: pydantic would evaluate every field's annotation
# text when each class is made.
import math
from typing import TYPE_CHECKING, Self

from pydantic import model_validator

from convcalc.arguments import (
    BoolTolerantInt,
    Flag,
    Int,
    KernelSize,
    Padding,
    Size,
    Str,
    expand,
    refuse,
)
from convcalc.padding import PADDING_MODES, PADDING_STRINGS
from convcalc.specs import LayerSpec

if TYPE_CHECKING:
    from convcalc.specs.convtranspose import ConvTranspose

# (shared with ConvTranspose) dilation 0 passes the constructor and is refused in forward,
# except on an empty batch
CONV_SIZE_FIELDS = (("kernel_size", 1), ("stride", 1), ("padding", 0), ("dilation", 0))


def check_channels(spec: "Conv | ConvTranspose") -> None:
    for name in ("in_channels", "out_channels"):
        if getattr(spec, name) < 0:
            raise refuse(name, f"must be ≥ 0, got {getattr(spec, name)}")
    if spec.groups < 1:
        raise refuse("groups", f"must be a positive integer, got {spec.groups}")
    for name in ("in_channels", "out_channels"):
        channels = getattr(spec, name)
        if channels % spec.groups:
            raise refuse(
                "groups",
                f"{name}={channels} is not divisible by groups={spec.groups}; "
                f"groups dividing both channel counts: {_common_divisors(spec)}",
            )


def _common_divisors(spec: "Conv | ConvTranspose") -> str:
    """The valid group counts: the divisors of gcd(in, out), found in O(√gcd), bounded."""
    g = math.gcd(spec.in_channels, spec.out_channels)
    if g == 0:
        return "any positive integer"
    if g > 10**12:
        return f"the divisors of gcd({spec.in_channels}, {spec.out_channels}) = {g}"
    small = [d for d in range(1, math.isqrt(g) + 1) if g % d == 0]
    return ", ".join(map(str, sorted({*small, *(g // d for d in small)})))


class Conv(LayerSpec):
    """Conv1d / Conv2d / Conv3d."""

    family = "conv"
    size_fields = CONV_SIZE_FIELDS
    exact_fields = frozenset({"kernel_size"})
    positional = ("in_channels", "out_channels")

    in_channels: BoolTolerantInt
    out_channels: Int
    kernel_size: KernelSize
    stride: Size = 1
    padding: Padding = 0
    dilation: Size = 1
    groups: Int = 1
    bias: Flag = True
    padding_mode: Str = "zeros"

    @model_validator(mode="after")
    def _check_padding(self) -> Self:
        check_channels(self)
        if isinstance(self.padding, str):
            if self.padding not in PADDING_STRINGS:
                raise refuse(
                    "padding",
                    f"invalid padding string {self.padding!r}, should be 'same', 'valid', "
                    "an int or a tuple of ints",
                )
            if self.padding == "same" and any(s != 1 for s in expand(self.stride, self.dims)):
                raise refuse(
                    "padding",
                    f"padding='same' is not supported for strided convolutions "
                    f"(stride={self.stride}); use stride=1, or an explicit padding",
                )
        if self.padding_mode not in PADDING_MODES:
            raise refuse(
                "padding_mode",
                f"{self.padding_mode!r} is not one of {', '.join(map(repr, PADDING_MODES))}",
            )
        return self

    def lower_bound(self, name: str, default: int | None) -> int | None:
        # with reflect/replicate/circular, F.pad crops on a negative padding
        if name == "padding" and self.padding_mode != "zeros":
            return None
        # kernel 0 passes the constructor; forward refuses it unless the input has 0 channels
        if name == "kernel_size":
            return 0
        return default

    def allowed_lengths(self, name: str) -> set[int] | None:
        # a non-zeros mode hands the padding tuple to F.pad as it is (see arithmetic)
        if name == "padding" and self.padding_mode != "zeros":
            return None
        return super().allowed_lengths(name)
