"""`convcalc net` on models written as nn.Module classes (tests/net_architectures.py MODELS)
against what torch recorded (tests/data/net_models_golden.json, written by
scripts/make_net_golden.py from forward hooks on every module), and the output around it:
the tree, --depth, --json, a forward that does not fit, the paste forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_clean_error
from net_architectures import MODELS, TUTORIAL_CNN

from convcalc import network

GOLDEN = json.loads((Path(__file__).parent / "data" / "net_models_golden.json").read_text("utf-8"))
RECORDED = GOLDEN["models"]


def summarize(name: str) -> network.Network:
    inputs, expression, source = MODELS[name]
    return network.summarize(source, inputs=inputs, model_expression=expression)


def module_calls(result: network.Network) -> list[dict[str, object]]:
    """The rows torch's hooks can see (module calls, not functional ops), as recorded."""
    return [
        {
            "name": layer.name,
            "inputs": [list(s) for s in layer.inputs],
            "kind": layer.kind,
            "outputs": [list(s) for s in layer.outputs],
            "params": layer.effect.params,
            "macs": layer.effect.macs if layer.role == "layer" else 0,
        }
        for layer in result.layers
        if layer.role != "op"
    ]


def test_every_model_is_recorded() -> None:
    assert set(RECORDED) == set(MODELS)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_totals_equal_torch(name: str) -> None:
    result = summarize(name)
    want = RECORDED[name]
    assert [list(s) for s in result.outputs] == want["outputs"]
    assert result.params == want["params"]
    assert result.buffers == want["buffers"]
    assert result.macs == want["macs"]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_module_call_equals_torch(name: str) -> None:
    # names, classes, input and output shapes, own parameters and MACs, call by call
    assert module_calls(summarize(name)) == RECORDED[name]["calls"]


# torchvision's model cards: ResNet-50 25,557,032 params and 4.09 GFLOPS (MACs); MobileNetV2
# 3,504,872 params and 0.30 GFLOPS
LITERATURE = [("resnet50_torchvision", 25_557_032, 4.09), ("mobilenet_v2", 3_504_872, 0.30)]


@pytest.mark.parametrize(("name", "params", "gmacs"), LITERATURE)
def test_known_totals_from_the_literature(name: str, params: int, gmacs: float) -> None:
    result = summarize(name)
    assert result.params == params
    assert round(result.macs / 1e9, 2) == gmacs


def _line_of(source: str, text: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if text in line)


def test_tutorial_cnn_rows_in_forward_order() -> None:
    result = summarize("tutorial_cnn")
    rows = [(r.name, r.role, r.output_shape, r.params, r.effect.macs) for r in result.layers]
    # conv1: 6·3·5·5 + 6 = 456 params; 6·28·28 outputs × 3·25 = 352,800 MACs.  The pool is
    # called twice: its second row is a repeat (0 params either way).  fc1: 400·120 + 120.
    assert rows == [
        ("conv1", "layer", (1, 6, 28, 28), 456, 352_800),
        ("F.relu", "op", (1, 6, 28, 28), 0, 0),
        ("pool", "layer", (1, 6, 14, 14), 0, 0),
        ("conv2", "layer", (1, 16, 10, 10), 2_416, 240_000),
        ("F.relu", "op", (1, 16, 10, 10), 0, 0),
        ("pool", "layer", (1, 16, 5, 5), 0, 0),
        ("torch.flatten", "op", (1, 400), 0, 0),
        ("fc1", "layer", (1, 120), 48_120, 48_000),
        ("F.relu", "op", (1, 120), 0, 0),
        ("fc2", "layer", (1, 84), 10_164, 10_080),
        ("F.relu", "op", (1, 84), 0, 0),
        ("fc3", "layer", (1, 10), 850, 840),
    ]
    assert [r.repeat for r in result.layers if r.name == "pool"] == [False, True]
    # each row knows where it is called: the forward's lines
    fc1 = next(r for r in result.layers if r.name == "fc1")
    assert fc1.line == _line_of(TUTORIAL_CNN, "self.fc1(x)")
    # and which row made its input: torch.flatten, two rows up
    assert result.layers[fc1.sources[0]].name == "torch.flatten"


def test_shared_module_params_count_once() -> None:
    source = (
        "import torch.nn as nn\n"
        "class Twice(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(4, 4)\n"
        "    def forward(self, x):\n"
        "        return self.fc(self.fc(x))\n"
    )
    result = network.summarize(source, (2, 4))
    # Linear(4, 4): 4·4 + 4 = 20 params, once; MACs 2·4·4 = 32 per call, twice
    assert result.params == 20
    assert result.macs == 64
    assert [r.params for r in result.layers] == [20, 0]


def test_residual_add_is_a_row_with_both_sources() -> None:
    result = summarize("resnet18_cifar")
    adds = [r for r in result.layers if r.name == "+="]
    assert len(adds) == 8  # one per BasicBlock: 2 + 2 + 2 + 2
    first = adds[0]
    # `out += self.shortcut(x)`: the block's bn2 and its (empty) shortcut Sequential
    names = [result.layers[s].name if s >= 0 else "input" for s in first.sources]
    assert names[0] == "layer1.0.bn2"
    assert first.parent is not None
    assert result.layers[first.parent].name == "layer1.0"


def test_json_rows_have_name_depth_and_line(cli, tmp_path: Path) -> None:
    path = tmp_path / "cnn.py"
    path.write_text(TUTORIAL_CNN, encoding="utf-8")
    result = cli("net", "-f", str(path), "-i", "1,3,32,32", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model"] == "Net"
    assert data["form"] == "module"
    assert data["output_shape"] == [1, 10]
    assert data["params"] == RECORDED["tutorial_cnn"]["params"]
    # float32: 4 bytes per parameter and per input element (1·3·32·32)
    assert data["param_bytes"] == 4 * 62_006
    assert data["input_bytes"] == 4 * 3 * 32 * 32
    conv2 = next(layer for layer in data["layers"] if layer["name"] == "conv2")
    assert conv2["depth"] == 1
    assert conv2["line"] == _line_of(TUTORIAL_CNN, "self.conv2(x)")
    assert conv2["kind"] == "Conv2d"
    assert conv2["layer"] == "Conv2d(6, 16, 5)"


def test_table_is_a_tree_with_depth(cli, tmp_path: Path) -> None:
    _, expression, source = MODELS["resnet18_cifar"]
    path = tmp_path / "resnet.py"
    path.write_text(source, encoding="utf-8")
    args = ("net", "-f", str(path), "--model", expression, "-i", "2,3,32,32")
    full = cli(*args)
    assert full.exit_code == 0, full.output
    lines = full.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any(line.startswith("    layer1.0.conv1 ") for line in lines)  # depth 3: 4 spaces
    folded = cli(*args, "--depth", "1")
    assert folded.exit_code == 0, folded.output
    rows = {line.split()[0]: line for line in folded.stdout.splitlines() if line.strip()}
    assert "layer1.0" not in rows
    # layer1 folded: its params are torch's, summed over the modules whose names it prefixes
    layer1 = sum(
        call["params"]
        for call in RECORDED["resnet18_cifar"]["calls"]
        if call["name"].startswith("layer1.")
    )
    assert f"{layer1:,}" in rows["layer1"]
    assert f"{RECORDED['resnet18_cifar']['params']:,} (all trainable)" in folded.stdout


def test_forward_that_does_not_fit_prints_the_table_then_one_error(cli, tmp_path: Path) -> None:
    path = tmp_path / "cnn.py"
    path.write_text(TUTORIAL_CNN, encoding="utf-8")
    # 64×64 input: conv1 60, pool 30, conv2 26, pool 13: 16·13·13 = 2,704 features, not 400
    result = cli("net", "-f", str(path), "-i", "1,3,64,64")
    assert result.exit_code == 1
    line = _line_of(TUTORIAL_CNN, "self.fc1(x)")
    assert result.stderr == (
        f"Error: layer fc1 at line {line}: in_features: Linear expects 400 features in the last "
        "axis, but the input (1, 2704) has 2704 (input (1, 2704) from torch.flatten at line "
        f"{line - 1})\n"
    )
    rows = [line.split()[0] for line in result.stdout.splitlines()[2:] if line.strip()]
    assert rows[:2] == ["input", "conv1"]
    assert rows[-2:] == ["torch.flatten", "The"]  # the last row, then the closing note
    assert "Traceback" not in result.output


def test_json_of_a_failing_forward_is_the_error_only(cli, tmp_path: Path) -> None:
    path = tmp_path / "cnn.py"
    path.write_text(TUTORIAL_CNN, encoding="utf-8")
    result = cli("net", "-f", str(path), "-i", "1,3,64,64", "--json")
    assert_clean_error(result, 1, "layer fc1 at line", one_line=True)


def test_library_failure_carries_the_rows_before_it() -> None:
    with pytest.raises(network.ForwardFailure) as caught:
        network.summarize(TUTORIAL_CNN, (1, 3, 64, 64))
    partial = caught.value.partial
    assert not partial.complete
    assert [r.name for r in partial.layers][-1] == "torch.flatten"


def test_branch_on_the_input_shape_is_reported() -> None:
    inputs, _, source = MODELS["mixed"]
    line = _line_of(source, "if x.size(-1) > 4")
    taken = network.summarize(source, inputs=inputs)
    assert (
        f"line {line}: `x.size(-1) > 4` depends on the input's shape; it was true"
        in (taken.notes[0])
    )
    # an 8×8 image: the stem's stride 2 leaves 4, and the pool is skipped
    other = network.summarize(source, inputs=[(2, 3, 8, 8), (2, 4)])
    assert "it was false for this input" in other.notes[0]
    assert "F.adaptive_avg_pool2d" in [r.name for r in taken.layers]
    assert "F.adaptive_avg_pool2d" not in [r.name for r in other.layers]


def test_several_inputs(cli, tmp_path: Path) -> None:
    _, _, source = MODELS["mixed"]
    path = tmp_path / "mixed.py"
    path.write_text(source, encoding="utf-8")
    result = cli("net", "-f", str(path), "-i", "2,3,20,20", "-i", "2,4", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["inputs"] == [[2, 3, 20, 20], [2, 4]]
    assert data["output_shape"] == RECORDED["mixed"]["outputs"][0]
    # the second input feeds `self.side(extra)`: source −2 is the model's input 1
    side = next(layer for layer in data["layers"] if layer["name"] == "side")
    assert side["sources"] == [-2]
    missing = cli("net", "-f", str(path), "-i", "2,3,20,20")
    assert_clean_error(missing, 1, "missing the required argument 'extra'", one_line=True)


@pytest.mark.parametrize(
    ("name", "model", "needle"),
    [
        ("unet", None, "UNet() needs arguments (n_channels, n_classes); give them with --model"),
        ("resnet18_cifar", None, "--model 'ResNet18()'"),
        (
            "dcgan_generator",
            "Generator()",
            "Generator.__init__() is missing the required argument 'ngpu'",
        ),
        ("vgg16_cfg", "VGG('VGG99')", "KeyError: 'VGG99'"),
        ("vgg16_cfg", "vgg16()", "name 'vgg16' is not defined"),
        ("vgg16_cfg", "cfg", "is not an nn.Module"),
        ("vgg16_cfg", "VGG(", "is not a Python expression"),
    ],
)
def test_model_choice_errors(cli, tmp_path: Path, name: str, model, needle: str) -> None:
    inputs, _, source = MODELS[name]
    path = tmp_path / "model.py"
    path.write_text(source, encoding="utf-8")
    args = ["net", "-f", str(path), "-i", ",".join(map(str, inputs[0]))]
    if model is not None:
        args += ["--model", model]
    assert_clean_error(cli(*args), 1, needle, one_line=True)


def test_stdin_and_a_pasted_argument_read_like_a_file(cli, tmp_path: Path, monkeypatch) -> None:
    import io
    import sys

    from_arg = cli("net", "-i", "1,3,32,32", TUTORIAL_CNN, "--json")
    assert from_arg.exit_code == 0, from_arg.output
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(TUTORIAL_CNN.encode())))
    from_stdin = cli("net", "-f", "-", "-i", "1,3,32,32", "--json")
    assert from_stdin.exit_code == 0, from_stdin.output
    assert json.loads(from_arg.stdout) == json.loads(from_stdin.stdout)


def test_modules_never_called_or_not_registered_are_warned_about() -> None:
    source = (
        "import torch.nn as nn\n"
        "class M(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.used = nn.Linear(4, 4)\n"
        "        self.spare = nn.Linear(4, 2)\n"
        "        self.plain = [nn.Linear(4, 4)]\n"
        "    def forward(self, x):\n"
        "        return self.plain[0](self.used(x))\n"
    )
    result = network.summarize(source, (1, 4))
    # torch's model.parameters(): used (20) and spare (10); the plain list is not registered
    assert result.params == 20 + 10
    assert any("spare (Linear) is never called" in w for w in result.warnings)
    assert any("not a registered submodule" in w and "20 parameters" in w for w in result.warnings)


# print(model) of the tutorial CNN and of the DCGAN generator, as torch 2.13 writes them
PRINTED_CNN = """Net(
  (conv1): Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))
  (pool): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
  (fc1): Linear(in_features=400, out_features=120, bias=True)
  (fc2): Linear(in_features=120, out_features=84, bias=True)
  (fc3): Linear(in_features=84, out_features=10, bias=True)
)
"""
PRINTED_GENERATOR = """Generator(
  (main): Sequential(
    (0): ConvTranspose2d(100, 512, kernel_size=(4, 4), stride=(1, 1), bias=False)
    (1): BatchNorm2d(512, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    (2): ReLU(inplace=True)
    (3): ConvTranspose2d(512, 256, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
    (4): BatchNorm2d(256, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    (5): ReLU(inplace=True)
    (6): ConvTranspose2d(256, 128, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
    (7): BatchNorm2d(128, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    (8): ReLU(inplace=True)
    (9): ConvTranspose2d(128, 64, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
    (10): BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    (11): ReLU(inplace=True)
    (12): ConvTranspose2d(64, 3, kernel_size=(4, 4), stride=(2, 2), padding=(1, 1), bias=False)
    (13): Tanh()
  )
)
"""


def test_printed_text_of_a_sequential_model_equals_torch() -> None:
    result = network.summarize(PRINTED_GENERATOR, (16, 100, 1, 1))
    assert result.form == "printed"
    want = RECORDED["dcgan_generator"]
    assert module_calls(result) == want["calls"]
    assert (result.params, result.macs) == (want["params"], want["macs"])
    assert "as a chain of its layers" in result.notes[0]  # Generator is not a Sequential


def test_printed_text_without_the_forward_asks_for_the_source() -> None:
    with pytest.raises(network.ForwardFailure) as caught:
        network.summarize(PRINTED_CNN, (1, 3, 32, 32))
    message = str(caught.value)
    assert message.startswith("layer fc1 at line 5: in_features: Linear expects 400 features")
    assert "print(model) text cannot show the forward" in message
    assert "give the model's source" in message


def test_an_init_block_reads_as_its_layers_in_order() -> None:
    block = (
        "        super(Net, self).__init__()\n"
        "        self.conv1 = nn.Conv2d(3, 6, 5)\n"
        "        self.pool = nn.MaxPool2d(2, 2)\n"
        "        self.flat = nn.Flatten()\n"
        "        self.fc1 = nn.Linear(6 * 14 * 14, 10)\n"
    )
    result = network.summarize(block, (1, 3, 32, 32))
    assert result.form == "init block"
    assert [r.name for r in result.layers] == ["conv1", "pool", "flat", "fc1"]
    assert result.output_shape == (1, 10)
    assert "read as the layers assigned in __init__, in order" in result.notes[0]
    one = network.summarize(
        "    self.main = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU())\n", (1, 3, 8, 8)
    )
    assert [r.name for r in one.layers] == ["main", "main.0", "main.1"]


# torch 2.13's print of a model holding a ModuleList (repeats folded as `(0-2): 3 x ...`), a
# padding mode printed without quotes, and a LazyLinear after its first forward
PRINTED_MIXED = """M(
  (blocks): ModuleList(
    (0-2): 3 x Sequential(
      (0): Linear(in_features=8, out_features=8, bias=True)
      (1): GELU(approximate='none')
    )
  )
  (up): Upsample(scale_factor=2.0, mode='nearest')
  (pad): Conv1d(8, 8, kernel_size=(3,), stride=(1,), padding=same, padding_mode=reflect)
  (lazy): LazyLinear(in_features=0, out_features=4, bias=True)
)
"""


def test_printed_text_with_repeats_and_bare_words() -> None:
    result = network.summarize(PRINTED_MIXED, (2, 8, 8))
    # 3 × Linear(8, 8) = 3·72; Conv1d(8, 8, 3) = 8·8·3 + 8 = 200; LazyLinear(16 → 4) = 68
    assert result.params == 3 * 72 + 200 + 68
    assert result.output_shape == (2, 8, 4)  # Upsample ×2: 16; 'same' keeps it; 16 → 4
    names = [r.name for r in result.layers if r.role == "layer"]
    assert names[:2] == ["blocks.0.0", "blocks.0.1"]
    assert names[-3:] == ["up", "pad", "lazy"]


def test_input_lines_give_each_input(tmp_path: Path) -> None:
    _, _, source = MODELS["mixed"]
    path = tmp_path / "mixed.py"
    path.write_text("# input 2, 3, 20, 20\n# input: 2, 4\n" + source, encoding="utf-8")
    result = network.summarize(path)
    assert result.inputs == ((2, 3, 20, 20), (2, 4))
    assert [list(s) for s in result.outputs] == RECORDED["mixed"]["outputs"]
