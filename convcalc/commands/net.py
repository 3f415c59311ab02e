"""`convcalc net`: a chain of PyTorch layers, written as constructor calls, summarised."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from convcalc.commands.layer_options import JSON_OPTION, parse_shape
from convcalc.commands.output import print_json, print_report
from convcalc.dtypes import DTYPE_BYTES

# typer offers an Enum's values as the choices; the names come from the one table of sizes
# (mypy cannot list members built from a dict, hence the ignore)
Dtype = enum.StrEnum("Dtype", [(name, name) for name in DTYPE_BYTES])  # type: ignore[misc]
FLOAT32 = Dtype("float32")

EPILOG = (
    "\b\nExamples:\n"
    '  $ convcalc net -i 1,1,32,32 "Conv2d(1, 6, 5)" "ReLU()" "MaxPool2d(2)"\n'
    '  $ convcalc net -i 3,64,64 "nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(0))"\n'
    "  $ convcalc net --file model.py --dtype float16 --json"
)


def net(
    expressions: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer reads the annotation at run time
        typer.Argument(
            metavar="[EXPR]...",
            help='PyTorch constructor calls as written in a model, e.g. "nn.Conv2d(3, 64, 7, '
            'stride=2)", or one nn.Sequential(...) holding them.',
            show_default=False,
        ),
    ] = None,
    input: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--input",
            "-i",
            metavar="SHAPE",
            help="Input shape, e.g. 1,3,224,224 [default: the file's '# input' line].",
            show_default=False,
        ),
    ] = None,
    file: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--file",
            "-f",
            metavar="PATH",
            help="A .py file with one nn.Sequential(...) or one call per line, or a "
            '.json/.toml/.yaml list of layers ({"type": "Conv2d", ...}).',
            show_default=False,
        ),
    ] = None,
    dtype: Annotated[
        Dtype, typer.Option("--dtype", help="Element type for the activation memory.")
    ] = FLOAT32,
    json_output: JSON_OPTION = False,
) -> None:
    """Summarise a chain of layers (nn.Sequential) without PyTorch: per layer the output
    shape, parameters, MACs, cumulative receptive field and jump; then the totals.

    Arguments are read, never run: only literals and simple arithmetic are allowed.
    """
    from convcalc import network

    if expressions and file is not None:
        raise typer.BadParameter("give layer expressions or --file, not both", param_hint="EXPR")
    if not expressions and file is None:
        raise typer.BadParameter("give layer expressions or --file", param_hint="EXPR")
    model = Path(file) if file is not None else list(expressions or [])
    try:
        result = network.summarize(model, None if input is None else parse_shape(input))
    except network.MissingInputShape:
        raise typer.BadParameter(
            "needed (or a '# input 1, 3, 224, 224' line in the file)", param_hint="'--input'"
        ) from None
    if json_output:
        print_json(result.to_json(dtype.value))
        return
    from convcalc.render.net import net_report

    print_report(
        lambda ascii_only, width: net_report(
            result, dtype.value, width=width, ascii_only=ascii_only
        )
    )
