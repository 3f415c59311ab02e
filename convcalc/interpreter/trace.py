"""What a forward did, call by call: the rows `convcalc net` prints, in execution order.

A row is a module call (a torch layer, or a module holding others: rows follow it one level
deeper until it returns) or a tensor op (`F.relu`, `torch.cat`, `x.view`, `x + y`).  Each
row knows the rows that made its input tensors (`sources`), so skip connections are edges
from a row other than the one just before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from convcalc.interpreter.bounds import MAX_ROWS, BoundExceeded
from convcalc.layers.base import Effect

if TYPE_CHECKING:
    from convcalc.expressions import Call
    from convcalc.layers import Layer

Shape = tuple[int, ...]
Role = Literal["layer", "module", "op"]


@dataclass
class Row:
    index: int
    name: str  # dotted module path (layer1.0.conv1), or the op as called (F.relu, view, +)
    kind: str  # Conv2d, BasicBlock, Sequential; for ops the torch function (F.relu, Tensor.view)
    role: Role
    depth: int  # 1: called by the model's own forward
    parent: int | None  # the module row this one runs inside
    inputs: tuple[Shape, ...]
    sources: tuple[int, ...]  # the row that made each input; −1 − k: the model's input k
    line: int | None
    column: int | None
    outputs: tuple[Shape, ...] = ()
    effect: Effect | None = None  # a layer's or op's own numbers
    layer: Layer | None = None
    call: Call | None = None  # the constructor call of a layer
    module: int | None = None  # identity of the module object (a repeat call shares it)
    repeat: bool = False  # the module was called before: its params are counted there
    params: int = 0  # own parameters counted on this row (0 on a repeat)
    buffers: int = 0
    warnings: list[str] = field(default_factory=list)


class Recorder:
    """Rows as the forward runs; `active` only while the model's own forward runs."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.stack: list[int] = []
        self.called: set[int] = set()
        self.active = False

    @property
    def depth(self) -> int:
        return len(self.stack) + 1

    def add(
        self,
        name: str,
        kind: str,
        role: Role,
        inputs: tuple[Shape, ...],
        sources: tuple[int, ...],
        line: int | None,
        column: int | None,
        *,
        module: int | None = None,
    ) -> Row:
        if len(self.rows) >= MAX_ROWS:
            raise BoundExceeded(
                f"more than {MAX_ROWS:,} module calls and tensor ops in one forward"
            )
        repeat = module is not None and module in self.called
        if module is not None:
            self.called.add(module)
        row = Row(
            index=len(self.rows),
            name=name,
            kind=kind,
            role=role,
            depth=self.depth,
            parent=self.stack[-1] if self.stack else None,
            inputs=inputs,
            sources=sources,
            line=line,
            column=column,
            module=module,
            repeat=repeat,
        )
        self.rows.append(row)
        return row

    def open(self, row: Row) -> None:
        self.stack.append(row.index)

    def close(self, row: Row, outputs: tuple[Shape, ...]) -> None:
        row.outputs = outputs
        if self.stack and self.stack[-1] == row.index:
            self.stack.pop()
