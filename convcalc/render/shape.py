"""`convcalc shape`: one layer on one input, as a table of axes and a summary."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from convcalc.arithmetic import LayerShape, WindowAxis
from convcalc.notation import fraction_text
from convcalc.render import fitted_grid, fitted_table, fmt_int, fmt_shape, warnings_text


def shape_report(
    result: LayerShape,
    *,
    spatial: bool = False,
    counted: bool = True,
    assumed: str | None = None,
    ascii_only: bool = False,
    width: int = 80,
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
    rows: list[list[str]] = []
    for axis in result.axes:
        if not isinstance(axis, WindowAxis):
            rows.append([axis.name, str(axis.input), str(axis.output), str(axis.receptive_field)])
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
        rows.append(row)
    justify = ["left"] + ["right"] * (len(columns) - 1)
    table = fitted_table(columns, justify, rows, width=width, title=title, ascii_only=ascii_only)

    formulas = Text("\n")
    for axis in result.axes:
        formulas.append(f"{axis.name}: ", style="bold")
        formulas.append(axis.formula + "\n")

    summary: list[tuple[str, str]] = []
    if spatial:
        summary.append(("output size", " × ".join(str(axis.output) for axis in result.axes)))
    else:
        summary.append(("output shape", fmt_shape(result.output_shape)))
    if counted:
        if result.weight_shape is not None:
            summary.append(("weight", fmt_shape(result.weight_shape)))
            summary.append(("bias", fmt_shape(result.bias_shape)))
        summary.append(("params", fmt_int(result.params)))
        kind = " (pooling)" if result.weight_shape is None else " per sample" if spatial else ""
        summary.append(("MACs", fmt_int(result.macs) + kind))
    summary.append(("receptive field", " × ".join(map(str, result.receptive_field))))
    summary.append(("jump", " × ".join(fraction_text(j) for j in result.jump)))
    if counted and result.init_bound is not None:
        bound = f"{result.init_bound:.6g}"
        summary.append(("init bound", f"U(−{bound}, {bound}) = 1/√{result.fan_in}"))

    parts: list[RenderableType] = [table, formulas, fitted_grid(summary, width=width)]
    if assumed:
        parts.append(Text(f"\nnote: {assumed}"))
    if result.warnings:
        parts.append(warnings_text(result.warnings))
    return Group(*parts)
