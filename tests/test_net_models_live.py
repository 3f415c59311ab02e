"""Live differential tests against torch for what `net` reads as code: the recorded models
re-run, U-Nets on odd sizes (F.pad), print(model) text, the layers issue 13 adds, and tensor
ops in a forward.  Torch runs each model file itself (the test's own trusted text); convcalc
only interprets it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from conftest import require_torch
from net_architectures import ARCHITECTURES, MODELS, UNET

from convcalc import network
from convcalc.errors import ConvcalcError

pytestmark = pytest.mark.torch
ROOT = Path(__file__).resolve().parent.parent


def golden_script() -> Any:
    """scripts/make_net_golden.py, which records a model's module calls in torch."""
    require_torch()
    spec = importlib.util.spec_from_file_location(
        "make_net_golden", ROOT / "scripts" / "make_net_golden.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def calls(result: network.Network) -> list[dict[str, object]]:
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


def check(inputs: tuple[tuple[int, ...], ...], expression: str | None, source: str) -> None:
    want = golden_script().record_model(inputs, expression, source)
    got = network.summarize(source, inputs=inputs, model_expression=expression)
    assert [list(s) for s in got.outputs] == want["outputs"]
    assert (got.params, got.buffers, got.macs) == (want["params"], want["buffers"], want["macs"])
    assert calls(got) == want["calls"]


# smaller inputs than the recorded ones where torch's own forward would be slow
LIVE_INPUTS = {"resnet50_torchvision": ((1, 3, 64, 64),), "mobilenet_v2": ((1, 3, 96, 96),)}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_equals_torch_live(name: str) -> None:
    inputs, expression, source = MODELS[name]
    check(LIVE_INPUTS.get(name, inputs), expression, source)


@pytest.mark.parametrize("size", [(37, 53), (64, 64), (17, 100)])
@pytest.mark.parametrize("bilinear", [False, True])
def test_unet_on_odd_sizes_pads_as_torch(size: tuple[int, int], bilinear: bool) -> None:
    check(((1, 2, *size),), f"UNet(2, 3, bilinear={bilinear})", UNET)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_printed_sequential_equals_torch(name: str) -> None:
    torch = require_torch()
    shape, source = ARCHITECTURES[name]
    with torch.device("meta"):  # shapes and sizes without allocating VGG's 132M weights
        model = eval(source, {"nn": torch.nn, "torch": torch})  # our own trusted source
        printed = str(model)
        result = network.summarize(printed, shape)
        assert result.form == "printed"
        with torch.no_grad():
            out = model.eval()(torch.zeros(shape))
    assert result.output_shape == tuple(out.shape)
    assert result.params == sum(p.numel() for p in model.parameters())
    assert result.buffers == sum(b.numel() for b in model.buffers())


# the layers issue 13 adds: (input shape, constructor call); torch decides accept or refuse
NEW_LAYERS = [
    ((2, 4), "Hardtanh()"),
    ((2, 4), "Hardtanh(-2.0, 3.0, True)"),
    ((2, 4), "Hardtanh(min_value=-3.0)"),
    ((2, 4), "Hardtanh(1.0, 0.5)"),
    ((2, 4), "SELU(True)"),
    ((2, 4), "CELU(0.5)"),
    ((2, 4), "CELU(0.0)"),
    ((2, 4), "Softplus(2, 10)"),
    ((2, 4), "GLU()"),
    ((2, 5), "GLU()"),
    ((2, 6, 3), "GLU(1)"),
    ((2, 4), "GLU(2)"),
    ((2, 4), "RReLU(0.1, 0.3)"),
    ((2, 4), "RReLU(0.5, 0.1)"),
    ((2, 4), "Threshold(0.1, 20.0)"),
    ((2, 4), "Threshold(0.1)"),
    ((2, 4), "LogSigmoid()"),
    ((2, 4), "Softsign()"),
    ((2, 4), "Softmin(dim=1)"),
    ((2, 3, 4), "Softmax2d()"),
    ((2, 3, 4, 4), "Softmax2d()"),
    ((2, 3), "Softmax2d()"),
    ((2, 4), "Hardshrink(0.3)"),
    ((2, 4), "Softshrink(0.3)"),
    ((2, 4), "Softshrink(-0.3)"),
    ((2, 4), "Tanhshrink()"),
    ((2, 4), "AlphaDropout(0.2)"),
    ((2, 4), "AlphaDropout(1.5)"),
    ((2, 3, 4, 4), "FeatureAlphaDropout(0.2)"),
    ((1, 2, 3, 4), "UpsamplingNearest2d(scale_factor=2)"),
    ((1, 2, 3, 4), "UpsamplingNearest2d(size=(5, 7))"),
    ((1, 2, 3, 4), "UpsamplingBilinear2d(scale_factor=1.5)"),
    ((1, 2, 5), "UpsamplingBilinear2d(scale_factor=2)"),
    ((1, 6, 2, 2), "ChannelShuffle(3)"),
    ((1, 6, 2, 2), "ChannelShuffle(4)"),
    ((6, 2), "ChannelShuffle(2)"),
    ((1, 3, 5, 5), "Unfold(2)"),
    ((3, 5, 5), "Unfold((2, 3), dilation=2, padding=1, stride=(1, 2))"),
    ((1, 3, 5, 5), "Unfold(6)"),
    ((5, 5), "Unfold(2)"),
    ((1, 12, 12), "Fold((4, 5), 2)"),
    ((12, 12), "Fold((4, 5), 2)"),
    ((1, 12, 10), "Fold((4, 5), 2)"),
    ((1, 13, 12), "Fold((4, 5), 2)"),
    ((1, 8, 6), "Fold(4, (2, 2), stride=2, padding=1)"),
    ((2, 5, 4), "RMSNorm(4)"),
    ((2, 5, 4), "RMSNorm([5, 4], elementwise_affine=False)"),
    ((2, 5, 4), "RMSNorm(5)"),
    ((2, 4, 3, 3), "SyncBatchNorm(4)"),
    ((2, 4), "SyncBatchNorm(4, affine=False)"),
    ((2, 5), "SyncBatchNorm(4)"),
    ((4,), "SyncBatchNorm(4)"),
    ((2, 4, 3, 3), "CrossMapLRN2d(3)"),
    ((2, 4, 3), "CrossMapLRN2d(3)"),
    ((1, 2, 9, 9), "FractionalMaxPool2d(3, output_ratio=0.5)"),
    ((2, 9, 9), "FractionalMaxPool2d(3, output_size=(3, 2))"),
    ((1, 1, 4, 4), "FractionalMaxPool2d(3, output_size=3)"),
    ((1, 2, 8, 8, 8), "FractionalMaxPool3d(2, output_size=3, return_indices=True)"),
    ((1, 2, 8, 8), "FractionalMaxPool2d(2)"),
    ((1, 2, 8, 8), "FractionalMaxPool2d(2, output_size=2, output_ratio=0.5)"),
    ((1, 2, 8, 8), "FractionalMaxPool2d(2, output_ratio=1.5)"),
    ((1, 3, 8, 8), "LazyConv2d(4, 3)"),
    ((3, 8, 8), "LazyConv2d(4, 3, stride=2, groups=3)"),
    ((1, 4, 8, 8), "LazyConv2d(6, 3, groups=3)"),
    ((1, 3, 8), "LazyConv2d(4, 3)"),
    ((1, 3, 8), "LazyConvTranspose1d(4, 3, stride=2)"),
    ((1, 3, 4, 4, 4), "LazyConvTranspose3d(2, 2, groups=1)"),
    ((2, 7), "LazyLinear(3)"),
    ((2, 5, 7), "LazyLinear(3, bias=False)"),
    ((2, 6, 4), "LazyBatchNorm1d()"),
    ((2, 6, 4, 4), "LazyBatchNorm2d(affine=False)"),
    ((2, 6, 4, 4), "LazyInstanceNorm2d()"),
    ((2, 6, 4, 4, 4), "LazyBatchNorm3d(momentum=None)"),
]


def _torch_layer(torch: Any, text: str, shape: tuple[int, ...]) -> tuple[str, Any]:
    """('ok', (output shape, params, buffers)) or ('error', message) from torch itself."""
    try:
        layer = eval(f"nn.{text}", {"nn": torch.nn})  # the table's own constructor call
        layer.eval()
        with torch.no_grad():
            out = layer(torch.zeros(shape))
        if isinstance(out, tuple):
            out = out[0]
        params = sum(p.numel() for p in layer.parameters())
        buffers = sum(b.numel() for b in layer.buffers())
    except Exception as exc:
        return "error", str(exc)
    return "ok", (tuple(out.shape), params, buffers)


@pytest.mark.parametrize(("shape", "text"), NEW_LAYERS)
def test_new_layer_equals_torch(shape: tuple[int, ...], text: str) -> None:
    torch = require_torch()
    with pytest.warns() if "min_value" in text else _no_warning():
        want = _torch_layer(torch, text, shape)
    got, refusal = _convcalc(lambda: network.summarize([text], shape))
    assert (want[0], refusal is None) in (("ok", True), ("error", False)), (want, refusal)
    if got is None:
        return
    layer = got.layers[0]
    assert (layer.output_shape, got.params, got.buffers) == want[1]


def _convcalc(run: Any) -> tuple[network.Network | None, str | None]:
    """(the summary, None), or (None, convcalc's refusal)."""
    try:
        return run(), None
    except ConvcalcError as exc:
        return None, str(exc)


class _no_warning:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_max_unpool_after_a_pool_with_indices_equals_torch() -> None:
    source = (
        "import torch.nn as nn\n"
        "class M(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.pool = nn.MaxPool2d(2, return_indices=True)\n"
        "        self.unpool = nn.MaxUnpool2d(2)\n"
        "    def forward(self, x):\n"
        "        y, indices = self.pool(x)\n"
        "        return self.unpool(y, indices, output_size=x.size())\n"
    )
    for shape in ((1, 1, 5, 5), (2, 3, 6, 7), (1, 3, 7, 4)):
        check((shape,), None, source)


# tensor ops in a forward: (expression on x of `shape`, and y of `other`), torch decides
OPS = [
    ((2, 3, 4), None, "x.view(2, -1)"),
    ((2, 3, 4), None, "x.view(-1, 5)"),
    ((2, 3, 4), None, "x.view(-1, -1)"),
    ((2, 3, 4), None, "x.permute(0, 2, 1).view(2, 12)"),
    ((2, 3, 4), None, "x.permute(0, 2, 1).reshape(2, 12)"),
    ((2, 3, 4), None, "x.permute(0, 2, 1).contiguous().view(2, 12)"),
    ((2, 3, 4), None, "x.transpose(0, 1).view(3, 8)"),
    ((2, 3, 4), None, "x.transpose(1, 2).flatten(1)"),
    ((2, 3, 4), None, "F.relu(x.permute(2, 0, 1)).view(4, 6)"),
    ((2, 1, 4), None, "x.permute(1, 0, 2).view(2, 4)"),
    ((2, 3, 4), None, "x.unsqueeze(1).expand(2, 5, 3, 4).reshape(10, 12)"),
    ((2, 3, 4), None, "x.unsqueeze(1).expand(2, 5, 3, 4).view(10, 12)"),
    ((2, 3, 4), None, "x[:, 1:].view(2, 8)"),
    ((2, 3, 4), None, "x[:, :, 1:3].view(2, 6)"),
    ((2, 3, 4), None, "x[..., None, ::2].shape"),
    ((2, 3, 4), None, "x[1, -1]"),
    ((2, 3, 4), None, "x[2]"),
    ((2, 3, 4), (3, 4), "x + y"),
    ((2, 3, 4), (3, 1, 4), "x * y"),
    ((2, 3, 4), (2, 4, 4), "x - y"),
    ((2, 3, 4), (2, 4, 5), "x @ y"),
    ((2, 3, 4), (4,), "x @ y"),
    ((2, 3, 4), (5, 4, 2), "x @ y"),
    ((2, 3, 4), (2, 3, 5), "torch.cat([x, y], dim=2)"),
    ((2, 3, 4), (2, 4, 5), "torch.cat((x, y), 1)"),
    ((2, 3, 4), (2, 3, 4), "torch.stack([x, y], -1)"),
    ((2, 3, 4), (2, 3, 5), "torch.stack([x, y])"),
    ((2, 3, 4), None, "torch.flatten(x)"),
    ((2, 3, 4), None, "x.mean(dim=(1, 2), keepdim=True)"),
    ((2, 3, 4), None, "x.sum(1)"),
    ((2, 3, 4), None, "x.max(dim=1)[0]"),
    ((2, 3, 4), None, "x.chunk(2, dim=2)"),
    ((2, 3, 5), None, "x.chunk(2, dim=2)"),
    ((2, 3, 4), None, "x.split([1, 2], dim=1)"),
    ((2, 3, 4), None, "x.split(2, dim=2)"),
    ((2, 3, 4), None, "x.squeeze()"),
    ((2, 1, 4), None, "x.squeeze(1).t()"),
    ((2, 3, 4), None, "x.repeat(2, 1, 1, 1)"),
    ((2, 3, 4), None, "x.narrow(2, 1, 2)"),
    ((2, 3, 4), None, "F.pad(x, (1, 2, 0, 1))"),
    ((2, 3, 4), None, "F.pad(x, (5, 0), mode='reflect')"),
    ((1, 2, 4, 4), None, "F.interpolate(x, scale_factor=2, mode='bilinear')"),
    ((1, 2, 4, 4), None, "F.interpolate(x, size=(3, 5))"),
    ((1, 2, 8, 8), None, "F.max_pool2d(x, 3, 2, 1, ceil_mode=True)"),
    ((1, 2, 8, 8), None, "F.avg_pool2d(x, 2)"),
    ((1, 2, 8, 8), None, "F.adaptive_max_pool2d(x, (2, 3), return_indices=True)"),
    ((1, 2, 8), None, "F.dropout(x, 0.2, training=self.training)"),
    ((2, 3, 4), None, "F.softmax(x, dim=-1)"),
    ((2, 3, 4), None, "F.log_softmax(x, 3)"),
    ((2, 3, 4), None, "F.glu(x, dim=1)"),
    ((2, 3, 4), None, "F.normalize(x, dim=2)"),
    ((2, 3, 4), None, "F.layer_norm(x, (3, 4))"),
    ((2, 4, 3), None, "F.group_norm(x, 2)"),
    ((2, 4, 6), (5, 6), "F.linear(x, y)"),
    ((1, 4, 8, 8), (6, 2, 3, 3), "F.conv2d(x, y, stride=2, padding=1, groups=2)"),
    ((1, 4, 8, 8), None, "torch.zeros(1, 4, 1, 1, dtype=x.dtype).expand_as(x) + x"),
    ((2, 3, 4), None, "x.new_zeros(3)"),
    ((2, 3, 4), None, "x.new_ones((2, 5)) + x.new_full((5,), 2.0)"),
    ((2, 3, 4), None, "F.dropout(x, 0.5, self.training) if self.training else x.t()"),
    ((2, 3, 4), None, "x.size(1) * x.shape[-1] + len(x)"),
    ((2, 3, 4), None, "x.shape[1:]"),
    ((2, 3, 4), None, "torch.add(x, x.mean(1, keepdim=True), alpha=2)"),
    ((2, 3, 4), None, "x.masked_fill(x.sum(2, keepdim=True) > 0, 0)"),
]


def _op_source(expression: str) -> str:
    return (
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
        "class Op(nn.Module):\n"
        "    def forward(self, x, y=None):\n"
        f"        return {expression}\n"
    )


def _shapes(value: Any) -> Any:
    if isinstance(value, tuple | list):
        if value and all(isinstance(v, int) for v in value):
            return tuple(value)
        return [_shapes(v) for v in value]
    if isinstance(value, int):
        return value
    return tuple(value.shape)


@pytest.mark.parametrize(("shape", "other", "expression"), OPS)
def test_tensor_op_equals_torch(shape, other, expression: str) -> None:
    torch = require_torch()
    source = _op_source(expression)
    inputs = [shape] if other is None else [shape, other]
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # the table's own forward, run by torch
    try:
        with torch.no_grad():
            out = namespace["Op"]().eval()(*(torch.zeros(s) for s in inputs))
        want: Any = ("ok", _shapes(out))
    except Exception as exc:
        want = ("error", str(exc))
    got, refusal = _convcalc(lambda: network.summarize(source, inputs=inputs))
    assert (want[0], refusal is None) in (("ok", True), ("error", False)), (want, refusal)
    if got is None:
        return
    outputs = [tuple(s) for s in got.outputs]
    expected = want[1]
    if isinstance(expected, tuple) and all(isinstance(v, int) for v in expected):
        expected = [expected] if got.outputs else expected
    if not got.outputs:  # a Python value (an int, a torch.Size) rather than tensors
        return
    flat = expected if isinstance(expected, list) else [expected]
    assert outputs == [tuple(s) for s in _flatten(flat)]


def _flatten(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if isinstance(item, list):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out
