"""Known answers for the shape arithmetic: one table of accepted and refused layers.

Every expected value is derived independently of convcalc: hand-worked examples of the
output-size formulas (nn.Conv2d's and nn.ConvTranspose2d's docs give them; ATen's
ConvUtils.h and Pool.h compute them), the published shapes of well-known networks, or a
hand calculation written in the row's comment.  Refusals follow the ATen check that raises
them (named in the row's message).
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcalc import Conv, ConvcalcError, LayerError, analyze, make_spec
from convcalc.arithmetic import adaptive_max_window, adaptive_window, pool_output_size

OK = [
    # --- seed 000: Convolution 1D examples (kernel [1,2,3]) -----------------------------------
    ("conv1d", (1, 1, 4), dict(in_channels=1, out_channels=1, kernel_size=3), (1, 1, 2)),
    ("conv1d", (1, 1, 4), dict(in_channels=1, out_channels=1, kernel_size=3, padding=1), (1, 1, 4)),
    (
        "conv1d",
        (1, 1, 5),
        dict(in_channels=1, out_channels=1, kernel_size=3, dilation=2),
        (1, 1, 1),
    ),
    ("conv1d", (1, 1, 5), dict(in_channels=1, out_channels=1, kernel_size=3, stride=2), (1, 1, 2)),
    # seed 000: Convolution 2D (pad = 1): 1×3 kernel on a 1×4 input gives 3×4
    (
        "conv2d",
        (1, 1, 1, 4),
        dict(in_channels=1, out_channels=1, kernel_size=(1, 3), padding=1),
        (1, 1, 3, 4),
    ),
    # seed 000: transposed 1-D, kernel 2 on 3 → 4; with padding=1 → 2
    ("convtranspose1d", (1, 1, 3), dict(in_channels=1, out_channels=1, kernel_size=2), (1, 1, 4)),
    (
        "convtranspose1d",
        (1, 1, 3),
        dict(in_channels=1, out_channels=1, kernel_size=2, padding=1),
        (1, 1, 2),
    ),
    # seed 000 with the errata: transposed 2-D 2×2 kernel on 2×2: padding 0 → 3×3, padding 1 → 1×1
    (
        "convtranspose2d",
        (1, 1, 2, 2),
        dict(in_channels=1, out_channels=1, kernel_size=2),
        (1, 1, 3, 3),
    ),
    (
        "convtranspose2d",
        (1, 1, 2, 2),
        dict(in_channels=1, out_channels=1, kernel_size=2, padding=1),
        (1, 1, 1, 1),
    ),
    # seed 001: 4×4 max / mean pooling with stride 2 → 2×2
    ("maxpool2d", (1, 1, 4, 4), dict(kernel_size=2, stride=2), (1, 1, 2, 2)),
    ("avgpool2d", (1, 1, 4, 4), dict(kernel_size=2, stride=2), (1, 1, 2, 2)),
    # seed 001: a 3×3 conv without padding on 4×4 → 2×2; on 2×2 with padding 2 → 4×4
    ("conv2d", (1, 1, 4, 4), dict(in_channels=1, out_channels=1, kernel_size=3), (1, 1, 2, 2)),
    (
        "conv2d",
        (1, 1, 2, 2),
        dict(in_channels=1, out_channels=1, kernel_size=3, padding=2),
        (1, 1, 4, 4),
    ),
    # --- PyTorch docs examples ----------------------------------------------------------------
    # nn.Conv2d docs: (20,16,50,100), Conv2d(16,33,(3,5),stride=(2,1),padding=(4,2),dilation=(3,1))
    (
        "conv2d",
        (20, 16, 50, 100),
        dict(
            in_channels=16,
            out_channels=33,
            kernel_size=(3, 5),
            stride=(2, 1),
            padding=(4, 2),
            dilation=(3, 1),
        ),
        (20, 33, 26, 100),
    ),
    # nn.Conv1d docs: Conv1d(16, 33, 3, stride=2) on (20, 16, 50) → (20, 33, 24)
    (
        "conv1d",
        (20, 16, 50),
        dict(in_channels=16, out_channels=33, kernel_size=3, stride=2),
        (20, 33, 24),
    ),
    # nn.Conv3d docs: Conv3d(16,33,(3,5,2),stride=(2,1,1),padding=(4,2,0)) on (20,16,10,50,100)
    (
        "conv3d",
        (20, 16, 10, 50, 100),
        dict(
            in_channels=16,
            out_channels=33,
            kernel_size=(3, 5, 2),
            stride=(2, 1, 1),
            padding=(4, 2, 0),
        ),
        (20, 33, 8, 50, 99),
    ),
    # nn.ConvTranspose2d docs: (1,16,12,12) → downsample k3 s2 p1 → (1,16,6,6) → upsample with
    # output_size (12,12), i.e. output_padding 1
    (
        "conv2d",
        (1, 16, 12, 12),
        dict(in_channels=16, out_channels=16, kernel_size=3, stride=2, padding=1),
        (1, 16, 6, 6),
    ),
    (
        "convtranspose2d",
        (1, 16, 6, 6),
        dict(in_channels=16, out_channels=16, kernel_size=3, stride=2, padding=1, output_padding=1),
        (1, 16, 12, 12),
    ),
    # nn.MaxPool2d docs: MaxPool2d((3, 2), stride=(2, 1)) on (20, 16, 50, 32) → (20, 16, 24, 31)
    ("maxpool2d", (20, 16, 50, 32), dict(kernel_size=(3, 2), stride=(2, 1)), (20, 16, 24, 31)),
    # nn.AdaptiveAvgPool2d docs: (None, 7) on (1, 64, 10, 9) → (1, 64, 10, 7)
    ("adaptiveavgpool2d", (1, 64, 10, 9), dict(output_size=(None, 7)), (1, 64, 10, 7)),
    ("adaptivemaxpool3d", (1, 64, 8, 9, 10), dict(output_size=(5, None, 7)), (1, 64, 5, 9, 7)),
    # --- published networks ---------------------------------------------------------------------
    # ResNet stem: 7×7/2 pad 3 on 224 → 112, then MaxPool 3/2 pad 1 → 56
    (
        "conv2d",
        (1, 3, 224, 224),
        dict(in_channels=3, out_channels=64, kernel_size=7, stride=2, padding=3, bias=False),
        (1, 64, 112, 112),
    ),
    ("maxpool2d", (1, 64, 112, 112), dict(kernel_size=3, stride=2, padding=1), (1, 64, 56, 56)),
    # AlexNet (torchvision): Conv2d(3, 64, 11, stride=4, padding=2) on 224 → 55; MaxPool 3/2 → 27
    (
        "conv2d",
        (1, 3, 224, 224),
        dict(in_channels=3, out_channels=64, kernel_size=11, stride=4, padding=2),
        (1, 64, 55, 55),
    ),
    ("maxpool2d", (1, 64, 55, 55), dict(kernel_size=3, stride=2), (1, 64, 27, 27)),
    # DCGAN generator: ConvTranspose2d(100, 512, 4, 1, 0) on 1×1 → 4×4; (512, 256, 4, 2, 1) → 8×8
    (
        "convtranspose2d",
        (1, 100, 1, 1),
        dict(in_channels=100, out_channels=512, kernel_size=4, stride=1, padding=0, bias=False),
        (1, 512, 4, 4),
    ),
    (
        "convtranspose2d",
        (1, 512, 4, 4),
        dict(in_channels=512, out_channels=256, kernel_size=4, stride=2, padding=1, bias=False),
        (1, 256, 8, 8),
    ),
    # GoogLeNet's ceil_mode pools: MaxPool2d(3, 2, ceil_mode=True) on 112 → 56 (floor gives 55)
    (
        "maxpool2d",
        (1, 64, 112, 112),
        dict(kernel_size=3, stride=2, ceil_mode=True),
        (1, 64, 56, 56),
    ),
    # --- hand calculations --------------------------------------------------------------------
    # unbatched input keeps its rank: (C, L)
    ("conv1d", (3, 10), dict(in_channels=3, out_channels=5, kernel_size=3), (5, 8)),
    ("maxpool3d", (2, 4, 4, 4), dict(kernel_size=2), (2, 2, 2, 2)),
    # 'same': stride 1 keeps the size for any kernel and dilation, even or odd
    (
        "conv1d",
        (1, 2, 10),
        dict(in_channels=2, out_channels=2, kernel_size=4, padding="same", dilation=3),
        (1, 2, 10),
    ),
    (
        "conv2d",
        (1, 2, 5, 6),
        dict(
            in_channels=2,
            out_channels=4,
            kernel_size=(2, 5),
            padding="same",
            padding_mode="reflect",
        ),
        (1, 4, 5, 6),
    ),
    (
        "conv1d",
        (1, 1, 6),
        dict(in_channels=1, out_channels=1, kernel_size=3, padding="valid"),
        (1, 1, 4),
    ),
    # reflect padding up to input−1; circular up to the input size; replicate unlimited
    (
        "conv1d",
        (1, 1, 3),
        dict(in_channels=1, out_channels=1, kernel_size=1, padding=2, padding_mode="reflect"),
        (1, 1, 7),
    ),
    (
        "conv1d",
        (1, 1, 3),
        dict(in_channels=1, out_channels=1, kernel_size=1, padding=3, padding_mode="circular"),
        (1, 1, 9),
    ),
    (
        "conv1d",
        (1, 1, 3),
        dict(in_channels=1, out_channels=1, kernel_size=1, padding=50, padding_mode="replicate"),
        (1, 1, 103),
    ),
    # transposed: output_padding may reach max(stride, dilation) − 1, even above stride:
    # (4 − 1)·1 − 0 + 3·(3 − 1) + 2 + 1 = 12
    (
        "convtranspose1d",
        (1, 1, 4),
        dict(in_channels=1, out_channels=1, kernel_size=3, stride=1, dilation=3, output_padding=2),
        (1, 1, 12),
    ),
    # pools: padding may equal ⌊kernel/2⌋
    ("maxpool1d", (1, 1, 5), dict(kernel_size=3, padding=1, stride=1), (1, 1, 5)),
    ("avgpool1d", (1, 1, 5), dict(kernel_size=2, padding=1), (1, 1, 3)),
    # ceil_mode: ⌈(5 + 2 − 1 − 1)/2⌉ + 1 = 4, but window 3 would start at 6 ≥ 5 + 1: dropped → 3
    ("maxpool1d", (1, 1, 5), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True), (1, 1, 3)),
    # ceil_mode keeps a last window starting inside the input: ⌈(5 − 2)/2⌉ + 1 = 3
    ("avgpool1d", (1, 1, 5), dict(kernel_size=2, stride=2, ceil_mode=True), (1, 1, 3)),
    # divisor_override changes values, not shapes; negative is accepted by PyTorch
    ("avgpool2d", (1, 1, 4, 4), dict(kernel_size=2, divisor_override=-3), (1, 1, 2, 2)),
    # adaptive: output larger than the input is fine (windows overlap)
    ("adaptiveavgpool1d", (1, 2, 3), dict(output_size=7), (1, 2, 7)),
    ("adaptivemaxpool2d", (2, 5, 5), dict(output_size=(None, None)), (2, 5, 5)),
    # adaptive avg pooling to all ones is a mean: even an empty axis passes (NaN, not an error)
    ("adaptiveavgpool3d", (1, 5, 0, 8, 10), dict(output_size=1), (1, 5, 1, 1, 1)),
    # length-1 tuples are repeated on every axis, as ATen expands them
    (
        "conv2d",
        (1, 2, 6, 6),
        dict(in_channels=2, out_channels=2, kernel_size=3, stride=(2,)),
        (1, 2, 2, 2),
    ),
    ("maxpool3d", (1, 1, 6, 6, 6), dict(kernel_size=(2,)), (1, 1, 3, 3, 3)),
    # …but a 1-tuple padding with a non-zeros mode pads the last axis only (F.pad gets 2 values)
    (
        "conv2d",
        (2, 5, 6),
        dict(in_channels=2, out_channels=3, kernel_size=3, padding=(1,), padding_mode="reflect"),
        (3, 3, 6),
    ),
    # negative padding with a non-zeros mode crops (F.pad): 5 − 2 − 2 = 1
    (
        "conv1d",
        (1, 2, 5),
        dict(in_channels=2, out_channels=3, kernel_size=1, padding=-2, padding_mode="replicate"),
        (1, 3, 1),
    ),
    # an empty batch skips ATen's dilation and output_padding checks
    (
        "conv2d",
        (0, 2, 5, 5),
        dict(
            in_channels=2,
            out_channels=3,
            kernel_size=3,
            dilation=0,
            padding=1,
            padding_mode="reflect",
        ),
        (0, 3, 7, 7),
    ),
    (
        "convtranspose2d",
        (0, 2, 4, 4),
        dict(in_channels=2, out_channels=3, kernel_size=3, output_padding=5),
        (0, 3, 11, 11),
    ),
    # 0 input channels give 0 output channels, whatever out_channels says (ATen's empty path)
    ("conv2d", (1, 0, 5, 5), dict(in_channels=0, out_channels=3, kernel_size=3), (1, 0, 3, 3)),
    # a (dims+1)-tuple with a non-zeros mode reaches the channel axis through F.pad:
    # 2 + 1 + 1 = 4 channels meet in_channels=4 (real torch: (1, 4, 5, 5))
    (
        "conv2d",
        (1, 2, 5, 5),
        dict(
            in_channels=4, out_channels=4, kernel_size=3, padding=(1, 1, 1), padding_mode="circular"
        ),
        (1, 4, 5, 5),
    ),
    # a 2-tuple for conv1d pads (channels, L) of a 3-D input: 23 + 2 + 2 − 2 = 25
    (
        "conv1d",
        (3, 4, 23),
        dict(
            in_channels=4,
            out_channels=4,
            kernel_size=3,
            groups=2,
            padding=(0, 2),
            padding_mode="replicate",
        ),
        (3, 4, 25),
    ),
    # 0 input channels: ATen's empty path takes kernel 0, ⌊(5 − 1·(0−1) − 1)/1⌋ + 1 = 6
    ("conv2d", (1, 0, 5, 5), dict(in_channels=0, out_channels=3, kernel_size=0), (1, 0, 6, 6)),
    # adaptive avg pool to ones is a mean over the last axes, whatever the rank
    ("adaptiveavgpool2d", (8, 11), dict(output_size=1), (1, 1)),
    ("adaptiveavgpool3d", (1, 1, 8, 4, 6, 5), dict(output_size=1), (1, 1, 8, 1, 1, 1)),
    # pools: stride=() means the default, like None
    ("maxpool2d", (1, 2, 5, 5), dict(kernel_size=3, stride=()), (1, 2, 1, 1)),
    # PyTorch takes True as 1 in a conv's kernel_size (torch.empty accepts it)
    (
        "conv1d",
        (1, 3, 40),
        dict(in_channels=3, out_channels=3, kernel_size=True, groups=3),
        (1, 3, 40),
    ),
    # groups
    (
        "conv2d",
        (1, 32, 8, 8),
        dict(in_channels=32, out_channels=64, kernel_size=3, groups=32),
        (1, 64, 6, 6),
    ),
    (
        "convtranspose2d",
        (1, 8, 4, 4),
        dict(in_channels=8, out_channels=4, kernel_size=3, groups=4, stride=2),
        (1, 4, 9, 9),
    ),
]
REFUSED = [
    # groups must divide both channel counts
    (
        "conv2d",
        (1, 4, 8, 8),
        dict(in_channels=4, out_channels=6, kernel_size=3, groups=4),
        "not divisible by groups=4",
    ),
    (
        "convtranspose2d",
        (1, 6, 8, 8),
        dict(in_channels=6, out_channels=4, kernel_size=3, groups=4),
        "not divisible by groups=4",
    ),
    (
        "conv2d",
        (1, 4, 8, 8),
        dict(in_channels=4, out_channels=4, kernel_size=3, groups=0),
        "groups: must be a positive integer",
    ),
    # input channels must equal in_channels
    (
        "conv2d",
        (1, 3, 8, 8),
        dict(in_channels=4, out_channels=4, kernel_size=3),
        "expects 4 input channels",
    ),
    (
        "convtranspose1d",
        (1, 3, 8),
        dict(in_channels=2, out_channels=4, kernel_size=3),
        "expects 2 input channels",
    ),
    # input rank
    ("conv2d", (3, 8), dict(in_channels=3, out_channels=4, kernel_size=3), "input: Conv2d expects"),
    ("maxpool1d", (1, 1, 1, 8), dict(kernel_size=2), "input: MaxPool1d expects"),
    # 'same' with stride ≠ 1; unknown padding strings
    (
        "conv1d",
        (1, 1, 8),
        dict(in_channels=1, out_channels=1, kernel_size=3, padding="same", stride=2),
        "not supported for strided",
    ),
    (
        "conv2d",
        (1, 1, 8, 8),
        dict(in_channels=1, out_channels=1, kernel_size=3, padding="same", stride=(1, 2)),
        "not supported for strided",
    ),
    (
        "conv1d",
        (1, 1, 8),
        dict(in_channels=1, out_channels=1, kernel_size=3, padding="SAME"),
        "invalid padding string",
    ),
    # stride, kernel and dilation ≥ 1, padding ≥ 0
    (
        "conv1d",
        (1, 1, 8),
        dict(in_channels=1, out_channels=1, kernel_size=3, stride=0),
        "stride: must be ≥ 1",
    ),
    ("conv1d", (1, 1, 8), dict(in_channels=1, out_channels=1, kernel_size=0), "kernel_size: must"),
    (
        "conv2d",
        (1, 1, 8, 8),
        dict(in_channels=1, out_channels=1, kernel_size=3, dilation=(1, 0)),
        "dilation: must be ≥ 1",
    ),
    (
        "conv1d",
        (1, 1, 8),
        dict(in_channels=1, out_channels=1, kernel_size=3, padding=-1),
        "padding: must be ≥ 0",
    ),
    ("maxpool2d", (1, 1, 8, 8), dict(kernel_size=2, stride=0), "stride: must be ≥ 1"),
    # tuples must have exactly dims entries
    (
        "conv2d",
        (1, 1, 8, 8),
        dict(in_channels=1, out_channels=1, kernel_size=(3, 3, 3)),
        "needs an int or 2 ints",
    ),
    ("adaptiveavgpool2d", (1, 1, 8, 8), dict(output_size=(2, 2, 2)), "needs an int or 2 values"),
    # every output size ≥ 1: kernel 3 dilated by 2 spans 5 but the padded input is 4
    (
        "conv1d",
        (1, 1, 2),
        dict(in_channels=1, out_channels=1, kernel_size=3, dilation=2, padding=1),
        "spans 5, but the padded input is only 4",
    ),
    ("conv2d", (1, 1, 2, 8), dict(in_channels=1, out_channels=1, kernel_size=3), "on axis H"),
    # reflect < input, circular ≤ input
    (
        "conv1d",
        (1, 1, 3),
        dict(in_channels=1, out_channels=1, kernel_size=1, padding=3, padding_mode="reflect"),
        "reflect padding must be smaller",
    ),
    (
        "conv1d",
        (1, 1, 3),
        dict(in_channels=1, out_channels=1, kernel_size=1, padding=4, padding_mode="circular"),
        "wraps around more than once",
    ),
    (
        "conv1d",
        (1, 1, 3),
        dict(in_channels=1, out_channels=1, kernel_size=8, padding="same", padding_mode="reflect"),
        "reflect padding must be smaller",
    ),
    (
        "conv1d",
        (1, 1, 8),
        dict(in_channels=1, out_channels=1, kernel_size=3, padding_mode="zero"),
        "padding_mode",
    ),
    # transposed: output_padding < max(stride, dilation); output ≥ 1; no strings, only zeros
    (
        "convtranspose2d",
        (1, 1, 4, 4),
        dict(in_channels=1, out_channels=1, kernel_size=3, stride=2, output_padding=2),
        "output_padding: must be smaller",
    ),
    (
        "convtranspose1d",
        (1, 1, 4),
        dict(in_channels=1, out_channels=1, kernel_size=3, output_padding=1),
        "output_padding: must be smaller",
    ),
    (
        "convtranspose1d",
        (1, 1, 2),
        dict(in_channels=1, out_channels=1, kernel_size=1, padding=1),
        "output size would be",
    ),
    (
        "convtranspose1d",
        (1, 1, 4),
        dict(in_channels=1, out_channels=1, kernel_size=3, padding="same"),
        "takes no padding string",
    ),
    (
        "convtranspose1d",
        (1, 1, 4),
        dict(in_channels=1, out_channels=1, kernel_size=3, padding_mode="reflect"),
        "only 'zeros'",
    ),
    # pools: padding ≤ ⌊kernel/2⌋ of the plain kernel, even with dilation
    ("maxpool1d", (1, 1, 9), dict(kernel_size=3, padding=2), "at most half the kernel size"),
    ("maxpool1d", (1, 1, 9), dict(kernel_size=3, padding=2, dilation=3), "at most 1"),
    ("avgpool2d", (1, 1, 9, 9), dict(kernel_size=(2, 5), padding=(2, 2)), "at most 1"),
    ("maxpool2d", (1, 1, 2, 2), dict(kernel_size=3), "padded input is only 2"),
    (
        "avgpool2d",
        (1, 1, 4, 4),
        dict(kernel_size=2, divisor_override=0),
        "divisor must be not zero",
    ),
    ("avgpool1d", (1, 1, 4), dict(kernel_size=2, divisor_override=2), "no divisor_override"),
    ("maxpool2d", (1, 0, 4, 4), dict(kernel_size=2), "non-zero channel and spatial"),
    ("adaptiveavgpool2d", (1, 1, 0, 4), dict(output_size=2), "non-zero channel and spatial"),
    # …but not elsewhere
    (
        "conv1d",
        (1, 1, 8),
        dict(in_channels=1, out_channels=1, kernel_size=3, stride=True),
        "stride",
    ),
    ("maxpool1d", (1, 1, 8), dict(kernel_size=True), "kernel_size"),
    # output_size=None as a whole, or None in a 1-D pool: PyTorch raises a TypeError
    ("adaptivemaxpool2d", (2, 5, 5), dict(output_size=None), "output_size"),
    ("adaptiveavgpool1d", (2, 5), dict(output_size=(None,)), "output_size"),
    ("adaptiveavgpool1d", (2, 5), dict(output_size=-1), "output_size: must be ≥ 0"),
    # a 1-tuple padding with a non-zeros mode on a 4-D input: F.pad cannot pad one axis of it
    (
        "conv2d",
        (1, 2, 5, 6),
        dict(in_channels=2, out_channels=3, kernel_size=3, padding=(1,), padding_mode="circular"),
        "pads only the last axis",
    ),
    (
        "conv1d",
        (1, 2, 5),
        dict(in_channels=2, out_channels=3, kernel_size=1, padding=-3, padding_mode="reflect"),
        "crops an axis of size 5 to -1",
    ),
    (
        "conv1d",
        (1, 2, 8),
        dict(in_channels=2, out_channels=3, kernel_size=1, padding=-1),
        "padding: must be ≥ 0",
    ),
    # empty axes: zero-size spatial only in an empty batch; 0 output channels never
    (
        "conv2d",
        (1, 2, 0, 5),
        dict(in_channels=2, out_channels=3, kernel_size=1, padding=1),
        "empty spatial axis",
    ),
    ("conv2d", (1, 2, 5, 5), dict(in_channels=2, out_channels=0, kernel_size=3), "out_channels"),
    (
        "convtranspose2d",
        (1, 0, 5, 5),
        dict(in_channels=0, out_channels=2, kernel_size=3),
        "in_channels",
    ),
    (
        "conv2d",
        (1, 2, 5, 5),
        dict(in_channels=2, out_channels=3, kernel_size=3, dilation=0),
        "dilation: must be ≥ 1",
    ),
    ("avgpool3d", (1, 2, 2, 2, 2), dict(kernel_size=3, padding=1), "AvgPool3d needs every"),
    ("adaptivemaxpool1d", (1, 0, 5), dict(output_size=3), "non-zero channel"),
    (
        "conv2d",
        (2, 5, 5),
        dict(
            in_channels=2, out_channels=4, kernel_size=3, padding=(1, 1, 1), padding_mode="circular"
        ),
        "F.pad cannot do for a 3-D input",
    ),
    ("conv2d", (0, 2, 5, 5), dict(in_channels=2, out_channels=3, kernel_size=0), "kernel_size"),
    ("adaptiveavgpool2d", (7,), dict(output_size=1), "input"),
    ("adaptiveavgpool2d", (2, 3), dict(output_size=(None, 1)), "input"),
    ("adaptiveavgpool2d", (3, 7), dict(output_size=(1, 1)), "input"),
]


@pytest.mark.parametrize(("kind", "shape", "args", "expected"), OK)
def test_known_output_shapes(
    kind: str, shape: tuple[int, ...], args: dict, expected: tuple
) -> None:
    assert analyze(make_spec(kind, **args), shape).output_shape == expected


@pytest.mark.parametrize(("kind", "shape", "args", "message"), REFUSED)
def test_refused_with_a_message_naming_the_parameter(
    kind: str, shape: tuple[int, ...], args: dict, message: str
) -> None:
    with pytest.raises(LayerError) as caught:
        analyze(make_spec(kind, **args), shape)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("channels", "listed"),
    [
        ((12, 18), "1, 2, 3, 6"),  # gcd 6
        ((7, 5), "1"),
        ((100_000_000, 8), "1, 2, 4, 8"),  # must not loop to 10⁸
        ((2**61 - 1, 2**61 - 1), "the divisors of gcd"),  # must not loop at all
    ],
)
def test_bad_groups_list_the_valid_group_counts(channels: tuple[int, int], listed: str) -> None:
    with pytest.raises(LayerError) as caught:
        make_spec(
            "conv2d",
            in_channels=channels[0],
            out_channels=channels[1],
            kernel_size=3,
            groups=3 if channels[0] % 3 else 11,
        )
    assert f"groups dividing both channel counts: {listed}" in str(caught.value)


def test_same_padding_puts_the_odd_element_at_the_end() -> None:
    # total d·(k−1) = 3·(4−1) = 9 → 4 before, 5 after (F.conv1d's _conv_padding_same)
    result = analyze(
        make_spec(
            "conv1d", in_channels=1, out_channels=1, kernel_size=4, padding="same", dilation=3
        ),
        (1, 1, 10),
    )
    assert result.padding == ((4, 5),)
    assert any("asymmetric" in w for w in result.warnings)


# --- parameters, MACs, init bound ---------------------------------------------------------------


def test_seed_grouped_parameter_formula() -> None:
    # seed 001: c₂·(c₁/G·h·w + 1); c1 = 64, c2 = 128, 3×3, G = 1, 2, 4
    for groups in (1, 2, 4):
        spec = make_spec("conv2d", in_channels=64, out_channels=128, kernel_size=3, groups=groups)
        assert analyze(spec, (1, 64, 8, 8)).params == 128 * (64 // groups * 3 * 3 + 1)


def test_seed_depthwise_separable_counts() -> None:
    # seed 001: depthwise 5×5 on 3 channels: 3·(5·5·1 + 1) = 78; pointwise 256·(3 + 1) = 1,024
    depthwise = make_spec("conv2d", in_channels=3, out_channels=3, kernel_size=5, groups=3)
    pointwise = make_spec("conv2d", in_channels=3, out_channels=256, kernel_size=1)
    standard = make_spec("conv2d", in_channels=3, out_channels=256, kernel_size=5)
    assert analyze(depthwise, (1, 3, 9, 9)).params == 78
    assert analyze(pointwise, (1, 3, 9, 9)).params == 1024
    assert analyze(standard, (1, 3, 9, 9)).params == 19456


def test_weight_shapes_and_init_bound() -> None:
    conv = analyze(
        make_spec("conv2d", in_channels=4, out_channels=6, kernel_size=(3, 5), groups=2),
        (1, 4, 9, 9),
    )
    assert conv.weight_shape == (6, 2, 3, 5)
    assert conv.bias_shape == (6,)
    assert conv.fan_in == 2 * 15
    assert conv.init_bound == pytest.approx(1 / math.sqrt(30))
    transposed = analyze(
        make_spec(
            "convtranspose2d", in_channels=4, out_channels=6, kernel_size=3, groups=2, bias=False
        ),
        (1, 4, 5, 5),
    )
    # (C_in, C_out/G, *k); fan_in from weight.shape[1] = C_out/G (seed errata)
    assert transposed.weight_shape == (4, 3, 3, 3)
    assert transposed.bias_shape is None
    assert transposed.params == 4 * 3 * 9
    assert transposed.fan_in == 27


def test_macs() -> None:
    # ResNet stem: 112·112·64 outputs × 3·7·7 = 118,013,952 (the figure torchinfo prints too)
    stem = make_spec("conv2d", in_channels=3, out_channels=64, kernel_size=7, stride=2, padding=3)
    assert analyze(stem, (1, 3, 224, 224)).macs == 118_013_952
    # transposed: from the INPUT: 4·4·512 inputs × 256·4·4 (torchinfo's output count is 4× more)
    up = make_spec(
        "convtranspose2d", in_channels=512, out_channels=256, kernel_size=4, stride=2, padding=1
    )
    assert analyze(up, (1, 512, 4, 4)).macs == 4 * 4 * 512 * 256 * 16
    assert analyze(make_spec("maxpool2d", kernel_size=2), (1, 3, 8, 8)).macs == 0


# --- receptive field, jump, unused input --------------------------------------------------------


def test_receptive_field_and_jump() -> None:
    dilated = analyze(
        make_spec("conv1d", in_channels=1, out_channels=1, kernel_size=3, dilation=2, stride=2),
        (1, 1, 20),
    )
    assert dilated.receptive_field == (5,)
    assert dilated.jump == (Fraction(2),)
    up = analyze(
        make_spec(
            "convtranspose1d", in_channels=1, out_channels=1, kernel_size=4, stride=2, padding=1
        ),
        (1, 1, 8),
    )
    # an output of a k4 s2 transposed conv depends on at most 2 inputs, spaced by 1/2 output
    assert up.receptive_field == (2,)
    assert up.jump == (Fraction(1, 2),)


def test_unused_trailing_input() -> None:
    # 7×7/2 pad 3 on 225: windows end at (112 − 1)·2 + 7 = 229 in padded coords = input index 225
    spec = make_spec("conv2d", in_channels=3, out_channels=8, kernel_size=7, stride=2, padding=3)
    assert analyze(spec, (1, 3, 224, 224)).unused_input == (0, 0)
    # kernel 2 stride 3 on 10: windows at 0, 3, 6 → indices 8, 9 never read
    spec = make_spec("conv1d", in_channels=1, out_channels=1, kernel_size=2, stride=3)
    result = analyze(spec, (1, 1, 10))
    assert result.output_shape == (1, 1, 3)
    assert result.unused_input == (2,)
    assert any("last 2 of 10" in w for w in result.warnings)


# (kind, args, input shape, unused per axis): the trailing elements no tap ever reads
UNUSED = [
    # k=1 s=3 p=3 on [10, 20]: padded positions 0, 3, 6 read index -3, 0, 3 → only 10 is read
    ("conv1d", dict(kernel_size=1, stride=3, padding=3), (1, 1, 2), (1,)),
    # k=3 d=3 p=1 s=3 on 8: windows at -1 and 2 read -1, 2, 5 and 2, 5, 8 → 6 and 7 unread
    ("maxpool1d", dict(kernel_size=3, padding=1, dilation=3), (1, 8), (2,)),
    # the same on 9: index 8 is read by the second window's last tap
    ("maxpool1d", dict(kernel_size=3, padding=1, dilation=3), (1, 9), (0,)),
    # k=2 d=4 s=1 on 6: windows 0, 1 read 0, 4 and 1, 5 → all read
    ("conv1d", dict(kernel_size=2, dilation=4), (1, 1, 6), (0,)),
    # k=2 d=4 s=5 on 12: ⌊(12 − 5)/5⌋ + 1 = 2 windows read 0, 4 and 5, 9 → 10, 11 unread
    ("conv1d", dict(kernel_size=2, dilation=4, stride=5), (1, 1, 12), (2,)),
    # k=1 s=100 p=5 on 1: one window, at padded 0: the input is never read
    ("conv1d", dict(kernel_size=1, stride=100, padding=5), (1, 1, 1), (1,)),
]


@pytest.mark.parametrize(("kind", "args", "shape", "unused"), UNUSED)
def test_unused_counts_elements_no_tap_reads(
    kind: str, args: dict, shape: tuple[int, ...], unused: tuple[int, ...]
) -> None:
    if kind.startswith("conv"):
        args = {"in_channels": 1, "out_channels": 1, **args}
    assert analyze(make_spec(kind, **args), shape).unused_input == unused


def test_formula_text() -> None:
    spec = make_spec("conv2d", in_channels=3, out_channels=64, kernel_size=7, stride=2, padding=3)
    axis = analyze(spec, (1, 3, 224, 224)).axes[0]
    assert axis.formula == "⌊(224 + 3 + 3 − 1·(7−1) − 1)/2⌋ + 1 = 112"


# --- properties ----------------------------------------------------------------------------------


@given(
    size=st.integers(1, 60),
    kernel=st.integers(1, 9),
    dilation=st.integers(1, 4),
    stride=st.integers(1, 4),
    padding=st.integers(0, 6),
)
def test_transposed_conv_inverts_the_conv_shape_map(
    size: int, kernel: int, dilation: int, stride: int, padding: int
) -> None:
    """Conv maps L to O; the transposed layer with the same arguments maps O back to L when
    output_padding takes up the rows the conv's stride dropped (PyTorch's output_size rule)."""
    args = dict(
        in_channels=1,
        out_channels=1,
        kernel_size=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
    )
    eff = dilation * (kernel - 1) + 1
    if size + 2 * padding < eff:
        return
    out = analyze(make_spec("conv1d", **args), (1, 1, size)).output_shape[-1]
    dropped = (size + 2 * padding - eff) % stride
    if dropped >= max(stride, dilation):
        return  # PyTorch cannot express it with output_padding either
    back = analyze(make_spec("convtranspose1d", output_padding=dropped, **args), (1, 1, out))
    assert back.output_shape[-1] == size


@given(size=st.integers(1, 200), kernel=st.integers(1, 12), dilation=st.integers(1, 5))
def test_same_padding_keeps_the_size(size: int, kernel: int, dilation: int) -> None:
    spec = make_spec(
        "conv1d",
        in_channels=2,
        out_channels=3,
        kernel_size=kernel,
        padding="same",
        dilation=dilation,
    )
    assert analyze(spec, (2, size)).output_shape == (3, size)


@given(size=st.integers(1, 300), out=st.integers(1, 300))
def test_adaptive_max_window_closed_form(size: int, out: int) -> None:
    windows = [adaptive_window(size, out, i) for i in range(out)]
    assert adaptive_max_window(size, out) == max(end - start for start, end in windows)
    # the windows cover the input, in order
    assert windows[0][0] == 0
    assert windows[-1][1] == size


@given(
    size=st.integers(1, 50),
    kernel=st.integers(1, 7),
    stride=st.integers(1, 5),
    data=st.data(),
    dilation=st.integers(1, 3),
)
def test_ceil_mode_last_window_starts_inside(
    size: int, kernel: int, stride: int, data: st.DataObject, dilation: int
) -> None:
    pad = data.draw(st.integers(0, kernel // 2))
    out, _ = pool_output_size(size, kernel, stride, pad, dilation, ceil_mode=True)
    floor_out, _ = pool_output_size(size, kernel, stride, pad, dilation, ceil_mode=False)
    if floor_out < 1:
        return
    # ceil mode adds at most one window, and every window starts inside input or left padding
    assert floor_out <= out <= floor_out + 1
    assert (out - 1) * stride < size + pad


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: make_spec("Conv9d"), "unknown layer kind 'Conv9d'"),
        (
            lambda: Conv(dims=2, in_channels=3, out_channels=8, kernel_size=3, groups=2),
            "groups: in_channels=3 is not divisible by groups=2",
        ),
        (lambda: make_spec("maxpool2d", kernel_size=2, ceil_mode=1), "ceil_mode: must be True"),
        (lambda: make_spec("conv1d", in_channels=1, out_channels=1), "kernel_size: Field required"),
    ],
)
def test_every_refusal_is_a_convcalc_error(build: Any, message: str) -> None:
    """The API's one exception type: ConvcalcError, a ValueError, never pydantic's."""
    with pytest.raises(ConvcalcError) as caught:
        build()
    assert isinstance(caught.value, ValueError)
    assert message in str(caught.value)


# --- sizes from 10**3 to 2**63 and beyond: answered or refused, never an internal error -----

_HUGE = st.one_of(
    st.integers(1, 10**3),
    st.integers(10**3, 2**63 - 1),
    st.sampled_from([2**31, 2**62, 2**63 - 1, 2**63, 2**64, 10**40, 10**400]),
)


@given(
    kind=st.sampled_from(["conv1d", "conv2d", "convtranspose1d", "maxpool2d", "avgpool1d"]),
    size=_HUGE,
    kernel=_HUGE,
    stride=_HUGE,
    padding=st.one_of(st.just(0), _HUGE),
    dilation=_HUGE,
)
def test_huge_sizes_are_answered_or_refused(
    kind: str, size: int, kernel: int, stride: int, padding: int, dilation: int
) -> None:
    from convcalc.render.shape import shape_report
    from convcalc.variants import compare

    dims = int(kind[-2])
    args: dict[str, Any] = dict(kernel_size=kernel, stride=stride, padding=padding)
    if kind.startswith("conv"):
        args.update(in_channels=1, out_channels=1, dilation=dilation)
    elif kind.startswith("max"):
        args.update(dilation=dilation)
    try:
        spec = make_spec(kind, **args)
        result = analyze(spec, (1, 1, *(size,) * dims))
    except ConvcalcError as error:
        refusal = str(error)
    else:
        refusal = ""
    if refusal:  # one short line, whatever the numbers
        assert "\n" not in refusal
        assert len(refusal) < 1000
        return
    assert max(result.output_shape) <= 2**63 - 1
    assert json.dumps(result.to_json())
    assert shape_report(result) is not None
    if kind.startswith("conv"):
        compare(spec, input_shape=(1, 1, *(size,) * dims))


def test_a_window_axis_has_an_axis_fields_first() -> None:
    # NamedTuples cannot add fields to another's: WindowAxis repeats Axis's, in order
    from convcalc.arithmetic import Axis, WindowAxis

    assert WindowAxis._fields[: len(Axis._fields)] == Axis._fields
    assert WindowAxis.__annotations__.items() >= Axis.__annotations__.items()
