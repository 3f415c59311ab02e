"""The values a model file computes with, besides Python's own ints, floats, strings, lists,
tuples and dicts: tensors that are only a shape, module objects, the file's functions and
classes, and the torch names it imports."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from convcalc.layers.tensor_ops import Strides, contiguous

if TYPE_CHECKING:
    from convcalc.expressions import Call
    from convcalc.layers import Layer

Shape = tuple[int, ...]


class ShapeInt(int):
    """An int read from a tensor's shape: code that branches on one depends on the input."""

    __slots__ = ()


@dataclass(frozen=True, slots=True, eq=False)
class Tensor:
    """A tensor as convcalc knows it: shape, strides, dtype, and which recorded call made it
    (−1 − k for the model's k-th input)."""

    shape: Shape
    strides: Strides
    dtype: str = "float32"
    source: int = -1
    parameter: bool = False  # an nn.Parameter (counted by the module it is assigned to)

    @staticmethod
    def new(shape: Shape, dtype: str = "float32", source: int = -1) -> Tensor:
        return Tensor(shape, contiguous(shape), dtype, source)


@dataclass(frozen=True, slots=True)
class DType:
    """torch.float32 and friends."""

    name: str


@dataclass(frozen=True, slots=True)
class Device:
    name: str


# How a module object behaves when called, iterated or indexed: the torch base class it has.
BASES = ("Module", "Sequential", "ModuleList", "ModuleDict")


class ModuleObject:
    """An nn.Module instance: a torch layer (`layer` set), a container, or an instance of one
    of the file's nn.Module classes (`user_class` set)."""

    __slots__ = (
        "attributes",
        "base",
        "buffers",
        "call",
        "children",
        "initialized",
        "kind",
        "layer",
        "line",
        "parameters",
        "user_class",
    )

    def __init__(
        self,
        kind: str,
        base: str,
        line: int | None,
        *,
        user_class: UserClass | None = None,
        layer: Layer | None = None,
        call: Call | None = None,
    ) -> None:
        self.kind = kind  # the class name PyTorch would print: Conv2d, BasicBlock, Sequential
        self.base = base  # "layer" or one of BASES
        self.line = line  # where it was built
        self.user_class = user_class
        self.layer = layer
        self.call = call
        self.children: dict[str, ModuleObject | None] = {}
        self.attributes: dict[str, Any] = {}
        self.parameters: dict[str, Shape] = {}  # its own nn.Parameters, by name
        self.buffers: dict[str, Shape] = {}  # its own register_buffer tensors
        # nn.Module.__init__ has run (torch refuses submodules before it)
        self.initialized = user_class is None

    def __repr__(self) -> str:
        return f"<{self.kind} module>"


@dataclass(eq=False)
class Function:
    """A `def` or `lambda` of the file, with the scope it closes over and its defaults."""

    name: str
    node: ast.FunctionDef | ast.Lambda
    scope: Any  # the enclosing Frame
    defaults: tuple[Any, ...]
    kw_defaults: dict[str, Any]
    owner: UserClass | None = None  # the class whose body defined it (for super())
    decorator: str | None = None  # "staticmethod", "classmethod", "property"


@dataclass(eq=False)
class BoundMethod:
    function: Function
    receiver: Any


@dataclass(eq=False)
class UserClass:
    """A class of the file; `base` says which torch base it derives from (None: a plain
    Python class)."""

    name: str
    bases: tuple[Any, ...]
    namespace: dict[str, Any]
    line: int
    base: str | None

    def mro(self) -> list[UserClass]:
        order: list[UserClass] = [self]
        for parent in self.bases:
            if isinstance(parent, UserClass):
                order.extend(c for c in parent.mro() if c not in order)
        return order

    def lookup(self, name: str, after: UserClass | None = None) -> tuple[bool, Any]:
        """(found, value) in the method resolution order, optionally after class `after`."""
        order = self.mro()
        if after is not None and after in order:
            order = order[order.index(after) + 1 :]
        for cls in order:
            if name in cls.namespace:
                return True, cls.namespace[name]
        return False, None

    def subclass_of(self, other: UserClass) -> bool:
        return other in self.mro()


@dataclass(eq=False)
class Instance:
    """An instance of a plain (non-module) class of the file."""

    cls: UserClass
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class SuperProxy:
    """`super()` inside a method of `owner`, for `receiver`."""

    owner: UserClass
    receiver: Any


@dataclass(eq=False)
class Builtin:
    """A function convcalc provides: Python builtins, torch functions, methods of values."""

    name: str
    fn: Callable[..., Any]  # fn(interpreter, node, args, kwargs)
    receiver: Any = None
    records: bool = False  # makes a recorded row (a torch op) when called on tensors


@dataclass(frozen=True, slots=True)
class TorchClass:
    """An nn class (`nn.Conv2d`, `nn.Module`, `nn.Sequential`): called to build a module,
    used in isinstance, and (the containers and nn.Module) as a base class."""

    name: str


@dataclass(frozen=True, slots=True)
class PythonType:
    """int, float, str, bool, list, tuple, dict, set: callable, and usable in isinstance."""

    name: str
    type: type


@dataclass(eq=False)
class Namespace:
    """torch, torch.nn, torch.nn.functional, math, ...: a module the file imports."""

    name: str
    members: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Foreign:
    """A name imported from a module convcalc does not know (numpy, torchvision): the import
    line is never run, and any use of the name is refused there."""

    module: str
    name: str


@dataclass(eq=False)
class Partial:
    """functools.partial(fn, *args, **kwargs)."""

    fn: Any
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


def type_name(value: Any) -> str:
    """How a value is named in messages."""
    if isinstance(value, ModuleObject):
        return value.kind
    if isinstance(value, Tensor):
        return "Tensor"
    if isinstance(value, ShapeInt):
        return "int"
    if isinstance(value, Function | BoundMethod | Builtin | Partial):
        return "function"
    if isinstance(value, UserClass | TorchClass | PythonType):
        return "class"
    if isinstance(value, Instance):
        return value.cls.name
    if isinstance(value, Namespace):
        return "module"
    return type(value).__name__
