"""Every padding rule convcalc knows, in one place (pure ints; no numpy).

PyTorch pads in three ways: a conv's or pool's own `padding=` (zeros, symmetric, or
'same'/'valid'), F.pad (nn.ZeroPad2d & co., and nn.ConvNd with a non-zeros padding_mode),
and, for transposed convs, a crop of the output.  Sources: torch/nn/modules/conv.py ('same'
split, `_reversed_padding_repeated_twice`), torch/nn/functional.py and PadNd.cpp (F.pad),
ReflectionPad.cpp / ReplicationPadding.cpp / padding.h (mode limits), Pool.h (pool padding).
"""

from __future__ import annotations

from collections.abc import Sequence

from convcalc.arguments import expand
from convcalc.errors import LayerError
from convcalc.notation import shape_text

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
PADDING_STRINGS = ("same", "valid")
# padding_mode → numpy.pad's mode
NUMPY_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}

Pair = tuple[int, int]


def is_padding_word(text: str) -> bool:
    """A --padding value that is a word ('same', 'valid', or a typo the spec refuses)."""
    return text[:1].isalpha()


def same_split(kernel: int, dilation: int) -> Pair:
    """'same': d·(k−1) in all, the odd element at the end (F.conv*d and nn.Conv*d agree)."""
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def conv_pairs(
    padding: int | tuple[int, ...] | str,
    kernel: Sequence[int],
    dilation: Sequence[int],
    mode: str,
) -> tuple[Pair, ...]:
    """A conv's `padding=` as (before, after) per entry: one per axis, or, with a non-zeros
    padding_mode, as many as the tuple has (F.pad takes it as it is)."""
    dims = len(kernel)
    if padding == "same":
        return tuple(same_split(k, d) for k, d in zip(kernel, dilation, strict=True))
    if padding == "valid":
        return ((0, 0),) * dims
    assert not isinstance(padding, str)
    if mode != "zeros" and isinstance(padding, tuple):
        return tuple((p, p) for p in padding)
    return tuple((p, p) for p in expand(padding, dims))


def conv_entries(padding: int | tuple[int, ...], dims: int, mode: str) -> tuple[Pair, ...]:
    """(spatial axis, padding) per entry of a numeric conv padding.  With a non-zeros mode
    entry j pads the axis m − j from the end (F.pad), so a short tuple pads the last axes only
    and a long one reaches the channels (axis < 0)."""
    if mode != "zeros" and isinstance(padding, tuple):
        return tuple((dims - len(padding) + j, p) for j, p in enumerate(padding))
    return tuple(enumerate(expand(padding, dims)))


def fpad_flat(pairs: Sequence[Pair]) -> tuple[int, ...]:
    """F.pad / nn.ZeroPad*d's tuple for per-axis (before, after): the LAST axis comes first."""
    return tuple(v for pair in reversed(pairs) for v in pair)


def fpad_pairs(flat: Sequence[int]) -> tuple[Pair, ...]:
    """F.pad's tuple as (before, after) of the last len/2 axes, outermost axis first."""
    if len(flat) % 2:
        raise LayerError(f"padding: needs an even number of values, got {len(flat)}")
    return tuple((flat[k], flat[k + 1]) for k in range(len(flat) - 2, -1, -2))


def check_mode_limits(mode: str, size: int, before: int, after: int) -> None:
    """reflect pads less than the axis, circular at most the axis (ATen's limits)."""
    widest = max(before, after)
    if mode == "reflect" and widest >= size and widest > 0:
        raise LayerError(
            f"padding: reflect padding must be smaller than the input axis of size {size} on "
            f"each side, got ({before}, {after})" + (f"; at most {size - 1}" if size > 1 else "")
        )
    if mode == "circular" and widest > size:
        raise LayerError(
            f"padding: circular padding ({before}, {after}) wraps around more than once on an "
            f"axis of size {size}; at most {size}"
        )


def padded_size(mode: str, size: int, before: int, after: int) -> int:
    """F.pad's size for one axis; a negative side crops (constant: down to 0 elements)."""
    check_mode_limits(mode, size, before, after)
    new = size + before + after
    if new < 0:
        raise LayerError(
            f"padding: ({before}, {after}) on an axis of size {size} leaves {new} elements"
        )
    return new


def fpad_shape(
    mode: str, shape: Sequence[int], flat: Sequence[int], who: str = "F.pad"
) -> tuple[int, ...]:
    """The shape F.pad(x, flat, mode) gives: its per-mode rank and size rules.

    `mode` is F.pad's: constant, reflect, replicate or circular.  Non-constant modes pad
    the last axes of an input with one or two more axes (batch and channels); `who` names
    the caller in messages.
    """
    pairs = fpad_pairs(flat)
    rank, axes = len(shape), len(pairs)
    if axes > rank:
        raise LayerError(
            f"padding: {len(flat)} values pad {axes} axes, but the input {shape_text(shape)} "
            f"has {rank}"
        )
    if mode != "constant":
        if rank not in (axes + 1, axes + 2):
            raise LayerError(
                f"input: {who} expects a {axes + 1}-D or {axes + 2}-D input, got {rank}-D "
                f"{shape_text(shape)}"
            )
        if axes and 0 in shape[-axes - 1 :]:
            raise LayerError(
                f"input: {mode} padding needs non-empty channel and spatial axes, got "
                f"{shape_text(shape)}"
            )
    out = list(shape)
    for axis, (before, after) in zip(range(rank - axes, rank), pairs, strict=True):
        out[axis] = padded_size(mode, shape[axis], before, after)
    # ATen's reflection/replication kernels want one axis (any one) of at least 1
    if mode in ("reflect", "replicate") and axes and max(out[rank - axes :]) < 1:
        raise LayerError(
            f"padding: {tuple(flat)} leaves {shape_text(out[rank - axes :])} of the input "
            f"{shape_text(shape)}; at least one padded axis must keep an element"
        )
    return tuple(out)


def conv_mode_padding(
    padding: int | tuple[int, ...] | str,
    mode: str,
    kernel: Sequence[int],
    dilation: Sequence[int],
    input_shape: Sequence[int],
) -> tuple[tuple[Pair, ...], Pair]:
    """nn.ConvNd with a non-zeros mode runs F.pad(input, padding, mode), then a padding-0 conv.

    F.pad pads the LAST m axes, m = len(padding) (a 1-tuple pads only the last spatial axis; a
    (dims+1)-tuple reaches the channels), and takes m ≤ 3 on inputs of rank m+1 or m+2 only.
    Returns the (before, after) padding of each spatial axis and of the channel axis.
    """
    dims, rank = len(kernel), len(input_shape)
    requested = conv_pairs(padding, kernel, dilation, mode)
    m = len(requested)
    if m > 3 or rank not in (m + 1, m + 2):
        raise LayerError(
            f"padding: with padding_mode={mode!r}, padding={padding} pads "
            + ("only the last axis" if m == 1 else f"the last {m} axes")
            + f", which PyTorch's F.pad cannot do for a {rank}-D input; give one padding "
            "per spatial axis"
        )
    by_axis = {rank - m + i: pad for i, pad in enumerate(requested)}
    # F.pad's own checks; for a rank m+2 input axis 0 is its batch, else every axis counts
    seen = range(rank - m - 1, rank)
    if mode in ("reflect", "replicate") and any(input_shape[a] == 0 for a in seen):
        raise LayerError(
            f"input: padding_mode={mode!r} needs non-zero sizes on every padded or channel "
            f"axis, got {shape_text(input_shape)}"
        )
    for axis, (before, after) in by_axis.items():
        size = input_shape[axis]
        # the conv after F.pad needs at least one element on every axis
        if min(before, after) < 0 and size + before + after < 1:
            raise LayerError(
                f"padding: ({before}, {after}) crops an axis of size {size} to "
                f"{size + before + after}; at least 1 element must remain"
            )
        check_mode_limits(mode, size, before, after)
    channel_axis = rank - dims - 1
    pads = tuple(by_axis.get(rank - dims + j, (0, 0)) for j in range(dims))
    return pads, by_axis.get(channel_axis, (0, 0))


def source_index(i: int, size: int, mode: str) -> int | None:
    """The input index padded position `i` copies under padding_mode (None: a zero)."""
    if 0 <= i < size:
        return i
    if mode == "reflect":
        return -i if i < 0 else 2 * (size - 1) - i
    if mode == "replicate":
        return min(max(i, 0), size - 1)
    if mode == "circular":
        return i % size
    return None


def max_pool_padding(kernel: int) -> int:
    """Pool.h: a pool pads at most half its kernel on each side."""
    return kernel // 2


def check_pool_padding(padding: int, kernel: int, axis: str) -> None:
    if padding > max_pool_padding(kernel):
        raise LayerError(
            f"padding: must be at most half the kernel size on axis {axis}, got "
            f"padding={padding} with kernel_size={kernel}; at most {max_pool_padding(kernel)}"
        )


def tf_same(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int, int]:
    """TensorFlow 'SAME' (= ONNX SAME_UPPER): output ⌈L/s⌉, the odd element at the end.

    Returns (output, before, after); ONNX SAME_LOWER swaps before and after.
    """
    out = -(-size // stride)
    pad = max(0, (out - 1) * stride + dilation * (kernel - 1) + 1 - size)
    return out, pad // 2, pad - pad // 2


def explicit_pad(pairs: Sequence[Pair], *, max_pool: bool) -> tuple[str, str]:
    """The PyTorch module and the F.pad call that pad like a layer's own padding would:
    zeros, or -inf before a max pool (padding never wins a max)."""
    flat = fpad_flat(pairs)
    dims = len(pairs)
    if max_pool:
        return (
            f"nn.ConstantPad{dims}d({flat}, float('-inf'))",
            f"F.pad(x, {flat}, value=float('-inf'))",
        )
    return f"nn.ZeroPad{dims}d({flat})", f"F.pad(x, {flat})"
