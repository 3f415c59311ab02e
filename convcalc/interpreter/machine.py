"""A bounded interpreter for model files, over `ast`: one `on_<Node>` method per construct it
follows, every other construct refused by name (asteval's design).  Nothing in the file is
run by Python: names live in the interpreter's own frames, imports are never performed, and
every loop, call and container is counted against `bounds`.

Values are Python's own numbers, strings, lists, tuples and dicts, plus the values of
`interpreter.values`: tensors are shapes, and calling a module or a torch function applies the
shape rules of `convcalc.layers` (the layers never see any of this).
"""

from __future__ import annotations

import ast
import functools
import operator
import re
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

from convcalc.errors import ConvcalcError, LayerError
from convcalc.interpreter import bounds, modules, torch_api
from convcalc.interpreter.bounds import BoundExceeded, Budget
from convcalc.interpreter.refusals import ForwardError, SourceError
from convcalc.interpreter.trace import Recorder
from convcalc.interpreter.values import (
    BoundMethod,
    Builtin,
    Device,
    DType,
    Foreign,
    Function,
    Instance,
    ModuleObject,
    Namespace,
    Partial,
    PythonType,
    ShapeInt,
    SuperProxy,
    Tensor,
    TorchClass,
    UserClass,
    type_name,
)
from convcalc.notation import shape_text


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class Frame:
    """Names of one scope; `parent` is the scope a function closes over."""

    __slots__ = ("function", "parent", "vars")

    def __init__(
        self, names: dict[str, Any], parent: Frame | None, function: Function | None = None
    ) -> None:
        self.vars = names
        self.parent = parent
        self.function = function


# Python's own failures while following the file's code: reported as the file's error
_PYTHON_ERRORS = (
    TypeError,
    ZeroDivisionError,
    IndexError,
    KeyError,
    ValueError,
    OverflowError,
    AttributeError,
    StopIteration,
)

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
BINARY_NAMES: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
}
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
}
# builtins that would run code or reach outside the file: refused by name
FORBIDDEN = frozenset(
    {
        "eval",
        "exec",
        "compile",
        "open",
        "getattr",
        "setattr",
        "delattr",
        "__import__",
        "globals",
        "locals",
        "vars",
        "dir",
        "input",
        "breakpoint",
        "memoryview",
        "type",
        "object",
        "help",
        "exit",
        "quit",
    }
)
_FORMAT_NUMBER = re.compile(r"\d+")


def _defined_names(tree: ast.AST) -> frozenset[str]:
    """Every name the file itself defines: its functions, classes, arguments, variables and
    attributes it assigns (`self._x = ...`); private attributes outside these are refused."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return frozenset(n for n in names if not (n.startswith("__") and n.endswith("__")))


class Interpreter:
    """Runs a parsed model file's module body, then builds and calls its model."""

    def __init__(self, tree: ast.Module, builtins: dict[str, Any]) -> None:
        self.tree = tree
        self.budget = Budget()
        self.nesting = 0
        self.call_depth = 0
        self.defined = _defined_names(tree)
        self.builtins = builtins
        self.globals = Frame({}, None)
        self.frame = self.globals
        self.recorder = Recorder()
        self.paths: dict[int, str] = {}
        self.root: ModuleObject | None = None  # the model: its own call is not a row
        self.shape_reads = 0  # shape-derived values used: a branch on them depends on the input
        self.branches: dict[tuple[int, int], tuple[str, set[bool]]] = {}
        self.node: ast.AST | None = None  # the innermost node being evaluated
        self.warnings: list[str] = []
        self.statements: dict[type[ast.AST], Callable[[Any], None]] = {}
        self.expressions: dict[type[ast.AST], Callable[[Any], Any]] = {}
        for attr in dir(self):
            if attr.startswith("on_"):
                node_type = getattr(ast, attr[3:], None)
                if node_type is None:
                    continue
                target = self.statements if issubclass(node_type, ast.stmt) else self.expressions
                target[node_type] = getattr(self, attr)

    # --- errors -----------------------------------------------------------------------------

    def fail(self, message: str, node: ast.AST | None = None) -> NoReturn:
        raise SourceError(message, node if node is not None else self.node)

    # --- statements -------------------------------------------------------------------------

    def run_module(self) -> None:
        self.exec_block(self.tree.body)

    def exec_block(self, body: list[ast.stmt]) -> None:
        for statement in body:
            self.exec(statement)

    def exec(self, node: ast.stmt) -> None:
        self.node = node
        try:
            self.budget.tick()
        except BoundExceeded as exc:
            self.fail(str(exc), node)
        handler = self.statements.get(type(node))
        if handler is None:
            self.fail(f"{_article(type(node).__name__)} statement is not followed by convcalc")
        self.nesting += 1
        if self.nesting > bounds.MAX_NESTING:
            self.fail(f"nested more than {bounds.MAX_NESTING} levels deep", node)
        try:
            handler(node)
        except BoundExceeded as exc:
            self.fail(str(exc), node)
        finally:
            self.nesting -= 1

    def on_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Constant):
            return  # a docstring
        self.eval(node.value)

    def on_Pass(self, node: ast.Pass) -> None:
        pass

    def on_Break(self, node: ast.Break) -> None:
        raise _Break

    def on_Continue(self, node: ast.Continue) -> None:
        raise _Continue

    def on_Return(self, node: ast.Return) -> None:
        raise _Return(None if node.value is None else self.eval(node.value))

    def on_Assign(self, node: ast.Assign) -> None:
        value = self.eval(node.value)
        for target in node.targets:
            self.assign(target, value)

    def on_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:  # the annotation is never evaluated
            self.assign(node.target, self.eval(node.value))

    def on_AugAssign(self, node: ast.AugAssign) -> None:
        current = self.eval(_load(node.target))
        value = self.eval(node.value)
        result = self.binary(node.op, current, value, node, inplace=True)
        self.assign(node.target, result)

    def on_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                if target.id not in self.frame.vars:
                    self.fail(f"name {target.id!r} is not defined here", target)
                del self.frame.vars[target.id]
            elif isinstance(target, ast.Subscript):
                container = self.eval(target.value)
                key = self.eval(target.slice)
                if isinstance(container, list | dict):
                    self.python(functools.partial(operator.delitem, container, key), target)
                else:
                    self.fail(f"cannot delete items of {type_name(container)}", target)
            else:
                self.fail("only names and items can be deleted", target)

    def on_If(self, node: ast.If) -> None:
        if self.test(node.test, node):
            self.exec_block(node.body)
        else:
            self.exec_block(node.orelse)

    def on_While(self, node: ast.While) -> None:
        while self.test(node.test, node):
            self.budget.tick()
            try:
                self.exec_block(node.body)
            except _Break:
                return
            except _Continue:
                continue
        self.exec_block(node.orelse)

    def on_For(self, node: ast.For) -> None:
        for item in self.iterate(self.eval(node.iter), node.iter):
            self.budget.tick()
            self.assign(node.target, item)
            try:
                self.exec_block(node.body)
            except _Break:
                return
            except _Continue:
                continue
        self.exec_block(node.orelse)

    def on_Assert(self, node: ast.Assert) -> None:
        if not self.test(node.test, node):
            message = "" if node.msg is None else f": {self.text(self.eval(node.msg))}"
            self.fail(f"the model's assert fails here{message}", node)

    def on_Raise(self, node: ast.Raise) -> None:
        what = ast.unparse(node.exc) if node.exc is not None else "an exception"
        self.fail(f"the model raises {_short(what)} here", node)

    def on_Try(self, node: ast.Try) -> None:
        # convcalc raises no Python exceptions for the file to catch: handlers never run
        try:
            self.exec_block(node.body)
            self.exec_block(node.orelse)
        finally:
            self.exec_block(node.finalbody)

    def on_With(self, node: ast.With) -> None:
        for item in node.items:
            context = self.eval(item.context_expr)
            if not (isinstance(context, Builtin) and context.name == "context"):
                self.fail(
                    f"'with {_short(ast.unparse(item.context_expr))}' is not followed (only "
                    "torch.no_grad() and the like are)",
                    item.context_expr,
                )
            if item.optional_vars is not None:
                self.assign(item.optional_vars, None)
        self.exec_block(node.body)

    def on_Global(self, node: ast.Global) -> None:
        self.fail("'global' is not followed by convcalc", node)

    def on_Nonlocal(self, node: ast.Nonlocal) -> None:
        self.fail("'nonlocal' is not followed by convcalc", node)

    def on_Import(self, node: ast.Import) -> None:

        for alias in node.names:
            if alias.asname is None:
                top = alias.name.split(".")[0]
                self.frame.vars[top] = torch_api.import_module(top, top)
            else:
                self.frame.vars[alias.asname] = torch_api.import_module(alias.name, alias.asname)

    def on_ImportFrom(self, node: ast.ImportFrom) -> None:

        if node.level:
            for alias in node.names:
                name = alias.asname or alias.name
                self.frame.vars[name] = Foreign("." * node.level + (node.module or ""), name)
            return
        for alias in node.names:
            if alias.name == "*":
                self.fail(f"'from {node.module} import *' is not followed; import names", node)
            self.frame.vars[alias.asname or alias.name] = torch_api.import_from(
                node.module or "", alias.name
            )

    def on_FunctionDef(self, node: ast.FunctionDef) -> None:
        decorator = None
        for expression in node.decorator_list:
            value = self.eval(expression)
            if isinstance(value, Builtin) and value.name in (
                "staticmethod",
                "classmethod",
                "property",
            ):
                decorator = value.name
            elif isinstance(value, Builtin) and value.name in ("ignored decorator", "context"):
                continue
            else:
                self.fail(f"the decorator @{_short(ast.unparse(expression))} is not followed")
        function = self.function(node, node.name)
        function.decorator = decorator
        self.frame.vars[node.name] = function

    def function(self, node: ast.FunctionDef | ast.Lambda, name: str) -> Function:
        arguments = node.args
        defaults = tuple(self.eval(d) for d in arguments.defaults)
        kw_defaults = {
            a.arg: self.eval(d)
            for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
            if d is not None
        }
        # methods close over the scope around the class, not the class body (as in Python)
        scope = self.frame
        owner = scope.vars.get("__class_being_built__")
        if owner is not None:
            scope = scope.parent or self.globals
        return Function(name, node, scope, defaults, kw_defaults, owner=owner)

    def on_ClassDef(self, node: ast.ClassDef) -> None:
        if node.keywords:
            self.fail("class keywords (metaclass=...) are not followed", node)
        if node.decorator_list:
            self.fail("class decorators are not followed", node.decorator_list[0])
        bases = tuple(self.eval(b) for b in node.bases)
        torch_base: str | None = None
        for base, expression in zip(bases, node.bases, strict=True):
            if isinstance(base, UserClass):
                torch_base = torch_base or base.base
            elif isinstance(base, TorchClass) and base.name in ("Module", *_CONTAINERS):
                torch_base = base.name if base.name != "Module" else torch_base or "Module"
            elif isinstance(base, PythonType) and base.name == "object":
                continue
            else:
                self.fail(
                    f"class {node.name} derives from {_short(ast.unparse(expression))}, which "
                    "convcalc does not follow (nn.Module, its containers and the file's own "
                    "classes are)",
                    expression,
                )
        cls = UserClass(node.name, bases, {}, node.lineno, torch_base)
        outer = self.frame
        self.frame = Frame({"__class_being_built__": cls}, outer)
        try:
            self.exec_block(node.body)
        finally:
            body = self.frame.vars
            self.frame = outer
        body.pop("__class_being_built__")
        for value in body.values():
            if isinstance(value, Function) and value.owner is None:
                value.owner = cls
        cls.namespace.update(body)
        self.frame.vars[node.name] = cls

    # --- assignment -------------------------------------------------------------------------

    def assign(self, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.frame.vars[target.id] = value
        elif isinstance(target, ast.Attribute):
            self.set_attribute(self.eval(target.value), target.attr, value, target)
        elif isinstance(target, ast.Subscript):
            self.set_item(self.eval(target.value), self.eval(target.slice), value, target)
        elif isinstance(target, ast.Tuple | ast.List):
            self.unpack(target.elts, value, target)
        else:
            self.fail(f"cannot assign to {type(target).__name__}", target)

    def unpack(self, targets: list[ast.expr], value: Any, node: ast.AST) -> None:
        items = self.items(value, node)
        starred = [i for i, t in enumerate(targets) if isinstance(t, ast.Starred)]
        if starred:
            i = starred[0]
            after = len(targets) - i - 1
            if len(items) < len(targets) - 1:
                self.fail(f"not enough values to unpack (got {len(items)})", node)
            head, middle = items[:i], items[i : len(items) - after]
            tail = items[len(items) - after :]
            for t, v in zip(targets[:i], head, strict=True):
                self.assign(t, v)
            star = targets[i]
            assert isinstance(star, ast.Starred)
            self.assign(star.value, list(middle))
            for t, v in zip(targets[i + 1 :], tail, strict=True):
                self.assign(t, v)
            return
        if len(items) != len(targets):
            self.fail(f"cannot unpack {len(items)} values into {len(targets)} names", node)
        for t, v in zip(targets, items, strict=True):
            self.assign(t, v)

    def set_attribute(self, obj: Any, name: str, value: Any, node: ast.AST) -> None:
        self.check_attribute(name, node)
        if isinstance(obj, ModuleObject):
            modules.set_attribute(self, obj, name, value, node)
        elif isinstance(obj, Instance):
            obj.attributes[name] = value
        elif isinstance(obj, Tensor) and name in ("requires_grad", "data"):
            return  # freezing or re-initialising weights: shapes stay
        else:
            self.fail(f"cannot set attribute {name!r} on {type_name(obj)}", node)

    def set_item(self, obj: Any, key: Any, value: Any, node: ast.AST) -> None:
        if isinstance(obj, list):
            self.python(lambda: obj.__setitem__(key, value), node)
            if len(obj) > bounds.MAX_ITEMS:
                self.fail(f"a list of more than {bounds.MAX_ITEMS:,} elements", node)
        elif isinstance(obj, dict):
            self.budget.allocate(1)
            obj[key] = value
        elif isinstance(obj, ModuleObject):
            modules.set_item(self, obj, key, value, node)
        elif isinstance(obj, Tensor):
            return  # writing values into a tensor: its shape stays
        else:
            self.fail(f"{type_name(obj)} does not support item assignment", node)

    # --- expressions ------------------------------------------------------------------------

    def eval(self, node: ast.expr) -> Any:
        handler = self.expressions.get(type(node))
        if handler is None:
            self.fail(f"{_article(_describe(node))} is not followed by convcalc", node)
        self.nesting += 1
        if self.nesting > bounds.MAX_NESTING:
            self.fail(f"nested more than {bounds.MAX_NESTING} levels deep", node)
        budget = self.budget
        budget.evaluations += 1
        if not budget.evaluations % bounds.CLOCK_EVERY:
            try:
                budget.clock()
            except BoundExceeded as exc:
                self.fail(str(exc), node)
        previous = self.node
        self.node = node
        try:
            return handler(node)
        except (ConvcalcError, _Return, _Break, _Continue):
            raise
        except BoundExceeded as exc:
            self.fail(str(exc), node)
        except RecursionError:
            self.fail("nested too deeply", node)
        except _PYTHON_ERRORS as exc:
            self.fail(f"{type(exc).__name__}: {_short(str(exc))}", node)
        finally:
            self.nesting -= 1
            self.node = previous

    def python(self, thunk: Callable[[], Any], node: ast.AST) -> Any:
        """A Python operation on the file's values, its failure reported as the file's."""
        try:
            return thunk()
        except _PYTHON_ERRORS as exc:
            self.fail(f"{type(exc).__name__}: {_short(str(exc))}", node)

    def on_Constant(self, node: ast.Constant) -> Any:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            return value
        if isinstance(value, int):
            return self.check_int(value, node)
        if isinstance(value, float | str):
            return value
        self.fail(f"a {type(value).__name__} constant is not followed", node)

    def on_Name(self, node: ast.Name) -> Any:
        name = node.id
        if name.startswith("__") and name.endswith("__"):
            if name == "__name__":
                return "__convcalc__"  # so `if __name__ == "__main__":` blocks never run
            if name in FORBIDDEN:
                self.fail(f"{name}() is not allowed: convcalc reads the file, it runs nothing")
            self.fail(f"the name {name!r} is not available", node)
        frame: Frame | None = self.frame
        while frame is not None:
            if name in frame.vars:
                value = frame.vars[name]
                if isinstance(value, ShapeInt):
                    self.shape_reads += 1
                return value
            frame = frame.parent
        if name in self.builtins:
            return self.builtins[name]
        if name in FORBIDDEN:
            self.fail(f"{name}() is not allowed: convcalc reads the file, it runs nothing", node)
        self.fail(f"name {name!r} is not defined", node)

    def on_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr == "__init__":
            owner = self.eval(node.value)
            return self.init_method(owner, node)
        return self.attribute(self.eval(node.value), node.attr, node)

    def check_attribute(self, name: str, node: ast.AST) -> None:
        if name.startswith("__") and name.endswith("__"):
            self.fail(f"the attribute {name!r} is not available (dunder attributes never are)")
        if name.startswith("_") and name not in self.defined:
            self.fail(
                f"the attribute {name!r} is not available: private attributes are only "
                "followed where the file itself defines them",
                node,
            )

    def attribute(self, obj: Any, name: str, node: ast.AST) -> Any:
        self.check_attribute(name, node)
        if isinstance(obj, ModuleObject):
            return modules.get_attribute(self, obj, name, node)
        if isinstance(obj, Tensor):
            return torch_api.tensor_attribute(self, obj, name, node)
        if isinstance(obj, Namespace):
            if name not in obj.members:
                self.fail(f"{obj.name}.{name} is not something convcalc follows", node)
            return obj.members[name]
        if isinstance(obj, Instance):
            if name in obj.attributes:
                return obj.attributes[name]
            found, value = obj.cls.lookup(name)
            if found:
                return self.bind_member(value, obj, obj.cls, node)
            self.fail(f"'{obj.cls.name}' object has no attribute {name!r}", node)
        if isinstance(obj, UserClass):
            found, value = obj.lookup(name)
            if not found:
                self.fail(f"class {obj.name} has no attribute {name!r}", node)
            if isinstance(value, Function) and value.decorator == "classmethod":
                return BoundMethod(value, obj)
            return value
        if isinstance(obj, SuperProxy):
            cls = obj.receiver.user_class if isinstance(obj.receiver, ModuleObject) else None
            if isinstance(obj.receiver, Instance):
                cls = obj.receiver.cls
            if cls is not None:
                found, value = cls.lookup(name, after=obj.owner)
                if found:
                    return self.bind_member(value, obj.receiver, cls, node)
            if isinstance(obj.receiver, ModuleObject):
                return modules.get_attribute(self, obj.receiver, name, node, own=False)
            self.fail(f"super() has no attribute {name!r}", node)
        if isinstance(obj, Foreign):
            self.refuse_foreign(obj, node)
        if isinstance(obj, DType | Device):
            if name in ("type", "name", "is_floating_point"):
                return obj.name
            self.fail(f"{obj.name}.{name} is not followed", node)
        return torch_api.python_attribute(self, obj, name, node)

    def bind_member(self, value: Any, receiver: Any, cls: UserClass, node: ast.AST) -> Any:
        if isinstance(value, Function):
            if value.decorator == "staticmethod":
                return value
            if value.decorator == "classmethod":
                return BoundMethod(value, cls)
            if value.decorator == "property":
                return self.invoke(value, [receiver], {}, node)
            return BoundMethod(value, receiver)
        return value

    def init_method(self, owner: Any, node: ast.Attribute) -> Any:
        """`super().__init__`, `nn.Module.__init__`, `Base.__init__`: the one dunder followed."""
        if isinstance(owner, SuperProxy):
            receiver = owner.receiver
            cls = receiver.user_class if isinstance(receiver, ModuleObject) else None
            if isinstance(receiver, Instance):
                cls = receiver.cls
            if cls is not None:
                found, value = cls.lookup("__init__", after=owner.owner)
                if found:
                    return BoundMethod(value, receiver)
            return modules.base_init(self, receiver, node)
        if isinstance(owner, UserClass):
            found, value = owner.lookup("__init__")
            if found:
                return value  # called with self explicitly
            return Builtin(
                "__init__", lambda i, n, args, kw: modules.base_init(i, args[0], n).fn(i, n, [], kw)
            )
        if isinstance(owner, TorchClass) and owner.name in ("Module", *_CONTAINERS):
            return Builtin(
                "__init__",
                lambda i, n, args, kw: modules.base_init(i, args[0], n).fn(i, n, args[1:], kw),
            )
        self.fail("__init__ is only followed as super().__init__ or Base.__init__", node)

    def on_Subscript(self, node: ast.Subscript) -> Any:
        obj = self.eval(node.value)
        key = self.eval(node.slice)
        return self.item(obj, key, node)

    def item(self, obj: Any, key: Any, node: ast.AST) -> Any:
        if isinstance(obj, ModuleObject):
            return modules.get_item(self, obj, key, node)
        if isinstance(obj, Tensor):
            return torch_api.tensor_item(self, obj, key, node)
        if isinstance(obj, list | tuple | str | range | dict):
            value = self.python(lambda: obj[key], node)
            if isinstance(value, ShapeInt) or (
                isinstance(value, tuple) and any(isinstance(v, ShapeInt) for v in value)
            ):
                self.shape_reads += 1
            return value
        if isinstance(obj, UserClass | TorchClass | PythonType | Namespace):
            return obj  # typing subscripts such as List[int], never needed for shapes
        if isinstance(obj, Foreign):
            self.refuse_foreign(obj, node)
        self.fail(f"{type_name(obj)} is not subscriptable", node)

    def on_Slice(self, node: ast.Slice) -> slice:
        parts = [None if p is None else self.eval(p) for p in (node.lower, node.upper, node.step)]
        return slice(*parts)

    def on_Tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        return tuple(self.elements(node.elts))

    def on_List(self, node: ast.List) -> list[Any]:
        return self.elements(node.elts)

    def on_Set(self, node: ast.Set) -> set[Any]:
        return self.python(lambda: set(self.elements(node.elts)), node)  # type: ignore[no-any-return]

    def elements(self, nodes: list[ast.expr]) -> list[Any]:
        items: list[Any] = []
        for element in nodes:
            if isinstance(element, ast.Starred):
                items.extend(self.items(self.eval(element.value), element))
            else:
                items.append(self.eval(element))
        self.budget.allocate(len(nodes))
        return items

    def on_Dict(self, node: ast.Dict) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                more = self.eval(value)
                if not isinstance(more, dict):
                    self.fail(f"** needs a dict, got {type_name(more)}", value)
                self.budget.allocate(len(more))
                result.update(more)
            else:
                k = self.eval(key)
                v = self.eval(value)
                self.python(functools.partial(operator.setitem, result, k, v), key)
        self.budget.allocate(len(node.keys))
        return result

    def on_IfExp(self, node: ast.IfExp) -> Any:
        return self.eval(node.body) if self.test(node.test, node) else self.eval(node.orelse)

    def on_BoolOp(self, node: ast.BoolOp) -> Any:
        value: Any = None
        for operand in node.values:
            value = self.eval(operand)
            truth = self.truth(value, operand)
            if isinstance(node.op, ast.And) and not truth:
                return value
            if isinstance(node.op, ast.Or) and truth:
                return value
        return value

    def on_UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = self.eval(node.operand)
        if isinstance(node.op, ast.Not):
            return not self.truth(value, node.operand)
        if isinstance(value, Tensor):
            return torch_api.unary(self, value, node)
        if isinstance(value, ShapeInt):
            self.shape_reads += 1
        ops: dict[type[ast.unaryop], Callable[[Any], Any]] = {
            ast.USub: operator.neg,
            ast.UAdd: operator.pos,
            ast.Invert: operator.invert,
        }
        result = self.python(lambda: ops[type(node.op)](value), node)
        if isinstance(value, ShapeInt) and type(result) is int:
            return ShapeInt(result)
        return result

    def on_BinOp(self, node: ast.BinOp) -> Any:
        return self.binary(node.op, self.eval(node.left), self.eval(node.right), node)

    def binary(
        self, op: ast.operator, a: Any, b: Any, node: ast.AST, *, inplace: bool = False
    ) -> Any:
        if isinstance(a, Tensor) or isinstance(b, Tensor):
            return torch_api.binary(self, op, a, b, node, inplace=inplace)
        if isinstance(a, ModuleObject) and isinstance(op, ast.Add) and inplace:
            return modules.extend(self, a, b, node)
        shaped = isinstance(a, ShapeInt) or isinstance(b, ShapeInt)
        if shaped:
            self.shape_reads += 1
        self.check_operands(op, a, b, node)
        if isinstance(op, ast.MatMult):
            self.fail("@ needs tensors", node)
        if inplace and isinstance(a, list) and isinstance(op, ast.Add):
            a.extend(self.items(b, node))
            return a
        if isinstance(op, ast.Mod) and isinstance(a, str):
            return self.text_format(a, b, node)
        result = self.python(lambda: _BINARY[type(op)](a, b), node)
        if isinstance(result, int) and not isinstance(result, bool):
            self.check_int(result, node)
            if shaped:
                return ShapeInt(result)
        return result

    def check_operands(self, op: ast.operator, a: Any, b: Any, node: ast.AST) -> None:
        """Sizes known before computing: repeats, concatenations, powers and shifts."""
        if isinstance(op, ast.Mult):
            for seq, n in ((a, b), (b, a)):
                if isinstance(seq, str | list | tuple) and _is_int(n):
                    self.budget.allocate(len(seq) * max(n, 0))
                    return
            if _is_int(a) and _is_int(b):
                self.check_bits(abs(a).bit_length() + abs(b).bit_length(), node)
        elif isinstance(op, ast.Add):
            if isinstance(a, str | list | tuple) and isinstance(b, str | list | tuple):
                self.budget.allocate(len(a) + len(b))
        elif isinstance(op, ast.Pow):
            if _is_int(a) and _is_int(b) and b > 0 and abs(a) > 1:
                self.check_bits((abs(a).bit_length() - 1) * b + 1, node)
        elif isinstance(op, ast.LShift) and _is_int(a) and _is_int(b) and a and b > 0:
            self.check_bits(abs(a).bit_length() + b, node)

    def check_bits(self, bits: int, node: ast.AST) -> None:
        if bits > bounds.MAX_INT_BITS:
            self.fail(
                f"an integer of about {bits:,} bits; at most {bounds.MAX_INT_BITS} are allowed",
                node,
            )

    def check_int(self, value: int, node: ast.AST) -> int:
        if value.bit_length() > bounds.MAX_INT_BITS:
            self.check_bits(value.bit_length(), node)
        return value

    def on_Compare(self, node: ast.Compare) -> Any:
        left = self.eval(node.left)
        result: Any = True
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.eval(right_node)
            tensors = isinstance(left, Tensor) or isinstance(right, Tensor)
            if tensors and not isinstance(op, ast.Is | ast.IsNot | ast.In | ast.NotIn):
                result = torch_api.compare(self, left, right, node)
                left = right
                continue
            if _shape_valued(left) or _shape_valued(right):
                self.shape_reads += 1
            fn = _COMPARE[type(op)]
            if isinstance(op, ast.In | ast.NotIn) and isinstance(right, ModuleObject):
                right = list(right.children)
            result = self.python(functools.partial(fn, left, right), node)
            if not self.truth(result, node):
                return result
            left = right
        return result

    def on_Call(self, node: ast.Call) -> Any:
        function = self.eval(node.func)
        args: list[Any] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                args.extend(self.items(self.eval(arg.value), arg))
            else:
                args.append(self.eval(arg))
        kwargs: dict[str, Any] = {}
        for keyword in node.keywords:
            value = self.eval(keyword.value)
            if keyword.arg is None:
                if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                    self.fail("** needs a dict with string keys", keyword.value)
                for key in value:
                    if key in kwargs:
                        self.fail(f"got multiple values for keyword argument {key!r}", keyword)
                kwargs.update(value)
            else:
                if keyword.arg in kwargs:
                    self.fail(f"keyword argument {keyword.arg!r} repeated", keyword)
                kwargs[keyword.arg] = value
        self.node = node
        return self.call(function, args, kwargs, node)

    def on_Lambda(self, node: ast.Lambda) -> Function:
        return self.function(node, "<lambda>")

    def on_NamedExpr(self, node: ast.NamedExpr) -> Any:
        value = self.eval(node.value)
        self.assign(node.target, value)
        return value

    def on_JoinedStr(self, node: ast.JoinedStr) -> str:
        parts: list[str] = []
        size = 0
        for value in node.values:
            text = str(value.value) if isinstance(value, ast.Constant) else self.eval(value)
            size += len(text)
            self.budget.allocate(len(text))
            parts.append(text)
        if size > bounds.MAX_ITEMS:
            self.fail(f"a string of {size:,} characters", node)
        return "".join(parts)

    def on_FormattedValue(self, node: ast.FormattedValue) -> str:
        value = self.eval(node.value)
        spec = "" if node.format_spec is None else self.eval(node.format_spec)
        self.check_format_spec(spec, node)
        if node.conversion == ord("r"):
            value = self.text(value, repr_=True)
        elif node.conversion in (ord("s"), ord("a")) or not isinstance(value, int | float | str):
            value = self.text(value)
        return self.python(lambda: format(value, spec), node)  # type: ignore[no-any-return]

    def check_format_spec(self, spec: str, node: ast.AST) -> None:
        for number in _FORMAT_NUMBER.findall(spec):
            if len(number) > 4 or int(number) > bounds.MAX_FORMAT_WIDTH:
                self.fail(
                    f"a format width of {_short(number)}; at most {bounds.MAX_FORMAT_WIDTH} "
                    "is allowed",
                    node,
                )

    def text_format(self, template: str, values: Any, node: ast.AST) -> str:
        self.check_format_spec(template, node)
        result = self.python(lambda: template % values, node)
        self.budget.allocate(len(result))
        return result  # type: ignore[no-any-return]

    def text(self, value: Any, *, repr_: bool = False) -> str:
        """str() / repr() of a value, bounded (a nested list is not printed in full)."""
        if isinstance(value, str):
            text = repr(value) if repr_ else value
        elif value is None or isinstance(value, bool | int | float):
            text = repr(value) if repr_ else str(value)
        elif isinstance(value, list | tuple):
            inner = ", ".join(self.text(v, repr_=True) for v in value[:100])
            text = f"[{inner}]" if isinstance(value, list) else f"({inner})"
        elif isinstance(value, Tensor):
            text = f"Tensor{shape_text(value.shape, 'python')}"
        else:
            text = f"<{type_name(value)}>"
        self.budget.allocate(len(text))
        return text

    def comprehension(
        self, generators: list[ast.comprehension], emit: Callable[[], None], node: ast.AST
    ) -> None:
        outer = self.frame
        self.frame = Frame({}, outer)
        try:
            self._generate(generators, 0, emit, node)
        finally:
            self.frame = outer

    def _generate(
        self,
        generators: list[ast.comprehension],
        level: int,
        emit: Callable[[], None],
        node: ast.AST,
    ) -> None:
        if level == len(generators):
            emit()
            return
        generator = generators[level]
        if generator.is_async:
            self.fail("async comprehensions are not followed", node)
        for item in self.iterate(self.eval(generator.iter), generator.iter):
            self.budget.tick()
            self.assign(generator.target, item)
            if all(self.truth(self.eval(test), test) for test in generator.ifs):
                self._generate(generators, level + 1, emit, node)

    def on_ListComp(self, node: ast.ListComp) -> list[Any]:
        items: list[Any] = []

        def emit() -> None:
            self.budget.allocate(1)
            items.append(self.eval(node.elt))

        self.comprehension(node.generators, emit, node)
        return items

    on_GeneratorExp = on_ListComp

    def on_SetComp(self, node: ast.SetComp) -> set[Any]:
        return set(self.on_ListComp(node))  # type: ignore[arg-type]

    def on_DictComp(self, node: ast.DictComp) -> dict[Any, Any]:
        items: dict[Any, Any] = {}

        def emit() -> None:
            self.budget.allocate(1)
            key = self.eval(node.key)
            items[key] = self.eval(node.value)

        self.comprehension(node.generators, emit, node)
        return items

    # --- truth, iteration, calls ------------------------------------------------------------

    def test(self, expression: ast.expr, statement: ast.AST) -> bool:
        """The truth of an if / while / assert test; a test that read a tensor's shape is
        remembered with its outcome (the summary holds for this input only)."""
        before = self.shape_reads
        value = self.truth(self.eval(expression), expression)
        if self.shape_reads > before:
            key = (expression.lineno, expression.col_offset)
            text, outcomes = self.branches.get(key, (_short(ast.unparse(expression), 60), set()))
            outcomes.add(value)
            self.branches[key] = (text, outcomes)
        return value

    def truth(self, value: Any, node: ast.AST) -> bool:
        if isinstance(value, Tensor):
            return torch_api.tensor_truth(self, value, node)
        if isinstance(value, ModuleObject):
            return value.base in ("Module", "layer") or bool(value.children)
        if isinstance(value, ShapeInt):
            self.shape_reads += 1
        return bool(value)

    def iterate(self, value: Any, node: ast.AST) -> Iterator[Any]:
        if isinstance(value, list | tuple | str | range | dict | set):
            return iter(value)
        if isinstance(value, ModuleObject):
            return modules.iterate(self, value, node)
        if isinstance(value, Tensor):
            return iter(torch_api.tensor_iterate(self, value, node))
        if isinstance(value, Foreign):
            self.refuse_foreign(value, node)
        self.fail(f"{type_name(value)} is not iterable", node)

    def items(self, value: Any, node: ast.AST) -> list[Any]:
        """The elements of an iterable as a list, its size counted before it is made."""
        if isinstance(value, list | tuple | str | range | dict | set):
            self.budget.allocate(len(value))
            return list(value)
        return list(self.iterate(value, node))

    def call(self, function: Any, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        if isinstance(function, Builtin):
            if function.records:
                return self.record_errors(function, args, kwargs, node)
            return function.fn(self, node, args, kwargs)
        if isinstance(function, Function):
            return self.invoke(function, args, kwargs, node)
        if isinstance(function, BoundMethod):
            return self.invoke(function.function, [function.receiver, *args], kwargs, node)
        if isinstance(function, ModuleObject):
            return modules.call_module(self, function, args, kwargs, node)
        if isinstance(function, UserClass):
            return self.instantiate(function, args, kwargs, node)
        if isinstance(function, TorchClass):
            return modules.construct(self, function.name, args, kwargs, node)
        if isinstance(function, PythonType):
            return torch_api.convert(self, function, args, kwargs, node)
        if isinstance(function, Partial):
            return self.call(
                function.fn, [*function.args, *args], {**function.kwargs, **kwargs}, node
            )
        if isinstance(function, Foreign):
            self.refuse_foreign(function, node)
        self.fail(f"{type_name(function)} is not callable", node)

    def record_errors(
        self, function: Builtin, args: list[Any], kwargs: dict[str, Any], node: ast.AST
    ) -> Any:
        """A torch op: its LayerError becomes the forward's refusal, naming the op."""
        try:
            return function.fn(self, node, args, kwargs)
        except (SourceError, ForwardError):
            raise
        except LayerError as exc:
            tensors = [a for a in [*args, *kwargs.values()] if isinstance(a, Tensor)]
            self.forward_failure(function.name, node, str(exc), tensors)

    def forward_failure(
        self, name: str, node: ast.AST, message: str, tensors: list[Tensor]
    ) -> NoReturn:
        line = getattr(node, "lineno", None)
        inputs = ", ".join(
            f"{shape_text(t.shape)} from {self.source_name(t.source)}" for t in tensors[:3]
        )
        detail = f" (input {inputs})" if inputs else ""
        raise ForwardError(f"{name} at line {line}: {message}{detail}", self.recorder.rows)

    def source_name(self, source: int) -> str:
        if source < 0:
            return "the model input" if source == -1 else f"model input {-source - 1}"
        row = self.recorder.rows[source] if source < len(self.recorder.rows) else None
        if row is None:
            return "the model"
        return f"{row.name} at line {row.line}" if row.line else row.name

    def invoke(
        self, function: Function, args: list[Any], kwargs: dict[str, Any], node: ast.AST
    ) -> Any:
        self.budget.tick()
        self.call_depth += 1
        if self.call_depth > bounds.MAX_CALL_DEPTH:
            self.call_depth = 0  # let the refusal itself run
            self.fail(f"calls nested more than {bounds.MAX_CALL_DEPTH} deep (recursion)", node)
        frame = Frame(self.bind_arguments(function, args, kwargs, node), function.scope, function)
        outer = self.frame
        self.frame = frame
        try:
            if isinstance(function.node, ast.Lambda):
                return self.eval(function.node.body)
            self.exec_block(function.node.body)
            return None
        except _Return as done:
            return done.value
        finally:
            self.frame = outer
            self.call_depth -= 1

    def bind_arguments(
        self, function: Function, args: list[Any], kwargs: dict[str, Any], node: ast.AST
    ) -> dict[str, Any]:
        spec = function.node.args
        positional = [a.arg for a in (*spec.posonlyargs, *spec.args)]
        values: dict[str, Any] = dict(zip(positional, args, strict=False))
        name = function.name if function.owner is None else f"{function.owner.name}.{function.name}"
        extra = args[len(positional) :]
        if spec.vararg is not None:
            values[spec.vararg.arg] = tuple(extra)
        elif extra:
            self.fail(
                f"{name}() takes {len(positional)} positional arguments but {len(args)} were given",
                node,
            )
        keyword_names = set(positional[len(spec.posonlyargs) :]) | {a.arg for a in spec.kwonlyargs}
        rest: dict[str, Any] = {}
        for key, value in kwargs.items():
            if key in keyword_names:
                if key in values:
                    self.fail(f"{name}() got multiple values for argument {key!r}", node)
                values[key] = value
            elif spec.kwarg is not None:
                rest[key] = value
            else:
                self.fail(f"{name}() got an unexpected keyword argument {key!r}", node)
        first_default = len(positional) - len(function.defaults)
        for i, param in enumerate(positional):
            if param not in values:
                if i >= first_default:
                    values[param] = function.defaults[i - first_default]
                else:
                    self.fail(f"{name}() is missing the required argument {param!r}", node)
        for keyword in spec.kwonlyargs:
            if keyword.arg not in values:
                if keyword.arg not in function.kw_defaults:
                    self.fail(f"{name}() is missing the keyword argument {keyword.arg!r}", node)
                values[keyword.arg] = function.kw_defaults[keyword.arg]
        if spec.kwarg is not None:
            values[spec.kwarg.arg] = rest
        return values

    def instantiate(
        self, cls: UserClass, args: list[Any], kwargs: dict[str, Any], node: ast.AST
    ) -> Any:
        if cls.base is None:
            obj: Any = Instance(cls)
        else:
            obj = ModuleObject(cls.name, cls.base, getattr(node, "lineno", None), user_class=cls)
        found, init = cls.lookup("__init__")
        if found:
            self.call(BoundMethod(init, obj), args, kwargs, node)
        elif cls.base is not None:
            modules.base_init(self, obj, node).fn(self, node, args, kwargs)
        elif args or kwargs:
            self.fail(f"{cls.name}() takes no arguments", node)
        return obj

    def refuse_foreign(self, value: Foreign, node: ast.AST) -> NoReturn:
        module = value.module or "a module"
        self.fail(
            f"{value.name!r} comes from '{module}', which convcalc does not read (nothing is "
            "imported; torch, torch.nn, torch.nn.functional, math, collections, functools and "
            "typing are understood)",
            node,
        )


_CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")


def _load(target: ast.expr) -> ast.expr:
    """The same target read instead of written (for `x += 1`)."""
    if isinstance(target, ast.Name):
        return ast.copy_location(ast.Name(target.id, ast.Load()), target)
    if isinstance(target, ast.Attribute):
        return ast.copy_location(ast.Attribute(target.value, target.attr, ast.Load()), target)
    if isinstance(target, ast.Subscript):
        return ast.copy_location(ast.Subscript(target.value, target.slice, ast.Load()), target)
    return target


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _shape_valued(value: Any) -> bool:
    if isinstance(value, ShapeInt):
        return True
    return isinstance(value, tuple | list) and any(isinstance(v, ShapeInt) for v in value[:64])


def _article(word: str) -> str:
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def _describe(node: ast.AST) -> str:
    names = {
        ast.Await: "await",
        ast.Yield: "yield",
        ast.YieldFrom: "yield from",
        ast.Starred: "*starred expression outside a call",
    }
    return names.get(type(node), f"{type(node).__name__} expression")


def _short(text: str, width: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
