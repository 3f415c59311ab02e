"""Layer specs: one pydantic model per PyTorch layer family, for 1, 2 and 3 spatial dims.

Field names are PyTorch's constructor arguments.  A spec holds what the constructor holds and
refuses what the constructor (or its forward, where no input is needed to know) refuses; checks
that need the input shape live in `arithmetic`.

The families live in `conv` (Conv), `convtranspose` (ConvTranspose), `pooling` (MaxPool,
AvgPool) and `adaptive` (AdaptiveAvgPool, AdaptiveMaxPool), each imported when one of its names
is first asked for: defining a pydantic class costs ~0.5 ms, and a call needs one family.
"""

# No `from __future__ import annotations`: pydantic would evaluate every field's annotation
# text when each class is made (~half of this module's import time).
import importlib
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self, TypeGuard

from pydantic import model_validator

from convcalc import _lazy_getattr, kinds
from convcalc.arguments import Arguments, expand, refuse

# each family's class (named as PyTorch's class prefix, kinds.FAMILY_PREFIX) → its module
_EXPORTS = {
    "Conv": "convcalc.specs.conv",
    "ConvTranspose": "convcalc.specs.convtranspose",
    **dict.fromkeys(("MaxPool", "AvgPool"), "convcalc.specs.pooling"),
    **dict.fromkeys(("AdaptiveAvgPool", "AdaptiveMaxPool"), "convcalc.specs.adaptive"),
}
__getattr__ = _lazy_getattr("convcalc.specs", _EXPORTS)

if TYPE_CHECKING:
    from convcalc.specs.adaptive import AdaptiveAvgPool, AdaptiveMaxPool
    from convcalc.specs.conv import Conv
    from convcalc.specs.convtranspose import ConvTranspose
    from convcalc.specs.pooling import AvgPool, MaxPool

__all__ = [
    "AdaptiveAvgPool",
    "AdaptiveMaxPool",
    "AvgPool",
    "Conv",
    "ConvTranspose",
    "LayerSpec",
    "MaxPool",
    "expand",  # re-exported: specs are where callers meet per-axis values
    "is_conv",
    "make_spec",
    "parse_kind",
    "spec_class",
]


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


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


def is_conv(spec: LayerSpec) -> TypeGuard["Conv | ConvTranspose"]:
    """A conv or transposed conv (weights, channels, groups), told by family name: asking
    never defines the other class."""
    return spec.family in kinds.CONV_FAMILIES


def spec_class(family: str) -> type[LayerSpec]:
    """The spec class of a family ('conv', 'maxpool', ...), its module imported on demand."""
    name = kinds.FAMILY_PREFIX[family]
    cls: type[LayerSpec] = getattr(importlib.import_module(_EXPORTS[name]), name)
    return cls


def parse_kind(kind: str) -> tuple[type[LayerSpec], int]:
    """'conv2d', 'Conv2d', 'nn.ConvTranspose2d' → (spec class, dims)."""
    family, dims = kinds.family_and_dims(kind)
    return spec_class(family), dims


def make_spec(kind: str, **args: Any) -> LayerSpec:
    """Build a spec from a kind name and PyTorch keyword arguments."""
    cls, dims = parse_kind(kind)
    return cls.model_validate({"dims": dims, **args})
