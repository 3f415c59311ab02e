"""The constructor-call reader: literals only, positions in errors, PyTorch's argument binding."""

from __future__ import annotations

import pytest

from convcalc.expressions import ExpressionError, parse_call, spec_from_call

READ = [
    (
        "nn.Conv2d(3, 64, 7, stride=2, padding=3)",
        "Conv2d(3, 64, kernel_size=7, stride=2, padding=3)",
    ),
    ("torch.nn.MaxPool2d(3, 2, 1)", "MaxPool2d(kernel_size=3, stride=2, padding=1)"),
    ("Conv2d(256 * 6 * 6, 10, 1)", "Conv2d(9216, 10, kernel_size=1)"),
    ("AdaptiveAvgPool2d((6, 6))", "AdaptiveAvgPool2d(output_size=(6, 6))"),
    (
        "ConvTranspose2d(16, 3, 3, 2, 1, 1)",
        "ConvTranspose2d(16, 3, kernel_size=3, stride=2, padding=1, output_padding=1)",
    ),
    (
        "nn.Conv1d(4, 4, 3, padding='same', device='cpu')",
        "Conv1d(4, 4, kernel_size=3, padding='same')",
    ),
    ("AvgPool2d(2, None, 0, False, True, -1)", "AvgPool2d(kernel_size=2, divisor_override=-1)"),
]


@pytest.mark.parametrize(("text", "call"), READ)
def test_reads_constructor_calls(text: str, call: str) -> None:
    assert spec_from_call(parse_call(text)).torch_call() == call


HOSTILE = [
    ("Conv2d(__import__('os').system('true'), 1, 1)", "a call at line 1, column 8"),
    ("Conv2d(x.y, 1, 1)", "an attribute access at line 1, column 8"),
    ("Conv2d(lambda: 1, 2, 3)", "a lambda"),
    ("Conv2d(2 ** 100, 1, 1)", "the operator Pow"),
    ("Conv2d(99999999999 * 99999999999 * 99999999999, 1, 1)", "integer too large"),
    ("Conv2d(" + "(" * 300 + "1" + ")" * 300 + ", 1, 1)", "expression"),
    ("Conv2d(*a)", "*arguments"),
    ("Conv2d(**a)", "**arguments"),
    ("Conv2d(1, 2, 3, foo=1)", "unexpected argument foo="),
    ("Conv2d(1, 2, 3, kernel_size=3)", "kernel_size given twice"),
    ("Conv2d(" + ", ".join(["1"] * 12) + ")", "at most 11 positional"),
    ("Conv2d(1, 2", "invalid syntax"),
    ("Foo2d(1)", "unknown layer 'Foo2d'"),
    ("getattr(nn, 'Conv2d')(1, 2, 3)", "call target"),
    ("[x for x in y]", "where a layer call belongs"),
    ("Conv2d(1, 2, 3 // 0)", "division by zero"),
    ("x" * 1_000_001, "characters"),
]


@pytest.mark.parametrize(("text", "message"), HOSTILE)
def test_refuses_anything_but_literals(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=None) as caught:
        spec_from_call(parse_call(text))
    assert message in str(caught.value)


def test_call_keeps_its_source_and_position() -> None:
    call = parse_call("  nn.MaxPool2d( 3,\n 2 )")
    assert call.text == "nn.MaxPool2d( 3, 2 )"
    assert (call.line, call.column) == (1, 1)
    assert call.class_name == "MaxPool2d"


# model files read line by line (each distinct line parsed once) must read exactly as the whole
# file does: the same calls at the same places, and the same refusals
LINE_SOURCES = [
    "# input 1, 8, 16, 16\n" + "Conv2d(8, 8, 3, padding=1)\n" * 5,
    '"""doc"""\nimport torch\nfrom torch import nn\nx = nn.ReLU()\n\n  # note\nLinear(3, 4)\n',
    "Conv2d(1, 2, 3); ReLU()  # two on a line\r\nMaxPool2d(2)\rFlatten()",
    "nn.Sequential(Conv2d(1, 2, 3), ReLU())\nnn.Sequential(\n  Tanh(),\n)\n",  # falls back
    '"""\nConv2d(1, 2, 3)\n"""\nReLU()\n',  # a docstring over three lines: falls back
    "ReLU()\n  Tanh()\n",  # an indented line
    "ReLU()\nif True: Tanh()\n",  # a statement that is not a call
    "ReLU()\nConv2d(1, 2, *x)\n",  # refused at line 2
    "ReLU()\nConv2d(1, 2, \\\n 3)\n",  # a continued line
    "# only a comment\n",
    "ReLU()\nx.y = Tanh()\n",
]


def _whole_file(source: str) -> object:
    import ast

    from convcalc import expressions

    try:
        tree = expressions.parse_tree(source, mode="exec")
        assert isinstance(tree, ast.Module)
        calls: list[expressions.Call] = []
        for statement in tree.body:
            expressions._statement_calls(statement, source, calls, 1)
        if not calls:
            raise ExpressionError("expression: no layer calls found")
    except ExpressionError as exc:
        return str(exc)
    return [(c.name, c.args, c.kwargs, c.text, c.line, c.column) for c in calls]


@pytest.mark.parametrize("source", LINE_SOURCES)
def test_line_by_line_reads_as_the_whole_file(source: str) -> None:
    from convcalc.expressions import parse_module

    try:
        calls = parse_module(source)
    except ExpressionError as exc:
        read: object = str(exc)
    else:
        read = [(c.name, c.args, c.kwargs, c.text, c.line, c.column) for c in calls]
    assert read == _whole_file(source)


def test_a_repeated_line_is_parsed_once(monkeypatch) -> None:
    import ast

    from convcalc import expressions

    parsed: list[str] = []
    real = ast.parse

    def counting(text: str, *args: object, **kwargs: object) -> ast.AST:
        parsed.append(text)
        return real(text, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(expressions.ast, "parse", counting)
    expressions._parse.cache_clear()  # a line parsed by an earlier test would not count
    calls = expressions.parse_module("# input 1, 8, 4, 4\n" + "Conv2d(8, 8, 3)\n" * 1000)
    assert len(calls) == 1000
    assert parsed == ["Conv2d(8, 8, 3)"]
    assert [c.line for c in calls[:3]] == [2, 3, 4]
