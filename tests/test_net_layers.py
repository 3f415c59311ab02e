"""Known answers for the layers `net` adds and for the cumulative receptive field, with the
derivation of each expected value in a comment (PyTorch's docs and source), success and error
rows together."""

from __future__ import annotations

import ast
from fractions import Fraction

import pytest

from convcalc import network
from convcalc.errors import ConvcalcError
from convcalc.expressions import _source_segment, parse_calls, parse_module

# (input, layer, output shape, params, buffers) — or (input, layer, error fragment)
LAYERS = [
    # BatchNorm: γ and β are params; running_mean, running_var and num_batches_tracked buffers
    ((1, 64, 8, 8), "BatchNorm2d(64)", (1, 64, 8, 8), 128, 129),
    ((1, 64, 8, 8), "BatchNorm2d(64, affine=False)", (1, 64, 8, 8), 0, 129),
    ((1, 64, 8, 8), "BatchNorm2d(64, track_running_stats=False)", (1, 64, 8, 8), 128, 0),
    ((2, 10), "BatchNorm1d(10, bias=False)", (2, 10), 10, 21),
    ((2, 10, 7), "BatchNorm1d(10, 1e-3, 0.1, True, True)", (2, 10, 7), 20, 21),
    ((1, 64, 8), "BatchNorm2d(64)", "expects a 4-D input"),
    ((1, 1, 5, 5, 5), "BatchNorm3d(2)", "expects 2 channels"),
    # without running statistics the batch's are used even in eval mode: 1 value is refused
    ((1, 5), "BatchNorm1d(5, affine=False, track_running_stats=False)", "more than one value"),
    # InstanceNorm: no affine, no running stats by default; unbatched (C, H, W) accepted
    ((3, 4, 4), "InstanceNorm2d(3)", (3, 4, 4), 0, 0),
    ((2, 3, 4, 4), "InstanceNorm2d(3, affine=True, track_running_stats=True)", (2, 3, 4, 4), 6, 7),
    ((2, 3, 1, 1), "InstanceNorm2d(3)", "more than one spatial element"),
    ((2, 4, 5), "InstanceNorm1d(3, affine=True)", "expects 3 channels"),
    # GroupNorm: num_channels γ and β; channels must divide into groups
    ((2, 8, 5), "GroupNorm(4, 8)", (2, 8, 5), 16, 0),
    ((2, 6, 5), "GroupNorm(4, 8, affine=False)", "not divisible by num_groups=4"),
    ((2, 10), "GroupNorm(4, 10)", "divisible by num_groups (4)"),
    # LayerNorm: weight and bias of normalized_shape each
    ((2, 3, 5, 6), "LayerNorm((5, 6))", (2, 3, 5, 6), 60, 0),
    ((2, 6), "LayerNorm(6, bias=False)", (2, 6), 6, 0),
    ((2, 6), "LayerNorm(5)", "expects an input ending in (5)"),
    ((2, 3, 6), "LocalResponseNorm(2)", (2, 3, 6), 0, 0),
    ((3, 6), "LocalResponseNorm(2)", "3-D or higher"),
    # PReLU: one slope, or one per channel of axis 1 (even for an unbatched input)
    ((2, 3, 4), "PReLU()", (2, 3, 4), 1, 0),
    ((2, 3, 4), "PReLU(3)", (2, 3, 4), 3, 0),
    ((3, 4, 4), "PReLU(3)", "axis 1 of the input (3, 4, 4) has 4 channels"),
    # Linear: in·out + out params
    ((2, 7, 4), "Linear(4, 5)", (2, 7, 5), 25, 0),
    ((2, 7, 4), "Linear(5, 4)", "expects 5 features in the last axis"),
    # reshapes
    ((2, 3, 4), "Flatten(0, -1)", (24,), 0, 0),
    ((2, 3, 4), "Flatten(2, 1)", "comes after end_dim"),
    ((5,), "Flatten()", "dimension out of range"),
    ((3, 8), "Unflatten(1, (2, -1))", (3, 2, 4), 0, 0),
    ((3, 8), "Unflatten(1, (3, -1))", "cannot split axis 1 of size 8"),
    ((3, 8), "Unflatten(1, 8)", "must be a tuple of ints"),
    # Upsample: floor(in · scale) in double precision; 3 · (1/3) rounds to exactly 1.0
    ((1, 1, 3), "Upsample(scale_factor=1/3)", (1, 1, 1), 0, 0),
    ((1, 1, 29), "Upsample(scale_factor=0.1)", (1, 1, 2), 0, 0),
    ((1, 2, 3, 3), "Upsample(size=(4, 6), mode='bilinear')", (1, 2, 4, 6), 0, 0),
    ((1, 2, 3, 3), "Upsample(None, (2, 0.5), 'bicubic', True)", (1, 2, 6, 1), 0, 0),
    ((1, 1, 3), "Upsample(scale_factor=2, mode='bilinear')", "needs a 4-D input"),
    ((1, 3), "Upsample(scale_factor=2)", "3-D, 4-D or 5-D"),
    ((1, 1, 3), "Upsample(scale_factor=0)", "either size or scale_factor"),
    ((1, 1, 3), "Upsample(scale_factor=2, align_corners=True)", "interpolating modes"),
    # PixelShuffle(r): (C·r², H, W) → (C, H·r, W·r); PixelUnshuffle the inverse
    ((8, 2, 2), "PixelShuffle(2)", (2, 4, 4), 0, 0),
    ((1, 2, 4, 6), "PixelUnshuffle(2)", (1, 8, 2, 3), 0, 0),
    ((1, 6, 2, 2), "PixelShuffle(2)", "not divisible by upscale_factor² = 4"),
    # padding: F.pad's order, last axis first: (left, right, top, bottom)
    ((1, 1, 5, 5), "ZeroPad2d((1, 2, 3, 4))", (1, 1, 12, 8), 0, 0),
    ((1, 5, 5), "ZeroPad2d((1, 2))", (1, 5, 8), 0, 0),  # PyTorch keeps a short tuple as is
    ((1, 3, 3, 3), "ConstantPad3d(-1, 0.5)", (1, 1, 1, 1), 0, 0),
    ((1, 3), "ReflectionPad1d(2)", (1, 7), 0, 0),
    ((1, 3), "ReflectionPad1d(3)", "must be smaller than the input axis of size 3"),
    ((1, 3), "CircularPad1d(3)", (1, 9), 0, 0),
    ((1, 3), "CircularPad1d(4)", "wraps around more than once"),
    ((5, 5), "CircularPad2d(1)", "expects a 3-D or 4-D input"),
    ((1, 2), "ReplicationPad1d((-1, -1))", "at least one padded axis must keep an element"),
    # LPPool: avg_pool's shape without padding
    ((1, 1, 7, 7), "LPPool2d(2, 3, stride=2)", (1, 1, 3, 3), 0, 0),
    ((1, 1, 7), "LPPool1d(2, (3,))", "LPPool1d takes an int"),
    # activations and friends keep the shape; their arguments are checked as PyTorch does
    ((2, 3), "Softmax(dim=1)", (2, 3), 0, 0),
    ((2, 3), "LogSoftmax(dim=2)", "dimension out of range"),
    ((2, 3), "GELU('fast')", "must be 'none' or 'tanh'"),
    ((2, 3), "Dropout(p=-0.1)", "between 0 and 1"),
    ((2, 3, 4, 5), "Dropout1d()", "2-D or 3-D input"),
    ((2, 3), "Identity(54, unused_argument=1)", (2, 3), 0, 0),
    ((2, 3), "Tanh()", (2, 3), 0, 0),
    ((2, 3), "ReLU(inplace=True, x=1)", "unexpected argument x="),
]


@pytest.mark.parametrize("row", LAYERS, ids=[row[1] for row in LAYERS])
def test_layer_known_answers(row: tuple) -> None:
    shape, text = row[0], row[1]
    if len(row) == 3:
        with pytest.raises(ConvcalcError) as caught:
            network.build(parse_calls(text), shape)
        assert row[2].lower() in str(caught.value).lower()
        return
    result = network.build(parse_calls(text), shape)
    (layer,) = result.layers
    assert (layer.output_shape, layer.effect.params, layer.effect.buffers) == row[2:]


def test_linear_macs_count_every_leading_position() -> None:
    # Linear(4, 5) on (2, 7, 4): 2·7 rows, each 4·5 multiply-accumulates
    (layer,) = network.build(parse_calls("Linear(4, 5)"), (2, 7, 4)).layers
    assert layer.effect.macs == 2 * 7 * 4 * 5


def test_training_only_refusals_are_warnings() -> None:
    # BatchNorm2d(3) on (1, 3, 1, 1): PyTorch refuses it in training mode only
    (layer,) = network.build(parse_calls("BatchNorm2d(3)"), (1, 3, 1, 1)).layers
    assert any("training mode" in w for w in layer.effect.warnings)


# (input, layers, receptive field per axis after the last layer, jump) by hand:
# r ← r + (k − 1)·j, j ← j·s, from r = j = 1
RECEPTIVE = [
    # two 3x3 convs: 1 + 2 = 3, 3 + 2 = 5
    ((1, 1, 9, 9), "Conv2d(1, 1, 3), Conv2d(1, 1, 3)", (5, 5), (1, 1)),
    # stride 2 then 3: r = 3, j = 2; r = 3 + 2·2 = 7
    ((1, 1, 9, 9), "Conv2d(1, 1, 3, 2), Conv2d(1, 1, 3)", (7, 7), (2, 2)),
    # AlexNet's conv1 + pool1: 11, j 4; 11 + 2·4 = 19, j 8
    ((1, 3, 224, 224), "Conv2d(3, 64, 11, 4, 2), MaxPool2d(3, 2)", (19, 19), (8, 8)),
    # per-axis kernels: (3, 1) then (1, 5)
    ((1, 1, 9, 9), "Conv2d(1, 1, (3, 1)), Conv2d(1, 1, (1, 5))", (3, 5), (1, 1)),
    # transposed, k 4 s 2: own field ⌊3/2⌋ + 1 = 2, step 1/2; after a stride-2 conv (r 3, j 2):
    # r = 3 + 1·2 = 5, j = 1
    ((1, 1, 16), "Conv1d(1, 1, 3, 2), ConvTranspose1d(1, 1, 4, 2, 1)", (5,), (1,)),
    # nearest x2 then k = 3: r = 1 + 2·(1/2) = 2 (outputs 2i..2i+2 read inputs i, i+1)
    ((1, 1, 8), "Upsample(scale_factor=2), Conv1d(1, 1, 3)", (2,), (Fraction(1, 2),)),
    # k = 2 on x2: r = 3/2, reported ⌈3/2⌉ = 2 (outputs 2i+1, 2i+2 read inputs i, i+1)
    ((1, 1, 8), "Upsample(scale_factor=2), Conv1d(1, 1, 2)", (2,), (Fraction(1, 2),)),
    # bilinear reads 2 neighbours: r = 2, step 1/2
    ((1, 1, 8, 8), "Upsample(scale_factor=2, mode='bilinear')", (2, 2), (Fraction(1, 2),) * 2),
    # PixelShuffle(2): step 1/2; PixelUnshuffle(2): field 2, step 2
    ((1, 4, 8, 8), "PixelShuffle(2), PixelUnshuffle(2)", (2, 2), (1, 1)),
    # pointwise layers and Flatten(0, 1) (batch and channels only) keep the field
    ((2, 3, 8, 8), "Conv2d(3, 3, 3), ReLU(), BatchNorm2d(3), Flatten(0, 1)", (3, 3), (1, 1)),
    # a Flatten over the spatial axes ends it, and nothing starts it again
    ((1, 1, 8, 8), "Conv2d(1, 1, 3), Flatten(2), Conv1d(1, 1, 3)", None, None),
    # a reshape before the first window: never started
    ((1, 64), "Linear(64, 64), Unflatten(1, (1, 8, 8)), Conv2d(1, 1, 3)", None, None),
    # adaptive pooling 9 → 3: windows of 3, step 3
    ((1, 1, 9), "AdaptiveAvgPool1d(3)", (3,), (3,)),
]


@pytest.mark.parametrize(("shape", "text", "field", "jump"), RECEPTIVE)
def test_cumulative_receptive_field(shape, text, field, jump) -> None:
    last = network.build(parse_calls(text), shape).layers[-1]
    assert last.receptive_field == field
    assert last.jump == (None if jump is None else tuple(Fraction(j) for j in jump))


def test_module_sources() -> None:
    source = (
        '"""doc"""\n# input 1, 3, 8, 8\nfrom torch import nn\nReLU()\n'
        "net = nn.Sequential(\n  Tanh(),\n)\n"
    )
    calls = parse_module(source)
    assert [(c.class_name, c.line, c.column) for c in calls] == [("ReLU", 4, 1), ("Tanh", 6, 3)]


SEGMENT_SOURCES = [
    "ReLU()\x0c\nConv2d(1,\r\n 2, 3)\rLinear(3,\n 4)\n",
    "x = 'a\u2028b'\nConv2d(1, 2, 3)\n",
    "# \x1c comment\nReLU(\n'\x85')\nLinear(1, 2)",
    "nn.Sequential(\n  nn.Conv2d(1, 6,\n  5),  # é ü\n  nn.ReLU('ß'))",
]


@pytest.mark.parametrize("source", SEGMENT_SOURCES)
def test_source_segment_equals_the_standard_library(source: str) -> None:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.expr):
            assert _source_segment(source, node) == ast.get_source_segment(source, node)


# --- summarize: the Python call behind `convcalc net` ------------------------------------------

LENET_SOURCE = '''"""LeNet-5's feature extractor."""
# input 1, 1, 32, 32
from torch import nn

features = nn.Sequential(
    nn.Conv2d(1, 6, 5),
    nn.Tanh(),
    nn.AvgPool2d(2),
)
'''


def test_summarize_reads_a_source_expressions_or_a_file(tmp_path) -> None:
    path = tmp_path / "lenet.py"
    path.write_text(LENET_SOURCE, encoding="utf-8")
    expressions = ["nn.Conv2d(1, 6, 5)", "nn.Tanh(), nn.AvgPool2d(2)"]
    results = [
        network.summarize(LENET_SOURCE),  # the '# input' line gives the shape
        network.summarize(expressions, (1, 1, 32, 32)),
        network.summarize(path),
    ]
    # Conv2d(1, 6, 5): 6·25 + 6 = 156 params, 6·28·28 outputs × 25 MACs; pooling halves
    for result in results:
        assert (result.output_shape, result.params, result.macs) == ((1, 6, 14, 14), 156, 117_600)
        assert [layer.kind for layer in result.layers] == ["Conv2d", "Tanh", "AvgPool2d"]


def test_summarize_input_shape_wins_over_the_declared_one() -> None:
    assert network.summarize(LENET_SOURCE, [2, 1, 8, 8]).output_shape == (2, 6, 2, 2)


@pytest.mark.parametrize(
    ("model", "shape", "error", "message"),
    [
        (["ReLU()"], None, network.MissingInputShape, "input_shape: needed"),
        ("ReLU()", None, network.MissingInputShape, "input_shape: needed"),
        (["ReLU()"], (1, 2.0), ConvcalcError, "sizes must be ints"),
        (["ReLU()"], (), ConvcalcError, "at least one given"),
        ("import os\nos.system('true')", (1, 2), ConvcalcError, "unknown layer 'system'"),
    ],
)
def test_summarize_refusals(model, shape, error, message) -> None:
    with pytest.raises(error, match=message):
        network.summarize(model, shape)


def test_the_registry_table_names_every_layer_class_where_it_lives() -> None:
    """The registry lists the layers without importing them (start-up); each entry must be
    the class's own PyTorch name, and every public layer class of a family must be listed."""
    import importlib
    import inspect

    from convcalc.layers import MODULES
    from convcalc.layers.base import Module
    from convcalc.layers.registry import _WHERE

    for name, (cls, dims) in MODULES.items():
        assert cls.torch_class + (f"{dims}d" if dims else "") == name
        assert dims in (cls.dimensioned or (None,))
    found = set()
    for family in {module for module, _, _ in _WHERE.values()}:
        module = importlib.import_module(f"convcalc.layers.{family}")
        for cname, cls in vars(module).items():
            layer = (
                inspect.isclass(cls)
                and issubclass(cls, Module)
                and cls.__module__ == module.__name__
                and not cname.startswith("_")
                and ("torch_class" in vars(cls) or "dimensioned" in vars(cls))
            )
            if layer:
                names = {f"{cls.torch_class}{d}d" for d in cls.dimensioned}
                found |= names or {cls.torch_class}
    assert found == set(_WHERE)
