"""`convcalc params`: variant parameter counts (seed and hand-computed answers), the CLI's
exit codes and JSON, chaining on an input, rendering, and every variant rebuilt in torch."""

from __future__ import annotations

import io
import json
import math
import re
import warnings
from typing import Any

import pytest
from conftest import assert_clean_error
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from convcalc import LayerError, analyze, make_spec
from convcalc.render.params import params_report
from convcalc.variants import Comparison, compare, count_layer


def variants_of(comparison: Comparison) -> dict[str, Any]:
    return {v.name: v for v in comparison.variants}


def layer_params(comparison: Comparison, name: str) -> list[int]:
    return [layer.params for layer in variants_of(comparison)[name].layers]


# --- known answers -----------------------------------------------------------------------------

# seed 001: depthwise 5×5×1+1 = 26 per filter, 78 in all; pointwise 256·(1·1·3+1) = 1024;
# the standard 5×5 conv 256·(5·5·3+1) = 19,456.
SEED = dict(in_channels=3, out_channels=256, kernel_size=5)


def test_seed_depthwise_separable() -> None:
    comparison = compare(make_spec("conv2d", **SEED))
    found = variants_of(comparison)
    assert found["standard"].params == 19_456
    assert layer_params(comparison, "depthwise_separable") == [78, 1_024]
    assert found["depthwise_separable"].params == 1_102
    assert found["depthwise_separable"].ratio == pytest.approx(1_102 / 19_456)
    assert [layer.spec.torch_call() for layer in found["depthwise_separable"].layers] == [
        "Conv2d(3, 3, kernel_size=5, groups=3)",
        "Conv2d(3, 256, kernel_size=1)",
    ]
    # weights 75 + 768, biases 3 + 256
    assert (found["depthwise_separable"].weights, found["depthwise_separable"].biases) == (843, 259)


# seed 001's grouped formula c₂·(c₁/G·∏k + 1); a transposed layer's weight (c₁, c₂/G, ∏k)
# holds the same number, c₁·c₂/G·∏k.
GROUPED = [
    ("conv2d", 8, 16, 3, 4, 16 * (8 // 4 * 9 + 1)),  # 304
    ("conv1d", 6, 9, 5, 3, 9 * (6 // 3 * 5 + 1)),  # 99
    ("conv3d", 4, 8, (3, 1, 2), 2, 8 * (4 // 2 * 6 + 1)),  # 440
    ("conv2d", 3, 256, 5, 1, 256 * (3 * 25 + 1)),  # G = 1: the standard layer, 19,456
    ("convtranspose2d", 8, 16, 3, 4, 16 * (8 // 4 * 9 + 1)),
    ("convtranspose3d", 6, 4, 2, 2, 4 * (6 // 2 * 8 + 1)),  # 100
]


@pytest.mark.parametrize(("kind", "c1", "c2", "k", "groups", "expected"), GROUPED)
def test_grouped_formula(kind: str, c1: int, c2: int, k: Any, groups: int, expected: int) -> None:
    spec = make_spec(kind, in_channels=c1, out_channels=c2, kernel_size=k, groups=groups)
    found = variants_of(compare(spec))
    assert found["grouped" if groups > 1 else "standard"].params == expected


# Hand-computed rows, (C_in·C_out/groups·∏k + bias) per layer:
KNOWN_LAYERS = [
    # depthwise with multiplier 2: weight (6, 1, 3, 3) + 6 biases
    (
        "conv2d",
        dict(in_channels=3, out_channels=8, kernel_size=3),
        {"depth_multiplier": 2},
        "depthwise",
        [60],
    ),
    # 5×1 then 1×5 at width min(3, 256) = 3: 3·3·5+3, 3·256·5+256
    ("conv2d", SEED, {}, "spatial_separable", [48, 3_936 + 160]),
    # 3-D, width min(64, 32) = 32 after the first layer: 64·32·3+32, 32·32·3+32, 32·32·3+32
    (
        "conv3d",
        dict(in_channels=64, out_channels=32, kernel_size=3),
        {},
        "spatial_separable",
        [6_176, 3_104, 3_104],
    ),
    # ResNet-50 conv2_x bottleneck without biases: 256·64 + 64·64·9 + 64·256 = 69,632
    (
        "conv2d",
        dict(in_channels=256, out_channels=256, kernel_size=3, padding=1, bias=False),
        {},
        "bottleneck",
        [16_384, 36_864, 16_384],
    ),
    # MobileNetV2 block 24 → 24, t = 6, no biases: 24·144 + 144·9 + 144·24 = 8,208
    (
        "conv2d",
        dict(in_channels=24, out_channels=24, kernel_size=3, padding=1, bias=False),
        {},
        "inverted_bottleneck",
        [3_456, 1_296, 3_456],
    ),
    # the bottleneck width and expansion as given: 16·8+8, 8·8·3+8, 8·4+4
    (
        "conv1d",
        dict(in_channels=16, out_channels=4, kernel_size=3),
        {"bottleneck_width": 8},
        "bottleneck",
        [136, 200, 36],
    ),
    # transposed 1×1 layers: weight (C_in, C_out, 1, 1); depthwise (8, 1, 4, 4) + 8
    (
        "convtranspose2d",
        dict(in_channels=8, out_channels=3, kernel_size=4, stride=2, padding=1),
        {},
        "depthwise_separable",
        [136, 27],
    ),
]


@pytest.mark.parametrize(("kind", "args", "options", "name", "expected"), KNOWN_LAYERS)
def test_known_layer_params(
    kind: str, args: dict[str, Any], options: dict[str, Any], name: str, expected: list[int]
) -> None:
    assert layer_params(compare(make_spec(kind, **args), **options), name) == expected


# MACs, bias excluded: convs count output elements × (C_in/G)·∏k, transposed convs input
# elements × (C_out/G)·∏k.
KNOWN_MACS = [
    # seed layer on 32×32: output 256·28·28, each 3·25 MACs
    ("conv2d", SEED, (1, 3, 32, 32), "standard", 256 * 28 * 28 * 75, (1, 256, 28, 28)),
    # depthwise 3·28·28·25 + pointwise 256·28·28·3
    (
        "conv2d",
        SEED,
        (1, 3, 32, 32),
        "depthwise_separable",
        3 * 28 * 28 * 25 + 256 * 28 * 28 * 3,
        (1, 256, 28, 28),
    ),
    # 64·28·28 inputs, each scattered over 32·16 outputs
    (
        "convtranspose2d",
        dict(in_channels=64, out_channels=32, kernel_size=4, stride=2, padding=1),
        (1, 64, 28, 28),
        "standard",
        64 * 28 * 28 * 32 * 16,
        (1, 32, 56, 56),
    ),
    # depthwise transposed: 64·28·28·1·16, then 1×1 on the 56×56 output: 64·56·56·32
    (
        "convtranspose2d",
        dict(in_channels=64, out_channels=32, kernel_size=4, stride=2, padding=1),
        (1, 64, 28, 28),
        "depthwise_separable",
        64 * 28 * 28 * 16 + 64 * 56 * 56 * 32,
        (1, 32, 56, 56),
    ),
]


@pytest.mark.parametrize(("kind", "args", "shape", "name", "macs", "output"), KNOWN_MACS)
def test_known_macs(
    kind: str,
    args: dict[str, Any],
    shape: tuple[int, ...],
    name: str,
    macs: int,
    output: tuple[int, ...],
) -> None:
    variant = variants_of(compare(make_spec(kind, **args), input_shape=shape))[name]
    assert variant.macs == macs
    assert variant.output_shape == output


def test_init_bound_is_one_over_root_fan_in() -> None:
    # Conv: fan_in = C_in/G·∏k = 1·25; ConvTranspose: weight.size(1)·∏k = (C_out/G)·1 = 256
    comparison = compare(make_spec("convtranspose2d", **SEED))
    depthwise, pointwise = variants_of(comparison)["depthwise_separable"].layers
    assert depthwise.init_bound == pytest.approx(1 / 5)
    assert pointwise.init_bound == pytest.approx(1 / 16)


def test_spatial_separable_keeps_stride_and_padding_per_axis() -> None:
    spec = make_spec(
        "conv3d", in_channels=4, out_channels=8, kernel_size=(3, 1, 5), stride=(2, 3, 1), padding=1
    )
    layers = variants_of(compare(spec))["spatial_separable"].layers
    # the D layer carries axis H too (kernel 1 there): its stride 3 and padding 1
    assert [layer.spec.torch_call() for layer in layers] == [
        "Conv3d(4, 4, kernel_size=(3, 1, 1), stride=(2, 3, 1), padding=(1, 1, 0))",
        "Conv3d(4, 8, kernel_size=(1, 1, 5), padding=(0, 0, 1))",
    ]


def test_skipped_variants_say_why() -> None:
    skipped = dict(
        compare(make_spec("conv1d", in_channels=2, out_channels=2, kernel_size=3)).skipped
    )
    assert skipped == {
        "grouped": "no groups > 1 given",
        "spatial_separable": "a 1-D kernel has a single axis",
    }
    spec = make_spec("conv2d", in_channels=2, out_channels=2, kernel_size=(1, 3))
    assert "spatial_separable" in dict(compare(spec).skipped)


def test_channel_reaching_padding_still_chains() -> None:
    # F.pad quirk: a 3-tuple with a non-zeros mode pads the channel axis of a 2-D conv's input
    spec = make_spec(
        "conv2d",
        in_channels=3,
        out_channels=4,
        kernel_size=3,
        padding=(1, 2, 2),
        padding_mode="circular",
    )
    comparison = compare(spec, input_shape=(1, 1, 8, 8))
    for variant in comparison.variants:
        if variant.name != "depthwise":
            assert variant.output_shape == (1, 4, 10, 10), variant.name


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"depth_multiplier": 0}, "depth_multiplier: must be ≥ 1, got 0"),
        ({"expansion": -1}, "expansion: must be ≥ 1, got -1"),
        ({"bottleneck_width": 0}, "bottleneck_width: must be ≥ 1, got 0"),
    ],
)
def test_option_limits(options: dict[str, int], message: str) -> None:
    with pytest.raises(LayerError, match=re.escape(message)):
        compare(make_spec("conv2d", **SEED), **options)


# --- properties without torch ------------------------------------------------------------------


def _sizes(draw: st.DrawFn, dims: int, low: int, high: int) -> int | tuple[int, ...]:
    if draw(st.booleans()):
        return draw(st.integers(low, high))
    return tuple(draw(st.integers(low, high)) for _ in range(dims))


@st.composite
def configurations(draw: st.DrawFn) -> dict[str, Any]:
    """A conv or transposed conv layer PyTorch builds, the variant options, maybe an input."""
    family = draw(st.sampled_from(["conv", "convtranspose"]))
    dims = draw(st.integers(1, 3))
    c1, c2 = draw(st.integers(1, 6)), draw(st.integers(1, 8))
    gcd = math.gcd(c1, c2)
    args: dict[str, Any] = {
        "in_channels": c1,
        "out_channels": c2,
        "kernel_size": _sizes(draw, dims, 1, 4),
        "stride": _sizes(draw, dims, 1, 3),
        "dilation": _sizes(draw, dims, 1, 2),
        "groups": draw(st.sampled_from([g for g in range(1, gcd + 1) if gcd % g == 0])),
        "bias": draw(st.booleans()),
    }
    if family == "conv":
        mode = draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"]))
        args["padding_mode"] = mode
        if mode != "zeros" and draw(st.integers(0, 3)) == 0:
            # F.pad reads the tuple as is: short ones pad the last axes, long ones the channels
            length = draw(st.integers(1, dims + 1))
            args["padding"] = tuple(draw(st.integers(0, 2)) for _ in range(length))
        elif args["stride"] in (1, (1,) * dims) and draw(st.booleans()):
            args["padding"] = draw(st.sampled_from(["same", "valid"]))
        else:
            args["padding"] = _sizes(draw, dims, 0, 2)
    else:
        args["padding"] = _sizes(draw, dims, 0, 2)
        stride, dilation = (
            v if isinstance(v, tuple) else (v,) * dims for v in (args["stride"], args["dilation"])
        )
        args["output_padding"] = tuple(
            draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True)
        )
    options = {
        "depth_multiplier": draw(st.integers(1, 3)),
        "bottleneck_width": draw(st.one_of(st.none(), st.integers(1, 4))),
        "expansion": draw(st.integers(1, 3)),
    }
    input_shape = None
    if draw(st.integers(0, 4)):
        padding = args["padding"]
        # a padding reaching the channels grows them: only a batched input can take it
        channel_pad = isinstance(padding, tuple) and len(padding) > dims
        channels = max(0, c1 - 2 * padding[0]) if channel_pad else c1
        batch = [draw(st.integers(0, 2))] if channel_pad or draw(st.booleans()) else []
        # an empty axis: refused, except in an empty batch
        spatial = [draw(st.integers(0, 9 if dims < 3 else 6)) for _ in range(dims)]
        input_shape = (*batch, channels, *spatial)
    return {"kind": f"{family}{dims}d", "args": args, "options": options, "input": input_shape}


def _compare(case: dict[str, Any]) -> Comparison:
    """The variants on the case's input, or with no input if PyTorch refuses the standard."""
    spec = make_spec(case["kind"], **case["args"])
    try:
        return compare(spec, **case["options"], input_shape=case["input"])
    except LayerError:
        case["input"] = None
        return compare(spec, **case["options"])


@settings(max_examples=300)
@given(case=configurations())
def test_variants_chain_to_the_standard_output(case: dict[str, Any]) -> None:
    comparison = _compare(case)
    standard = comparison.standard
    for variant in comparison.variants:
        assert variant.params == sum(count_layer(layer.spec).params for layer in variant.layers)
        chain = variant.layers
        assert [layer.spec.in_channels for layer in chain] == list(variant.channels[:-1])
        assert [layer.spec.out_channels for layer in chain] == list(variant.channels[1:])
        if case["input"] is None:
            assert variant.output_shape is None
            assert variant.macs is None
            continue
        if variant.output_shape is None:
            # only a 1×1 layer meeting an empty axis (empty batch) can stop a chain
            assert variant.note
            assert "PyTorch refuses" in variant.note
            assert 0 in case["input"]
            continue
        expected = list(standard.output_shape)
        if variant.name == "depthwise":
            expected[-int(case["kind"][-2]) - 1] = variant.channels[-1]
        assert list(variant.output_shape) == expected, variant.name
        # each layer's own arithmetic: counts agree with analyze's, shapes chain
        shape = case["input"]
        for layer in chain:
            result = analyze(layer.spec, shape)
            assert result.params == layer.params
            assert result.init_bound == layer.init_bound
            shape = result.output_shape
        assert variant.macs == sum(layer.macs or 0 for layer in chain)


# --- the CLI -----------------------------------------------------------------------------------

REQUIRED_VARIANT_KEYS = {
    "name",
    "layers",
    "params",
    "weights",
    "biases",
    "ratio",
    "macs",
    "output_shape",
}


def test_json_seed(cli) -> None:
    result = cli(
        "params", "conv2d", "--in-channels", "3", "--out-channels", "256", "-k", "5", "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    names = [v["name"] for v in data["variants"]]
    assert names == [
        "standard",
        "depthwise",
        "depthwise_separable",
        "spatial_separable",
        "bottleneck",
        "inverted_bottleneck",
    ]
    for variant in data["variants"]:
        assert variant.keys() >= REQUIRED_VARIANT_KEYS
        assert variant["macs"] is None
        assert variant["output_shape"] is None
        assert variant["params"] == variant["weights"] + variant["biases"]
        assert variant["params"] == sum(layer["params"] for layer in variant["per_layer"])
    separable = data["variants"][2]
    assert separable["layers"] == [
        "Conv2d(3, 3, kernel_size=5, groups=3)",
        "Conv2d(3, 256, kernel_size=1)",
    ]
    assert (separable["params"], data["variants"][0]["params"]) == (1_102, 19_456)
    assert data["skipped"] == [{"name": "grouped", "reason": "no groups > 1 given"}]


def test_json_with_input_and_groups(cli) -> None:
    result = cli(
        "params", "conv2d", "-i", "1,64,28,28", "-o", "128", "-k", "3", "-p", "1", "-g", "4",
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    variants = {v["name"]: v for v in json.loads(result.stdout)["variants"]}
    # 128·(64/4·9 + 1) = 18,560; MACs 128·28·28·16·9 = 14,450,688
    assert variants["grouped"]["params"] == 18_560
    assert variants["grouped"]["macs"] == 14_450_688
    assert variants["grouped"]["layers"] == ["Conv2d(64, 128, kernel_size=3, padding=1, groups=4)"]
    assert variants["standard"]["output_shape"] == [1, 128, 28, 28]
    assert variants["depthwise"]["output_shape"] == [1, 64, 28, 28]
    assert variants["bottleneck"]["output_shape"] == [1, 128, 28, 28]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (
            ["conv2d", "--in-channels", "12", "-o", "8", "-k", "3", "-g", "3"],
            1,
            "Error: groups: out_channels=8 is not divisible by groups=3; "
            "groups dividing both channel counts: 1, 2, 4\n",
        ),
        (
            ["convtranspose1d", "--in-channels", "3", "-o", "8", "-k", "3", "-g", "2"],
            1,
            "groups dividing both channel counts: 1\n",
        ),
        (["conv2d", "--in-channels", "3", "-o", "8", "-k", "3", "-m", "0"], 1, "depth_multiplier"),
        (["conv2d", "--in-channels", "0", "-o", "8", "-k", "3"], 1, "in_channels: must be ≥ 1"),
        (["conv2d", "-i", "1,4,8,8", "--in-channels", "3", "-o", "8", "-k", "3"], 1, "has 4"),
        (["conv2d", "-i", "1,3,2,2", "-o", "8", "-k", "3"], 1, "kernel_size: on axis H"),
        (["convtranspose2d", "--in-channels", "3", "-o", "8", "-k", "3", "-p", "same"], 1, "same"),
        (["conv2d", "-i", "1,-3,4,4", "-o", "8", "-k", "3"], 1, "input"),
        # malformed command lines: exit 2
        (["conv2d", "-o", "8", "-k", "3"], 2, "--in-channels"),
        (["conv2d", "--in-channels", "3", "-k", "3"], 2, "--out-channels"),
        (
            ["conv2d", "--in-channels", "3", "-o", "8", "-k", "3", "-m", "x"],
            2,
            "--depth-multiplier",
        ),
        (["conv2d", "-i", "1,x,4,4", "-o", "8", "-k", "3"], 2, "--input"),
        (["maxpool2d", "-k", "3"], 2, "maxpool2d"),
    ],
)
def test_errors(cli, args: list[str], code: int, needle: str) -> None:
    result = cli("params", *args)
    assert result.stdout == ""
    assert_clean_error(result, code, needle, one_line=True)


@pytest.mark.parametrize("kind", [f"{f}{d}d" for f in ("conv", "convtranspose") for d in (1, 2, 3)])
def test_help_examples_run(cli, kind: str, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # an example saves a figure
    text = cli("params", kind, "--help").stdout
    assert "--depth-multiplier" in text
    assert ("--output-padding" in text) == kind.startswith("convtranspose")
    examples = [
        line.strip()[2:].split()[1:] for line in text.splitlines() if line.strip().startswith("$ ")
    ]
    assert len(examples) >= 2
    assert text.rstrip().splitlines()[-1].strip().startswith(f"$ convcalc params {kind}")
    for example in examples:
        result = cli(*example)
        assert result.exit_code == 0, (example, result.output)


def test_table_output_fits_80_columns(cli) -> None:
    result = cli(
        "params", "convtranspose3d", "-i", "2,8,5,5,5", "-o", "4", "-k", "3,1,4", "-s", "2,3,2",
        "-p", "1,0,1", "--output-padding", "1,2,0", "-g", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.stdout
    assert all(len(line) <= 80 for line in result.stdout.splitlines())


# --- rendering ---------------------------------------------------------------------------------


def render(renderable: object, width: int = 80) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(renderable)
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


def test_report_shows_totals_layers_and_notes() -> None:
    text = render(params_report(compare(make_spec("conv2d", **SEED), input_shape=(1, 3, 32, 32))))
    assert all(len(line) <= 80 for line in text.splitlines())
    assert text.startswith("Conv2d(3, 256, kernel_size=5)")
    assert re.search(r"^depthwise_separable +3→3→256 +843 +259 +1,102 +0\.0566 *$", text, re.M)
    assert re.search(r"^standard +\(1, 256, 28, 28\) +15,052,800 +1 *$", text, re.M)
    assert re.search(r"^  Conv2d\(3, 3, kernel_size=5, groups=3\) +78 +±0\.2 *$", text, re.M)
    assert "note: depthwise: output has 3 channels, not 256" in text
    assert "not shown: grouped: no --groups G > 1 given" in text


def test_long_calls_wrap_under_themselves() -> None:
    spec = make_spec(
        "convtranspose3d",
        in_channels=48,
        out_channels=48,
        kernel_size=(3, 1, 4),
        stride=(2, 3, 2),
        padding=(1, 0, 1),
        output_padding=(1, 2, 0),
    )
    lines = render(params_report(compare(spec))).splitlines()
    assert all(len(line) <= 80 for line in lines)
    start = next(
        i for i, line in enumerate(lines) if line.startswith("  ConvTranspose3d(48, 48, k")
    )
    assert lines[start + 1].startswith("  ")
    assert not lines[start + 1].startswith("  Conv")


def test_ascii_fallback() -> None:
    text = render(params_report(compare(make_spec("conv2d", **SEED)), ascii_only=True))
    assert "─" not in text
    assert "→" not in text
    assert "±" not in text
    assert "3->3->256" in text


# --- every variant rebuilt in real torch ------------------------------------------------------

TORCH_CLASSES = [f"{p}{d}d" for p in ("Conv", "ConvTranspose") for d in (1, 2, 3)]


def check_against_torch(torch: Any, comparison: Comparison) -> None:
    """Each variant's `layers`, built in torch, have `params` parameters and PyTorch's init
    bound; on the input, chained, they give `output_shape` (or are refused where it is None)."""
    # the constructor strings are evaluated here, in the test, with torch.nn's classes only
    scope = {name: getattr(torch.nn, name) for name in TORCH_CLASSES}
    standard_shape = None
    for variant in comparison.variants:
        data = variant.to_json()
        modules = [eval(call, {"__builtins__": {}}, scope) for call in data["layers"]]
        assert sum(p.numel() for m in modules for p in m.parameters()) == data["params"], data
        assert sum(m.weight.numel() for m in modules) == data["weights"]
        for module, layer in zip(modules, variant.layers, strict=True):
            fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(module.weight)
            assert layer.init_bound == pytest.approx(1 / math.sqrt(fan_in))
        if comparison.input_shape is None:
            continue
        x = torch.zeros(comparison.input_shape, dtype=torch.float64)
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. "'same' padding ... asymmetric"
                for module in modules:
                    x = module.double()(x)
        except RuntimeError:
            assert data["output_shape"] is None, (variant.name, data["layers"])
            continue
        assert list(x.shape) == data["output_shape"], (variant.name, data["layers"])
        # torch's own chain ends where torch's standard layer does (depthwise: but channels)
        standard_shape = standard_shape or list(x.shape)
        channel = -comparison.layer.dims - 1
        expected = [*standard_shape]
        if variant.name == "depthwise":
            expected[channel] = x.shape[channel]
        assert list(x.shape) == expected, (variant.name, data["layers"])


EDGE_CASES = [
    # F.pad reaches the channel axis: the input has 1 channel, padded to 3
    (
        "conv2d",
        dict(
            in_channels=3, out_channels=4, kernel_size=3, padding=(1, 2, 2), padding_mode="circular"
        ),
        (1, 1, 8, 8),
    ),
    # a 1-tuple pads the last axis only
    (
        "conv2d",
        dict(in_channels=2, out_channels=4, kernel_size=3, padding=(1,), padding_mode="reflect"),
        (2, 6, 7),
    ),
    # an empty batch with an empty axis: the bottleneck's first 1×1 layer cannot take it
    ("conv2d", dict(in_channels=3, out_channels=4, kernel_size=3, padding=2), (0, 3, 0, 5)),
    # 'same' with an even, dilated kernel: asymmetric padding per axis
    (
        "conv3d",
        dict(
            in_channels=2, out_channels=6, kernel_size=(2, 4, 3), dilation=(1, 2, 1), padding="same"
        ),
        (1, 2, 5, 9, 4),
    ),
    (
        "convtranspose3d",
        dict(
            in_channels=8,
            out_channels=4,
            kernel_size=(3, 1, 4),
            stride=(2, 3, 2),
            padding=(1, 0, 1),
            output_padding=(1, 2, 0),
            groups=2,
        ),
        (2, 8, 5, 5, 5),
    ),
]


@pytest.mark.torch
@pytest.mark.parametrize(("kind", "args", "shape"), EDGE_CASES)
def test_edge_cases_match_torch(kind: str, args: dict[str, Any], shape: tuple[int, ...]) -> None:
    from conftest import require_torch

    comparison = compare(make_spec(kind, **args), input_shape=shape)
    check_against_torch(require_torch(), comparison)


def test_empty_axis_stops_only_the_chains_that_meet_it() -> None:
    comparison = compare(
        make_spec("conv2d", in_channels=3, out_channels=4, kernel_size=3, padding=2),
        input_shape=(0, 3, 0, 5),
    )
    refused = {v.name for v in comparison.variants if v.output_shape is None}
    # H is empty: the spatial pair's (3, 1) layer pads it by 2 first, but a leading 1×1
    # layer meets it unpadded, as PyTorch refuses (see test_edge_cases_match_torch)
    assert refused == {"bottleneck", "inverted_bottleneck"}
    assert comparison.standard.output_shape == (0, 4, 2, 7)


@pytest.mark.torch
@settings(max_examples=150, deadline=None)
@given(case=configurations())
def test_variants_match_torch(case: dict[str, Any]) -> None:
    from conftest import require_torch

    torch = require_torch()
    check_against_torch(torch, _compare(case))


@pytest.mark.parametrize("columns", [30, 40, 50, 60, 70, 80, 120])
def test_narrow_terminals_never_cut_a_number(cli, monkeypatch, columns: int) -> None:
    """Numbers go compact (119k), then columns go; no cell is cut with '…'."""
    monkeypatch.setenv("COLUMNS", str(columns))
    result = cli("params", "conv2d", "-i", "1,3,224,224", "-o", "256", "-k", "5")
    assert result.exit_code == 0, result.output
    tables = result.stdout.split("\nlayers")[0]
    assert "…" not in tables
    # the bottleneck's parameters, 119,360, in full or as 119k
    bottleneck = next(line for line in tables.splitlines() if line.startswith("bottleneck"))
    assert "119,360" in bottleneck or "119k" in bottleneck
    assert all(len(line) <= columns for line in tables.splitlines())
