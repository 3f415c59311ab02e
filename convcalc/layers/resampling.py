"""Upsampling and pixel (un)shuffle (torch/nn/modules/upsampling.py, pixelshuffle.py and
F.interpolate in torch/nn/functional.py)."""

from __future__ import annotations

import math
from fractions import Fraction

from pydantic import model_validator

from convcalc import arithmetic
from convcalc.arguments import Bool, Int, OptionalFlag, OptionalSize, Reals, Str, expand, refuse
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
    positional = ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor")
    size: OptionalSize = None
    scale_factor: Reals = None
    mode: Str = "nearest"
    # handed to upsample_*(..., bool align_corners, ...): torch refuses align_corners=1
    align_corners: Bool | None = None
    # F.interpolate only tests it for truth
    recompute_scale_factor: OptionalFlag = None

    @model_validator(mode="after")
    def _check(self) -> Upsample:
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
