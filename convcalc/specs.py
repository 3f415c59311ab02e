"""Layer specs: one pydantic model per PyTorch layer family, for 1, 2 and 3 spatial dims.

Field names are PyTorch's constructor arguments.  A spec holds what the constructor holds and
refuses what the constructor (or its forward, where no input is needed to know) refuses; checks
that need the input shape live in `arithmetic`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from convcalc import kinds

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
PADDING_STRINGS = ("same", "valid")


def _is_int(value: object) -> bool:
    # bool is an int subclass; PyTorch would take True as 1, we take it as a typo.
    return isinstance(value, int) and not isinstance(value, bool)


def _coerce_size(value: object, *, bools: bool = False) -> object:
    def ok(v: object) -> bool:
        return _is_int(v) or (bools and isinstance(v, bool))

    if ok(value):
        return int(value)  # type: ignore[call-overload]
    if isinstance(value, list | tuple) and all(ok(v) for v in value):
        return tuple(int(v) for v in value)
    raise PydanticCustomError(
        "size", "must be an int or a tuple of ints, got {value}", {"value": repr(value)}
    )


def _coerce_kernel(value: object) -> object:
    # PyTorch builds the weight with torch.empty, which takes True as 1 past its first entry.
    return _coerce_size(value, bools=True)


def _coerce_pool_stride(value: object) -> object:
    # F.max_pool2d & co. treat stride=None and stride=() alike: the kernel size.
    return None if value is None or value in ((), []) else _coerce_size(value)


def _coerce_padding(value: object) -> object:
    if isinstance(value, str):
        return value
    return _coerce_size(value)


def _coerce_output_size(value: object) -> object:
    if _is_int(value):
        return value
    if isinstance(value, list | tuple) and all(v is None or _is_int(v) for v in value):
        return tuple(value)
    raise PydanticCustomError(
        "size",
        "must be an int or a tuple of ints and Nones, got {value}",
        {"value": repr(value)},
    )


def _strict(kind: type, name: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        ok = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
        if not ok:
            raise PydanticCustomError(
                "type", "must be {kind}, got {value}", {"kind": name, "value": repr(value)}
            )
        return value

    return check


def _optional(check: Callable[[object], object]) -> Callable[[object], object]:
    return lambda value: value if value is None else check(value)


Size = Annotated[int | tuple[int, ...], BeforeValidator(_coerce_size)]
KernelSize = Annotated[int | tuple[int, ...], BeforeValidator(_coerce_kernel)]
PoolStride = Annotated[int | tuple[int, ...] | None, BeforeValidator(_coerce_pool_stride)]
Padding = Annotated[int | tuple[int, ...] | str, BeforeValidator(_coerce_padding)]
OutputSize = Annotated[int | tuple[int | None, ...] | None, BeforeValidator(_coerce_output_size)]


Int = Annotated[int, BeforeValidator(_strict(int, "an int"))]
# torch.empty((out, in // groups, ...)): True works as 1 except as the first entry
BoolTolerantInt = Annotated[
    int,
    BeforeValidator(lambda v: int(v) if isinstance(v, bool) else v),
    BeforeValidator(_strict(int, "an int")),
]
OptionalInt = Annotated[int | None, BeforeValidator(_optional(_strict(int, "an int")))]
Bool = Annotated[bool, BeforeValidator(_strict(bool, "True or False"))]
Str = Annotated[str, BeforeValidator(_strict(str, "a string"))]


def expand(value: int | tuple[int, ...], dims: int) -> tuple[int, ...]:
    """One value per axis: an int or a 1-tuple is repeated, as ATen expands them."""
    if isinstance(value, int):
        return (value,) * dims
    return value * dims if len(value) == 1 else value


def _fail(field: str, message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError("layer", f"{field}: {message}", context)


class LayerSpec(BaseModel):
    """Common base: `dims` plus helpers.  Subclasses add PyTorch's arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    family: ClassVar[str]
    torch_prefix: ClassVar[str]
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
    def _check_sizes(self) -> LayerSpec:
        for name, low in self.size_fields:
            value = getattr(self, name)
            if value is None or isinstance(value, str):
                continue
            lengths = self.allowed_lengths(name)
            if isinstance(value, tuple) and lengths is not None and len(value) not in lengths:
                raise _fail(
                    name,
                    f"{self.torch_name} needs an int or {self.dims} ints, "
                    f"got {len(value)}: {value}",
                )
            bound = self.lower_bound(name, low)
            if bound is not None and any(v < bound for v in expand(value, self.dims)):
                raise _fail(name, f"must be ≥ {bound}, got {value}")
        return self

    def lower_bound(self, name: str, default: int | None) -> int | None:
        return default

    def allowed_lengths(self, name: str) -> set[int] | None:
        """Tuple lengths PyTorch takes for a size field (None: checked later, with the input)."""
        return {self.dims} if name in self.exact_fields else {1, self.dims}

    def torch_call(self) -> str:
        """The PyTorch constructor call that builds this layer (non-default arguments only)."""
        parts = [repr(getattr(self, name)) for name in self.positional]
        for name, field in type(self).model_fields.items():
            if name == "dims" or name in self.positional:
                continue
            value = getattr(self, name)
            if value != field.default:
                parts.append(f"{name}={value!r}")
        return f"{self.torch_name}({', '.join(parts)})"


# dilation 0 passes the constructor and is refused in forward, except on an empty batch
_CONV_SIZE_FIELDS = (("kernel_size", 1), ("stride", 1), ("padding", 0), ("dilation", 0))


def _check_conv_channels(spec: Conv | ConvTranspose) -> None:
    for name in ("in_channels", "out_channels"):
        if getattr(spec, name) < 0:
            raise _fail(name, f"must be ≥ 0, got {getattr(spec, name)}")
    if spec.groups < 1:
        raise _fail("groups", f"must be a positive integer, got {spec.groups}")
    for name in ("in_channels", "out_channels"):
        channels = getattr(spec, name)
        if channels % spec.groups:
            raise _fail(
                "groups",
                f"{name}={channels} is not divisible by groups={spec.groups}; "
                f"groups dividing both channel counts: {_common_divisors(spec)}",
            )


def _common_divisors(spec: Conv | ConvTranspose) -> str:
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
    torch_prefix = "Conv"
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
    bias: Bool = True
    padding_mode: Str = "zeros"

    @model_validator(mode="after")
    def _check_padding(self) -> Conv:
        _check_conv_channels(self)
        if isinstance(self.padding, str):
            if self.padding not in PADDING_STRINGS:
                raise _fail(
                    "padding",
                    f"invalid padding string {self.padding!r}, should be 'same', 'valid', "
                    "an int or a tuple of ints",
                )
            if self.padding == "same" and any(s != 1 for s in expand(self.stride, self.dims)):
                raise _fail(
                    "padding",
                    f"padding='same' is not supported for strided convolutions "
                    f"(stride={self.stride}); use stride=1, or see `convcalc solve padding`",
                )
        if self.padding_mode not in PADDING_MODES:
            raise _fail(
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
    torch_prefix = "ConvTranspose"
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
    bias: Bool = True
    dilation: Size = 1
    padding_mode: Str = "zeros"

    @model_validator(mode="after")
    def _check_transposed(self) -> ConvTranspose:
        _check_conv_channels(self)
        if isinstance(self.padding, str):
            raise _fail(
                "padding",
                f"{self.torch_name} takes no padding string ({self.padding!r}), "
                "only an int or a tuple of ints",
            )
        if self.padding_mode != "zeros":
            raise _fail(
                "padding_mode",
                f"only 'zeros' is supported for {self.torch_name}, got {self.padding_mode!r}",
            )
        return self


class MaxPool(LayerSpec):
    """MaxPool1d / 2d / 3d."""

    family = "maxpool"
    torch_prefix = "MaxPool"
    size_fields = (("kernel_size", 1), ("stride", 1), ("padding", 0), ("dilation", 1))

    kernel_size: Size
    stride: PoolStride = None
    padding: Size = 0
    dilation: Size = 1
    return_indices: Bool = False
    ceil_mode: Bool = False


class AvgPool(LayerSpec):
    """AvgPool1d / 2d / 3d (divisor_override exists for 2-D and 3-D only, as in PyTorch)."""

    family = "avgpool"
    torch_prefix = "AvgPool"
    size_fields = (("kernel_size", 1), ("stride", 1), ("padding", 0))

    kernel_size: Size
    stride: PoolStride = None
    padding: Size = 0
    ceil_mode: Bool = False
    count_include_pad: Bool = True
    divisor_override: OptionalInt = None

    @model_validator(mode="after")
    def _check_divisor(self) -> AvgPool:
        if self.divisor_override is not None:
            if self.dims == 1:
                raise _fail("divisor_override", "AvgPool1d has no divisor_override argument")
            if self.divisor_override == 0:
                raise _fail("divisor_override", "divisor must be not zero, got 0")
        return self


class _AdaptiveBase(LayerSpec):
    output_size: OutputSize

    @model_validator(mode="after")
    def _check_output_size(self) -> _AdaptiveBase:
        value = self.output_size
        if isinstance(value, tuple) and len(value) != self.dims:
            raise _fail(
                "output_size",
                f"{self.torch_name} needs an int or {self.dims} values, got {len(value)}: {value}",
            )
        if self.dims == 1 and value == (None,):
            raise _fail("output_size", f"{self.torch_name} takes an int, not None")
        if any(v is not None and v < 0 for v in self.output_sizes()):
            raise _fail("output_size", f"must be ≥ 0, got {value}")
        return self

    def output_sizes(self) -> tuple[int | None, ...]:
        value = self.output_size
        return value if isinstance(value, tuple) else (value,) * self.dims


class AdaptiveAvgPool(_AdaptiveBase):
    """AdaptiveAvgPool1d / 2d / 3d."""

    family = "adaptiveavgpool"
    torch_prefix = "AdaptiveAvgPool"


class AdaptiveMaxPool(_AdaptiveBase):
    """AdaptiveMaxPool1d / 2d / 3d."""

    family = "adaptivemaxpool"
    torch_prefix = "AdaptiveMaxPool"

    return_indices: Bool = False


FAMILIES: dict[str, type[LayerSpec]] = {
    cls.family: cls
    for cls in (Conv, ConvTranspose, MaxPool, AvgPool, AdaptiveAvgPool, AdaptiveMaxPool)
}


def parse_kind(kind: str) -> tuple[type[LayerSpec], int]:
    """'conv2d', 'Conv2d', 'nn.ConvTranspose2d' → (spec class, dims)."""
    family, dims = kinds.parse_kind(kind)
    return FAMILIES[family], dims


def make_spec(kind: str, **args: Any) -> LayerSpec:
    """Build a spec from a kind name and PyTorch keyword arguments."""
    cls, dims = parse_kind(kind)
    return cls.model_validate({"dims": dims, **args})
