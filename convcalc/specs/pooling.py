"""MaxPool and AvgPool: the sliding-window pooling specs (torch/nn/modules/pooling.py)."""

# No `from __future__ import annotations`: pydantic would evaluate every field's annotation
# text when each class is made.
from typing import Self

from pydantic import model_validator

from convcalc.arguments import Bool, Flag, OptionalInt, PoolStride, Size, refuse
from convcalc.specs import LayerSpec


class MaxPool(LayerSpec):
    """MaxPool1d / 2d / 3d."""

    family = "maxpool"
    size_fields = (("kernel_size", 1), ("stride", 1), ("padding", 0), ("dilation", 1))

    kernel_size: Size
    stride: PoolStride = None
    padding: Size = 0
    dilation: Size = 1
    return_indices: Flag = False
    ceil_mode: Bool = False


class AvgPool(LayerSpec):
    """AvgPool1d / 2d / 3d (divisor_override exists for 2-D and 3-D only, as in PyTorch)."""

    family = "avgpool"
    size_fields = (("kernel_size", 1), ("stride", 1), ("padding", 0))

    kernel_size: Size
    stride: PoolStride = None
    padding: Size = 0
    ceil_mode: Bool = False
    count_include_pad: Bool = True
    divisor_override: OptionalInt = None

    @model_validator(mode="after")
    def _check_divisor(self) -> Self:
        if self.divisor_override is not None:
            if self.dims == 1:
                raise refuse("divisor_override", "AvgPool1d has no divisor_override argument")
            if self.divisor_override == 0:
                raise refuse("divisor_override", "divisor must be not zero, got 0")
        return self
