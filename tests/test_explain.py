"""explain.py's numbers and render/run.py's text (fixed width, no colour)."""

from __future__ import annotations

import io
from fractions import Fraction

import numpy as np
import pytest
from rich.console import Console

from convcalc import analyze, make_spec
from convcalc.arrays import preview, read_array
from convcalc.explain import Layout, explain, fmt_number, padded_plane
from convcalc.render.run import run_report


def render(renderable: object, width: int = 80) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(renderable)
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (14, "14"),
        (Fraction(7, 2), "3.5"),
        (Fraction(-1, 8), "-0.125"),
        (Fraction(2, 3), "0.666666…"),  # cut, not rounded: the … says digits continue
        (Fraction(-10, 3), "-3.333333…"),
        (Fraction(1, 10**7), "0.000000…"),
        (14.0, "14.0"),
        (0.1 + 0.2, "0.3"),
        (float("-inf"), "-inf"),
        (2**70, str(2**70)),
    ],
)
def test_fmt_number(value: object, text: str) -> None:
    assert fmt_number(value) == text  # type: ignore[arg-type]


def test_reflect_padding_values_are_the_mirrored_ones() -> None:
    # reflect pad 2 of [1, 2, 3] is [3, 2, 1, 2, 3, 2, 1]; out[0] = 1·3 + 1·2 + 1·1
    spec = make_spec(
        "conv1d",
        in_channels=1,
        out_channels=1,
        kernel_size=3,
        padding=2,
        padding_mode="reflect",
        bias=False,
    )
    shape = analyze(spec, (1, 1, 3))
    result = explain(shape, [[[1, 2, 3]]], [[[1, 1, 1]]], None, Layout(0), [(0, 0, 0)])
    assert result.elements[0].value == 6
    assert [t.padded for t in result.elements[0].terms] == [True, True, False]


def test_transposed_gaps_get_no_input() -> None:
    # stride 3 > kernel 1: out = [x0, 0, 0, x1]; out[1] has no contribution, only bias 5
    spec = make_spec("convtranspose1d", in_channels=1, out_channels=1, kernel_size=1, stride=3)
    shape = analyze(spec, (1, 1, 2))
    result = explain(shape, [[[7, 8]]], [[[2]]], [5], Layout(0), [(0, 0, 1), (0, 0, 3)])
    assert [e.value for e in result.elements] == [5, 2 * 8 + 5]
    assert result.lines[0][1][0] == "0 (no input reaches it)"


def test_plane_is_cropped_around_the_window() -> None:
    spec = make_spec("maxpool2d", kernel_size=2, padding=1)
    shape = analyze(spec, (1, 1, 40, 40))
    x = np.arange(1600).reshape(1, 1, 40, 40).tolist()
    result = explain(shape, x, None, None, Layout(2), [(0, 0, 10, 10)])
    plane = padded_plane(shape, x, result.elements[0], 0)
    assert plane is not None
    # window rows/cols 19..20, two cells of margin: 17..22
    assert (plane.row0, plane.col0, len(plane.cells), len(plane.cells[0])) == (17, 17, 6, 6)


def _report(kind: str, x: str, width: int = 80, **args: object) -> str:
    array = read_array(x, "input")
    spec = make_spec(kind, **args)
    shape = analyze(spec, array.shape)
    from convcalc.execute import run_layer

    out = run_layer(spec, array)
    lead = array.ndim - spec.dims
    view = preview(out, (4,) * lead + (16,) * spec.dims)
    return render(run_report(shape, array.shape, view, lead, width=width), width)


def test_report_labels_channels_and_elides_wide_rows() -> None:
    x = str([list(range(100)), list(range(100, 200))])
    text = _report("maxpool1d", x, kernel_size=1)
    lines = text.splitlines()
    assert lines[0] == "MaxPool1d(kernel_size=1)"
    assert lines[1] == "input (2, 100) → output (2, 100)"
    assert lines[3].split()[0] == "0"
    assert "…" in lines[3]
    assert lines[3].split()[-1] == "99"
    assert lines[5].startswith("channel 0")
    assert lines[5].split()[-1] == "99"
    assert lines[6].startswith("channel 1")
    assert lines[6].split()[-1] == "199"
    assert all(len(line) <= 80 for line in lines)


def test_report_shows_rationals_as_decimals_in_grids() -> None:
    # 3×3 mean of 0..8 = 4; of [[0,1],[3,4]] (2×2, count 4) = 2
    text = _report("avgpool2d", "[[[0,1,2],[3,4,5],[6,7,8]]]", kernel_size=2, stride=1)
    assert "channel 0" in text
    assert "2  3" in text  # (0+1+3+4)/4 = 2, (1+2+4+5)/4 = 3
    text = _report("avgpool1d", "[[1, 2]]", kernel_size=3, padding=1, count_include_pad=False)
    assert "1.5" in text  # (1 + 2) / 2 real elements
