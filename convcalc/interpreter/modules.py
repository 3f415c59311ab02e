"""nn.Module objects in the interpreter: building torch layers and containers, the
nn.Module API model code uses (`self.x = ...`, `modules()`, `add_module`, indexing a
Sequential), and calling a module, which records a row and applies the layer's shape rule."""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from convcalc.errors import ConvcalcError, LayerError
from convcalc.expressions import Call
from convcalc.interpreter.refusals import ForwardError, SourceError
from convcalc.interpreter.values import (
    BoundMethod,
    Builtin,
    Device,
    DType,
    ModuleObject,
    ShapeInt,
    Tensor,
    type_name,
)
from convcalc.layers import (
    Lazy,
    apply,
    buffer_shapes,
    kind_of,
    layer_from_call,
    materialize,
    parameter_shapes,
)
from convcalc.layers.base import Pointwise
from convcalc.layers.pooling import MaxUnpool
from convcalc.layers.tensor_ops import contiguous
from convcalc.notation import shape_text

if TYPE_CHECKING:
    from convcalc.interpreter.machine import Interpreter

CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")


# --- building ---------------------------------------------------------------------------------


def construct(
    interp: Interpreter, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    """`nn.<name>(*args, **kwargs)`."""
    line = getattr(node, "lineno", None)
    if name == "Parameter":
        if not args or not isinstance(args[0], Tensor):
            interp.fail("nn.Parameter needs a tensor", node)
        t = args[0]
        return Tensor(t.shape, t.strides, t.dtype, t.source, parameter=True)
    if name in ("Module", *CONTAINERS):
        obj = ModuleObject(name, name, line)
        base_init(interp, obj, node).fn(interp, node, args, kwargs)
        return obj
    literal_args = [_literal(interp, a, name, node) for a in args]
    literal_kwargs = {k: _literal(interp, v, name, node) for k, v in kwargs.items()}
    parts = [repr(a) for a in literal_args] + [f"{k}={v!r}" for k, v in literal_kwargs.items()]
    call = Call(
        name=name,
        args=tuple(literal_args),
        kwargs=literal_kwargs,
        text=f"{name}({', '.join(parts)})",
        line=line or 1,
        column=getattr(node, "col_offset", 0) + 1,
    )
    try:
        layer = layer_from_call(call)
    except ConvcalcError as exc:
        interp.fail(f"{_cut(call.text)}: {exc}", node)
    kind = layer.torch_name
    return ModuleObject(kind, "layer", line, layer=layer, call=call)


def _literal(interp: Interpreter, value: Any, layer: str, node: ast.AST) -> Any:
    """A constructor argument as a plain literal (ShapeInts and lists become ints and
    tuples, as torch reads them)."""
    if isinstance(value, ShapeInt):
        return int(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return tuple(_literal(interp, v, layer, node) for v in value)
    if isinstance(value, DType | Device):
        return value.name  # device= and dtype= are accepted and do not change shapes
    interp.fail(f"nn.{layer}: an argument is {_a(type_name(value))}, not a number or size", node)


def base_init(interp: Interpreter, obj: Any, node: ast.AST) -> Builtin:
    """nn.Module.__init__ (or a container's) for `obj`."""

    def init(i: Interpreter, n: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> None:
        if not isinstance(obj, ModuleObject):
            if args or kwargs:
                i.fail("object.__init__() takes no arguments", n)
            return
        obj.initialized = True
        if obj.base == "Module":
            if args or kwargs:
                i.fail("nn.Module.__init__() takes no arguments", n)
            return
        if kwargs:
            i.fail(f"nn.{obj.base}() takes no keyword arguments", n)
        if obj.base == "Sequential":
            if len(args) == 1 and isinstance(args[0], dict):
                for key, module in args[0].items():
                    _add_child(i, obj, str(key), module, n)
            else:
                for module in args:
                    _add_child(i, obj, str(len(obj.children)), module, n)
        elif obj.base == "ModuleList":
            if len(args) > 1:
                i.fail("nn.ModuleList() takes one iterable of modules", n)
            for module in i.iterate(args[0], n) if args else ():
                _add_child(i, obj, str(len(obj.children)), module, n)
        elif obj.base == "ModuleDict":
            if len(args) > 1:
                i.fail("nn.ModuleDict() takes one dict or list of (name, module) pairs", n)
            if args:
                _update(i, obj, args[0], n)

    return Builtin("__init__", init)


def _add_child(
    interp: Interpreter, obj: ModuleObject, name: str, module: Any, node: ast.AST
) -> None:
    if not isinstance(module, ModuleObject) and module is not None:
        interp.fail(
            f"{obj.kind}: {_a(type_name(module))} is not a Module subclass (torch refuses it)",
            node,
        )
    interp.budget.allocate(1)
    obj.children[name] = module


def _update(interp: Interpreter, obj: ModuleObject, items: Any, node: ast.AST) -> None:
    pairs = items.items() if isinstance(items, dict) else interp.iterate(items, node)
    for pair in pairs:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            interp.fail("nn.ModuleDict takes (name, module) pairs", node)
        _add_child(interp, obj, str(pair[0]), pair[1], node)


# --- attributes -------------------------------------------------------------------------------


def set_attribute(
    interp: Interpreter, obj: ModuleObject, name: str, value: Any, node: ast.AST
) -> None:
    if isinstance(value, ModuleObject):
        if not obj.initialized:
            interp.fail(
                f"cannot assign module {name!r} before Module.__init__() call (call "
                "super().__init__() first)",
                node,
            )
        obj.attributes.pop(name, None)
        obj.parameters.pop(name, None)
        obj.children[name] = value
        return
    if isinstance(value, Tensor) and value.parameter:
        if not obj.initialized:
            interp.fail(f"cannot assign parameter {name!r} before Module.__init__() call", node)
        obj.children.pop(name, None)
        obj.parameters[name] = value.shape
        obj.attributes[name] = value
        return
    if name in obj.children:
        if value is not None:
            interp.fail(
                f"cannot assign {_a(type_name(value))} as child module {name!r} "
                "(torch.nn.Module or None expected)",
                node,
            )
        obj.children[name] = None
        return
    if name in obj.parameters and value is not None:
        interp.fail(
            f"cannot assign {_a(type_name(value))} as parameter {name!r} "
            "(torch.nn.Parameter or None expected)",
            node,
        )
    if name in obj.buffers and isinstance(value, Tensor):
        obj.buffers[name] = value.shape
    obj.attributes[name] = value


def get_attribute(
    interp: Interpreter, obj: ModuleObject, name: str, node: ast.AST, *, own: bool = True
) -> Any:
    if own:
        if name in obj.children:
            return obj.children[name]
        if name in obj.attributes:
            return obj.attributes[name]
        if obj.layer is not None:
            found, value = _layer_attribute(obj, name)
            if found:
                return value
        if obj.user_class is not None:
            found, member = obj.user_class.lookup(name)
            if found:
                return interp.bind_member(member, obj, obj.user_class, node)
    method = _IMPLEMENTATIONS.get(name)
    if method is not None and (name not in _CONTAINER_ONLY or obj.base in _CONTAINER_ONLY[name]):
        return Builtin(name, lambda i, n, a, k: method(i, n, a, k, obj), receiver=obj)
    if name == "forward":
        return Builtin("forward", lambda i, n, a, k: call_module(i, obj, a, k, n))
    if name == "training":
        return False  # summaries describe eval mode (see the README's choices)
    interp.fail(f"{obj.kind!r} object has no attribute {name!r}", node)


def _layer_attribute(obj: ModuleObject, name: str) -> tuple[bool, Any]:
    """torch's attributes of a layer: its arguments (conv sizes as tuples, as torch stores
    them), `weight`, `bias` and the running statistics as tensors."""
    layer = obj.layer
    if isinstance(layer, Lazy):
        kind = layer.kind
        if name == kind.missing:
            return True, 0  # torch's value before the first input
        arguments = dict(layer.arguments)
        return (name in arguments), arguments.get(name)
    assert layer is not None
    shapes = {**parameter_shapes(layer), **buffer_shapes(layer)}
    if name in shapes:
        dtype = "int64" if name == "num_batches_tracked" else "float32"
        return True, Tensor.new(shapes[name], dtype) if name in buffer_shapes(layer) else Tensor(
            shapes[name], contiguous(shapes[name]), dtype, parameter=True
        )
    if name in ("weight", "bias"):
        return True, None
    fields = type(layer).model_fields
    if name in fields and name != "dims":
        value = getattr(layer, name)
        sized = getattr(layer, "size_fields", ())
        dims = getattr(layer, "dims", None)
        tupled = layer.torch_name.startswith(("Conv", "ConvTranspose"))
        if tupled and dims and any(name == f for f, _ in sized) and isinstance(value, int):
            value = (value,) * dims
        return True, value
    return False, None


def _all_modules(obj: ModuleObject, prefix: str = "") -> list[tuple[str, ModuleObject]]:
    """named_modules(): pre-order, each module once (under its first name)."""
    seen: set[int] = set()
    out: list[tuple[str, ModuleObject]] = []

    def walk(module: ModuleObject, name: str) -> None:
        if id(module) in seen:
            return
        seen.add(id(module))
        out.append((name, module))
        for child_name, child in module.children.items():
            if child is not None:
                walk(child, f"{name}.{child_name}" if name else child_name)

    walk(obj, prefix)
    return out


def module_paths(root: ModuleObject) -> dict[int, str]:
    return {id(module): name for name, module in _all_modules(root)}


def _parameters(obj: ModuleObject) -> list[tuple[str, Tensor]]:
    out: list[tuple[str, Tensor]] = []
    for prefix, module in _all_modules(obj):
        own = dict(module.parameters)
        if module.layer is not None and not isinstance(module.layer, Lazy):
            own.update(parameter_shapes(module.layer))
        for name, shape in own.items():
            full = f"{prefix}.{name}" if prefix else name
            out.append((full, Tensor(shape, contiguous(shape), parameter=True)))
    return out


def _buffers(obj: ModuleObject) -> list[tuple[str, Tensor]]:
    out: list[tuple[str, Tensor]] = []
    for prefix, module in _all_modules(obj):
        own = dict(module.buffers)
        if module.layer is not None and not isinstance(module.layer, Lazy):
            own.update(buffer_shapes(module.layer))
        for name, shape in own.items():
            out.append((f"{prefix}.{name}" if prefix else name, Tensor.new(shape)))
    return out


def state_counts(obj: ModuleObject) -> tuple[int, int]:
    """(parameters, buffers) of the module and everything under it, each module once."""
    params = sum(math.prod(t.shape) for _, t in _parameters(obj))
    buffers = sum(math.prod(t.shape) for _, t in _buffers(obj))
    return params, buffers


def uncalled(root: ModuleObject, called: set[int]) -> list[tuple[str, ModuleObject]]:
    """Torch layers under `root` that its forward never called."""
    return [
        (name, m) for name, m in _all_modules(root) if m.layer is not None and id(m) not in called
    ]


def _impl_modules(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any) -> Any:
    return [m for _, m in _all_modules(obj)]


def _impl_named_modules(
    i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any
) -> Any:
    return [(name, m) for name, m in _all_modules(obj)]


def _impl_children(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any) -> Any:
    return [m for m in obj.children.values() if m is not None]


def _impl_named_children(
    i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any
) -> Any:
    return [(name, m) for name, m in obj.children.items() if m is not None]


def _impl_parameters(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any) -> Any:
    return [t for _, t in _parameters(obj)]


def _impl_named_parameters(
    i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any
) -> Any:
    return _parameters(obj)


def _impl_buffers(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any) -> Any:
    return [t for _, t in _buffers(obj)]


def _impl_apply(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any) -> Any:
    if len(a) != 1:
        i.fail("apply() takes one function", n)

    def visit(module: ModuleObject) -> None:
        for child in module.children.values():
            if child is not None:
                visit(child)
        i.call(a[0], [module], {}, n)

    visit(obj)
    return obj


def _impl_add_module(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any) -> Any:
    args = [*a, *k.values()]
    if len(args) != 2 or not isinstance(args[0], str):
        i.fail("add_module() takes a name and a module", n)
    i.check_attribute(args[0], n) if args[0].startswith("_") else None
    if "." in args[0] or not args[0]:
        i.fail(f'module name can\'t contain "." or be empty, got {args[0]!r}', n)
    if args[1] is not None and not isinstance(args[1], ModuleObject):
        i.fail(f"add_module(): {_a(type_name(args[1]))} is not a Module subclass", n)
    obj.children[args[0]] = args[1]
    return None


def _impl_register_buffer(
    i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any
) -> Any:
    args = [*a, *(v for key, v in k.items() if key != "persistent")]
    if len(args) < 2 or not isinstance(args[0], str):
        i.fail("register_buffer() takes a name and a tensor", n)
    name, tensor = args[0], args[1]
    if tensor is not None and not isinstance(tensor, Tensor):
        i.fail(f"register_buffer(): {_a(type_name(tensor))} is not a tensor", n)
    if tensor is not None:
        obj.buffers[name] = tensor.shape
    obj.attributes[name] = tensor
    return None


def _impl_register_parameter(
    i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any
) -> Any:
    args = [*a, *k.values()]
    if len(args) != 2 or not isinstance(args[0], str):
        i.fail("register_parameter() takes a name and a parameter", n)
    if args[1] is not None:
        if not isinstance(args[1], Tensor):
            i.fail("register_parameter(): not a parameter", n)
        obj.parameters[args[0]] = args[1].shape
    obj.attributes[args[0]] = args[1]
    return None


def _impl_itself(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any) -> Any:
    return obj  # train(), eval(), to(device), cuda(), float(), requires_grad_(): shapes stay


def _impl_nothing(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any) -> Any:
    return None


def _impl_append(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any) -> Any:
    if len(a) != 1:
        i.fail("append() takes one module", n)
    _add_child(i, obj, str(len(obj.children)), a[0], n)
    return obj


def _impl_extend(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any) -> Any:
    if len(a) != 1:
        i.fail("extend() takes one iterable of modules", n)
    extend(i, obj, a[0], n)
    return obj


def _impl_insert(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any) -> Any:
    if len(a) != 2 or not isinstance(a[0], int):
        i.fail("insert() takes an index and a module", n)
    modules = list(obj.children.values())
    modules.insert(a[0], a[1])
    obj.children.clear()
    for module in modules:
        _add_child(i, obj, str(len(obj.children)), module, n)
    return None


def _impl_keys(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any) -> Any:
    return list(obj.children)


def _impl_values(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any) -> Any:
    return list(obj.children.values())


def _impl_items(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any) -> Any:
    return list(obj.children.items())


def _impl_update(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any], obj: Any) -> Any:
    if len(a) != 1:
        i.fail("update() takes one dict or list of pairs", n)
    _update(i, obj, a[0], n)
    return None


_IMPLEMENTATIONS: dict[str, Any] = {
    "modules": _impl_modules,
    "named_modules": _impl_named_modules,
    "children": _impl_children,
    "named_children": _impl_named_children,
    "parameters": _impl_parameters,
    "named_parameters": _impl_named_parameters,
    "buffers": _impl_buffers,
    "apply": _impl_apply,
    "add_module": _impl_add_module,
    "register_module": _impl_add_module,
    "register_buffer": _impl_register_buffer,
    "register_parameter": _impl_register_parameter,
    "train": _impl_itself,
    "eval": _impl_itself,
    "to": _impl_itself,
    "cuda": _impl_itself,
    "cpu": _impl_itself,
    "float": _impl_itself,
    "half": _impl_itself,
    "double": _impl_itself,
    "requires_grad_": _impl_itself,
    "zero_grad": _impl_nothing,
    "append": _impl_append,
    "extend": _impl_extend,
    "insert": _impl_insert,
    "keys": _impl_keys,
    "values": _impl_values,
    "items": _impl_items,
    "update": _impl_update,
}
_CONTAINER_ONLY = {
    "append": ("Sequential", "ModuleList"),
    "extend": ("Sequential", "ModuleList"),
    "insert": ("Sequential", "ModuleList"),
    "keys": ("ModuleDict",),
    "values": ("ModuleDict",),
    "items": ("ModuleDict",),
    "update": ("ModuleDict",),
}


def extend(interp: Interpreter, obj: ModuleObject, items: Any, node: ast.AST) -> ModuleObject:
    if obj.base not in ("Sequential", "ModuleList"):
        interp.fail(f"{obj.kind} cannot be extended", node)
    for module in interp.iterate(items, node):
        _add_child(interp, obj, str(len(obj.children)), module, node)
    return obj


# --- containers -------------------------------------------------------------------------------


def get_item(interp: Interpreter, obj: ModuleObject, key: Any, node: ast.AST) -> Any:
    if obj.base == "ModuleDict":
        if key not in obj.children:
            interp.fail(f"KeyError: {key!r} is not a key of the ModuleDict", node)
        return obj.children[key]
    if obj.base not in ("Sequential", "ModuleList"):
        interp.fail(f"{obj.kind!r} object is not subscriptable", node)
    items = list(obj.children.items())
    if isinstance(key, slice):
        part = ModuleObject(obj.base, obj.base, getattr(node, "lineno", None))
        for index, (name, module) in enumerate(items[key]):
            part.children[name if obj.base == "Sequential" else str(index)] = module
        return part
    if not isinstance(key, int) or isinstance(key, bool):
        interp.fail(f"{obj.kind} indices must be integers or slices", node)
    if not -len(items) <= key < len(items):
        interp.fail(f"IndexError: index {key} is out of range for {len(items)} modules", node)
    return items[key][1]


def set_item(interp: Interpreter, obj: ModuleObject, key: Any, value: Any, node: ast.AST) -> None:
    if obj.base == "ModuleDict" and isinstance(key, str):
        _add_child(interp, obj, key, value, node)
        return
    if obj.base in ("Sequential", "ModuleList") and isinstance(key, int):
        names = list(obj.children)
        if not -len(names) <= key < len(names):
            interp.fail(f"IndexError: index {key} is out of range", node)
        _add_child(interp, obj, names[key], value, node)
        return
    interp.fail(f"{obj.kind} does not support this item assignment", node)


def iterate(interp: Interpreter, obj: ModuleObject, node: ast.AST) -> Iterator[Any]:
    if obj.base in ("Sequential", "ModuleList"):
        return iter(list(obj.children.values()))
    if obj.base == "ModuleDict":
        return iter(list(obj.children))
    interp.fail(f"{obj.kind!r} object is not iterable", node)


# --- calling ----------------------------------------------------------------------------------


def call_module(
    interp: Interpreter, obj: ModuleObject, args: list[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    if obj.base == "layer":
        return _call_layer(interp, obj, args, kwargs, node)
    if obj.base in ("ModuleList", "ModuleDict"):
        interp.fail(
            f"{obj.kind} has no forward: call the modules it holds (torch raises "
            "NotImplementedError)",
            node,
        )
    recorder = interp.recorder
    row = None
    if recorder.active and obj is not interp.root:
        tensors = _tensors(args, kwargs)
        row = recorder.add(
            _name(interp, obj),
            obj.kind,
            "module",
            tuple(t.shape for t in tensors),
            tuple(t.source for t in tensors),
            getattr(node, "lineno", None) or obj.line,
            getattr(node, "col_offset", 0) + 1,
            module=id(obj),
        )
        if not row.repeat:
            row.params = sum(math.prod(s) for s in obj.parameters.values())
            row.buffers = sum(math.prod(s) for s in obj.buffers.values())
        recorder.open(row)
    interp.call_depth += 1
    if interp.call_depth > 100:
        interp.call_depth = 0
        interp.fail("modules call each other more than 100 deep", node)
    try:
        forward = None
        if obj.user_class is not None:
            found, forward = obj.user_class.lookup("forward")
            if not found:
                forward = None
        if forward is not None:
            result = interp.call(BoundMethod(forward, obj), args, kwargs, node)
        elif obj.base == "Sequential":
            if len(args) != 1 or kwargs:
                interp.fail(
                    f"{obj.kind}.forward() takes one input, got {len(args) + len(kwargs)}", node
                )
            result = args[0]
            for child in obj.children.values():
                if child is None:
                    continue
                result = interp.call(child, [result], {}, node)
        else:
            interp.fail(f'Module [{obj.kind}] is missing the required "forward" function', node)
    finally:
        interp.call_depth -= 1
    if row is not None:
        recorder.close(row, tuple(t.shape for t in _tensors([result], {})))
    return result


def _tensors(args: list[Any], kwargs: dict[str, Any]) -> list[Tensor]:
    out: list[Tensor] = []

    def walk(value: Any, depth: int) -> None:
        if isinstance(value, Tensor):
            out.append(value)
        elif depth < 3 and isinstance(value, list | tuple):
            for item in value[:64]:
                walk(item, depth + 1)
        elif depth < 3 and isinstance(value, dict):
            for item in list(value.values())[:64]:
                walk(item, depth + 1)

    for value in [*args, *kwargs.values()]:
        walk(value, 0)
    return out


def _name(interp: Interpreter, obj: ModuleObject) -> str:
    return interp.paths.get(id(obj)) or f"({obj.kind})"


def _call_layer(
    interp: Interpreter, obj: ModuleObject, args: list[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    name = _name(interp, obj)
    # where it is called; inside a Sequential (no call of its own), where it is built
    line = getattr(node, "lineno", None) or obj.line
    where = f" at line {line}" if line else ""
    layer = obj.layer
    unpool = isinstance(layer, MaxUnpool)
    wanted = "(input, indices, output_size=None)" if unpool else "one tensor"
    allowed = {"output_size", "indices"} if unpool else set()
    if (
        not args
        or not isinstance(args[0], Tensor)
        or (len(args) > (3 if unpool else 1))
        or set(kwargs) - allowed
    ):
        got = ", ".join(type_name(a) for a in [*args, *kwargs.values()]) or "nothing"
        interp.fail(f"layer {name} ({obj.kind}) takes {wanted}, got {got}", node)
    x: Tensor = args[0]
    tensors = [a for a in [*args, *kwargs.values()] if isinstance(a, Tensor)]
    try:
        if isinstance(layer, Lazy):
            layer = materialize(layer, x.shape)
            obj.layer = layer
            obj.kind = kind_of(layer)
        assert layer is not None
        if isinstance(layer, MaxUnpool):
            indices = args[1] if len(args) > 1 else kwargs.get("indices")
            size = args[2] if len(args) > 2 else kwargs.get("output_size")
            if not isinstance(indices, Tensor):
                raise LayerError("indices: MaxUnpool needs the indices tensor of the pool")
            wanted_size = None if size is None else tuple(int(s) for s in size)
            effect = layer.unpool(x.shape, indices.shape, wanted_size)
        else:
            effect = apply(layer, x.shape)
    except LayerError as exc:
        sources = ", ".join(
            f"{shape_text(t.shape)} from {interp.source_name(t.source)}" for t in tensors[:2]
        )
        raise ForwardError(
            f"layer {name}{where}: {exc} (input {sources})", interp.recorder.rows
        ) from None
    except SourceError:
        raise
    recorder = interp.recorder
    source = x.source
    if recorder.active:
        row = recorder.add(
            name,
            obj.kind,
            "layer",
            tuple(t.shape for t in tensors),
            tuple(t.source for t in tensors),
            line,
            getattr(node, "col_offset", 0) + 1,
            module=id(obj),
        )
        row.effect = effect
        row.layer = layer
        row.call = obj.call
        row.outputs = (effect.output_shape,) * (2 if effect.returns_tuple else 1)
        row.warnings = list(effect.warnings)
        if not row.repeat:
            row.params, row.buffers = effect.params, effect.buffers
        source = row.index
    out = effect.output_shape
    keeps_layout = isinstance(layer, Pointwise) and out == x.shape
    result = Tensor(out, x.strides if keeps_layout else contiguous(out), x.dtype, source)
    if effect.returns_tuple:
        return (result, Tensor(out, contiguous(out), "int64", source))
    return result


def _a(word: str) -> str:
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def _cut(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
