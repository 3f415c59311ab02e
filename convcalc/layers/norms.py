"""Normalisation layers (torch/nn/modules/batchnorm.py, instancenorm.py, normalization.py).

`affine`, `track_running_stats`, `elementwise_affine` and `bias` are only tested for truth by
the constructors, so they are Flags.  Training-mode-only refusals (one value per channel,
eps = 0) are warnings: a summary describes the model, and in eval mode PyTorch runs it.
"""

import math
from typing import ClassVar, Self

from pydantic import model_validator

from convcalc.arguments import Flag, Int, OptionalReal, Real, Size, Str, refuse
from convcalc.errors import LayerError
from convcalc.layers.base import Effect, Module, Shape, check_rank
from convcalc.notation import shape_text


class _Norm(Module):
    positional: ClassVar[tuple[str, ...]] = (
        "num_features",
        "eps",
        "momentum",
        "affine",
        "track_running_stats",
        "device",
        "dtype",
    )
    keyword_only = ("bias",)
    dimensioned: ClassVar[tuple[int, ...]] = (1, 2, 3)

    num_features: Int
    eps: Real = 1e-5
    momentum: OptionalReal = 0.1
    affine: Flag = True
    track_running_stats: Flag = True
    bias: Flag = True

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.affine or self.track_running_stats) and self.num_features < 0:
            raise refuse("num_features", f"must be ≥ 0, got {self.num_features}")
        return self

    def _counts(self) -> tuple[int, int]:
        n = self.num_features
        params = n * (2 if self.bias else 1) if self.affine else 0
        buffers = 2 * n + 1 if self.track_running_stats else 0
        return params, buffers

    def parameter_shapes(self) -> dict[str, Shape]:
        if not self.affine:
            return {}
        n: Shape = (self.num_features,)
        return {"weight": n} | ({"bias": n} if self.bias else {})

    def buffer_shapes(self) -> dict[str, Shape]:
        if not self.track_running_stats:
            return {}
        n: Shape = (self.num_features,)
        return {"running_mean": n, "running_var": n, "num_batches_tracked": ()}


class BatchNorm(_Norm):
    torch_class = "BatchNorm"

    def _check_rank(self, shape: Shape) -> None:
        assert self.dims is not None
        check_rank(self.torch_name, shape, (2, 3) if self.dims == 1 else (self.dims + 2,))

    def apply(self, shape: Shape) -> Effect:
        self._check_rank(shape)
        channels = shape[1]
        if (self.affine or self.track_running_stats) and channels != self.num_features:
            raise LayerError(
                f"num_features: {self.torch_name} expects {self.num_features} channels, but "
                f"the input {shape_text(shape)} has {channels}"
            )
        if self.eps < 0:
            raise LayerError(f"eps: batch_norm eps must be non-negative, got {self.eps}")
        # batch statistics are used in training, and always without running statistics
        batch_stats = not self.track_running_stats
        warnings = []
        if self.eps == 0:
            if batch_stats:
                raise LayerError("eps: must be > 0 when batch statistics are used, got 0")
            warnings.append("eps=0 is refused in training mode (PyTorch needs eps > 0)")
        if math.prod(shape[:1] + shape[2:]) == 1:
            message = f"one value per channel ({shape_text(shape)})"
            if batch_stats:
                raise LayerError(
                    f"input: batch norm without running statistics needs more than {message}"
                )
            warnings.append(
                f"{message}: PyTorch refuses this in training mode; it runs in eval mode only"
            )
        params, buffers = self._counts()
        return Effect(shape, params=params, buffers=buffers, warnings=tuple(warnings))


class SyncBatchNorm(BatchNorm):
    """BatchNorm over any input of 2 or more dimensions (it syncs statistics across processes
    in training; in eval mode it is F.batch_norm)."""

    torch_class = "SyncBatchNorm"
    dimensioned: ClassVar[tuple[int, ...]] = ()
    positional: ClassVar[tuple[str, ...]] = (
        "num_features",
        "eps",
        "momentum",
        "affine",
        "track_running_stats",
        "process_group",
        "device",
        "dtype",
    )
    process_group: Str | None = None  # a process group object in real code; shapes ignore it

    def _check_rank(self, shape: Shape) -> None:
        if len(shape) < 2:
            raise LayerError(
                f"input: SyncBatchNorm expects at least a 2-D input, got {len(shape)}-D "
                f"{shape_text(shape)}"
            )


class InstanceNorm(_Norm):
    torch_class = "InstanceNorm"
    affine: Flag = False
    track_running_stats: Flag = False

    def apply(self, shape: Shape) -> Effect:
        assert self.dims is not None
        check_rank(self.torch_name, shape, (self.dims + 1, self.dims + 2))
        batched = shape if len(shape) == self.dims + 2 else (1, *shape)
        channels = batched[1]
        warnings = []
        if channels != self.num_features:
            if self.affine or self.track_running_stats:
                raise LayerError(
                    f"num_features: {self.torch_name} expects {self.num_features} channels, "
                    f"but the input {shape_text(shape)} has {channels}"
                )
            warnings.append(
                f"num_features={self.num_features} does not match the input's {channels} "
                "channels (unused, since affine=False)"
            )
        if math.prod(batched[2:]) == 1:
            message = f"one spatial element per channel ({shape_text(shape)})"
            if not self.track_running_stats:
                raise LayerError(f"input: instance norm needs more than {message}")
            warnings.append(f"{message}: PyTorch refuses this in training mode")
        params, buffers = self._counts()
        return Effect(shape, params=params, buffers=buffers, warnings=tuple(warnings))


class GroupNorm(Module):
    torch_class = "GroupNorm"
    positional = ("num_groups", "num_channels", "eps", "affine", "device", "dtype")
    keyword_only = ("bias",)
    num_groups: Int
    num_channels: Int
    eps: Real = 1e-5
    affine: Flag = True
    bias: Flag = True

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.num_groups < 1:
            raise refuse("num_groups", f"must be ≥ 1, got {self.num_groups}")
        if self.num_channels < 0:
            raise refuse("num_channels", f"must be ≥ 0, got {self.num_channels}")
        if self.num_channels % self.num_groups:
            raise refuse(
                "num_groups",
                f"num_channels ({self.num_channels}) must be divisible by num_groups "
                f"({self.num_groups})",
            )
        return self

    def parameter_shapes(self) -> dict[str, Shape]:
        if not self.affine:
            return {}
        n: Shape = (self.num_channels,)
        return {"weight": n} | ({"bias": n} if self.bias else {})

    def apply(self, shape: Shape) -> Effect:
        if len(shape) < 2:
            raise LayerError(
                f"input: GroupNorm expects at least 2 dimensions (N, C, ...), got "
                f"{len(shape)}-D {shape_text(shape)}"
            )
        channels = shape[1]
        per_group = shape[0] * channels // self.num_groups
        if math.prod((per_group, *shape[2:])) == 1:
            raise LayerError(
                f"input: GroupNorm needs more than 1 value per group, got {shape_text(shape)} "
                f"with num_groups={self.num_groups}"
            )
        if channels % self.num_groups:
            raise LayerError(
                f"num_groups: the input {shape_text(shape)} has {channels} channels, not "
                f"divisible by num_groups={self.num_groups}"
            )
        if self.affine and channels != self.num_channels:
            raise LayerError(
                f"num_channels: GroupNorm expects {self.num_channels} channels, but the "
                f"input {shape_text(shape)} has {channels}"
            )
        params = self.num_channels * (2 if self.bias else 1) if self.affine else 0
        return Effect(shape, params=params)


class LayerNorm(Module):
    torch_class = "LayerNorm"
    positional = ("normalized_shape", "eps", "elementwise_affine", "bias", "device", "dtype")
    normalized_shape: Size
    eps: Real = 1e-5
    elementwise_affine: Flag = True
    bias: Flag = True

    @property
    def dims_shape(self) -> Shape:
        ns = self.normalized_shape
        return (ns,) if isinstance(ns, int) else ns

    @model_validator(mode="after")
    def _check(self) -> Self:
        if any(n < 0 for n in self.dims_shape) and self.elementwise_affine:
            raise refuse("normalized_shape", f"sizes must be ≥ 0, got {self.normalized_shape}")
        return self

    def parameter_shapes(self) -> dict[str, Shape]:
        if not self.elementwise_affine:
            return {}
        ns = self.dims_shape
        return {"weight": ns} | ({"bias": ns} if self.bias else {})

    def apply(self, shape: Shape) -> Effect:
        ns = self.dims_shape
        if not ns:
            raise LayerError("normalized_shape: expected at least 1 dimension, got ()")
        if len(shape) < len(ns) or shape[len(shape) - len(ns) :] != ns:
            raise LayerError(
                f"normalized_shape: LayerNorm({shape_text(ns)}) expects an input ending in "
                f"{shape_text(ns)}, got {shape_text(shape)}"
            )
        if not self.elementwise_affine:
            return Effect(shape)
        return Effect(shape, params=math.prod(ns) * (2 if self.bias else 1))


class LocalResponseNorm(Module):
    torch_class = "LocalResponseNorm"
    positional = ("size", "alpha", "beta", "k")
    size: Int
    alpha: Real = 1e-4
    beta: Real = 0.75
    k: Real = 1.0

    def apply(self, shape: Shape) -> Effect:
        if len(shape) < 3:
            raise LayerError(
                f"input: LocalResponseNorm expects a 3-D or higher input, got {len(shape)}-D "
                f"{shape_text(shape)}"
            )
        if math.prod(shape) and self.size < 1:
            raise LayerError(f"size: must be ≥ 1, got {self.size}")
        return Effect(shape)


class RMSNorm(Module):
    torch_class = "RMSNorm"
    positional = ("normalized_shape", "eps", "elementwise_affine", "device", "dtype")
    normalized_shape: Size
    eps: OptionalReal = None
    elementwise_affine: Flag = True

    @property
    def dims_shape(self) -> Shape:
        ns = self.normalized_shape
        return (ns,) if isinstance(ns, int) else ns

    @model_validator(mode="after")
    def _check(self) -> Self:
        if any(n < 0 for n in self.dims_shape) and self.elementwise_affine:
            raise refuse("normalized_shape", f"sizes must be ≥ 0, got {self.normalized_shape}")
        return self

    def parameter_shapes(self) -> dict[str, Shape]:
        return {"weight": self.dims_shape} if self.elementwise_affine else {}

    def apply(self, shape: Shape) -> Effect:
        ns = self.dims_shape
        if len(shape) < len(ns) or shape[len(shape) - len(ns) :] != ns:
            raise LayerError(
                f"normalized_shape: RMSNorm({shape_text(ns)}) expects an input ending in "
                f"{shape_text(ns)}, got {shape_text(shape)}"
            )
        return Effect(shape, params=math.prod(ns) if self.elementwise_affine else 0)


class CrossMapLRN2d(Module):
    torch_class = "CrossMapLRN2d"
    positional = ("size", "alpha", "beta", "k")
    size: Int
    alpha: Real = 1e-4
    beta: Real = 0.75
    k: Real = 1.0

    def apply(self, shape: Shape) -> Effect:
        if len(shape) != 4:
            raise LayerError(
                f"input: CrossMapLRN2d expects a 4-D input, got {len(shape)}-D {shape_text(shape)}"
            )
        return Effect(shape)
