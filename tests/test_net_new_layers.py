"""Known answers for the layers issue 13 adds, each derived in its comment from PyTorch's docs
and source (the live check against torch is tests/test_net_models_live.py, NEW_LAYERS)."""

from __future__ import annotations

import pytest

from convcalc import network
from convcalc.errors import ConvcalcError
from convcalc.layers import signature

# (input, layer, output shape, params, buffers) — or (input, layer, error fragment)
KNOWN = [
    # GLU halves `dim`: a ⊗ σ(b) with a, b the two halves
    ((2, 6), "GLU()", (2, 3), 0, 0),
    ((2, 6, 3), "GLU(1)", (2, 3, 3), 0, 0),
    ((2, 5, 3), "GLU(1)", "halving dimension must be even"),
    # Unfold: (N, C·∏k, L), L = ∏ ⌊(size + 2p − d(k−1) − 1)/s⌋ + 1
    ((1, 3, 5, 5), "Unfold(2)", (1, 12, 16), 0, 0),  # 3·2·2 = 12; 4·4 = 16
    # H: ⌊(5 + 2 − 2·1 − 1)/1⌋ + 1 = 5; W: ⌊(5 + 2 − 2·2 − 1)/2⌋ + 1 = 2; 3·2·3 = 18
    ((3, 5, 5), "Unfold((2, 3), dilation=2, padding=1, stride=(1, 2))", (18, 10), 0, 0),
    ((1, 3, 5, 5), "Unfold(6)", "at least one per axis"),
    # Fold: (N, C·∏k, L) → (N, C, *output_size); L must be the blocks of output_size
    ((1, 12, 12), "Fold((4, 5), 2)", (1, 3, 4, 5), 0, 0),  # 12/4 = 3; (4−1)·(5−1) = 12
    ((1, 12, 10), "Fold((4, 5), 2)", "holds 3 · 4 = 12 sliding blocks"),
    # RMSNorm: one weight per normalised element, no bias
    ((2, 5, 4), "RMSNorm(4)", (2, 5, 4), 4, 0),
    ((2, 5, 4), "RMSNorm([5, 4], elementwise_affine=False)", (2, 5, 4), 0, 0),
    # SyncBatchNorm: BatchNorm's γ, β and running statistics, any rank ≥ 2
    ((2, 4, 3, 3, 3), "SyncBatchNorm(4)", (2, 4, 3, 3, 3), 8, 9),
    ((4,), "SyncBatchNorm(4)", "at least a 2-D input"),
    ((2, 4, 3, 3), "CrossMapLRN2d(3)", (2, 4, 3, 3), 0, 0),
    ((2, 4, 3), "CrossMapLRN2d(3)", "a 4-D input"),
    ((1, 6, 2, 2), "ChannelShuffle(3)", (1, 6, 2, 2), 0, 0),
    ((1, 6, 2, 2), "ChannelShuffle(4)", "not divisible by groups=4"),
    # FractionalMaxPool2d: ⌊9 · 0.5⌋ = 4 outputs per axis, and 4 + 3 − 1 ≤ 9
    ((1, 2, 9, 9), "FractionalMaxPool2d(3, output_ratio=0.5)", (1, 2, 4, 4), 0, 0),
    ((1, 1, 4, 4), "FractionalMaxPool2d(3, output_size=3)", "too large for 3 outputs"),
    ((1, 2, 8, 8), "FractionalMaxPool2d(2)", "either an output size, or a pooling ratio"),
    ((1, 2, 4, 4), "MaxUnpool2d(2)", "takes (input, indices)"),
    # Lazy layers take the missing size from the first input, then are their class
    ((2, 7), "LazyLinear(3)", (2, 3), 7 * 3 + 3, 0),
    ((1, 3, 8, 8), "LazyConv2d(4, 3)", (1, 4, 6, 6), 4 * 3 * 9 + 4, 0),
    ((1, 4, 8, 8), "LazyConv2d(6, 3, groups=3)", "not divisible by groups=3"),
    ((1, 3, 8), "LazyConvTranspose1d(4, 3, stride=2)", (1, 4, 17), 3 * 4 * 3 + 4, 0),
    ((2, 6, 4, 4), "LazyBatchNorm2d()", (2, 6, 4, 4), 12, 13),
    ((2, 6, 4, 4), "LazyInstanceNorm2d()", (2, 6, 4, 4), 12, 13),  # affine and stats on
    # pointwise ones keep the shape; their constructors check what torch checks
    ((2, 4), "Hardtanh(-2.0, 3.0)", (2, 4), 0, 0),
    ((2, 4), "Hardtanh(1.0, 0.5)", "must be greater than min_val"),
    ((2, 4), "CELU(0.0)", "cannot be 0"),
    ((2, 4), "Softshrink(-0.5)", "must be ≥ 0"),
    ((2, 4), "RReLU(0.5, 0.1)", "less than or equal to the upper bound"),
    ((2, 4), "Threshold(0.1, 20.0)", (2, 4), 0, 0),
    ((2, 4), "Threshold(0.1)", "missing required argument value"),
    ((2, 3), "Softmax2d()", "a 3-D or 4-D input"),
    ((2, 4), "AlphaDropout(1.5)", "between 0 and 1"),
    ((1, 2, 3, 4), "UpsamplingBilinear2d(scale_factor=2)", (1, 2, 6, 8), 0, 0),
    ((1, 2, 3), "UpsamplingNearest2d(size=5)", (1, 2, 5), 0, 0),
]


@pytest.mark.parametrize("row", KNOWN, ids=[f"{r[1]}@{r[0]}" for r in KNOWN])
def test_known_answers(row: tuple[object, ...]) -> None:
    shape, text = row[0], row[1]
    if isinstance(row[2], str):
        with pytest.raises(ConvcalcError) as caught:
            network.summarize([str(text)], shape)  # type: ignore[arg-type]
        assert row[2] in str(caught.value)
        return
    result = network.summarize([str(text)], shape)  # type: ignore[arg-type]
    assert (result.output_shape, result.params, result.buffers) == row[2:]


def test_lazy_layers_become_their_class() -> None:
    (layer,) = network.summarize(["LazyConv2d(4, 3)"], (1, 3, 8, 8)).layers
    assert layer.kind == "Conv2d"
    assert layer.layer is not None
    assert layer.layer.in_channels == 3  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "order"),
    [
        ("Hardtanh", ("min_val", "max_val", "inplace", "min_value", "max_value")),
        ("Unfold", ("kernel_size", "dilation", "padding", "stride")),
        ("Fold", ("output_size", "kernel_size", "dilation", "padding", "stride")),
        ("LazyLinear", ("out_features", "bias", "device", "dtype")),
        ("MaxUnpool2d", ("kernel_size", "stride", "padding")),
        ("RMSNorm", ("normalized_shape", "eps", "elementwise_affine", "device", "dtype")),
    ],
)
def test_positional_order_is_pytorchs(name: str, order: tuple[str, ...]) -> None:
    # torch.nn's __init__ signatures (inspect.signature in torch 2.13)
    assert signature(name) == order


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("Selu", "SELU"),
        ("Lazyconv2d", "LazyConv2d"),
        ("Upsampling", "Upsample"),
        ("RMSnorm", "RMSNorm"),
    ],
)
def test_unknown_names_get_did_you_mean(name: str, suggestion: str) -> None:
    with pytest.raises(ConvcalcError) as caught:
        network.summarize([f"{name}()"], (1, 2))
    assert f"unknown layer '{name}'; did you mean" in str(caught.value)
    assert suggestion in str(caught.value)
