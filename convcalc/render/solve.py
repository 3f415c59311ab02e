"""`convcalc solve`: the answers as tables and the PyTorch lines that build them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, TypeVar

from rich.console import Group, RenderableType
from rich.text import Text

from convcalc.padding import explicit_pad
from convcalc.render import fitted_table, fmt_shape
from convcalc.solve._search import layer_template

if TYPE_CHECKING:  # one question's records only are loaded by a call
    from convcalc.solve import (
        InputsAnswer,
        LayerAnswer,
        PaddingAnswer,
        PaddingAxis,
        PaddingOption,
        SchemeMatch,
        TransposeAnswer,
    )

MAX_ROWS = 12  # per table; --json lists up to MAX_LISTED per axis, with the exact count
UNUSED = "unused: trailing input elements after the last one any tap reads."


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_T = TypeVar("_T", bound=_Named)


def _groups(axes: Sequence[_T], key: Callable[[_T], object]) -> list[tuple[list[str], _T]]:
    """Axes that ask the same question share one table: [(names, first axis)]."""
    groups: dict[object, tuple[list[str], _T]] = {}
    for axis in axes:
        names, _ = groups.setdefault(key(axis), ([], axis))
        names.append(axis.name)
    return list(groups.values())


def _axes_label(names: list[str]) -> str:
    return f"axis {names[0]}" if len(names) == 1 else f"axes {', '.join(names)}"


def _more(count: int, shown: int, listed: int) -> list[RenderableType]:
    """The rows not shown; --json lists `listed` of the `count` (a cap when fewer)."""
    if count <= shown:
        return []
    where = "--json lists them" if listed >= count else f"--json lists the first {listed:,}"
    return [Text(f"… and {count - shown:,} more ({where} of {count:,})")]


def _code(text: str) -> Text:
    """A line of Python to copy: never wrapped, even past the terminal's width."""
    return Text(text, no_wrap=True, overflow="ignore")


def _arrow(ascii_only: bool) -> str:
    return "->" if ascii_only else "→"


def padding_report(
    answer: PaddingAnswer, *, ascii_only: bool = False, width: int = 80
) -> RenderableType:
    arrow = _arrow(ascii_only)
    transposed = answer.spec.family == "convtranspose"
    parts: list[RenderableType] = [Text(layer_template(answer.spec))]

    def key(axis: PaddingAxis) -> object:
        return (axis.input, axis.target, axis.kernel, axis.stride, axis.dilation)

    for names, axis in _groups(answer.axes, key):
        title = f"{_axes_label(names)}: input {axis.input} {arrow} {axis.target}"
        options = axis.options[:MAX_ROWS]
        if transposed:
            headers = ("padding", "output_padding", "output_size=")
            justify = ("left", "right", "right")
            rows = [
                [str(o.before), str(o.output_padding), "yes" if o.output_size_ok else "no"]
                for o in options
            ]
        else:
            headers, justify = ("padding", "total", "how"), ("left", "right", "left")
            rows = [[f"{o.before}+{o.after}", str(o.total), _how(o)] for o in options]
        table = fitted_table(headers, justify, rows, width=width, ascii_only=ascii_only)
        shown = min(MAX_ROWS, len(axis.options))
        parts += [Text(""), Text(title), table, *_more(axis.count, shown, len(axis.options))]
        same = Text()
        for s in axis.same:
            note = "the target" if s.output == axis.target else "not the target"
            same.append(f"\n{s.scheme}: pad {s.before}+{s.after} {arrow} {s.output} ({note})")
            if s.torch_output != s.output:  # ceil_mode pools only
                same.append(f"; PyTorch's layer after that pad gives {s.torch_output}")
        if axis.same:
            parts.append(same)

    parts.append(Text(""))
    if answer.same_layer is not None:
        parts.append(_code("PyTorch: " + layer_template(answer.same_layer)))
    if answer.native is not None:
        head = "or:      " if answer.same_layer is not None else "PyTorch: "
        parts.append(_code(head + layer_template(answer.native)))
        if transposed and all(o.output_size_ok for a in answer.axes for o in a.options[:1]):
            parts.append(
                Text("(forward(x, output_size=...) reaches it too: output_padding < stride)")
            )
    elif answer.pads is not None and answer.padded_layer is not None:
        if answer.same_layer is not None:
            parts.append(Text("or, with an explicit pad:"))
        layer, function = explicit_pad(answer.pads, max_pool=answer.spec.family == "maxpool")
        parts.append(_code(f"pad:   {layer}, or {function}"))
        parts.append(_code(f"layer: {layer_template(answer.padded_layer)}"))
        parts.append(Text("The pad tuple lists the last axis first: (before, after) of each axis."))
    if any(not o.native for a in answer.axes for o in a.options):
        parts.append(Text("Explicit pads: any split of the same total gives the same size."))
    for scheme in answer.schemes:
        if not scheme.same_values:
            parts += _scheme_note(answer, scheme)
    return Group(*parts)


def _how(option: PaddingOption) -> str:
    if option.native:
        own = f"padding={option.before}"
        return f"{own} or 'same'" if option.same else own
    return "padding='same'" if option.same else "explicit pad"


def _pairs(pairs: Sequence[tuple[int, int]], names: Sequence[str]) -> str:
    if len(set(pairs)) == 1:
        return f"{pairs[0][0]}+{pairs[0][1]}"
    return ", ".join(f"{b}+{a} on {name}" for (b, a), name in zip(pairs, names, strict=True))


def _shift(shift: Sequence[int], names: Sequence[str]) -> str:
    def one(value: int) -> str:
        if value == 0:
            return "at the same element"
        count = f"{abs(value)} element{'s' if abs(value) != 1 else ''}"
        return f"{count} {'later' if value > 0 else 'earlier'}"

    if len(set(shift)) == 1:
        return one(shift[0])
    return ", ".join(f"{one(v)} on {name}" for v, name in zip(shift, names, strict=True))


def _scheme_note(answer: PaddingAnswer, scheme: SchemeMatch) -> list[RenderableType]:
    """Same size, other values: why, and the PyTorch that computes what the scheme does."""
    names = [axis.name for axis in answer.axes]
    mine = [(o.before, o.after) for o in (axis.options[0] for axis in answer.axes)]
    if answer.same_layer is not None:
        mine = [(o.before, o.after) for axis in answer.axes for o in axis.options if o.same]
    avg = answer.spec.family == "avgpool"
    why = []
    if any(scheme.shift):
        why.append(f"its windows start {_shift(scheme.shift, names)}")
    if avg and any(b or a for b, a in scheme.pads):
        why.append("its averages leave the padding out of the count")
    lines: list[RenderableType] = [
        Text(
            f"\n{scheme.scheme} pads {_pairs(scheme.pads, names)}, PyTorch's answer "
            f"{_pairs(mine, names)}: the same size, but {' and '.join(why)}, so the values "
            "differ. Its values in PyTorch:"
        )
    ]
    if scheme.exact_pads is not None:
        layer, _ = explicit_pad(scheme.exact_pads, max_pool=answer.spec.family == "maxpool")
        lines.append(_code(f"  {layer}, then {layer_template(answer.spec)}"))
    elif scheme.exact_layer is not None:
        lines.append(_code(f"  {layer_template(scheme.exact_layer)}"))
    else:
        lines.append(
            Text(
                "  none here: a PyTorch pool leaves padding out of its averages only with its "
                "own symmetric padding (count_include_pad=False)"
            )
        )
    return lines


def inputs_report(
    answer: InputsAnswer, *, ascii_only: bool = False, width: int = 80
) -> RenderableType:
    arrow = _arrow(ascii_only)
    parts: list[RenderableType] = [Text(layer_template(answer.spec))]
    for names, axis in _groups(answer.axes, lambda a: (a.target, a.sizes, a.count)):
        title = f"{_axes_label(names)}: input {arrow} {axis.target}"
        rows = [[str(size.input), str(size.unused)] for size in axis.sizes[:MAX_ROWS]]
        table = fitted_table(
            ("input", "unused"), ("left", "right"), rows, width=width, ascii_only=ascii_only
        )
        shown = min(MAX_ROWS, len(axis.sizes))
        parts += [Text(""), Text(title), table, *_more(axis.count, shown, len(axis.sizes))]
    parts.append(Text(f"\n{UNUSED}"))
    return Group(*parts)


def transpose_report(
    answer: TransposeAnswer, *, ascii_only: bool = False, width: int = 80
) -> RenderableType:
    arrow = _arrow(ascii_only)
    dash = "-" if ascii_only else "–"
    layer, plain = answer.layer, answer.plain
    assert layer is not None
    assert plain is not None
    title = (
        f"{answer.forward.torch_call()}\n"
        f"{fmt_shape(answer.input_shape)} {arrow} {fmt_shape(answer.output_shape)}, and back:"
    )
    headers = ("axis", "from", "to", "kernel", "padding", "out pad", "reachable", "output_size=")
    rows = [
        [
            a.name,
            str(a.forward_output),
            str(a.input),
            str(a.kernel),
            str(a.padding),
            str(a.output_padding),
            f"{a.min_output}{dash}{a.max_output}",
            f"{a.min_output}{dash}{a.max_output_size}" if a.output_size_reachable else "none",
        ]
        for a in answer.axes
    ]
    justify = ["left"] + ["right"] * (len(headers) - 1)
    table = fitted_table(headers, justify, rows, width=width, ascii_only=ascii_only)
    parts: list[RenderableType] = [Text(title), table, Text("")]
    for a in answer.axes:
        if not a.mirrored:
            near = " or ".join(map(str, a.mirror_nearest))
            parts.append(
                Text(
                    f"axis {a.name}: kernel {a.kernel}, not the forward layer's: with its "
                    f"kernel, output_padding < max(stride, dilation) reaches {near}, not {a.input}"
                )
            )
    parts.append(_code(f"ConvTranspose: {layer.torch_call()}"))
    if answer.output_size is not None:
        parts.append(_code(f"or:            {plain.torch_call()}"))
        parts.append(
            _code(f"               called as layer(x, output_size={list(answer.output_size)})")
        )
    else:
        parts.append(
            Text(
                "forward(x, output_size=...) cannot give it: PyTorch lets output_size add at "
                "most stride − 1"
            )
        )
    parts.append(
        Text(
            "\nreachable: the sizes output_padding < max(stride, dilation) gives with this "
            "padding; output_size=: the sizes forward(x, output_size=...) accepts."
        )
    )
    return Group(*parts)


def layer_report(
    answer: LayerAnswer, *, ascii_only: bool = False, width: int = 80
) -> RenderableType:
    arrow = _arrow(ascii_only)
    title = f"{answer.kind}: input {answer.input} {arrow} {answer.target}, simplest first"
    headers = ("kernel", "stride", "padding", "dilation", "unused")
    rows = [
        [str(c.kernel), str(c.stride), str(c.padding), str(c.dilation), str(c.unused)]
        for c in answer.candidates
    ]
    justify = ["left"] + ["right"] * (len(headers) - 1)
    table = fitted_table(headers, justify, rows, width=width, ascii_only=ascii_only)
    parts: list[RenderableType] = [Text(title), table, Text("")]
    parts.append(_code(f"first: {layer_template(answer.candidates[0].spec)}"))
    if answer.more:
        parts.append(Text("More exist: raise --limit to see them."))
    parts.append(Text(UNUSED))
    return Group(*parts)


def failure_text(answer: InputsAnswer | PaddingAnswer | TransposeAnswer | LayerAnswer) -> str:
    """Why there is no answer, as the command line says it: its flags, not the parameters."""
    from convcalc.solve.inputs import InputsAnswer

    text = answer.failure or ""
    if isinstance(answer, InputsAnswer):
        for axis in answer.axes:
            if not axis.count and axis.hint is not None:
                op = axis.hint.output_padding
                text = text.replace(
                    f"; output_padding={op} gives", f"; --output-padding {op} gives"
                )
    return text


def with_note(report: RenderableType, note: str) -> RenderableType:
    """A report with what the command line assumed, last (as `shape` says it)."""
    return Group(report, Text(f"\nnote: {note}"))
