"""Rendering: text only here, at a fixed width with no colour; numbers are tested elsewhere
(tests/test_explain.py holds the numbers behind `run --explain`)."""

from __future__ import annotations

import io
import re
from fractions import Fraction

import pytest
from rich.console import Console

from convcalc import analyze, make_spec
from convcalc.explain import Explanation
from convcalc.notation import number_text
from convcalc.render.explain import explain_text
from convcalc.render.run import run_report
from convcalc.render.shape import shape_report
from convcalc.runs import LayerRun, run


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


# --- numbers -----------------------------------------------------------------------------------


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
def test_number_text(value: object, text: str) -> None:
    assert number_text(value) == text  # type: ignore[arg-type]


# --- `run`: the output array ---------------------------------------------------------------------


def test_run_report_labels_channels_and_elides_wide_rows() -> None:
    x = [list(range(100)), list(range(100, 200))]
    lines = render(run_report(run("maxpool1d", x, kernel_size=1))).splitlines()
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


def test_run_report_shows_rationals_as_decimals_in_grids() -> None:
    # 3×3 mean of 0..8 = 4; of [[0,1],[3,4]] (2×2, count 4) = 2
    x = [[[0, 1, 2], [3, 4, 5], [6, 7, 8]]]
    text = render(run_report(run("avgpool2d", x, kernel_size=2, stride=1)))
    assert "channel 0" in text
    assert "2  3" in text  # (0+1+3+4)/4 = 2, (1+2+4+5)/4 = 3
    result = run("avgpool1d", [[1, 2]], kernel_size=3, padding=1, count_include_pad=False)
    assert "1.5" in render(run_report(result))  # (1 + 2) / 2 real elements


# --- `run --explain`: the sums ------------------------------------------------------------------


def _explained(result: LayerRun) -> Explanation:
    assert result.explanation is not None
    return result.explanation


def test_sum_lines_mark_padding_and_bias() -> None:
    result = run("conv1d", [1, 2, 3, 4], [1, 2, 3], [10], padding=1, explain=True)
    lines = explain_text(_explained(result))
    assert lines[0] == "out[0] = 1·(0) + 2·1 + 3·2 + 10 (bias) = 18"
    assert len(lines) == 4  # no truncation note
    text = render(run_report(result))
    assert "weight·input; (v) = padding (zeros)" in text
    # batched input: every index is written out
    result = run("conv1d", [[[1, 2, 3, 4]]], [1, 2, 3], padding=1, explain=True)
    assert explain_text(_explained(result))[0] == "out[0, 0, 0] = 1·(0) + 2·1 + 3·2 = 8"


def test_long_sums_keep_their_first_and_last_terms() -> None:
    result = run("conv1d", list(range(30)), [1] * 30, at=0)
    (line,) = explain_text(_explained(result))
    assert line.startswith("out[0] = 1·0 + 1·1 + ")
    assert "1·9 + … 20 more … + 1·28 + 1·29 = 435" in line


def test_transposed_gaps_say_no_input_reaches_them() -> None:
    result = run("convtranspose1d", [7, 8], [2], [5], stride=3, at=1)
    assert explain_text(_explained(result)) == ["out[1] = 0 (no input reaches it) + 5 (bias) = 5"]


def test_divisor_note_inline_in_plain_text_and_on_its_own_line_in_the_report() -> None:
    # README: AvgPool2d(3, 2, 1, ceil_mode=True) on a 4×4 input, element (1, 2)
    x = [[1, 0, 3, 5], [3, 4, 2, 2], [1, 3, 3, 9], [5, 7, 8, 4]]
    result = run("avgpool2d", x, kernel_size=3, stride=2, padding=1, ceil_mode=True, at=(1, 2))
    line = "out[1, 2] = (2 + (0) + 9 + (0) + 4 + (0)) / 6 = 2.5"
    note = "[divisor 6: window incl. padding; ceil_mode overhang cut W 2 of 3]"
    assert explain_text(_explained(result)) == [f"{line}   {note}"]
    text = render(run_report(result))
    assert f"{line}\n    {note}\n" in text
    assert "input channel 0, padded; [ ] = the window of out[1, 2]" in text
    assert "1     4    2  [2]  [(0)]" in text
    # a plain window needs no note; divisor_override always gets one
    plain = run("avgpool1d", [1, 2, 3, 4], kernel_size=2, at=0)
    assert explain_text(_explained(plain)) == ["out[0] = (1 + 2) / 2 = 1.5"]
    real = run("avgpool1d", [1, 2, 3, 4], kernel_size=2, at=0, count_include_pad=False)
    assert explain_text(_explained(real)) == ["out[0] = (1 + 2) / 2 = 1.5"]
    override = run("avgpool2d", [[1, 2], [3, 4]], kernel_size=2, divisor_override=3, at=(0, 0))
    assert explain_text(_explained(override)) == [
        "out[0, 0] = (1 + 2 + 3 + 4) / 3 = 3.333333…   [divisor 3: divisor_override]"
    ]


def test_scatter_and_crop_lines() -> None:
    x, w = [[0, 1], [2, 3]], [[4, 1], [2, 3]]
    lines = explain_text(_explained(run("convtranspose2d", x, w, explain=True)))
    assert lines[2] == "x[1, 0] = 2: 2·[[4, 1], [2, 3]] = [[8, 2], [4, 6]] → full[1:3, 0:2]"
    assert lines[-1] == "the copies sum to the full output (3 × 3) = out"
    # with channels: the copy lands on its output channel; padding crops every channel
    result = run(
        "convtranspose1d",
        [[1, 1]],
        [[[1, 1]]],
        stride=2,
        dilation=2,
        padding=1,
        output_padding=1,
        explain=True,
    )
    lines = explain_text(_explained(result))
    assert lines[1] == "x[0, 1] = 1: 1·[1, 1] = [1, 1] → full[0, 2:5:2]"
    assert lines[-1] == (
        "the copies sum to the full output (6); padding crops it: out = full[…, 1:5] "
        "(output_padding extends the end)"
    )
    legend = "sums of weight·input over every input element whose kernel copy lands here"
    assert legend in render(run_report(result))


def test_truncation_note_ends_with_the_callers_hint() -> None:
    result = run("maxpool1d", list(range(20)), kernel_size=1, explain=True)
    assert explain_text(_explained(result))[-1] == "… 8 more elements"
    note = "… 8 more elements; choose one with --at"
    assert explain_text(_explained(result), "choose one with --at")[-1] == note
    assert note in render(run_report(result, hint="choose one with --at"))
    scatter = run("convtranspose1d", list(range(14)), [1, 2], explain=True)
    assert explain_text(_explained(scatter))[-1] == "… 2 more input elements"


@pytest.mark.parametrize(
    ("kind", "args", "legend"),
    [
        ("maxpool1d", dict(kernel_size=2, padding=1), "window values; (-inf) = padding, never"),
        ("maxpool1d", dict(kernel_size=2), "window values\n"),
        ("avgpool1d", dict(kernel_size=2, padding=1), "window sum / divisor; (0) = zero padding"),
        ("adaptivemaxpool1d", dict(output_size=2), "adaptive window [⌊i·in/out⌋, ⌈(i+1)·in/out⌉)"),
    ],
)
def test_pool_legends(kind: str, args: dict, legend: str) -> None:
    assert legend in render(run_report(run(kind, [1, 2, 3, 4], explain=True, **args)))
