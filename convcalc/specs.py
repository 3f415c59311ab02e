"""Layer specs: one pydantic model per PyTorch layer family, for 1, 2 and 3 spatial dims.

Field names are PyTorch's constructor arguments.  A spec holds what the constructor holds and
refuses what the constructor (or its forward, where no input is needed to know) refuses; checks
that need the input shape live in `arithmetic`.
"""

# No `from __future__ import annotations`: pydantic would evaluate every field's annotation
# text when each class is made (~half of this module's import time).
import math
from typing import Any, ClassVar, Literal, Self

from pydantic import model_validator

from convcalc import kinds
from convcalc.arguments import (
    Arguments,
    Bool,
    BoolTolerantInt,
    Flag,
    Int,
    KernelSize,
    OptionalInt,
    OutputSize,
    Padding,
    PoolStride,
    Size,
    Str,
    expand,
    refuse,
)
from convcalc.padding import PADDING_MODES, PADDING_STRINGS

__all__ = ["expand"]  # re-exported: specs are where callers meet per-axis values


class LayerSpec(Arguments):
    """Common base: `dims` plus helpers.  Subclasses add PyTorch's arguments."""

    family: ClassVar[str]
    # (field, lower bound) of size-like fields: an int, or a tuple of `dims` ints (or of one,
    # which ATen repeats) unless the field is in `exact_fields`.
    size_fields: ClassVar[tuple[tuple[str, int | None], ...]] = ()
    exact_fields: ClassVar[frozenset[str]] = frozenset()
    # Constructor arguments PyTorch takes positionally first, and their order.
    positional: ClassVar[tuple[str, ...]] = ()

    dims: Literal[1, 2, 3]

    @property
    def kind(self) -> str:
        return f"{self.family}{self.dims}d"

    @property
    def torch_name(self) -> str:
        return kinds.torch_name(self.family, self.dims)

    @model_validator(mode="after")
    def _check_sizes(self) -> Self:
        for name, low in self.size_fields:
            value = getattr(self, name)
            if value is None or isinstance(value, str):
                continue
            lengths = self.allowed_lengths(name)
            if isinstance(value, tuple) and lengths is not None and len(value) not in lengths:
                ints = "a tuple of one int" if self.dims == 1 else f"{self.dims} ints"
                raise refuse(
                    name,
                    f"{self.torch_name} needs an int or {ints}, got {len(value)}: {value}",
                )
            bound = self.lower_bound(name, low)
            if bound is not None and any(v < bound for v in expand(value, self.dims)):
                # a conv's kernel 0 passes the constructor (for 0-channel inputs only): the
                # bound people need is still 1
                shown = max(bound, 1) if name == "kernel_size" else bound
                raise refuse(name, f"must be ≥ {shown}, got {value}")
        return self

    def lower_bound(self, name: str, default: int | None) -> int | None:
        return default

    def allowed_lengths(self, name: str) -> set[int] | None:
        """Tuple lengths PyTorch takes for a size field (None: checked later, with the input)."""
        return {self.dims} if name in self.exact_fields else {1, self.dims}

    def torch_call(self, *, channels: bool = True) -> str:
        """The PyTorch constructor call that builds this layer (non-default arguments only);
        with channels=False the channel counts are left as their names."""
        parts = [repr(getattr(self, name)) if channels else name for name in self.positional]
        for name, field in type(self).model_fields.items():
            if name == "dims" or name in self.positional:
                continue
            value = getattr(self, name)
            if value != field.default:
                parts.append(f"{name}={value!r}")
        return f"{self.torch_name}({', '.join(parts)})"


# dilation 0 passes the constructor and is refused in forward, except on an empty batch
_CONV_SIZE_FIELDS = (("kernel_size", 1), ("stride", 1), ("padding", 0), ("dilation", 0))


def _check_conv_channels(spec: "Conv | ConvTranspose") -> None:
    for name in ("in_channels", "out_channels"):
        if getattr(spec, name) < 0:
            raise refuse(name, f"must be ≥ 0, got {getattr(spec, name)}")
    if spec.groups < 1:
        raise refuse("groups", f"must be a positive integer, got {spec.groups}")
    for name in ("in_channels", "out_channels"):
        channels = getattr(spec, name)
        if channels % spec.groups:
            raise refuse(
                "groups",
                f"{name}={channels} is not divisible by groups={spec.groups}; "
                f"groups dividing both channel counts: {_common_divisors(spec)}",
            )


def _common_divisors(spec: "Conv | ConvTranspose") -> str:
    """The valid group counts: the divisors of gcd(in, out), found in O(√gcd), bounded."""
    g = math.gcd(spec.in_channels, spec.out_channels)
    if g == 0:
        return "any positive integer"
    if g > 10**12:
        return f"the divisors of gcd({spec.in_channels}, {spec.out_channels}) = {g}"
    small = [d for d in range(1, math.isqrt(g) + 1) if g % d == 0]
    return ", ".join(map(str, sorted({*small, *(g // d for d in small)})))


class Conv(LayerSpec):
    """Conv1d / Conv2d / Conv3d."""

    family = "conv"
    size_fields = _CONV_SIZE_FIELDS
    exact_fields = frozenset({"kernel_size"})
    positional = ("in_channels", "out_channels")

    in_channels: BoolTolerantInt
    out_channels: Int
    kernel_size: KernelSize
    stride: Size = 1
    padding: Padding = 0
    dilation: Size = 1
    groups: Int = 1
    bias: Flag = True
    padding_mode: Str = "zeros"

    @model_validator(mode="after")
    def _check_padding(self) -> Self:
        _check_conv_channels(self)
        if isinstance(self.padding, str):
            if self.padding not in PADDING_STRINGS:
                raise refuse(
                    "padding",
                    f"invalid padding string {self.padding!r}, should be 'same', 'valid', "
                    "an int or a tuple of ints",
                )
            if self.padding == "same" and any(s != 1 for s in expand(self.stride, self.dims)):
                raise refuse(
                    "padding",
                    f"padding='same' is not supported for strided convolutions "
                    f"(stride={self.stride}); use stride=1, or an explicit padding",
                )
        if self.padding_mode not in PADDING_MODES:
            raise refuse(
                "padding_mode",
                f"{self.padding_mode!r} is not one of {', '.join(map(repr, PADDING_MODES))}",
            )
        return self

    def lower_bound(self, name: str, default: int | None) -> int | None:
        # with reflect/replicate/circular, F.pad crops on a negative padding
        if name == "padding" and self.padding_mode != "zeros":
            return None
        # kernel 0 passes the constructor; forward refuses it unless the input has 0 channels
        if name == "kernel_size":
            return 0
        return default

    def allowed_lengths(self, name: str) -> set[int] | None:
        # a non-zeros mode hands the padding tuple to F.pad as it is (see arithmetic)
        if name == "padding" and self.padding_mode != "zeros":
            return None
        return super().allowed_lengths(name)


class ConvTranspose(LayerSpec):
    """ConvTranspose1d / 2d / 3d."""

    family = "convtranspose"
    size_fields = (*_CONV_SIZE_FIELDS, ("output_padding", 0))
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
        _check_conv_channels(self)
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


FAMILIES: dict[str, type[LayerSpec]] = {
    cls.family: cls
    for cls in (Conv, ConvTranspose, MaxPool, AvgPool, AdaptiveAvgPool, AdaptiveMaxPool)
}


def parse_kind(kind: str) -> tuple[type[LayerSpec], int]:
    """'conv2d', 'Conv2d', 'nn.ConvTranspose2d' → (spec class, dims)."""
    family, dims = kinds.family_and_dims(kind)
    return FAMILIES[family], dims


def make_spec(kind: str, **args: Any) -> LayerSpec:
    """Build a spec from a kind name and PyTorch keyword arguments."""
    cls, dims = parse_kind(kind)
    return cls.model_validate({"dims": dims, **args})
