"""AdaptiveAvgPool and AdaptiveMaxPool: pooling to an output size (torch/nn/modules/pooling.py)."""

# No `from __future__ import annotations`: pydantic would evaluate every field's annotation
# text when each class is made.
from typing import Self

from pydantic import model_validator

from convcalc.arguments import Flag, OutputSize, refuse
from convcalc.specs import LayerSpec


class _AdaptiveBase(LayerSpec):
    output_size: OutputSize

    @model_validator(mode="after")
    def _check_output_size(self) -> Self:
        value = self.output_size
        if isinstance(value, tuple) and len(value) != self.dims:
            raise refuse(
                "output_size",
                f"{self.torch_name} needs an int or {self.dims} values, got {len(value)}: {value}",
            )
        if self.dims == 1 and value == (None,):
            raise refuse("output_size", f"{self.torch_name} takes an int, not None")
        if any(v is not None and v < 0 for v in self.output_sizes()):
            raise refuse("output_size", f"must be ≥ 0, got {value}")
        return self

    def output_sizes(self) -> tuple[int | None, ...]:
        value = self.output_size
        return value if isinstance(value, tuple) else (value,) * self.dims


class AdaptiveAvgPool(_AdaptiveBase):
    """AdaptiveAvgPool1d / 2d / 3d."""

    family = "adaptiveavgpool"


class AdaptiveMaxPool(_AdaptiveBase):
    """AdaptiveMaxPool1d / 2d / 3d."""

    family = "adaptivemaxpool"

    return_indices: Flag = False
