"""Large `net` tables are written without rich's layout (issue 16), and must read exactly as
rich lays them out: the same text, the same escape codes, at every width."""

from __future__ import annotations

import pytest
from conftest import rich_text
from net_architectures import ARCHITECTURES, MODELS
from rich.text import Text

import convcalc.render
from convcalc import network
from convcalc.render import net as render


def _summaries() -> list[tuple[str, network.Network]]:
    found = [(name, network.summarize(src, shape)) for name, (shape, src) in ARCHITECTURES.items()]
    for name, (inputs, expression, src) in MODELS.items():
        found.append((name, network.summarize(src, inputs=inputs, model_expression=expression)))
    long = network.summarize(["Conv2d(4, 4, 3, padding=1)"] * 120, (1, 4, 8, 8))
    found.append(("120 layers", long))
    return found


SUMMARIES = _summaries()


def _text(result: network.Network, width: int, color: bool) -> str:
    report = (
        render.net_report(result, width=width)
        if result.form == "chain"
        else render.tree_report(result, width=width)
    )
    return rich_text(report, width, color)


@pytest.mark.parametrize(("name", "result"), SUMMARIES, ids=[n for n, _ in SUMMARIES])
def test_written_rows_equal_rich_layout(monkeypatch, name: str, result: network.Network) -> None:
    for width in (80, 50):
        for color in (False, True):
            monkeypatch.setattr(convcalc.render, "FAST_ROWS", 10**9)  # rich lays out every row
            by_rich = _text(result, width, color)
            monkeypatch.setattr(convcalc.render, "FAST_ROWS", 0)  # rows written here
            written = _text(result, width, color)
            assert written == by_rich, (name, width, color)


def test_the_fast_path_is_taken_for_long_tables(monkeypatch) -> None:
    calls: list[int] = []
    real = render.fitted_table

    def spy(headers, justify, rows, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(rows))
        return real(headers, justify, rows, **kwargs)

    monkeypatch.setattr(render, "fitted_table", spy)
    result = dict(SUMMARIES)["120 layers"]
    group = render.net_report(result)
    table = group.renderables[0]  # type: ignore[attr-defined]
    # one block of text: the header, its rule, and the 121 rows (input and 120 layers)
    assert isinstance(table, Text)
    assert len(table.plain.splitlines()) == 2 + 121
    assert calls == [121]
