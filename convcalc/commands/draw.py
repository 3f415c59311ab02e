"""`convcalc draw KIND`: one layer as an SVG figure, from its shapes or with its numbers."""

from __future__ import annotations

import inspect
import sys
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from convcalc.commands import GROUPS
from convcalc.commands.layer_options import (
    build_spec,
    layer_command,
    parse_ints,
    parse_shape,
    spec_args,
)
from convcalc.kinds import CONV_FAMILIES, FAMILY_PREFIX, torch_name

if TYPE_CHECKING:
    from convcalc.figures import Figure

app = typer.Typer(
    name="draw",
    help=GROUPS["draw"][1],
    no_args_is_help=True,
    context_settings={"token_normalize_func": str.lower},
)


INPUT_OPTION = Annotated[
    str,
    typer.Option(
        "--input",
        "-i",
        metavar="SHAPE|ARRAY",
        help="Input shape (1,1,5,5), or an ARRAY as `run` reads it ('[[1,2],[3,4]]', "
        "@file.npy, - for stdin) to draw the numbers.",
    ),
]
WEIGHT_OPTION = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at run time
    typer.Option(
        "--weight",
        "--kernel",
        "-w",
        metavar="ARRAY",
        help="Weight ARRAY (with an input ARRAY), as `run` takes it.",
    ),
]
BIAS_OPTION = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--bias", "-b", metavar="ARRAY", help="Bias ARRAY: one value per output channel."),
]
OUT_CHANNELS_OPTION = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(
        "--out-channels", "-o", metavar="INT", help="Output channels (with an input SHAPE)."
    ),
]
KERNEL_OPTION = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--kernel-size",
        "-k",
        metavar="SIZE",
        help="Kernel size, an int or one per axis (with an input SHAPE).",
    ),
]
AT_OPTION = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--at",
        metavar="I,J",
        help="The output element to mark: its spatial indexes, or all of them. [default: "
        "the first]",
        show_default=False,
    ),
]
ANIMATE_OPTION = Annotated[
    bool,
    typer.Option("--animate", help="One frame per output position drawn, looping (SVG animation)."),
]
CHANNELS_OPTION = Annotated[
    bool,
    typer.Option(
        "--channels", help="Draw which input channels feed which output channels (groups)."
    ),
]
SAVE_OPTION = Annotated[
    str,
    typer.Option("--save", metavar="FILE.svg", help="Write the SVG here; - writes it to stdout."),
]

# Each line fits 80 columns after "    $ convcalc draw KIND " (tests/test_terminal.py).
_EXAMPLES = {
    "conv": {
        1: [
            "-i 1,1,7 -o 1 -k 3 -s 2 -p 1 --save conv.svg",
            "-i '[1,2,3,4]' -w '[1,2,3]' --save sum.svg",
            "-i 1,5 -o 1 -k 3 -p 2 --padding-mode reflect --save -",
        ],
        2: [
            "-i 1,1,5,5 -o 1 -k 3 -s 2 -p 1 --save conv.svg",
            "-i 1,6,6 -o 1 -k 3 -d 2 --animate --save d.svg",
            "-i 32,8,8 -o 64 -k 3 -g 4 --channels --save g.svg",
        ],
        3: [
            "-i 1,1,5,5,5 -o 1 -k 3 -s 2 -p 1 --save slices.svg",
            "-i 8,4,6,6 -o 8 -k 3 -g 8 --channels --save dw.svg",
        ],
    },
    "convtranspose": {
        1: [
            "-i '[1,2,3]' -w '[1,2]' -s 2 --save t.svg",
            "-i 1,4 -o 1 -k 3 -s 2 --animate --save t.svg",
        ],
        2: [
            "-i '[[1,2],[3,4]]' -w '[[1]]' -s 2 --save t",
            "-i 1,1,3,3 -o 1 -k 3 -s 2 -p 1 --save up.svg",
        ],
        3: [
            "-i 8,2,4,4 -o 8 -k 3 --channels --save -",
            "-i 4,2,4,4 -o 4 -k 2 --channels --save c.svg",
        ],
    },
    "maxpool": {
        1: [
            "-i 1,1,6 -k 3 -s 2 --ceil-mode --save pool.svg",
            "-i '[1,5,2,4,3]' -k 2 --save max.svg",
        ],
        2: [
            "-i 1,1,6,6 -k 3 -s 2 --ceil-mode --save pool.svg",
            "-i 1,64,112,112 -k 3 -s 2 -p 1 --animate --save -",
        ],
        3: ["-i 1,1,4,6,6 -k 2 --save slices.svg", "-i 1,1,5,5,5 -k 3 -s 2 -p 1 --save pool.svg"],
    },
    "avgpool": {
        1: [
            "-i 1,1,7 -k 3 -s 2 -p 1 --save pool.svg",
            "-i '[1,2,3,4,5]' -k 2 --ceil-mode --save -",
        ],
        2: [
            "-i 1,1,5,5 -k 3 -s 2 -p 1 --ceil-mode --save p.svg",
            "-i '[[1,2],[3,4]]' -k 2 -p 1 --save means.svg",
        ],
        3: ["-i 1,1,4,6,6 -k 2 --save slices.svg", "-i 1,1,5,5,5 -k 3 -s 2 -p 1 --save pool.svg"],
    },
    "adaptiveavgpool": {
        1: ["-i 1,1,7 --output-size 3 --save a.svg", "-i '[1,2,3,4,5]' --output-size 2 --save -"],
        2: [
            "-i 1,7,5 --output-size 3,2 --save a.svg",
            "-i 1,7,5 --output-size 3 --at 1,1 --save -",
        ],
        3: ["-i 1,5,7,7 --output-size 2,3,3 --save s", "-i 1,4,5,5 --output-size 2 --save -"],
    },
}
_EXAMPLES["adaptivemaxpool"] = _EXAMPLES["adaptiveavgpool"]


def _examples(family: str, dims: int) -> str:
    kind = f"{family}{dims}d"
    lines = "\n".join(f"  $ convcalc draw {kind} {e}" for e in _EXAMPLES[family][dims])
    return f"\b\nExamples:\n{lines}"


def is_array(text: str) -> bool:
    """An ARRAY (brackets, @file, - for stdin) rather than a SHAPE of bare numbers."""
    stripped = text.strip()
    return stripped == "-" or stripped[:1] in ("[", "@")


def write_figure(figure: Figure, save: str, *, quiet: bool = False) -> None:
    """`--save`: the SVG to a file (one line saying so unless `quiet`) or, for -, to
    stdout."""
    from convcalc.errors import InputError

    if save == "-":
        sys.stdout.write(figure.svg)
        sys.stdout.flush()
        return
    try:
        figure.save(save)
    except OSError as exc:
        raise InputError(f"save: cannot write {save!r}: {exc.strerror or exc}") from None
    if not quiet:
        typer.echo(saved_note(figure, save))


def save_beside_report(figure: Figure, save: str) -> str | None:
    """`--save` of a command that also reports (params, net): the SVG first, so a failure
    stops both; the line to print after the report, or None when the SVG went to stdout,
    which then holds nothing else."""
    write_figure(figure, save, quiet=True)
    return None if save == "-" else saved_note(figure, save)


def saved_note(figure: Figure, save: str) -> str:
    frames = f", {figure.frames} frames" if figure.frames else ""
    return f"wrote {save} ({figure.width:g}×{figure.height:g} px{frames})"


def _parse_at(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    return tuple(v for v in parse_ints(text, "at") if v is not None)


def _draw(family: str, dims: int) -> Any:
    conv = family in CONV_FAMILIES
    kind = f"{family}{dims}d"

    def body(
        given: dict[str, Any],
        *,
        input: str,
        weight: str | None = None,
        bias: str | None = None,
        out_channels: int | None = None,
        kernel_size: str | None = None,
        at: str | None,
        animate: bool,
        channels: bool,
        save: str,
    ) -> None:
        from convcalc import figures

        at_index = _parse_at(at)
        if channels and (animate or at is not None):
            raise typer.BadParameter(
                "a channels panel has no output position to mark or animate",
                param_hint="'--channels'",
            )
        if is_array(input):
            x, w, b, args = _arrays(given, input, weight, bias, out_channels, kernel_size)
            if channels:
                from convcalc.runs import run

                figure = figures.draw_channels(run(kind, x, w, b, **args).shape)
            else:
                figure = figures.draw_run(kind, x, w, b, at=at_index, animate=animate, **args)
            write_figure(figure, save)
            return
        for name, value in (("weight", weight), ("bias", bias)):
            if value is not None:
                raise typer.BadParameter(
                    "needs an input ARRAY ('[...]', @file or -), not a shape",
                    param_hint=f"'--{name}'",
                )
        from convcalc.arithmetic import analyze, check_input_shape

        shape = parse_shape(input)
        check_input_shape(shape)
        if conv:
            needed: tuple[tuple[str, object], ...] = (
                ("out-channels", out_channels),
                ("kernel-size", kernel_size),
            )
            for option, wanted in needed:
                if wanted is None:
                    raise typer.BadParameter(
                        "is needed with an input SHAPE (an input ARRAY takes it from -w)",
                        param_hint=f"'--{option}'",
                    )
            given = {**given, "out_channels": out_channels, "kernel_size": kernel_size}
        result = analyze(build_spec(family, dims, spec_args(family, dims, given, shape)), shape)
        if channels:
            figure = figures.draw_channels(result)
        else:
            figure = figures.draw_layer(result, at=at_index, animate=animate)
        write_figure(figure, save)

    def _arrays(
        given: dict[str, Any],
        input: str,
        weight: str | None,
        bias: str | None,
        out_channels: int | None,
        kernel_size: str | None,
    ) -> tuple[Any, Any, Any, dict[str, Any]]:
        """The arrays (read as `run` reads them) and the layer's other arguments."""
        from convcalc import arrays

        if [input, weight, bias].count("-") > 1:
            raise typer.BadParameter("only one ARRAY can come from stdin ('-')")
        if conv:
            for option, value in (
                ("in-channels", given.get("in_channels")),
                ("out-channels", out_channels),
                ("kernel-size", kernel_size),
            ):
                if value is not None:
                    raise typer.BadParameter(
                        "comes from the weight ARRAY, not an option", param_hint=f"'--{option}'"
                    )
        x = arrays.read_array(input, "input")
        args = spec_args(family, dims, given, x.shape, channels_from_input=False)
        w = None if weight is None else arrays.read_array(weight, "weight")
        b = None if bias is None else arrays.read_array(bias, "bias")
        return x, w, b, args

    before: tuple[tuple[str, Any, Any], ...] = (("input", INPUT_OPTION, inspect.Parameter.empty),)
    if conv:
        before += (
            ("weight", WEIGHT_OPTION, None),
            ("bias", BIAS_OPTION, None),
            ("out_channels", OUT_CHANNELS_OPTION, None),
            ("kernel_size", KERNEL_OPTION, None),
        )
    return layer_command(
        family,
        dims,
        body,
        before=before,
        after=(
            ("at", AT_OPTION, None),
            ("animate", ANIMATE_OPTION, False),
            ("channels", CHANNELS_OPTION, False),
            ("save", SAVE_OPTION, inspect.Parameter.empty),
        ),
        skip=frozenset({"out_channels", "kernel_size", "bias"}) if conv else frozenset(),
    )


for _family in FAMILY_PREFIX:
    for _dims in (1, 2, 3):
        app.command(
            f"{_family}{_dims}d",
            help=f"Draw torch.nn.{torch_name(_family, _dims)} as SVG: the input with its "
            "padding, the window at one output, stride and dilation, the output; with -i "
            "ARRAY the numbers and the marked element's sum.",
            epilog=_examples(_family, _dims),
        )(_draw(_family, _dims))
