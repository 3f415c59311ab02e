"""A safe reader of PyTorch constructor calls: `nn.Conv2d(3, 64, 7, stride=2, padding=3)`.

Parsed with `ast`, never evaluated.  Arguments may only be literals (ints, floats, strings,
bools, None, tuples and lists of them) and integer arithmetic on literals (`256 * 6 * 6`);
anything else is refused with the position of the offending token.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from convcalc.errors import ConvcalcError
from convcalc.kinds import FAMILY_PREFIX

if TYPE_CHECKING:
    from convcalc.specs import LayerSpec

MAX_SOURCE = 1_000_000  # characters: a model file, not a data dump
MAX_DEPTH = 50  # nesting of calls, tuples and expressions
MAX_INT_BITS = 64  # literals and arithmetic results; shapes never need more


class ExpressionError(ConvcalcError):
    """A layer expression convcalc will not read; the message gives line and column."""


@dataclass(frozen=True)
class Call:
    """One constructor call as written: its dotted name, literal arguments and position."""

    name: str  # as written, e.g. "nn.Conv2d"
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(hash=False)
    text: str  # the source segment of the call
    line: int  # 1-based
    column: int  # 1-based

    @property
    def class_name(self) -> str:
        """'torch.nn.Conv2d' → 'Conv2d'."""
        return self.name.rsplit(".", 1)[-1]


def _where(node: ast.AST) -> str:
    line = getattr(node, "lineno", 1)
    column = getattr(node, "col_offset", 0) + 1
    return f"line {line}, column {column}"


def _refuse(node: ast.AST, what: str) -> ExpressionError:
    return ExpressionError(
        f"expression: {what} at {_where(node)}; only literal arguments "
        "(numbers, strings, True/False/None, tuples) are allowed"
    )


def _dotted(node: ast.expr) -> str:
    """The dotted name of a call target: Conv2d, nn.Conv2d, torch.nn.Conv2d."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    raise _refuse(node, f"a call target that is not a plain name ({type(node).__name__})")


def _check_int(value: Any, node: ast.AST) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise ExpressionError(f"expression: integer too large at {_where(node)}")
    return value


_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
}


def literal(node: ast.AST, depth: int = 0) -> Any:
    """The value of a literal expression node, or ExpressionError naming where it is not."""
    if type(node) is ast.Constant and type(node.value) is int:  # the common case, first
        return _check_int(node.value, node)
    if depth > MAX_DEPTH:
        raise ExpressionError(f"expression: nested too deeply at {_where(node)}")
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool | int | float | str) or node.value is None:
            return _check_int(node.value, node)
        raise _refuse(node, f"a {type(node.value).__name__} constant")
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(literal(item, depth + 1) for item in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = literal(node.operand, depth + 1)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _refuse(node, "a sign on a non-number")
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = literal(node.left, depth + 1), literal(node.right, depth + 1)
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
        if not numbers:
            raise _refuse(node, "arithmetic on something other than numbers")
        try:
            return _check_int(_BINARY[type(node.op)](left, right), node)
        except ZeroDivisionError:
            raise ExpressionError(f"expression: division by zero at {_where(node)}") from None
    raise _refuse(node, _describe(node))


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return f"the name {node.id!r}"
    if isinstance(node, ast.Attribute):
        return "an attribute access"
    if isinstance(node, ast.Call):
        return "a call"
    if isinstance(node, ast.Lambda):
        return "a lambda"
    if isinstance(node, ast.BinOp):
        return f"the operator {type(node.op).__name__}"
    return f"a {type(node).__name__} expression"


def parse_tree(source: str, mode: str = "eval") -> ast.AST:
    """ast.parse with the limits that keep hostile input from hanging or crashing us."""
    if len(source) > MAX_SOURCE:
        raise ExpressionError(
            f"expression: {len(source):,} characters is more than the {MAX_SOURCE:,} allowed"
        )
    tree, error = _parse(source, mode)
    if error is not None:
        raise ExpressionError(error)
    assert tree is not None
    return tree


@lru_cache(maxsize=2)
def _parse(source: str, mode: str) -> tuple[ast.AST | None, str | None]:
    """The tree or the refusal; kept, since a model file is read as a chain first and then,
    if it is not one, by the interpreter (the trees are never modified)."""
    try:
        return ast.parse(source, mode=mode), None
    except SyntaxError as exc:
        where = f" at line {exc.lineno}, column {exc.offset}" if exc.lineno is not None else ""
        return None, f"expression: invalid syntax{where}: {exc.msg}"
    except (RecursionError, MemoryError, ValueError) as exc:
        return None, f"expression: cannot be read ({type(exc).__name__})"


@lru_cache(maxsize=4)
def _source_lines(source: str) -> list[str]:
    # the tokenizer's line ends only (str.splitlines also splits on \f, \x1c, \u2028, ...)
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", source)


def _source_segment(source: str, node: ast.expr) -> str | None:
    """ast.get_source_segment, with the source split into lines once rather than per call
    (a file of 10,000 calls would otherwise take minutes)."""
    end_line, end_col = node.end_lineno, node.end_col_offset
    if end_line is None or end_col is None:
        return None
    lines = _source_lines(source)
    first, last = node.lineno - 1, end_line - 1
    if first == last:
        return lines[first].encode()[node.col_offset : end_col].decode()
    head = lines[first].encode()[node.col_offset :].decode()
    tail = lines[last].encode()[:end_col].decode()
    return "".join([head, *lines[first + 1 : last], tail])


# the same call text reads to the same literals: a file repeating a layer 10,000 times is
# read once per distinct line (only successes are kept; each refusal names its own place)
_READ: dict[str, tuple[str, tuple[Any, ...], dict[str, Any]]] = {}
_MAX_READ = 4096


def call_from_node(node: ast.AST, source: str, depth: int = 0, first_line: int = 1) -> Call:
    """A Call from an ast.Call node whose arguments are all literals (`source` is the text
    the node was parsed from, whose first line is line `first_line` of the file)."""
    if not isinstance(node, ast.Call):
        raise _refuse(node, f"{_describe(node)} where a layer call belongs")
    if depth > MAX_DEPTH:
        raise ExpressionError(f"expression: nested too deeply at {_where(node)}")
    segment = _source_segment(source, node)
    if segment is not None and segment in _READ:
        known_name, known_args, known_kwargs = _READ[segment]
        return Call(
            known_name,
            known_args,
            dict(known_kwargs),
            " ".join(segment.split()),
            node.lineno + first_line - 1,
            node.col_offset + 1,
        )
    name = _dotted(node.func)
    args: list[Any] = []
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise _refuse(arg, "*arguments")
        args.append(literal(arg, depth + 1))
    kwargs: dict[str, Any] = {}
    for keyword in node.keywords:
        if keyword.arg is None:
            raise _refuse(keyword.value, "**arguments")
        if keyword.arg in kwargs:
            raise ExpressionError(f"expression: {keyword.arg}= given twice at {_where(keyword)}")
        kwargs[keyword.arg] = literal(keyword.value, depth + 1)
    if segment is not None:
        if len(_READ) >= _MAX_READ:
            _READ.clear()
        _READ[segment] = (name, tuple(args), dict(kwargs))
    text = segment or name
    return Call(
        name=name,
        args=tuple(args),
        kwargs=kwargs,
        text=" ".join(text.split()),
        line=node.lineno + first_line - 1,
        column=node.col_offset + 1,
    )


def parse_call(text: str) -> Call:
    """One constructor call, e.g. 'nn.Conv2d(3, 64, 7, stride=2, padding=3)'."""
    tree = parse_tree(text.strip())
    assert isinstance(tree, ast.Expression)
    return call_from_node(tree.body, text.strip())


# --- binding a call to a convcalc layer spec --------------------------------------------------

# PyTorch's positional parameter order for the layers `shape` knows (torch/nn/modules/*.py).
_CONV = (
    "in_channels",
    "out_channels",
    "kernel_size",
    "stride",
    "padding",
    "dilation",
    "groups",
    "bias",
    "padding_mode",
    "device",
    "dtype",
)
_CONV_T = (
    "in_channels",
    "out_channels",
    "kernel_size",
    "stride",
    "padding",
    "output_padding",
    "groups",
    "bias",
    "dilation",
    "padding_mode",
    "device",
    "dtype",
)
_MAX = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")
_AVG1 = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")
_AVG = (*_AVG1, "divisor_override")
SIGNATURES: dict[str, tuple[str, ...]] = {}
for _dims in (1, 2, 3):
    SIGNATURES[f"Conv{_dims}d"] = _CONV
    SIGNATURES[f"ConvTranspose{_dims}d"] = _CONV_T
    SIGNATURES[f"MaxPool{_dims}d"] = _MAX
    SIGNATURES[f"AvgPool{_dims}d"] = _AVG1 if _dims == 1 else _AVG
    SIGNATURES[f"AdaptiveAvgPool{_dims}d"] = ("output_size",)
    SIGNATURES[f"AdaptiveMaxPool{_dims}d"] = ("output_size", "return_indices")

# Accepted for fidelity to real model code, and ignored: they do not change shapes.
IGNORED_ARGUMENTS = frozenset({"device", "dtype"})


def bind(call: Call, signature: tuple[str, ...]) -> dict[str, Any]:
    """Positional and keyword arguments → keyword arguments, as Python would bind them."""
    if len(call.args) > len(signature):
        raise ExpressionError(
            f"{call.class_name}: takes at most {len(signature)} positional arguments, "
            f"got {len(call.args)} (line {call.line}, column {call.column})"
        )
    bound = dict(zip(signature, call.args, strict=False))
    for key, value in call.kwargs.items():
        if key not in signature:
            raise ExpressionError(
                f"{call.class_name}: unexpected argument {key}= (line {call.line}, column "
                f"{call.column}); it takes {', '.join(signature)}"
            )
        if key in bound:
            raise ExpressionError(f"{call.class_name}: {key} given twice (line {call.line})")
        bound[key] = value
    return {k: v for k, v in bound.items() if k not in IGNORED_ARGUMENTS}


def spec_from_call(call: Call) -> LayerSpec:
    """The convcalc spec for a conv / transposed conv / pooling constructor call."""
    from convcalc.specs import make_spec

    signature = SIGNATURES.get(call.class_name)
    if signature is None:
        known = ", ".join(f"{p}{d}d" for p in FAMILY_PREFIX.values() for d in (1, 2, 3))
        raise ExpressionError(f"unknown layer {call.class_name!r}; known here: {known}")
    return make_spec(call.class_name, **bind(call, signature))


# --- sources holding several calls: nn.Sequential(...), one call per line -------------------

CONTAINERS = frozenset({"Sequential"})
MAX_CALLS = 10_000  # layers in one model; a real network has hundreds


def _is_container(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    try:
        return _dotted(node.func).rsplit(".", 1)[-1] in CONTAINERS
    except ExpressionError:
        return False


def _ordered_dict_items(node: ast.Call) -> list[ast.expr] | None:
    """The modules of `OrderedDict([("conv1", Conv2d(...)), ...])`, names dropped."""
    try:
        name = _dotted(node.func)
    except ExpressionError:
        return None
    if name.rsplit(".", 1)[-1] != "OrderedDict" or node.keywords or len(node.args) != 1:
        return None
    items = node.args[0]
    if not isinstance(items, ast.List | ast.Tuple):
        return None
    modules = []
    for item in items.elts:
        if not (
            isinstance(item, ast.Tuple)
            and len(item.elts) == 2
            and isinstance(literal(item.elts[0]), str)
        ):
            raise _refuse(item, "an OrderedDict entry that is not a (name, layer) pair")
        modules.append(item.elts[1])
    return modules


def _expand(node: ast.AST, source: str, calls: list[Call], depth: int, first_line: int = 1) -> None:
    """Append the layer calls `node` stands for: a call, or a container of them."""
    if depth > MAX_DEPTH:
        raise ExpressionError(f"expression: nested too deeply at {_where(node)}")
    if len(calls) >= MAX_CALLS:
        raise ExpressionError(f"expression: more than {MAX_CALLS:,} layers at {_where(node)}")
    if isinstance(node, ast.Tuple | ast.List):
        for item in node.elts:
            _expand(item, source, calls, depth + 1, first_line)
        return
    if _is_container(node):
        assert isinstance(node, ast.Call)
        if node.keywords:
            raise _refuse(node.keywords[0].value, "a keyword argument to nn.Sequential")
        args: list[ast.expr] = list(node.args)
        if len(args) == 1 and isinstance(args[0], ast.Call):
            args = _ordered_dict_items(args[0]) or args
        for arg in args:
            if isinstance(arg, ast.Starred):
                raise _refuse(arg, "*arguments")
            _expand(arg, source, calls, depth + 1, first_line)
        return
    calls.append(call_from_node(node, source, depth, first_line))


def parse_calls(text: str) -> list[Call]:
    """The layers of one expression: a call, an `nn.Sequential(...)`, or calls separated by
    commas (a trailing comma, as copied out of a Sequential, is fine)."""
    source = text.strip()
    if source.endswith(","):
        source = source[:-1]
    tree = parse_tree(source)
    assert isinstance(tree, ast.Expression)
    calls: list[Call] = []
    _expand(tree.body, source, calls, 0)
    return calls


def _article(word: str) -> str:
    return f"{'an' if word[:1] in 'AEIOU' else 'a'} {word}"


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _statement_calls(statement: ast.stmt, source: str, calls: list[Call], first_line: int) -> None:
    if isinstance(statement, ast.Import | ast.ImportFrom) or _is_docstring(statement):
        return
    if isinstance(statement, ast.Expr) or (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        _expand(statement.value, source, calls, 0, first_line)
        return
    raise ExpressionError(
        f"expression: {_article(type(statement).__name__)} statement at {_where(statement)}; "
        "a model file holds layer calls or one nn.Sequential(...), nothing else"
    )


def _calls_line_by_line(source: str) -> list[Call] | None:
    """parse_module's calls when every line of `source` is a statement by itself (one call
    per line), parsing each distinct line once: a file repeating a layer 10,000 times is
    parsed in one line's time rather than the whole file's.  None when a line does not stand
    alone or anything is refused: the whole file is then read at once, which names the place
    of the refusal."""
    if len(source) > MAX_SOURCE:
        return None
    trees: dict[str, ast.AST | None] = {}
    calls: list[Call] = []
    try:
        for number, line in enumerate(_source_lines(source), start=1):
            text = line.rstrip("\r\n")
            if not text.strip() or text.lstrip().startswith("#"):
                continue
            if text not in trees:
                trees[text] = _parse(text, "exec")[0]
            tree = trees[text]
            if not isinstance(tree, ast.Module):
                return None
            for statement in tree.body:
                _statement_calls(statement, text, calls, number)
    except ExpressionError:
        return None
    return calls or None


def parse_module(source: str) -> list[Call]:
    """The layers of a model file: one `nn.Sequential(...)` (bare or assigned to a name) or
    one call per line.  `import` lines are skipped (never run); anything else is refused."""
    calls = _calls_line_by_line(source)
    if calls is not None:
        return calls
    tree = parse_tree(source, mode="exec")
    assert isinstance(tree, ast.Module)
    calls = []
    for statement in tree.body:
        _statement_calls(statement, source, calls, 1)
    if not calls:
        raise ExpressionError("expression: no layer calls found")
    return calls
