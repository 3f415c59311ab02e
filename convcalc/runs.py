"""One layer run on arrays, as `convcalc run` does it: the output, exact where PyTorch's
integer arithmetic is, and on request the sums behind chosen output elements.

    >>> from convcalc.runs import run
    >>> run("conv1d", [1, 2, 3, 4], [1, 2, 3]).output.tolist()
    [14, 20]
    >>> run("convtranspose2d", [[0, 1], [2, 3]], [[4, 1], [2, 3]], padding=1).output.tolist()
    [[16]]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

from convcalc import arrays
from convcalc import explain as explaining
from convcalc.arguments import is_int
from convcalc.arithmetic import ChannelGroups, LayerShape, analyze, output_index
from convcalc.errors import InputError, LayerError
from convcalc.execute import check, run_layer
from convcalc.execute.bounds import BoundError, amount
from convcalc.explain import Explanation, Plane
from convcalc.kinds import family_and_dims, torch_name
from convcalc.notation import shape_text
from convcalc.specs import LayerSpec, make_spec

# conv families take a weight in PyTorch's layout, which gives their channels and kernel size
_WEIGHT_LAYOUT = {
    "conv": "(C_out, C_in/groups, *kernel)",
    "convtranspose": "(C_in, C_out/groups, *kernel)",
}
_FROM_WEIGHT = ("in_channels", "out_channels", "kernel_size")
# shown of a large output: rows and columns of the last axes, a few channels, batch items and
# depth slices (the first and last ones)
_PREVIEW = {1: (24,), 2: (16, 16), 3: (4, 16, 16)}
_PREVIEW_LEAD = 4
MAX_PLANES = 3  # input channels drawn around a 2-D element's window
NEAR = 2  # output positions shown on each side of an `at` element (its compact preview)
# --json writes every element out (~1 µs each, and a Python object each on the way): past
# this many it is refused; the text report shows any output (as a preview).
MAX_JSON_ELEMENTS = 2**20


@dataclass(frozen=True)
class Near:
    """The output around one element, in the user's rank: `index` is the element; `rows`
    (None for a 1-D layer) and `cols` are the positions kept on the last two axes, the
    others fixed at the element's; values[r][c] over them."""

    index: tuple[int, ...]
    rows: range | None
    cols: range
    values: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class LayerRun:
    """A layer applied to arrays: what `convcalc run` reports, as numbers."""

    shape: LayerShape  # the layer on the input in PyTorch's layout
    input_shape: tuple[int, ...]  # as given: rank d (one channel), d+1 or d+2
    weight_shape: tuple[int, ...] | None  # PyTorch's layout (convs only)
    output: Any  # a NumPy array in the input's rank: int64, float64, or objects (exact)
    warnings: tuple[str, ...]  # the layer's and the engine's (e.g. SlowPathWarning)
    # `at` as batched indexes (n, c, *spatial): the explained ones (explanation.more counts
    # the others)
    at: tuple[tuple[int, ...], ...] | None
    explanation: Explanation | None
    planes: tuple[Plane, ...]  # 2-D: input channels around the first element's window

    @property
    def spec(self) -> LayerSpec:
        return self.shape.spec

    @property
    def lead(self) -> int:
        """How many of PyTorch's leading (n, c) axes the input has: 0, 1 or 2."""
        return len(self.input_shape) - self.spec.dims

    @property
    def output_shape(self) -> tuple[int, ...]:
        return tuple(self.output.shape)

    def preview(self) -> arrays.Preview:
        """The part of the output `convcalc run` shows: first and last indexes of each axis."""
        lead = self.output.ndim - self.spec.dims
        return arrays.preview(self.output, (_PREVIEW_LEAD,) * lead + _PREVIEW[self.spec.dims])

    def near(self, margin: int = NEAR) -> Near | None:
        """The output within `margin` positions of the first explained element (its
        channel and batch item; for 3-D its depth slice), or None without elements."""
        if self.explanation is None or not self.explanation.elements:
            return None
        e = self.explanation.elements[0]
        index = self.explanation.index(e.n, e.c, e.pos)
        shape = self.output.shape

        def span(axis: int) -> range:
            return range(max(0, index[axis] - margin), min(shape[axis], index[axis] + margin + 1))

        cols = span(-1)
        if self.spec.dims == 1:
            row = tuple(_number(self.output[(*index[:-1], c)]) for c in cols)
            return Near(index, None, cols, (row,))
        rows = span(-2)
        values = tuple(tuple(_number(self.output[(*index[:-2], r, c)]) for c in cols) for r in rows)
        return Near(index, rows, cols, values)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types: ints stay ints; rationals are floats with their exact 'p/q'
        strings under "exact"; non-finite floats are the strings 'nan', 'inf', '-inf'.
        An output of more than MAX_JSON_ELEMENTS elements is refused (BoundError)."""
        # the values, or for an empty output the nested lists before its first empty axis
        shape = self.output_shape
        size = math.prod(shape[: shape.index(0)] if 0 in shape else shape)
        if size > MAX_JSON_ELEMENTS:
            what = "lists" if 0 in shape else "elements"
            raise BoundError(
                f"json: the output {shape_text(shape, 'python')} has {amount(size)} {what}; "
                f"--json writes out at most {MAX_JSON_ELEMENTS:,} (MAX_JSON_ELEMENTS); the "
                "report without --json previews any output",
                name="MAX_JSON_ELEMENTS",
                size=size,
                bound=MAX_JSON_ELEMENTS,
            )
        values, exact, dtype = arrays.json_output(self.output)
        data: dict[str, Any] = {
            "kind": self.spec.kind,
            "layer": self.spec.torch_call(),
            "input_shape": list(self.input_shape),
            "weight_shape": None if self.weight_shape is None else list(self.weight_shape),
            "output_shape": list(self.output_shape),
            "dtype": dtype,
            "output": values,
        }
        if exact is not None:
            data["exact"] = exact
        data["warnings"] = list(self.warnings)
        return data


def run(
    kind: str,
    input: Any,
    weight: Any = None,
    bias: Any = None,
    *,
    at: int | Sequence[int] | None = None,
    explain: bool = False,
    **layer_args: Any,
) -> LayerRun:
    """Run layer `kind` ("conv2d", "MaxPool1d", ...) on `input`, exactly as PyTorch would.

    `input`, `weight` and `bias` are nested lists of numbers or NumPy arrays.  The input has
    rank d (one unbatched channel), d+1 (C, *spatial) or d+2 (N, C, *spatial); the output keeps
    that rank.  Convolutions take `weight` in PyTorch's layout, or of rank d for one channel in
    and out: in_channels, out_channels and kernel_size come from it, and the layer has a bias
    exactly when `bias` (one value per output channel) is given.  `layer_args` are the layer's
    other PyTorch keyword arguments (stride=2, padding="same", ceil_mode=True, ...).

    `explain=True` works out the sums (or windows) behind the first output elements; `at`
    chooses the elements instead: all output indexes, or only the spatial ones for every
    batch item and channel (negative indexes count from the end).

    Raises LayerError for a layer PyTorch refuses and InputError for unusable arrays, with
    the messages `convcalc run` prints.
    """
    family, dims = family_and_dims(kind)
    name = torch_name(family, dims)
    x_user = arrays.to_array(input, "input")
    x = arrays.torch_input(x_user, dims, name)
    args = dict(layer_args)
    w = b = None
    if family in _WEIGHT_LAYOUT:
        for key in _FROM_WEIGHT:
            if key in args:
                raise LayerError(f"{key}: comes from the weight array, not an argument")
        if weight is None:
            raise InputError(f"weight: {name} needs a weight array")
        if isinstance(bias, bool):  # PyTorch's bias=True/False: here the array says it
            raise InputError(
                "bias: give the bias values (one per output channel); the layer has a bias "
                "exactly when they are given"
            )
        w = arrays.torch_weight(arrays.to_array(weight, "weight"), dims, _WEIGHT_LAYOUT[family])
        channels = _channels(
            family, args.get("groups", 1), tuple(x.shape), tuple(w.shape), x_user.ndim == dims
        )
        args["in_channels"] = channels.in_channels
        args["out_channels"] = channels.out_channels
        args["kernel_size"] = tuple(w.shape[2:])
        args["bias"] = bias is not None
        if bias is not None:
            b = arrays.torch_bias(arrays.to_array(bias, "bias"), channels.out_channels)
    elif weight is not None or bias is not None:
        which = "weight" if weight is not None else "bias"
        raise InputError(f"{which}: {name} has no weight or bias, but one was given")
    spec = make_spec(kind, **args)
    shape = analyze(spec, tuple(x.shape))
    lead = x_user.ndim - dims
    user_output = shape.output_shape[1:] if x_user.ndim == dims else shape.output_shape
    targets = None if at is None else _resolve_at(at, user_output, dims, lead)
    # every refusal before any work: the engine's bounds, then the explanation's
    exact = all(a.dtype.kind in "iO" for a in (x, w, b) if a is not None)
    check(shape, exact)
    if targets is not None or (explain and not explaining.scatter_view(shape)):
        explaining.budget(shape)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = run_layer(spec, x, w, b)
    notes = (*shape.warnings, *(str(c.message) for c in caught))
    if x_user.ndim == dims:
        out = out[0]
    explanation = None
    planes: tuple[Plane, ...] = ()
    if explain or targets is not None:
        # NumPy arrays as they are: explain reads only the elements it shows
        xb = x if shape.batched else x[None]
        explanation = explaining.explain(shape, xb, w, b, lead, targets)
        planes = _planes(shape, explanation, xb)
    return LayerRun(
        shape=shape,
        input_shape=tuple(x_user.shape),
        weight_shape=None if w is None else tuple(w.shape),
        output=out,
        warnings=notes,
        at=None if explanation is None or targets is None else _explained(explanation),
        explanation=explanation,
        planes=planes,
    )


def _number(value: Any) -> Any:
    """A NumPy scalar as the Python number it holds (objects are Python numbers already)."""
    return value.item() if hasattr(value, "item") else value


def _explained(explanation: Explanation) -> tuple[tuple[int, ...], ...]:
    return tuple((e.n, e.c, *e.pos) for e in explanation.elements)


def _channels(
    family: str,
    groups: Any,
    input_shape: tuple[int, ...],
    weight_shape: tuple[int, ...],
    one_channel_input: bool,
) -> ChannelGroups:
    """The channels the weight implies, checked against the input as F.conv*d checks them."""
    if not is_int(groups):
        raise LayerError(f"groups: must be an int, got {groups!r}")
    transposed = family == "convtranspose"
    channels = ChannelGroups.from_weight(weight_shape, groups, transposed=transposed)
    have = input_shape[-len(weight_shape) + 1]
    if have != channels.in_channels:
        what = "its first axis" if transposed else f"{weight_shape[1]}·groups"
        raise InputError(
            f"weight: shape {shape_text(weight_shape, 'python')} with groups={groups} expects "
            f"{channels.in_channels} input channels ({what}), but the input "
            f"{shape_text(input_shape, 'python')} has {have}"
        )
    if one_channel_input and channels.out_channels != 1:
        raise InputError(
            f"weight: {channels.out_channels} output channels cannot fit an input given without "
            "a channel axis (the output keeps the input's rank); give the input as 1×spatial"
        )
    return channels


class _Targets(Sequence[tuple[int, ...]]):
    """Batched indexes (n, c, *spatial) for every leading index (batch item, channel) and one
    spatial position, made on demand (there may be millions)."""

    def __init__(self, leading: tuple[int, ...], pad: int, spatial: tuple[int, ...]) -> None:
        self._leading = leading
        self._pad = (0,) * pad
        self._spatial = spatial

    def __len__(self) -> int:
        return math.prod(self._leading)

    @overload
    def __getitem__(self, i: int) -> tuple[int, ...]: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[tuple[int, ...]]: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not 0 <= i < len(self):
            raise IndexError(i)
        head = []
        for size in reversed(self._leading):
            i, r = divmod(i, size)
            head.append(r)
        return (*self._pad, *reversed(head), *self._spatial)


def _resolve_at(
    at: int | Sequence[int], output_shape: tuple[int, ...], dims: int, lead: int
) -> _Targets:
    """`at` in the user's rank (all axes, or the spatial ones) → batched PyTorch indexes."""
    offset, index = output_index(at, output_shape, dims)
    return _Targets(output_shape[:offset], 2 - lead, index)


def _planes(shape: LayerShape, explanation: Explanation, xb: Any) -> tuple[Plane, ...]:
    """The padded input channels around the first explained element's window (2-D convs and
    pools; a transposed convolution has no window on its input)."""
    if shape.spec.dims != 2 or shape.spec.family == "convtranspose" or not explanation.elements:
        return ()
    chosen = explanation.elements[0]
    planes = (explaining.padded_plane(shape, xb, chosen, c) for c in chosen.channels[:MAX_PLANES])
    return tuple(p for p in planes if p is not None)
