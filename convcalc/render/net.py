"""`convcalc net`: one row per layer, torchinfo-style, then the totals."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from convcalc.expressions import Call
from convcalc.layers import signature
from convcalc.network import Network
from convcalc.notation import compact, fraction_text
from convcalc.render import fmt_int, fmt_shape, make_table

MIN_LAYER_WIDTH = 20  # below this, params and MACs go compact (12.3M) to leave room
GAP = 2  # characters between columns in make_table's tables


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
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n:,} bytes ({n / size:.1f} {unit})"
    return f"{n:,} bytes"


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

    def rows() -> list[list[str]]:
        return [
            [
                f"{layer.index}{'*' if layer.effect.warnings else ''}",
                "",
                shape_cell(layer.output_shape),
                number(layer.effect.params),
                number(layer.effect.macs),
                _axes(layer.receptive_field),
                _axes(layer.jump),
            ]
            for layer in layers
        ]

    def room() -> int:
        cells = [list(headers), ["", "input", shape_cell(result.input_shape)], *rows()]
        widths = [max(len(row[i]) for row in cells if i < len(row)) for i in range(len(headers))]
        return width - sum(widths) + widths[1] - GAP * (len(headers) - 1)

    # make room for the layer text: compact numbers first, then shapes without spaces
    if room() < MIN_LAYER_WIDTH:
        number = compact
    if room() < MIN_LAYER_WIDTH:
        tight = True
    layer_width = max(room(), 8)

    table = make_table(*headers, ascii_only=ascii_only)
    table.columns[1].justify = "left"
    table.columns[2].justify = "left"
    table.add_row("", "input", shape_cell(result.input_shape), "", "", "", "")
    for layer, row in zip(layers, rows(), strict=True):
        row[1] = short_layer(layer.call, layer_width)
        table.add_row(*row)

    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    summary.add_row("output shape", fmt_shape(result.output_shape))
    summary.add_row("params", f"{fmt_int(result.params)} (all trainable)")
    summary.add_row("buffers", f"{fmt_int(result.buffers)} (non-trainable running statistics)")
    summary.add_row("MACs", fmt_int(result.macs))
    summary.add_row(f"activations ({dtype})", _size(result.activation_bytes(dtype)))

    notes = Text("\n")
    for layer in layers:
        for warning in layer.effect.warnings:
            notes.append("warning: ", style="yellow bold")
            notes.append(f"layer {layer.index}* {short_layer(layer.call, 40)}: {warning}\n")
    notes.append(
        "MACs count convolutions (transposed ones from the input) and Linear; other layers "
        "count 0. RF and jump: cumulative, per spatial axis, in input elements (one number "
        "when all axes agree; — where not tracked). Activations: every layer's output, input "
        "excluded."
    )
    return Group(table, Text(""), summary, notes)
