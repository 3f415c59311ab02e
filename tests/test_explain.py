"""convcalc.explain's records: the numbers behind output elements (text is in test_render.py).

Hand-worked answers; PyTorch's rules as cited: padding modes from F.pad (reflect mirrors
without repeating the edge), avg_pool's divisor from ATen's AvgPoolKernel.cpp
(divisor_override, else the window clipped to the padded input when count_include_pad, else
the window clipped to the input), transposed convolution as the scatter of kernel copies.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from convcalc import analyze, make_spec
from convcalc.explain import Overhang, explain, padded_plane, user_index


def _explain(kind: str, x: list, w: list | None = None, b: list | None = None, **args):
    """Explain a layer (PyTorch's keyword `args`) on a batched PyTorch-layout `x`, weight `w`
    and bias `b` (nested lists): a function of the chosen elements and the limit."""
    spec = make_spec(kind, **args)
    shape = analyze(spec, np.shape(x))
    return lambda at=None, limit=12: explain(shape, x, w, b, 2, at, limit)


# --- convolutions ---------------------------------------------------------------------------


def test_zero_padding_terms_read_nothing() -> None:
    # seed "Convolution 1D (pad = 1)": out[0] = 1·(0) + 2·1 + 3·2 = 8
    result = _explain(
        "conv1d",
        [[[1, 2, 3, 4]]],
        [[[1, 2, 3]]],
        in_channels=1,
        out_channels=1,
        kernel_size=3,
        padding=1,
        bias=False,
    )(at=[(0, 0, 0)])
    (e,) = result.elements
    assert (e.op, e.value, e.bias) == ("sum", 8, None)
    assert [t.weight for t in e.terms] == [1, 2, 3]
    assert [t.value for t in e.terms] == [0, 1, 2]
    assert [t.position for t in e.terms] == [(-1,), (0,), (1,)]
    assert [t.padded for t in e.terms] == [True, False, False]
    assert [t.source for t in e.terms] == [None, (0,), (1,)]
    assert e.window == ((-1, 0, 1),)


def test_reflect_padding_values_are_the_mirrored_ones() -> None:
    # reflect pad 2 of [1, 2, 3] is [3, 2, 1, 2, 3, 2, 1]; out[0] = 1·3 + 1·2 + 1·1
    result = _explain(
        "conv1d",
        [[[1, 2, 3]]],
        [[[1, 1, 1]]],
        in_channels=1,
        out_channels=1,
        kernel_size=3,
        padding=2,
        padding_mode="reflect",
        bias=False,
    )(at=[(0, 0, 0)])
    (e,) = result.elements
    assert e.value == 6
    assert [t.padded for t in e.terms] == [True, True, False]
    assert [t.value for t in e.terms] == [3, 2, 1]
    assert [t.source for t in e.terms] == [(2,), (1,), (0,)]


def test_groups_choose_the_input_channels() -> None:
    # groups=2: output channel 1 reads input channels 2 and 3 only; weight (2, 2, 1)
    x = [[[1], [2], [3], [4]]]
    w = [[[1], [10]], [[100], [1000]]]
    result = _explain(
        "conv1d", x, w, [0, 7], in_channels=4, out_channels=2, kernel_size=1, groups=2
    )(at=[(0, 1, 0)])
    (e,) = result.elements
    assert e.channels == (2, 3)
    assert [(t.channel, t.weight, t.value) for t in e.terms] == [(2, 100, 3), (3, 1000, 4)]
    assert (e.bias, e.value) == (7, 300 + 4000 + 7)


def test_transposed_gaps_get_no_input() -> None:
    # stride 3 > kernel 1: out = [x0, 0, 0, x1]; out[1] has no contribution, only bias 5
    result = _explain(
        "convtranspose1d",
        [[[7, 8]]],
        [[[2]]],
        [5],
        in_channels=1,
        out_channels=1,
        kernel_size=1,
        stride=3,
    )(at=[(0, 0, 1), (0, 0, 3)])
    gap, last = result.elements
    assert (gap.terms, gap.bias, gap.value) == ((), 5, 5)
    assert [(t.weight, t.value, t.position) for t in last.terms] == [(2, 8, (1,))]
    assert last.value == 2 * 8 + 5


def test_transposed_element_sums_the_copies_landing_on_it() -> None:
    # seed "Transposed Convolution 1D": out[1] = x0·w1 + x1·w0 = 1·2 + 2·1
    result = _explain(
        "convtranspose1d",
        [[[1, 2, 3]]],
        [[[1, 2]]],
        in_channels=1,
        out_channels=1,
        kernel_size=2,
        bias=False,
    )(at=[(0, 0, 1)])
    (e,) = result.elements
    assert [(t.weight, t.value, t.position) for t in e.terms] == [(2, 1, (0,)), (1, 2, (1,))]
    assert e.value == 4


# --- the scatter view -------------------------------------------------------------------------


def test_scatter_records_copies_and_where_they_land() -> None:
    # seed "Transposed Convolution 2D": x[1, 0] = 2 scales [[4, 1], [2, 3]] onto full[1:3, 0:2]
    x, w = [[[[0, 1], [2, 3]]]], [[[[4, 1], [2, 3]]]]
    args = dict(in_channels=1, out_channels=1, kernel_size=2, bias=False)
    result = _explain("convtranspose2d", x, w, **args)()
    assert result.elements == ()
    assert [s.position for s in result.scatter] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    third = result.scatter[2]
    assert (third.value, third.kernel, third.copy) == (2, [[4, 1], [2, 3]], [[8, 2], [4, 6]])
    assert third.lands == (range(1, 3), range(0, 2))
    assert result.crop is not None
    assert (result.crop.full, result.crop.keep) == ((3, 3), (range(0, 3), range(0, 3)))
    # padding 1 crops the 3×3 full output to its centre
    cropped = _explain("convtranspose2d", x, w, padding=1, **args)()
    assert cropped.crop is not None
    assert cropped.crop.keep == (range(1, 2), range(1, 2))


def test_scatter_lands_with_stride_and_dilation() -> None:
    # stride 2, dilation 2, kernel 2: x[1]'s copy starts at 2 and covers 2 and 4
    result = _explain(
        "convtranspose1d",
        [[[1, 1]]],
        [[[1, 1]]],
        in_channels=1,
        out_channels=1,
        kernel_size=2,
        stride=2,
        dilation=2,
        output_padding=1,
        bias=False,
    )()
    assert [s.lands for s in result.scatter] == [(range(0, 3, 2),), (range(2, 5, 2),)]
    assert result.crop is not None
    # (2 − 1)·2 + 2·(2 − 1) + 1 + output_padding 1 = 6
    assert (result.crop.full, result.crop.output_padding) == ((6,), (1,))


def test_scatter_feeds_each_group_its_output_channels() -> None:
    # groups=2, weight (2, 1, 1): input channel 1 feeds output channel 1 only
    result = _explain(
        "convtranspose1d",
        [[[5], [6]]],
        [[[2]], [[3]]],
        in_channels=2,
        out_channels=2,
        kernel_size=1,
        groups=2,
        bias=False,
    )()
    assert [(s.in_channel, s.out_channel, s.copy) for s in result.scatter] == [
        (0, 0, [10]),
        (1, 1, [18]),
    ]


# --- pools ------------------------------------------------------------------------------------


def test_max_pool_pads_with_minus_infinity() -> None:
    result = _explain("maxpool1d", [[[1, 5]]], kernel_size=2, padding=1)(at=[(0, 0, 0)])
    (e,) = result.elements
    assert [t.value for t in e.terms] == [float("-inf"), 1]
    assert [t.padded for t in e.terms] == [True, False]
    assert (e.op, e.value, e.divisor) == ("max", 1, None)


AVG_DIVISORS = [
    # (options, input, output index, divisor, reason, overhang, value)
    # ceil_mode: the last window starts at 4 and would reach 6; only index 4 exists
    (
        dict(kernel_size=2, ceil_mode=True),
        [1, 2, 3, 4, 5],
        2,
        1,
        "count_include_pad",
        (Overhang("L", 1, 2),),
        Fraction(5),
    ),
    # padding 1, count_include_pad: [(0), 1, 2] / 3
    (
        dict(kernel_size=3, stride=2, padding=1),
        [1, 2, 3, 4, 5],
        0,
        3,
        "count_include_pad",
        (),
        Fraction(1),
    ),
    # without count_include_pad: (1 + 2) / 2 real elements
    (
        dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
        [1, 2, 3, 4, 5],
        0,
        2,
        "real_elements",
        (),
        Fraction(3, 2),
    ),
]


@pytest.mark.parametrize(
    ("options", "x", "at", "divisor", "reason", "overhang", "value"), AVG_DIVISORS
)
def test_avg_pool_divisors(options, x, at, divisor, reason, overhang, value) -> None:
    (e,) = _explain("avgpool1d", [[x]], **options)(at=[(0, 0, at)]).elements
    assert (e.op, e.divisor, e.divisor_reason, e.overhang, e.value) == (
        "mean",
        divisor,
        reason,
        overhang,
        value,
    )


def test_divisor_override_and_adaptive_windows() -> None:
    (e,) = _explain("avgpool2d", [[[[1, 2], [3, 4]]]], kernel_size=2, divisor_override=3)(
        at=[(0, 0, 0, 0)]
    ).elements
    assert (e.divisor, e.divisor_reason, e.value) == (3, "divisor_override", Fraction(10, 3))
    # adaptive windows of 5 → 2: [0, 3) and [2, 5)
    result = _explain("adaptiveavgpool1d", [[[1, 2, 3, 4, 5]]], output_size=2)()
    first, second = result.elements
    assert (first.window, second.window) == (((0, 1, 2),), ((2, 3, 4),))
    assert (first.divisor, first.divisor_reason, first.value) == (3, "adaptive", 2)
    assert second.value == 4


def test_float_averages_stay_floats() -> None:
    (e,) = _explain("avgpool1d", [[[1.5, 2.5]]], kernel_size=2)().elements
    assert e.value == 2.0
    assert isinstance(e.value, float)


# --- which elements, and how many are left out ---------------------------------------------


def test_first_elements_and_the_count_left_out() -> None:
    # 100 inputs, kernel 30: 71 outputs, 12 explained
    x, w = [[list(range(100))]], [[[1] * 30]]
    args = dict(in_channels=1, out_channels=1, kernel_size=30, bias=False)
    result = _explain("conv1d", x, w, **args)()
    assert [e.pos for e in result.elements] == [(i,) for i in range(12)]
    assert result.more == 59
    # chosen elements beyond the limit are counted too
    result = _explain("conv1d", x, w, **args)(at=[(0, 0, i) for i in range(20)], limit=5)
    assert (len(result.elements), result.more) == (5, 15)
    # the scatter view counts input elements
    result = _explain(
        "convtranspose1d",
        [[list(range(14))]],
        [[[1, 2]]],
        in_channels=1,
        out_channels=1,
        kernel_size=2,
        bias=False,
    )()
    assert (len(result.scatter), result.more) == (12, 2)


@pytest.mark.parametrize(("lead", "expected"), [(0, (3, 4)), (1, (1, 3, 4)), (2, (0, 1, 3, 4))])
def test_user_index_drops_the_axes_the_user_left_out(lead: int, expected: tuple) -> None:
    assert user_index(lead, 0, 1, (3, 4)) == expected


def test_plane_is_cropped_around_the_window() -> None:
    spec = make_spec("maxpool2d", kernel_size=2, padding=1)
    shape = analyze(spec, (1, 1, 40, 40))
    x = np.arange(1600).reshape(1, 1, 40, 40).tolist()
    result = explain(shape, x, None, None, 2, [(0, 0, 10, 10)])
    plane = padded_plane(shape, x, result.elements[0], 0)
    assert plane is not None
    # window rows/cols 19..20, two cells of margin: 17..22
    assert (plane.row0, plane.col0, len(plane.cells), len(plane.cells[0])) == (17, 17, 6, 6)


def test_plane_pads_as_the_layer_pads() -> None:
    # circular padding 1 of [[1, 2], [3, 4]]: the corner (-1, -1) copies 4
    spec = make_spec(
        "conv2d",
        in_channels=1,
        out_channels=1,
        kernel_size=3,
        padding=1,
        padding_mode="circular",
        bias=False,
    )
    shape = analyze(spec, (1, 1, 2, 2))
    x = [[[[1, 2], [3, 4]]]]
    result = explain(shape, x, [[[[1] * 3] * 3]], None, 2, [(0, 0, 0, 0)])
    plane = padded_plane(shape, x, result.elements[0], 0)
    assert plane is not None
    assert (plane.row0, plane.col0) == (-1, -1)
    assert plane.cells[0][0] == (4, True)
    assert plane.cells[1][1] == (1, False)
