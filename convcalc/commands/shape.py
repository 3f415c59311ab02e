"""`convcalc shape KIND`: output size, parameters, MACs and receptive field of one layer."""

from __future__ import annotations

import inspect
from typing import Any

import typer

from convcalc.commands import GROUPS
from convcalc.commands.layer_options import (
    INPUT_SHAPE_OPTION,
    JSON_OPTION,
    build_spec,
    layer_command,
    parse_shape,
    spatial_reading,
    spec_args,
)
from convcalc.commands.output import print_json, print_report
from convcalc.kinds import CONV_FAMILIES, FAMILY_PREFIX, torch_name

app = typer.Typer(
    name="shape",
    help=GROUPS["shape"][1],
    no_args_is_help=True,
    context_settings={"token_normalize_func": str.lower},
)

_EXAMPLES = {
    "conv": [
        "convcalc shape {kind} -i 1,3,224,224 --out-channels 64 -k 7 -s 2 -p 3",
        "convcalc shape {kind} -i 3,9,9 -o 8 -k 3 -p same --padding-mode reflect",
        "convcalc shape {kind} -i 1,32,56,56 -o 32 -k 3 -g 32 --json",
    ],
    "convtranspose": [
        "convcalc shape {kind} -i 1,64,28,28 -o 32 -k 4 -s 2 -p 1",
        "convcalc shape {kind} -i 8,7,7 -o 4 -k 3 -s 2 --output-padding 1",
        "convcalc shape {kind} -i 1,8,7,7 -o 4 -k 3 -g 2 --json",
    ],
    "maxpool": [
        "convcalc shape {kind} -i 1,64,112,112 -k 3 -s 2 -p 1",
        "convcalc shape {kind} -i 1,3,6,6 -k 3 -s 2 --ceil-mode",
    ],
    "avgpool": [
        "convcalc shape {kind} -i 1,64,56,56 -k 2",
        "convcalc shape {kind} -i 1,8,7,7 -k 3 -s 2 -p 1 --ceil-mode --json",
    ],
    "adaptiveavgpool": [
        "convcalc shape {kind} -i 1,512,13,13 --output-size 7",
        "convcalc shape {kind} -i 1,512,13,9 --output-size None,3",
    ],
}
_EXAMPLES["adaptivemaxpool"] = _EXAMPLES["adaptiveavgpool"]


def _example_shape(example: str, dims: int) -> str:
    # examples are written for 2-D; drop or add a spatial axis for 1-D / 3-D
    words = example.split()
    for i, word in enumerate(words):
        if words[i - 1] == "-i":
            sizes = word.split(",")
            channels_end = len(sizes) - 2
            spatial = sizes[channels_end:]
            spatial = spatial[:dims] if dims <= 2 else [spatial[0], *spatial]
            words[i] = ",".join(sizes[:channels_end] + spatial)
        elif words[i - 1] == "--output-size" and "," in word and dims != 2:
            # 1-D pools take no None; 3-D ones get one more axis
            words[i] = word.split(",")[-1] if dims == 1 else f"{word},{word.split(',')[-1]}"
    return " ".join(words)


def _examples(family: str, dims: int) -> str:
    kind = f"{family}{dims}d"
    lines = ["  $ " + _example_shape(e.format(kind=kind), dims) for e in _EXAMPLES[family]]
    # click indents the epilog by 2 and never wraps it: an example that would pass 80
    # columns is left out (as long as two remain)
    fitting = [line for line in lines if len(line) <= 78]
    lines = fitting if len(fitting) >= 2 else lines
    return "\b\nExamples:\n" + "\n".join(lines[:3])


def _shape(family: str, dims: int) -> Any:
    def body(given: dict[str, Any], *, input: str, json_output: bool) -> None:
        from convcalc.arithmetic import analyze, check_input_shape

        input_shape = parse_shape(input)
        spatial = spatial_reading(family, dims, input_shape)
        if spatial is not None:
            _spatial(family, dims, given, spatial, json_output)
            return
        if family in CONV_FAMILIES and "out_channels" not in given:
            raise typer.BadParameter(
                "is needed with a full input shape (or give spatial sizes only, e.g. -i 224)",
                param_hint="'--out-channels' / '-o'",
            )
        check_input_shape(input_shape)
        spec = build_spec(family, dims, spec_args(family, dims, given, input_shape))
        result = analyze(spec, input_shape)
        if json_output:
            print_json(result.to_json())
            return
        from convcalc.render.shape import shape_report

        print_report(
            lambda ascii_only, width: shape_report(result, ascii_only=ascii_only, width=width)
        )

    return layer_command(
        family,
        dims,
        body,
        before=(("input", INPUT_SHAPE_OPTION, inspect.Parameter.empty),),
        after=(("json_output", JSON_OPTION, False),),
        options={"out_channels": "optional_out_channels"},
    )


def _spatial(
    family: str, dims: int, given: dict[str, Any], spatial: tuple[int, ...], json_output: bool
) -> None:
    """The spatial question: sizes, formulas, receptive field, warnings; with both channel
    counts, the parameters and the MACs of one sample too."""
    from convcalc.arithmetic import analyze

    conv = family in CONV_FAMILIES
    counted = not conv or {"in_channels", "out_channels"} <= given.keys()
    args = spec_args(family, dims, given, (), channels_from_input=False)
    if conv:
        args.setdefault("in_channels", 1)
        args.setdefault("out_channels", 1)
    spec = build_spec(family, dims, args)
    channels = spec.in_channels if conv else 1  # type: ignore[attr-defined]
    result = analyze(spec, (channels, *spatial))
    sizes = "×".join(map(str, spatial))
    assumed = (
        f"input read as spatial sizes {sizes} (PyTorch's tensors need C first)"
        + (f"; one sample with {channels} input channels" if conv and counted else "")
        + ("" if counted else "; no channels given: no parameters or MACs")
    )
    if json_output:
        data = result.to_json()
        data["input_shape"] = list(spatial)
        data["output_shape"] = list(result.output_shape[1:])
        if not counted:
            data["layer"] = spec.torch_call(channels=False)
            for key in ("weight_shape", "bias_shape", "params", "macs", "fan_in", "init_bound"):
                data[key] = None
        data["assumed"] = assumed
        print_json(data)
        return
    from convcalc.render.shape import shape_report

    print_report(
        lambda ascii_only, width: shape_report(
            result,
            spatial=True,
            counted=counted,
            assumed=assumed,
            ascii_only=ascii_only,
            width=width,
        )
    )


for _family in FAMILY_PREFIX:
    for _dims in (1, 2, 3):
        app.command(
            f"{_family}{_dims}d",
            help=f"Output shape of torch.nn.{torch_name(_family, _dims)}: formula per axis, "
            "parameters, MACs, receptive field and warnings.",
            epilog=_examples(_family, _dims),
        )(_shape(_family, _dims))
