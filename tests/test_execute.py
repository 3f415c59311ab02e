"""convcalc.execute.run_layer: seed answers, exactness, shapes, and torch as the oracle.

Expected values come from hand calculations written next to them (the worked examples of
the notes this project grew from, with the sums spelled out; where a note was wrong the row
follows torch, e.g. ConvTranspose2d's padding=0 gives the 3×3 [[0,4,1],[8,16,6],[4,12,9]]),
from the pure-Python references below (direct sums over the definitions, Python ints, no
numpy arithmetic), or from real torch (require_torch).
"""

from __future__ import annotations

import math
import random
import warnings
from fractions import Fraction
from itertools import product
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import layer_cases

from convcalc import ConvcalcError, InputError, LayerError, analyze, make_spec
from convcalc.execute import SlowPathWarning, run_layer
from convcalc.kinds import FAMILY_PREFIX

# --- worked examples: conv and transposed conv, then pooling, each sum written out --------

SEEDS = [
    # 000 "Convolution 1D": [1+4+9, 2+6+12]
    ("conv1d", {}, [[1, 2, 3, 4]], [[[1, 2, 3]]], [[14, 20]]),
    # 000 "pad = 1": [0+2+6, 1+4+9, 2+6+12, 3+8+0]
    ("conv1d", {"padding": 1}, [[1, 2, 3, 4]], [[[1, 2, 3]]], [[8, 14, 20, 11]]),
    # 000 "dilation = 2": [1 + 6 + 15]
    ("conv1d", {"dilation": 2}, [[1, 2, 3, 4, 5]], [[[1, 2, 3]]], [[22]]),
    # 000 "stride = 2": [1+4+9, 3+8+15]
    ("conv1d", {"stride": 2}, [[1, 2, 3, 4, 5]], [[[1, 2, 3]]], [[14, 26]]),
    # 000 "Convolution 2D (pad = 1)": a 1×3 kernel on a 1×4 input, padded on all sides
    (
        "conv2d",
        {"padding": 1},
        [[[1, 2, 3, 4]]],
        [[[[1, 2, 3]]]],
        [[[0, 0, 0, 0], [8, 14, 20, 11], [0, 0, 0, 0]]],
    ),
    # 000 "Transposed Convolution 1D": [0+1, 2+2, 4+3, 6+0]
    ("convtranspose1d", {}, [[1, 2, 3]], [[[1, 2]]], [[1, 4, 7, 6]]),
    # 000 "(padding=1)": [0+2+2, 0+4+3]
    ("convtranspose1d", {"padding": 1}, [[1, 2, 3]], [[[1, 2]]], [[4, 7]]),
    # 000 "Transposed Convolution 2D", padding 0 (errata: the 3×3 sum belongs here)
    (
        "convtranspose2d",
        {},
        [[[0, 1], [2, 3]]],
        [[[[4, 1], [2, 3]]]],
        [[[0, 4, 1], [8, 16, 6], [4, 12, 9]]],
    ),
    # 000 "Transposed Convolution 2D (padding=1)" (errata: [[16]], the centre of the above)
    ("convtranspose2d", {"padding": 1}, [[[0, 1], [2, 3]]], [[[[4, 1], [2, 3]]]], [[[16]]]),
]

POOL_INPUT = [[[1, 0, 3, 5], [3, 4, 2, 2], [1, 3, 3, 9], [5, 7, 8, 4]]]


@pytest.mark.parametrize(("kind", "args", "x", "w", "expected"), SEEDS)
def test_seed_convolutions(kind: str, args: dict[str, Any], x: Any, w: Any, expected: Any) -> None:
    weight = np.array(w)
    if kind.startswith("convtranspose"):  # (C_in, C_out/G, *k)
        in_channels, out_channels = weight.shape[:2]
    else:  # (C_out, C_in/G, *k)
        out_channels, in_channels = weight.shape[:2]
    spec = make_spec(
        kind,
        in_channels=in_channels,
        out_channels=out_channels,
        kernel_size=weight.shape[2:],
        bias=False,
        **args,
    )
    y = run_layer(spec, x, weight)
    assert y.dtype == np.int64
    assert y.tolist() == expected


def test_seed_pooling() -> None:
    # 001: max pooling with stride 2 → [[4, 5], [7, 9]]; mean pooling → [[2, 3], [4, 6]]
    y = run_layer(make_spec("maxpool2d", kernel_size=2, stride=2), POOL_INPUT)
    assert y.dtype == np.int64
    assert y.tolist() == [[[4, 5], [7, 9]]]
    mean = run_layer(make_spec("avgpool2d", kernel_size=2, stride=2), POOL_INPUT)
    assert mean.dtype == object
    assert mean.tolist() == [[[Fraction(2), Fraction(3)], [Fraction(4), Fraction(6)]]]


# --- hand-checked details -----------------------------------------------------------------------

KNOWN = [
    # reflect pads [1,2,3] to [2,1,2,3,2]; kernel [1,1,1]: [5, 6, 7]
    ("conv1d", {"padding": 1, "padding_mode": "reflect"}, [[1, 2, 3]], [[[1, 1, 1]]], [[5, 6, 7]]),
    # replicate: [1,1,2,3,3] → [4, 6, 8]
    (
        "conv1d",
        {"padding": 1, "padding_mode": "replicate"},
        [[1, 2, 3]],
        [[[1, 1, 1]]],
        [[4, 6, 8]],
    ),
    # circular: [3,1,2,3,1] → [6, 6, 6]
    ("conv1d", {"padding": 1, "padding_mode": "circular"}, [[1, 2, 3]], [[[1, 1, 1]]], [[6, 6, 6]]),
    # negative padding with a non-zeros mode crops: [2,3,4] with kernel [1] → [2, 3, 4]
    (
        "conv1d",
        {"padding": -1, "padding_mode": "circular"},
        [[1, 2, 3, 4, 5]],
        [[[1]]],
        [[2, 3, 4]],
    ),
    # 'same' with an even kernel pads 1 in all, the odd element at the end: [1,2,3,4,0]
    # with kernel [1,10] → [1+20, 2+30, 3+40, 4+0]
    ("conv1d", {"padding": "same"}, [[1, 2, 3, 4]], [[[1, 10]]], [[21, 32, 43, 4]]),
    # stride 2 transposed: copies of [1,2] at 0, 2, 4 → [1, 2, 2, 4, 3, 6]
    ("convtranspose1d", {"stride": 2}, [[1, 2, 3]], [[[1, 2]]], [[1, 2, 2, 4, 3, 6]]),
    # stride 3 > kernel span 2: a gap that receives nothing, then output_padding 1
    (
        "convtranspose1d",
        {"stride": 3, "output_padding": 1},
        [[1, 2]],
        [[[1, 2]]],
        [[1, 2, 0, 2, 4, 0]],
    ),
    # dilation 2: copies of [1,_,2] at 0 and 1 → [1, 2, 2, 4]
    ("convtranspose1d", {"dilation": 2}, [[1, 2]], [[[1, 2]]], [[1, 2, 2, 4]]),
]


@pytest.mark.parametrize(("kind", "args", "x", "w", "expected"), KNOWN)
def test_known_answers(kind: str, args: dict[str, Any], x: Any, w: Any, expected: Any) -> None:
    weight = np.array(w)
    spec = make_spec(
        kind, in_channels=1, out_channels=1, kernel_size=weight.shape[2:], bias=False, **args
    )
    assert run_layer(spec, x, weight).tolist() == expected


def test_bias_groups_and_batches() -> None:
    # groups=2, 2 in and 2 out channels: each output sees only its own channel
    spec = make_spec("conv1d", in_channels=2, out_channels=2, kernel_size=2, groups=2)
    x = [[[1, 2, 3], [10, 20, 30]], [[0, 0, 1], [1, 0, 0]]]
    w = [[[1, 1]], [[2, -1]]]
    y = run_layer(spec, x, w, [100, -100])
    # batch 0: [1+2, 2+3] + 100 and [20−20, 40−30] − 100; batch 1: [0, 1] + 100, [2, 0] − 100
    assert y.tolist() == [[[103, 105], [-100, -90]], [[100, 101], [-98, -100]]]


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_many_column_chunks_give_the_one_chunk_answer(data: st.DataObject) -> None:
    """Small arrays fit one column-buffer chunk; a tiny budget forces one chunk per 64
    positions (stride 1) or one block per output row (strided), so the chunk offsets are
    checked: against the one-chunk run in 2-D/3-D, against the direct sums in 1-D."""
    from convcalc.execute import convolution

    dims = data.draw(st.sampled_from([1, 2, 3]))
    transposed = data.draw(st.booleans())
    groups, n = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))
    cg, mg = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))
    k, s, d = (data.draw(st.integers(1, hi)) for hi in (3, 3, 2))
    p = data.draw(st.integers(0, 1))
    top = {1: 150, 2: 20, 3: 9}[dims]
    size = [data.draw(st.integers((k - 1) * d + 1, top)) for _ in range(dims)]
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-50, 50, (n, groups * cg, *size))
    options = dict(
        in_channels=groups * cg,
        out_channels=groups * mg,
        kernel_size=k,
        stride=s,
        padding=p,
        dilation=d,
        groups=groups,
    )
    if transposed:
        extra = data.draw(st.integers(0, max(s, d) - 1))
        spec = make_spec(f"convtranspose{dims}d", **options, output_padding=extra)
        w = rng.integers(-9, 9, (groups * cg, mg, *[k] * dims))
    else:
        spec = make_spec(f"conv{dims}d", **options)
        w = rng.integers(-9, 9, (groups * mg, cg, *[k] * dims))
    b = rng.integers(-99, 99, groups * mg) if data.draw(st.booleans()) else None
    try:
        whole = run_layer(spec, x, w, b)
    except LayerError:
        assume(False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(convolution, "_COLUMN_BUDGET", 1)
        chunked = run_layer(spec, x, w, b)
    assert chunked.tolist() == whole.tolist()
    if dims == 1:
        bl = None if b is None else b.tolist()
        if transposed:
            expected = reference_conv_transpose(x.tolist(), w.tolist(), bl, s, p, d, groups, extra)
        else:
            expected = reference_conv(x.tolist(), w.tolist(), bl, s, p, d, groups)
        assert chunked.tolist() == expected


def test_avg_pool_divisors() -> None:
    x = [[1, 2, 3, 4, 5]]
    # kernel 2 (stride 2), padding 1, ceil_mode: windows [pad,1] [2,3] [4,5]; a fourth would
    # start at 6 ≥ 5 + 1, in the right padding, and is dropped.  Divisors count the padding:
    # 1/2, 5/2, 9/2
    spec = make_spec("avgpool1d", kernel_size=2, padding=1, ceil_mode=True)
    assert run_layer(spec, x).tolist() == [[Fraction(1, 2), Fraction(5, 2), Fraction(9, 2)]]
    spec = make_spec("avgpool1d", kernel_size=2, padding=1, count_include_pad=False)
    assert run_layer(spec, x).tolist() == [[Fraction(1), Fraction(5, 2), Fraction(9, 2)]]
    # kernel 3 stride 2 ceil_mode on 4: windows [1,2,3] and [3,4,overhang]; the overhang
    # beyond the input never counts: 6/3 and 7/2
    spec = make_spec("avgpool1d", kernel_size=3, stride=2, ceil_mode=True)
    assert run_layer(spec, [[1, 2, 3, 4]]).tolist() == [[Fraction(2), Fraction(7, 2)]]
    # divisor_override replaces the count: (1+2+3+4)/3
    spec = make_spec("avgpool2d", kernel_size=2, divisor_override=3)
    assert run_layer(spec, [[[1, 2], [3, 4]]]).tolist() == [[[Fraction(10, 3)]]]


def test_adaptive_windows() -> None:
    # L=5 → 3: windows [0,2) [1,4) [3,5): means 3/2, 3, 9/2 of [1,2,3,4,5]; max 2, 4, 5
    x = [[1, 2, 3, 4, 5]]
    avg = run_layer(make_spec("adaptiveavgpool1d", output_size=3), x)
    assert avg.tolist() == [[Fraction(3, 2), Fraction(3), Fraction(9, 2)]]
    assert run_layer(make_spec("adaptivemaxpool1d", output_size=3), x).tolist() == [[2, 4, 5]]
    # L=2 → 5: windows [0,1) [0,1) [0,2) [1,2) [1,2)
    y = run_layer(make_spec("adaptiveavgpool1d", output_size=5), [[2, 5]])
    assert y.tolist() == [[2, 2, Fraction(7, 2), 5, 5]]


def test_max_pool_window_wholly_in_padding_is_what_torch_gives() -> None:
    # kernel 2 dilated by 2 with padding 1 on a 1-element input reads indices −1 and 1, both
    # padding: torch's float max is -inf, its int64 max is INT64_MIN (checked in torch 2.13)
    spec = make_spec("maxpool1d", kernel_size=2, padding=1, dilation=2)
    assert run_layer(spec, [[7]]).tolist() == [[-(2**63)]]
    assert run_layer(spec, [[7.0]]).tolist() == [[-math.inf]]


def test_unbatched_equals_batch_of_one_and_bools_count_as_integers() -> None:
    spec = make_spec("conv2d", in_channels=2, out_channels=3, kernel_size=2, padding=1)
    rng = np.random.default_rng(1)
    x = rng.integers(0, 2, (2, 4, 5)).astype(bool)
    w = rng.integers(-3, 4, (3, 2, 2, 2))
    single = run_layer(spec, x, w)
    assert single.dtype == np.int64
    assert single.shape == (3, 5, 6)
    assert (single == run_layer(spec, x[None].astype(np.int64), w)[0]).all()


def test_float_inputs_compute_in_float64() -> None:
    spec = make_spec("conv1d", in_channels=1, out_channels=1, kernel_size=2)
    y = run_layer(spec, np.array([[0.5, 0.25, 1.0]], dtype=np.float32), [[[2, 1]]])
    assert y.dtype == np.float64
    assert y.tolist() == [[1.25, 1.5]]


# --- refusals ------------------------------------------------------------------------------------

CONV = dict(in_channels=2, out_channels=4, kernel_size=3)

REFUSALS = [
    ("conv1d", CONV, np.zeros((2, 5)), None, None, InputError, "needs a weight of shape"),
    ("conv1d", CONV, np.zeros((2, 5)), np.zeros((4, 2, 2)), None, InputError, "(4, 2, 3)"),
    ("conv1d", CONV, np.zeros((2, 5)), np.zeros((4, 2, 3)), np.zeros(3), InputError, "(4,)"),
    (
        "conv1d",
        {**CONV, "bias": False},
        np.zeros((2, 5)),
        np.zeros((4, 2, 3)),
        np.zeros(4),
        InputError,
        "bias=False",
    ),
    ("conv1d", CONV, np.zeros((3, 5)), np.zeros((4, 2, 3)), None, LayerError, "in_channels"),
    ("conv1d", CONV, np.zeros((2, 2)), np.zeros((4, 2, 3)), None, LayerError, "kernel_size"),
    ("maxpool1d", {"kernel_size": 2}, np.zeros((1, 4)), np.zeros(2), None, InputError, "weight"),
    ("maxpool1d", {"kernel_size": 2}, np.array([["a", "b"]]), None, None, InputError, "input"),
    ("maxpool1d", {"kernel_size": 2}, np.ones((1, 2), complex), None, None, InputError, "dtype"),
    # a float anywhere makes everything float64, which cannot hold 10**400
    ("maxpool1d", {"kernel_size": 1}, [[10**400, 0.5]], None, None, InputError, "float64"),
]


@pytest.mark.parametrize(("kind", "args", "x", "w", "b", "error", "text"), REFUSALS)
def test_refusals(
    kind: str, args: dict[str, Any], x: Any, w: Any, b: Any, error: type, text: str
) -> None:
    with pytest.raises(error, match=None) as info:
        run_layer(make_spec(kind, **args), x, w, b)
    message = str(info.value)
    assert text in message
    assert "\n" not in message


# --- exactness beyond float64 and int64 ---------------------------------------------------------


def reference_conv(
    x: Any, w: Any, b: Any, stride: int, padding: int, dilation: int, groups: int
) -> list[Any]:
    """Direct definition on (N, C, L) nested lists of Python ints, zero padding."""
    cout, cg, k = len(w), len(w[0]), len(w[0][0])
    mg = cout // groups
    size = len(x[0][0])
    out = (size + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    result = []
    for sample in x:
        channels = []
        for oc in range(cout):
            g = oc // mg
            row = []
            for o in range(out):
                total = b[oc] if b is not None else 0
                for ic, t in product(range(cg), range(k)):
                    i = o * stride + t * dilation - padding
                    if 0 <= i < size:
                        total += sample[g * cg + ic][i] * w[oc][ic][t]
                row.append(total)
            channels.append(row)
        result.append(channels)
    return result


def reference_conv_transpose(
    x: Any, w: Any, b: Any, stride: int, padding: int, dilation: int, groups: int, extra: int
) -> list[Any]:
    """Scatter definition: input i and tap t add x·w at output i·s + t·d − p."""
    cin, mg, k = len(w), len(w[0]), len(w[0][0])
    cg = cin // groups
    size = len(x[0][0])
    out = (size - 1) * stride - 2 * padding + dilation * (k - 1) + extra + 1
    result = []
    for sample in x:
        y = [[b[oc] if b is not None else 0 for _ in range(out)] for oc in range(mg * groups)]
        for ic, i, ocl, t in product(range(cin), range(size), range(mg), range(k)):
            o = i * stride + t * dilation - padding
            if 0 <= o < out:
                y[(ic // cg) * mg + ocl][o] += sample[ic][i] * w[ic][ocl][t]
        result.append(y)
    return result


def _big(rng: random.Random, shape: tuple[int, ...], bits: int) -> Any:
    """Nested lists of Python ints in (−2^bits, 2^bits)."""
    flat = [rng.randrange(1 - 2**bits, 2**bits) for _ in range(math.prod(shape))]
    return np.array(flat, dtype=object).reshape(shape).tolist()


EXACT_CASES = [
    # (x bits, w bits, kernel, in channels): bounds below 2⁵³, between 2⁵³ and 2⁶³, beyond
    (20, 20, 5, 3),  # ~2⁴⁴: plain float64 BLAS
    (30, 25, 7, 4),  # ~2⁶⁰: float64 limbs recombined in int64
    (31, 31, 9, 4),  # ~2⁶⁷: beyond int64, Python ints
    (61, 2, 3, 2),  # x near int64's limit, small weights
    (70, 10, 3, 2),  # x beyond int64 (object input)
    (5, 60, 4, 2),  # huge weights: both sides split into limbs
    (100, 100, 3, 3),  # both beyond int64
]


@pytest.mark.parametrize(("x_bits", "w_bits", "k", "cin"), EXACT_CASES)
@pytest.mark.parametrize("transposed", [False, True])
def test_exact_near_and_beyond_float64_and_int64(
    x_bits: int, w_bits: int, k: int, cin: int, transposed: bool
) -> None:
    rng = random.Random(x_bits * 1000 + w_bits)
    groups, cout, size = (1, 3, 19) if cin % 2 else (2, 4, 19)
    x = _big(rng, (2, cin, size), x_bits)
    b = _big(rng, (cout,), x_bits + w_bits)
    if transposed:
        w = _big(rng, (cin, cout // groups, k), w_bits)
        spec = make_spec(
            "convtranspose1d",
            in_channels=cin,
            out_channels=cout,
            kernel_size=k,
            stride=2,
            padding=1,
            dilation=2,
            output_padding=1,
            groups=groups,
        )
        expected = reference_conv_transpose(x, w, b, 2, 1, 2, groups, 1)
    else:
        w = _big(rng, (cout, cin // groups, k), w_bits)
        spec = make_spec(
            "conv1d",
            in_channels=cin,
            out_channels=cout,
            kernel_size=k,
            stride=2,
            padding=2,
            dilation=2,
            groups=groups,
        )
        expected = reference_conv(x, w, b, 2, 2, 2, groups)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = run_layer(spec, x, w, b)
    assert y.tolist() == expected
    # at most 18 taps per output (< 2⁵) and a bias below 2^(x+w): all sums < 2^(x+w+6)
    if x_bits + w_bits + 6 < 63:
        assert y.dtype == np.int64
        assert not caught
    else:
        # the largest |x| times some output channel's Σ|w| reaches 2⁶³: Python ints
        assert y.dtype == object
        assert [w.category for w in caught] == [SlowPathWarning]
    largest = max(abs(v) for v in np.array(expected, dtype=object).ravel())
    assert largest >= 2**40  # every case is far beyond float32 and most beyond float64


def test_int64_result_just_below_two_to_the_63() -> None:
    # weights [1, 1] on 2⁶² − 1 and 2⁶² − 3: the bound 2·(2⁶² − 1) < 2⁶³ allows int64
    spec = make_spec("conv1d", in_channels=1, out_channels=1, kernel_size=2, bias=False)
    y = run_layer(spec, [[2**62 - 1, 2**62 - 3]], [[[1, 1]]])
    assert y.dtype == np.int64
    assert y.tolist() == [[2**63 - 4]]
    # one more and int64 would wrap: convcalc returns Python ints instead
    with pytest.warns(SlowPathWarning):
        y = run_layer(spec, [[2**62, 2**62]], [[[1, 1]]])
    assert y.dtype == object
    assert y.tolist() == [[2**63]]


@pytest.mark.parametrize("m", [2**22 - 1, 2**22, 2**22 + 1, 2**51 - 1, 2**51, 2**51 + 1])
def test_fast_path_thresholds_are_exact(m: int) -> None:
    # all-ones weights over 4 taps and max|x| = m: the bound 4m sits just below, at and just
    # above float32's 2²⁴ and float64's 2⁵³; odd sums such as 4m − 1 show any rounding
    spec = make_spec("conv1d", in_channels=1, out_channels=1, kernel_size=4, bias=False)
    x = [[m, m, m, m - 1, -m, 1 - m, -m, -m, 3]]
    ones = [[[1, 1, 1, 1]]]
    expected = reference_conv([x], ones, None, 1, 0, 1, 1)[0]
    assert expected[0][:2] == [4 * m - 1, 2 * m - 1]
    y = run_layer(spec, x, ones)
    assert y.dtype == np.int64
    assert y.tolist() == expected


def test_huge_avg_pool_and_max_pool_stay_exact() -> None:
    x = [[2**80 + 1, 2**80 + 2, -(2**90)]]
    assert run_layer(make_spec("maxpool1d", kernel_size=2, stride=1), x).tolist() == [
        [2**80 + 2, 2**80 + 2]
    ]
    y = run_layer(make_spec("avgpool1d", kernel_size=2, stride=1), x)
    assert y.tolist() == [[Fraction(2**81 + 3, 2), Fraction(2**80 + 2 - 2**90, 2)]]
    # int64 inputs whose window sums overflow int64
    big = [[2**62, 2**62, 2**62]]
    y = run_layer(make_spec("adaptiveavgpool1d", output_size=1), big)
    assert y.tolist() == [[Fraction(2**62)]]
    y = run_layer(make_spec("avgpool1d", kernel_size=3), big)
    assert y.tolist() == [[Fraction(2**62)]]


# --- a pure-Python reference for avg pools (exact Fractions, tiny cases) ------------------------


def reference_avg_pool_1d(
    x: list[int], k: int, s: int, p: int, ceil_mode: bool, include_pad: bool
) -> list[Fraction]:
    """Windows of k starting every s in the zero-padded input; the divisor counts the
    padding if asked, never positions past the padded end (only ceil mode reaches them)."""
    n = len(x)
    padded = [None] * p + x + [None] * p
    count = (n + 2 * p - k + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (count - 1) * s >= n + p:
        count -= 1
    result = []
    for o in range(count):
        window = padded[o * s : o * s + k]  # slicing stops at the padded end
        real = [v for v in window if v is not None]
        result.append(Fraction(sum(real), len(window) if include_pad else len(real)))
    return result


@settings(max_examples=60)
@given(
    x=st.lists(st.integers(-(2**70), 2**70), min_size=1, max_size=9),
    k=st.integers(1, 4),
    s=st.integers(1, 3),
    p=st.integers(0, 2),
    ceil_mode=st.booleans(),
    include_pad=st.booleans(),
)
def test_avg_pool_fractions_match_reference(
    x: list[int], k: int, s: int, p: int, ceil_mode: bool, include_pad: bool
) -> None:
    try:
        spec = make_spec(
            "avgpool1d",
            kernel_size=k,
            stride=s,
            padding=p,
            ceil_mode=ceil_mode,
            count_include_pad=include_pad,
        )
        analyze(spec, (1, len(x)))
    except ConvcalcError:
        assume(False)
        return
    y = run_layer(spec, [x])
    assert y.tolist() == [reference_avg_pool_1d(x, k, s, p, ceil_mode, include_pad)]


# --- every drawn case: the shape is the arithmetic's, refusals agree ------------------------------


def _arrays(
    case: dict[str, Any], rng: np.random.Generator, floats: bool = False
) -> tuple[Any, ...]:
    shape = tuple(case["input_shape"])
    draw = rng.standard_normal if floats else (lambda s: rng.integers(-9, 10, s))
    x = draw(shape)
    if case["kind"].startswith("conv"):
        spec = make_spec(case["kind"], **case["args"])
        result = analyze(spec, shape)
        assert result.weight_shape is not None
        w = draw(result.weight_shape)
        b = draw(result.bias_shape) if result.bias_shape is not None else None
        return x, w, b
    return x, None, None


@pytest.mark.parametrize("family", list(FAMILY_PREFIX))
@settings(max_examples=60)
@given(case=st.data())
def test_output_shape_is_the_arithmetic(family: str, case: st.DataObject) -> None:
    drawn = case.draw(layer_cases(family))
    try:
        spec = make_spec(drawn["kind"], **drawn["args"])
    except ConvcalcError:
        assume(False)
        return
    shape = tuple(drawn["input_shape"])
    try:
        expected = analyze(spec, shape).output_shape
    except LayerError:
        x = np.zeros(shape, dtype=np.int64)
        with pytest.raises(LayerError):
            run_layer(spec, x, *_weights_for_refused(spec, shape))
        return
    x, w, b = _arrays(drawn, np.random.default_rng(0))
    assert run_layer(spec, x, w, b).shape == expected


def _weights_for_refused(spec: Any, shape: tuple[int, ...]) -> tuple[Any, Any]:
    # the layer is refused before the weight is looked at; give one of plausible shape
    if spec.family in ("conv", "convtranspose"):
        return np.zeros((1,) * (spec.dims + 2), dtype=np.int64), None
    return None, None


# --- torch as the oracle ------------------------------------------------------------------------


def _torch_run(case: dict[str, Any], x: Any, w: Any, b: Any) -> np.ndarray:
    from conftest import require_torch

    torch = require_torch()
    from torch_oracle import KIND_TO_CLASS, _tupleize

    args = {k: _tupleize(v) for k, v in case["args"].items()}
    module = getattr(torch.nn, KIND_TO_CLASS[case["kind"]])(**args).double()
    with torch.no_grad():
        if w is not None:
            module.weight.copy_(torch.tensor(np.asarray(w, dtype=np.float64)))
            if module.bias is not None:
                module.bias.zero_()
                if b is not None:
                    module.bias.copy_(torch.tensor(np.asarray(b, dtype=np.float64)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's note on 'same' with even kernels
            out = module(torch.tensor(np.asarray(x, dtype=np.float64)))
        if isinstance(out, tuple):
            out = out[0]
        return out.numpy()


@st.composite
def valid_cases(draw: st.DrawFn, family: str) -> dict[str, Any]:
    """Cases PyTorch runs (mostly; analyze filters the rest), every option in play."""
    dims = draw(st.integers(1, 3))
    top = 9 if dims < 3 else 5

    def sizes(low: int, high: int) -> list[int]:
        return [draw(st.integers(low, high)) for _ in range(dims)]

    def one_or_all(values: list[int]) -> int | list[int]:
        return values[0] if draw(st.booleans()) else values

    spatial = sizes(1, top)
    args: dict[str, Any] = {}
    channels = draw(st.integers(1, 3))
    if family in ("conv", "convtranspose"):
        groups = draw(st.sampled_from([1, 1, 2, 3]))
        channels *= groups
        args.update(
            in_channels=channels,
            out_channels=groups * draw(st.integers(1, 2)),
            kernel_size=sizes(1, 4),
            stride=one_or_all(sizes(1, 3)),
            dilation=one_or_all(sizes(1, 3)),
            groups=groups,
            bias=draw(st.booleans()),
        )
        if family == "conv":
            mode = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
            args["padding_mode"] = mode
            low = -1 if mode != "zeros" else 0
            high = {"reflect": min(spatial) - 1, "circular": min(spatial)}.get(mode, 3)
            padding = draw(
                st.one_of(
                    st.sampled_from(["same", "valid"]),
                    st.just(one_or_all(sizes(low, max(low, min(high, 3))))),
                )
            )
            if padding == "same":
                args["stride"] = 1
            args["padding"] = padding
        else:
            args["padding"] = one_or_all(sizes(0, 2))
            args["output_padding"] = one_or_all(sizes(0, 2))
    elif family in ("maxpool", "avgpool"):
        kernel = sizes(1, 4)
        args["kernel_size"] = kernel
        if draw(st.booleans()):
            args["stride"] = one_or_all(sizes(1, 3))
        args["padding"] = [draw(st.integers(0, k // 2)) for k in kernel]
        args["ceil_mode"] = draw(st.booleans())
        if family == "maxpool":
            args["dilation"] = one_or_all(sizes(1, 3))
        else:
            args["count_include_pad"] = draw(st.booleans())
            if dims > 1:
                args["divisor_override"] = draw(st.sampled_from([None, None, 1, 3, -2]))
    else:
        wanted = [draw(st.one_of(st.none(), st.integers(1, 7))) for _ in range(dims)]
        args["output_size"] = draw(st.integers(1, 7)) if dims == 1 else wanted
    batch = [draw(st.integers(1, 2))] if draw(st.booleans()) else []
    return {"kind": f"{family}{dims}d", "input_shape": [*batch, channels, *spatial], "args": args}


@pytest.mark.torch
@pytest.mark.parametrize("family", list(FAMILY_PREFIX))
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_agrees_with_torch(family: str, data: st.DataObject) -> None:
    """Every kind, mode and option: small integers (float64 in torch is then exact, so
    integer results must match exactly, avg pools to the last bit or so) and random floats."""
    case = data.draw(valid_cases(family))
    floats = data.draw(st.booleans())
    try:
        spec = make_spec(case["kind"], **case["args"])
        analyze(spec, tuple(case["input_shape"]))
    except ConvcalcError:
        assume(False)
        return
    x, w, b = _arrays(case, np.random.default_rng(data.draw(st.integers(0, 99))), floats)
    expected = _torch_run(case, x, w, b)
    y = run_layer(spec, x, w, b)
    assert y.shape == expected.shape
    if floats:
        assert y.dtype == np.float64
        np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)
    elif family in ("avgpool", "adaptiveavgpool"):
        assert y.dtype == object
        np.testing.assert_allclose(y.astype(np.float64), expected, rtol=1e-14, atol=0)
    else:
        assert y.dtype in (np.int64, object)
        # a max window wholly in the padding: torch's float64 kernel says -inf, its int64
        # max_pool2d says INT64_MIN (tested below), which convcalc gives for integers
        expected = np.where(expected == -np.inf, -(2**63), expected)
        assert (y == expected).all(), (case, y, expected)


@pytest.mark.torch
def test_int_max_pool_window_in_padding_matches_torch_int64() -> None:
    from conftest import require_torch

    torch = require_torch()
    args = dict(kernel_size=(1, 2), stride=(1, 2), padding=(0, 1), dilation=(1, 3))
    x = [[[-9, -9]]]
    expected = torch.nn.functional.max_pool2d(torch.tensor(x), **args).tolist()
    assert expected == [[[-(2**63)]]]
    assert run_layer(make_spec("maxpool2d", **args), x).tolist() == expected


@pytest.mark.torch
@pytest.mark.parametrize(
    ("kind", "args"),
    [
        ("conv1d", dict(stride=2, padding=3, dilation=2, groups=2)),
        ("conv2d", dict(padding=1, padding_mode="circular")),
        ("conv2d", dict(stride=(2, 1), dilation=(1, 3), padding="valid", groups=4)),
        ("conv3d", dict(padding=(1, 0, 2), padding_mode="reflect")),
        ("convtranspose1d", dict(stride=3, padding=2, dilation=2, output_padding=2)),
        ("convtranspose2d", dict(stride=(2, 3), padding=1, output_padding=(1, 0), groups=2)),
        ("convtranspose3d", dict(stride=2, dilation=(1, 2, 1))),
    ],
)
@pytest.mark.parametrize("bits", [20, 27])
def test_int64_against_torch_int64(kind: str, args: dict[str, Any], bits: int) -> None:
    """torch's own int64 kernels as the oracle where sums pass 2⁵³ but stay within int64
    (torch wraps silently beyond): bits 27 makes the bound ~2⁶¹, so limbs are used."""
    from conftest import require_torch

    torch = require_torch()
    dims = int(kind[-2])
    cin, cout, k = 4, 4, 3
    rng = np.random.default_rng(bits)
    x = rng.integers(-(2**bits), 2**bits, (2, cin, *(8,) * dims))
    transposed = kind.startswith("convtranspose")
    groups = args.get("groups", 1)
    wshape = (cin, cout // groups) if transposed else (cout, cin // groups)
    w = rng.integers(-(2**bits), 2**bits, (*wshape, *(k,) * dims))
    b = rng.integers(-(2**bits), 2**bits, (cout,))
    spec = make_spec(kind, in_channels=cin, out_channels=cout, kernel_size=k, **args)
    module = getattr(torch.nn, ("ConvTranspose" if transposed else "Conv") + f"{dims}d")(
        cin, cout, k, **args
    )
    with torch.no_grad():
        module.weight = torch.nn.Parameter(torch.tensor(w), requires_grad=False)
        module.bias = torch.nn.Parameter(torch.tensor(b), requires_grad=False)
        expected = module(torch.tensor(x)).numpy()
    y = run_layer(spec, x, w, b)
    assert y.dtype == np.int64
    assert np.array_equal(y, expected)


@pytest.mark.torch
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_mode_padding_tuple_reaching_the_channels_agrees_with_torch(mode: str) -> None:
    """nn.Conv2d hands a 3-tuple padding to F.pad as it is: it pads C by 1, H by 1, W by 2."""
    rng = np.random.default_rng(3)
    x = rng.integers(-9, 10, (2, 3, 5, 6))
    w = rng.integers(-9, 10, (2, 5, 3, 3))  # 3 channels + 1 + 1 of padding
    b = rng.integers(-9, 10, (2,))
    case = {
        "kind": "conv2d",
        "input_shape": list(x.shape),
        "args": dict(
            in_channels=5, out_channels=2, kernel_size=3, padding=[1, 1, 2], padding_mode=mode
        ),
    }
    expected = _torch_run(case, x, w, b)
    y = run_layer(make_spec("conv2d", **case["args"]), x, w, b)
    assert y.dtype == np.int64
    assert np.array_equal(y, expected)


# --- float inputs holding small integers: the exact float32 route ------------------------------

# 64 output channels of all-ones weights over 4 taps: 64·4 multiply-adds per input element
# (minus the edges) clears _NARROW_MIN_MACS = 128 for inputs of 9 or more elements.
ROUTE = make_spec("conv1d", in_channels=1, out_channels=64, kernel_size=4)


def _route_case(m: int, bias: int) -> tuple[list[list[float]], Any, Any, list[list[int]]]:
    x = [[m, m, m, m, m - 1, -m, 1 - m, -m, -m, 3]]
    w = np.ones((64, 1, 4))
    b = np.full(64, float(bias))
    expected = reference_conv([x], w.astype(int).tolist(), [bias] * 64, 1, 0, 1, 1)[0]
    return [[float(v) for v in x[0]]], w, b, expected


@pytest.mark.parametrize(
    ("m", "bias"),
    [
        (2**22 - 2, 3),  # bound 4m + 3 = 2²⁴ − 5: float32, every sum exact
        (2**22 - 1, 3),  # 2²⁴ − 1: still float32
        (2**22 - 1, 5),  # 2²⁴ + 1 only through the bias: float64, 4m + 5 is odd and exact
        (2**22 + 1, 0),  # 2²⁴ + 4: float64; 4m − 1 = 2²⁴ + 3 would round in float32
    ],
)
def test_small_integer_floats_stay_exact_at_the_float32_threshold(m: int, bias: int) -> None:
    x, w, b, expected = _route_case(m, bias)
    y = run_layer(ROUTE, x, w, b)
    assert y.dtype == np.float64
    assert y.tolist() == expected


def test_small_integer_floats_take_float32_only_when_exact(monkeypatch: Any) -> None:
    from convcalc.execute import convolution

    seen: list[np.dtype[Any]] = []
    correlate = convolution.correlate

    def spy(x: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(x.dtype)
        return correlate(x, *args, **kwargs)

    monkeypatch.setattr(convolution, "correlate", spy)
    for m, bias, dtype in [(2**22 - 1, 3, np.float32), (2**22 - 1, 5, np.float64)]:
        x, w, b, expected = _route_case(m, bias)
        assert run_layer(ROUTE, x, w, b).tolist() == expected
        assert seen.pop() == dtype
    x, w, b, _ = _route_case(100, 1)
    for changed in (
        [[v + 0.5 for v in x[0]]],  # not integers
        [[math.nan, *x[0][1:]]],
        [[math.inf, *x[0][1:]]],
    ):
        run_layer(ROUTE, changed, w, b)
        assert seen.pop() == np.float64
    run_layer(ROUTE, x, w * 0.5, b)  # real-valued weights
    assert seen.pop() == np.float64
    # a light layer (one output channel) never pays for the check
    light = make_spec("conv1d", in_channels=1, out_channels=1, kernel_size=4)
    run_layer(light, x, w[:1], b[:1])
    assert seen.pop() == np.float64


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-(2**14), 2**14), min_size=12, max_size=40),
    st.lists(st.integers(-8, 8), min_size=3, max_size=3),
)
def test_small_integer_floats_match_the_float64_path_bit_for_bit(
    values: list[int], taps: list[int]
) -> None:
    from convcalc.execute import _exact

    spec = make_spec("conv1d", in_channels=1, out_channels=64, kernel_size=3, padding=1)
    x = np.array([values], dtype=np.float64)
    w = np.tile(np.array(taps, dtype=np.float64), (64, 1, 1)) * np.arange(1, 65)[:, None, None]
    b = np.arange(64, dtype=np.float64) - 32
    top, width = max(map(abs, values)), sum(map(abs, taps))
    bound = max(top * (o + 1) * width + abs(o - 32) for o in range(64))
    assert _exact._float32_exact(x, w, b) == (bound < 2**24)
    routed = run_layer(spec, x, w, b)
    expected = reference_conv(
        [x.astype(int).tolist()], w.astype(int).tolist(), b.astype(int).tolist(), 1, 1, 1, 1
    )[0]
    assert routed.tolist() == expected
