"""`convcalc shape`: one layer on one input, as a table of axes and a summary."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from convcalc.arithmetic import LayerShape, WindowAxis
from convcalc.notation import fraction_text
from convcalc.render import fmt_int, fmt_shape, make_table, warnings_text


def shape_report(
    result: LayerShape,
    *,
    spatial: bool = False,
    counted: bool = True,
    assumed: str | None = None,
    ascii_only: bool = False,
) -> RenderableType:
    """The axes, formulas and summary; `spatial`: the input was spatial sizes only (the
    output's spatial sizes shown), `counted`: channels known, so weights and MACs shown."""
    spec = result.spec
    adaptive = not result.sliding
    transposed = spec.family == "convtranspose"
    if adaptive:
        columns = ["axis", "input", "output", "max window"]
    else:
        columns = ["axis", "input", "kernel", "dilation", "eff. k", "stride", "padding"]
        columns += ["out pad"] if transposed else []
        columns += ["output"]
    title = spec.torch_call(channels=counted)
    table = make_table(*columns, title=title, ascii_only=ascii_only)
    for axis in result.axes:
        if not isinstance(axis, WindowAxis):
            table.add_row(axis.name, str(axis.input), str(axis.output), str(axis.receptive_field))
            continue
        row = [
            axis.name,
            str(axis.input),
            str(axis.kernel),
            str(axis.dilation),
            str(axis.effective_kernel),
            str(axis.stride),
            f"{axis.padding[0]}+{axis.padding[1]}",
        ]
        row += [str(axis.output_padding)] if transposed else []
        row += [str(axis.output)]
        table.add_row(*row)

    formulas = Text("\n")
    for axis in result.axes:
        formulas.append(f"{axis.name}: ", style="bold")
        formulas.append(axis.formula + "\n")

    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    if spatial:
        summary.add_row("output size", " × ".join(str(axis.output) for axis in result.axes))
    else:
        summary.add_row("output shape", fmt_shape(result.output_shape))
    if counted:
        if result.weight_shape is not None:
            summary.add_row("weight", fmt_shape(result.weight_shape))
            summary.add_row("bias", fmt_shape(result.bias_shape))
        summary.add_row("params", fmt_int(result.params))
        kind = " (pooling)" if result.weight_shape is None else " per sample" if spatial else ""
        summary.add_row("MACs", fmt_int(result.macs) + kind)
    summary.add_row("receptive field", " × ".join(map(str, result.receptive_field)))
    summary.add_row("jump", " × ".join(fraction_text(j) for j in result.jump))
    if counted and result.init_bound is not None:
        summary.add_row(
            "init bound",
            f"U(−{result.init_bound:.6g}, {result.init_bound:.6g}) = 1/√{result.fan_in}",
        )

    parts: list[RenderableType] = [table, formulas, summary]
    if assumed:
        parts.append(Text(f"\nnote: {assumed}"))
    if result.warnings:
        parts.append(warnings_text(result.warnings))
    return Group(*parts)
