"""Figures as a browser shows them: headless Chromium paints each SVG, and the cells of each
role's colour are counted (connected regions of a cell's size).  The expected counts come from
the layer's definition, worked out in each test's comment, not from convcalc."""

from __future__ import annotations

import pytest
from browser import cells, require_chromium, screenshot

from convcalc.figures import Figure, draw_layer, draw_run
from convcalc.figures.grid import CELL
from convcalc.figures.style import ROLES

INPUT = ROLES["input"].fill
PADDING = ROLES["padding"].fill
COPY = ROLES["padding-copy"].fill
WINDOW = ROLES["window"].fill
OUTPUT = ROLES["output"].fill
MARKED = ROLES["marked"].fill
UNUSED = ROLES["unused"].fill
OVERHANG = ROLES["overhang"].fill
CROPPED = ROLES["cropped"].fill
INSERTED = ROLES["inserted"].fill


@pytest.fixture(autouse=True)
def _chromium() -> None:
    require_chromium()


def _shot(figure: Figure, at_ms: int | None = None):  # type: ignore[no-untyped-def]
    return screenshot(figure.svg, figure.width, figure.height, at_ms=at_ms)


def _count(image, colour: str, height: float = CELL) -> int:  # type: ignore[no-untyped-def]
    return len(cells(image, colour, CELL, height))


def test_strided_conv_with_padding() -> None:
    # Conv2d k3 s2 p1 on 5×5: the padded map is 7×7, 24 of its cells padding; the window of
    # out[0, 0] is the padded rows and columns -1..1: 5 padding cells and x[0:2, 0:2];
    # the output is ⌊(5 + 2 − 3)/2⌋ + 1 = 3 a side, one element marked
    image = _shot(
        draw_layer("conv2d", (1, 1, 5, 5), out_channels=1, kernel_size=3, stride=2, padding=1)
    )
    assert _count(image, PADDING) == 24 - 5
    assert _count(image, INPUT) == 25 - 4
    assert _count(image, WINDOW) == 9
    assert _count(image, OUTPUT) == 9 - 1
    assert _count(image, MARKED) == 1


def test_reflect_padding_shows_copies() -> None:
    # reflect padding 1 around 4×4: 36 − 16 = 20 copied cells, out[0, 0]'s window holds 5
    image = _shot(
        draw_layer(
            "conv2d", (1, 1, 4, 4), out_channels=1, kernel_size=3, padding=1, padding_mode="reflect"
        )
    )
    assert _count(image, COPY) == 20 - 5
    assert _count(image, PADDING) == 0


def test_dilation_leaves_unread_input() -> None:
    # Conv1d k3 d2 s3 on 10: windows start at 0 and 3 and read {0, 2, 4} and {3, 5, 7};
    # 1, 6, 8 and 9 are read by none
    image = _shot(
        draw_layer("conv1d", (1, 1, 10), out_channels=1, kernel_size=3, stride=3, dilation=2)
    )
    assert _count(image, UNUSED) == 4
    assert _count(image, WINDOW) == 3


def test_ceil_mode_overhang() -> None:
    # MaxPool1d k3 s2 ceil on 6: ⌈(6 − 3)/2⌉ + 1 = 3 windows starting at 0, 2, 4; the last
    # reaches position 6, past the input (no padding): one overhanging cell
    image = _shot(draw_layer("maxpool1d", (1, 1, 6), kernel_size=3, stride=2, ceil_mode=True))
    assert _count(image, OVERHANG) == 1
    assert _count(image, OUTPUT) + _count(image, MARKED) == 3


def test_transposed_conv_scatter_and_direct() -> None:
    # ConvTranspose2d k3 s2 p1 on 3×3: the full output is (3 − 1)·2 + 3 = 7 a side, padding 1
    # crops 49 − 25 = 24 cells.  The direct reading inserts 1 zero between the 3 inputs
    # (5 a side: 16 inserted zeros) and pads by 1·2 − 1 = 1; out[0, 0]'s window covers
    # zero-inserted rows and columns -1..1: x[0, 0] and 3 inserted zeros.  Both panels show
    # the 5×5 output, one element marked in each.
    image = _shot(
        draw_layer(
            "convtranspose2d", (1, 1, 3, 3), out_channels=1, kernel_size=3, stride=2, padding=1
        )
    )
    assert _count(image, CROPPED) == 24
    assert _count(image, INSERTED) == 16 - 3
    assert _count(image, MARKED) == 2
    assert _count(image, OUTPUT) == 2 * (25 - 1)


def test_values_do_not_change_the_roles() -> None:
    # the seed's conv1d: [1, 2, 3, 4] * [1, 2, 3] = [14, 20]: three taps, one marked of two;
    # a cell holding a value over its weight is 38 px tall
    image = _shot(draw_run("conv1d", [1, 2, 3, 4], [1, 2, 3]))
    assert _count(image, WINDOW, 38) == 3
    assert _count(image, INPUT, 38) == 1
    assert _count(image, MARKED, 38) == 1
    assert _count(image, OUTPUT, 38) == 1


def test_animation_steps_through_the_outputs_and_loops() -> None:
    # Conv1d k3 on 6: 4 outputs, one frame each of 0.8 s; at 0.4 s the first is marked, at
    # 1.2 s the second (one cell to the right), at 3.6 s (a period later) the first again
    figure = draw_layer("conv1d", (1, 1, 6), out_channels=1, kernel_size=3, animate=True)
    assert figure.frames == 4
    marks = []
    for ms in (400, 1200, 3600):
        (mark,) = cells(_shot(figure, ms), MARKED, CELL)
        marks.append(mark.centre)
    assert marks[1][0] - marks[0][0] == pytest.approx(CELL, abs=2)
    assert marks[2] == marks[0]
