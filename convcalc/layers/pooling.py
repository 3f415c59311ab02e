"""Pooling beyond `shape`'s families (torch/nn/modules/pooling.py): power-average pooling
(F.lp_pool*d: avg_pool*d without padding of x^p, so its shape is the pool's; max_pool for
p = ±inf), fractional max pooling and max unpooling."""

import math
from typing import Self

from pydantic import model_validator

from convcalc import arithmetic
from convcalc.arguments import Bool, Flag, OptionalSize, Real, Reals, Size, expand, refuse
from convcalc.errors import LayerError
from convcalc.layers.base import Effect, Module, Shape, check_rank, effect_of
from convcalc.notation import shape_text
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
    def _check(self) -> Self:
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


class FractionalMaxPool(Module):
    """FractionalMaxPool2d / 3d: pseudo-random windows of `kernel_size` whose count per axis is
    `output_size`, or ⌊input · output_ratio⌋."""

    torch_class = "FractionalMaxPool"
    dimensioned = (2, 3)
    positional = ("kernel_size", "output_size", "output_ratio", "return_indices")
    kernel_size: Size
    output_size: OptionalSize = None
    output_ratio: Reals = None
    return_indices: Flag = False

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.output_size is None and self.output_ratio is None:
            raise refuse(
                "output_size",
                f"{self.torch_name} requires specifying either an output size, or a pooling ratio",
            )
        if self.output_size is not None and self.output_ratio is not None:
            raise refuse("output_ratio", "only one of output_size and output_ratio may be given")
        ratio = self.output_ratio
        if ratio is not None:
            ratios = ratio if isinstance(ratio, tuple) else (ratio,)
            if not all(0 < r < 1 for r in ratios):
                raise refuse("output_ratio", f"must be between 0 and 1 (got {ratio})")
        return self

    def _per_axis(self, name: str, value: object) -> tuple[object, ...]:
        assert self.dims is not None
        values = value if isinstance(value, tuple) else (value,) * self.dims
        if len(values) != self.dims:
            raise LayerError(
                f"{name}: {self.torch_name} takes one value or {self.dims}, got {value}"
            )
        return values

    def apply(self, shape: Shape) -> Effect:
        assert self.dims is not None
        check_rank(self.torch_name, shape, (self.dims + 1, self.dims + 2))
        spatial = shape[-self.dims :]
        kernel = self._per_axis("kernel_size", self.kernel_size)
        if self.output_size is not None:
            out = self._per_axis("output_size", self.output_size)
        else:
            ratios = self._per_axis("output_ratio", self.output_ratio)
            out = tuple(int(s * r) for s, r in zip(spatial, ratios, strict=True))  # type: ignore[operator]
        for axis, (k, o, i) in enumerate(zip(kernel, out, spatial, strict=True)):
            if o + k - 1 > i:  # type: ignore[operator]
                raise LayerError(
                    f"kernel_size: pool size {k} is too large for {o} outputs from the input's "
                    f"{i} on spatial axis {axis} (kernel + output − 1 must be ≤ input)"
                )
        output = (*shape[: -self.dims], *out)
        return Effect(output, kept=0, returns_tuple=self.return_indices)  # type: ignore[arg-type]


class MaxUnpool(Module):
    """MaxUnpool1d / 2d / 3d: forward(input, indices, output_size=None); the output size is
    (input − 1)·stride − 2·padding + kernel per axis, or `output_size` within one stride of it."""

    torch_class = "MaxUnpool"
    dimensioned = (1, 2, 3)
    positional = ("kernel_size", "stride", "padding")
    kernel_size: Size
    stride: OptionalSize = None
    padding: Size = 0

    def apply(self, shape: Shape) -> Effect:
        raise LayerError(
            f"input: {self.torch_name} takes (input, indices): it cannot follow another layer "
            "in a chain; call it from a forward with the indices of a pool's return_indices=True"
        )

    def unpool(
        self, shape: Shape, indices: Shape, output_size: tuple[int, ...] | None = None
    ) -> Effect:
        assert self.dims is not None
        dims = self.dims
        if len(shape) not in (dims + 1, dims + 2):
            raise LayerError(
                f"input: {self.torch_name} expects a {dims + 1}-D or {dims + 2}-D input, got "
                f"{len(shape)}-D {shape_text(shape)}"
            )
        if indices != shape:
            raise LayerError(
                f"indices: the indices {shape_text(indices)} must have the input's shape "
                f"{shape_text(shape)}"
            )
        kernel = expand(self.kernel_size, dims)
        stride = kernel if self.stride is None else expand(self.stride, dims)
        padding = expand(self.padding, dims)
        default = tuple(
            (size - 1) * s + k - 2 * p
            for size, k, s, p in zip(shape[-dims:], kernel, stride, padding, strict=True)
        )
        out = default
        if output_size is not None:
            wanted = output_size[2:] if len(output_size) == dims + 2 else output_size
            if len(wanted) != dims:
                raise LayerError(
                    f"output_size: needs {dims} or {dims + 2} sizes, got {len(output_size)}"
                )
            for axis, (w, d, s) in enumerate(zip(wanted, default, stride, strict=True)):
                if not d - s < w < d + s:
                    raise LayerError(
                        f"output_size: {shape_text(wanted)} is invalid (axis {axis} must be "
                        f"between {d - s} and {d + s}, exclusive)"
                    )
            out = tuple(wanted)
        if any(o < 0 for o in out):
            raise LayerError(f"kernel_size: the output size {shape_text(out)} is negative")
        return Effect((*shape[:-dims], *out), kept=0)
