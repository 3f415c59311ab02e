"""A chain of layers (`nn.Sequential`) on one input: shapes, parameters, MACs, receptive field.

`summarize` is the library call behind `convcalc net`; `build` applies parsed calls, and
`read_model` reads a model file.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from convcalc.arguments import is_int
from convcalc.dtypes import DTYPE_BYTES
from convcalc.errors import ConvcalcError, InputError, LayerError
from convcalc.expressions import (
    MAX_CALLS,
    MAX_INT_BITS,
    Call,
    ExpressionError,
    parse_calls,
    parse_module,
)
from convcalc.layers import Effect, Layer, apply, kind_of, layer_from_call
from convcalc.notation import json_number, shape_text

Shape = tuple[int, ...]

MAX_FILE_BYTES = 1_000_000  # a model file, not a data dump
MAX_VALUE_DEPTH = 4  # nesting of lists inside one structured layer's arguments


@dataclass(frozen=True)
class NetLayer:
    """One layer of the chain, applied."""

    index: int
    call: Call
    layer: Layer
    input_shape: Shape
    effect: Effect
    receptive_field: tuple[int, ...] | None  # cumulative, per tracked spatial axis
    jump: tuple[Fraction, ...] | None

    @property
    def kind(self) -> str:
        return kind_of(self.layer)

    @property
    def output_shape(self) -> Shape:
        return self.effect.output_shape

    def to_json(self) -> dict[str, object]:
        e = self.effect
        return {
            "index": self.index,
            "layer": self.call.text,
            "kind": self.kind,
            "input_shape": list(self.input_shape),
            "output_shape": list(e.output_shape),
            "params": e.params,
            "buffers": e.buffers,
            "macs": e.macs,
            "receptive_field": None if self.receptive_field is None else list(self.receptive_field),
            "jump": None if self.jump is None else [json_number(j) for j in self.jump],
            "warnings": list(e.warnings),
        }


@dataclass(frozen=True)
class Network:
    input_shape: Shape
    layers: tuple[NetLayer, ...]

    @property
    def output_shape(self) -> Shape:
        return self.layers[-1].output_shape if self.layers else self.input_shape

    @property
    def params(self) -> int:
        """Parameters (all trainable in a freshly built module)."""
        return sum(layer.effect.params for layer in self.layers)

    @property
    def buffers(self) -> int:
        """Non-trainable state: BatchNorm / InstanceNorm running statistics."""
        return sum(layer.effect.buffers for layer in self.layers)

    @property
    def macs(self) -> int:
        return sum(layer.effect.macs for layer in self.layers)

    @property
    def activation_elements(self) -> int:
        """Elements of every layer's output (the input excluded): what a forward pass keeping
        its activations for backward holds."""
        return sum(math.prod(layer.output_shape) for layer in self.layers)

    def activation_bytes(self, dtype: str) -> int:
        return self.activation_elements * DTYPE_BYTES[dtype]

    def to_json(self, dtype: str = "float32") -> dict[str, object]:
        return {
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "params": self.params,
            "trainable_params": self.params,
            "buffers": self.buffers,
            "macs": self.macs,
            "dtype": dtype,
            "activation_elements": self.activation_elements,
            "activation_bytes": self.activation_bytes(dtype),
            "layers": [layer.to_json() for layer in self.layers],
        }


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _name(index: int, call: Call) -> str:
    return f"layer {index} {_short(call.text)}"


# --- the chain --------------------------------------------------------------------------------


class _Tracker:
    """Cumulative receptive field r and jump j per spatial axis, in elements of the network
    input: from r = j = 1, each layer with its own field k and step s (Effect.window) gives

        r ← r + (k − 1)·j        j ← j·s

    Both stay exact fractions (a transposed conv or an upsampling steps by 1/stride); the
    field reported is ⌈r⌉.  Pointwise layers leave them as they are.  Tracking starts at the
    first layer with a window (its spatial axes are the ones tracked) and stops for good where
    a layer reshapes a tracked axis (Effect.kept) or a window over another number of axes
    follows; a reshape before the first window means it never starts.
    """

    def __init__(self) -> None:
        self.axes: list[tuple[Fraction, Fraction]] | None = None
        self.stopped = False

    def step(self, effect: Effect) -> None:
        if self.stopped:
            return
        if effect.window is None:
            if effect.kept is None:
                return  # pointwise
            if self.axes is None or len(self.axes) > effect.kept:
                self.stopped = True
                self.axes = None
            return
        if self.axes is None:
            self.axes = [(Fraction(1), Fraction(1))] * len(effect.window)
        if len(self.axes) != len(effect.window):
            self.stopped = True
            self.axes = None
            return
        self.axes = [
            (r + (k - 1) * j, j * s)
            for (r, j), (k, s) in zip(self.axes, effect.window, strict=True)
        ]

    def current(self) -> tuple[tuple[int, ...] | None, tuple[Fraction, ...] | None]:
        if self.axes is None:
            return None, None
        return tuple(math.ceil(r) for r, _ in self.axes), tuple(j for _, j in self.axes)


def check_input(shape: Shape) -> None:
    if not shape or any(size < 0 for size in shape):
        raise InputError(
            f"input: sizes must be ≥ 0 and at least one given, got {shape_text(shape)}"
        )


def build(calls: list[Call], input_shape: Shape) -> Network:
    """Apply `calls` in order to `input_shape`, as nn.Sequential would."""
    check_input(input_shape)
    if not calls:
        raise InputError("no layers given")
    shape = input_shape
    tracker = _Tracker()
    done: list[NetLayer] = []
    for index, call in enumerate(calls):
        try:
            layer = layer_from_call(call)
        except ConvcalcError as exc:
            raise type(exc)(f"{_name(index, call)}: {exc}") from None
        if done and done[-1].effect.returns_tuple:
            raise LayerError(
                f"{_name(index, call)}: receives the (output, indices) tuple of "
                f"{_name(index - 1, done[-1].call)}, which has return_indices=True"
            )
        try:
            effect = apply(layer, shape)
        except LayerError as exc:
            source = _name(index - 1, done[-1].call) if done else "the network input"
            raise LayerError(
                f"{_name(index, call)}: {exc} (input {shape_text(shape)} from {source})"
            ) from None
        tracker.step(effect)
        receptive_field, jump = tracker.current()
        done.append(NetLayer(index, call, layer, shape, effect, receptive_field, jump))
        shape = effect.output_shape
    return Network(input_shape, tuple(done))


class MissingInputShape(InputError):
    """No input shape was given, and the model's source declares none."""


def summarize(
    model: str | Sequence[str] | os.PathLike[str],
    input_shape: Sequence[int] | None = None,
) -> Network:
    """A chain of PyTorch layers summarised as `convcalc net` does it, without PyTorch.

    `model` is
    - a str: a model's source, as in a model.py file: one `nn.Sequential(...)` (bare or
      assigned to a name) or layer calls one per line; comments, a docstring and `import`
      lines may be there, and a `# input 1, 3, 224, 224` line gives the input shape;
    - a sequence of str: layer expressions as `convcalc net` takes them, each a call, an
      `nn.Sequential(...)` or calls separated by commas;
    - a path: a .py, .json, .toml or .yaml model file.

    `input_shape` wins over a declared one.  Nothing is run: the text is parsed with `ast`.
    Refusals raise ConvcalcError with the message the CLI prints (MissingInputShape where
    there is no shape at all).

    >>> net = summarize("nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())", (1, 3, 32, 32))
    >>> net.output_shape, net.params, net.layers[0].receptive_field
    ((1, 8, 30, 30), 224, (3, 3))
    """
    declared: Shape | None = None
    if isinstance(model, os.PathLike):
        calls, declared = read_model(os.fspath(model))
    elif isinstance(model, str):
        calls, declared = parse_module(model), _input_comment(model)
    else:
        calls = calls_from_expressions(list(model))
    if input_shape is None:
        if declared is None:
            raise MissingInputShape(
                "input_shape: needed (or a '# input 1, 3, 224, 224' line in the source)"
            )
        input_shape = declared
    shape = tuple(input_shape)
    if not all(is_int(size) for size in shape):
        raise InputError(f"input_shape: sizes must be ints, got {shape}")
    return build(calls, shape)


# --- reading a model --------------------------------------------------------------------------


def calls_from_expressions(texts: list[str]) -> list[Call]:
    calls: list[Call] = []
    for text in texts:
        calls.extend(parse_calls(text))
        if len(calls) > MAX_CALLS:
            raise ExpressionError(f"expression: more than {MAX_CALLS:,} layers")
    return calls


STRUCTURED = (".json", ".toml", ".yaml", ".yml")


def read_source(path: str, limit: int = MAX_FILE_BYTES) -> str:
    """The text of a regular file of at most `limit` bytes; never blocks on a FIFO or device."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError(f"file: cannot open {path}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"file: {path} is {_file_type(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise InputError(
                f"file: {path} has {info.st_size:,} bytes, more than the {limit:,} allowed"
            )
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)  # the file may have grown since fstat
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputError(f"file: {path} has more than the {limit:,} bytes allowed")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"file: {path} is not UTF-8 text (byte {exc.start})") from None


def _file_type(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


# `# input 1, 3, 224, 224`, `# input: (1, 3, 224, 224)`, `# input = 1x3x224x224`
_INPUT_LINE = re.compile(r"^\s*#\s*input\b\s*[:=]?\s*([(\[]?\s*\d.*?)\s*$", re.IGNORECASE)


def parse_shape_text(text: str, where: str) -> Shape:
    body = text.strip().strip("()[]").strip()
    parts = [p for p in re.split(r"[\s,x×]+", body) if p]
    if not parts or not all(p.isdigit() and len(p) <= 18 for p in parts):
        raise InputError(f"{where}: expected a shape such as 1, 3, 224, 224, got {text!r}")
    return tuple(int(p) for p in parts)


def _input_comment(source: str) -> Shape | None:
    """The first `# input <shape>` comment line of a .py model file, if any."""
    for line in source.splitlines():
        match = _INPUT_LINE.match(line)
        if match:
            return parse_shape_text(match.group(1), "# input line")
    return None


def read_model(path: str) -> tuple[list[Call], Shape | None]:
    """The layers of a model file and the input shape it declares, if any."""
    source = read_source(path)  # first: a device or FIFO is refused for what it is
    suffix = Path(path).suffix.lower()
    if suffix not in (".py", *STRUCTURED):
        raise InputError(
            f"file: {path}: expected a .py, .json, .toml or .yaml file, got {suffix or 'none'}"
        )
    if suffix == ".py":
        return parse_module(source), _input_comment(source)
    data = _load_structured(source, suffix, path)
    return _structured_layers(data)


def _load_structured(source: str, suffix: str, path: str) -> Any:
    try:
        if suffix == ".json":
            return json.loads(source)
        if suffix == ".toml":
            import tomllib

            return tomllib.loads(source)
        try:
            yaml = importlib.import_module("yaml")  # PyYAML: optional, untyped
        except ImportError:
            raise InputError("file: reading YAML needs PyYAML (pip install pyyaml)") from None
        return yaml.safe_load(source)
    except InputError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise InputError(f"file: {path} cannot be read ({type(exc).__name__})") from None
    except Exception as exc:  # json, tomllib and yaml each have their own error class
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"file: {path} is not valid {suffix[1:].upper()}: {first}") from None


def _structured_layers(data: Any) -> tuple[list[Call], Shape | None]:
    shape: Shape | None = None
    if isinstance(data, dict):
        unknown = set(data) - {"input", "layers"}
        if unknown:
            raise InputError(
                f"file: unexpected top-level key {sorted(map(str, unknown))[0]!r}; "
                "expected 'layers' and optionally 'input'"
            )
        if "input" in data:
            value = data["input"]
            if isinstance(value, str):
                shape = parse_shape_text(value, "input")
            elif isinstance(value, list) and all(is_int(v) for v in value):
                shape = tuple(value)
            else:
                raise InputError(f"input: expected a list of ints, got {value!r}")
        data = data.get("layers")
    if not isinstance(data, list) or not data:
        raise InputError(
            'file: expected a non-empty list of layers such as [{"type": "Conv2d", '
            '"in_channels": 3, ...}] (or {"layers": [...]})'
        )
    if len(data) > MAX_CALLS:
        raise InputError(f"file: more than {MAX_CALLS:,} layers")
    return [_call_from_item(item, index) for index, item in enumerate(data)], shape


_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _call_from_item(item: Any, index: int) -> Call:
    where = f"layer {index}"
    if not isinstance(item, dict):
        raise InputError(f"{where}: expected a mapping with a 'type', got {_short(repr(item))}")
    name = item.get("type")
    if not isinstance(name, str) or not _DOTTED.match(name):
        raise InputError(f"{where}: 'type' must be a class name such as 'Conv2d', got {name!r}")
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = {}
    for key, value in item.items():
        if key == "type":
            continue
        if key == "args":
            if not isinstance(value, list):
                raise InputError(f"{where}: 'args' must be a list of positional arguments")
            args = tuple(_plain(v, where, 0) for v in value)
        elif isinstance(key, str) and key.isidentifier():
            kwargs[key] = _plain(value, f"{where} {key}", 0)
        else:
            raise InputError(f"{where}: {key!r} is not an argument name")
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    text = f"{name}({', '.join(parts)})"
    return Call(name=name, args=args, kwargs=kwargs, text=text, line=index + 1, column=1)


def _plain(value: Any, where: str, depth: int) -> Any:
    """A literal argument value: numbers, strings, booleans, null and lists of them."""
    if depth > MAX_VALUE_DEPTH:
        raise InputError(f"{where}: nested too deeply")
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        if value.bit_length() > MAX_INT_BITS:
            raise InputError(f"{where}: integer too large")
        return value
    if isinstance(value, list | tuple):
        return tuple(_plain(v, where, depth + 1) for v in value)
    raise InputError(
        f"{where}: only numbers, strings, booleans, null and lists are allowed, got "
        f"{type(value).__name__}"
    )
