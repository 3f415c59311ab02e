"""A `Layout` written as SVG text with `xml.etree`: one element per item, styles looked up by
role, attributes in sorted order, no generated ids, so the same layout always gives the same
bytes.  Animation is SMIL: each frame is a group whose visibility one discrete <animate>
switches on for its step of the period; no script.  Nothing is computed here.

xml.etree rather than a drawing library: the figures need five element types, the standard
library escapes text and attributes correctly, imports in a few milliseconds, and leaves the
bytes fully under our control (drawsvg, the maintained alternative, numbers its ids from a
process-wide counter and would be a new dependency of every install).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from convcalc.figures.layout import FONT, TEXT, Frame, Item, Layout, Line, Polygon, Rect, Text
from convcalc.figures.style import BACKGROUND, ROLES, TEXT_COLOURS

SVG_NS = "http://www.w3.org/2000/svg"


def _n(value: float) -> str:
    """A coordinate as short text: 12, 12.5, 12.25."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _element(parent: ET.Element, tag: str, attributes: dict[str, str]) -> ET.Element:
    return ET.SubElement(parent, tag, dict(sorted(attributes.items())))


def _styled(role: str) -> dict[str, str]:
    style = ROLES[role]
    attributes = {"fill": style.fill}
    if style.stroke != "none" and style.width:
        attributes["stroke"] = style.stroke
        attributes["stroke-width"] = _n(style.width)
        if style.dash:
            attributes["stroke-dasharray"] = style.dash
    return attributes


def _item(parent: ET.Element, item: Item) -> None:
    if isinstance(item, Rect):
        rect = _element(
            parent,
            "rect",
            {
                "x": _n(item.x),
                "y": _n(item.y),
                "width": _n(item.width),
                "height": _n(item.height),
                **_styled(item.role),
            },
        )
        if item.tip:
            ET.SubElement(rect, "title").text = item.tip
    elif isinstance(item, Text):
        attributes = {
            "x": _n(item.x),
            "y": _n(item.y),
            "fill": TEXT_COLOURS[item.role],
            "dominant-baseline": "central",
        }
        if item.size != TEXT:
            attributes["font-size"] = _n(item.size)
        if item.anchor != "start":
            attributes["text-anchor"] = item.anchor
        if item.bold:
            attributes["font-weight"] = "bold"
        _element(parent, "text", attributes).text = item.text
    elif isinstance(item, Line):
        style = ROLES[item.role]
        attributes = {
            "x1": _n(item.x1),
            "y1": _n(item.y1),
            "x2": _n(item.x2),
            "y2": _n(item.y2),
            "stroke": style.stroke,
            "stroke-width": _n(style.width),
        }
        if style.dash:
            attributes["stroke-dasharray"] = style.dash
        _element(parent, "line", attributes)
    elif isinstance(item, Polygon):
        points = " ".join(f"{_n(x)},{_n(y)}" for x, y in item.points)
        _element(parent, "polygon", {"points": points, **_styled(item.role)})


def _frame(
    parent: ET.Element, frame: Frame, index: int, layout: Layout, items: tuple[Item, ...]
) -> None:
    # frame 0 is visible without animation, so a viewer that ignores SMIL shows a still
    group = _element(parent, "g", {"visibility": "visible" if index == 0 else "hidden"})
    _element(
        group,
        "animate",
        {
            "attributeName": "visibility",
            "begin": f"{_n(frame.begin)}s",
            "calcMode": "discrete",
            "dur": f"{_n(layout.period)}s",
            "keyTimes": f"0;{layout.shown}",
            "repeatCount": "indefinite",
            "values": "visible;hidden",
        },
    )
    for item in items:
        _item(group, item)


def write(layout: Layout) -> str:
    """The SVG document for `layout`, as text (UTF-8, with an XML declaration)."""
    width, height = _n(layout.width), _n(layout.height)
    root = ET.Element(
        "svg",
        dict(
            sorted(
                {
                    "xmlns": SVG_NS,
                    "width": width,
                    "height": height,
                    "viewBox": f"0 0 {width} {height}",
                    "font-family": FONT,
                    "font-size": _n(TEXT),
                }.items()
            )
        ),
    )
    ET.SubElement(root, "title").text = layout.title
    ET.SubElement(root, "desc").text = layout.description
    # a solid background: dark-mode viewers would otherwise show black text on black
    _element(root, "rect", {"width": width, "height": height, "fill": BACKGROUND})
    for index, frame in enumerate(layout.frames):
        if frame.under:
            _frame(root, frame, index, layout, frame.under)
    for item in layout.items:
        _item(root, item)
    for index, frame in enumerate(layout.frames):
        _frame(root, frame, index, layout, frame.items)
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
