"""`convcalc run KIND`: execute one layer on arrays given inline, in a file or on stdin."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from convcalc.commands.layer_options import (
    JSON_OPTION,
    build_spec,
    layer_command,
    parse_ints,
    spec_args,
)
from convcalc.commands.output import print_json, print_report
from convcalc.kinds import FAMILY_PREFIX, torch_name

if TYPE_CHECKING:
    from convcalc.arithmetic import LayerShape

app = typer.Typer(
    name="run",
    help="Execute one layer on arrays: exact for integers, with the sums shown on request.",
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
        "(implies --explain).",
    ),
]

_WEIGHT_LAYOUT = {
    "conv": "(C_out, C_in/groups, *kernel)",
    "convtranspose": "(C_in, C_out/groups, *kernel)",
}

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


def _resolve_at(
    at: tuple[int, ...], output_shape: tuple[int, ...], dims: int, lead: int
) -> list[tuple[int, ...]]:
    """--at in the user's rank (all axes, or the spatial ones) → batched PyTorch indexes."""
    from itertools import product

    from convcalc.errors import InputError

    user_rank = len(output_shape)
    if len(at) not in {user_rank, dims}:
        raise InputError(
            f"at: the output {output_shape} has {user_rank} axes; give {user_rank} indexes"
            + (f" or the {dims} spatial ones" if dims != user_rank else "")
            + f", got {len(at)}"
        )
    offset = user_rank - len(at)
    index = []
    for axis, i in enumerate(at, start=offset):
        size = output_shape[axis]
        if not -size <= i < size:
            raise InputError(
                f"at: index {i} is out of range for output axis {axis} of size {size} "
                f"(output shape {output_shape})"
            )
        index.append(i % size)
    leading = [range(size) for size in output_shape[:offset]]
    full = [(*head, *index) for head in product(*leading)]
    pad = (0,) * (2 - lead)
    return [(*pad, *i) for i in full]


def _run(family: str, dims: int) -> Any:
    conv = family in _WEIGHT_LAYOUT

    def body(
        given: dict[str, Any],
        *,
        input: str,
        weight: str | None = None,
        bias: str | None = None,
        explain: bool,
        at: str | None,
        json_output: bool,
    ) -> None:
        import warnings

        from convcalc import arrays
        from convcalc.arithmetic import analyze
        from convcalc.errors import InputError
        from convcalc.execute import run_layer

        at_index = _parse_at(at)
        if [input, weight, bias].count("-") > 1:
            raise typer.BadParameter("only one ARRAY can come from stdin ('-')")
        name = torch_name(family, dims)
        x_user = arrays.read_array(input, "input")
        x = arrays.torch_input(x_user, dims, name)
        w = b = None
        args = spec_args(family, dims, given, x.shape)
        if conv:
            assert weight is not None
            w = arrays.torch_weight(
                arrays.read_array(weight, "weight"), dims, _WEIGHT_LAYOUT[family]
            )
            args.update(
                _channels(family, args.get("groups", 1), x.shape, w.shape, x_user.ndim == dims)
            )
            args["kernel_size"] = tuple(w.shape[2:])
            args["bias"] = bias is not None
            if bias is not None:
                b = arrays.torch_bias(arrays.read_array(bias, "bias"), args["out_channels"])
        spec = build_spec(family, dims, args)
        shape = analyze(spec, tuple(x.shape))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = run_layer(spec, x, w, b)
        notes = [*shape.warnings, *(str(c.message) for c in caught)]
        if x_user.ndim == dims:
            out = out[0]
        lead = x_user.ndim - dims
        targets = None
        if at_index is not None:
            explain = True
            targets = _resolve_at(at_index, tuple(out.shape), dims, lead)
        explanation = planes = None
        if explain:
            from convcalc import explain as explaining

            xb = x if shape.batched else x[None]
            explanation = explaining.explain(
                shape,
                xb.tolist(),
                None if w is None else w.tolist(),
                None if b is None else b.tolist(),
                explaining.Layout(lead),
                targets,
            )
            planes = _planes(shape, explanation, xb.tolist()) if dims == 2 else None
        if json_output:
            print_json(_json(shape, x_user, w, out, explanation, notes))
            return
        if out.ndim == 0:  # pragma: no cover - every layer keeps at least one axis
            raise InputError("output: empty")
        from convcalc.render.run import run_report

        view = arrays.preview(out, _preview_limits(out.ndim, dims))
        print_report(
            lambda ascii_only, width: run_report(
                shape,
                tuple(x_user.shape),
                view,
                lead,
                explanation,
                planes,
                notes,
                width=width,
                ascii_only=ascii_only,
            )
        )

    before: tuple[tuple[str, Any, Any], ...] = (("input", INPUT_OPTION, inspect.Parameter.empty),)
    if conv:
        before += (
            ("weight", WEIGHT_OPTION, inspect.Parameter.empty),
            ("bias", BIAS_OPTION, None),
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


def _channels(
    family: str,
    groups: int,
    input_shape: tuple[int, ...],
    weight_shape: tuple[int, ...],
    one_channel_input: bool,
) -> dict[str, int]:
    """in_channels and out_channels from the weight, checked against the input as F.conv*d
    checks them."""
    from convcalc.errors import InputError

    channels = input_shape[-len(weight_shape) + 1]
    if family == "conv":
        in_channels, out_channels = weight_shape[1] * groups, weight_shape[0]
    else:
        in_channels, out_channels = weight_shape[0], weight_shape[1] * groups
    if channels != in_channels:
        what = f"{weight_shape[1]}·groups" if family == "conv" else "its first axis"
        raise InputError(
            f"weight: shape {weight_shape} with groups={groups} expects {in_channels} input "
            f"channels ({what}), but the input {input_shape} has {channels}"
        )
    if one_channel_input and out_channels != 1:
        raise InputError(
            f"weight: {out_channels} output channels cannot fit an input given without a "
            f"channel axis (the output keeps the input's rank); give the input as 1×spatial"
        )
    return {"in_channels": in_channels, "out_channels": out_channels}


def _preview_limits(rank: int, dims: int) -> tuple[int, ...]:
    # rows and columns of the last axes; only a few channels, batch items and depth slices
    spatial = {1: (24,), 2: (16, 16), 3: (4, 16, 16)}[dims]
    return ((4,) * (rank - dims)) + spatial


def _planes(shape: LayerShape, explanation: Any, xb: Any) -> Any:
    from convcalc.explain import padded_plane
    from convcalc.specs import ConvTranspose

    if isinstance(shape.spec, ConvTranspose) or not explanation.elements:
        return None
    chosen = explanation.elements[0]
    planes = [padded_plane(shape, xb, chosen, c) for c in chosen.channels[:3]]
    return [p for p in planes if p is not None]


def _json(
    shape: LayerShape, x_user: Any, w: Any, out: Any, explanation: Any, notes: list[str]
) -> dict[str, Any]:
    from convcalc.arrays import json_output
    from convcalc.explain import explain_text

    values, exact, dtype = json_output(out)
    data: dict[str, Any] = {
        "kind": shape.spec.kind,
        "layer": shape.spec.torch_call(),
        "input_shape": list(x_user.shape),
        "weight_shape": None if w is None else list(w.shape),
        "output_shape": list(out.shape),
        "dtype": dtype,
        "output": values,
    }
    if exact is not None:
        data["exact"] = exact
    data["warnings"] = notes
    if explanation is not None:
        data["explain"] = explain_text(explanation)
    return data


for _family in FAMILY_PREFIX:
    for _dims in (1, 2, 3):
        app.command(
            f"{_family}{_dims}d",
            help=f"Run torch.nn.{torch_name(_family, _dims)} on an array: exact integer "
            "arithmetic, rationals for integer averages, float64 otherwise.",
            epilog=_examples(_family, _dims),
        )(_run(_family, _dims))
