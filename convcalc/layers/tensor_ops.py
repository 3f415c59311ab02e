"""Tensor operations as shape rules (torch.cat, view, permute, broadcasting, indexing, ...):
what the forward of a model does to shapes between its modules.

Pure functions of shapes and strides, raising LayerError with PyTorch's reason where PyTorch
raises.  Strides are tracked (in elements) only because `view` depends on them: a permuted
tensor cannot always be viewed, and PyTorch says "use .reshape(...) instead".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from convcalc.errors import LayerError
from convcalc.layers.base import Shape, wrap_dim
from convcalc.notation import shape_text

Strides = tuple[int, ...]


def _list(shape: Sequence[int]) -> str:
    """A shape as PyTorch prints it in messages: [2, 3, 4]."""
    return "[" + ", ".join(map(str, shape)) + "]"


def contiguous(shape: Shape) -> Strides:
    """Row-major strides: the layout of every freshly made tensor."""
    strides = []
    step = 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


def is_contiguous(shape: Shape, strides: Strides) -> bool:
    return all(
        size == 1 or stride == expected
        for size, stride, expected in zip(shape, strides, contiguous(shape), strict=True)
    )


def dims(value: int | Sequence[int], rank: int, name: str = "dim") -> tuple[int, ...]:
    """One dim or several, wrapped into [0, rank); repeated ones refused as torch does."""
    values = (value,) if isinstance(value, int) else tuple(value)
    wrapped = tuple(wrap_dim(name, d, rank) for d in values)
    for i, d in enumerate(wrapped):
        if d in wrapped[:i]:
            raise LayerError(f"{name}: dim {d} appears multiple times in the list of dims")
    return wrapped


# --- broadcasting -----------------------------------------------------------------------------


def broadcast(a: Shape, b: Shape) -> Shape:
    """PyTorch's (NumPy's) rule: align trailing axes; sizes equal, or one of them 1."""
    rank = max(len(a), len(b))
    pa = (1,) * (rank - len(a)) + a
    pb = (1,) * (rank - len(b)) + b
    out = []
    for axis, (x, y) in enumerate(zip(pa, pb, strict=True)):
        if x != y and 1 not in (x, y):
            raise LayerError(
                f"broadcast: the size of tensor a ({x}) must match the size of tensor b ({y}) "
                f"at non-singleton dimension {axis} ({shape_text(a)} and {shape_text(b)})"
            )
        out.append(y if x == 1 else x)
    return tuple(out)


def broadcast_into(target: Shape, other: Shape) -> Shape:
    """An in-place op (`out += x`): `other` broadcasts to `target`, which keeps its shape."""
    result = broadcast(target, other)
    if result != target:
        raise LayerError(
            f"broadcast: an in-place op keeps its tensor's shape, but {shape_text(target)} "
            f"with {shape_text(other)} broadcasts to {shape_text(result)}"
        )
    return result


# --- joining ----------------------------------------------------------------------------------


def cat(shapes: Sequence[Shape], dim: int) -> Shape:
    if not shapes:
        raise LayerError("tensors: torch.cat() expects a non-empty list of tensors")
    # a 1-D empty tensor is skipped, as torch.cat still allows
    kept = [(i, s) for i, s in enumerate(shapes) if s != (0,)] or [(0, shapes[0])]
    first = kept[0][1]
    axis = wrap_dim("dim", dim, len(first))
    if not first:
        raise LayerError("tensors: zero-dimensional tensors cannot be concatenated")
    total = 0
    for index, shape in kept:
        if len(shape) != len(first):
            raise LayerError(
                f"tensors: must have the same number of dimensions: got {len(first)} "
                f"({shape_text(first)}) and {len(shape)} ({shape_text(shape)})"
            )
        for i, (x, y) in enumerate(zip(first, shape, strict=True)):
            if i != axis and x != y:
                raise LayerError(
                    f"tensors: sizes must match except in dimension {axis}: expected size {x} "
                    f"but got size {y} for tensor number {index} in the list ({shape_text(first)} "
                    f"and {shape_text(shape)})"
                )
        total += shape[axis]
    return (*first[:axis], total, *first[axis + 1 :])


def stack(shapes: Sequence[Shape], dim: int) -> Shape:
    if not shapes:
        raise LayerError("tensors: torch.stack() expects a non-empty list of tensors")
    first = shapes[0]
    for index, shape in enumerate(shapes):
        if shape != first:
            raise LayerError(
                f"tensors: stack expects each tensor to be equal size, but got "
                f"{_list(first)} at entry 0 and {_list(shape)} at entry {index}"
            )
    axis = wrap_dim("dim", dim, len(first) + 1)
    return (*first[:axis], len(shapes), *first[axis:])


# --- reshaping --------------------------------------------------------------------------------


def infer_shape(shape: Shape, sizes: Sequence[int]) -> Shape:
    """view / reshape's target: one -1 inferred, the element count kept."""
    numel = math.prod(shape)
    inferred = None
    known = 1
    for index, size in enumerate(sizes):
        if size == -1:
            if inferred is not None:
                raise LayerError("shape: only one dimension can be inferred")
            inferred = index
        elif size < 0:
            raise LayerError(
                f"shape: invalid shape dimension {size} at index {index} of shape {_list(sizes)}"
            )
        else:
            known *= size
    if inferred is not None:
        if known == 0:
            raise LayerError(
                f"shape: cannot reshape a tensor of {numel} elements into shape {_list(sizes)} "
                "because the unspecified dimension size -1 can be any value and is ambiguous"
            )
        if numel % known == 0:
            out = list(sizes)
            out[inferred] = numel // known
            return tuple(out)
    elif known == numel:
        return tuple(sizes)
    raise LayerError(
        f"shape: {_list(sizes)} is invalid for an input of size {numel} ({shape_text(shape)})"
    )


def view_strides(shape: Shape, strides: Strides, new: Shape) -> Strides | None:
    """The strides `tensor.view(new)` would have, or None where no view exists (ATen's
    computeStride: each run of dimensions that is contiguous in memory may be re-split)."""
    if math.prod(shape) == 0 or not shape:
        return contiguous(new)
    out = [0] * len(new)
    view_d = len(new) - 1
    chunk_base = strides[-1]
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[tensor_d]
        if tensor_d == 0 or (
            shape[tensor_d - 1] != 1 and strides[tensor_d - 1] != tensor_numel * chunk_base
        ):
            while view_d >= 0 and (view_numel < tensor_numel or new[view_d] == 1):
                out[view_d] = view_numel * chunk_base
                view_numel *= new[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base = strides[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(out)


def view(shape: Shape, strides: Strides, sizes: Sequence[int]) -> tuple[Shape, Strides]:
    new = infer_shape(shape, sizes)
    out = view_strides(shape, strides, new)
    if out is None:
        raise LayerError(
            f"shape: view {_list(new)} is not compatible with the input {shape_text(shape)}'s "
            "size and stride (a dimension spans two contiguous subspaces, as after permute or "
            "transpose); use .reshape(...) instead"
        )
    return new, out


def reshape(shape: Shape, strides: Strides, sizes: Sequence[int]) -> tuple[Shape, Strides]:
    """A view where one exists, else a contiguous copy."""
    new = infer_shape(shape, sizes)
    out = view_strides(shape, strides, new)
    return new, contiguous(new) if out is None else out


def flatten(shape: Shape, strides: Strides, start: int, end: int) -> tuple[Shape, Strides]:
    rank = len(shape)
    if rank == 0:
        return (1,), (1,)
    first = wrap_dim("start_dim", start, rank)
    last = wrap_dim("end_dim", end, rank)
    if first > last:
        raise LayerError(
            f"start_dim: flatten() has invalid args: start_dim ({start}) cannot come after "
            f"end_dim ({end}) for a {rank}-D input"
        )
    return reshape(
        shape, strides, (*shape[:first], math.prod(shape[first : last + 1]), *shape[last + 1 :])
    )


def permute(shape: Shape, strides: Strides, order: Sequence[int]) -> tuple[Shape, Strides]:
    rank = len(shape)
    if len(order) != rank:
        raise LayerError(
            f"dims: permute needs one dim per axis: the input {shape_text(shape)} has {rank}, "
            f"but {len(order)} were given"
        )
    wrapped = tuple(wrap_dim("dims", d, rank) for d in order)
    if len(set(wrapped)) != rank:
        raise LayerError(f"dims: permute(): duplicate dims are not allowed, got {tuple(order)}")
    return tuple(shape[d] for d in wrapped), tuple(strides[d] for d in wrapped)


def transpose(shape: Shape, strides: Strides, dim0: int, dim1: int) -> tuple[Shape, Strides]:
    rank = len(shape)
    a = wrap_dim("dim0", dim0, rank)
    b = wrap_dim("dim1", dim1, rank)
    if rank == 0:
        return shape, strides
    order = list(range(rank))
    order[a], order[b] = order[b], order[a]
    return permute(shape, strides, order)


def squeeze(
    shape: Shape, strides: Strides, dim: int | Sequence[int] | None
) -> tuple[Shape, Strides]:
    rank = len(shape)
    chosen = set(range(rank)) if dim is None else set(dims(dim, rank))
    keep = [i for i in range(rank) if not (i in chosen and shape[i] == 1)]
    return tuple(shape[i] for i in keep), tuple(strides[i] for i in keep)


def unsqueeze(shape: Shape, strides: Strides, dim: int) -> tuple[Shape, Strides]:
    axis = wrap_dim("dim", dim, len(shape) + 1)
    stride = shape[axis] * strides[axis] if axis < len(shape) else 1
    return (*shape[:axis], 1, *shape[axis:]), (*strides[:axis], stride, *strides[axis:])


def expand(shape: Shape, strides: Strides, sizes: Sequence[int]) -> tuple[Shape, Strides]:
    if len(sizes) < len(shape):
        raise LayerError(
            f"sizes: the number of sizes given to expand ({len(sizes)}) must be at least the "
            f"number of dimensions of the tensor ({len(shape)})"
        )
    lead = len(sizes) - len(shape)
    out_shape: list[int] = []
    out_strides: list[int] = []
    for i, size in enumerate(sizes):
        if i < lead:
            if size < 0:
                raise LayerError(f"sizes: the expanded size {size} is not allowed for a new axis")
            out_shape.append(size)
            out_strides.append(0)
            continue
        have, stride = shape[i - lead], strides[i - lead]
        wanted = have if size == -1 else size
        if have != wanted:
            if have != 1:
                raise LayerError(
                    f"sizes: the expanded size of the tensor ({wanted}) must match the existing "
                    f"size ({have}) at non-singleton dimension {i}; target {_list(sizes)}, "
                    f"tensor {_list(shape)}"
                )
            stride = 0
        out_shape.append(wanted)
        out_strides.append(stride)
    return tuple(out_shape), tuple(out_strides)


def repeat(shape: Shape, sizes: Sequence[int]) -> Shape:
    if len(sizes) < len(shape):
        raise LayerError(
            f"sizes: repeat needs at least one count per dimension of the tensor "
            f"({len(shape)}), got {len(sizes)}"
        )
    if any(s < 0 for s in sizes):
        raise LayerError(f"sizes: repeat counts must be ≥ 0, got {_list(sizes)}")
    padded = (1,) * (len(sizes) - len(shape)) + shape
    return tuple(a * b for a, b in zip(padded, sizes, strict=True))


def reduce(shape: Shape, dim: int | Sequence[int] | None, keepdim: bool) -> Shape:
    """mean / sum / amax over `dim` (None: every axis)."""
    rank = len(shape)
    chosen = set(range(rank)) if dim is None else set(dims(dim, rank))
    if keepdim:
        return tuple(1 if i in chosen else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in chosen)


def chunk(shape: Shape, chunks: int, dim: int) -> list[Shape]:
    if chunks <= 0:
        raise LayerError(f"chunks: must be greater than 0, got {chunks}")
    axis = wrap_dim("dim", dim, len(shape))
    size = shape[axis]
    step = -(-size // chunks) if size else 0
    return split(shape, step if step else 1, axis) if size else [shape] * chunks


def split(shape: Shape, size_or_sizes: int | Sequence[int], dim: int) -> list[Shape]:
    axis = wrap_dim("dim", dim, len(shape))
    total = shape[axis]
    if isinstance(size_or_sizes, int):
        step = size_or_sizes
        if step <= 0 and total:
            raise LayerError(f"split_size: must be positive, got {step}")
        sizes = [min(step, total - start) for start in range(0, total, step)] if total else [0]
    else:
        sizes = list(size_or_sizes)
        if sum(sizes) != total or any(s < 0 for s in sizes):
            raise LayerError(
                f"split_sizes: must sum exactly to {total} (the input's size at dimension "
                f"{axis}), got {_list(sizes)}"
            )
    return [(*shape[:axis], s, *shape[axis + 1 :]) for s in sizes]


def matmul(a: Shape, b: Shape) -> Shape:
    """torch.matmul: dot, matrix-vector, matrix-matrix, and batched with broadcasting."""
    if not a or not b:
        raise LayerError("input: matmul needs tensors of at least 1 dimension, got a 0-D one")

    def mismatch(x: int, y: int) -> LayerError:
        return LayerError(
            f"input: {shape_text(a)} @ {shape_text(b)}: the inner sizes {x} and {y} differ"
        )

    if len(a) == 1 and len(b) == 1:
        if a[0] != b[0]:
            raise mismatch(a[0], b[0])
        return ()
    rows = a if len(a) > 1 else (1, a[0])
    cols = b if len(b) > 1 else (b[0], 1)
    if rows[-1] != cols[-2]:
        raise mismatch(rows[-1], cols[-2])
    batch = broadcast(rows[:-2], cols[:-2])
    out = (*batch, rows[-2], cols[-1])
    if len(a) == 1:
        out = (*out[:-2], out[-1])
    if len(b) == 1:
        out = out[:-1]
    return out


def index(shape: Shape, strides: Strides, items: Sequence[object]) -> tuple[Shape, Strides]:
    """Basic indexing: ints, slices, None and one Ellipsis (tensor indices are not followed)."""
    consumed = sum(1 for item in items if item is not None and item is not Ellipsis)
    if consumed > len(shape):
        raise LayerError(
            f"index: too many indices for a tensor of dimension {len(shape)} ({shape_text(shape)})"
        )
    if sum(1 for item in items if item is Ellipsis) > 1:
        raise LayerError("index: an index can only have a single ellipsis ('...')")
    expanded: list[object] = []
    for item in items:
        if item is Ellipsis:
            expanded.extend([slice(None)] * (len(shape) - consumed))
        else:
            expanded.append(item)
    if not any(item is Ellipsis for item in items):
        expanded.extend([slice(None)] * (len(shape) - consumed))
    out_shape: list[int] = []
    out_strides: list[int] = []
    axis = 0
    for item in expanded:
        if item is None:
            out_shape.append(1)
            out_strides.append(strides[axis] * shape[axis] if axis < len(shape) else 1)
            continue
        if axis >= len(shape):
            break
        size, stride = shape[axis], strides[axis]
        if isinstance(item, bool) or not isinstance(item, int | slice):
            raise LayerError(f"index: {item!r} is not an index convcalc follows")
        if isinstance(item, int):
            if not -size <= item < size:
                raise LayerError(
                    f"index: {item} is out of bounds for dimension {axis} with size {size}"
                )
        else:
            start, stop, step = item.indices(size)
            if item.step is not None and item.step <= 0:
                raise LayerError("index: slice step must be positive")
            out_shape.append(len(range(start, stop, step)))
            out_strides.append(stride * step)
        axis += 1
    return tuple(out_shape), tuple(out_strides)
