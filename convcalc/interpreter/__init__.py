"""Reading a model as people write it, without running it: a bounded interpreter of the model
file's Python (`machine`), torch names as shape rules (`torch_api`, `modules`), and the
record of one forward (`trace`).

`trace_model(source, model, inputs)` runs the file's module body, builds the model (the
`model` expression, or the last nn.Module class built with its defaults), calls it on tensors
of the input shapes, and returns what happened call by call.
"""

from __future__ import annotations

import ast
import sys
import textwrap
from dataclasses import dataclass, field

from convcalc.errors import ConvcalcError, InputError
from convcalc.expressions import ExpressionError, parse_tree
from convcalc.interpreter import bounds
from convcalc.interpreter.machine import Interpreter
from convcalc.interpreter.modules import module_paths, state_counts, uncalled
from convcalc.interpreter.refusals import EXPRESSION_LINE, ForwardError, SourceError
from convcalc.interpreter.torch_api import python_builtins
from convcalc.interpreter.trace import Row
from convcalc.interpreter.values import Function, ModuleObject, Tensor, UserClass

Shape = tuple[int, ...]

__all__ = ["ForwardError", "Row", "SourceError", "Traced", "parse_source", "trace_model"]


@dataclass
class Traced:
    """One forward of one model: its rows, and what the model holds."""

    model: str  # the class name (or the expression given)
    inputs: tuple[Shape, ...]
    outputs: tuple[Shape, ...]
    rows: list[Row]
    params: int  # model.parameters(), each module once, called or not
    buffers: int
    notes: list[str] = field(
        default_factory=list
    )  # how the text was read; input-dependent branches
    warnings: list[str] = field(default_factory=list)
    form: str = "module"  # "module", "init block", "printed"


def parse_source(source: str) -> tuple[ast.Module, bool]:
    """The file's tree, and whether it was an indented block (pasted out of __init__)."""
    try:
        tree = parse_tree(source, mode="exec")
    except ExpressionError as exc:
        if "unexpected indent" not in str(exc):
            raise
        tree = parse_tree(textwrap.dedent(source), mode="exec")
        assert isinstance(tree, ast.Module)
        return tree, True
    assert isinstance(tree, ast.Module)
    return tree, False


def _assigns_self(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ast.Store)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
        for statement in tree.body
        for node in ast.walk(statement)
        if not isinstance(statement, ast.FunctionDef | ast.ClassDef)
    )


def trace_model(
    source: str,
    inputs: list[Shape],
    *,
    model: str | None = None,
    dtype: str = "float32",
) -> Traced:
    """Interpret `source`, build its model and run one forward on `inputs` (shapes)."""
    tree, _ = parse_source(source)
    interp = Interpreter(tree, python_builtins())
    pasted = _assigns_self(tree)
    if pasted:
        # an indented block copied out of __init__: `self` is the module being built, and the
        # class a `super(Net, self).__init__()` line names stands for its own class
        interp.globals.vars["self"] = ModuleObject("Model", "Sequential", None)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "super"
                and node.args
                and isinstance(node.args[0], ast.Name)
            ):
                name = node.args[0].id
                interp.globals.vars.setdefault(name, UserClass(name, (), {}, 0, "Sequential"))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, bounds.RECURSION_LIMIT))
    try:
        interp.run_module()
        root, name = _choose_model(interp, tree, model, pasted)
        return _forward(interp, root, name, inputs, dtype, pasted=pasted)
    except RecursionError:
        raise SourceError(
            f"nested too deeply (at {interp.node and ast.unparse(interp.node)[:40]!r})"
        ) from None
    finally:
        sys.setrecursionlimit(limit)


def _choose_model(
    interp: Interpreter, tree: ast.Module, expression: str | None, pasted: bool
) -> tuple[ModuleObject, str]:
    if expression is not None:
        try:
            node = ast.parse(expression.strip(), mode="eval").body
        except SyntaxError as exc:
            raise InputError(
                f"model: {expression!r} is not a Python expression ({exc.msg})"
            ) from None
        for part in ast.walk(node):  # its refusals say so, not "line 1" of the file
            if isinstance(part, ast.expr):
                part.lineno = part.end_lineno = EXPRESSION_LINE
        value = interp.eval(node)
        if isinstance(value, UserClass):
            value = _instantiate_default(interp, value)
        if not isinstance(value, ModuleObject):
            raise InputError(
                f"model: {expression!r} is not an nn.Module (it is a {type(value).__name__})"
            )
        return value, expression.strip()
    if pasted:
        root = interp.globals.vars["self"]
        return root, "the pasted block"
    classes = [
        value
        for value in interp.globals.vars.values()
        if isinstance(value, UserClass) and value.base is not None
    ]
    if classes:
        cls = max(classes, key=lambda c: c.line)
        return _instantiate_default(interp, cls), cls.name
    modules = [
        (key, value)
        for key, value in interp.globals.vars.items()
        if isinstance(value, ModuleObject)
    ]
    if modules:
        key, value = modules[-1]
        return value, key
    raise InputError(
        "model: the file defines no nn.Module class and builds no module (nn.Sequential(...)); "
        "nothing to summarise"
    )


def _instantiate_default(interp: Interpreter, cls: UserClass) -> ModuleObject:
    found, init = cls.lookup("__init__")
    if found and isinstance(init, Function) and isinstance(init.node, ast.FunctionDef):
        spec = init.node.args
        params = [a.arg for a in (*spec.posonlyargs, *spec.args)][1:]
        required = params[: len(params) - len(init.defaults)]
        required += [a.arg for a in spec.kwonlyargs if a.arg not in init.kw_defaults]
        if required:
            factories = [
                f"{key}()"
                for key, value in interp.globals.vars.items()
                if isinstance(value, Function)
                and isinstance(value.node, ast.FunctionDef)
                and not value.node.args.args
            ][:4]
            hint = (
                f", or one of the file's factories: --model '{factories[0]}'" if factories else ""
            )
            others = f" ({', '.join(factories)})" if len(factories) > 1 else ""
            raise InputError(
                f"model: {cls.name}() needs arguments ({', '.join(required)}); give them with "
                f"--model '{cls.name}(...)'{hint}{others}"
            )
    value = interp.call(cls, [], {}, ast.Constant(None, lineno=cls.line, col_offset=0))
    assert isinstance(value, ModuleObject)
    return value


def _forward(
    interp: Interpreter,
    root: ModuleObject,
    name: str,
    inputs: list[Shape],
    dtype: str,
    *,
    pasted: bool,
    form: str = "module",
) -> Traced:
    interp.paths = module_paths(root)
    if root.base == "layer":
        interp.paths[id(root)] = name  # a lone layer is named after the variable holding it
    interp.root = root
    interp.budget.steps = 0  # the forward has its own step budget
    tensors = [Tensor.new(tuple(shape), "float32", -1 - k) for k, shape in enumerate(inputs)]
    recorder = interp.recorder
    recorder.active = True
    notes: list[str] = []
    if pasted:
        form = "init block"
        notes.append(
            "read as the layers assigned in __init__, in order (no forward was given: skips, "
            "reuse and functional ops cannot be known)"
        )
    site = ast.Constant(None)  # the model's own call: no line in the file
    try:
        output = interp.call(root, list(tensors), {}, site)
    except ForwardError as exc:
        exc.rows = recorder.rows
        if pasted:
            exc.args = (
                f"{exc}; an __init__ block shows no forward (a flatten, a skip, a functional op "
                "may belong here): give the model's source",
            )
        raise
    except ConvcalcError as exc:
        raise ForwardError(str(exc), recorder.rows) from None
    finally:
        recorder.active = False
    from convcalc.interpreter.modules import _tensors

    outputs = tuple(t.shape for t in _tensors([output], {}))
    params, buffers = state_counts(root)
    warnings: list[str] = []
    for path, module in uncalled(root, recorder.called):
        p, _ = state_counts(module)
        counted = (
            f"; its {p:,} parameters are counted, as model.parameters() counts them" if p else ""
        )
        warnings.append(f"{path} ({module.kind}) is never called by the forward{counted}")
    for row in recorder.rows:
        if row.role == "layer" and row.name.startswith("(") and not row.repeat:
            warnings.append(
                f"{row.kind} called at line {row.line} is not a registered submodule (held in a "
                f"plain list, or built in forward): model.parameters() leaves out its "
                f"{row.params:,} parameters (use nn.ModuleList)"
            )
    for (line, _col), (text, outcomes) in sorted(interp.branches.items()):
        taken = " and ".join(sorted(("true" if o else "false") for o in outcomes))
        notes.append(
            f"line {line}: `{text}` depends on the input's shape; it was {taken} for this input"
        )
    return Traced(
        model=name,
        inputs=tuple(tuple(s) for s in inputs),
        outputs=outputs,
        rows=recorder.rows,
        params=params,
        buffers=buffers,
        notes=notes,
        warnings=warnings,
        form=form,
    )
