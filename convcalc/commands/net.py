"""`convcalc net`: a chain of PyTorch layers, written as constructor calls, summarised."""

# No `from __future__ import annotations`: typer would eval() the text of every option's
# annotation on every call.
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
    "  $ convcalc net --file model.py --dtype float16 --json\n"
    "  $ convcalc net -f resnet.py --model 'ResNet18()' -i 1,3,32,32 --depth 2"
)


def net(
    expressions: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer reads the annotation at run time
        typer.Argument(
            metavar="[EXPR]...",
            help='PyTorch constructor calls as written in a model, e.g. "nn.Conv2d(3, 64, 7, '
            'stride=2)", or one nn.Sequential(...) holding them, or a whole pasted model.',
            show_default=False,
        ),
    ] = None,
    input: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--input",
            "-i",
            metavar="SHAPE",
            help="Input shape, e.g. 1,3,224,224; repeat it for a forward taking several "
            "tensors [default: the file's '# input' lines].",
            show_default=False,
        ),
    ] = None,
    file: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--file",
            "-f",
            metavar="PATH",
            help="A .py model (nn.Module classes, an nn.Sequential, layer calls, or "
            "print(model) text; '-' reads stdin), or a .json/.toml/.yaml list of layers "
            '({"type": "Conv2d", ...}).',
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--model",
            metavar="EXPR",
            help="The model to build, as Python: a class or factory of the file and its "
            "arguments, e.g. \"VGG('VGG16')\" [default: the last nn.Module class].",
            show_default=False,
        ),
    ] = None,
    depth: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option(
            "--depth",
            metavar="N",
            min=1,
            help="Show rows down to this depth; deeper rows fold into their module's totals.",
            show_default=False,
        ),
    ] = None,
    dtype: Annotated[
        Dtype, typer.Option("--dtype", help="Element type for the memory sizes.")
    ] = FLOAT32,
    save: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--save",
            metavar="FILE.svg",
            help="Also draw the network as an SVG diagram ('-': only the SVG, to stdout).",
            show_default=False,
        ),
    ] = None,
    json_output: JSON_OPTION = False,
) -> None:
    """Summarise a model without PyTorch: a chain of layers (per layer the output shape,
    parameters, MACs, cumulative receptive field and jump), or nn.Module classes (the forward
    as a tree of module calls and tensor ops); then the totals and memory.

    Nothing is run: the text is parsed and interpreted by convcalc, within bounds.
    """
    from convcalc import network

    if expressions and file is not None:
        raise typer.BadParameter("give layer expressions or --file, not both", param_hint="EXPR")
    if not expressions and file is None:
        raise typer.BadParameter("give layer expressions or --file", param_hint="EXPR")
    source: network.ModelSource
    if file == "-":
        source = network.read_stdin()
    elif file is not None:
        source = Path(file)
    else:
        source = list(expressions or [])
    shapes = None if not input else [parse_shape(text) for text in input]
    try:
        result = network.summarize(source, inputs=shapes, model_expression=model)
    except network.MissingInputShape:
        raise typer.BadParameter(
            "needed (or a '# input 1, 3, 224, 224' line in the file)", param_hint="'--input'"
        ) from None
    except network.ForwardFailure as failure:
        if not json_output and failure.partial.layers:
            _print(failure.partial, dtype.value, depth)
        raise
    note = None
    if save is not None:
        from convcalc.commands.draw import save_beside_report
        from convcalc.figures import draw_network

        note = save_beside_report(draw_network(result), save)
        if note is None:
            return
    if json_output:
        print_json(result.to_json(dtype.value))  # the JSON alone: no note
        return
    _print(result, dtype.value, depth)
    if note is not None:
        typer.echo(note)


def _print(result: object, dtype: str, depth: int | None) -> None:
    from convcalc.network import Network
    from convcalc.render.net import net_report, tree_report

    assert isinstance(result, Network)
    if result.form == "chain":
        print_report(
            lambda ascii_only, width: net_report(result, dtype, width=width, ascii_only=ascii_only)
        )
        return
    print_report(
        lambda ascii_only, width: tree_report(
            result, dtype, depth=depth, width=width, ascii_only=ascii_only
        )
    )
