"""Flatten and Unflatten (torch/nn/modules/flatten.py): they move elements between axes, so
a tracked receptive field ends where they touch a spatial axis."""

import math
from typing import Self

from pydantic import model_validator

from convcalc.arguments import Int, Size, refuse
from convcalc.errors import LayerError
from convcalc.layers.base import Effect, Module, Shape, wrap_dim
from convcalc.notation import shape_text


class Flatten(Module):
    torch_class = "Flatten"
    positional = ("start_dim", "end_dim")
    start_dim: Int = 1
    end_dim: Int = -1

    def apply(self, shape: Shape) -> Effect:
        start = wrap_dim("start_dim", self.start_dim, len(shape))
        end = wrap_dim("end_dim", self.end_dim, len(shape))
        if start > end:
            raise LayerError(
                f"start_dim: {self.start_dim} comes after end_dim {self.end_dim} for a "
                f"{len(shape)}-D input"
            )
        if not shape:
            return Effect((1,), kept=0)
        out = (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :])
        return Effect(out, kept=len(shape) - 1 - end)


class Unflatten(Module):
    torch_class = "Unflatten"
    positional = ("dim", "unflattened_size")
    dim: Int
    unflattened_size: Size

    @model_validator(mode="after")
    def _sizes_are_a_tuple(self) -> Self:
        # nn.Unflatten takes a tuple or list of ints, never a bare int
        if isinstance(self.unflattened_size, int):
            value = self.unflattened_size
            raise refuse("unflattened_size", f"must be a tuple of ints, got {value}")
        return self

    def apply(self, shape: Shape) -> Effect:
        dim = wrap_dim("dim", self.dim, len(shape))
        sizes = self.unflattened_size
        assert isinstance(sizes, tuple)
        size = shape[dim] if shape else 1
        if not sizes:
            raise LayerError("unflattened_size: sizes must be non-empty")
        if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
            raise LayerError(
                f"unflattened_size: {shape_text(sizes)} may hold one -1 and sizes ≥ 0 otherwise"
            )
        known = math.prod(s for s in sizes if s != -1)
        if -1 in sizes:
            if known == 0 or size % known:
                raise LayerError(
                    f"unflattened_size: cannot split axis {dim} of size {size} into "
                    f"{shape_text(sizes)}"
                )
            sizes = tuple(size // known if s == -1 else s for s in sizes)
        elif known != size:
            raise LayerError(
                f"unflattened_size: {shape_text(sizes)} holds {known} elements, but axis {dim} "
                f"of {shape_text(shape)} has {size}"
            )
        out = (*shape[:dim], *sizes, *shape[dim + 1 :])
        return Effect(out, kept=len(shape) - 1 - dim)
