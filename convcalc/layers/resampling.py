"""Upsampling and pixel (un)shuffle (torch/nn/modules/upsampling.py, pixelshuffle.py and
F.interpolate in torch/nn/functional.py)."""

import math
from fractions import Fraction
from typing import ClassVar, Self

from pydantic import model_validator

from convcalc import arithmetic
from convcalc.arguments import (
    Bool,
    Int,
    OptionalFlag,
    OptionalSize,
    Reals,
    Size,
    Str,
    expand,
    refuse,
)
from convcalc.errors import LayerError
from convcalc.layers.base import Effect, Module, Shape, effect_of
from convcalc.notation import shape_text
from convcalc.specs import AdaptiveAvgPool

UPSAMPLE_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
# modes that need one particular rank (F.interpolate's dispatch)
_MODE_RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
# inputs one output reads per axis (nearest: 1; linear: 2 neighbours; cubic: 4)
_MODE_TAPS = {"nearest": 1, "nearest-exact": 1, "linear": 2, "bilinear": 2, "trilinear": 2}


class Upsample(Module):
    torch_class = "Upsample"
    positional: ClassVar[tuple[str, ...]] = (
        "size",
        "scale_factor",
        "mode",
        "align_corners",
        "recompute_scale_factor",
    )
    size: OptionalSize = None
    scale_factor: Reals = None
    mode: Str = "nearest"
    # handed to upsample_*(..., bool align_corners, ...): torch refuses align_corners=1
    align_corners: Bool | None = None
    # F.interpolate only tests it for truth
    recompute_scale_factor: OptionalFlag = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.mode == "lanczos":
            raise refuse("mode", "'lanczos' needs antialias=True, which nn.Upsample cannot pass")
        if self.mode not in UPSAMPLE_MODES:
            raise refuse("mode", f"{self.mode!r} is not one of {', '.join(UPSAMPLE_MODES)}")
        if self.align_corners is not None and self.mode in ("nearest", "area", "nearest-exact"):
            raise refuse(
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
                    f"{shape_text(shape)} has {max(dims, 0)} spatial axes"
                )
            if self.recompute_scale_factor:
                raise LayerError("recompute_scale_factor: not meaningful with an explicit size")
        if len(shape) not in (3, 4, 5):
            raise LayerError(
                f"input: Upsample expects a 3-D, 4-D or 5-D (N, C, *spatial) input, got "
                f"{len(shape)}-D {shape_text(shape)}"
            )
        wanted = _MODE_RANK.get(self.mode)
        if wanted is not None and len(shape) != wanted:
            raise LayerError(
                f"mode: {self.mode!r} needs a {wanted}-D input, got {len(shape)}-D "
                f"{shape_text(shape)}"
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
                    f"scale_factor: the output size {shape_text(out)} does not fit PyTorch's int64"
                )
        if self.mode == "area":  # F.interpolate runs adaptive_avg_pool*d
            pool = AdaptiveAvgPool.model_validate({"dims": dims, "output_size": out})
            effect = effect_of(arithmetic.analyze(pool, shape))
            return Effect(effect.output_shape, window=effect.window)
        if 0 in spatial or any(o <= 0 for o in out):
            raise LayerError(
                f"{'size' if scales is None else 'scale_factor'}: input and output sizes "
                f"should be greater than 0, got input {shape_text(spatial)} and output "
                f"{shape_text(out)}"
            )
        if shape[1] == 0:
            raise LayerError(
                f"input: Upsample needs a non-empty channel axis, got {shape_text(shape)}"
            )
        window = tuple(
            self._window(i, o, None if scales is None else scales[k])
            for k, (i, o) in enumerate(zip(spatial, out, strict=True))
        )
        return Effect((*shape[:2], *out), window=window)

    def _window(self, size: int, out: int, scale: float | None) -> tuple[int, Fraction]:
        taps = _MODE_TAPS.get(self.mode, 4)
        if self.align_corners:
            return taps, Fraction(size - 1, out - 1) if out > 1 else Fraction(0)
        if scale is not None and not self.recompute_scale_factor:
            return taps, 1 / Fraction(str(scale))  # PyTorch samples at 1/scale_factor
        return taps, Fraction(size, out)


class PixelShuffle(Module):
    torch_class = "PixelShuffle"
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
    torch_class = "PixelUnshuffle"
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
            f"{len(shape)}-D {shape_text(shape)}"
        )
    if factor < 1:
        raise LayerError(f"{name}: must be positive, got {factor}")


class UpsamplingNearest2d(Upsample):
    """F.interpolate(mode='nearest'); the '2d' is in the name only (3-D to 5-D inputs run)."""

    torch_class = "UpsamplingNearest2d"
    positional: ClassVar[tuple[str, ...]] = ("size", "scale_factor")


class UpsamplingBilinear2d(Upsample):
    torch_class = "UpsamplingBilinear2d"
    positional: ClassVar[tuple[str, ...]] = ("size", "scale_factor")
    mode: Str = "bilinear"
    align_corners: Bool | None = True


class ChannelShuffle(Module):
    torch_class = "ChannelShuffle"
    positional = ("groups",)
    groups: Int

    def apply(self, shape: Shape) -> Effect:
        if len(shape) <= 2:
            raise LayerError(
                f"input: ChannelShuffle expects more than 2 dimensions, got {len(shape)}-D "
                f"{shape_text(shape)}"
            )
        if self.groups <= 0:
            raise LayerError(f"groups: must be positive, got {self.groups}")
        if shape[1] % self.groups:
            raise LayerError(
                f"groups: the input's {shape[1]} channels are not divisible by groups={self.groups}"
            )
        return Effect(shape)


class _Blocks(Module):
    """Unfold / Fold (F.unfold, F.fold: im2col and col2im): sliding 2-D blocks."""

    kernel_size: Size
    dilation: Size = 1
    padding: Size = 0
    stride: Size = 1

    def _pairs(self) -> tuple[Shape, Shape, Shape, Shape]:
        values = []
        for name in ("kernel_size", "dilation", "padding", "stride"):
            value = expand(getattr(self, name), 2)
            if len(value) != 2:
                raise LayerError(f"{name}: {self.torch_name} takes an int or 2 ints, got {value}")
            low = 0 if name == "padding" else 1
            if any(v < low for v in value):
                raise LayerError(f"{name}: must be ≥ {low}, got {shape_text(value)}")
            values.append(value)
        return values[0], values[1], values[2], values[3]

    def _blocks(self, spatial: Shape) -> Shape:
        """Blocks per axis: ⌊(size + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1."""
        k, d, p, s = self._pairs()
        counts = tuple(
            (spatial[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2)
        )
        if any(c < 1 for c in counts):
            raise LayerError(
                f"kernel_size: {shape_text(k)} with dilation {shape_text(d)} and padding "
                f"{shape_text(p)} fits {shape_text(tuple(max(c, 0) for c in counts))} blocks "
                f"in the spatial size {shape_text(spatial)}; at least one per axis is needed"
            )
        return counts


class Unfold(_Blocks):
    torch_class = "Unfold"
    positional = ("kernel_size", "dilation", "padding", "stride")

    def apply(self, shape: Shape) -> Effect:
        if len(shape) not in (3, 4):
            raise LayerError(
                f"input: Unfold expects a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
                f"{len(shape)}-D {shape_text(shape)}"
            )
        counts = self._blocks(shape[-2:])
        k = self._pairs()[0]
        out = (*shape[:-3], shape[-3] * k[0] * k[1], counts[0] * counts[1])
        return Effect(out, kept=0)


class Fold(_Blocks):
    torch_class = "Fold"
    positional = ("output_size", "kernel_size", "dilation", "padding", "stride")
    output_size: Size

    def apply(self, shape: Shape) -> Effect:
        if len(shape) not in (2, 3):
            raise LayerError(
                f"input: Fold expects a 2-D (C·∏kernel, L) or 3-D (N, C·∏kernel, L) input, "
                f"got {len(shape)}-D {shape_text(shape)}"
            )
        size = expand(self.output_size, 2)
        if len(size) != 2:
            raise LayerError(f"output_size: Fold takes an int or 2 ints, got {size}")
        k = self._pairs()[0]
        per_block = k[0] * k[1]
        if shape[-2] % per_block:
            raise LayerError(
                f"kernel_size: axis {len(shape) - 2} of the input {shape_text(shape)} has "
                f"{shape[-2]}, not divisible by the kernel's {k[0]}·{k[1]} = {per_block}"
            )
        counts = self._blocks(size)
        if shape[-1] != counts[0] * counts[1]:
            raise LayerError(
                f"output_size: {shape_text(size)} holds {counts[0]} · {counts[1]} = "
                f"{counts[0] * counts[1]} sliding blocks, but the input {shape_text(shape)} "
                f"has {shape[-1]}"
            )
        out = (*shape[:-2], shape[-2] // per_block, *size)
        return Effect(out, kept=0)
