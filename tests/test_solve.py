"""`convcalc solve`: every answer checked against the forward arithmetic, and against torch."""

from __future__ import annotations

import io
import json

import pytest
from conftest import assert_clean_error, require_torch
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from convcalc import analyze, make_spec
from convcalc.errors import ConvcalcError, InputError, LayerError
from convcalc.padding import fpad_flat, tf_same
from convcalc.solve import (
    solve_inputs,
    solve_layer,
    solve_padding,
    solve_transpose,
)

# --- padding: TensorFlow / ONNX 'SAME' against published values ----------------------------------

SAME_CASES = [
    # (input, kernel, stride, dilation) → (output, before, after)
    # The question's own example: ⌈224/2⌉ = 112; pad = (112−1)·2 + 3 − 224 = 1 → (0, 1).
    ((224, 3, 2, 1), (112, 0, 1)),
    # ⌈5/2⌉ = 3; pad = (3−1)·2 + 3 − 5 = 2 → (1, 1).
    ((5, 3, 2, 1), (3, 1, 1)),
    # The classic 'SAME' illustration (TF padding docs, StackOverflow 37674306): width 13,
    # filter 6, stride 5 draws "pad | 1 … 13 | pad pad": ⌈13/5⌉ = 3, pad = 2·5 + 6 − 13 = 3.
    ((13, 6, 5, 1), (3, 1, 2)),
    # stride 1 keeps the size: pad = 6·1 + 3 − 7 = 2 → (1, 1).
    ((7, 3, 1, 1), (7, 1, 1)),
    # a 1×1 kernel with stride 2 needs none: (5−1)·2 + 1 − 10 = −1 → max(0, ·) = 0.
    ((10, 1, 2, 1), (5, 0, 0)),
    # dilation 2 spans 5: pad = 9·1 + 5 − 10 = 4 → (2, 2).
    ((10, 3, 1, 2), (10, 2, 2)),
    # even kernel, stride 1 (Keras Conv2D(k=4, padding='same')): pad 3, the extra at the end.
    ((32, 4, 1, 1), (32, 1, 2)),
]


@pytest.mark.parametrize(("layer", "expected"), SAME_CASES)
def test_tensorflow_same_padding_matches_published_values(layer, expected) -> None:
    assert tf_same(*layer) == expected


@pytest.mark.parametrize(("layer", "expected"), SAME_CASES)
def test_onnx_same_lower_puts_the_extra_first_and_pytorch_agrees(layer, expected) -> None:
    size, kernel, stride, dilation = layer
    out, before, after = expected
    spec = make_spec(
        "conv1d",
        in_channels=1,
        out_channels=1,
        kernel_size=kernel,
        stride=stride,
        dilation=dilation,
    )
    answer = solve_padding(spec, size, out)
    upper, lower = answer.axes[0].same
    assert (upper.before, upper.after) == (before, after)
    assert (lower.before, lower.after) == (after, before)
    # PyTorch's conv after that explicit pad gives TF's size
    assert upper.torch_output == out
    assert analyze(spec, (1, size + before + after)).output_shape == (1, out)


def test_pad_tuple_lists_the_last_axis_first() -> None:
    # F.pad docs: (padding_left, padding_right, padding_top, padding_bottom, front, back)
    assert fpad_flat([(5, 6), (3, 4), (1, 2)]) == (1, 2, 3, 4, 5, 6)


# --- padding: known answers ----------------------------------------------------------------------


def _conv(dims: int = 1, **kwargs):
    return make_spec(f"conv{dims}d", in_channels=1, out_channels=1, **kwargs)


def test_padding_224_to_112_lists_symmetric_then_asymmetric() -> None:
    # ⌊(224 + P − 3)/2⌋ + 1 = 112 ⇔ P ∈ {1, 2}: padding=1, or (0, 1) / (1, 0) explicitly
    answer = solve_padding(_conv(2, kernel_size=3, stride=2), 224, 112)
    options = [(o.before, o.after, o.native) for o in answer.axes[0].options]
    assert options == [(1, 1, True), (0, 1, False), (1, 0, False)]
    assert answer.native is not None
    assert answer.native.padding == 1


def test_even_kernel_same_size_needs_an_explicit_pad() -> None:
    # k=4, s=1: L + P − 3 = L ⇔ P = 3, odd: no symmetric padding; ZeroPad2d((1, 2, 1, 2))
    answer = solve_padding(_conv(2, kernel_size=4), (1, 3, 32, 32)[-2:], 32)
    assert answer.native is None
    assert answer.pads == ((1, 2), (1, 2))
    assert fpad_flat(answer.pads) == (1, 2, 1, 2)


def test_padding_per_axis_goes_into_the_pad_tuple_last_axis_first() -> None:
    # H: k=3 s=1 size kept → P=2, the layer's padding 1; W: k=2 s=1 → P=1, odd, explicit (0, 1)
    answer = solve_padding(_conv(2, kernel_size=(3, 2)), (10, 20), (10, 20))
    assert answer.pads == ((0, 0), (0, 1))
    assert fpad_flat(answer.pads) == (0, 1, 0, 0)
    assert answer.padded_layer is not None
    assert answer.padded_layer.padding == (1, 0)


def test_pool_padding_respects_half_the_kernel() -> None:
    # MaxPool k=2 s=2 on 7 → 4 (floor mode): (7 + 2p − 2)/2 + 1 = 4 needs p=1 = k//2: allowed
    answer = solve_padding(make_spec("maxpool1d", kernel_size=2, stride=2), 7, 4)
    assert [o.before for o in answer.axes[0].options if o.native] == [1]
    # k=3, s=1: 10 + 2p − 3 + 1 = 14 needs p=3 > 3//2: only explicit pads, total 6
    answer = solve_padding(make_spec("maxpool1d", kernel_size=3, stride=1), 10, 14)
    assert all(not o.native for o in answer.axes[0].options)
    assert {o.total for o in answer.axes[0].options} == {6}


def test_pool_window_is_read_as_pytorch_takes_it() -> None:
    # AvgPool1d(2): stride None is the kernel, and an avg pool has no dilation;
    # ⌊(15 + P − 2)/2⌋ + 1 = 8 ⇔ P ∈ {1, 2}: padding=1, or (0, 1) / (1, 0) explicitly
    axis = solve_padding(make_spec("avgpool1d", kernel_size=2), 15, 8).axes[0]
    assert (axis.kernel, axis.stride, axis.dilation) == (2, 2, 1)
    assert [(o.before, o.after, o.native) for o in axis.options] == [
        (1, 1, True),
        (0, 1, False),
        (1, 0, False),
    ]
    # TF 'SAME': ⌈15/2⌉ = 8, pad (8 − 1)·2 + 2 − 15 = 1 → (0, 1)
    upper = axis.same[0]
    assert (upper.before, upper.after, upper.output) == (0, 1, 8)


def test_transposed_padding_and_output_padding() -> None:
    # (28−1)·2 − 2p + 3 + 1 + op = 56 ⇔ 2p − op = 2: (1, 0) only (op < 2)
    spec = make_spec("convtranspose1d", in_channels=1, out_channels=1, kernel_size=4, stride=2)
    options = solve_padding(spec, 28, 56).axes[0].options
    assert [(o.before, o.output_padding) for o in options] == [(1, 0)]
    # dilation 3 > stride 1 lets output_padding reach 2, which output_size= cannot give
    spec = make_spec("convtranspose1d", in_channels=1, out_channels=1, kernel_size=3, dilation=3)
    options = solve_padding(spec, 5, 13).axes[0].options  # (5−1) + 6 + 1 + op = 13 → op 2
    assert [(o.before, o.output_padding, o.output_size_ok) for o in options] == [(0, 2, False)]


def test_mixed_axes_keep_the_layers_own_padding_where_it_works() -> None:
    # MaxPool k=3 s=2 ceil_mode: H 7 → 4 with padding=1 (⌈(7+2−3)/2⌉+1 = 4, last window starts
    # at 6 < 7+1); W 10 → 7: ⌈(10+P−3)/2⌉+1 = 7 ⇔ P ∈ {4, 5}, beyond p ≤ 3//2: only an
    # explicit pad. The recipe pads W only and keeps padding=(1, 0) on the pool.
    spec = make_spec("maxpool2d", kernel_size=3, stride=2, ceil_mode=True)
    answer = solve_padding(spec, (7, 10), (4, 7))
    assert answer.native is None
    assert answer.padded_layer is not None
    assert answer.padded_layer.padding == (1, 0)
    assert answer.pads is not None
    assert answer.pads[0] == (0, 0)
    b, a = answer.pads[1]
    assert analyze(answer.padded_layer, (1, 7, 10 + b + a)).output_shape == (1, 4, 7)


# --- inputs: known answers -----------------------------------------------------------------------


def test_inputs_of_a_strided_conv() -> None:
    # ⌊(L + 2 − 3)/2⌋ + 1 = 112 ⇔ L ∈ {223, 224}; neither leaves input unused
    answer = solve_inputs(_conv(2, kernel_size=3, stride=2, padding=1), 112)
    assert [(s.input, s.unused) for s in answer.axes[0].sizes] == [(223, 0), (224, 0)]
    # k=1, s=4: ⌊(L − 1)/4⌋ + 1 = 2 ⇔ L ∈ 5..8, the last 0..3 unused
    answer = solve_inputs(_conv(1, kernel_size=1, stride=4), 2)
    assert [(s.input, s.unused) for s in answer.axes[0].sizes] == [(5, 0), (6, 1), (7, 2), (8, 3)]


def test_transposed_inputs_can_miss_and_name_the_nearest() -> None:
    # (L−1)·2 − 2 + 3 = 2L − 1 is odd: 56 is never reached; 55 (L=28) and 57 (L=29) are
    spec = make_spec(
        "convtranspose1d", in_channels=1, out_channels=1, kernel_size=3, stride=2, padding=1
    )
    answer = solve_inputs(spec, 56)
    assert not answer.solved
    assert [(r.output, r.input) for r in answer.axes[0].nearest] == [(55, 28), (57, 29)]


# --- transpose: known answers --------------------------------------------------------------------


def test_transpose_of_a_strided_conv_on_an_odd_input() -> None:
    # conv: ⌊(57 + 2 − 3)/2⌋ + 1 = 29; mirror: (29−1)·2 − 2 + 2 + 1 = 57 with output_padding 0;
    # PyTorch's output_size range is [57, 57 + 2 − 1]
    answer = solve_transpose(
        make_spec("conv2d", in_channels=3, out_channels=16, kernel_size=3, stride=2, padding=1),
        (1, 3, 57, 57),
    )
    assert answer.layer is not None
    assert answer.layer.torch_call() == "ConvTranspose2d(16, 3, kernel_size=3, stride=2, padding=1)"
    assert answer.output_size == (57, 57)
    assert (answer.axes[0].min_output, answer.axes[0].max_output_size) == (57, 58)


def test_transpose_of_an_even_input_needs_output_padding() -> None:
    # conv on 56: ⌊55/2⌋ + 1 = 28; mirror gives (28−1)·2 − 2 + 3 = 55; output_padding 1 → 56
    answer = solve_transpose(
        make_spec("conv1d", in_channels=3, out_channels=16, kernel_size=3, stride=2, padding=1),
        (1, 3, 56),
    )
    assert answer.layer is not None
    assert answer.layer.output_padding == 1
    assert answer.mirrored


def test_transpose_of_same_with_an_even_kernel_changes_the_kernel() -> None:
    # 'same', k=4, s=d=1: 50 → 50; the mirror gives 49 − 2p + 3 + 1 = 53 − 2p: odd, never 50;
    # output_padding must stay below max(1, 1) = 1.  Kernel 3 (or 5) can: 49 − 2p + 3 = 50 at p=1
    answer = solve_transpose(
        make_spec("conv1d", in_channels=8, out_channels=8, kernel_size=4, padding="same"), (8, 50)
    )
    assert not answer.mirrored
    assert answer.axes[0].mirror_nearest == (49, 51)
    assert answer.layer is not None
    assert answer.layer.torch_call() == "ConvTranspose1d(8, 8, kernel_size=3, padding=1)"


def test_transpose_refuses_what_has_no_mirror() -> None:
    with pytest.raises(LayerError, match="no transposed mirror"):
        solve_transpose(make_spec("adaptiveavgpool2d", output_size=3), (1, 8, 9, 9))


# --- layer search: known answers -----------------------------------------------------------------


def test_layer_search_ranks_by_stride_then_kernel() -> None:
    # 224 → 56 needs stride 4 at least (stride 3 gives ≥ ⌊(224−7)/3⌋ + 1 = 73)
    answer = solve_layer("conv2d", 224, 56, limit=4)
    found = [(c.stride, c.kernel, c.padding) for c in answer.candidates]
    assert found == [(4, 1, 0), (4, 2, 0), (4, 3, 0), (4, 3, 1)]
    assert answer.more


def test_layer_search_upsampling_beyond_reach_names_the_nearest() -> None:
    # stride 1, kernel 7, padding 6: 224 + 12 − 7 + 1 = 230 is the most a conv here gives
    answer = solve_layer("conv2d", 224, 300)
    assert not answer.solved
    assert answer.nearest == (230,)


# --- refusals: the library names its own parameters, never a CLI flag or command ----------------

REFUSALS = [
    # (call, error type, the whole message)
    (
        lambda: solve_layer("conv2d", 224, 56, max_kernel=1000),
        InputError,
        "max_kernel: must be between 1 and 64, got 1000",
    ),
    (
        lambda: solve_layer("conv2d", 224, 56, max_dilation=0),
        InputError,
        "max_dilation: must be between 1 and 16, got 0",
    ),
    (
        lambda: solve_layer("conv2d", 0, 56),
        InputError,
        "input: must be between 1 and 9,223,372,036,854,775,807, got 0",
    ),
    (
        lambda: solve_layer("conv2d", 2**63, 56),
        InputError,
        "input: must be between 1 and 9,223,372,036,854,775,807, got 9223372036854775808",
    ),
    (
        lambda: solve_layer("conv2d", 224, 56, limit=0),
        InputError,
        "limit: must be between 1 and 1,000, got 0",
    ),
    (
        lambda: solve_layer("convtranspose2d", 224, 56),
        LayerError,
        "kind: ConvTranspose2d is not searched: solve_layer searches conv, maxpool and avgpool "
        "layers; solve_padding finds a ConvTranspose2d's padding and output_padding",
    ),
    (
        lambda: solve_layer("adaptiveavgpool1d", 10, 3),
        LayerError,
        "kind: AdaptiveAvgPool1d has no kernel, stride or padding to search: it gives its "
        "output_size for every input size (AdaptiveAvgPool1d(3) maps any input to 3)",
    ),
    (
        lambda: solve_transpose(
            make_spec("convtranspose2d", in_channels=3, out_channels=8, kernel_size=3), (3, 9, 9)
        ),
        LayerError,
        "forward: ConvTranspose2d has no transposed mirror here: give a Conv, MaxPool or "
        "AvgPool (a ConvTranspose is undone by a Conv, which solve_layer finds)",
    ),
    (
        lambda: solve_padding(make_spec("adaptivemaxpool1d", output_size=3), 9, 3),
        LayerError,
        "spec: AdaptiveMaxPool1d has no padding: its windows follow output_size",
    ),
    (
        lambda: solve_inputs(make_spec("adaptiveavgpool2d", output_size=3), 3),
        LayerError,
        "spec: AdaptiveAvgPool2d gives its output_size for every input size; "
        "there is nothing to solve",
    ),
    (
        lambda: solve_padding(_conv(2, kernel_size=3), (1, 2, 3), 5),
        InputError,
        "input: needs one size or 2, got 3: (1, 2, 3)",
    ),
    (
        lambda: solve_padding(_conv(2, kernel_size=3), (4, 0), 5),
        InputError,
        "input: sizes must be ≥ 1, got 4, 0",
    ),
    (
        lambda: solve_inputs(_conv(1, kernel_size=3), 0),
        InputError,
        "target: sizes must be ≥ 1, got 0",
    ),
    (
        lambda: solve_inputs(_conv(2, kernel_size=3), (5, 2**63)),
        InputError,
        "target: sizes must be at most 9,223,372,036,854,775,807 (PyTorch's int64), "
        "got 5, 9223372036854775808",
    ),
    (
        lambda: solve_padding(_conv(1, kernel_size=3), 10**40, 5),
        InputError,
        "input: sizes must be at most 9,223,372,036,854,775,807 (PyTorch's int64), "
        "got <an integer of about 41 digits>",
    ),
    (
        # a pool's padding beyond half its kernel is refused at every size: said before searching
        lambda: solve_inputs(make_spec("avgpool1d", kernel_size=3, padding=2), 3),
        LayerError,
        "padding: must be at most half the kernel size on axis L, got padding=2 with "
        "kernel_size=3; at most 1",
    ),
]


@pytest.mark.parametrize(("call", "error", "message"), REFUSALS)
def test_refusals_name_the_parameter(call, error, message) -> None:
    with pytest.raises(error) as caught:
        call()
    assert str(caught.value) == message
    assert isinstance(caught.value, ConvcalcError)
    assert "--" not in message
    assert "convcalc solve" not in message


# --- properties: every answer is confirmed by the forward arithmetic ------------------------------

sizes = st.integers(1, 40)
kernels = st.integers(1, 6)
strides = st.integers(1, 4)
dilations = st.integers(1, 3)


@given(size=sizes, target=sizes, k=kernels, s=strides, d=dilations)
def test_every_conv_padding_gives_the_target_and_none_is_missed(size, target, k, s, d) -> None:
    spec = _conv(1, kernel_size=k, stride=s, dilation=d)
    answer = solve_padding(spec, size, target)
    options = answer.axes[0].options
    for o in options:
        if o.native:
            check = _conv(1, kernel_size=k, stride=s, dilation=d, padding=o.before)
            assert analyze(check, (1, size)).output_shape == (1, target)
        else:  # an explicit pad, then the layer with padding 0
            assert analyze(spec, (1, size + o.total)).output_shape == (1, target)
    # brute force: every symmetric padding up to far beyond the target
    brute = []
    for p in range(0, target * s + 3 * d * k):
        try:
            out = analyze(_conv(1, kernel_size=k, stride=s, dilation=d, padding=p), (1, size))
        except LayerError:
            continue
        if out.output_shape[-1] == target:
            brute.append(p)
    assert [o.before for o in options if o.native] == brute
    assert answer.solved == bool(options)


@given(size=sizes, target=sizes, k=kernels, s=strides, d=dilations, ceil=st.booleans())
def test_every_maxpool_padding_gives_the_target(size, target, k, s, d, ceil) -> None:
    spec = make_spec("maxpool1d", kernel_size=k, stride=s, dilation=d, ceil_mode=ceil)
    for o in solve_padding(spec, size, target).axes[0].options:
        if o.native:
            check = make_spec(
                "maxpool1d", kernel_size=k, stride=s, dilation=d, ceil_mode=ceil, padding=o.before
            )
            assert analyze(check, (1, size)).output_shape == (1, target)
        else:
            assert analyze(spec, (1, size + o.total)).output_shape == (1, target)


@given(size=sizes, target=st.integers(1, 150), k=kernels, s=strides, d=dilations)
def test_every_transposed_padding_gives_the_target(size, target, k, s, d) -> None:
    spec = make_spec(
        "convtranspose1d", in_channels=1, out_channels=1, kernel_size=k, stride=s, dilation=d
    )
    options = solve_padding(spec, size, target).axes[0].options
    for o in options:
        check = make_spec(
            "convtranspose1d",
            in_channels=1,
            out_channels=1,
            kernel_size=k,
            stride=s,
            dilation=d,
            padding=o.before,
            output_padding=o.output_padding,
        )
        assert analyze(check, (1, size)).output_shape == (1, target)
    brute = set()
    for p in range(0, size * s + d * k):
        for op in range(max(s, d)):
            try:
                out = analyze(
                    spec.model_copy(update={"padding": p, "output_padding": op}), (1, size)
                )
            except LayerError:
                continue
            if out.output_shape[-1] == target:
                brute.add((p, op))
    assert {(o.before, o.output_padding) for o in options} == brute


@given(
    target=st.integers(1, 30),
    k=kernels,
    s=strides,
    d=dilations,
    p=st.integers(0, 3),
    family=st.sampled_from(["conv", "maxpool", "avgpool", "convtranspose"]),
    ceil=st.booleans(),
)
def test_every_input_size_gives_the_target_and_none_is_missed(
    target, k, s, d, p, family, ceil
) -> None:
    args: dict = {"kernel_size": k, "stride": s, "padding": min(p, k // 2)}
    if family in ("conv", "convtranspose"):
        args.update(in_channels=1, out_channels=1, dilation=d)
    else:
        args["ceil_mode"] = ceil
        if family == "maxpool":
            args["dilation"] = d
    spec = make_spec(f"{family}1d", **args)
    answer = solve_inputs(spec, target)
    listed = [(x.input, x.unused) for x in answer.axes[0].sizes]
    brute = []
    for size in range(1, (target + 2) * s + d * k + 8):
        try:
            result = analyze(spec, (1, size))
        except LayerError:
            continue
        if result.output_shape[-1] == target:
            brute.append((size, result.unused_input[0]))
    assert listed == brute
    for reach in answer.axes[0].nearest:
        assert analyze(spec, (1, reach.input)).output_shape[-1] == reach.output


@given(
    size=st.integers(1, 40),
    k=kernels,
    s=strides,
    d=dilations,
    p=st.integers(0, 4),
    channels=st.integers(1, 4),
    dims=st.integers(1, 2),
)
def test_transposed_mirror_gives_the_input_shape_back(size, k, s, d, p, channels, dims) -> None:
    spatial = tuple(size + i for i in range(dims))
    conv = make_spec(
        f"conv{dims}d",
        in_channels=channels,
        out_channels=5,
        kernel_size=k,
        stride=s,
        dilation=d,
        padding=p,
    )
    try:
        forward = analyze(conv, (2, channels, *spatial))
    except LayerError:
        return
    answer = solve_transpose(conv, (2, channels, *spatial))
    assert answer.layer is not None
    assert analyze(answer.layer, forward.output_shape).output_shape == (2, channels, *spatial)
    assert answer.mirrored  # op = the conv's remainder < stride always suffices
    for axis, out in zip(answer.axes, forward.output_shape[2:], strict=True):
        assert axis.kernel == k
        assert axis.forward_output == out
    # output_size: the plain layer's output (output_padding 0, which may be < 1) plus
    # output_padding < stride; never below 1 (ATen's native kernels refuse an output of 0)
    assert answer.plain is not None
    for axis in answer.axes:
        assert axis.output_padding is not None
        plain = axis.input - axis.output_padding
        assert axis.min_output == max(1, plain)
        assert axis.max_output_size == plain + s - 1
        assert axis.max_output == plain + max(s, d) - 1
        assert axis.min_output <= axis.input <= axis.max_output
    if all(axis.input > (axis.output_padding or 0) for axis in answer.axes):
        # (else PyTorch's plain layer alone would refuse, output_size= still works)
        smallest = analyze(answer.plain, forward.output_shape).output_shape[2:]
        assert smallest == tuple(axis.min_output for axis in answer.axes)


@given(
    size=st.integers(1, 60),
    target=st.integers(1, 60),
    family=st.sampled_from(["conv", "maxpool", "avgpool"]),
)
def test_every_searched_layer_gives_the_target_in_rank_order(size, target, family) -> None:
    answer = solve_layer(f"{family}1d", size, target, max_kernel=4, max_dilation=2, limit=20)
    for c in answer.candidates:
        assert analyze(c.spec, (1, size)).output_shape == (1, target)
    ranks = [(c.stride, c.kernel, c.dilation, c.padding) for c in answer.candidates]
    assert ranks == sorted(ranks)
    assert len(set(ranks)) == len(ranks)


def test_layer_search_misses_nothing_in_its_bounds() -> None:
    # brute force over the same bounds: conv padding < the kernel span, strides up to 70
    size, target = 50, 12
    answer = solve_layer("conv1d", size, target, max_kernel=4, max_dilation=2, limit=1000)
    brute = []
    for s in range(1, 70):
        for k in range(1, 5):
            for d in range(1, 3 if k > 1 else 2):
                for p in range(d * (k - 1) + 1):
                    out = analyze(
                        _conv(1, kernel_size=k, stride=s, padding=p, dilation=d), (1, size)
                    )
                    if out.output_shape[-1] == target:
                        brute.append((s, k, d, p))
    assert [(c.stride, c.kernel, c.dilation, c.padding) for c in answer.candidates] == brute


def test_huge_sizes_answer_quickly() -> None:
    answer = solve_inputs(_conv(1, kernel_size=3, stride=1_000_000), 2)
    assert answer.axes[0].count == 1_000_000
    assert len(answer.axes[0].sizes) < 1000
    assert solve_layer("conv1d", 10**12, 7).solved


# --- CLI ------------------------------------------------------------------------------------------

CLI_CASES = [
    # (args, exit code, needle in stdout+stderr)
    (["padding", "conv2d", "-i", "224", "-k", "3", "-s", "2", "-t", "112"], 0, "padding=1"),
    (
        ["padding", "Conv2d", "-i", "1,3,32,32", "-k", "4", "-t", "32"],
        0,
        "nn.ZeroPad2d((1, 2, 1, 2))",
    ),
    (["padding", "maxpool1d", "-i", "10", "-k", "3", "-s", "1", "-t", "14"], 0, "float('-inf')"),
    (
        ["padding", "conv2d", "-i", "224", "-k", "3", "-s", "2", "-t", "50"],
        1,
        "nearest reachable: 111",
    ),
    (["padding", "conv2d", "-i", "1,2,3,4,5", "-k", "3", "-t", "5"], 2, "expected 1 or 2 sizes"),
    (["padding", "adaptiveavgpool2d", "-i", "3", "--output-size", "2"], 1, "has no padding"),
    (["inputs", "conv2d", "-k", "3", "-s", "2", "-p", "1", "-t", "112"], 0, "223"),
    (["inputs", "adaptivemaxpool1d", "-t", "3"], 1, "every input size"),
    (["inputs", "avgpool1d", "-k", "3", "-p", "2", "-t", "3"], 1, "at most 1"),
    (
        ["transpose", "--from", "Conv2d(3, 16, 3, stride=2, padding=1)", "-i", "1,3,57,57"],
        0,
        "ConvTranspose2d(16, 3, kernel_size=3, stride=2, padding=1)",
    ),
    (["transpose", "--from", "__import__('os').system('true')", "-i", "1,3,8"], 1, "expression"),
    (["transpose", "--from", "Conv2d(3, 16, 3)", "-i", "1,4,8,8"], 1, "in_channels"),
    (["layer", "-i", "224", "-t", "56", "--limit", "1"], 0, "kernel_size=1, stride=4"),
    (["layer", "-i", "224", "-t", "56", "--kind", "bogus2d"], 2, "unknown layer kind"),
    (
        ["layer", "-i", "224", "-t", "56", "--max-kernel", "1000"],
        1,
        "max_kernel: must be between 1 and 64",
    ),
    (["layer", "-i", "8", "-t", "30"], 1, "nearest reachable: 14"),
]


@pytest.mark.parametrize(("args", "code", "needle"), CLI_CASES)
def test_cli(cli, args, code, needle) -> None:
    result = cli("solve", *args)
    if code:
        assert_clean_error(result, code, needle)
    else:
        assert result.exit_code == 0, result.output
        assert needle in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["padding", "conv2d", "-i", "224", "-k", "3", "-s", "2", "-t", "112"],
        ["padding", "convtranspose2d", "-i", "28", "-k", "4", "-s", "2", "-t", "56"],
        ["inputs", "maxpool2d", "-k", "2", "-t", "7", "--ceil-mode"],
        ["transpose", "--from", "nn.MaxPool2d(2)", "-i", "1,64,57,57"],
        ["layer", "-i", "64", "-t", "60", "--max-dilation", "3"],
    ],
)
def test_json_answers(cli, args) -> None:
    result = cli("solve", *args, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["solved"] is True
    assert data["question"] == args[0]


def test_json_without_an_answer_exits_1_with_the_nearest(cli) -> None:
    result = cli(
        "solve", "inputs", "convtranspose1d", "-k", "3", "-s", "2", "-p", "1", "-t", "56", "--json"
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["solved"] is False
    assert data["axes"][0]["nearest"] == [{"output": 55, "input": 28}, {"output": 57, "input": 29}]


def test_json_does_not_import_rich() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from convcalc.cli import main\n"
        "try: main(['solve', 'layer', '-i', '224', '-t', '56', '--json'])\n"
        "except SystemExit: pass\n"
        "assert 'rich' not in sys.modules, 'rich imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_every_solve_command_has_help_with_examples(cli) -> None:
    for args in (
        ["padding", "conv2d"],
        ["padding", "convtranspose3d"],
        ["inputs", "maxpool1d"],
        ["transpose"],
        ["layer"],
    ):
        result = cli("solve", *args, "--help")
        assert result.exit_code == 0, result.output
        assert "$ convcalc solve" in result.output


def test_help_examples_run(cli) -> None:
    """Every example in every solve command's help is a real, answered question."""
    import shlex

    from convcalc.commands import solve as commands

    examples = []
    for group in (commands.padding_app, commands.inputs_app, commands.app):
        for info in group.registered_commands:
            examples += [
                line.split("$ ", 1)[1]
                for line in (info.epilog or "").splitlines()
                if "$ convcalc" in line
            ]
    assert len(examples) > 40
    for example in examples:
        result = cli(*shlex.split(example)[1:])
        assert result.exit_code == 0, (example, result.output)


def test_render_width_80() -> None:
    from convcalc.render.solve import padding_report

    console = Console(width=80, file=io.StringIO(), color_system=None)
    console.print(padding_report(solve_padding(_conv(2, kernel_size=3, stride=2), 224, 112)))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "TensorFlow/Keras 'SAME', ONNX SAME_UPPER: pad 0+1 → 112 (the target)" in text
    assert "ONNX SAME_LOWER: pad 1+0 → 112" in text
    assert all(len(line) <= 80 for line in text.splitlines())


# --- real torch -----------------------------------------------------------------------------------

TORCH_CONVS = [
    ("Conv2d(3, 16, 3, stride=2, padding=1)", (1, 3, 57, 57)),
    ("Conv2d(3, 16, 3, stride=2, padding=1)", (1, 3, 56, 56)),
    ("Conv2d(4, 8, (3, 5), stride=(2, 3), padding=(1, 2), dilation=(1, 2))", (2, 4, 31, 40)),
    ("Conv1d(8, 8, 4, padding='same')", (8, 50)),
    ("Conv1d(2, 4, 3, stride=1, dilation=3)", (1, 2, 20)),
    ("Conv3d(2, 2, 3, stride=3, padding=1)", (1, 2, 10, 11, 12)),
    ("MaxPool2d(2)", (1, 64, 57, 57)),
    ("MaxPool2d(3, stride=2, padding=1, ceil_mode=True)", (1, 4, 14, 15)),
    ("AvgPool1d(4, stride=3)", (2, 3, 22)),
    ("Conv1d(1, 5, 1, stride=3, padding=1)", (2, 1, 1)),  # the plain layer alone: size −1
]


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.parametrize(("call", "shape"), TORCH_CONVS)
def test_solved_transpose_inverts_in_real_torch(call, shape) -> None:
    torch = require_torch()
    from convcalc.expressions import parse_call, spec_from_call

    answer = solve_transpose(spec_from_call(parse_call(call)), shape)
    assert answer.layer is not None
    forward = eval("torch.nn." + call, {"torch": torch})  # test-only: our own literal table
    with torch.no_grad():
        y = forward(torch.zeros(shape))
        back = eval("torch.nn." + answer.layer.torch_call(), {"torch": torch})
        assert tuple(back(y).shape) == shape
        if answer.output_size is not None:
            assert answer.plain is not None
            plain = eval("torch.nn." + answer.plain.torch_call(), {"torch": torch})
            assert tuple(plain(y, output_size=list(answer.output_size)).shape) == shape
            # the range PyTorch's output_size accepts, and the first size it refuses
            for axis_index, axis in enumerate(answer.axes):
                sizes = list(answer.output_size)
                sizes[axis_index] = axis.max_output_size
                assert (
                    plain(y, output_size=sizes).shape[-len(sizes) + axis_index] == sizes[axis_index]
                )
                sizes[axis_index] += 1
                with pytest.raises(ValueError, match="valid sizes range"):
                    plain(y, output_size=sizes)


@pytest.mark.torch
def test_constructor_output_padding_reaches_beyond_output_size_in_torch() -> None:
    # dilation 3 > stride 1: output_padding 2 works in the constructor, output_size= cannot
    torch = require_torch()
    spec = make_spec("convtranspose1d", in_channels=1, out_channels=1, kernel_size=3, dilation=3)
    answer = solve_padding(spec, 5, 13)
    assert answer.native is not None
    layer = eval("torch.nn." + answer.native.torch_call(), {"torch": torch})
    assert tuple(layer(torch.zeros(1, 1, 5)).shape) == (1, 1, 13)
    plain = torch.nn.ConvTranspose1d(1, 1, 3, dilation=3)
    with pytest.raises(ValueError, match="valid sizes range"):
        plain(torch.zeros(1, 1, 5), output_size=[13])
    assert not answer.axes[0].options[0].output_size_ok


@pytest.mark.torch
@pytest.mark.parametrize(
    ("kind", "args", "size", "target"),
    [
        ("conv2d", {"kernel_size": 4}, (32, 32), (32, 32)),
        ("conv2d", {"kernel_size": (3, 2), "stride": (2, 1)}, (11, 20), (6, 20)),
        ("conv3d", {"kernel_size": 2}, (5, 6, 7), (5, 6, 7)),
        ("maxpool2d", {"kernel_size": 3, "stride": 1}, (10, 9), (14, 13)),
        ("avgpool1d", {"kernel_size": 4, "stride": 1}, (9,), (9,)),
    ],
)
def test_explicit_pad_recipe_in_real_torch(kind, args, size, target) -> None:
    torch = require_torch()
    import torch.nn.functional as F

    if kind.startswith("conv"):
        args = {"in_channels": 1, "out_channels": 1, **args}
    spec = make_spec(kind, **args)
    answer = solve_padding(spec, size, target)
    assert answer.pads is not None
    assert answer.padded_layer is not None
    x = torch.zeros(1, 1, *size)
    padded = F.pad(x, fpad_flat(answer.pads))
    layer = eval("torch.nn." + answer.padded_layer.torch_call(), {"torch": torch})
    assert tuple(layer(padded).shape[2:]) == target
    # and the named layer: nn.ZeroPad{d}d takes the same tuple
    pad_layer = getattr(torch.nn, f"ZeroPad{spec.dims}d")(fpad_flat(answer.pads))
    assert tuple(layer(pad_layer(x)).shape[2:]) == target


# --- unused input: the trailing elements after the last one any tap reads ------------------------

UNUSED_CASES = [
    # (kind, layer arguments, target per axis) → [(input, unused)] per distinct axis question
    # conv k=1 s=3 p=3: ⌊(L+5)/3⌋ + 1 = 3 ⇔ L ∈ 1..3; taps at padded 0, 3, 6, the input at
    # padded 3 … L+2: only padded 3 (input 0) is read → unused L − 1.  Target 21: L ∈ 55..57,
    # taps at 0, 3, …, 60, the input's last element at padded L+2: read for 55 (57), not 56, 57.
    (
        "conv2d",
        {"in_channels": 1, "out_channels": 1, "kernel_size": 1, "stride": 3, "padding": 3},
        (3, 21),
        [[(1, 0), (2, 1), (3, 2)], [(55, 0), (56, 1), (57, 2)]],
    ),
    # MaxPool k=3 d=3 p=1, stride = kernel = 3: ⌊(L+2−7)/3⌋ + 1; window o taps padded 3o,
    # 3o+3, 3o+6, the input at padded 1 … L.  Target 2: L ∈ 8..10, taps at 0, 3, 6, 9: the last
    # read is padded 6 for L = 8 (unused 8 − 6 = 2), 9 for L = 9 (0) and L = 10 (1).  Target 3:
    # L ∈ 11..13, taps up to 12: 11 → 2 (last read 9), 12 → 0, 13 → 1.
    (
        "maxpool3d",
        {"kernel_size": 3, "padding": 1, "dilation": 3},
        (2, 2, 3),
        [[(8, 2), (9, 0), (10, 1)], [(8, 2), (9, 0), (10, 1)], [(11, 2), (12, 0), (13, 1)]],
    ),
]


@pytest.mark.parametrize(("kind", "args", "target", "expected"), UNUSED_CASES)
def test_inputs_report_unused_as_the_elements_no_tap_reads(kind, args, target, expected) -> None:
    answer = solve_inputs(make_spec(kind, **args), target)
    assert [[(s.input, s.unused) for s in axis.sizes] for axis in answer.axes] == expected


@pytest.mark.parametrize(
    ("args", "rows"),
    [
        (
            ["conv2d", "-t", "3,21", "-k", "1", "-s", "3", "-p", "3"],
            ["2           1", "56          1"],
        ),
        (["maxpool3d", "-t", "2,2,3", "-k", "3", "-p", "1", "-d", "3"], ["8           2"]),
    ],
)
def test_cli_inputs_show_unused(cli, args, rows) -> None:
    result = cli("solve", "inputs", *args)
    assert result.exit_code == 0, result.output
    for row in rows:
        assert row in result.stdout.splitlines()
    assert "after the last one any tap reads" in result.stdout


def _last_read(torch, layer, shape: tuple[int, ...], axis: int) -> int:
    """The last input index along `axis` the layer reads, found by the gradient: ones through a
    conv of ones (every read element gets one), or, for a max pool, an input rising along every
    axis, whose window maxima are each window's last read tap."""
    grids = torch.meshgrid(*(torch.arange(n, dtype=torch.float64) for n in shape), indexing="ij")
    x = sum(grids).reshape(1, 1, *shape).clone().requires_grad_(True)
    layer(x).sum().backward()
    reached = (x.grad[0, 0] != 0).nonzero()[:, axis]
    return int(reached.max())


@pytest.mark.torch
@pytest.mark.parametrize(("kind", "args", "target", "expected"), UNUSED_CASES)
def test_unused_input_in_real_torch(torch, kind, args, target, expected) -> None:
    spec = make_spec(kind, **args)
    layer = eval("torch.nn." + spec.torch_call(), {"torch": torch}).double()
    if kind.startswith("conv"):
        torch.nn.init.ones_(layer.weight)
    answer = solve_inputs(spec, target)
    for i, axis in enumerate(answer.axes):
        for size in axis.sizes:
            shape = [axis2.sizes[0].input for axis2 in answer.axes]
            shape[i] = size.input
            assert layer(torch.zeros(1, 1, *shape, dtype=torch.float64)).shape[2 + i] == target[i]
            assert size.unused == size.input - 1 - _last_read(torch, layer, tuple(shape), i)


# --- transposed ranges never include 0 -----------------------------------------------------------


def test_transposed_range_starts_at_1() -> None:
    # Conv1d(k=2, s=2, p=1) on 1: ⌊(1 + 2 − 2)/2⌋ + 1 = 1.  Mirror padding 1: the plain layer
    # gives (1−1)·2 − 2 + 1 + 1 = 0, output_padding 1 gives 1; output_size= would allow 0 … 1,
    # but ATen's native kernels refuse an output of size 0: only 1 is reachable.
    forward = make_spec("conv1d", in_channels=1, out_channels=1, kernel_size=2, stride=2, padding=1)
    answer = solve_transpose(forward, (1, 1, 1))
    axis = answer.axes[0]
    assert (axis.padding, axis.output_padding) == (1, 1)
    assert (axis.min_output, axis.max_output, axis.max_output_size) == (1, 1, 1)
    data = answer.to_json()["axes"][0]  # type: ignore[index]
    assert data["output_range"] == [1, 1]
    assert data["output_size_range"] == [1, 1]


def test_cli_transposed_range_starts_at_1(cli) -> None:
    result = cli("solve", "transpose", "-f", "Conv1d(1, 1, 2, stride=2, padding=1)", "-i", "1,1,1")
    assert result.exit_code == 0, result.output
    assert "1–1           1–1" in result.stdout
    assert "0–1" not in result.stdout


@pytest.mark.torch
def test_output_size_0_is_refused_by_torchs_native_kernels(torch) -> None:
    # float64 runs ATen's native kernels (oneDNN is float32 only): size 0 is refused there
    layer = torch.nn.ConvTranspose1d(1, 1, 2, stride=2, padding=1).double()
    x = torch.zeros(1, 1, 1, dtype=torch.float64)
    assert layer(x, output_size=[1]).shape[-1] == 1
    with pytest.raises(RuntimeError, match="too small"):
        layer(x, output_size=[0])


# --- counts: every option counted, a capped listing says so ------------------------------------


def test_padding_count_beyond_the_listing() -> None:
    # Conv1d(k=3, s=1000) on 10 → 1: ⌊(10 + P − 3)/1000⌋ + 1 = 1 ⇔ P ≤ 992 (and 10 + P ≥ 3):
    # padding= p = 0 … 496 (497), explicit totals 0 … 991 beyond those: 496 odd ones, two
    # splits each (992): 1,489 options.  Listed: 256 symmetric and the first 256 explicit.
    axis = solve_padding(_conv(1, kernel_size=3, stride=1000), 10, 1).axes[0]
    assert axis.count == 1489
    assert axis.capped
    assert len(axis.options) == 512
    assert sum(o.native for o in axis.options) == 256
    data = solve_padding(_conv(1, kernel_size=3, stride=1000), 10, 1).to_json()
    assert data["axes"][0]["count"] == 1489  # type: ignore[index]
    assert data["axes"][0]["capped"] is True  # type: ignore[index]


def test_cli_says_the_listing_is_capped(cli) -> None:
    result = cli("solve", "padding", "conv1d", "-i", "10", "-k", "3", "-s", "1000", "-t", "1")
    assert result.exit_code == 0, result.output
    assert "… and 1,477 more (--json lists the first 512 of 1,489)" in result.stdout
    result = cli("solve", "inputs", "conv1d", "-k", "1", "-s", "1000000", "-t", "2")
    # ⌊(L − 1)/10⁶⌋ + 1 = 2 ⇔ L ∈ 10⁶+1 … 2·10⁶: a million sizes
    assert "… and 999,988 more (--json lists the first 256 of 1,000,000)" in result.stdout


@given(size=sizes, target=sizes, k=kernels, s=strides, d=dilations)
def test_padding_count_is_the_brute_force_count(size, target, k, s, d) -> None:
    axis = solve_padding(_conv(1, kernel_size=k, stride=s, dilation=d), size, target).axes[0]
    symmetric = set()
    totals = set()
    for p in range(0, target * s + 3 * d * k):
        out = conv_size(size + 2 * p, k, s, d)
        if out == target:
            symmetric.add(p)
        if conv_size(size + p, k, s, d) == target:
            totals.add(p)
    explicit = sum(1 if t % 2 == 0 else 2 for t in totals if t // 2 not in symmetric or t % 2)
    assert axis.count == len(symmetric) + explicit
    assert axis.count == len(axis.options)  # small: all listed


def conv_size(padded: int, k: int, s: int, d: int) -> int | None:
    """PyTorch's conv output on a padded size (None: the window does not fit): docs formula."""
    span = d * (k - 1) + 1
    return (padded - span) // s + 1 if padded >= span else None


@pytest.mark.torch
def test_padding_count_in_real_torch(torch) -> None:
    # every padding torch's Conv1d(k=3, s=1000) takes on 10 and maps to 1, counted as listed
    x = torch.zeros(1, 1, 10)
    native = [p for p in range(600) if torch.nn.Conv1d(1, 1, 3, 1000, p)(x).shape[-1] == 1]
    conv = torch.nn.Conv1d(1, 1, 3, 1000)
    totals = [t for t in range(1100) if conv(torch.zeros(1, 1, 10 + t)).shape[-1] == 1]
    explicit = sum(1 if t % 2 == 0 else 2 for t in totals if t % 2 or t // 2 not in native)
    axis = solve_padding(_conv(1, kernel_size=3, stride=1000), 10, 1).axes[0]
    assert axis.count == len(native) + explicit == 1489
    assert [o.before for o in axis.options if o.native] == native[:256]


# --- padding='same' ------------------------------------------------------------------------------


def test_same_is_offered_where_it_reaches_the_target() -> None:
    # k=4, s=1: 'same' pads 3 = 1 + 2 (PyTorch's split, the extra at the end): the explicit row
    # 1+2 is what it does, and it is the first PyTorch answer
    answer = solve_padding(_conv(2, kernel_size=4), 32, 32)
    assert answer.same_layer is not None
    assert answer.same_layer.padding == "same"
    assert [(o.before, o.after, o.native, o.same) for o in answer.axes[0].options] == [
        (1, 2, False, True),
        (2, 1, False, False),
    ]
    assert answer.pads == ((1, 2), (1, 2))  # the explicit recipe stays
    # k=3: 'same' is padding=1, the same row
    answer = solve_padding(_conv(2, kernel_size=3), 32, 32)
    assert answer.same_layer is not None
    assert [(o.before, o.native, o.same) for o in answer.axes[0].options] == [(1, True, True)]
    # not where the target is not the input, nor with a stride (PyTorch refuses 'same' there)
    assert solve_padding(_conv(2, kernel_size=3), 32, 31).same_layer is None
    assert solve_padding(_conv(2, kernel_size=3, stride=2), 32, 16).same_layer is None
    assert solve_padding(make_spec("maxpool1d", kernel_size=3, stride=1), 9, 9).same_layer is None


def test_cli_offers_same_first(cli) -> None:
    result = cli("solve", "padding", "conv2d", "-i", "1,3,32,32", "-k", "4", "-t", "32")
    lines = result.stdout.splitlines()
    assert "1+2          3  padding='same'" in lines
    assert "PyTorch: Conv2d(in_channels, out_channels, kernel_size=4, padding='same')" in lines
    result = cli("solve", "padding", "conv1d", "-i", "32", "-k", "3", "-t", "32")
    assert "1+1          2  padding=1 or 'same'" in result.stdout.splitlines()


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.parametrize(("k", "d"), [(4, 1), (3, 1), (2, 3), (5, 2)])
def test_same_pads_what_the_marked_row_says_in_torch(torch, k, d) -> None:
    import torch.nn.functional as F

    answer = solve_padding(_conv(1, kernel_size=k, dilation=d), 17, 17)
    assert answer.same_layer is not None
    row = next(o for o in answer.axes[0].options if o.same)
    torch.manual_seed(0)
    same = eval("torch.nn." + answer.same_layer.torch_call(), {"torch": torch}).double()
    x = torch.randn(1, 1, 17, dtype=torch.float64)
    explicit = F.conv1d(F.pad(x, (row.before, row.after)), same.weight, same.bias, dilation=d)
    assert torch.equal(same(x), explicit)


# --- TensorFlow/ONNX 'SAME': the same size is not the same values --------------------------------


def test_tensorflow_same_shifted_windows_are_said_and_matched() -> None:
    # 224, k=3, s=2: TF pads 0+1, PyTorch's padding=1 pads 1+1: window o starts at 2o in TF and
    # at 2o − 1 in PyTorch, one element later in TF; ONNX SAME_LOWER (1+0) starts where PyTorch
    # does, and reads the same elements (the last window ends at 222 either way)
    answer = solve_padding(_conv(2, kernel_size=3, stride=2), 224, 112)
    upper, lower = answer.schemes
    assert (upper.pads, upper.shift, upper.same_values) == (((0, 1), (0, 1)), (1, 1), False)
    assert upper.exact_pads == ((0, 1), (0, 1))
    assert (lower.pads, lower.shift, lower.same_values) == (((1, 0), (1, 0)), (0, 0), True)
    # stride 1: TF's split is PyTorch's 'same'
    assert all(m.same_values for m in solve_padding(_conv(2, kernel_size=4), 32, 32).schemes[:1])


def test_tensorflow_average_pools_leave_the_padding_out() -> None:
    # AvgPool k=3 s=1 on 9 → 9: TF pads 1+1 like padding=1, but divides by the input elements
    # only: PyTorch's count_include_pad=False does that with its own symmetric padding
    answer = solve_padding(make_spec("avgpool1d", kernel_size=3, stride=1), 9, 9)
    upper = answer.schemes[0]
    assert (upper.shift, upper.same_values, upper.exact_pads) == ((0,), False, None)
    assert upper.exact_layer is not None
    assert upper.exact_layer.torch_call() == (
        "AvgPool1d(kernel_size=3, stride=1, padding=1, count_include_pad=False)"
    )
    # k=2 s=1 on 9 → 9: TF pads 0+1, asymmetric: no PyTorch pool averages that way
    upper = solve_padding(make_spec("avgpool1d", kernel_size=2, stride=1), 9, 9).schemes[0]
    assert (upper.same_values, upper.exact_pads, upper.exact_layer) == (False, None, None)


def test_cli_says_tensorflow_computes_other_values(cli) -> None:
    result = cli("solve", "padding", "conv2d", "-i", "224", "-k", "3", "-s", "2", "-t", "112")
    text = " ".join(result.stdout.split())
    assert (
        "TensorFlow/Keras 'SAME', ONNX SAME_UPPER pads 0+1, PyTorch's answer 1+1: the same size, "
        "but its windows start 1 element later, so the values differ." in text
    )
    assert "nn.ZeroPad2d((0, 1, 0, 1)), then Conv2d(in_channels, out_channels, kernel_size=3, " in (
        result.stdout
    )
    assert "ONNX SAME_LOWER pads" not in text  # the same windows: nothing to say


def _tf_same_reference(torch, x, weight, stride: int):
    """TensorFlow's SAME conv, from its documented definition: pad = max((⌈L/s⌉−1)·s + k − L,
    0), split floor before and the rest after, then a VALID (padding-free) cross-correlation,
    written with unfold so no padding rule of torch's is involved."""
    size, k = x.shape[-1], weight.shape[-1]
    out = -(-size // stride)
    pad = max((out - 1) * stride + k - size, 0)
    padded = torch.cat([torch.zeros(pad // 2), x, torch.zeros(pad - pad // 2)])
    return (padded.unfold(0, k, stride) * weight).sum(-1)


@pytest.mark.torch
def test_tensorflow_values_and_the_pytorch_that_matches_them(torch) -> None:
    import torch.nn.functional as F

    answer = solve_padding(_conv(1, kernel_size=3, stride=2), 224, 112)
    upper = answer.schemes[0]
    assert answer.native is not None
    assert upper.exact_pads is not None
    torch.manual_seed(0)
    x = torch.randn(224, dtype=torch.float64)
    weight = torch.randn(3, dtype=torch.float64)
    reference = _tf_same_reference(torch, x, weight, 2)
    w = weight.reshape(1, 1, 3)
    pytorch = F.conv1d(x.reshape(1, 1, -1), w, stride=2, padding=answer.native.padding)[0, 0]
    assert pytorch.shape == reference.shape  # the same size ...
    assert not torch.allclose(pytorch, reference)  # ... other values
    exact = F.conv1d(F.pad(x.reshape(1, 1, -1), fpad_flat(upper.exact_pads)), w, stride=2)[0, 0]
    assert torch.allclose(exact, reference)


@pytest.mark.torch
def test_tensorflow_average_in_torch(torch) -> None:
    # TF's SAME average divides by the input elements in the window
    upper = solve_padding(make_spec("avgpool1d", kernel_size=3, stride=1), 9, 9).schemes[0]
    assert upper.exact_layer is not None
    x = torch.arange(1.0, 10.0, dtype=torch.float64)
    padded = torch.cat([torch.zeros(1), x, torch.zeros(1)])
    count = torch.cat([torch.zeros(1), torch.ones(9), torch.zeros(1)])
    reference = padded.unfold(0, 3, 1).sum(-1) / count.unfold(0, 3, 1).sum(-1)
    layer = eval("torch.nn." + upper.exact_layer.torch_call(), {"torch": torch})
    assert torch.allclose(layer(x.reshape(1, 1, -1))[0, 0], reference)
    default = torch.nn.AvgPool1d(3, 1, 1)(x.reshape(1, 1, -1))[0, 0]
    assert not torch.allclose(default, reference)


# --- one option away: output_padding -------------------------------------------------------------


def test_missing_transposed_size_names_the_output_padding_that_reaches_it() -> None:
    # (L−1)·2 − 2 + 3 = 2L − 1 is odd; output_padding 1 (< stride 2) adds one: 2·28 − 1 + 1 = 56
    spec = make_spec(
        "convtranspose1d", in_channels=1, out_channels=1, kernel_size=3, stride=2, padding=1
    )
    answer = solve_inputs(spec, 56)
    assert not answer.solved
    hint = answer.axes[0].hint
    assert hint is not None
    assert (hint.output_padding, hint.input) == (1, 28)
    assert answer.failure is not None
    assert answer.failure.endswith("; output_padding=1 gives 56 (from input 28)")
    # given output_padding=1, the odd sizes are the ones missed: 55 needs output_padding 0
    odd = spec.model_copy(update={"output_padding": 1})
    hint = solve_inputs(odd, 55).axes[0].hint
    assert hint is not None
    assert (hint.output_padding, hint.input) == (0, 28)
    # convs reach every size: no hint
    assert solve_inputs(_conv(1, kernel_size=3, stride=2), 56).axes[0].hint is None


def test_cli_names_the_flag(cli) -> None:
    args = ["inputs", "convtranspose1d", "-k", "3", "-s", "2", "-p", "1", "-t", "56"]
    result = cli("solve", *args)
    assert_clean_error(result, 1, "; --output-padding 1 gives 56 (from input 28)", one_line=True)
    data = json.loads(cli("solve", *args, "--json").stdout)
    assert data["axes"][0]["output_padding"] == {"output_padding": 1, "input": 28}


@pytest.mark.torch
def test_output_padding_hint_in_torch(torch) -> None:
    layer = torch.nn.ConvTranspose1d(1, 1, 3, stride=2, padding=1, output_padding=1)
    assert layer(torch.zeros(1, 1, 28)).shape[-1] == 56
    plain = torch.nn.ConvTranspose1d(1, 1, 3, stride=2, padding=1)
    assert {plain(torch.zeros(1, 1, n)).shape[-1] for n in range(1, 60)} & {56} == set()


# --- solve layer --kind: exactly the kinds it searches --------------------------------------------

SEARCHED = [f"{family}{d}d" for family in ("conv", "maxpool", "avgpool") for d in (1, 2, 3)]


def test_layer_kinds_offered_are_the_kinds_searched(cli) -> None:
    from convcalc.commands.solve import SEARCHED_KINDS
    from convcalc.kinds import KINDS

    assert list(SEARCHED_KINDS) == SEARCHED
    for kind in KINDS:
        if kind in SEARCHED:
            assert solve_layer(kind, 10, 5).solved
        else:
            with pytest.raises(LayerError, match=r"^kind: "):
                solve_layer(kind, 10, 5)
    result = cli("solve", "layer", "-i", "10", "-t", "5", "--kind", "bogus2d")
    assert_clean_error(result, 2, "solve layer takes " + ", ".join(SEARCHED))
    help_text = " ".join(cli("solve", "layer", "--help").stdout.split())
    assert ", ".join(SEARCHED[:-1]) + " or avgpool3d" in help_text
    assert "Adaptive pools have nothing to search" in help_text
    # PyTorch's spelling works too
    assert cli("solve", "layer", "-i", "10", "-t", "5", "--kind", "nn.MaxPool2d").exit_code == 0


@pytest.mark.parametrize(
    ("kind", "needle"),
    [
        ("adaptiveavgpool1d", "AdaptiveAvgPool1d(5) maps any input to 5"),
        ("AdaptiveMaxPool3d", "gives its output_size for every input size"),
        ("convtranspose2d", "solve_padding finds a ConvTranspose2d's padding and output_padding"),
    ],
)
def test_layer_says_why_a_kind_has_no_answer(cli, kind, needle) -> None:
    result = cli("solve", "layer", "-i", "10", "-t", "5", "--kind", kind)
    assert_clean_error(result, 1, needle, one_line=True)
    assert "convtranspose1d" not in result.stderr


def test_completion_offers_the_searched_kinds() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent.parent / "scripts"))
    import make_completions

    node = next(n for n in make_completions.build_tree() if n.path == "solve layer")
    kind = next(o for o in node.options if "--kind" in o.names)
    assert kind.values == "words " + " ".join(SEARCHED)


# --- solve transpose -i with spatial sizes only --------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "given", "shape"),
    [
        ("Conv2d(3, 8, 3, stride=2)", "28,28", (3, 28, 28)),
        ("Conv2d(3, 8, 3, stride=2)", "28", (3, 28, 28)),
        ("Conv2d(3, 8, 3, stride=2)", "28,20", (3, 28, 20)),
        ("Conv1d(4, 8, 3, stride=2)", "57", (4, 57)),
        ("Conv3d(2, 8, 3, stride=2)", "9", (2, 9, 9, 9)),
        ("Conv3d(2, 8, 3, stride=2)", "9,10,11", (2, 9, 10, 11)),
        ("MaxPool2d(2)", "57,57", (1, 57, 57)),
    ],
)
def test_transpose_reads_spatial_sizes(cli, layer, given, shape) -> None:
    result = cli("solve", "transpose", "-f", layer, "-i", given, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["input_shape"] == list(shape)
    assert data["assumed"].startswith("input read as spatial sizes ")
    text = cli("solve", "transpose", "-f", layer, "-i", given).stdout
    assert text.count("note: input read as spatial sizes") == 1
    # a full shape is PyTorch's own reading: nothing assumed
    full = cli("solve", "transpose", "-f", layer, "-i", ",".join(map(str, shape)), "--json")
    assert "assumed" not in json.loads(full.stdout)


def test_transpose_refuses_other_counts_naming_both_forms(cli) -> None:
    result = cli("solve", "transpose", "-f", "Conv3d(2, 8, 3)", "-i", "9,9")
    assert_clean_error(result, 2, "one size for every axis (9), one per axis (D, H, W)")


@pytest.mark.torch
@pytest.mark.parametrize(
    ("layer", "given"), [("Conv2d(3, 8, 3, stride=2)", "28,28"), ("MaxPool2d(2)", "57")]
)
def test_spatial_transpose_in_torch(cli, torch, layer, given) -> None:
    data = json.loads(cli("solve", "transpose", "-f", layer, "-i", given, "--json").stdout)
    shape = tuple(data["input_shape"])
    forward = eval("torch.nn." + layer, {"torch": torch})
    back = eval("torch.nn." + data["layer"], {"torch": torch})
    with torch.no_grad():
        assert tuple(back(forward(torch.zeros(shape))).shape) == shape


def _brute_layers(family: str, size: int, max_kernel: int, max_dilation: int):
    """Every (stride, kernel, dilation, padding, output) of the search space on `size`, strides
    up to where every output is 1, from PyTorch's documented floor formula."""
    found = []
    top = size + 2 * max_dilation * max_kernel + 3  # beyond: every output is 1
    for k in range(1, max_kernel + 1):
        for d in range(1, (1 if k == 1 or family == "avgpool" else max_dilation) + 1):
            span = d * (k - 1) + 1
            pmax = span - 1 if family == "conv" else k // 2
            for p in range(pmax + 1):
                for s in range(1, top):
                    if size + 2 * p >= span:
                        found.append((s, k, d, p, (size + 2 * p - span) // s + 1))
    return found


@settings(max_examples=60)
@given(
    size=st.integers(1, 30),
    target=st.integers(1, 40),
    family=st.sampled_from(["conv", "maxpool", "avgpool"]),
    max_kernel=st.integers(1, 4),
    max_dilation=st.integers(1, 3),
)
def test_layer_search_and_nearest_are_the_brute_force_ones(
    size, target, family, max_kernel, max_dilation
) -> None:
    answer = solve_layer(
        f"{family}1d", size, target, max_kernel=max_kernel, max_dilation=max_dilation, limit=1000
    )
    brute = _brute_layers(family, size, max_kernel, max_dilation)
    hits = sorted((s, k, d, p) for s, k, d, p, out in brute if out == target)
    found = [(c.stride, c.kernel, c.dilation, c.padding) for c in answer.candidates]
    # (target 1 has every larger stride too: compare up to the brute force's last stride)
    top = size + 2 * max_dilation * max_kernel + 2
    assert [f for f in found if f[0] <= top] == [h for h in hits if h[0] <= top][: len(found)]
    assert answer.solved == bool(hits)
    if not hits:
        outputs = {out for *_, out in brute}
        below = [v for v in outputs if v < target]
        above = [v for v in outputs if v > target]
        expected = ((max(below),) if below else ()) + ((min(above),) if above else ())
        assert answer.nearest == expected


@given(size=sizes, target=sizes, k=kernels, s=strides, d=dilations, ceil=st.booleans())
def test_maxpool_padding_count_is_the_brute_force_count(size, target, k, s, d, ceil) -> None:
    spec = make_spec("maxpool1d", kernel_size=k, stride=s, dilation=d, ceil_mode=ceil)
    axis = solve_padding(spec, size, target).axes[0]

    def output(padding: int, padded: int) -> int | None:
        try:
            return analyze(spec.model_copy(update={"padding": padding}), (1, padded)).axes[0].output
        except LayerError:
            return None

    native = {p for p in range(k // 2 + 1) if output(p, size) == target}
    totals = {t for t in range(target * s + 3 * d * k) if output(0, size + t) == target}
    explicit = sum(1 if t % 2 == 0 else 2 for t in totals if t % 2 or t // 2 not in native)
    assert axis.count == len(native) + explicit == len(axis.options)


@given(
    size=st.integers(1, 40),
    k=st.integers(1, 6),
    s=strides,
    d=dilations,
    p=st.integers(-6, 6),
    same=st.booleans(),
)
def test_transposed_mirror_takes_the_nearest_kernel_that_can(size, k, s, d, p, same) -> None:
    # cropping (negative, replicate) and 'same' forward layers: the mirror's kernel is the one
    # nearest the forward kernel (then the smaller) for which some padding ≥ 0 and
    # output_padding < max(s, d) give the input back, by brute force over kernels
    args: dict = {"kernel_size": k, "stride": s, "dilation": d}
    if same:
        args.update(padding="same", stride=1)
    else:
        args.update(padding=p, padding_mode="replicate")
    try:
        conv = make_spec("conv1d", in_channels=1, out_channels=1, **args)
        forward = analyze(conv, (1, size))
    except (LayerError, ValueError):
        return
    stride = args["stride"]
    out = forward.output_shape[-1]

    def feasible(kernel: int) -> bool:
        full = (out - 1) * stride + d * (kernel - 1) + 1
        return any(
            (full + op - size) % 2 == 0 and full + op >= size for op in range(max(stride, d))
        )

    nearest = min(
        (kk for kk in range(1, 4 * size + 40) if feasible(kk)), key=lambda kk: (abs(kk - k), kk)
    )
    answer = solve_transpose(conv, (1, size))
    assert answer.layer is not None
    assert answer.axes[0].kernel == nearest
    assert analyze(answer.layer, forward.output_shape).output_shape == (1, size)


# --- every listed answer of a handful of questions, built in real torch ---------------------------

TORCH_QUESTIONS = [
    # (kind, layer arguments, input, target)
    ("conv1d", {"kernel_size": 3, "stride": 7}, 10, 3),
    ("conv1d", {"kernel_size": 4, "dilation": 3}, 20, 20),
    ("maxpool1d", {"kernel_size": 3, "stride": 2, "ceil_mode": True}, 10, 6),
    ("avgpool1d", {"kernel_size": 5, "stride": 3}, 17, 7),
    ("convtranspose1d", {"kernel_size": 3, "stride": 4, "dilation": 2}, 6, 22),
]


def _torch_layer(torch, spec):
    return eval("torch.nn." + spec.torch_call(), {"torch": torch}).double()


@pytest.mark.torch
@pytest.mark.parametrize(("kind", "args", "size", "target"), TORCH_QUESTIONS)
def test_every_listed_padding_in_torch(torch, kind, args, size, target) -> None:
    import torch.nn.functional as F

    if kind.startswith("conv"):
        args = {"in_channels": 1, "out_channels": 1, **args}
    spec = make_spec(kind, **args)
    x = torch.zeros(1, 1, size, dtype=torch.float64)
    answer = solve_padding(spec, size, target)
    assert answer.axes[0].options
    for o in answer.axes[0].options:
        if o.native:
            change = {"padding": o.before}
            if kind.startswith("convtranspose"):
                change["output_padding"] = o.output_padding
            layer = _torch_layer(torch, spec.model_copy(update=change))
            assert layer(x).shape[-1] == target, o
        else:
            padded = F.pad(x, (o.before, o.after))
            assert _torch_layer(torch, answer.spec)(padded).shape[-1] == target, o


@pytest.mark.torch
@pytest.mark.parametrize(("kind", "args", "size", "target"), TORCH_QUESTIONS)
def test_every_listed_input_in_torch(torch, kind, args, size, target) -> None:
    del size
    if kind.startswith("conv"):
        args = {"in_channels": 1, "out_channels": 1, **args}
    spec = make_spec(kind, **args)
    layer = _torch_layer(torch, spec)
    answer = solve_inputs(spec, target)
    listed = [s.input for s in answer.axes[0].sizes]
    for n in listed:
        assert layer(torch.zeros(1, 1, n, dtype=torch.float64)).shape[-1] == target
    # and the sizes around the run give other outputs (or are refused)
    assert not answer.axes[0].capped
    for n in (listed[0] - 1, listed[-1] + 1) if listed else ():
        if n >= 1:
            try:
                got = layer(torch.zeros(1, 1, n, dtype=torch.float64)).shape[-1]
            except RuntimeError:
                continue
            assert got != target


@pytest.mark.torch
@pytest.mark.parametrize(
    ("kind", "size", "target"),
    [("conv1d", 224, 56), ("maxpool1d", 50, 12), ("avgpool1d", 31, 9), ("conv1d", 8, 14)],
)
def test_every_searched_layer_in_torch(torch, kind, size, target) -> None:
    answer = solve_layer(kind, size, target, max_kernel=5, max_dilation=2, limit=200)
    assert answer.candidates
    x = torch.zeros(1, 1, size, dtype=torch.float64)
    for c in answer.candidates:
        assert _torch_layer(torch, c.spec)(x).shape[-1] == target, c.spec.torch_call()


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.parametrize(
    ("call", "shape"),
    [
        ("Conv1d(1, 1, 3, padding=-100, padding_mode='replicate')", (1, 1, 300)),
        ("Conv1d(2, 2, 10, padding='same')", (2, 56)),
        ("Conv1d(1, 1, 2, stride=2, padding=1)", (1, 1, 1)),
        ("Conv1d(1, 5, 1, stride=3, padding=1)", (2, 1, 1)),
        ("Conv2d(1, 1, 3, stride=4, dilation=2, padding=3)", (1, 1, 5, 2)),
    ],
)
def test_transposed_range_ends_in_torch(torch, call, shape) -> None:
    """The mirror's kernel, and both ends of what output_size= takes, in float64 (ATen's
    native kernels): the smallest listed size works, one less is refused."""
    from convcalc.expressions import parse_call, spec_from_call

    answer = solve_transpose(spec_from_call(parse_call(call)), shape)
    assert answer.layer is not None
    assert answer.plain is not None
    forward = eval("torch.nn." + call, {"torch": torch}).double()
    with torch.no_grad():
        y = forward(torch.zeros(shape, dtype=torch.float64))
        back = _torch_layer(torch, answer.layer)
        assert tuple(back(y).shape) == shape
        if answer.output_size is None:
            return
        plain = _torch_layer(torch, answer.plain)
        for i, axis in enumerate(answer.axes):
            sizes = list(answer.output_size)
            sizes[i] = axis.min_output
            assert plain(y, output_size=sizes).shape[len(shape) - len(sizes) + i] == axis.min_output
            sizes[i] = axis.min_output - 1
            with pytest.raises((ValueError, RuntimeError)):
                plain(y, output_size=sizes)
