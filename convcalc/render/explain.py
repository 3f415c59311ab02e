"""`convcalc run --explain` as text: the lines behind each output element, as styled segments
(render/run.py maps the styles to rich's) and as the plain lines `--json` carries.  No rich.

    out[1] = 1·2 + 2·3 + 3·4 = 20
    out[0, 0] = max(1, 0, 3, 4) = 4
    out[1, 2] = (2 + (0) + 9 + (0) + 4 + (0)) / 6 = 2.5   [divisor 6: window incl. padding]
    x[1] = 2: 2·[1, 2] = [2, 4] → full[1:3]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from convcalc.explain import Crop, Element, Explanation, Scatter, Term
from convcalc.notation import number_text
from convcalc.specs import AvgPool, Conv, ConvTranspose, MaxPool

MAX_TERMS = 12  # terms written out per sum; longer sums keep their first and last ones

# Segment styles: render/run.py maps them to rich styles; plain text ignores them.
PAD, BIAS, VALUE, NOTE = "pad", "bias", "value", "note"
Segment = tuple[str, str | None]

_REASONS = {
    "divisor_override": "divisor_override",
    "count_include_pad": "window incl. padding",
    "real_elements": "real elements",
    "adaptive": "adaptive window",
}


def index_text(index: Sequence[object]) -> str:
    return ", ".join(map(str, index))


def target(explanation: Explanation, e: Element) -> str:
    """`out[1, 2]`: the element in the user's rank."""
    return f"out[{index_text(explanation.index(e.n, e.c, e.pos))}]"


def _term_segments(term: Term) -> list[Segment]:
    value = number_text(term.value)
    shown: Segment = (f"({value})", PAD) if term.padded else (value, None)
    if term.weight is None:
        return [shown]
    return [(f"{number_text(term.weight)}·", None), shown]


def element_line(explanation: Explanation, e: Element) -> tuple[Segment, ...]:
    """`out[1] = 1·2 + 2·3 + 3·4 = 20`, `out[0, 0] = max(1, 0, 3, 4) = 4`, ... (without the
    divisor note)."""
    parts: list[Segment] = [(f"{target(explanation, e)} = ", None)]
    terms = list(e.terms)
    shown: list[Term | None] = list(terms)
    if len(terms) > MAX_TERMS:
        shown = [*terms[: MAX_TERMS - 2], None, *terms[-2:]]
    joiner = " + " if e.op != "max" else ", "
    body: list[Segment] = []
    for i, term in enumerate(shown):
        if i:
            body.append((joiner, None))
        if term is None:
            body.append((f"… {len(terms) - MAX_TERMS + 2} more …", NOTE))
        else:
            body.extend(_term_segments(term))
    if e.op == "sum":
        parts += body or [("0 (no input reaches it)", NOTE)]
        if e.bias is not None:
            parts += [(" + ", None), (number_text(e.bias), BIAS), (" (bias)", BIAS)]
    elif e.op == "max":
        parts += [("max(", None), *body, (")", None)]
    else:
        parts += [("(", None), *body, (f") / {e.divisor}", None)]
    parts += [(" = ", None), (number_text(e.value), VALUE)]
    return tuple(parts)


def divisor_note(e: Element) -> str | None:
    """Why an average divides by what it does, where that is not plainly the window's size."""
    if e.op != "mean" or e.divisor_reason is None:
        return None
    plain = not e.overhang and not any(t.padded for t in e.terms)
    if plain and e.divisor_reason != "divisor_override":
        return None
    notes = [f"divisor {e.divisor}: {_REASONS[e.divisor_reason]}"]
    if e.overhang:
        cut = ", ".join(f"{o.axis} {o.kept} of {o.kernel}" for o in e.overhang)
        notes.append(f"ceil_mode overhang cut {cut}")
    return "; ".join(notes)


def legend(explanation: Explanation) -> str:
    shape = explanation.shape
    spec = shape.spec
    if isinstance(spec, ConvTranspose):
        return "sums of weight·input over every input element whose kernel copy lands here"
    pads = any(a.padding != (0, 0) for a in shape.axes)
    if isinstance(spec, Conv):
        mode = "zeros" if spec.padding_mode == "zeros" else f"{spec.padding_mode} copies"
        return "weight·input" + (f"; (v) = padding ({mode})" if pads else "")
    if isinstance(spec, MaxPool):
        return "window values" + ("; (-inf) = padding, never the max" if pads else "")
    if isinstance(spec, AvgPool):
        return "window sum / divisor" + ("; (0) = zero padding" if pads else "")
    return "adaptive window [⌊i·in/out⌋, ⌈(i+1)·in/out⌉) per axis"


def _nested(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_nested(v) for v in value) + "]"
    return number_text(value)


def _slice(span: range) -> str:
    return f"{span.start}:{span.stop}" + (f":{span.step}" if span.step > 1 else "")


def scatter_line(explanation: Explanation, s: Scatter) -> tuple[Segment, ...]:
    """`x[1] = 2: 2·[1, 2] = [2, 4] → full[1:3]`."""
    value = number_text(s.value)
    head = explanation.index(s.n, s.out_channel, ())
    where = index_text((*head, *map(_slice, s.lands)))
    return (
        (f"x[{index_text(explanation.index(s.n, s.in_channel, s.position))}] = {value}: ", None),
        (f"{value}·{_nested(s.kernel)} = ", None),
        (_nested(s.copy), VALUE),
        (f" → full[{where}]", None),
    )


def crop_line(explanation: Explanation, crop: Crop) -> tuple[Segment, ...]:
    """How the scattered copies become the output."""
    full = " × ".join(map(str, crop.full))
    keep = ", ".join(f"{k.start}:{k.stop}" for k in crop.keep)
    keep = f"…, {keep}" if explanation.lead else keep
    cropped = any(k.start for k in crop.keep)
    text = f"the copies sum to the full output ({full})" + (
        f"; padding crops it: out = full[{keep}]" if cropped else " = out"
    )
    if any(crop.output_padding):
        text += " (output_padding extends the end)"
    return ((text, NOTE),)


def lines(explanation: Explanation) -> list[tuple[tuple[Segment, ...], str | None]]:
    """Each line's segments, with an element's divisor note (None: no note)."""
    if explanation.crop is not None:
        shown: list[tuple[tuple[Segment, ...], str | None]] = [
            (scatter_line(explanation, s), None) for s in explanation.scatter
        ]
        return [*shown, (crop_line(explanation, explanation.crop), None)]
    return [(element_line(explanation, e), divisor_note(e)) for e in explanation.elements]


def truncation_note(explanation: Explanation, hint: str = "") -> str | None:
    """`… 59 more elements`, then `hint` (how to choose one) when given."""
    if not explanation.more:
        return None
    what = "input elements" if explanation.crop is not None else "elements"
    return f"… {explanation.more:,} more {what}" + (f"; {hint}" if hint else "")


def plain(line: Sequence[Segment]) -> str:
    return "".join(text for text, _ in line)


def explain_text(explanation: Explanation, hint: str = "") -> list[str]:
    """The plain lines `--json` carries: one per element (its divisor note at its end) or
    scattered copy, then the truncation note."""
    text = [
        plain(line) + ("" if note is None else f"   [{note}]") for line, note in lines(explanation)
    ]
    note = truncation_note(explanation, hint)
    return text + ([note] if note else [])
