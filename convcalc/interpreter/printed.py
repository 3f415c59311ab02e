"""The text `print(model)` writes, read as a model:

    Net(
      (conv1): Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))
      (layer1): Sequential(
        (0-1): 2 x BasicBlock(
          (conv1): Conv2d(64, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)
          ...

For an nn.Sequential that text is the whole model.  Any other module's text lists its
children in definition order and shows neither the forward's functional ops nor reuse nor
skips, so it is read as a chain of its layers, with a note saying so.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

from convcalc.errors import ConvcalcError
from convcalc.expressions import MAX_CALLS, Call, ExpressionError
from convcalc.interpreter import bounds
from convcalc.interpreter.machine import Interpreter
from convcalc.interpreter.refusals import ForwardError, SourceError
from convcalc.interpreter.torch_api import python_builtins
from convcalc.interpreter.values import ModuleObject
from convcalc.layers import layer_from_call

Shape = tuple[int, ...]

_HEAD = re.compile(r"^\s*([A-Za-z_][\w.]*)\(\s*$")
_CHILD = re.compile(r"^\s*\(([\w.]+|\d+-\d+)\):\s+(?:(\d+) x )?([A-Za-z_][\w.]*)\((.*)$")
# repr arguments print never puts in a constructor call (UpsamplingNearest2d shows its mode)
_PRINT_ONLY = {"UpsamplingNearest2d": ("mode",), "UpsamplingBilinear2d": ("mode",)}
_MAX_DEPTH = 64


def looks_printed(source: str) -> bool:
    """A `Name(` line first, then `(child): Class(...)` lines: no Python source looks so."""
    lines = [line for line in source.splitlines() if line.strip()]
    return (
        len(lines) >= 2
        and _HEAD.match(lines[0]) is not None
        and any(_CHILD.match(line) for line in lines[1:3])
    )


@dataclass
class _Node:
    kind: str
    line: int
    arguments: str | None = None  # a leaf: the text inside the parentheses
    children: list[tuple[str, int, _Node]] = field(default_factory=list)  # (key, repeat, node)


def _parse(source: str) -> _Node:
    lines = source.splitlines()
    numbered = [(i + 1, line) for i, line in enumerate(lines) if line.strip()]
    head = _HEAD.match(numbered[0][1])
    assert head is not None
    root = _Node(head.group(1), numbered[0][0])
    stack: list[_Node] = [root]
    count = 0
    for number, line in numbered[1:]:
        if not stack:
            raise ExpressionError(f"print(model) text: line {number}: text after the model's ')'")
        text = line.strip()
        if text == ")":
            stack.pop()
            continue
        match = _CHILD.match(line)
        if match is None:
            raise ExpressionError(
                f"print(model) text: line {number}: expected '(name): Class(...)' or ')', got "
                f"{_cut(text)!r}"
            )
        key, repeat, kind, rest = match.groups()
        count += int(repeat or 1)
        if count > MAX_CALLS:
            raise ExpressionError(f"print(model) text: more than {MAX_CALLS:,} modules")
        node = _Node(kind, number)
        stack[-1].children.append((key, int(repeat or 1), node))
        if rest.strip() == "":
            if len(stack) >= _MAX_DEPTH:
                raise ExpressionError(f"print(model) text: line {number}: nested too deeply")
            stack.append(node)
        else:
            if not rest.rstrip().endswith(")"):
                raise ExpressionError(f"print(model) text: line {number}: unbalanced parentheses")
            node.arguments = rest.rstrip()[:-1]
    if stack:
        raise ExpressionError("print(model) text: the model's closing ')' is missing")
    return root


def _value(node: ast.expr, number: int) -> Any:
    """A repr argument: literals, tuples, and bare words (padding_mode=reflect) as strings."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Tuple | ast.List):
        return tuple(_value(e, number) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _value(node.operand, number)
        if isinstance(value, int | float):
            return -value
    raise ExpressionError(f"print(model) text: line {number}: cannot read {ast.unparse(node)!r}")


def _leaf(node: _Node) -> ModuleObject:
    assert node.arguments is not None
    text = f"{node.kind}({node.arguments})"
    try:
        tree = ast.parse(f"f({node.arguments})", mode="eval")
    except SyntaxError:
        raise ExpressionError(
            f"print(model) text: line {node.line}: cannot read {_cut(text)!r}"
        ) from None
    call_node = tree.body
    assert isinstance(call_node, ast.Call)
    args = [_value(a, node.line) for a in call_node.args]
    kwargs = {k.arg: _value(k.value, node.line) for k in call_node.keywords if k.arg}
    for name in _PRINT_ONLY.get(node.kind, ()):
        kwargs.pop(name, None)
    if node.kind.startswith("Lazy"):
        kwargs.pop("in_features", None)  # torch prints 0 for the size it waits for
        if args and args[0] == 0 and not node.kind.startswith("LazyLinear"):
            args = args[1:]
    call = Call(node.kind, tuple(args), kwargs, text, node.line, 1)
    try:
        layer = layer_from_call(call)
    except ConvcalcError as exc:
        raise ExpressionError(f"print(model) text: line {node.line}: {exc}") from None
    return ModuleObject(layer.torch_name, "layer", node.line, layer=layer, call=call)


def _build(node: _Node, depth: int = 0) -> ModuleObject:
    if node.arguments is not None:
        return _leaf(node)
    if node.kind in ("FractionalMaxPool2d", "FractionalMaxPool3d"):
        raise ExpressionError(f"print(model) text: line {node.line}: {node.kind} prints no sizes")
    container = ModuleObject(node.kind, "Sequential", node.line)
    for key, repeat, child in node.children:
        if repeat > 1 or "-" in key:
            first = int(key.split("-")[0])
            for index in range(first, first + repeat):
                container.children[str(index)] = _build(child, depth + 1)
        else:
            container.children[key] = _build(child, depth + 1)
    return container


def trace_printed(source: str, inputs: list[Shape]) -> Any:
    """Build the printed model and run its chain on `inputs`."""
    from convcalc.interpreter import _forward

    root = _build(_parse(source))
    interp = Interpreter(ast.Module(body=[], type_ignores=[]), python_builtins())
    whole = root.kind == "Sequential"
    note = (
        "read from print(model) text: an nn.Sequential, the whole model"
        if whole
        else "read from print(model) text as a chain of its layers in order: the text shows no "
        "forward (no torch.flatten or F.relu, no reuse, no skips); give the source for those"
    )
    try:
        traced = _forward(interp, root, root.kind, inputs, "float32", pasted=False, form="printed")
    except ForwardError as exc:
        if not whole:
            exc.args = (
                f"{exc}; print(model) text cannot show the forward (a torch.flatten, a skip, a "
                "functional op may belong here): give the model's source (--file model.py)",
            )
        raise
    traced.notes.insert(0, note)
    return traced


def _cut(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


__all__ = ["SourceError", "bounds", "looks_printed", "trace_printed"]
