"""`convcalc run KIND`: execute one layer on arrays given inline, in a file or on stdin."""

from __future__ import annotations

import inspect
from typing import Annotated, Any, Optional

import typer

from convcalc.commands import GROUPS
from convcalc.commands.layer_options import JSON_OPTION, layer_command, parse_ints, spec_args
from convcalc.commands.output import print_json, print_report
from convcalc.kinds import CONV_FAMILIES, FAMILY_PREFIX, torch_name

app = typer.Typer(
    name="run",
    help=GROUPS["run"][1],
    no_args_is_help=True,
    context_settings={"token_normalize_func": str.lower},
)

_ARRAY_HELP = (
    "nested lists as JSON or Python literals ('[[1,2],[3,4]]'), @file.json, @file.npy, "
    "or - for stdin"
)
INPUT_OPTION = Annotated[
    str, typer.Option("--input", "-i", metavar="ARRAY", help=f"Input: {_ARRAY_HELP}.")
]
WEIGHT_OPTION = Annotated[
    str,
    typer.Option(
        "--weight",
        "--kernel",
        "-w",
        metavar="ARRAY",
        help="Weight, in PyTorch's layout or with one channel in and out (kernel size, "
        "in_channels and out_channels come from it).",
    ),
]
BIAS_OPTION = Annotated[
    Optional[str],  # noqa: UP045 - typer reads the annotation at run time
    typer.Option("--bias", "-b", metavar="ARRAY", help="Bias: one value per output channel."),
]
EXPLAIN_OPTION = Annotated[
    bool, typer.Option("--explain", "-e", help="Show the sum (or window) behind each element.")
]
AT_OPTION = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--at",
        metavar="I,J",
        help="Explain this output element only: every output index, or just the spatial ones "
        "(implies --explain); the output is then shown only around it.",
    ),
]


def _kernel_size_hint(value: str | None) -> None:
    if value is not None:
        raise typer.BadParameter(
            "run takes the kernel's values, not its size: give them with -w / --weight / "
            f"--kernel (-w '{value}'); the kernel size comes from their shape"
        )


# `shape` and the pools take -k as the kernel size; a conv's run takes the kernel's values
# with -w / --kernel instead.  A hidden -k points there (a usage error, exit 2) rather than
# click's bare "No such option", and never runs: the size would only repeat the weight's.
KERNEL_SIZE_HINT = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--kernel-size", "-k", hidden=True, callback=_kernel_size_hint),
]

# how the truncation note of an explanation says to choose an element
_AT_HINT = "choose one with --at"

# Each line fits 80 columns after "    $ convcalc run KIND " (tests/test_terminal.py).
_EXAMPLES = {
    "conv": {
        1: ["-i '[1,2,3,4]' -w '[1,2,3]' --explain", "-i '[1,2,3,4]' -w '[1,2,3]' -p 1 --json"],
        2: [
            "-i '[[1,2,3,4]]' -w '[[1,2,3]]' -p 1",
            "-i '[[1,2],[3,4]]' -w '[[1,0],[0,1]]' --at 0,0",
        ],
        3: [
            "-i '[[[1,2],[3,4]]]' -w '[[[1,1],[1,1]]]' --explain",
            "-i @volume.npy -w @weight.npy -p same --json",
        ],
    },
    "convtranspose": {
        1: ["-i '[1,2,3]' -w '[1,2]' --explain", "-i '[1,2,3]' -w '[1,2]' -p 1"],
        2: ["-i '[[0,1],[2,3]]' -w '[[4,1],[2,3]]'", "-i '[[0,1],[2,3]]' -w '[[4,1],[2,3]]' -p 1"],
        3: [
            "-i '[[[1,2],[3,4]]]' -w '[[[1,1]]]' -s 2",
            "-i '[[[1]]]' -w '[[[1,2],[3,4]]]' --explain",
        ],
    },
    "maxpool": {
        1: ["-i '[1,5,2,4,3]' -k 2 --explain", "-i '[1,5,2,4,3]' -k 3 -s 1 -p 1 --json"],
        2: [
            "-i '[[1,0,3,5],[3,4,2,2],[1,3,3,9],[5,7,8,4]]' -k 2",
            "-i '[[1,2],[3,4]]' -k 2 --explain",
        ],
        3: [
            "-i '[[[1,2],[3,4]],[[5,6],[7,8]]]' -k 2 --explain",
            "-i '[[[1,2],[3,4]],[[5,6],[7,8]]]' -k 2 --json",
        ],
    },
    "avgpool": {
        1: ["-i '[1,2,3,4,5]' -k 2 --ceil-mode --explain", "-i '[1,2,3,4,5]' -k 3 -p 1 --json"],
        2: [
            "-i '[[1,0,3,5],[3,4,2,2],[1,3,3,9],[5,7,8,4]]' -k 2",
            "-i '[[1,2],[3,4]]' -k 2 -p 1 --explain",
            "-i @image.npy -k 3 -p 1 --json",
        ],
        3: [
            "-i '[[[1,2],[3,4]],[[5,6],[7,8]]]' -k 2",
            "-i '[[[1,2],[3,4]]]' -k 1 --divisor-override 2",
        ],
    },
    "adaptiveavgpool": {
        1: [
            "-i '[1,2,3,4,5]' --output-size 2 --explain",
            "-i '[1,2,3,4,5]' --output-size 3 --json",
        ],
        2: ["-i '[[1,2,3],[4,5,6]]' --output-size 2", "-i '[[1,2,3],[4,5,6]]' --output-size 1,2"],
        3: ["-i '[[[1,2],[3,4]]]' --output-size 1", "-i '[[[1,2],[3,4]]]' --output-size 1,1,2"],
    },
}
_EXAMPLES["adaptivemaxpool"] = _EXAMPLES["adaptiveavgpool"]


def _examples(family: str, dims: int) -> str:
    kind = f"{family}{dims}d"
    lines = "\n".join(f"  $ convcalc run {kind} {e}" for e in _EXAMPLES[family][dims])
    return f"\b\nExamples:\n{lines}"


def _parse_at(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    return tuple(v for v in parse_ints(text, "at") if v is not None)


def _run(family: str, dims: int) -> Any:
    conv = family in CONV_FAMILIES  # --weight and --bias

    def body(
        given: dict[str, Any],
        *,
        input: str,
        weight: str | None = None,
        bias: str | None = None,
        explain: bool,
        at: str | None,
        json_output: bool,
        kernel_size: str | None = None,  # a conv's hidden -k: refused by its callback
    ) -> None:
        from convcalc import arrays, runs

        at_index = _parse_at(at)
        if [input, weight, bias].count("-") > 1:
            raise typer.BadParameter("only one ARRAY can come from stdin ('-')")
        x = arrays.read_array(input, "input")
        # a conv's channels come from its weight
        args = spec_args(family, dims, given, x.shape, channels_from_input=False)
        w = None if weight is None else arrays.read_array(weight, "weight")
        b = None if bias is None else arrays.read_array(bias, "bias")
        result = runs.run(f"{family}{dims}d", x, w, b, at=at_index, explain=explain, **args)
        if json_output:
            data = result.to_json()
            if result.explanation is not None:
                from convcalc.render.explain import explain_text

                data["explain"] = explain_text(result.explanation, _AT_HINT)
            print_json(data)
            return
        from convcalc.render.run import run_report

        print_report(
            lambda ascii_only, width: run_report(
                result, hint=_AT_HINT, width=width, ascii_only=ascii_only
            )
        )

    before: tuple[tuple[str, Any, Any], ...] = (("input", INPUT_OPTION, inspect.Parameter.empty),)
    if conv:
        before += (
            ("weight", WEIGHT_OPTION, inspect.Parameter.empty),
            ("bias", BIAS_OPTION, None),
            ("kernel_size", KERNEL_SIZE_HINT, None),
        )
    return layer_command(
        family,
        dims,
        body,
        before=before,
        after=(
            ("explain", EXPLAIN_OPTION, False),
            ("at", AT_OPTION, None),
            ("json_output", JSON_OPTION, False),
        ),
        skip=frozenset({"in_channels", "out_channels", "kernel_size", "bias"})
        if conv
        else frozenset(),
    )


for _family in FAMILY_PREFIX:
    for _dims in (1, 2, 3):
        app.command(
            f"{_family}{_dims}d",
            help=f"Run torch.nn.{torch_name(_family, _dims)} on an array: exact integer "
            "arithmetic, rationals for integer averages, float64 otherwise.",
            epilog=_examples(_family, _dims),
        )(_run(_family, _dims))
