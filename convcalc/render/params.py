"""`convcalc params`: the variants of one layer side by side, then the layers of each."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from convcalc.render import fmt_int, fmt_shape, make_table, with_flags
from convcalc.variants import Comparison


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.3g}"


def _summary(comparison: Comparison, arrow: str, ascii_only: bool) -> Table:
    table = make_table(
        "variant",
        "channels",
        "weights",
        "biases",
        "params",
        "ratio",
        title=comparison.layer.torch_call(),
        ascii_only=ascii_only,
    )
    table.columns[1].justify = "left"
    for variant in comparison.variants:
        table.add_row(
            variant.name,
            arrow.join(map(str, variant.channels)),
            fmt_int(variant.weights),
            fmt_int(variant.biases),
            fmt_int(variant.params),
            _ratio(variant.ratio),
        )
    return table


def _costs(comparison: Comparison, ascii_only: bool) -> Table:
    table = make_table(
        "variant",
        "output shape",
        "MACs",
        "ratio",
        title=f"on input {fmt_shape(comparison.input_shape)}",
        ascii_only=ascii_only,
    )
    for variant in comparison.variants:
        table.add_row(
            variant.name,
            fmt_shape(variant.output_shape),
            fmt_int(variant.macs),
            _ratio(variant.macs_ratio),
        )
    return table


def _layers(comparison: Comparison, plus_minus: str, ascii_only: bool) -> Table:
    table = make_table("layers", "params", "init bound", ascii_only=ascii_only)
    # a long call wraps under itself; names and numbers never wrap
    table.columns[0].no_wrap = False
    table.columns[0].overflow = "fold"
    for variant in comparison.variants:
        table.add_row(Text(variant.name, style="bold"), "", "")
        for layer in variant.layers:
            bound = "—" if layer.init_bound is None else f"{plus_minus}{layer.init_bound:.3g}"
            table.add_row(
                Padding(Text(layer.spec.torch_call()), (0, 0, 0, 2)),
                fmt_int(layer.params),
                bound,
            )
    return table


def params_report(comparison: Comparison, *, ascii_only: bool = False) -> RenderableType:
    arrow = "->" if ascii_only else "→"
    plus_minus = "+-" if ascii_only else "±"
    parts: list[RenderableType] = [_summary(comparison, arrow, ascii_only)]
    if comparison.input_shape is not None:
        parts += [Text(""), _costs(comparison, ascii_only)]
    parts += [Text(""), _layers(comparison, plus_minus, ascii_only)]

    notes = Text()
    for variant in comparison.variants:
        if variant.note:
            notes.append(f"\nnote: {variant.name}: {variant.note}")
    for name, reason in comparison.skipped:
        notes.append(f"\nnot shown: {name}: {with_flags(reason)}")
    if notes:
        parts.append(notes)
    return Group(*parts)
