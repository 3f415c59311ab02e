"""Power-average pooling (torch/nn/modules/pooling.py, F.lp_pool*d): avg_pool*d without
padding of x^p, so its shape is the pool's; max_pool for p = ±inf."""

from __future__ import annotations

import math

from pydantic import model_validator

from convcalc import arithmetic
from convcalc.arguments import Bool, OptionalSize, Real, Size, refuse
from convcalc.layers.base import Effect, Module, Shape, effect_of
from convcalc.specs import AvgPool, LayerSpec, MaxPool


class LPPool(Module):
    torch_class = "LPPool"
    dimensioned = (1, 2, 3)
    positional = ("norm_type", "kernel_size", "stride", "ceil_mode")
    norm_type: Real
    kernel_size: Size
    stride: OptionalSize = None
    # handed on to avg_pool*d, an ATen op taking a bool: torch refuses ceil_mode=1
    ceil_mode: Bool = False

    @model_validator(mode="after")
    def _check(self) -> LPPool:
        if self.norm_type == 0:
            raise refuse("norm_type", "must not be 0 (the output is a 1/norm_type power)")
        # lp_pool2d/3d unpack the kernel into exactly 2 or 3 sizes
        k = self.kernel_size
        if self.dims == 1 and isinstance(k, tuple):  # lp_pool1d multiplies by kernel_size
            raise refuse("kernel_size", f"LPPool1d takes an int, got {k}")
        if isinstance(k, tuple) and len(k) != self.dims:
            raise refuse(
                "kernel_size", f"{self.torch_name} needs an int or {self.dims} ints, got {k}"
            )
        return self

    def pool_spec(self) -> LayerSpec:
        """The pooling F.lp_pool*d runs: avg_pool without padding; max_pool for p = ±inf."""
        args = {
            "dims": self.dims,
            "kernel_size": self.kernel_size,
            "stride": self.stride,
            "ceil_mode": self.ceil_mode,
        }
        if math.isinf(self.norm_type):
            return MaxPool.model_validate(args)
        return AvgPool.model_validate(args)

    def apply(self, shape: Shape) -> Effect:
        return effect_of(arithmetic.analyze(self.pool_spec(), shape))
