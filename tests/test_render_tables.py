"""Tables and summaries that fit are written without rich's layout (issue 16): they must read
exactly as rich lays them out, with and without colour, at every width."""

from __future__ import annotations

import pytest
from conftest import rich_text
from rich.console import Group, RenderableType

import convcalc.render
from convcalc import analyze, compare, make_spec
from convcalc.render.params import params_report
from convcalc.render.shape import shape_report

SHAPES = [
    (
        "conv2d",
        {"in_channels": 3, "out_channels": 64, "kernel_size": 7, "stride": 2, "padding": 3},
        (1, 3, 224, 224),
    ),
    (
        "convtranspose2d",
        {"in_channels": 8, "out_channels": 4, "kernel_size": 3, "stride": 2, "output_padding": 1},
        (8, 7, 7),
    ),
    ("maxpool3d", {"kernel_size": 3, "stride": 2, "ceil_mode": True}, (1, 2, 9, 9, 9)),
    ("adaptiveavgpool2d", {"output_size": (7, None)}, (1, 512, 13, 9)),
    (
        "conv1d",
        {"in_channels": 2, "out_channels": 2, "kernel_size": 5, "padding": "same", "dilation": 3},
        (1, 2, 100_000_000_000),
    ),
]
PARAMS = [
    ("conv2d", {"in_channels": 3, "out_channels": 256, "kernel_size": 5}, None),
    (
        "conv2d",
        {"in_channels": 32, "out_channels": 64, "kernel_size": 3, "groups": 4},
        (8, 32, 56, 56),
    ),
    (
        "convtranspose3d",
        {"in_channels": 16, "out_channels": 8, "kernel_size": (3, 1, 5)},
        (1, 16, 4, 4, 4),
    ),
]


def _solve_reports(width: int) -> list[RenderableType]:
    from convcalc import solve
    from convcalc.render import solve as reports

    conv = make_spec("conv2d", in_channels=3, out_channels=8, kernel_size=3, stride=2)
    transposed = make_spec(
        "convtranspose2d", in_channels=4, out_channels=2, kernel_size=4, stride=2
    )
    pool = make_spec("maxpool1d", kernel_size=3, stride=2, ceil_mode=True)
    answers = [
        reports.padding_report(solve.solve_padding(conv, 224, 112), width=width),
        reports.padding_report(solve.solve_padding(transposed, (7, 5), (14, 11)), width=width),
        reports.padding_report(solve.solve_padding(pool, 10, 5), width=width),
        reports.inputs_report(solve.solve_inputs(conv, (56, 28)), width=width),
        reports.transpose_report(solve.solve_transpose(conv, (1, 3, 224, 99)), width=width),
        reports.layer_report(solve.solve_layer("conv2d", 224, 56), width=width),
    ]
    return answers


def _reports(width: int, ascii_only: bool) -> list[RenderableType]:
    found: list[RenderableType] = []
    for kind, args, shape in SHAPES:
        result = analyze(make_spec(kind, **args), shape)
        found.append(shape_report(result, width=width, ascii_only=ascii_only))
        found.append(
            shape_report(result, spatial=True, assumed="a note", width=width, ascii_only=ascii_only)
        )
    for kind, args, shape in PARAMS:
        comparison = compare(make_spec(kind, **args), input_shape=shape)  # type: ignore[arg-type]
        found.append(params_report(comparison, width=width, ascii_only=ascii_only))
    return found + _solve_reports(width)


@pytest.mark.parametrize("width", [80, 60, 40, 24])
@pytest.mark.parametrize("color", [False, True])
def test_written_tables_equal_rich_layout(monkeypatch, width: int, color: bool) -> None:
    monkeypatch.setattr(convcalc.render, "FAST_ROWS", 10**9)  # rich lays out every table
    by_rich = [rich_text(r, width, color) for r in _reports(width, ascii_only=False)]
    monkeypatch.setattr(convcalc.render, "FAST_ROWS", 0)  # what fits is written here
    written = [rich_text(r, width, color) for r in _reports(width, ascii_only=False)]
    assert written == by_rich


def _parts(report: RenderableType) -> list[RenderableType]:
    assert isinstance(report, Group)
    return report.renderables


# tables of each form that fit: titles longer and shorter than the table, headers wider and
# narrower than their cells, styled cells, wide characters, a single column, no rows
FORMS = [
    ("a long title, longer than the table", ("n", "x"), ("left", "right"), [("a", "1")]),
    ("short", ("name", "value"), ("left", "right"), [("alpha", "12,345"), ("b", "7")]),
    (None, ("layer", "out"), ("left", "left"), [(("Conv2d", "bold"), "1×3"), ("ReLU", "—")]),
    ("t", ("axis", "output"), ("right", "right"), [("H", ("112", "green")), ("W", "9")]),
    ("全角", ("列", "value"), ("left", "right"), [("全角の行", "1"), ("x", "22")]),
    ("one", ("only",), ("left",), [("a",), ("bb",)]),
    ("no rows", ("a", "bb"), ("left", "right"), []),
]


@pytest.mark.parametrize("color", [False, True])
@pytest.mark.parametrize("form", FORMS, ids=range(len(FORMS)))
def test_each_written_table_form_equals_rich_layout(monkeypatch, form, color: bool) -> None:
    title, headers, justify, rows = form
    fitted = convcalc.render.fitted_table

    def both() -> str:
        table = fitted(headers, justify, rows, width=40, title=title)
        return rich_text(Group(table, "after"), 40, color)

    monkeypatch.setattr(convcalc.render, "FAST_ROWS", 10**9)
    by_rich = both()
    monkeypatch.setattr(convcalc.render, "FAST_ROWS", 0)
    assert both() == by_rich


def test_fitting_tables_skip_rich_layout() -> None:
    from rich.table import Table

    result = analyze(make_spec("conv2d", in_channels=3, out_channels=8, kernel_size=3), (3, 8, 8))
    table, _, summary = _parts(shape_report(result, width=80))[:3]
    # the axes table (title, header, rule, rows) and the summary are written as text
    assert not isinstance(table, Table)
    assert not isinstance(summary, Table)
    # too narrow for either: rich lays out both
    table, _, summary = _parts(shape_report(result, width=30))[:3]
    assert isinstance(table, Table)
    assert isinstance(summary, Table)
