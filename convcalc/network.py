"""A model on its input: shapes, parameters, MACs and memory, layer by layer.

`summarize` is the library call behind `convcalc net`.  A chain of layers (`nn.Sequential`,
layer calls, a JSON/TOML/YAML list) is applied by `build`, with the cumulative receptive
field; a model written as nn.Module classes is read by `convcalc.interpreter` and its forward
recorded call by call, as a tree of module calls and tensor ops.
"""

# No `from __future__ import annotations`: typing.NamedTuple would compile the text of
# every record field's annotation each time the module is imported.
import importlib
import math
import os
import re
import stat
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

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
from convcalc.layers import Effect, Layer, apply, kind_of, layer_from_call, materialize
from convcalc.notation import count_text, json_number, shape_text

if TYPE_CHECKING:
    from convcalc.interpreter import Row, Traced

Shape = tuple[int, ...]
ModelSource = str | Sequence[str] | os.PathLike[str]
Role = Literal["layer", "module", "op"]
Form = Literal["chain", "module", "init block", "printed"]

MAX_FILE_BYTES = 1_000_000  # a model file, not a data dump
MAX_VALUE_DEPTH = 4  # nesting of lists inside one structured layer's arguments
MAX_YAML_NODES = 100_000  # values of a YAML file once its aliases are expanded
MAX_AXIS_STEPS = 1_000_000  # input rank × layers: the work of following a chain grows so
MAX_NUMEL = 2**63 - 1  # elements of one tensor in PyTorch (its sizes are int64)
MAX_TRACKED = 2**63  # receptive field and jump beyond this many input elements: not tracked


class NetLayer(NamedTuple):
    """One row of the summary: a layer of a chain, or one call in a model's forward.

    Plain data a table or a figure is drawn from: `role` says what the row is (a torch
    `layer`, a `module` holding others, whose rows follow one level deeper, or a tensor `op`
    such as `F.relu` or `torch.cat`); `sources` name the rows that made its inputs (−1 − k:
    the model's input k), so an input from a row other than the one before is a skip
    connection."""

    # a field named as a tuple method: NamedTuple allows it at run time
    index: int  # type: ignore[assignment]
    call: Call | None  # the constructor call of a layer (None for ops and modules)
    layer: Layer | None
    input_shape: Shape
    effect: Effect  # the row's own numbers (a module holding others: none of its own)
    receptive_field: tuple[int, ...] | None  # cumulative, per tracked spatial axis (chains)
    jump: tuple[Fraction, ...] | None
    name: str = ""  # dotted path (layer1.0.conv1), the op as written (F.relu), or the index
    kind: str = ""  # Conv2d, BasicBlock, Sequential; for ops the torch function
    role: Role = "layer"
    depth: int = 1  # 1: called by the model's own forward
    parent: int | None = None  # the module row it runs inside
    inputs: tuple[Shape, ...] = ()
    outputs: tuple[Shape, ...] = ()
    sources: tuple[int, ...] = ()
    line: int | None = None  # where it is called (the forward), or written (a chain)
    repeat: bool = False  # a module called before: its params were counted there
    params: int = 0  # counted on this row: 0 on a repeat call
    buffers: int = 0
    total_params: int = 0  # this row and every row inside it, each module once
    total_macs: int = 0

    @property
    def output_shape(self) -> Shape:
        return self.effect.output_shape

    @property
    def text(self) -> str:
        """The layer as written (chains) or as built (modules); the op or module otherwise."""
        return self.call.text if self.call is not None else self.name

    def to_json(self, *, tree: bool = False) -> dict[str, object]:
        """The row as JSON; `tree` adds what a model's forward has and a chain does not
        (role, parent, every input and output, sources, repeat, totals)."""
        e = self.effect
        data: dict[str, object] = {
            "index": self.index,
            "name": self.name,
            "depth": self.depth,
            "line": self.line,
            "layer": self.text,
            "kind": self.kind,
            "input_shape": list(self.input_shape),
            "output_shape": list(e.output_shape),
            "params": self.params,
            "buffers": self.buffers,
            "macs": e.macs,
            "receptive_field": None if self.receptive_field is None else list(self.receptive_field),
            "jump": None if self.jump is None else [json_number(j) for j in self.jump],
            "warnings": list(e.warnings),
        }
        if tree:
            data.update(
                role=self.role,
                parent=self.parent,
                inputs=[list(s) for s in self.inputs],
                outputs=[list(s) for s in self.outputs],
                sources=list(self.sources),
                repeat=self.repeat,
                total_params=self.total_params,
                total_macs=self.total_macs,
            )
        return data


class Network(NamedTuple):
    """A summarised model: its rows and totals.  `form` says how it was read: a `chain` of
    layers, a `module` (nn.Module classes, forward followed), an `init block` (layers
    assigned in __init__, in order) or `printed` (the text print(model) writes)."""

    input_shape: Shape
    layers: tuple[NetLayer, ...]
    inputs: tuple[Shape, ...] = ()
    outputs: tuple[Shape, ...] = ()
    model: str | None = None  # the class or expression summarised (None: a chain)
    form: Form = "chain"
    model_params: int | None = None  # model.parameters(): every registered module, once
    model_buffers: int | None = None
    notes: tuple[str, ...] = ()  # how the text was read; branches that depend on the input
    warnings: tuple[str, ...] = ()
    complete: bool = True  # False: the forward failed after these rows

    @property
    def output_shape(self) -> Shape:
        if self.outputs:
            return self.outputs[0]
        leaves = [layer for layer in self.layers if layer.depth == 1]
        return leaves[-1].output_shape if leaves else self.input_shape

    @property
    def params(self) -> int:
        """Parameters (all trainable in a freshly built module), each module once."""
        if self.model_params is not None:
            return self.model_params
        return sum(layer.params for layer in self.layers)

    @property
    def buffers(self) -> int:
        """Non-trainable state: BatchNorm / InstanceNorm running statistics."""
        if self.model_buffers is not None:
            return self.model_buffers
        return sum(layer.buffers for layer in self.layers)

    @property
    def macs(self) -> int:
        """Every call counts: a layer called twice does its work twice."""
        return sum(layer.effect.macs for layer in self.layers if layer.role != "module")

    @property
    def activation_elements(self) -> int:
        """Elements of every layer's and op's output (the input excluded): what a forward pass
        keeping its activations for backward holds."""
        return sum(
            sum(math.prod(shape) for shape in (layer.outputs or (layer.output_shape,)))
            for layer in self.layers
            if layer.role != "module"
        )

    def activation_bytes(self, dtype: str) -> int:
        return self.activation_elements * DTYPE_BYTES[dtype]

    def param_bytes(self, dtype: str) -> int:
        """The parameters stored as `dtype`."""
        return self.params * DTYPE_BYTES[dtype]

    def input_bytes(self, dtype: str) -> int:
        return sum(math.prod(s) for s in (self.inputs or (self.input_shape,))) * DTYPE_BYTES[dtype]

    def to_json(self, dtype: str = "float32") -> dict[str, object]:
        data: dict[str, object] = {
            "input_shape": list(self.input_shape),
            "output_shape": list(self.output_shape),
            "params": self.params,
            "trainable_params": self.params,
            "buffers": self.buffers,
            "macs": self.macs,
            "dtype": dtype,
            "activation_elements": self.activation_elements,
            "activation_bytes": self.activation_bytes(dtype),
            "param_bytes": self.param_bytes(dtype),
            "input_bytes": self.input_bytes(dtype),
            "layers": [layer.to_json(tree=self.form != "chain") for layer in self.layers],
        }
        if self.notes:
            data["notes"] = list(self.notes)
        if self.form != "chain":
            data["model"] = self.model
            data["form"] = self.form
            data["inputs"] = [list(s) for s in self.inputs]
            data["outputs"] = [list(s) for s in self.outputs]
            data["notes"] = list(self.notes)
            data["warnings"] = list(self.warnings)
        return data


class ForwardFailure(LayerError):
    """The forward does not fit its input: the message, and the summary up to the failing
    call (`partial`), which the CLI prints before the error."""

    def __init__(self, message: str, partial: Network) -> None:
        super().__init__(message)
        self.partial = partial


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
        # ints while the steps are whole (Fraction arithmetic costs ~20× an int's)
        self.axes: list[tuple[Fraction | int, Fraction | int]] | None = None
        self.stopped = False
        self.overflowed = False  # stopped past MAX_TRACKED

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
            self.axes = [(1, 1)] * len(effect.window)
        if len(self.axes) != len(effect.window):
            self.stopped = True
            self.axes = None
            return
        self.axes = [
            (r + (k - 1) * j, j * (s.numerator if s.denominator == 1 else s))
            for (r, j), (k, s) in zip(self.axes, effect.window, strict=True)
        ]
        if any(_beyond(r) or _beyond(j) for r, j in self.axes):
            # no input has that many elements; and the digits would not even print
            self.stopped = self.overflowed = True
            self.axes = None

    def current(self) -> tuple[tuple[int, ...] | None, tuple[Fraction, ...] | None]:
        if self.axes is None:
            return None, None
        return (
            tuple(math.ceil(r) for r, _ in self.axes),
            tuple(Fraction(j) for _, j in self.axes),
        )


def _beyond(value: Fraction | int) -> bool:
    if isinstance(value, int):
        return value >= MAX_TRACKED
    return value.numerator >= MAX_TRACKED or value.denominator >= MAX_TRACKED


def check_input(shape: Shape) -> None:
    if not shape or any(size < 0 for size in shape):
        raise InputError(
            f"input: sizes must be ≥ 0 and at least one given, got {shape_text(shape)}"
        )
    if 0 not in shape and math.prod(shape) > MAX_NUMEL:
        raise InputError(
            f"input: {shape_text(shape)} has {count_text(math.prod(shape))} elements; a "
            "PyTorch tensor holds at most 2**63 − 1"
        )


def build(calls: list[Call], input_shape: Shape) -> Network:
    """Apply `calls` in order to `input_shape`, as nn.Sequential would."""
    check_input(input_shape)
    if not calls:
        raise InputError("no layers given")
    if len(input_shape) * len(calls) > MAX_AXIS_STEPS:
        raise InputError(
            f"input: a {len(input_shape):,}-D input through {len(calls):,} layers is "
            f"{len(input_shape) * len(calls):,} axis-steps; at most {MAX_AXIS_STEPS:,} are "
            "followed (input rank × layers)"
        )
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
                f"{_name(index - 1, done[-1].call)}, which has return_indices=True"  # type: ignore[arg-type]
            )
        try:
            layer = materialize(layer, shape)  # a Lazy layer becomes its class on this input
            effect = apply(layer, shape)
        except LayerError as exc:
            source = _name(index - 1, done[-1].call) if done else "the network input"  # type: ignore[arg-type]
            raise LayerError(
                f"{_name(index, call)}: {exc} (input {shape_text(shape)} from {source})"
            ) from None
        tracker.step(effect)
        receptive_field, jump = tracker.current()
        done.append(
            NetLayer(
                index,
                call,
                layer,
                shape,
                effect,
                receptive_field,
                jump,
                name=str(index),
                kind=kind_of(layer),
                inputs=(shape,),
                outputs=(effect.output_shape,),
                sources=(index - 1,),
                line=call.line,
                params=effect.params,
                buffers=effect.buffers,
                total_params=effect.params,
                total_macs=effect.macs,
            )
        )
        shape = effect.output_shape
    notes: tuple[str, ...] = ()
    if tracker.overflowed:
        notes = ("the receptive field or jump passed 2**63 input elements: no longer tracked (—)",)
    return Network(input_shape, tuple(done), inputs=(input_shape,), notes=notes)


# --- a model's forward ------------------------------------------------------------------------


def _rows(rows: "list[Row]") -> tuple[NetLayer, ...]:
    """The interpreter's rows as records, with each module's totals over the rows inside."""
    totals_params = [row.params for row in rows]
    totals_macs = [
        0 if row.role == "module" or row.effect is None else row.effect.macs for row in rows
    ]
    for row in reversed(rows):
        if row.parent is not None:
            totals_params[row.parent] += totals_params[row.index]
            totals_macs[row.parent] += totals_macs[row.index]
    out = []
    for row in rows:
        outputs = row.outputs
        effect = row.effect or Effect(outputs[0] if outputs else ())
        if row.role == "module":
            effect = Effect(outputs[0] if outputs else (), params=row.params, buffers=row.buffers)
        out.append(
            NetLayer(
                row.index,
                row.call if row.role == "layer" else None,
                row.layer,
                row.inputs[0] if row.inputs else (),
                effect,
                None,
                None,
                name=row.name,
                kind=row.kind,
                role=row.role,
                depth=row.depth,
                parent=row.parent,
                inputs=row.inputs,
                outputs=outputs,
                sources=row.sources,
                line=row.line,
                repeat=row.repeat,
                params=row.params,
                buffers=row.buffers,
                total_params=totals_params[row.index],
                total_macs=totals_macs[row.index],
            )
        )
    return tuple(out)


def from_trace(traced: "Traced") -> Network:
    """A Network from one recorded forward."""
    return Network(
        traced.inputs[0] if traced.inputs else (),
        _rows(traced.rows),
        inputs=traced.inputs,
        outputs=traced.outputs,
        model=traced.model,
        form=traced.form,  # type: ignore[arg-type]
        model_params=traced.params,
        model_buffers=traced.buffers,
        notes=tuple(traced.notes),
        warnings=tuple(traced.warnings),
    )


def trace(
    source: str,
    inputs: Sequence[Shape],
    *,
    model: str | None = None,
    printed: bool | None = None,
) -> Network:
    """Read a model's source (nn.Module classes, an __init__ block, or print(model) text) and
    follow its forward on `inputs`; ForwardFailure carries the rows before a failing call."""
    from convcalc import interpreter
    from convcalc.interpreter import printed as printed_text

    for shape in inputs:
        check_input(shape)
        if len(shape) > interpreter.bounds.MAX_RANK:
            raise InputError(
                f"input: {len(shape):,} axes; convcalc follows tensors of at most "
                f"{interpreter.bounds.MAX_RANK} in a model's forward"
            )
    if not inputs:
        raise MissingInputShape("input_shape: needed (or a '# input 1, 3, 224, 224' line)")
    try:
        if printed or (printed is None and model is None and printed_text.looks_printed(source)):
            traced = printed_text.trace_printed(source, list(inputs))
        else:
            traced = interpreter.trace_model(source, list(inputs), model=model)
    except interpreter.ForwardError as exc:
        partial = Network(
            tuple(inputs[0]),
            _rows(exc.rows),
            inputs=tuple(tuple(s) for s in inputs),
            model=model,
            form="module",
            complete=False,
        )
        raise ForwardFailure(str(exc), partial) from None
    return from_trace(traced)


class MissingInputShape(InputError):
    """No input shape was given, and the model's source declares none."""


def summarize(
    model: str | Sequence[str] | os.PathLike[str],
    input_shape: Sequence[int] | None = None,
    *,
    inputs: Sequence[Sequence[int]] | None = None,
    model_expression: str | None = None,
) -> Network:
    """A PyTorch model summarised as `convcalc net` does it, without PyTorch.

    `model` is
    - a str: a model's source, as in a model.py file: nn.Module classes (the last one is built
      with its defaults, or give `model_expression`, e.g. "ResNet(BasicBlock, [2, 2, 2, 2])"),
      one `nn.Sequential(...)` or layer calls one per line, an indented block copied out of
      __init__, or the text print(model) writes; a `# input 1, 3, 224, 224` line gives the
      input shape (one line per input);
    - a sequence of str: layer expressions as `convcalc net` takes them, each a call, an
      `nn.Sequential(...)` or calls separated by commas (or one whole source, as above);
    - a path: a .py, .json, .toml or .yaml model file.

    `input_shape` (or `inputs`, one shape per input of the forward) wins over a declared one.
    Nothing is run: the text is parsed with `ast` and interpreted by convcalc.  Refusals raise
    ConvcalcError with the message the CLI prints (MissingInputShape where there is no shape
    at all; ForwardFailure, with the rows before it, where the forward does not fit).

    >>> net = summarize("nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())", (1, 3, 32, 32))
    >>> net.output_shape, net.params, net.layers[0].receptive_field
    ((1, 8, 30, 30), 224, (3, 3))
    """
    shapes: list[Shape] | None = None
    if inputs is not None:
        shapes = [tuple(s) for s in inputs]
    elif input_shape is not None:
        shapes = [tuple(input_shape)]
    for shape in shapes or []:
        if not all(is_int(size) for size in shape):
            raise InputError(f"input_shape: sizes must be ints, got {shape}")
    source: str | None = None
    calls: list[Call] | None = None
    declared: list[Shape] = []
    if isinstance(model, os.PathLike):
        path = os.fspath(model)
        text = read_source(path)
        suffix = Path(path).suffix.lower()
        if suffix not in (".py", *STRUCTURED):
            raise InputError(
                f"file: {path}: expected a .py, .json, .toml or .yaml file, got {suffix or 'none'}"
            )
        if suffix == ".py":
            source = text
        else:
            calls, declared_shape = _structured_layers(_load_structured(text, suffix, path))
            declared = [declared_shape] if declared_shape is not None else []
    elif isinstance(model, str):
        source = model
    else:
        texts = list(model)
        try:
            calls = calls_from_expressions(texts)
        except ExpressionError:
            if len(texts) != 1 or "\n" not in texts[0].strip():
                raise
            source = texts[0]
    legacy: ExpressionError | None = None
    if source is not None:
        declared = _input_comments(source)
        if model_expression is None:
            try:
                calls = parse_module(source)
            except ExpressionError as exc:
                calls, legacy = None, exc
    if calls is not None and model_expression is None:
        given = shapes or declared
        if not given:
            raise MissingInputShape(
                "input_shape: needed (or a '# input 1, 3, 224, 224' line in the source)"
            )
        if len(given) > 1:
            raise InputError(f"input: a chain of layers takes one input, got {len(given)}")
        return build(calls, tuple(given[0]))
    assert source is not None
    if legacy is not None and "more than" in str(legacy):
        raise legacy  # a bound of the chain reader (layers, characters) holds for both
    return trace(source, shapes or declared, model=model_expression)


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
    return _text(data, path, limit)


def read_stdin(limit: int = MAX_FILE_BYTES) -> str:
    """The model source on standard input, at most `limit` bytes, as a file's."""
    import sys

    return _text(sys.stdin.buffer.read(limit + 1), "stdin", limit)


def _text(data: bytes, where: str, limit: int) -> str:
    """UTF-8 text of at most `limit` bytes (the read asked for one byte more)."""
    if len(data) > limit:
        raise InputError(f"file: {where} has more than the {limit:,} bytes allowed")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"file: {where} is not UTF-8 text (byte {exc.start})") from None


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


def _input_comments(source: str) -> list[Shape]:
    """The `# input <shape>` comment lines of a .py model file: one per input of the forward."""
    shapes = []
    for line in source.splitlines():
        match = _INPUT_LINE.match(line)
        if match:
            shapes.append(parse_shape_text(match.group(1), "# input line"))
    return shapes


def _input_comment(source: str) -> Shape | None:
    """The first `# input <shape>` comment line, if any."""
    shapes = _input_comments(source)
    return shapes[0] if shapes else None


def _load_structured(source: str, suffix: str, path: str) -> Any:
    try:
        if suffix == ".json":
            import json  # here only: a chain on the command line never needs it

            return json.loads(source)
        if suffix == ".toml":
            import tomllib

            return tomllib.loads(source)
        try:
            yaml = importlib.import_module("yaml")  # PyYAML: optional, untyped
        except ImportError:
            raise InputError("file: reading YAML needs PyYAML (pip install pyyaml)") from None
        _check_yaml_size(yaml.compose(source, Loader=yaml.SafeLoader), path)
        return yaml.safe_load(source)
    except InputError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise InputError(f"file: {path} cannot be read ({type(exc).__name__})") from None
    except Exception as exc:  # json, tomllib and yaml each have their own error class
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"file: {path} is not valid {suffix[1:].upper()}: {first}") from None


def _check_yaml_size(root: Any, path: str) -> None:
    """Refuse a YAML file whose aliases expand to more than MAX_YAML_NODES values (a few
    kilobytes of `&a [*b, *b, ...]` can stand for billions), counting each shared node once
    per reference without expanding it."""
    sizes: dict[int, int] = {}

    def size(node: Any) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # a node reached again while counting it: a cycle, counted once
        value = node.value
        total = 1
        if isinstance(value, list):
            for item in value:
                total += sum(size(part) for part in item) if isinstance(item, tuple) else size(item)
                if total > MAX_YAML_NODES:
                    break
        sizes[id(node)] = total
        return total

    if root is not None and size(root) > MAX_YAML_NODES:
        raise InputError(
            f"file: {path} expands to more than {MAX_YAML_NODES:,} values (YAML aliases); "
            "a list of layers never needs that many"
        )


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
