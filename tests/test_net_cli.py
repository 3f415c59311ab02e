"""`convcalc net` end to end through the real entry point: table, JSON, files, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_clean_error
from net_architectures import ARCHITECTURES

GOLDEN = json.loads((Path(__file__).parent / "data" / "net_golden.json").read_text("utf-8"))

LENET = [
    "Conv2d(1, 6, 5)",
    "nn.Tanh()",
    "AvgPool2d(2)",
    "Conv2d(6, 16, 5)",
    "Tanh()",
    "AvgPool2d(2)",
    "Flatten()",
    "Linear(16 * 5 * 5, 120)",
    "Linear(120, 84)",
    "Linear(84, 10)",
]


def shape_arg(shape: tuple[int, ...]) -> str:
    return ",".join(map(str, shape))


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_table_fits_80_columns_and_shows_the_totals(cli, name: str) -> None:
    shape, source = ARCHITECTURES[name]
    result = cli("net", "-i", shape_arg(shape), source)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    want = GOLDEN["architectures"][name]
    totals = {line.split("  ")[0]: line for line in lines}
    assert f"{want['params']:,} (all trainable)" in totals["params"]
    assert f"{want['macs']:,}" in totals["MACs"]
    assert str(tuple(want["output_shape"])) in totals["output shape"]
    # one row per layer, numbered from 0, after the input row
    rows = [line for line in lines if line[:1].isdigit()]
    assert [int(row.split()[0].rstrip("*")) for row in rows] == list(range(len(want["layers"])))


def test_json_has_the_documented_fields(cli) -> None:
    result = cli("net", "-i", "1,1,32,32", *LENET, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data.keys() >= {"input_shape", "output_shape", "params", "macs", "layers", "buffers"}
    assert data["input_shape"] == [1, 1, 32, 32]
    assert data["output_shape"] == [1, 10]
    first = data["layers"][0]
    assert first.keys() >= {"layer", "kind", "input_shape", "output_shape", "params", "macs"}
    assert first["layer"] == "Conv2d(1, 6, 5)"
    assert first["kind"] == "Conv2d"
    # Conv2d(1, 6, 5): 6·1·5·5 + 6 = 156 params; 6·28·28 outputs × 25 MACs = 117,600
    assert (first["params"], first["macs"]) == (156, 117_600)
    assert data["layers"][7]["layer"] == "Linear(16 * 5 * 5, 120)"
    # Linear = batch · in · out
    assert data["layers"][7]["macs"] == 1 * 400 * 120


def test_dtype_scales_activation_memory(cli) -> None:
    # Conv2d(3, 8, 3, padding=1) on (2, 3, 4, 4): output 2·8·4·4 = 256 elements; ReLU the same
    args = ("net", "-i", "2,3,4,4", "Conv2d(3, 8, 3, padding=1)", "ReLU()", "--json")
    sizes = {
        dtype: json.loads(cli(*args, "--dtype", dtype).stdout)["activation_bytes"]
        for dtype in ("float32", "float16", "float64", "int8")
    }
    assert sizes == {"float32": 512 * 4, "float16": 512 * 2, "float64": 512 * 8, "int8": 512}
    assert json.loads(cli(*args).stdout)["dtype"] == "float32"
    assert cli(*args, "--dtype", "float8").exit_code == 2


def test_one_sequential_with_nesting_and_ordered_dict(cli) -> None:
    source = "nn.Sequential(OrderedDict([('conv', nn.Conv2d(1, 6, 5)), ('act', nn.Tanh())]))"
    nested = "nn.Sequential(nn.Sequential(nn.Conv2d(1, 6, 5)), nn.Tanh())"
    for text in (source, nested, "nn.Conv2d(1, 6, 5), nn.Tanh(),"):
        data = json.loads(cli("net", "-i", "1,1,32,32", text, "--json").stdout)
        assert [layer["kind"] for layer in data["layers"]] == ["Conv2d", "Tanh"], text


PY_MODEL = '''"""LeNet-5."""
# input 1, 1, 32, 32
import torch
from torch import nn

model = nn.Sequential(
    nn.Conv2d(1, 6, 5),  # C1
    nn.Tanh(),
    nn.AvgPool2d(2),
    nn.Conv2d(6, 16, 5),
    nn.Tanh(),
    nn.AvgPool2d(2),
    nn.Flatten(),
    nn.Linear(16 * 5 * 5, 120),
    nn.Linear(120, 84),
    nn.Linear(84, 10),
)
'''

JSON_MODEL = json.dumps(
    {
        "input": [1, 1, 32, 32],
        "layers": [
            {"type": "Conv2d", "in_channels": 1, "out_channels": 6, "kernel_size": 5},
            {"type": "Tanh"},
            {"type": "AvgPool2d", "kernel_size": 2},
            {"type": "Conv2d", "args": [6, 16, 5]},
            {"type": "nn.Tanh"},
            {"type": "AvgPool2d", "kernel_size": [2, 2]},
            {"type": "Flatten"},
            {"type": "Linear", "in_features": 400, "out_features": 120},
            {"type": "Linear", "args": [120, 84]},
            {"type": "Linear", "args": [84], "out_features": 10},
        ],
    }
)

TOML_MODEL = """input = [1, 1, 32, 32]
[[layers]]
type = "Conv2d"
args = [1, 6, 5]
[[layers]]
type = "Tanh"
[[layers]]
type = "AvgPool2d"
kernel_size = 2
[[layers]]
type = "Conv2d"
args = [6, 16, 5]
[[layers]]
type = "Tanh"
[[layers]]
type = "AvgPool2d"
kernel_size = 2
[[layers]]
type = "Flatten"
[[layers]]
type = "Linear"
args = [400, 120]
[[layers]]
type = "Linear"
args = [120, 84]
[[layers]]
type = "Linear"
args = [84, 10]
"""

YAML_MODEL = """- {type: Conv2d, in_channels: 1, out_channels: 6, kernel_size: 5}
- type: Tanh
- {type: AvgPool2d, kernel_size: 2}
- {type: Conv2d, args: [6, 16, 5]}
- {type: Tanh}
- {type: AvgPool2d, kernel_size: 2}
- {type: Flatten}
- {type: Linear, args: [400, 120]}
- {type: Linear, args: [120, 84]}
- {type: Linear, args: [84, 10]}
"""


@pytest.mark.parametrize(
    ("suffix", "text", "input_args"),
    [
        (".py", PY_MODEL, []),
        (".json", JSON_MODEL, []),
        (".toml", TOML_MODEL, []),
        (".yaml", YAML_MODEL, ["-i", "1,1,32,32"]),
    ],
)
def test_model_files_read_like_expressions(cli, tmp_path, suffix, text, input_args) -> None:
    path = tmp_path / f"lenet{suffix}"
    path.write_text(text, encoding="utf-8")
    from_file = json.loads(cli("net", "--file", str(path), *input_args, "--json").stdout)
    from_args = json.loads(cli("net", "-i", "1,1,32,32", *LENET, "--json").stdout)
    for key in ("input_shape", "output_shape", "params", "macs", "buffers"):
        assert from_file[key] == from_args[key], key
    assert [layer["kind"] for layer in from_file["layers"]] == [
        layer["kind"] for layer in from_args["layers"]
    ]


def test_file_without_input_line_needs_the_option(cli, tmp_path) -> None:
    path = tmp_path / "m.py"
    path.write_text("Conv2d(1, 6, 5)\n", encoding="utf-8")
    assert_clean_error(cli("net", "-f", str(path)), 2, "'--input'")


def test_input_option_overrides_the_file_comment(cli, tmp_path) -> None:
    path = tmp_path / "m.py"
    path.write_text("# input: 1, 1, 32, 32\nConv2d(1, 6, 5)\n", encoding="utf-8")
    data = json.loads(cli("net", "-f", str(path), "-i", "2,1,8,8", "--json").stdout)
    assert data["output_shape"] == [2, 6, 4, 4]


@pytest.mark.parametrize(
    ("args", "code", "needles"),
    [
        # a shape mismatch names both layers (index and call) and the shapes
        (
            ["-i", "1,3,32,32", "Conv2d(3, 8, 3)", "ReLU()", "Conv2d(16, 8, 3)"],
            1,
            [
                "layer 2 Conv2d(16, 8, 3)",
                "expects 16 input channels",
                "(1, 8, 30, 30)",
                "layer 1 ReLU()",
            ],
        ),
        (
            ["-i", "1,3,32,32", "Conv2d(3, 8, 3)", "Flatten()", "Linear(100, 10)"],
            1,
            ["layer 2 Linear(100, 10)", "in_features", "(1, 7200)", "layer 1 Flatten()"],
        ),
        (
            ["-i", "1,4,8,8", "BatchNorm2d(3)"],
            1,
            ["layer 0 BatchNorm2d(3)", "expects 3 channels", "(1, 4, 8, 8)", "the network input"],
        ),
        # unknown layer: named, with the closest names convcalc knows (not all 112)
        (
            ["-i", "1,3,8,8", "nn.Conv2d(3, 3, 1)", "nn.Selu()"],
            1,
            ["layer 1 nn.Selu()", "unknown layer 'Selu'; did you mean SELU or"],
        ),
        (
            ["-i", "1,3,8,8", "nn.Frobnicate2d(3)"],
            1,
            ["unknown layer 'Frobnicate2d' (convcalc knows 112 torch.nn layers"],
        ),
        # wrong arguments, as PyTorch's constructors refuse them
        (["-i", "1,8", "GroupNorm(3, 8)"], 1, ["divisible by num_groups (3)"]),
        (["-i", "1,8", "Dropout(1.5)"], 1, ["between 0 and 1"]),
        (["-i", "1,8", "Linear(8)"], 1, ["missing required argument out_features"]),
        (["-i", "1,8", "ReLU(True, 3)"], 1, ["at most 1 positional"]),
        (
            ["-i", "1,8", "BatchNorm1d(8, 1e-5, 0.1, True, True, None, None, True)"],
            1,
            ["at most 7"],
        ),
        (["-i", "1,2,8", "MaxPool1d(2, return_indices=True)", "ReLU()"], 1, ["(output, indices)"]),
        # usage errors: exit 2
        (["Conv2d(3, 8, 3)"], 2, ["--input"]),
        (["-i", "1,3,8,8"], 2, ["--file"]),
        (["-i", "1,3,8,8", "-f", "x.py", "ReLU()"], 2, ["not both"]),
        (["-i", "1,a,8", "ReLU()"], 2, ["--input"]),
    ],
)
def test_errors_are_one_line_without_traceback(cli, args, code, needles) -> None:
    result = cli("net", *args)
    assert_clean_error(result, code, one_line=True)
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)


def test_warnings_are_marked_and_listed(cli) -> None:
    # Conv1d(1, 1, 2, stride=2) on 5 elements: windows [0,1], [2,3]; the 5th is unused
    result = cli("net", "-i", "1,1,5", "Conv1d(1, 1, 2, stride=2)", "Softmax()")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if line[:1].isdigit()]
    assert rows[0].startswith("0*")
    assert rows[1].startswith("1*")
    assert "warning: layer 0* Conv1d(1, 1, 2, stride=2): axis L: stride 2 leaves the last 1" in (
        result.stdout
    )
    assert "PyTorch picks dim=0 for a 3-D input" in result.stdout


def test_help_has_examples(cli) -> None:
    result = cli("net", "--help")
    assert result.exit_code == 0
    assert "$ convcalc net" in result.stdout


def test_json_imports_neither_rich_nor_numpy_nor_torch() -> None:
    from conftest import modules_after

    call = ["net", "-i", "1,3,8,8", "Conv2d(3, 4, 3)", "BatchNorm2d(4)", "--json"]
    assert modules_after(call, packages=("numpy", "rich", "torch")) == []
