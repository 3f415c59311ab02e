"""`convcalc shape` end to end through the real entry point: exit codes, streams, JSON."""

from __future__ import annotations

import json

import pytest
from conftest import assert_clean_error

from convcalc.kinds import KINDS, torch_name

REQUIRED_JSON_KEYS = {
    "kind",
    "input_shape",
    "output_shape",
    "weight_shape",
    "bias_shape",
    "params",
    "macs",
    "padding",
    "receptive_field",
    "jump",
    "unused_input",
    "init_bound",
}


def test_json_has_every_documented_field(cli) -> None:
    result = cli(
        "shape",
        "conv2d",
        "-i",
        "1,3,224,224",
        "--out-channels",
        "64",
        "-k",
        "7",
        "-s",
        "2",
        "-p",
        "3",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data.keys() >= REQUIRED_JSON_KEYS
    assert data["output_shape"] == [1, 64, 112, 112]
    assert data["weight_shape"] == [64, 3, 7, 7]
    assert data["params"] == 64 * 3 * 49 + 64
    assert data["padding"] == [[3, 3], [3, 3]]
    assert data["layer"] == "Conv2d(3, 64, kernel_size=7, stride=2, padding=3)"


def test_pool_json_has_null_weights(cli) -> None:
    result = cli("shape", "maxpool2d", "-i", "1,3,8,8", "-k", "2", "--json")
    data = json.loads(result.stdout)
    assert data["weight_shape"] is None
    assert data["bias_shape"] is None
    assert data["init_bound"] is None
    assert data["macs"] == 0


@pytest.mark.parametrize("kind", ["Conv2d", "CONV2D", "conv2d", "ConvTranspose1d", "MaxPool3d"])
def test_kind_is_case_insensitive(cli, kind: str) -> None:
    dims = int(kind[-2])
    spatial = ",".join(["6"] * dims)
    extra = ["-o", "2"] if kind.lower().startswith("conv") else []
    result = cli("shape", kind, "-i", f"2,{spatial}", "-k", "2", *extra, "--json")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        # a layer PyTorch refuses: exit 1, one line naming the parameter and the numbers
        (["conv2d", "-i", "1,3,4,4", "-o", "8", "-k", "3", "-d", "2"], 1, "spans 5"),
        (["conv2d", "-i", "1,3,4,4", "-o", "8", "-k", "3", "-g", "2"], 1, "groups"),
        (["conv2d", "-i", "1,3,4,4", "-o", "8", "-k", "0"], 1, "kernel_size: must be ≥ 1, got 0"),
        (["conv2d", "-i", "1,3,4,4", "-o", "8", "-k", "3,3,3"], 1, "kernel_size"),
        (["conv2d", "-i", "1,3,4,4", "-o", "8", "-k", "3", "-p", "same", "-s", "2"], 1, "same"),
        (
            ["conv2d", "-i", "1,3,4,4", "-o", "8", "-k", "3", "--padding-mode", "mirror"],
            1,
            "padding_mode",
        ),
        (["conv2d", "-i", "1,-3,4,4", "-o", "8", "-k", "3"], 1, "input"),
        (
            ["convtranspose2d", "-i", "1,3,4,4", "-o", "8", "-k", "3", "--output-padding", "1"],
            1,
            "output_padding",
        ),
        (["maxpool2d", "-i", "1,3,4,4", "-k", "3", "-p", "2"], 1, "at most 1"),
        (["adaptiveavgpool2d", "-i", "1,3,4,4", "--output-size", "2,2,2"], 1, "output_size"),
        # malformed command lines: exit 2
        (["conv2d", "-i", "1,3,4,4", "-o", "8", "-k", "abc"], 2, "--kernel-size"),
        (["conv2d", "-i", "1,3,4,4", "-k", "3"], 2, "--out-channels"),
        (["conv2d", "-i", "1,x,4,4", "-o", "8", "-k", "3"], 2, "--input"),
        (["conv2d", "-i", "1,3,4,4", "-o", "eight", "-k", "3"], 2, "--out-channels"),
        (["avgpool1d", "-i", "1,3,4", "-k", "2", "--divisor-override", "2"], 2, "divisor"),
        (["maxpool2d", "-i", "1,3,4,4", "-k", "2", "--groups", "2"], 2, "--groups"),
        (["nopool2d", "-i", "1,3,4,4"], 2, "nopool2d"),
    ],
)
def test_errors(cli, args: list[str], code: int, needle: str) -> None:
    result = cli("shape", *args)
    assert result.stdout == ""
    assert_clean_error(result, code, needle)


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_shows_only_its_own_options(cli, kind: str) -> None:
    result = cli("shape", kind, "--help")
    assert result.exit_code == 0
    text = result.stdout
    family = kind[:-2]
    assert ("--out-channels" in text) == family.startswith("conv")
    assert ("--output-padding" in text) == (family == "convtranspose")
    assert ("--ceil-mode" in text) == (family in ("maxpool", "avgpool"))
    assert ("--divisor-override" in text) == (family == "avgpool" and kind != "avgpool1d")
    assert ("--output-size" in text) == family.startswith("adaptive")
    assert ("--dilation" in text) == (family in ("conv", "convtranspose", "maxpool"))
    assert f"torch.nn.{torch_name(family, int(kind[-2]))}" in text
    # help ends with real examples of this very kind
    assert text.rstrip().splitlines()[-1].strip().startswith(f"$ convcalc shape {kind}")


@pytest.mark.parametrize("kind", KINDS)
def test_help_examples_run(cli, kind: str) -> None:
    examples = [
        line.strip()[2:].split()[1:]
        for line in cli("shape", kind, "--help").stdout.splitlines()
        if line.strip().startswith("$ convcalc")
    ]
    assert len(examples) >= 2
    for example in examples:
        result = cli(*example)
        assert result.exit_code == 0, (example, result.output)


def test_table_output_is_plain_in_a_pipe(cli) -> None:
    result = cli(
        "shape", "conv2d", "-i", "1,3,224,224", "-o", "64", "-k", "7", "-s", "2", "-p", "3"
    )
    assert result.exit_code == 0, result.output
    assert "\x1b[" not in result.stdout
    assert "(1, 64, 112, 112)" in result.stdout
    assert all(len(line) <= 80 for line in result.stdout.splitlines())


def test_version(cli) -> None:
    from importlib.metadata import version

    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"convcalc {version('convcalc')}"


def test_a_constructor_title_is_never_wrapped_on_a_wide_terminal(cli, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    result = cli("shape", "adaptiveavgpool2d", "-i", "1,512,7,7", "--output-size", "1")
    assert result.stdout.splitlines()[0] == "AdaptiveAvgPool2d(output_size=1)"
    args = ["conv2d", "-i", "1,3,224,224", "-o", "64", "-k", "7", "-s", "2", "-p", "3"]
    result = cli("shape", *args, "--padding-mode", "reflect", "--no-bias", "-d", "1")
    title = "Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False, padding_mode='reflect')"
    assert result.stdout.splitlines()[0] == title


@pytest.mark.parametrize(
    "args",
    [
        ["shape", "conv2d", "-i", "1,3,224,224", "-o", "64", "-k", "7", "-s", "2", "-p", "3"],
        ["params", "conv2d", "--in-channels", "3", "-o", "256", "-k", "5"],
        ["solve", "padding", "conv2d", "-i", "224", "-k", "3", "-s", "2", "-t", "112"],
        ["net", "-i", "1,1,32,32", "Conv2d(1, 6, 5)", "ReLU()", "MaxPool2d(2)"],
        ["run", "conv2d", "-i", "[[1,2,3],[4,5,6]]", "-w", "[[1,1]]", "--explain"],
    ],
)
def test_no_line_ends_in_spaces(cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert all(line == line.rstrip() for line in result.stdout.splitlines())


# (args, message): one bound per parameter, whatever side of it the value falls
BOUND_MESSAGES = [
    (["conv1d", "-i", "1,1,8", "-o", "1", "-k", "-3"], "kernel_size: must be ≥ 1, got -3"),
    (["conv1d", "-i", "1,1,8", "-o", "1", "-k", "0"], "kernel_size: must be ≥ 1, got 0"),
    (
        ["conv1d", "-i", "1,1,8", "-o", "1", "-k", "3,3"],
        "kernel_size: Conv1d needs an int or a tuple of one int, got 2: (3, 3)",
    ),
    (
        ["conv2d", "-i", "1,1,8,8", "-o", "1", "-k", "3,3,3"],
        "kernel_size: Conv2d needs an int or 2 ints, got 3: (3, 3, 3)",
    ),
]


@pytest.mark.parametrize(("args", "message"), BOUND_MESSAGES)
def test_bound_messages_agree(cli, args: list[str], message: str) -> None:
    assert_clean_error(cli("shape", *args), 1, message, one_line=True)


INT64 = 2**63 - 1
# (command line, message): PyTorch's int64 sizes and element counts, refused alike everywhere
BEYOND_INT64 = [
    (
        ["shape", "conv2d", "-i", f"1,3,{10**40},{10**40}", "-o", "8", "-k", "3"],
        "input: (1, 3, <an integer of about 41 digits>, <an integer of about 41 digits>) "
        "has a size beyond PyTorch's int64",
    ),
    (
        ["shape", "conv2d", "-i", f"1,3,{2**40},{2**40}", "-o", "8", "-k", "3"],
        "input: (1, 3, 1099511627776, 1099511627776) has 3.63e+24 elements",
    ),
    (
        ["shape", "conv2d", "-i", "1,3,8,8", "-o", "8", "-k", str(INT64 + 1)],
        "kernel_size: 9223372036854775808 does not fit PyTorch's int64",
    ),
    (
        ["params", "conv2d", "--in-channels", str(10**40), "-o", "8", "-k", "3"],
        "in_channels: <an integer of about 41 digits> does not fit PyTorch's int64",
    ),
    (
        ["params", "conv2d", "--in-channels", str(10**309), "-o", "1", "-k", "1"],
        "in_channels: <an integer of about 310 digits> does not fit PyTorch's int64",
    ),
    (
        ["params", "conv2d", "--in-channels", str(2**31), "-o", str(2**31), "-k", "3"],
        "weight: (2147483648, 2147483648, 3, 3) has 4.15e+19 elements",
    ),
    (
        ["shape", "conv2d", "-i", f"1,1,{10**2200},{10**2200}", "-o", "1", "-k", "1"],
        "input: (1, 1, <an integer of about 2,201 digits>",
    ),
    (
        ["shape", "convtranspose1d", "-i", "1,1,4", "-o", "1", "-k", "1", "-s", str(2**62)],
        "output: (1, 1, 13835058055282163713) has a size beyond PyTorch's int64",
    ),
]


@pytest.mark.parametrize(("args", "message"), BEYOND_INT64)
def test_sizes_beyond_int64_are_refused(cli, args: list[str], message: str) -> None:
    assert_clean_error(cli(*args), 1, message, one_line=True)


def test_the_largest_int64_sizes_are_accepted(cli) -> None:
    # torch: Conv1d(1, 1, 1, stride=2**63 - 1) on (1, 1, 3) gives (1, 1, 1)
    result = cli("shape", "conv1d", "-i", "1,1,3", "-o", "1", "-k", "1", "-s", str(INT64), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["output_shape"] == [1, 1, 1]


# (input, extra options, output sizes, params, MACs): an input of fewer numbers than C,*spatial
# (a rank PyTorch refuses for these layers) is spatial sizes; MACs of one sample
SPATIAL = [
    # ⌊(224 + 6 − 7)/2⌋ + 1 = 112 on both axes; no channels: no counts
    ("conv2d", "224", ["-k", "7", "-s", "2", "-p", "3"], [112, 112], None, None),
    # with channels: 64·3·7·7 + 64 = 9,472 params; 64·112·112 outputs × 147 = 118,013,952
    (
        "conv2d",
        "224",
        ["-k", "7", "-s", "2", "-p", "3", "--in-channels", "3", "-o", "64"],
        [112, 112],
        9472,
        118_013_952,
    ),
    # one per axis: ⌊(112 + 2 − 3)/2⌋ + 1 = 56, ⌊(100 + 2 − 3)/2⌋ + 1 = 50
    ("maxpool2d", "112,100", ["-k", "3", "-s", "2", "-p", "1"], [56, 50], 0, 0),
    # transposed 1-D: (28 − 1)·2 − 2 + 3 + 1 = 56
    (
        "convtranspose1d",
        "28",
        ["-k", "3", "-s", "2", "-p", "1", "--output-padding", "1"],
        [56],
        None,
        None,
    ),
    # 3-D, one size for every axis: 8 − 3 + 1 = 6
    ("avgpool3d", "8", ["-k", "3", "-s", "1"], [6, 6, 6], 0, 0),
]


@pytest.mark.parametrize(("kind", "sizes", "options", "output", "params", "macs"), SPATIAL)
def test_spatial_sizes_alone_answer_the_spatial_question(
    cli, kind: str, sizes: str, options: list[str], output: list[int], params, macs
) -> None:
    result = cli("shape", kind, "-i", sizes, *options, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["output_shape"] == output
    assert (data["params"], data["macs"]) == (params, macs)
    assert "spatial sizes" in data["assumed"]


def test_spatial_reading_says_what_it_assumed(cli) -> None:
    result = cli("shape", "conv2d", "-i", "224", "-k", "7", "-s", "2", "-p", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Conv2d(in_channels, out_channels, kernel_size=7, stride=2, padding=3)"
    assert "output size      112 × 112" in lines
    assert "params" not in result.stdout
    assert "note: input read as spatial sizes 224×224" in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        # two numbers for a 3-D layer: neither one for every axis nor one per axis
        (["conv3d", "-i", "7,7", "-o", "1", "-k", "3"], "one size for every axis"),
        # a full shape still needs the output channels
        (["conv2d", "-i", "3,224,224", "-k", "3"], "is needed with a full input shape"),
    ],
)
def test_spatial_reading_refusals(cli, args: list[str], needle: str) -> None:
    assert_clean_error(cli("shape", *args), 2, needle)


def test_adaptive_pools_keep_pytorchs_reading_of_low_ranks(cli) -> None:
    # adaptive_avg_pool2d to 1 takes a (7, 7) tensor: H=7 read as channels in PyTorch's rank
    result = cli("shape", "adaptiveavgpool2d", "--output-size", "1", "-i", "7,7", "--json")
    assert json.loads(result.stdout)["output_shape"] == [1, 1]
    assert "assumed" not in json.loads(result.stdout)
