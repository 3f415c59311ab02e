"""Live differential test: fresh configurations, convcalc vs real torch (native kernels).

Skipped only where torch is not installed; under CI a missing torch fails (conftest).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import layer_cases
from test_golden import convcalc_outcome

from convcalc.kinds import FAMILY_PREFIX

pytestmark = pytest.mark.torch


@pytest.mark.parametrize("family", list(FAMILY_PREFIX))
@settings(max_examples=120)
@given(data=st.data())
def test_convcalc_agrees_with_live_torch(family: str, data: st.DataObject) -> None:
    from conftest import require_torch

    require_torch()
    from torch_oracle import torch_outcome

    case = data.draw(layer_cases(family))
    torch = torch_outcome(case)
    ours = convcalc_outcome(case)
    if "error" in torch or "error" in ours:
        assert ("error" in torch) == ("error" in ours), (case, torch, ours)
    else:
        assert ours == torch, case


@st.composite
def _windowed_layers(draw: st.DrawFn, family: str) -> dict[str, Any]:
    """Valid conv (zeros padding) and avg-pool layers on one channel: windows that overshoot
    the input, strides longer than the kernel, dilation's holes, ceil_mode's overhang."""
    dims = draw(st.integers(1, 2))
    kernel = [draw(st.integers(1, 4)) for _ in range(dims)]
    stride = [draw(st.integers(1, 6)) for _ in range(dims)]
    if family == "conv":
        dilation = [draw(st.integers(1, 4)) for _ in range(dims)]
        padding = [draw(st.integers(0, 5)) for _ in range(dims)]
        spans = [d * (k - 1) + 1 - 2 * p for k, d, p in zip(kernel, dilation, padding, strict=True)]
        args: dict[str, Any] = {"in_channels": 1, "out_channels": 1, "dilation": dilation}
    else:
        padding = [draw(st.integers(0, k // 2)) for k in kernel]
        spans = [k - 2 * p for k, p in zip(kernel, padding, strict=True)]
        args = {"ceil_mode": draw(st.booleans())}
    sizes = [max(draw(st.integers(1, 15)), span, 1) for span in spans]
    args.update(kernel_size=kernel, stride=stride, padding=padding)
    return {"kind": f"{family}{dims}d", "input_shape": [1, *sizes], "args": args}


@pytest.mark.parametrize("family", ["conv", "avgpool"])
@settings(max_examples=150)
@given(data=st.data())
def test_unused_input_is_what_torch_never_reads(family: str, data: st.DataObject) -> None:
    """`unused_input` per axis = the trailing input elements the gradient never reaches.

    With a conv's weights all positive (ones), d(sum of the output)/d(input) is positive
    exactly where some tap reads the input (torch/nn/grad.py's conv_input is that scatter),
    and an average pool spreads its gradient over every element of every window.
    """
    from conftest import require_torch

    torch = require_torch()
    case = data.draw(_windowed_layers(family))
    from torch_oracle import KIND_TO_CLASS, _tupleize

    args = _tupleize(case["args"])
    layer = getattr(torch.nn, KIND_TO_CLASS[case["kind"]])(**args).double()
    if family == "conv":
        with torch.no_grad():
            layer.weight.fill_(1.0)
    x = torch.zeros(case["input_shape"], dtype=torch.float64, requires_grad=True)
    layer(x).sum().backward()
    assert x.grad is not None
    dims = int(case["kind"][-2])
    from convcalc import analyze, make_spec

    result = analyze(make_spec(case["kind"], **case["args"]), tuple(case["input_shape"]))
    reached = x.grad.abs()
    # reads are the product of each axis's: an axis that reads nothing hides the others
    assume(dims == 1 or bool(reached.any()))
    for axis in range(dims):
        position = x.dim() - dims + axis
        others = [d for d in range(x.dim()) if d != position]
        read = reached.sum(dim=others) > 0 if others else reached > 0
        size = read.shape[0]
        last = max((i for i in range(size) if bool(read[i])), default=-1)
        assert result.unused_input[axis] == size - 1 - last, (case, axis)
