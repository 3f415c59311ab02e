"""`convcalc params KIND`: a conv layer's parameters beside its grouped, depthwise and
separable variants."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from convcalc.commands import GROUPS
from convcalc.commands.layer_options import (
    JSON_OPTION,
    build_spec,
    layer_command,
    parse_shape,
    spec_args,
)
from convcalc.commands.output import print_json, print_report
from convcalc.kinds import CONV_FAMILIES, torch_name

app = typer.Typer(
    name="params",
    help=GROUPS["params"][1],
    no_args_is_help=True,
    context_settings={"token_normalize_func": str.lower},
)

_INPUT = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at run time
    typer.Option(
        "--input",
        "-i",
        metavar="SHAPE",
        help="Input shape N,C,*spatial or C,*spatial: adds output shapes and MACs.",
    ),
]
_DEPTH_MULTIPLIER = Annotated[
    int,
    typer.Option(
        "--depth-multiplier",
        "-m",
        metavar="INT",
        help="Depthwise filters per input channel (out = in_channels·M).",
    ),
]
_BOTTLENECK_WIDTH = Annotated[
    Optional[int],  # noqa: UP045
    typer.Option(
        "--bottleneck-width",
        metavar="INT",
        help="Channels inside the bottleneck. [default: out_channels/4, as ResNet]",
        show_default=False,
    ),
]
_EXPANSION = Annotated[
    int,
    typer.Option(
        "--expansion",
        metavar="INT",
        help="Inverted bottleneck expansion factor (MobileNetV2's t).",
    ),
]

_SAVE = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--save",
        metavar="FILE.svg",
        help="Also draw the variants side by side as channel groups, as SVG; - writes only "
        "the SVG, to stdout.",
    ),
]

_EXAMPLES = {
    "conv": [
        "convcalc params {kind} --in-channels 3 --out-channels 256 -k 5",
        "convcalc params {kind} -i 1,64,{spatial} -o 128 -k 3 -p 1 -g 4",
        "convcalc params {kind} --in-channels 32 -o 64 -k 3 -g 4 --save v.svg",
    ],
    "convtranspose": [
        "convcalc params {kind} -i 1,64,{spatial} -o 32 -k 4 -s 2 -p 1",
        "convcalc params {kind} --in-channels 64 -o 32 -k 3 -g 8 --json",
    ],
}


def _examples(family: str, dims: int) -> str:
    spatial = ",".join(["28"] * dims)
    lines = "\n".join(
        "  $ " + e.format(kind=f"{family}{dims}d", spatial=spatial) for e in _EXAMPLES[family]
    )
    return f"\b\nExamples:\n{lines}"


def _params(family: str, dims: int) -> Any:
    def body(
        given: dict[str, Any],
        *,
        input: str | None,
        depth_multiplier: int,
        bottleneck_width: int | None,
        expansion: int,
        json_output: bool,
        save: str | None,
    ) -> None:
        from convcalc.arithmetic import check_input_shape
        from convcalc.specs import is_conv
        from convcalc.variants import compare

        input_shape = None
        if input is not None:
            input_shape = parse_shape(input)
            check_input_shape(input_shape)
        elif "in_channels" not in given:
            raise typer.BadParameter(
                "is needed unless --input gives the channels", param_hint="'--in-channels'"
            )
        spec = build_spec(family, dims, spec_args(family, dims, given, input_shape or ()))
        assert is_conv(spec)
        comparison = compare(
            spec,
            depth_multiplier=depth_multiplier,
            bottleneck_width=bottleneck_width,
            expansion=expansion,
            input_shape=input_shape,
        )
        note = None
        if save is not None:
            from convcalc.commands.draw import save_beside_report
            from convcalc.figures import draw_variants

            note = save_beside_report(draw_variants(comparison), save)
            if note is None:
                return
        if json_output:
            print_json(comparison.to_json())  # the JSON alone: no note
            return
        from convcalc.render.params import params_report

        print_report(
            lambda ascii_only, width: params_report(comparison, width=width, ascii_only=ascii_only)
        )
        if note is not None:
            typer.echo(note)

    return layer_command(
        family,
        dims,
        body,
        before=(("input", _INPUT, None),),
        after=(
            ("depth_multiplier", _DEPTH_MULTIPLIER, 1),
            ("bottleneck_width", _BOTTLENECK_WIDTH, None),
            ("expansion", _EXPANSION, 6),  # variants.DEFAULT_EXPANSION (not imported: start-up)
            ("json_output", JSON_OPTION, False),
            ("save", _SAVE, None),
        ),
    )


for _family in CONV_FAMILIES:
    for _dims in (1, 2, 3):
        app.command(
            f"{_family}{_dims}d",
            help=f"Parameters of torch.nn.{torch_name(_family, _dims)} beside its grouped, "
            "depthwise, depthwise-separable, spatially separable and bottleneck variants, "
            "each written as the PyTorch layers that build it.",
            epilog=_examples(_family, _dims),
        )(_params(_family, _dims))
