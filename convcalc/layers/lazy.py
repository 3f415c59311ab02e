"""The Lazy modules (torch/nn/modules/lazy.py and the Lazy* classes): built without one size,
which PyTorch fills from the first input, then the module becomes its ordinary class."""

# No `from __future__ import annotations`: typing.NamedTuple would compile the text of
# every record field's annotation each time the module is imported.
from typing import Any, NamedTuple

from convcalc.errors import LayerError
from convcalc.layers.base import Shape
from convcalc.notation import shape_text

_CONV = ("stride", "padding", "dilation", "groups", "bias", "padding_mode", "device", "dtype")
_CONV_T = (
    *("stride", "padding", "output_padding", "groups", "bias", "dilation", "padding_mode"),
    *("device", "dtype"),
)
_NORM = ("eps", "momentum", "affine", "track_running_stats", "device", "dtype")


class LazyKind(NamedTuple):
    """One Lazy class: what it becomes, the size it waits for, its own signature."""

    target: str  # the class it becomes: Conv2d, Linear, BatchNorm1d
    missing: str  # the argument the first input gives: in_channels, in_features, num_features
    positional: tuple[str, ...]
    keyword_only: tuple[str, ...] = ()
    defaults: tuple[tuple[str, Any], ...] = ()  # where the Lazy class's defaults differ


LAZY: dict[str, LazyKind] = {}
for _d in (1, 2, 3):
    LAZY[f"LazyConv{_d}d"] = LazyKind(
        f"Conv{_d}d", "in_channels", ("out_channels", "kernel_size", *_CONV)
    )
    LAZY[f"LazyConvTranspose{_d}d"] = LazyKind(
        f"ConvTranspose{_d}d", "in_channels", ("out_channels", "kernel_size", *_CONV_T)
    )
    LAZY[f"LazyBatchNorm{_d}d"] = LazyKind(f"BatchNorm{_d}d", "num_features", _NORM, ("bias",))
    # LazyInstanceNorm's defaults are affine=True, track_running_stats=True (unlike
    # InstanceNorm's), and it reads the features from axis 1 even for an unbatched input
    LAZY[f"LazyInstanceNorm{_d}d"] = LazyKind(
        f"InstanceNorm{_d}d",
        "num_features",
        _NORM,
        ("bias",),
        (("affine", True), ("track_running_stats", True)),
    )
LAZY["LazyLinear"] = LazyKind("Linear", "in_features", ("out_features", "bias", "device", "dtype"))


class Lazy(NamedTuple):
    """A Lazy module before its first input: its class and the keyword arguments it was given."""

    torch_name: str
    arguments: tuple[tuple[str, Any], ...]

    @property
    def kind(self) -> LazyKind:
        return LAZY[self.torch_name]

    def keywords(self, size: int) -> dict[str, Any]:
        """The target class's arguments once the missing size is known."""
        kind = self.kind
        return {**dict(kind.defaults), **dict(self.arguments), kind.missing: size}

    def size_from(self, shape: Shape) -> int:
        """The size PyTorch's initialize_parameters reads from the first input."""
        kind = self.kind
        if kind.missing == "in_features":
            if not shape:
                raise LayerError(f"input: {self.torch_name} needs at least a 1-D input, got 0-D")
            return shape[-1]
        if kind.missing == "num_features":
            if len(shape) < 2:
                raise LayerError(
                    f"input: {self.torch_name} reads num_features from axis 1, but the input "
                    f"{shape_text(shape)} has {len(shape)} axes"
                )
            return shape[1]
        dims = int(kind.target[-2])
        if len(shape) not in (dims + 1, dims + 2):
            raise LayerError(
                f"input: {self.torch_name} expects a {dims + 1}-D (unbatched) or {dims + 2}-D "
                f"(batched) input, got {len(shape)}-D {shape_text(shape)}"
            )
        channels = shape[0] if len(shape) == dims + 1 else shape[1]
        groups = dict(self.arguments).get("groups", 1)
        if isinstance(groups, int) and groups > 0 and channels % groups:
            raise LayerError(
                f"in_channels: {self.torch_name} reads {channels} input channels from "
                f"{shape_text(shape)}, not divisible by groups={groups}"
            )
        return channels
