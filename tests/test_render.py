"""Rendering: text only here, at a fixed width with no colour; numbers are tested elsewhere."""

from __future__ import annotations

import io
import re

from rich.console import Console

from convcalc import analyze, make_spec
from convcalc.render.shape import shape_report


def render(renderable: object, width: int = 80) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(renderable)
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue()


def test_shape_report_shows_formula_summary_and_warnings() -> None:
    spec = make_spec("conv1d", in_channels=1, out_channels=2, kernel_size=2, stride=3)
    text = render(shape_report(analyze(spec, (1, 1, 10))))
    assert "Conv1d(1, 2, kernel_size=2, stride=3)" in text
    assert "L: ⌊(10 + 0 + 0 − 1·(2−1) − 1)/3⌋ + 1 = 3" in text
    assert re.search(r"^params +6 *$", text, re.MULTILINE)
    assert "warning: axis L: stride 3 leaves the last 2 of 10 input elements unused" in text


def test_transposed_report_has_output_padding_column() -> None:
    spec = make_spec(
        "convtranspose2d", in_channels=2, out_channels=2, kernel_size=3, stride=2, output_padding=1
    )
    text = render(shape_report(analyze(spec, (2, 4, 4))))
    assert "out pad" in text
    assert "(4 − 1)·2 − 2·0 + 1·(3−1) + 1 + 1 = 10" in text


def test_adaptive_report_lists_windows() -> None:
    text = render(shape_report(analyze(make_spec("adaptiveavgpool1d", output_size=3), (2, 10))))
    assert "max window" in text
    assert "output_size = 3" in text


def test_ascii_fallback_has_no_box_drawing() -> None:
    spec = make_spec("maxpool2d", kernel_size=2)
    text = render(shape_report(analyze(spec, (1, 4, 4)), ascii_only=True))
    assert "─" not in text
