"""`convcalc solve`: the inverse questions (padding, transpose, inputs, layer).

No answer exits 1 in both modes: with an `Error:` line naming the nearest reachable sizes,
or, under --json, with the JSON object (`"solved": false`, its `nearest` lists) on stdout.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from convcalc.commands import GROUPS
from convcalc.commands.layer_options import (
    JSON_OPTION,
    build_spec,
    layer_command,
    parse_ints,
    parse_shape,
    spatial_reading,
    spec_args,
)
from convcalc.commands.output import print_json
from convcalc.errors import LayerError
from convcalc.kinds import CONV_FAMILIES, FAMILY_PREFIX, family_and_dims, torch_name

if TYPE_CHECKING:
    from convcalc.specs import LayerSpec

app = typer.Typer(
    name="solve",
    help=GROUPS["solve"][1],
    no_args_is_help=True,
)
_KIND_SETTINGS = {"token_normalize_func": str.lower}


def _kind_group(why: str) -> type[TyperGroup]:
    class KindGroup(TyperGroup):
        """Refuses an adaptive pool with the reason, not click's "No such command"."""

        def resolve_command(self, ctx: Any, args: list[str]) -> Any:
            if args and not ctx.resilient_parsing:
                try:
                    family, dims = family_and_dims(args[0])
                except ValueError:
                    family, dims = "", 0
                if family.startswith("adaptive"):
                    raise LayerError(f"kind: {torch_name(family, dims)} {why}")
            return super().resolve_command(ctx, args)

    return KindGroup


padding_app = typer.Typer(
    name="padding",
    help="Every padding that gives the target output size, with TensorFlow and ONNX 'SAME'.",
    no_args_is_help=True,
    context_settings=_KIND_SETTINGS,
    cls=_kind_group("has no padding: its windows follow output_size"),
)
inputs_app = typer.Typer(
    name="inputs",
    help="Every input size that gives the target output size, and the input each leaves unused.",
    no_args_is_help=True,
    context_settings=_KIND_SETTINGS,
    cls=_kind_group("gives its output_size for every input size"),
)
app.add_typer(padding_app)
app.add_typer(inputs_app)

SIZES_INPUT = Annotated[
    str,
    typer.Option(
        "--input",
        "-i",
        metavar="SIZE",
        help="Input size: one for every axis (224), one per axis (224,200), or a full shape "
        "N,C,*spatial or C,*spatial.",
    ),
]
TARGET = Annotated[
    str,
    typer.Option(
        "--target",
        "-t",
        metavar="SIZE",
        help="Wanted output size: one for every axis, or one per axis.",
    ),
]

# layer arguments that do not change sizes, or that are the unknowns
_UNASKED = {
    "conv": {"in_channels", "out_channels", "groups", "bias"},
    "convtranspose": {"in_channels", "out_channels", "groups", "bias", "padding_mode"},
    "maxpool": set(),
    "avgpool": {"count_include_pad", "divisor_override"},
}
_UNKNOWNS = {
    "conv": {"padding", "padding_mode"},
    "convtranspose": {"padding", "output_padding"},
    "maxpool": {"padding"},
    "avgpool": {"padding"},
}

_PADDING_EXAMPLES = {
    "conv": ["-i 224 -k 3 -s 2 -t 112", "-i {shape} -k 4 -t 32", "-i 28 -k 3 -d 2 -t 28 --json"],
    "convtranspose": ["-i 28 -k 4 -s 2 -t 56", "-i 29 -k 3 -s 2 -t 57"],
    "maxpool": ["-i 112 -k 3 -s 2 -t 56", "-i 7 -k 2 -s 2 -t 4 --ceil-mode"],
    "avgpool": ["-i 15 -k 2 -t 8", "-i 112 -k 3 -s 2 -t 56 --json"],
}
_INPUTS_EXAMPLES = {
    "conv": ["-k 3 -s 2 -p 1 -t 112", "-k 7 -s 2 -p 3 -t {targets}"],
    "convtranspose": ["-k 4 -s 2 -p 1 -t 56", "-k 3 -s 2 -p 1 -t 57 --json"],
    "maxpool": ["-k 3 -s 2 -p 1 -t 56", "-k 2 -t 7 --ceil-mode --json"],
    "avgpool": ["-k 2 -t 28", "-k 3 -s 2 -p 1 -t 14 --json"],
}


def _examples(command: str, kind: str, lines: list[str]) -> str:
    dims = int(kind[-2])
    shape = ",".join(["1", "3"] + ["32"] * dims)  # a full N,C,*spatial input
    targets = ",".join(["112", "56", "28"][:dims])  # one per axis
    body = "\n".join(
        f"  $ convcalc solve {command} {kind} {line.format(shape=shape, targets=targets)}"
        for line in lines
    )
    return f"\b\nExamples:\n{body}"


def spatial_sizes(text: str, dims: int, option: str) -> int | tuple[int, ...]:
    """One size for every axis, one per axis, or the last `dims` of a full shape."""
    values = [v for v in parse_ints(text, option) if v is not None]
    if len(values) == 1:
        return values[0]
    if len(values) == dims:
        return tuple(values)
    if option == "input" and len(values) in (dims + 1, dims + 2):
        return tuple(values[-dims:])
    raise typer.BadParameter(
        ("expected 1 size" if dims == 1 else f"expected 1 or {dims} sizes")
        + (f" (or a full shape of {dims + 1} or {dims + 2})" if option == "input" else "")
        + f", got {len(values)}: {text!r}",
        param_hint=f"'--{option}'",
    )


def _layer(family: str, dims: int, given: dict[str, Any]) -> LayerSpec:
    args = spec_args(family, dims, given, (1,))
    if family in CONV_FAMILIES:
        args.update(in_channels=1, out_channels=1)  # channels do not change sizes
    return build_spec(family, dims, args)


def _finish(answer: Any, json_output: bool, report: str, *, assumed: str | None = None) -> None:
    """Print the answer; no answer exits 1 (JSON still printed, the message on stderr)."""
    if json_output:
        data = answer.to_json()
        if assumed is not None:
            data["assumed"] = assumed
        print_json(data)
        if not answer.solved:
            raise typer.Exit(1)
        return
    if not answer.solved:
        from convcalc.render.solve import failure_text
        from convcalc.solve import NoSolution

        raise NoSolution(failure_text(answer))
    from convcalc import render
    from convcalc.render import solve as reports

    console = render.make_console()
    built = getattr(reports, report)(
        answer, ascii_only=render.is_ascii(console), width=console.width
    )
    if assumed is not None:
        built = reports.with_note(built, assumed)
    # crop=False: the PyTorch lines stay whole, to copy, even past the terminal's width
    console.print(built, crop=False)


def _padding(family: str, dims: int) -> Any:
    def body(given: dict[str, Any], *, input: str, target: str, json_output: bool) -> None:
        from convcalc.solve import solve_padding

        answer = solve_padding(
            _layer(family, dims, given),
            spatial_sizes(input, dims, "input"),
            spatial_sizes(target, dims, "target"),
        )
        _finish(answer, json_output, "padding_report")

    return layer_command(
        family,
        dims,
        body,
        before=(
            ("input", SIZES_INPUT, inspect.Parameter.empty),
            ("target", TARGET, inspect.Parameter.empty),
        ),
        after=(("json_output", JSON_OPTION, False),),
        skip=frozenset(_UNASKED[family] | _UNKNOWNS[family]),
    )


def _inputs(family: str, dims: int) -> Any:
    def body(given: dict[str, Any], *, target: str, json_output: bool) -> None:
        from convcalc.solve import solve_inputs

        answer = solve_inputs(_layer(family, dims, given), spatial_sizes(target, dims, "target"))
        _finish(answer, json_output, "inputs_report")

    return layer_command(
        family,
        dims,
        body,
        before=(("target", TARGET, inspect.Parameter.empty),),
        after=(("json_output", JSON_OPTION, False),),
        skip=frozenset(_UNASKED[family]),
    )


for _family in FAMILY_PREFIX:
    for _dims in (1, 2, 3):
        _kind = f"{_family}{_dims}d"
        _name = torch_name(_family, _dims)
        if _family.startswith("adaptive"):  # refused by _kind_group, with the reason
            continue
        padding_app.command(
            _kind,
            help=f"Paddings that make torch.nn.{_name} give the target size.",
            epilog=_examples("padding", _kind, _PADDING_EXAMPLES[_family]),
        )(_padding(_family, _dims))
        inputs_app.command(
            _kind,
            help=f"Input sizes torch.nn.{_name} maps to the target size.",
            epilog=_examples("inputs", _kind, _INPUTS_EXAMPLES[_family]),
        )(_inputs(_family, _dims))


FROM_OPTION = Annotated[
    str,
    typer.Option(
        "--from",
        "-f",
        metavar="LAYER",
        help="The forward layer as a PyTorch constructor call, e.g. "
        '"Conv2d(3, 16, 3, stride=2, padding=1)" (read, never evaluated).',
    ),
]
SHAPE_INPUT = Annotated[
    str,
    typer.Option(
        "--input",
        "-i",
        metavar="SHAPE",
        help="The forward layer's input: N,C,*spatial or C,*spatial, or its spatial sizes "
        "alone (one for every axis or one per axis; a conv's in_channels assumed).",
    ),
]


def _forward_input(forward: LayerSpec, text: str) -> tuple[tuple[int, ...], str | None]:
    """The forward layer's input shape, and what was assumed when `text` has fewer numbers
    than C,*spatial (a rank PyTorch never takes for a conv or pool: read as spatial sizes)."""
    sizes = parse_shape(text)
    spatial = spatial_reading(forward.family, forward.dims, sizes)
    if spatial is None:
        return sizes, None
    channels = getattr(forward, "in_channels", 1)
    shape = (channels, *spatial)
    who = "its in_channels" if forward.family == "conv" else "a pool keeps any number"
    from convcalc.notation import int_text

    sized = "×".join(map(int_text, spatial))
    return shape, (
        f"input read as spatial sizes {sized} (PyTorch's tensors need C first); "
        f"taken as one sample of {channels} channel{'s' if channels != 1 else ''} ({who})"
    )


@app.command(
    "transpose",
    epilog="\b\nExamples:\n"
    '  $ convcalc solve transpose -f "Conv2d(3, 8, 3, stride=2)" -i 3,56,56\n'
    '  $ convcalc solve transpose -f "nn.MaxPool2d(2)" -i 1,64,57,57 --json\n'
    "  $ convcalc solve transpose -f \"Conv1d(8, 8, 4, padding='same')\" -i 8,50",
)
def transpose(
    layer: FROM_OPTION,
    input: SHAPE_INPUT,
    json_output: JSON_OPTION = False,
) -> None:
    """The ConvTranspose that maps a conv's (or pool's) output back to its input shape.

    The mirror of the forward layer (same kernel, stride and dilation, channels swapped),
    output_padding chosen per axis; plus the forward(x, output_size=...) alternative and the
    output sizes PyTorch accepts for it.
    """
    from convcalc.expressions import parse_call, spec_from_call
    from convcalc.solve import solve_transpose

    forward = spec_from_call(parse_call(layer))
    shape, assumed = _forward_input(forward, input)
    _finish(solve_transpose(forward, shape), json_output, "transpose_report", assumed=assumed)


# what `solve layer` searches (solve_layer's Conv, MaxPool and AvgPool), in --help, in the
# --kind error and in shell completion (scripts/make_completions.py reads a choice's choices)
SEARCHED_KINDS = tuple(
    f"{family}{d}d" for family in ("conv", "maxpool", "avgpool") for d in (1, 2, 3)
)


def _searched_kinds(incomplete: str) -> list[str]:
    """--kind's completions: the kinds solve_layer searches (scripts/make_completions.py asks
    the option for them)."""
    return [kind for kind in SEARCHED_KINDS if kind.startswith(incomplete.lower())]


def _searched_kind(value: str) -> str:
    """--kind as a kind name, spelled as PyTorch does or not (Conv2d, nn.MaxPool2d); another
    known kind goes on to solve_layer, which says why it has no answer."""
    try:
        family, dims = family_and_dims(value)
    except ValueError:
        raise typer.BadParameter(
            f"unknown layer kind {value!r}; solve layer takes {', '.join(SEARCHED_KINDS)}",
            param_hint="'--kind'",
        ) from None
    return f"{family}{dims}d"


@app.command(
    "layer",
    epilog="\b\nExamples:\n  $ convcalc solve layer -i 224 -t 56\n"
    "  $ convcalc solve layer -i 224 -t 112 --kind maxpool2d\n"
    "  $ convcalc solve layer -i 64 -t 60 --max-kernel 3 --max-dilation 3 --json",
)
def layer(
    input: Annotated[int, typer.Option("--input", "-i", metavar="INT", help="Input size.")],
    target: Annotated[
        int, typer.Option("--target", "-t", metavar="INT", help="Wanted output size.")
    ],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            metavar="KIND",
            autocompletion=_searched_kinds,
            help=f"The layer searched: {', '.join(SEARCHED_KINDS[:-1])} or {SEARCHED_KINDS[-1]}.",
        ),
    ] = "conv2d",
    max_kernel: Annotated[
        int, typer.Option("--max-kernel", metavar="INT", help="Largest kernel size tried.")
    ] = 7,
    max_dilation: Annotated[
        int, typer.Option("--max-dilation", metavar="INT", help="Largest dilation tried.")
    ] = 1,
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="INT", help="Show the first N.")
    ] = 10,
    json_output: JSON_OPTION = False,
) -> None:
    """Kernel, stride, padding and dilation that map the input size to the target.

    Simplest first: smallest stride, then kernel, dilation and padding.  Symmetric padding
    only (one PyTorch layer); a conv's padding stays below its kernel span, a pool's at most
    half its kernel, as PyTorch requires.  Adaptive pools have nothing to search: their
    output_size is the target, whatever the input.
    """
    from convcalc.solve import solve_layer

    answer = solve_layer(
        _searched_kind(kind),
        input,
        target,
        max_kernel=max_kernel,
        max_dilation=max_dilation,
        limit=limit,
    )
    _finish(answer, json_output, "layer_report")
