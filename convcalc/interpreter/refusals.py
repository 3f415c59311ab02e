"""The two ways reading a model fails: the file's code is refused at a line and column, or
its forward does not fit the input (PyTorch would raise there)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from convcalc.errors import LayerError
from convcalc.expressions import ExpressionError

if TYPE_CHECKING:
    from convcalc.interpreter.trace import Row


EXPRESSION_LINE = 0  # the line number given to the nodes of the model expression (--model)


def where(node: ast.AST | None) -> str:
    if node is None or not hasattr(node, "lineno"):
        return ""
    column = getattr(node, "col_offset", 0) + 1
    if node.lineno == EXPRESSION_LINE:
        return f"the model expression, column {column}"
    return f"line {node.lineno}, column {column}"


class SourceError(ExpressionError):
    """Code convcalc will not follow, or that fails as Python would: located in the file."""

    def __init__(self, message: str, node: ast.AST | None = None) -> None:
        place = where(node)
        super().__init__(f"{place}: {message}" if place else message)


class ForwardError(LayerError):
    """The forward does not fit its input; `rows` are the calls that ran before it."""

    def __init__(self, message: str, rows: list[Row] | None = None) -> None:
        super().__init__(message)
        self.rows: list[Row] = rows or []
