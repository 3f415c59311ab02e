"""ConvTranspose: the transposed convolution spec (torch/nn/modules/conv.py).

Its own module so that a conv's call does not define it (a pydantic class costs ~0.5 ms).
"""

# No `from __future__ import annotations`: pydantic would evaluate every field's annotation
# text when the class is made.
from typing import Any, Self

from pydantic import model_validator

from convcalc.arguments import BoolTolerantInt, Flag, Int, KernelSize, Padding, Size, Str, refuse
from convcalc.specs import LayerSpec
from convcalc.specs.conv import CONV_SIZE_FIELDS, check_channels


class ConvTranspose(LayerSpec):
    """ConvTranspose1d / 2d / 3d."""

    family = "convtranspose"
    size_fields = (*CONV_SIZE_FIELDS, ("output_padding", 0))
    exact_fields = frozenset({"kernel_size"})
    positional = ("in_channels", "out_channels")

    in_channels: Int
    out_channels: BoolTolerantInt
    kernel_size: KernelSize
    stride: Size = 1
    padding: Padding = 0
    output_padding: Size = 0
    groups: Int = 1
    bias: Flag = True
    dilation: Size = 1
    padding_mode: Str = "zeros"

    @model_validator(mode="before")
    @classmethod
    def _bias_of_true_channels(cls, data: Any) -> Any:
        # the bias is torch.empty(out_channels): True is refused there, as a first entry
        if isinstance(data, dict) and data.get("out_channels") is True and data.get("bias", True):
            raise refuse("out_channels", "must be an int, got True (the bias's size)")
        return data

    @model_validator(mode="after")
    def _check_transposed(self) -> Self:
        check_channels(self)
        if isinstance(self.padding, str):
            raise refuse(
                "padding",
                f"{self.torch_name} takes no padding string ({self.padding!r}), "
                "only an int or a tuple of ints",
            )
        if self.padding_mode != "zeros":
            raise refuse(
                "padding_mode",
                f"only 'zeros' is supported for {self.torch_name}, got {self.padding_mode!r}",
            )
        return self
