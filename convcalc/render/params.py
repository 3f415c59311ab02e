"""`convcalc params`: the variants of one layer side by side, then the layers of each."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from convcalc.notation import compact as compact_number
from convcalc.render import (
    Cell,
    Rows,
    fit_columns,
    fitted_table,
    fmt_int,
    fmt_shape,
    make_table,
    table_width,
    with_flags,
)
from convcalc.variants import Comparison


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.3g}"


def _number(compact: bool) -> Callable[[int | None], str]:
    return (lambda v: "—" if v is None else compact_number(v)) if compact else fmt_int


def _summary(comparison: Comparison, arrow: str, ascii_only: bool, width: int) -> RenderableType:
    def build(compact: bool, dropped: frozenset[str]) -> Rows:
        number = _number(compact)
        columns = {
            "variant": [v.name for v in comparison.variants],
            "channels": [arrow.join(map(str, v.channels)) for v in comparison.variants],
            "weights": [number(v.weights) for v in comparison.variants],
            "biases": [number(v.biases) for v in comparison.variants],
            "params": [number(v.params) for v in comparison.variants],
            "ratio": [_ratio(v.ratio) for v in comparison.variants],
        }
        kept = [name for name in columns if name not in dropped]
        return tuple(kept), list(zip(*(columns[name] for name in kept), strict=True))

    # params = weights + biases: those two go first, then the channel flow
    headers, rows = fit_columns(build, width, ("weights", "biases", "channels", "ratio"))
    justify = [
        "left" if i == 0 or name == "channels" else "right" for i, name in enumerate(headers)
    ]
    title = comparison.layer.torch_call()
    return fitted_table(headers, justify, rows, width=width, title=title, ascii_only=ascii_only)


def _costs(comparison: Comparison, ascii_only: bool, width: int) -> RenderableType:
    def build(compact: bool, dropped: frozenset[str]) -> Rows:
        number = _number(compact)
        rows = [
            (
                v.name,
                fmt_shape(v.output_shape).replace(", ", ",")
                if compact
                else fmt_shape(v.output_shape),
                number(v.macs),
                _ratio(v.macs_ratio),
            )
            for v in comparison.variants
        ]
        headers = ("variant", "output shape", "MACs", "ratio")
        kept = [i for i, name in enumerate(headers) if name not in dropped]
        return tuple(headers[i] for i in kept), [tuple(row[i] for i in kept) for row in rows]

    headers, rows = fit_columns(build, width, ("output shape", "ratio"))
    justify = ["left"] + ["right"] * (len(headers) - 1)
    title = f"on input {fmt_shape(comparison.input_shape)}"
    return fitted_table(headers, justify, rows, width=width, title=title, ascii_only=ascii_only)


def _layers(
    comparison: Comparison, plus_minus: str, ascii_only: bool, width: int
) -> RenderableType:
    headers = ("layers", "params", "init bound")
    rows: list[tuple[Cell, str, str]] = []
    for variant in comparison.variants:
        rows.append(((variant.name, "bold"), "", ""))
        for layer in variant.layers:
            bound = "—" if layer.init_bound is None else f"{plus_minus}{layer.init_bound:.3g}"
            rows.append(("  " + layer.spec.torch_call(), fmt_int(layer.params), bound))
    if table_width(headers, rows) <= width:
        return fitted_table(
            headers, ("left", "right", "right"), rows, width=width, ascii_only=ascii_only
        )
    # too wide: a long call wraps under itself; names and numbers never wrap
    table = make_table(*headers, ascii_only=ascii_only)
    table.columns[0].no_wrap = False
    table.columns[0].overflow = "fold"
    for name, params, bound in rows:
        if isinstance(name, tuple):
            table.add_row(Text(name[0], style=name[1]), params, bound)
        else:
            table.add_row(Padding(Text(name.removeprefix("  ")), (0, 0, 0, 2)), params, bound)
    return table


def params_report(
    comparison: Comparison, *, width: int = 80, ascii_only: bool = False
) -> RenderableType:
    arrow = "->" if ascii_only else "→"
    plus_minus = "+-" if ascii_only else "±"
    parts: list[RenderableType] = [_summary(comparison, arrow, ascii_only, width)]
    if comparison.input_shape is not None:
        parts += [Text(""), _costs(comparison, ascii_only, width)]
    parts += [Text(""), _layers(comparison, plus_minus, ascii_only, width)]

    notes = Text()
    for variant in comparison.variants:
        if variant.note:
            notes.append(f"\nnote: {variant.name}: {variant.note}")
    for name, reason in comparison.skipped:
        notes.append(f"\nnot shown: {name}: {with_flags(reason)}")
    if notes:
        parts.append(notes)
    return Group(*parts)
