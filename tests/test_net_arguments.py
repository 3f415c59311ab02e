"""Constructor arguments as PyTorch takes them, one rule per kind of argument:

- a flag PyTorch only tests for truth in Python is a Flag: `if bias:` in
  torch/nn/modules/conv.py, linear.py, batchnorm.py and normalization.py, `if affine:`,
  `if inplace:` in torch/nn/functional.py; so `bias=1` and `bias=None` build;
- a bool PyTorch hands to an ATen op taking a bool is strict: F.lp_pool2d
  (torch/nn/functional.py) passes ceil_mode to avg_pool2d, which refuses
  `ceil_mode=1` ("argument 'ceil_mode' must be bool, not int"); F.interpolate passes
  align_corners to upsample_bilinear2d likewise;
- sizes and dims are ints, never a bool, where ATen takes an int or int[] (softmax's dim,
  pixel_shuffle's upscale_factor, F.pad's pad, and the first entry of torch.empty's size:
  Linear(3, True) fails at torch.empty((out_features, in_features)) in
  torch/nn/modules/linear.py.

Each row is a known answer (output shape and parameters) or the refusal; the live test builds
the same rows in torch.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from convcalc import network
from convcalc.errors import ConvcalcError
from convcalc.expressions import parse_call

# (input, layer, (output shape, params)) or (input, layer, error fragment)
ARGUMENTS: list[tuple[tuple[int, ...], str, Any]] = [
    # Conv2d(3, 8, 3): 8·3·3·3 weights, plus 8 biases where `if bias:` holds
    ((1, 3, 8, 8), "Conv2d(3, 8, 3, bias=1)", ((1, 8, 6, 6), 224)),
    ((1, 3, 8, 8), "Conv2d(3, 8, 3, bias=None)", ((1, 8, 6, 6), 216)),
    # Linear(3, 4): 3·4 weights + 4 biases
    ((1, 3), "Linear(3, 4, bias=1)", ((1, 4), 16)),
    ((1, 3), "Linear(3, 4, bias=0)", ((1, 4), 12)),
    ((1, 3), "Linear(3, True)", "out_features: must be an int, got True"),
    # past the first entry of torch.empty's size True is 1: weight (4, 1), 4 + 4 params
    ((1, 1), "Linear(True, 4)", ((1, 4), 8)),
    # Conv2d(True, 2, 3): weight (2, True // 1 = 1, 3, 3) and 2 biases
    ((1, 1, 5, 5), "Conv2d(True, 2, 3)", ((1, 2, 3, 3), 20)),
    # ConvTranspose2d(1, True, 3): weight (1, 1, 3, 3); its bias is torch.empty(True): refused
    ((1, 1, 5, 5), "ConvTranspose2d(1, True, 3, bias=False)", ((1, 1, 7, 7), 9)),
    ((1, 1, 5, 5), "ConvTranspose2d(1, True, 3)", "out_channels: must be an int, got True"),
    # norms: affine / bias / elementwise_affine truth-tested; BatchNorm2d(3) has γ and β
    ((2, 3, 4, 4), "BatchNorm2d(3, affine=0)", ((2, 3, 4, 4), 0)),
    ((2, 3, 4, 4), "BatchNorm2d(3, bias=0)", ((2, 3, 4, 4), 3)),
    ((2, 3, 4, 4), "InstanceNorm2d(3, affine=1)", ((2, 3, 4, 4), 6)),
    ((2, 3, 4, 4), "GroupNorm(1, 3, bias=0)", ((2, 3, 4, 4), 3)),
    ((2, 3, 4), "LayerNorm(4, elementwise_affine=0)", ((2, 3, 4), 0)),
    ((2, 3, 4), "LayerNorm(4, bias=0)", ((2, 3, 4), 4)),
    # inplace is truth-tested, whatever its type
    ((1, 3), "ReLU(inplace=1)", ((1, 3), 0)),
    ((1, 3), "ReLU('yes')", ((1, 3), 0)),
    ((1, 3), "LeakyReLU(0.1, 1)", ((1, 3), 0)),
    ((1, 3), "Dropout(0.5, 1)", ((1, 3), 0)),
    # ceil_mode reaches avg_pool*d / max_pool*d: True or False only; ⌈(5 − 2)/2⌉ + 1 = 3
    ((1, 1, 5, 5), "LPPool2d(2, 2, ceil_mode=True)", ((1, 1, 3, 3), 0)),
    ((1, 1, 4, 4), "LPPool2d(2, 2, ceil_mode=1)", "ceil_mode: must be True or False, got 1"),
    ((1, 1, 4), "LPPool1d(2, 2, ceil_mode=None)", "ceil_mode: must be True or False"),
    ((1, 1, 4, 4), "MaxPool2d(2, ceil_mode=1)", "ceil_mode: must be True or False"),
    # return_indices is truth-tested by nn.MaxPool2d.forward
    ((1, 1, 4, 4), "MaxPool2d(2, return_indices=1)", ((1, 1, 2, 2), 0)),
    # align_corners reaches upsample_bilinear2d: a bool; recompute_scale_factor is truth-tested
    (
        (1, 1, 4, 4),
        "Upsample(scale_factor=2, mode='bilinear', align_corners=False)",
        ((1, 1, 8, 8), 0),
    ),
    (
        (1, 1, 4, 4),
        "Upsample(scale_factor=2, mode='bilinear', align_corners=1)",
        "align_corners: must be True or False, got 1",
    ),
    ((1, 1, 4, 4), "Upsample(scale_factor=2, recompute_scale_factor=1)", ((1, 1, 8, 8), 0)),
    ((1, 1, 4), "Upsample(size=True)", "size: must be an int or a tuple of ints"),
    # ints and int[]: never a bool
    ((1, 1, 4, 4), "ZeroPad2d(True)", "padding: must be an int or a tuple of ints, got True"),
    ((1, 1, 4, 4), "LPPool2d(2, True)", "kernel_size: must be an int or a tuple of ints"),
    ((2, 3), "Softmax(True)", "dim: must be an int, got True"),
    ((2, 3, 4), "Flatten(True)", "start_dim: must be an int, got True"),
    ((1, 4, 2, 2), "PixelShuffle(True)", "upscale_factor: must be an int, got True"),
    ((2, 1), "BatchNorm1d(True)", "num_features: must be an int, got True"),
    # nn.Unflatten takes a tuple or list of sizes
    ((2, 4), "Unflatten(1, [2, 2])", ((2, 2, 2), 0)),
    ((2, 4), "Unflatten(1, 4)", "unflattened_size: must be a tuple of ints, got 4"),
]
IDS = [row[1] for row in ARGUMENTS]


@pytest.mark.parametrize(("shape", "text", "want"), ARGUMENTS, ids=IDS)
def test_arguments_as_pytorch_takes_them(shape, text: str, want) -> None:
    if isinstance(want, str):
        with pytest.raises(ConvcalcError) as caught:
            network.summarize([text], shape)
        assert want in str(caught.value)
        return
    result = network.summarize([text], shape)
    assert (result.output_shape, result.params) == want


def _torch_summary(torch: Any, shape: tuple[int, ...], text: str) -> tuple[Any, int]:
    """The output shape and parameter count torch gives (eval mode, zeros in)."""
    call = parse_call(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = getattr(torch.nn, call.class_name)(*call.args, **call.kwargs)
        module.eval()
        with torch.no_grad():
            out = module(torch.zeros(shape))
    if isinstance(out, tuple):  # return_indices=True
        out = out[0]
    return tuple(out.shape), sum(p.numel() for p in module.parameters())


@pytest.mark.torch
@pytest.mark.parametrize(("shape", "text", "want"), ARGUMENTS, ids=IDS)
def test_arguments_are_pytorchs(torch, shape, text: str, want) -> None:
    if isinstance(want, str):
        with pytest.raises((TypeError, ValueError, RuntimeError)):
            _torch_summary(torch, shape, text)
        return
    assert _torch_summary(torch, shape, text) == want
