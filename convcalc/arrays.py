"""ARRAY arguments of `convcalc run`: read them safely, and fit them to PyTorch's layouts.

An ARRAY is nested lists of numbers written as JSON or as a Python literal (`[[1, 2], (3, 4)]`),
`@path` (a JSON/literal text file or a `.npy` file) or `-` (stdin).  Text is read with
`json`, then with `ast` restricted to lists, tuples and signed numbers: never evaluated.
Integers stay exact (int64, or Python ints where int64 cannot hold them); any float makes
the array float64.  Every problem is an InputError naming the argument (exit 1).  From
Python, `to_array` reads nested lists the same way.
"""

from __future__ import annotations

import ast
import json
import math
import numbers
import os
import stat
import sys
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

from convcalc.errors import InputError
from convcalc.notation import shape_text

MAX_TEXT_BYTES = 16 * 2**20  # JSON text: ~2M numbers; bigger arrays belong in .npy
MAX_LITERAL_BYTES = 2 * 2**20  # Python literal syntax goes through ast, ~50x JSON's memory
# the data a .npy header declares, checked before it is read; an array is also held to
# convcalc.execute.bounds.MAX_ELEMENTS once converted to int64/float64 (int8 grows 8×)
MAX_NPY_BYTES = 512 * 2**20
MAX_RANK = 8  # run needs at most 5 (N, C, D, H, W)
MAX_INT_BITS = 1024  # beyond this the exact path would crawl; nothing real needs it
_NPY_MAGIC = b"\x93NUMPY"
_INT64 = (-(2**63), 2**63 - 1)


def read_array(text: str, name: str, *, stdin: BinaryIO | None = None) -> np.ndarray:
    """The array an ARRAY argument stands for: int64, object (Python ints) or float64."""
    if text == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return _from_stream(stream, name, "stdin")
    if text.startswith("@"):
        return _from_file(text[1:], name)
    return _from_text(text, name)


def to_array(value: Any, name: str) -> np.ndarray:
    """An array given from Python: nested lists (or tuples) of numbers are checked as ARRAY
    text is; a NumPy array keeps its numbers as `run_layer` reads them (bool as int)."""
    if isinstance(value, np.ndarray):
        from convcalc.execute import as_numbers

        return as_numbers(value, name)
    return _to_array(_plain(value, name, 0), name)


def _plain(value: Any, name: str, depth: int) -> Any:
    """Python lists of Python numbers: what `_to_array` checks (anything else it names)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple):
        if depth > MAX_RANK:
            raise _too_deep(name)
        return [_plain(item, name, depth + 1) for item in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def _from_file(path: str, name: str) -> np.ndarray:
    if not path:
        raise InputError(f"{name}: '@' must be followed by a file name, e.g. @weights.npy")
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; we refuse it just below
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"{name}: cannot open {path!r}: {exc.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # before fdopen, which refuses directories
        os.close(fd)
        raise InputError(f"{name}: {path!r} is not a regular file")
    with os.fdopen(fd, "rb") as handle:
        return _from_stream(handle, name, repr(path), info.st_size)


def _from_stream(stream: BinaryIO, name: str, where: str, size: int | None = None) -> np.ndarray:
    """A .npy array (its header checked before its data is read) or ARRAY text; `size` is
    the file's size when known (stdin: None)."""
    head = stream.read(len(_NPY_MAGIC))
    if head == _NPY_MAGIC:
        return _from_npy(stream, name, where)
    # one byte past the limit, so that an endless /proc file or pipe cannot exhaust memory
    data = head + stream.read(MAX_TEXT_BYTES + 1 - len(head))
    if len(data) > MAX_TEXT_BYTES:
        limit = MAX_TEXT_BYTES // 2**20
        # a file's size as stat gives it (/proc files say 0), else what was read
        held = f"more than {limit}"
        if size is not None and size >= len(data):
            held = f"{size / 2**20:.1f}"
        raise InputError(
            f"{name}: {where} holds {held} MiB of text; at most {limit} MiB is read (save "
            "larger arrays with numpy.save as .npy)"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: {where} is neither a .npy file nor UTF-8 text (byte {exc.start})"
        ) from None
    return _from_text(text, name)


def _npy_header(stream: BinaryIO, name: str, where: str) -> tuple[tuple[int, ...], bool, Any]:
    """(shape, fortran_order, dtype) from the header after the magic string."""
    from numpy.lib import format as npy_format

    unreadable = f"{name}: {where} is not a readable .npy file"
    version = stream.read(2)
    if len(version) != 2 or version[0] not in (1, 2, 3) or version[1] != 0:
        raise InputError(f"{unreadable}: unknown format version {tuple(version)}")
    read = npy_format.read_array_header_1_0 if version[0] == 1 else npy_format.read_array_header_2_0
    try:
        return read(stream)
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"{unreadable}: {exc}") from None


def _from_npy(stream: BinaryIO, name: str, where: str) -> np.ndarray:
    """The array of a .npy stream: what its header declares is checked before any data is
    read or allocated (rank, dtype, the bytes it holds and the elements run converts)."""
    from convcalc.execute import bounds

    shape, fortran_order, dtype = _npy_header(stream, name, where)
    if dtype.hasobject:
        raise InputError(
            f"{name}: {where} holds Python objects, which are not read (allow_pickle=False)"
        )
    if len(shape) > MAX_RANK:
        raise InputError(f"{name}: {where} has {len(shape)} axes; at most {MAX_RANK}")
    kind = dtype.kind
    if kind not in "fiu":
        what = {"b": "booleans", "c": "complex numbers"}.get(kind, f"dtype {dtype}")
        raise InputError(f"{name}: {where} holds {what}; only integers and floats can be run")
    count = math.prod(shape)
    declared = count * dtype.itemsize
    if declared > MAX_NPY_BYTES:
        raise InputError(
            f"{name}: {where} declares {shape_text(shape, 'python')} {dtype.name}, "
            f"{bounds.amount(declared)} bytes; `run` reads at most {MAX_NPY_BYTES:,} bytes "
            f"({MAX_NPY_BYTES // 2**20} MiB) of .npy data (MAX_NPY_BYTES)"
        )
    # run holds it as 8-byte numbers: int8 and float32 grow on the way
    bounds.check_elements(f"the array of {where}", shape, param=name)
    data = stream.read(declared)
    if len(data) < declared:
        raise InputError(
            f"{name}: {where} is not a readable .npy file: its header declares "
            f"{declared:,} bytes of data, it holds {len(data):,}"
        )
    array = np.frombuffer(data, dtype=dtype, count=count).reshape(
        shape, order="F" if fortran_order else "C"
    )
    if kind == "f":
        return array.astype(np.float64)
    if kind == "i":
        return array.astype(np.int64)
    if array.size and int(array.max()) > _INT64[1]:
        from convcalc.execute import check_python_ints

        check_python_ints(array.size, name)
        return _object_ints(array.ravel().tolist(), array.shape)
    return array.astype(np.int64)


def _from_text(text: str, name: str) -> np.ndarray:
    stripped = text.strip()
    if not stripped:
        raise InputError(
            f"{name}: empty; expected nested lists of numbers such as [[1, 2], [3, 4]]"
        )
    try:
        value: Any = json.loads(stripped)
    except RecursionError:
        raise _too_deep(name) from None
    except ValueError:
        value = _literal(stripped, name)
    return _to_array(value, name)


def _too_deep(name: str) -> InputError:
    return InputError(f"{name}: nested too deeply; an array has at most {MAX_RANK} axes")


def _literal(text: str, name: str) -> Any:
    """Python literal syntax: lists, tuples, signed ints and floats only."""
    if len(text) > MAX_LITERAL_BYTES:
        raise InputError(
            f"{name}: not valid JSON, and Python literal syntax is read only up to "
            f"{MAX_LITERAL_BYTES // 2**20} MiB; write large arrays as JSON or .npy"
        )
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        if "too many nested" in str(exc.msg):
            raise _too_deep(name) from None
        raise InputError(
            f"{name}: not nested lists of numbers: invalid syntax at column {exc.offset}"
        ) from None
    except (RecursionError, MemoryError):
        raise _too_deep(name) from None
    except ValueError as exc:  # e.g. null bytes
        raise InputError(f"{name}: not nested lists of numbers ({exc})") from None
    return _node_value(tree.body, name, 0)


def _node_value(node: ast.AST, name: str, depth: int) -> Any:
    if depth > MAX_RANK:
        raise _too_deep(name)
    if isinstance(node, ast.List | ast.Tuple):
        return [_node_value(item, name, depth + 1) for item in node.elts]
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub | ast.UAdd)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) in (int, float)
    ):
        value: Any = node.operand.value
        return -value if isinstance(node.op, ast.USub) else value
    what = {
        ast.Call: "a call",
        ast.Name: "a name",
        ast.Attribute: "an attribute",
        ast.Constant: "a non-number constant",
    }.get(type(node), f"a {type(node).__name__} expression")
    column = getattr(node, "col_offset", 0) + 1
    raise InputError(
        f"{name}: {what} at column {column}; only nested lists of numbers are read "
        "(nothing is evaluated)"
    )


def _to_array(value: Any, name: str) -> np.ndarray:
    shape = _shape_of(value, name)
    flat = _flatten(value, len(shape))
    types = set(map(type, flat))
    if not types <= {int, float}:
        bad = next(v for v in flat if type(v) not in (int, float))
        what = "a boolean" if isinstance(bad, bool) else f"{type(bad).__name__} {bad!r}"
        raise InputError(f"{name}: found {what}; only numbers can be run")
    if float in types:
        try:
            return np.array(flat, dtype=np.float64).reshape(shape)
        except OverflowError:
            raise InputError(f"{name}: an integer is too large to mix with floats") from None
    if flat and (min(flat) < _INT64[0] or max(flat) > _INT64[1]):
        if max(abs(v) for v in flat).bit_length() > MAX_INT_BITS:
            raise InputError(f"{name}: integers are limited to {MAX_INT_BITS} bits")
        return _object_ints(flat, shape)
    return np.array(flat, dtype=np.int64).reshape(shape)


def _object_ints(flat: list[int], shape: tuple[int, ...]) -> np.ndarray:
    array = np.empty(len(flat), dtype=object)
    array[:] = flat
    return array.reshape(shape)


def _shape_of(value: Any, name: str) -> tuple[int, ...]:
    """The shape of regular nested lists; a ragged one is refused with where it breaks."""
    shape: list[int] = []
    probe = value
    while isinstance(probe, list):
        if len(shape) >= MAX_RANK:
            raise _too_deep(name)
        shape.append(len(probe))
        if not probe:
            break
        probe = probe[0]
    if shape:
        _check_regular(value, tuple(shape), (), name)
    return tuple(shape)


def _check_regular(value: Any, shape: tuple[int, ...], where: tuple[int, ...], name: str) -> None:
    depth = len(where)
    if depth == len(shape) - 1:
        if len(value) != shape[-1] or any(isinstance(v, list) for v in value):
            _ragged(value, shape, where, name)
        return
    if len(value) != shape[depth]:
        _ragged(value, shape, where, name)
    for i, item in enumerate(value):
        if not isinstance(item, list):
            _ragged(value, shape, where, name)
        _check_regular(item, shape, (*where, i), name)


def _ragged(value: Any, shape: tuple[int, ...], where: tuple[int, ...], name: str) -> None:
    depth = len(where)
    at = "".join(f"[{i}]" for i in where) or "the top level"
    if len(value) != shape[depth]:
        raise InputError(
            f"{name}: ragged nested lists: {at} has {len(value)} items where {shape[depth]} "
            "were expected"
        )
    raise InputError(
        f"{name}: ragged nested lists: {at} mixes numbers and lists (all rows must have the "
        "same depth)"
    )


def _flatten(value: Any, rank: int) -> list[Any]:
    for _ in range(rank - 1):
        value = [item for row in value for item in row]
    return value if rank else [value]


# --- layouts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """A small view of a large array: per axis the kept indices (None marks an elision)."""

    shape: tuple[int, ...]
    index: tuple[tuple[int | None, ...], ...]
    values: Any  # nested Python lists over the kept indices


def preview(array: np.ndarray, limits: tuple[int, ...]) -> Preview:
    """Keep at most `limits[i]` indices of axis i (its first and last ones), numpy-style."""
    kept: list[list[int]] = []
    index: list[tuple[int | None, ...]] = []
    for size, limit in zip(array.shape, limits, strict=True):
        if size <= limit:
            kept.append(list(range(size)))
            index.append(tuple(range(size)))
        else:
            head = (limit + 1) // 2
            tail = limit - head
            chosen = list(range(head)) + list(range(size - tail, size))
            kept.append(chosen)
            index.append((*range(head), None, *range(size - tail, size)))
    # an empty array shows no values (and its other axes may be huge)
    values = array[np.ix_(*kept)].tolist() if array.size else []
    return Preview(shape=tuple(array.shape), index=tuple(index), values=values)


_LAYOUTS = {1: "L", 2: "H, W", 3: "D, H, W"}


def torch_input(x: np.ndarray, dims: int, torch_name: str) -> np.ndarray:
    """Rank d → one unbatched channel (1, *s); ranks d+1 and d+2 are PyTorch's own."""
    if x.ndim == dims:
        return x[np.newaxis]
    if x.ndim in (dims + 1, dims + 2):
        return x
    layout = _LAYOUTS[dims]
    raise InputError(
        f"input: {torch_name} takes an array of rank {dims} ({layout}), {dims + 1} "
        f"(C, {layout}) or {dims + 2} (N, C, {layout}), got rank {x.ndim} with shape "
        f"{shape_text(x.shape, 'python')}"
    )


def torch_weight(w: np.ndarray, dims: int, layout: str) -> np.ndarray:
    """Rank d → one input and one output channel; rank d+2 is PyTorch's `layout`."""
    if w.ndim == dims:
        return w[np.newaxis, np.newaxis]
    if w.ndim == dims + 2:
        return w
    raise InputError(
        f"weight: needs rank {dims} (one channel in and out) or {dims + 2} {layout}, got "
        f"rank {w.ndim} with shape {shape_text(w.shape, 'python')}"
    )


def torch_bias(b: np.ndarray, out_channels: int) -> np.ndarray:
    """A bias is one value per output channel; a lone number serves one channel."""
    flat = b.reshape(-1) if b.ndim <= 1 else b
    if flat.ndim != 1 or flat.shape[0] != out_channels:
        raise InputError(
            f"bias: needs {out_channels} value{'s' if out_channels != 1 else ''} (one per "
            f"output channel), got shape {shape_text(b.shape, 'python')}"
        )
    return flat


def json_output(array: np.ndarray) -> tuple[Any, Any, str]:
    """(output, exact, dtype) for --json: ints stay ints; rationals become floats, with their
    exact 'p/q' strings in `exact` (None when every value is an int); non-finite floats are
    the strings 'nan', 'inf', '-inf' (JSON has no such numbers)."""
    from fractions import Fraction

    if array.dtype.kind == "f":
        finite = bool(np.isfinite(array).all())
        values = array.tolist()
        return (values if finite else _map(values, _float_json)), None, "float"
    if array.dtype.kind in "iu":
        return array.tolist(), None, "int"
    values = array.tolist()
    flat = array.ravel().tolist()
    if all(isinstance(v, int) or (isinstance(v, Fraction) and v.denominator == 1) for v in flat):
        return _map(values, int), None, "int"
    if not any(isinstance(v, Fraction) for v in flat):  # Python ints beside ±inf (max pools)
        return _map(values, _exact_json), None, "int"
    return (
        _map(values, _rational_float),
        _map(values, lambda v: f"{v.numerator}/{v.denominator}" if v.denominator != 1 else str(v)),
        "rational",
    )


def _exact_json(value: object) -> int | float | str:
    return _float_json(value) if isinstance(value, float) else int(value)  # type: ignore[call-overload]


def _rational_float(value: object) -> float | str:
    """A rational as the nearest float; past float's range, 'inf' or '-inf' (`exact` holds
    the true value)."""
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:
        return "inf" if value > 0 else "-inf"  # type: ignore[operator]


def _float_json(value: float) -> float | str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _map(values: Any, fn: Any) -> Any:
    if isinstance(values, list):
        return [_map(v, fn) for v in values]
    return fn(values)
