"""`convcalc net`: one row per layer (a chain) or per call of the forward (a module, as a tree
of module paths), torchinfo-style, then the totals."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from rich.console import Group, RenderableType
from rich.text import Text

from convcalc.expressions import Call
from convcalc.layers import signature
from convcalc.network import NetLayer, Network
from convcalc.notation import compact, count_text, fraction_text
from convcalc.render import GAP, fitted_grid, fitted_table, fmt_int, fmt_shape

MIN_LAYER_WIDTH = 20  # below this, params and MACs go compact (12.3M) to leave room


def _axes(values: tuple[int, ...] | tuple[Fraction, ...] | None) -> str:
    if values is None:
        return "—"
    texts = [fraction_text(v) if isinstance(v, Fraction) else str(v) for v in values]
    # one number when every axis agrees: 7 rather than 7×7
    return texts[0] if len(set(texts)) == 1 else "×".join(texts)


def _compact_value(value: object) -> str:
    if isinstance(value, tuple):
        inner = ",".join(_compact_value(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def compact_call(call: Call) -> str:
    """The call with PyTorch's positional order used where it can be and no spaces:
    Conv2d(3, 64, kernel_size=11, stride=4, padding=2) → Conv2d(3,64,11,4,2)."""
    order = signature(call.class_name)
    args = list(call.args)
    kwargs = dict(call.kwargs)
    while len(args) < len(order) and order[len(args)] in kwargs:
        args.append(kwargs.pop(order[len(args)]))
    parts = [_compact_value(a) for a in args]
    parts += [f"{k}={_compact_value(v)}" for k, v in kwargs.items()]
    return f"{call.class_name}({','.join(parts)})"


def short_layer(call: Call, width: int) -> str:
    """The call as written (without torch.nn. / nn.); if that is too wide, its compact form;
    cut to `width` with … if even that is."""
    text = call.text
    for prefix in ("torch.nn.", "nn."):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    if len(text) > width:
        text = min(text, compact_call(call), key=len)
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


def _size(n: int) -> str:
    """Bytes, and in binary units, computed in integers (no float overflow, ever)."""
    text = f"{n:,}" if n.bit_length() <= 99 else count_text(n)
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            if n >= 1000 * 2**40:
                return f"{text} bytes"
            tenths = round(Fraction(n * 10, size))  # half to even, as format's .1f
            return f"{text} bytes ({tenths // 10}.{tenths % 10} {unit})"
    return f"{text} bytes"


def net_report(
    result: Network, dtype: str = "float32", *, width: int = 80, ascii_only: bool = False
) -> RenderableType:
    layers = result.layers
    headers = ("#", "layer", "output shape", "params", "MACs", "RF", "jump")
    tight = False  # shapes without spaces: (1,64,55,55)
    number: Callable[[int], str] = fmt_int

    def shape_cell(shape: tuple[int, ...]) -> str:
        text = fmt_shape(shape)
        return text.replace(", ", ",") if tight else text

    # each column's cells once (a table may have 10,000 rows); numbers and shapes are redone
    # only if they must shrink
    marks = [f"{layer.index}{'*' if layer.effect.warnings else ''}" for layer in layers]
    fields = [_axes(layer.receptive_field) for layer in layers]
    jumps = [_axes(layer.jump) for layer in layers]
    columns: dict[str, list[str]] = {}

    def fill() -> None:
        columns["shape"] = [shape_cell(layer.output_shape) for layer in layers]
        columns["params"] = [number(layer.effect.params) for layer in layers]
        columns["macs"] = [number(layer.effect.macs) for layer in layers]

    def rows() -> list[list[str]]:
        return [
            list(row)
            for row in zip(
                marks,
                [""] * len(layers),
                columns["shape"],
                columns["params"],
                columns["macs"],
                fields,
                jumps,
                strict=True,
            )
        ]

    def room() -> int:
        first = ["", "input", shape_cell(result.input_shape)]
        cells = [marks, [], columns["shape"], columns["params"], columns["macs"], fields, jumps]
        widths = [
            max([len(headers[i]), *(len(c) for c in cells[i]), len(first[i]) if i < 3 else 0])
            for i in range(len(headers))
        ]
        return width - sum(widths) + widths[1] - GAP * (len(headers) - 1)

    fill()

    # make room for the layer text: compact numbers first, then shapes without spaces
    if room() < MIN_LAYER_WIDTH:
        number = compact
        fill()
    if room() < MIN_LAYER_WIDTH:
        tight = True
        fill()
    layer_width = max(room(), 8)

    body = [["", "input", shape_cell(result.input_shape), "", "", "", ""]]
    for layer, row in zip(layers, rows(), strict=True):
        assert layer.call is not None  # every layer of a chain was written as a call
        row[1] = short_layer(layer.call, layer_width)
        body.append(row)
    justify = ["left", "left", "left", "right", "right", "right", "right"]
    table = fitted_table(headers, justify, body, width=width, ascii_only=ascii_only)

    summary = _totals(result, dtype, width)

    notes = Text("\n")
    for note in result.notes:
        notes.append("note: ", style="bold")
        notes.append(f"{note}\n")
    for layer in layers:
        for warning in layer.effect.warnings:
            assert layer.call is not None
            notes.append("warning: ", style="yellow bold")
            notes.append(f"layer {layer.index}* {short_layer(layer.call, 40)}: {warning}\n")
    notes.append(
        "MACs count convolutions (transposed ones from the input) and Linear; other layers "
        "count 0. RF and jump: cumulative, per spatial axis, in input elements (one number "
        "when all axes agree; — where not tracked). Activations: every layer's output, input "
        "excluded."
    )
    return Group(table, Text(""), summary, notes)


def _totals(result: Network, dtype: str, width: int) -> RenderableType:
    outputs = result.outputs if len(result.outputs) > 1 else (result.output_shape,)
    inputs = "input" if len(result.inputs) <= 1 else "inputs"
    rows = [
        (
            "output shape" if len(outputs) == 1 else "output shapes",
            ", ".join(fmt_shape(s) for s in outputs),
        ),
        ("params", f"{fmt_int(result.params)} (all trainable)"),
        ("buffers", f"{fmt_int(result.buffers)} (non-trainable running statistics)"),
        ("MACs", fmt_int(result.macs)),
        (f"activations ({dtype})", _size(result.activation_bytes(dtype))),
        (f"parameters ({dtype})", _size(result.param_bytes(dtype))),
        (f"{inputs} ({dtype})", _size(result.input_bytes(dtype))),
    ]
    return fitted_grid(rows, width=width)


def _folded(result: Network, depth: int | None) -> list[tuple[NetLayer, bool]]:
    """The rows shown at `depth` (None: all), each with whether rows inside it are hidden
    (then it shows its totals)."""
    shown: list[tuple[NetLayer, bool]] = []
    has_hidden: set[int] = set()
    if depth is not None:
        for layer in result.layers:
            if layer.depth > depth and layer.parent is not None:
                ancestor = layer.parent
                while result.layers[ancestor].depth > depth:
                    parent = result.layers[ancestor].parent
                    assert parent is not None
                    ancestor = parent
                has_hidden.add(ancestor)
    for layer in result.layers:
        if depth is not None and layer.depth > depth:
            continue
        shown.append((layer, layer.index in has_hidden))
    return shown


def tree_report(
    result: Network,
    dtype: str = "float32",
    *,
    depth: int | None = None,
    width: int = 80,
    ascii_only: bool = False,
) -> RenderableType:
    """A model's forward as a tree: each row a module call or tensor op, named by its path and
    indented by depth; a module whose rows are folded (`depth`) shows their totals."""
    rows = _folded(result, depth)
    headers = ("layer", "type", "output shape", "params", "MACs")
    tight = False
    number: Callable[[int], str] = fmt_int

    def shape_cell(layer: NetLayer) -> str:
        shapes = layer.outputs or (layer.output_shape,)
        text = ", ".join(fmt_shape(s) for s in shapes[:2]) + (" …" if len(shapes) > 2 else "")
        if layer.role == "module" and not shapes:
            text = "—"
        return text.replace(", ", ",") if tight else text

    def cells(layer: NetLayer, folded: bool) -> list[str]:
        mark = "*" if layer.effect.warnings else ""
        name = "  " * (layer.depth - 1) + layer.name + mark
        kind = "" if layer.kind == layer.name else layer.kind
        if layer.role == "module":
            params = number(layer.total_params) if folded else ""
            macs = number(layer.total_macs) if folded else ""
        else:
            params = "(repeat)" if layer.repeat and layer.role == "layer" else number(layer.params)
            macs = number(layer.effect.macs)
            if layer.role == "op":
                params = "" if not layer.params else params
                macs = "" if not layer.effect.macs else macs
        return [name, kind, shape_cell(layer), params, macs]

    def room(body: list[list[str]]) -> int:
        input_cells = ["input", "", ", ".join(fmt_shape(s) for s in result.inputs), "", ""]
        table_cells = [list(headers), input_cells, *body]
        widths = [max(len(row[i]) for row in table_cells) for i in range(len(headers))]
        return width - sum(widths) - GAP * (len(headers) - 1)

    body_cells = [cells(r, f) for r, f in rows]
    if room(body_cells) < 0:
        number = compact
        body_cells = [cells(r, f) for r, f in rows]
    if room(body_cells) < 0:
        tight = True
        body_cells = [cells(r, f) for r, f in rows]

    shapes = result.inputs or (result.input_shape,)
    body = [["input", "", ", ".join(fmt_shape(s) for s in shapes), "", ""]]
    body += body_cells
    justify = ["left", "left", "left", "right", "right"]
    table = fitted_table(headers, justify, body, width=width, ascii_only=ascii_only)

    parts: list[RenderableType] = [table, Text("")]
    if result.complete:
        parts.append(_totals(result, dtype, width))
    notes = Text("\n" if result.complete else "")
    for note in result.notes:
        notes.append("note: ", style="bold")
        notes.append(f"{note}\n")
    for warning in result.warnings:
        notes.append("warning: ", style="yellow bold")
        notes.append(f"{warning}\n")
    for layer in result.layers:
        for warning in layer.effect.warnings:
            notes.append("warning: ", style="yellow bold")
            where = f" at line {layer.line}" if layer.line else ""
            notes.append(f"{layer.name}*{where}: {warning}\n")
    if result.complete:
        if result.notes or result.warnings or any(r.effect.warnings for r in result.layers):
            notes.append("\n")
        notes.append(
            "Rows: module calls (by path) and tensor ops, in the order the forward runs them; "
            "a module called again shows (repeat) and its params count once. MACs count "
            "convolutions and Linear (F.conv*/F.linear too), every call. Activations: every "
            "layer's and op's output, input excluded."
        )
    else:
        notes.append("The forward stops at the call after the last row (the error follows).")
    parts.append(notes)
    return Group(*parts)
