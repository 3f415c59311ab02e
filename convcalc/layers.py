"""The layers `convcalc net` chains besides conv and pooling: specs and their shape rules.

Each spec is a frozen pydantic model named after its PyTorch class, with PyTorch's argument
names, positional order and constructor checks; `apply(input_shape)` gives what the module's
forward would do to a tensor of that shape (torch/nn/modules/*.py, torch/nn/functional.py and
the ATen checks behind them), raising LayerError where PyTorch raises.

Training-mode-only refusals (BatchNorm's "more than 1 value per channel", eps = 0) are
warnings, not errors: a summary describes the model, and in eval mode PyTorch runs it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from convcalc import arithmetic
from convcalc.errors import LayerError
from convcalc.expressions import SIGNATURES, Call, ExpressionError, bind, spec_from_call
from convcalc.specs import (
    AdaptiveAvgPool,
    AvgPool,
    Int,
    LayerSpec,
    MaxPool,
    OptionalInt,
    Size,
    Str,
    expand,
)

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Effect:
    """What one layer does to one input shape."""

    output_shape: Shape
    params: int = 0
    buffers: int = 0  # non-trainable state: BatchNorm's running stats and batch counter
    macs: int = 0
    # Layers with a spatial window: (own receptive field, step) per trailing spatial axis, in
    # elements of the layer's input.  None for the others.
    window: tuple[tuple[int, Fraction], ...] | None = None
    # Layers without a window: how many trailing axes they leave as they are (None: all).
    kept: int | None = None
    warnings: tuple[str, ...] = ()
    returns_tuple: bool = False  # return_indices=True: (output, indices)


def _text(shape: Shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ")"


def _error(name: str, message: str) -> PydanticCustomError:
    return PydanticCustomError("layer", f"{name}: {message}")


# --- argument types: what PyTorch's constructors take ----------------------------------------


def _real(value: object) -> object:
    # 1e309 is a Python literal for inf: no shape, scale or slope is meant to be infinite
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    raise PydanticCustomError(
        "type", "must be a finite number, got {value}", {"value": repr(value)}
    )


def _flag(value: object) -> object:
    # `inplace=1` and `bias=None` work in PyTorch: the flag is only tested for truth.
    if value is None or isinstance(value, bool | int):
        return bool(value)
    raise PydanticCustomError("type", "must be True or False, got {value}", {"value": repr(value)})


def _ints(value: object) -> object:
    if isinstance(value, list | tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return tuple(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise PydanticCustomError(
        "type", "must be an int or a tuple of ints, got {value}", {"value": repr(value)}
    )


def _reals(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return tuple(_real(v) for v in value)
    return _real(value)


Real = Annotated[float, BeforeValidator(_real)]
OptionalReal = Annotated[float | None, BeforeValidator(lambda v: v if v is None else _real(v))]
Flag = Annotated[bool, BeforeValidator(_flag)]
Ints = Annotated[int | tuple[int, ...], BeforeValidator(_ints)]
OptionalInts = Annotated[
    int | tuple[int, ...] | None, BeforeValidator(lambda v: v if v is None else _ints(v))
]
Reals = Annotated[float | tuple[float, ...] | None, BeforeValidator(_reals)]


class Module(BaseModel):
    """A PyTorch module `net` can chain; subclasses add PyTorch's arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    torch_prefix: ClassVar[str]  # the class name, without a 1d/2d/3d suffix
    dimensioned: ClassVar[tuple[int, ...]] = ()  # the dims with a class: (1, 2, 3)
    positional: ClassVar[tuple[str, ...]] = ()
    keyword_only: ClassVar[tuple[str, ...]] = ()
    varargs: ClassVar[bool] = False  # (*args, **kwargs): takes anything, uses nothing

    dims: Literal[1, 2, 3] | None = None

    @property
    def kind(self) -> str:
        return self.torch_prefix + (f"{self.dims}d" if self.dims else "")

    def apply(self, shape: Shape) -> Effect:
        raise NotImplementedError  # pragma: no cover


class _Elementwise(Module):
    def apply(self, shape: Shape) -> Effect:
        return Effect(shape)


# --- activations ------------------------------------------------------------------------------


class ReLU(_Elementwise):
    torch_prefix = "ReLU"
    positional = ("inplace",)
    inplace: Flag = False


class ReLU6(ReLU):
    torch_prefix = "ReLU6"


class SiLU(ReLU):
    torch_prefix = "SiLU"


class Mish(ReLU):
    torch_prefix = "Mish"


class Hardswish(ReLU):
    torch_prefix = "Hardswish"


class Hardsigmoid(ReLU):
    torch_prefix = "Hardsigmoid"


class LeakyReLU(_Elementwise):
    torch_prefix = "LeakyReLU"
    positional = ("negative_slope", "inplace")
    negative_slope: Real = 0.01
    inplace: Flag = False


class ELU(_Elementwise):
    torch_prefix = "ELU"
    positional = ("alpha", "inplace")
    alpha: Real = 1.0
    inplace: Flag = False


class GELU(_Elementwise):
    torch_prefix = "GELU"
    positional = ("approximate",)
    approximate: Str = "none"

    @model_validator(mode="after")
    def _check(self) -> GELU:
        if self.approximate not in ("none", "tanh"):
            raise _error("approximate", f"must be 'none' or 'tanh', got {self.approximate!r}")
        return self


class Sigmoid(_Elementwise):
    torch_prefix = "Sigmoid"
    varargs = True


class Tanh(Sigmoid):
    torch_prefix = "Tanh"


class Identity(Sigmoid):
    torch_prefix = "Identity"


class PReLU(Module):
    torch_prefix = "PReLU"
    positional = ("num_parameters", "init", "device", "dtype")
    num_parameters: Int = 1
    init: Real = 0.25

    @model_validator(mode="after")
    def _check(self) -> PReLU:
        if self.num_parameters < 0:
            raise _error("num_parameters", f"must be ≥ 0, got {self.num_parameters}")
        return self

    def apply(self, shape: Shape) -> Effect:
        # the channel axis is 1 whatever the rank; below 2-D there is one channel
        channels = shape[1] if len(shape) >= 2 else 1
        if self.num_parameters not in (1, channels):
            raise LayerError(
                f"num_parameters: PReLU has {self.num_parameters} parameters, but axis 1 of "
                f"the input {_text(shape)} has {channels} channels (use 1 or {channels})"
            )
        return Effect(shape, params=self.num_parameters)


class Softmax(Module):
    torch_prefix = "Softmax"
    positional = ("dim",)
    dim: OptionalInt = None

    def apply(self, shape: Shape) -> Effect:
        rank = len(shape)
        if self.dim is None:
            implicit = 0 if rank in (0, 1, 3) else 1
            return Effect(
                shape,
                warnings=(
                    f"no dim given: PyTorch picks dim={implicit} for a {rank}-D input "
                    "(deprecated); write dim=",
                ),
            )
        _axis("dim", self.dim, rank)
        return Effect(shape)


class LogSoftmax(Softmax):
    torch_prefix = "LogSoftmax"


def _axis(name: str, dim: int, rank: int) -> int:
    """A dim argument wrapped into [0, rank) as PyTorch does (a 0-D tensor has one)."""
    n = max(rank, 1)
    if not -n <= dim < n:
        raise LayerError(
            f"{name}: dimension out of range (expected to be in range of [{-n}, {n - 1}], "
            f"but got {dim}) for a {rank}-D input"
        )
    return dim % n


# --- dropout ----------------------------------------------------------------------------------


class Dropout(_Elementwise):
    torch_prefix = "Dropout"
    positional = ("p", "inplace")
    p: Real = 0.5
    inplace: Flag = False

    @model_validator(mode="after")
    def _check(self) -> Dropout:
        if not 0 <= self.p <= 1:
            raise _error("p", f"dropout probability has to be between 0 and 1, but got {self.p}")
        return self


class ChannelDropout(Dropout):
    """Dropout1d / 2d / 3d: whole channels."""

    torch_prefix = "Dropout"
    dimensioned = (1, 2, 3)

    def apply(self, shape: Shape) -> Effect:
        rank = len(shape)
        assert self.dims is not None
        usual = (self.dims + 1, self.dims + 2)
        if self.dims == 1 and rank not in usual:
            raise LayerError(f"input: Dropout1d expects a 2-D or 3-D input, got {rank}-D")
        warnings = []
        if rank not in usual:
            warnings.append(
                f"{self.kind} on a {rank}-D input is deprecated in PyTorch (it expects "
                f"{usual[0]}-D or {usual[1]}-D); use Dropout"
            )
        if self.dims == 2 and rank == 3:
            warnings.append(
                "Dropout2d reads a 3-D input as (N, C, L) and drops 1-D channels, "
                "not as an unbatched (C, H, W)"
            )
        # dropout3d adds a batch axis to an unbatched input; feature dropout needs 2 axes
        batched_rank = rank if self.dims == 2 or rank == usual[1] else rank + 1
        if batched_rank < 2:
            warnings.append(
                f"feature dropout needs at least 2 dimensions, got {rank}-D: PyTorch refuses "
                "this in training mode"
            )
        return Effect(shape, warnings=tuple(warnings))


# --- normalisation ----------------------------------------------------------------------------


class _Norm(Module):
    positional = (
        "num_features",
        "eps",
        "momentum",
        "affine",
        "track_running_stats",
        "device",
        "dtype",
    )
    keyword_only = ("bias",)
    dimensioned = (1, 2, 3)

    num_features: Int
    eps: Real = 1e-5
    momentum: OptionalReal = 0.1
    affine: Flag = True
    track_running_stats: Flag = True
    bias: Flag = True

    @model_validator(mode="after")
    def _check(self) -> _Norm:
        if (self.affine or self.track_running_stats) and self.num_features < 0:
            raise _error("num_features", f"must be ≥ 0, got {self.num_features}")
        return self

    def _counts(self) -> tuple[int, int]:
        n = self.num_features
        params = n * (2 if self.bias else 1) if self.affine else 0
        buffers = 2 * n + 1 if self.track_running_stats else 0
        return params, buffers


class BatchNorm(_Norm):
    torch_prefix = "BatchNorm"

    def apply(self, shape: Shape) -> Effect:
        assert self.dims is not None
        ranks = (2, 3) if self.dims == 1 else (self.dims + 2,)
        if len(shape) not in ranks:
            wanted = " or ".join(f"{r}-D" for r in ranks)
            raise LayerError(
                f"input: {self.kind} expects a {wanted} input, got {len(shape)}-D {_text(shape)}"
            )
        channels = shape[1]
        if (self.affine or self.track_running_stats) and channels != self.num_features:
            raise LayerError(
                f"num_features: {self.kind} expects {self.num_features} channels, but the "
                f"input {_text(shape)} has {channels}"
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
            message = f"one value per channel ({_text(shape)})"
            if batch_stats:
                raise LayerError(
                    f"input: batch norm without running statistics needs more than {message}"
                )
            warnings.append(
                f"{message}: PyTorch refuses this in training mode; it runs in eval mode only"
            )
        params, buffers = self._counts()
        return Effect(shape, params=params, buffers=buffers, warnings=tuple(warnings))


class InstanceNorm(_Norm):
    torch_prefix = "InstanceNorm"
    affine: Flag = False
    track_running_stats: Flag = False

    def apply(self, shape: Shape) -> Effect:
        assert self.dims is not None
        ranks = (self.dims + 1, self.dims + 2)
        if len(shape) not in ranks:
            raise LayerError(
                f"input: {self.kind} expects a {ranks[0]}-D or {ranks[1]}-D input, got "
                f"{len(shape)}-D {_text(shape)}"
            )
        batched = shape if len(shape) == ranks[1] else (1, *shape)
        channels = batched[1]
        warnings = []
        if channels != self.num_features:
            if self.affine or self.track_running_stats:
                raise LayerError(
                    f"num_features: {self.kind} expects {self.num_features} channels, but "
                    f"the input {_text(shape)} has {channels}"
                )
            warnings.append(
                f"num_features={self.num_features} does not match the input's {channels} "
                "channels (unused, since affine=False)"
            )
        if math.prod(batched[2:]) == 1:
            message = f"one spatial element per channel ({_text(shape)})"
            if not self.track_running_stats:
                raise LayerError(f"input: instance norm needs more than {message}")
            warnings.append(f"{message}: PyTorch refuses this in training mode")
        params, buffers = self._counts()
        return Effect(shape, params=params, buffers=buffers, warnings=tuple(warnings))


class GroupNorm(Module):
    torch_prefix = "GroupNorm"
    positional = ("num_groups", "num_channels", "eps", "affine", "device", "dtype")
    keyword_only = ("bias",)
    num_groups: Int
    num_channels: Int
    eps: Real = 1e-5
    affine: Flag = True
    bias: Flag = True

    @model_validator(mode="after")
    def _check(self) -> GroupNorm:
        if self.num_groups < 1:
            raise _error("num_groups", f"must be ≥ 1, got {self.num_groups}")
        if self.num_channels < 0:
            raise _error("num_channels", f"must be ≥ 0, got {self.num_channels}")
        if self.num_channels % self.num_groups:
            raise _error(
                "num_groups",
                f"num_channels ({self.num_channels}) must be divisible by num_groups "
                f"({self.num_groups})",
            )
        return self

    def apply(self, shape: Shape) -> Effect:
        if len(shape) < 2:
            raise LayerError(
                f"input: GroupNorm expects at least 2 dimensions (N, C, ...), got "
                f"{len(shape)}-D {_text(shape)}"
            )
        channels = shape[1]
        per_group = shape[0] * channels // self.num_groups
        if math.prod((per_group, *shape[2:])) == 1:
            raise LayerError(
                f"input: GroupNorm needs more than 1 value per group, got {_text(shape)} "
                f"with num_groups={self.num_groups}"
            )
        if channels % self.num_groups:
            raise LayerError(
                f"num_groups: the input {_text(shape)} has {channels} channels, not "
                f"divisible by num_groups={self.num_groups}"
            )
        if self.affine and channels != self.num_channels:
            raise LayerError(
                f"num_channels: GroupNorm expects {self.num_channels} channels, but the "
                f"input {_text(shape)} has {channels}"
            )
        params = self.num_channels * (2 if self.bias else 1) if self.affine else 0
        return Effect(shape, params=params)


class LayerNorm(Module):
    torch_prefix = "LayerNorm"
    positional = ("normalized_shape", "eps", "elementwise_affine", "bias", "device", "dtype")
    normalized_shape: Ints
    eps: Real = 1e-5
    elementwise_affine: Flag = True
    bias: Flag = True

    @property
    def dims_shape(self) -> Shape:
        ns = self.normalized_shape
        return (ns,) if isinstance(ns, int) else ns

    @model_validator(mode="after")
    def _check(self) -> LayerNorm:
        if any(n < 0 for n in self.dims_shape) and self.elementwise_affine:
            raise _error("normalized_shape", f"sizes must be ≥ 0, got {self.normalized_shape}")
        return self

    def apply(self, shape: Shape) -> Effect:
        ns = self.dims_shape
        if not ns:
            raise LayerError("normalized_shape: expected at least 1 dimension, got ()")
        if len(shape) < len(ns) or shape[len(shape) - len(ns) :] != ns:
            raise LayerError(
                f"normalized_shape: LayerNorm({_text(ns)}) expects an input ending in "
                f"{_text(ns)}, got {_text(shape)}"
            )
        if not self.elementwise_affine:
            return Effect(shape)
        return Effect(shape, params=math.prod(ns) * (2 if self.bias else 1))


class LocalResponseNorm(Module):
    torch_prefix = "LocalResponseNorm"
    positional = ("size", "alpha", "beta", "k")
    size: Int
    alpha: Real = 1e-4
    beta: Real = 0.75
    k: Real = 1.0

    def apply(self, shape: Shape) -> Effect:
        if len(shape) < 3:
            raise LayerError(
                f"input: LocalResponseNorm expects a 3-D or higher input, got {len(shape)}-D "
                f"{_text(shape)}"
            )
        if math.prod(shape) and self.size < 1:
            raise LayerError(f"size: must be ≥ 1, got {self.size}")
        return Effect(shape)


# --- reshaping and Linear ---------------------------------------------------------------------


class Flatten(Module):
    torch_prefix = "Flatten"
    positional = ("start_dim", "end_dim")
    start_dim: Int = 1
    end_dim: Int = -1

    def apply(self, shape: Shape) -> Effect:
        start = _axis("start_dim", self.start_dim, len(shape))
        end = _axis("end_dim", self.end_dim, len(shape))
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
    torch_prefix = "Unflatten"
    positional = ("dim", "unflattened_size")
    dim: Int
    unflattened_size: Annotated[tuple[int, ...], BeforeValidator(_ints)]

    @model_validator(mode="before")
    @classmethod
    def _sizes_are_a_tuple(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("unflattened_size"), int):
            raise _error(
                "unflattened_size",
                f"must be a tuple of ints, got {data['unflattened_size']!r}",
            )
        return data

    def apply(self, shape: Shape) -> Effect:
        dim = _axis("dim", self.dim, len(shape))
        sizes = self.unflattened_size
        size = shape[dim] if shape else 1
        if not sizes:
            raise LayerError("unflattened_size: sizes must be non-empty")
        if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
            raise LayerError(
                f"unflattened_size: {_text(sizes)} may hold one -1 and sizes ≥ 0 otherwise"
            )
        known = math.prod(s for s in sizes if s != -1)
        if -1 in sizes:
            if known == 0 or size % known:
                raise LayerError(
                    f"unflattened_size: cannot split axis {dim} of size {size} into {_text(sizes)}"
                )
            sizes = tuple(size // known if s == -1 else s for s in sizes)
        elif known != size:
            raise LayerError(
                f"unflattened_size: {_text(sizes)} holds {known} elements, but axis {dim} of "
                f"{_text(shape)} has {size}"
            )
        out = (*shape[:dim], *sizes, *shape[dim + 1 :])
        return Effect(out, kept=len(shape) - 1 - dim)


class Linear(Module):
    torch_prefix = "Linear"
    positional = ("in_features", "out_features", "bias", "device", "dtype")
    in_features: Int
    out_features: Int
    bias: Flag = True

    @model_validator(mode="after")
    def _check(self) -> Linear:
        for name in ("in_features", "out_features"):
            if getattr(self, name) < 0:
                raise _error(name, f"must be ≥ 0, got {getattr(self, name)}")
        return self

    def apply(self, shape: Shape) -> Effect:
        if not shape:
            raise LayerError("input: Linear needs at least a 1-D input, got a 0-D one")
        if shape[-1] != self.in_features:
            raise LayerError(
                f"in_features: Linear expects {self.in_features} features in the last axis, "
                f"but the input {_text(shape)} has {shape[-1]}"
            )
        out = (*shape[:-1], self.out_features)
        params = self.in_features * self.out_features + (self.out_features if self.bias else 0)
        # one multiply-accumulate per weight, for every position of the leading axes
        macs = math.prod(shape[:-1]) * self.in_features * self.out_features
        return Effect(out, params=params, macs=macs, kept=0)


# --- resampling -------------------------------------------------------------------------------

UPSAMPLE_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
# modes that need one particular rank (F.interpolate's dispatch)
_MODE_RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
# inputs one output reads per axis (nearest: 1; linear: 2 neighbours; cubic: 4)
_MODE_TAPS = {"nearest": 1, "nearest-exact": 1, "linear": 2, "bilinear": 2, "trilinear": 2}


class Upsample(Module):
    torch_prefix = "Upsample"
    positional = ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor")
    size: OptionalInts = None
    scale_factor: Reals = None
    mode: Str = "nearest"
    align_corners: Annotated[
        bool | None, BeforeValidator(lambda v: v if v is None else _flag(v))
    ] = None
    recompute_scale_factor: Annotated[
        bool | None, BeforeValidator(lambda v: v if v is None else _flag(v))
    ] = None

    @model_validator(mode="after")
    def _check(self) -> Upsample:
        if self.mode == "lanczos":
            raise _error("mode", "'lanczos' needs antialias=True, which nn.Upsample cannot pass")
        if self.mode not in UPSAMPLE_MODES:
            raise _error("mode", f"{self.mode!r} is not one of {', '.join(UPSAMPLE_MODES)}")
        if self.align_corners is not None and self.mode in ("nearest", "area", "nearest-exact"):
            raise _error(
                "align_corners",
                "can only be set with the interpolating modes: linear, bilinear, bicubic, "
                "trilinear",
            )
        return self

    def _scales(self, dims: int) -> tuple[float, ...] | None:
        # nn.Upsample stores a falsy scale_factor (0, 0.0) as None
        scale = self.scale_factor
        if scale is None or scale == 0:
            return None
        if isinstance(scale, tuple):
            if len(scale) != dims:
                raise LayerError(
                    f"scale_factor: {scale} has {len(scale)} values for {dims} spatial axes"
                )
            return scale
        return (scale,) * dims

    def apply(self, shape: Shape) -> Effect:
        dims = len(shape) - 2
        scales = self._scales(dims)
        if self.size is not None and scales is not None:
            raise LayerError("size: only one of size or scale_factor should be defined")
        if self.size is None and scales is None:
            raise LayerError("size: either size or scale_factor should be defined")
        if self.size is not None:
            if isinstance(self.size, tuple) and len(self.size) != dims:
                raise LayerError(
                    f"size: {self.size} has {len(self.size)} values, but the input "
                    f"{_text(shape)} has {max(dims, 0)} spatial axes"
                )
            if self.recompute_scale_factor:
                raise LayerError("recompute_scale_factor: not meaningful with an explicit size")
        if len(shape) not in (3, 4, 5):
            raise LayerError(
                f"input: Upsample expects a 3-D, 4-D or 5-D (N, C, *spatial) input, got "
                f"{len(shape)}-D {_text(shape)}"
            )
        wanted = _MODE_RANK.get(self.mode)
        if wanted is not None and len(shape) != wanted:
            raise LayerError(
                f"mode: {self.mode!r} needs a {wanted}-D input, got {len(shape)}-D {_text(shape)}"
            )
        spatial = shape[2:]
        if scales is None:
            assert self.size is not None
            out = expand(self.size, dims)
        else:
            # PyTorch: (int64) (double(size) · scale), i.e. floor for positive sizes
            out = tuple(math.floor(s * f) for s, f in zip(spatial, scales, strict=True))
            if any(o >= 2**63 for o in out):  # torch: "cannot be converted to type int64_t"
                raise LayerError(
                    f"scale_factor: the output size {_text(out)} does not fit PyTorch's int64"
                )
        if self.mode == "area":  # F.interpolate runs adaptive_avg_pool*d
            pool = AdaptiveAvgPool.model_validate({"dims": dims, "output_size": out})
            effect = effect_of(arithmetic.analyze(pool, shape))
            return Effect(effect.output_shape, window=effect.window)
        if 0 in spatial or any(o <= 0 for o in out):
            raise LayerError(
                f"{'size' if scales is None else 'scale_factor'}: input and output sizes "
                f"should be greater than 0, got input {_text(spatial)} and output {_text(out)}"
            )
        if shape[1] == 0:
            raise LayerError(f"input: Upsample needs a non-empty channel axis, got {_text(shape)}")
        window = tuple(
            self._window(i, o, None if scales is None else scales[k])
            for k, (i, o) in enumerate(zip(spatial, out, strict=True))
        )
        return Effect((*shape[:2], *out), window=window)

    def _window(self, size: int, out: int, scale: float | None) -> tuple[int, Fraction]:
        if self.mode == "area":
            return arithmetic.adaptive_max_window(size, out), Fraction(size, out)
        taps = _MODE_TAPS.get(self.mode, 4)
        if self.align_corners:
            return taps, Fraction(size - 1, out - 1) if out > 1 else Fraction(0)
        if scale is not None and not self.recompute_scale_factor:
            return taps, 1 / Fraction(str(scale))  # PyTorch samples at 1/scale_factor
        return taps, Fraction(size, out)


class PixelShuffle(Module):
    torch_prefix = "PixelShuffle"
    positional = ("upscale_factor",)
    upscale_factor: Int

    def apply(self, shape: Shape) -> Effect:
        r = self.upscale_factor
        _pixel_checks("upscale_factor", r, shape)
        channels = shape[-3]
        if channels % (r * r):
            raise LayerError(
                f"upscale_factor: the input's {channels} channels are not divisible by "
                f"upscale_factor² = {r * r}"
            )
        out = (*shape[:-3], channels // (r * r), shape[-2] * r, shape[-1] * r)
        step = Fraction(1, r)
        return Effect(out, window=((1, step), (1, step)))


class PixelUnshuffle(Module):
    torch_prefix = "PixelUnshuffle"
    positional = ("downscale_factor",)
    downscale_factor: Int

    def apply(self, shape: Shape) -> Effect:
        r = self.downscale_factor
        _pixel_checks("downscale_factor", r, shape)
        for axis, name in ((-2, "height"), (-1, "width")):
            if shape[axis] % r:
                raise LayerError(
                    f"downscale_factor: the input's {name} {shape[axis]} is not divisible by {r}"
                )
        out = (*shape[:-3], shape[-3] * r * r, shape[-2] // r, shape[-1] // r)
        return Effect(out, window=((r, Fraction(r)), (r, Fraction(r))))


def _pixel_checks(name: str, factor: int, shape: Shape) -> None:
    if len(shape) < 3:
        raise LayerError(
            f"input: pixel (un)shuffle needs at least 3 dimensions (C, H, W), got "
            f"{len(shape)}-D {_text(shape)}"
        )
    if factor < 1:
        raise LayerError(f"{name}: must be positive, got {factor}")


# --- padding ----------------------------------------------------------------------------------


class _Pad(Module):
    dimensioned = (1, 2, 3)
    positional: ClassVar[tuple[str, ...]] = ("padding",)
    mode: ClassVar[str]
    padding: Ints

    def pads(self) -> Shape:
        """F.pad's list: (before, after) per axis, last axis first; an int on every side."""
        assert self.dims is not None
        if isinstance(self.padding, int):
            return (self.padding,) * (2 * self.dims)
        return self.padding

    def apply(self, shape: Shape) -> Effect:
        pads = self.pads()
        rank = len(shape)
        if self.mode == "circular":
            assert self.dims is not None
            _check_rank(self.kind, shape, (self.dims + 1, self.dims + 2))
        if len(pads) % 2:
            raise LayerError(f"padding: needs an even number of values, got {len(pads)}")
        axes = len(pads) // 2
        if axes > rank:
            raise LayerError(
                f"padding: {len(pads)} values pad {axes} axes, but the input {_text(shape)} "
                f"has {rank}"
            )
        if self.mode != "constant":
            _check_rank(self.kind, shape, (axes + 1, axes + 2))
            if 0 in shape[-axes - 1 :] if axes else False:
                raise LayerError(
                    f"input: {self.mode} padding needs non-empty channel and spatial axes, "
                    f"got {_text(shape)}"
                )
        out = list(shape)
        for k in range(axes):
            axis = rank - 1 - k
            before, after = pads[2 * k], pads[2 * k + 1]
            out[axis] = self._padded(shape[axis], before, after)
        padded = out[rank - axes :]
        # ATen's reflection/replication kernels want one axis (any one) of at least 1
        if self.mode in ("reflect", "replicate") and axes and max(padded) < 1:
            raise LayerError(
                f"padding: {pads} leaves {_text(tuple(padded))} of the input "
                f"{_text(shape)}; at least one padded axis must keep an element"
            )
        window = ((1, Fraction(1)),) * axes
        return Effect(tuple(out), window=window)

    def _padded(self, size: int, before: int, after: int) -> int:
        new = size + before + after
        if self.mode == "reflect" and max(before, after) >= size:
            raise LayerError(
                f"padding: reflection padding ({before}, {after}) must be smaller than the "
                f"input axis of size {size}"
            )
        if self.mode == "circular" and max(before, after) > size:
            raise LayerError(
                f"padding: circular padding ({before}, {after}) wraps around more than once "
                f"on an axis of size {size}"
            )
        if new < 0:
            raise LayerError(
                f"padding: ({before}, {after}) on an axis of size {size} leaves {new} elements"
            )
        return new


def _check_rank(kind: str, shape: Shape, ranks: tuple[int, int]) -> None:
    if len(shape) not in ranks:
        raise LayerError(
            f"input: {kind} expects a {ranks[0]}-D or {ranks[1]}-D input, got {len(shape)}-D "
            f"{_text(shape)}"
        )


class ZeroPad(_Pad):
    torch_prefix = "ZeroPad"
    mode = "constant"


class ConstantPad(_Pad):
    torch_prefix = "ConstantPad"
    mode = "constant"
    positional = ("padding", "value")
    value: Real


class ReflectionPad(_Pad):
    torch_prefix = "ReflectionPad"
    mode = "reflect"


class ReplicationPad(_Pad):
    torch_prefix = "ReplicationPad"
    mode = "replicate"


class CircularPad(_Pad):
    torch_prefix = "CircularPad"
    mode = "circular"


# --- power-average pooling --------------------------------------------------------------------


class LPPool(Module):
    torch_prefix = "LPPool"
    dimensioned = (1, 2, 3)
    positional = ("norm_type", "kernel_size", "stride", "ceil_mode")
    norm_type: Real
    kernel_size: Size
    stride: OptionalInts = None
    ceil_mode: Flag = False

    @model_validator(mode="after")
    def _check(self) -> LPPool:
        if self.norm_type == 0:
            raise _error("norm_type", "must not be 0 (the output is a 1/norm_type power)")
        # lp_pool2d/3d unpack the kernel into exactly 2 or 3 sizes
        k = self.kernel_size
        if self.dims == 1 and isinstance(k, tuple):  # lp_pool1d multiplies by kernel_size
            raise _error("kernel_size", f"LPPool1d takes an int, got {k}")
        if isinstance(k, tuple) and len(k) != self.dims:
            raise _error("kernel_size", f"{self.kind} needs an int or {self.dims} ints, got {k}")
        return self

    def pool_spec(self) -> LayerSpec:
        """The pooling F.lp_pool*d runs: avg_pool without padding; max_pool for p = ±inf."""
        args = {"dims": self.dims, "kernel_size": self.kernel_size, "stride": self.stride}
        if math.isinf(self.norm_type):
            return MaxPool.model_validate({**args, "ceil_mode": self.ceil_mode})
        return AvgPool.model_validate({**args, "ceil_mode": self.ceil_mode})

    def apply(self, shape: Shape) -> Effect:
        try:
            spec = self.pool_spec()
        except ValidationError as exc:
            raise LayerError(validation_message(exc)) from None
        return effect_of(arithmetic.analyze(spec, shape))


# --- registry ---------------------------------------------------------------------------------

_MODULES: tuple[type[Module], ...] = (
    ReLU,
    ReLU6,
    LeakyReLU,
    PReLU,
    ELU,
    GELU,
    SiLU,
    Mish,
    Sigmoid,
    Tanh,
    Hardswish,
    Hardsigmoid,
    Softmax,
    LogSoftmax,
    Identity,
    Dropout,
    ChannelDropout,
    BatchNorm,
    InstanceNorm,
    GroupNorm,
    LayerNorm,
    LocalResponseNorm,
    Flatten,
    Unflatten,
    Linear,
    Upsample,
    PixelShuffle,
    PixelUnshuffle,
    ZeroPad,
    ConstantPad,
    ReflectionPad,
    ReplicationPad,
    CircularPad,
    LPPool,
)
# PyTorch class name → (spec class, dims)
MODULES: dict[str, tuple[type[Module], int | None]] = {}
for _cls in _MODULES:
    if _cls.dimensioned:
        for _d in _cls.dimensioned:
            MODULES[f"{_cls.torch_prefix}{_d}d"] = (_cls, _d)
    else:
        MODULES[_cls.torch_prefix] = (_cls, None)

SUPPORTED: tuple[str, ...] = (*SIGNATURES, *MODULES)

Layer = LayerSpec | Module


def validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(part) for part in err["loc"])
        parts.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    return "; ".join(parts)


def _supported_text() -> str:
    return ", ".join(SUPPORTED)


def layer_from_call(call: Call) -> Layer:
    """The spec for one constructor call; ExpressionError / LayerError if PyTorch would not
    build it (or convcalc does not know it)."""
    name = call.class_name
    try:
        if name in SIGNATURES:
            return spec_from_call(call)
        if name not in MODULES:
            raise ExpressionError(f"unknown layer {name!r}; supported: {_supported_text()}")
        cls, dims = MODULES[name]
        if cls.varargs:
            return cls()
        if len(call.args) > len(cls.positional):
            raise ExpressionError(
                f"{name}: takes at most {len(cls.positional)} positional arguments, got "
                f"{len(call.args)} (line {call.line}, column {call.column})"
            )
        args = bind(call, cls.positional + cls.keyword_only)
        missing = [
            field
            for field, info in cls.model_fields.items()
            if info.is_required() and field not in args and field != "dims"
        ]
        if missing:
            raise ExpressionError(f"{name}: missing required argument {missing[0]}")
        return cls.model_validate({**args, "dims": dims} if dims else args)
    except ValidationError as exc:
        raise LayerError(validation_message(exc)) from None


def signature(class_name: str) -> tuple[str, ...]:
    """PyTorch's positional parameter order for a supported class name (else ())."""
    if class_name in SIGNATURES:
        return SIGNATURES[class_name]
    cls = MODULES.get(class_name, (None, None))[0]
    return () if cls is None else cls.positional


def effect_of(shape: arithmetic.LayerShape) -> Effect:
    """A conv / pooling layer's `analyze` result as an Effect."""
    return Effect(
        shape.output_shape,
        params=shape.params,
        macs=shape.macs,
        window=tuple((axis.receptive_field, axis.jump) for axis in shape.axes),
        warnings=shape.warnings,
        returns_tuple=bool(getattr(shape.spec, "return_indices", False)),
    )


def apply(layer: Layer, shape: Shape) -> Effect:
    """What `layer` does to an input of `shape`; LayerError where PyTorch refuses."""
    if isinstance(layer, Module):
        return layer.apply(shape)
    if isinstance(layer, LayerSpec):
        return effect_of(arithmetic.analyze(layer, shape))
    raise TypeError(f"not a layer: {layer!r}")  # pragma: no cover


def kind_of(layer: Layer) -> str:
    return layer.torch_name if isinstance(layer, LayerSpec) else layer.kind
