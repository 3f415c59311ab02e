"""A safe reader of PyTorch constructor calls: `nn.Conv2d(3, 64, 7, stride=2, padding=3)`.

Parsed with `ast`, never evaluated.  Arguments may only be literals (ints, floats, strings,
bools, None, tuples and lists of them) and integer arithmetic on literals (`256 * 6 * 6`);
anything else is refused with the position of the offending token.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
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
    try:
        return ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise ExpressionError(
            f"expression: invalid syntax at line {exc.lineno}, column {exc.offset}: {exc.msg}"
        ) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExpressionError(f"expression: cannot be read ({type(exc).__name__})") from None


def call_from_node(node: ast.AST, source: str, depth: int = 0) -> Call:
    """A Call from an ast.Call node whose arguments are all literals."""
    if not isinstance(node, ast.Call):
        raise _refuse(node, f"{_describe(node)} where a layer call belongs")
    if depth > MAX_DEPTH:
        raise ExpressionError(f"expression: nested too deeply at {_where(node)}")
    name = _dotted(node.func)
    args = []
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
    text = ast.get_source_segment(source, node) or name
    return Call(
        name=name,
        args=tuple(args),
        kwargs=kwargs,
        text=" ".join(text.split()),
        line=node.lineno,
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
