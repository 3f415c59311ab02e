"""What PyTorch's layer constructors take: one set of argument types for every layer.

Each type says what PyTorch does with the value, not what looks tidy:
- a size (`kernel_size`, `stride`, ...) is an int or a tuple of ints, never a bool (ATen's
  int[] arguments refuse True); `torch.empty` builds weights, so a kernel tuple and the
  channel count that comes first in the weight take True as 1 past their first entry;
- `Flag`: an argument PyTorch only tests for truth in Python (`bias`, `inplace`, `affine`,
  `return_indices`): `bias=1` and `bias=None` work as they do in torch;
- `Bool`: an argument handed to an ATen op that takes a bool (`ceil_mode`,
  `count_include_pad`): only True or False, as torch refuses `ceil_mode=1`.

`Arguments` is the base of every layer model: frozen (hashable, so arithmetic can cache on
it), unknown arguments refused, and every refusal raised as convcalc's `LayerError`.
"""

# Modules defining these models go without `from __future__ import annotations`: pydantic
# would evaluate each field's annotation text per class (~40% of defining a class).
import math
from collections.abc import Callable
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from convcalc.errors import layer_error
from convcalc.notation import int_text

INT64_MAX = 2**63 - 1  # PyTorch's sizes, counts and arguments are int64_t


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def expand(value: int | tuple[int, ...], dims: int) -> tuple[int, ...]:
    """One value per axis: an int or a 1-tuple is repeated, as ATen expands them."""
    if isinstance(value, int):
        return (value,) * dims
    return value * dims if len(value) == 1 else value


def refuse(field: str, message: str, **context: Any) -> PydanticCustomError:
    """A constructor's refusal of `field`, raised from a model validator."""
    return PydanticCustomError("layer", f"{field}: {message}", context)


def _shown(value: object) -> str:
    """A value in a message: never a 5,000-digit int or a page of text."""
    if is_int(value):
        return int_text(value)  # type: ignore[arg-type]
    if isinstance(value, list | tuple) and len(value) <= 8:
        inner = ", ".join(_shown(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    text = repr(value) if not isinstance(value, list | tuple) else f"a sequence of {len(value)}"
    return text if len(text) <= 60 else text[:57] + "..."


def _int64(value: int) -> int:
    if not -INT64_MAX - 1 <= value <= INT64_MAX:
        raise PydanticCustomError(
            "int64",
            "{value} does not fit PyTorch's int64 (at most 2**63 - 1 = 9223372036854775807)",
            {"value": int_text(value)},
        )
    return value


def _size(value: object, *, bools: bool = False) -> object:
    def ok(v: object) -> bool:
        return is_int(v) or (bools and isinstance(v, bool))

    if ok(value):
        return _int64(int(value))  # type: ignore[call-overload]
    if isinstance(value, list | tuple) and all(ok(v) for v in value):
        return tuple(_int64(int(v)) for v in value)
    raise PydanticCustomError(
        "size", "must be an int or a tuple of ints, got {value}", {"value": _shown(value)}
    )


def _kernel(value: object) -> object:
    return _size(value, bools=True)


def _pool_stride(value: object) -> object:
    # F.max_pool2d & co. treat stride=None and stride=() alike: the kernel size.
    return None if value is None or value in ((), []) else _size(value)


def _padding(value: object) -> object:
    return value if isinstance(value, str) else _size(value)


def _output_size(value: object) -> object:
    if is_int(value):
        return _int64(value)  # type: ignore[arg-type]
    if isinstance(value, list | tuple) and all(v is None or is_int(v) for v in value):
        return tuple(v if v is None else _int64(v) for v in value)
    raise PydanticCustomError(
        "size",
        "must be an int or a tuple of ints and Nones, got {value}",
        {"value": _shown(value)},
    )


def _strict(kind: type, name: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        ok = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
        if not ok:
            raise PydanticCustomError(
                "type", "must be {kind}, got {value}", {"kind": name, "value": repr(value)}
            )
        return _int64(value) if kind is int else value  # type: ignore[arg-type]

    return check


def _optional(check: Callable[[object], object]) -> Callable[[object], object]:
    return lambda value: value if value is None else check(value)


def _flag(value: object) -> object:
    return bool(value)  # PyTorch writes `if bias:`


def _real(value: object) -> object:
    # 1e309 is a Python literal for inf: no shape, scale or slope is meant to be infinite
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    raise PydanticCustomError(
        "type", "must be a finite number, got {value}", {"value": _shown(value)}
    )


def _reals(value: object) -> object:
    if isinstance(value, list | tuple):
        return tuple(_real(v) for v in value)
    return _real(value)


Size = Annotated[int | tuple[int, ...], BeforeValidator(_size)]
OptionalSize = Annotated[int | tuple[int, ...] | None, BeforeValidator(_optional(_size))]
KernelSize = Annotated[int | tuple[int, ...], BeforeValidator(_kernel)]
PoolStride = Annotated[int | tuple[int, ...] | None, BeforeValidator(_pool_stride)]
Padding = Annotated[int | tuple[int, ...] | str, BeforeValidator(_padding)]
OutputSize = Annotated[int | tuple[int | None, ...] | None, BeforeValidator(_output_size)]

Int = Annotated[int, BeforeValidator(_strict(int, "an int"))]
# torch.empty((out, in // groups, ...)): True works as 1 except as the first entry
# (pydantic runs Before validators last to first: True becomes 1, then the strict check)
BoolTolerantInt = Annotated[
    int,
    BeforeValidator(_strict(int, "an int")),
    BeforeValidator(lambda v: int(v) if isinstance(v, bool) else v),
]
OptionalInt = Annotated[int | None, BeforeValidator(_optional(_strict(int, "an int")))]
Bool = Annotated[bool, BeforeValidator(_strict(bool, "True or False"))]
Flag = Annotated[bool, BeforeValidator(_flag)]
OptionalFlag = Annotated[bool | None, BeforeValidator(_optional(_flag))]
Str = Annotated[str, BeforeValidator(_strict(str, "a string"))]
Real = Annotated[float, BeforeValidator(_real)]
OptionalReal = Annotated[float | None, BeforeValidator(_optional(_real))]
Reals = Annotated[float | tuple[float, ...] | None, BeforeValidator(_optional(_reals))]


class Arguments(BaseModel):
    """A layer's constructor arguments: frozen, unknown names refused, refusals as
    LayerError (the message the CLI prints)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise layer_error(exc) from None

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise layer_error(exc) from None
