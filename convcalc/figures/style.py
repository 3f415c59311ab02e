"""How each role of a figure looks: colours from the Okabe–Ito palette (safe for the common
colour-vision deficiencies), and for every filled role an outline or dash pattern of its own
so that the roles stay apart in greyscale too.

conv_arithmetic's conventions are kept where they fit: the input blue, the output a
blue-green, the padding dashed, the kernel's window darker over the input.
"""

from __future__ import annotations

from dataclasses import dataclass

# Okabe & Ito (2008), "Color Universal Design"
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"

BACKGROUND = "#FFFFFF"
INK = "#1A1A1A"
MUTED = "#4D4D4D"


@dataclass(frozen=True)
class Style:
    fill: str  # "none" for outlines only
    stroke: str = INK
    width: float = 1.0
    dash: str | None = None  # SVG stroke-dasharray


ROLES: dict[str, Style] = {
    "background": Style(BACKGROUND, "none", 0),
    # a layer's input map and what surrounds it
    "input": Style(SKY_BLUE),
    "padding": Style("#E6E6E6", MUTED, 1, "4 3"),  # zeros
    "padding-copy": Style("#CCE8F8", MUTED, 1, "4 3"),  # reflect/replicate/circular: a copy
    "overhang": Style("#F9DCC8", VERMILLION, 1, "2 2"),  # ceil_mode: past the padding, ignored
    "cropped-input": Style("#D0D0D0", MUTED, 1, "1 3"),  # a negative F.pad padding removes it
    "inserted": Style("#F4F4F4", MUTED, 1, "1 2"),  # transposed: the zeros between inputs
    "unused": Style(YELLOW, INK, 1, "2 2"),  # no window ever reads it
    "gap": Style("none", "none", 0),  # an elided stretch of rows or columns
    # the window at the marked output
    "window": Style(BLUE, BLACK, 1.5),  # a tap the kernel reads
    "window-outline": Style("none", BLACK, 2.5),  # the window's span (dilation's holes inside)
    "next-window": Style("none", VERMILLION, 2, "6 3"),  # one stride further
    # the output map
    "output": Style(BLUISH_GREEN),
    "marked": Style(ORANGE, BLACK, 2.5),  # the output element the window computes
    "bias-only": Style("#B8E2D5", INK, 1, "2 2"),  # transposed: no input reaches it
    "cropped": Style("#D9EFE8", MUTED, 1, "4 3"),  # transposed: padding crops it off
    "stamp": Style("none", REDDISH_PURPLE, 3),  # transposed: one input's kernel copy
    # windows along an axis, as bars
    "bar": Style("#BDBDBD", MUTED, 0.5),
    "bar-marked": Style(BLUE, BLACK, 1),
    # channels and networks
    "channel-in": Style(SKY_BLUE),
    "channel-out": Style(BLUISH_GREEN),
    "channel-mid": Style(ORANGE),
    "group-band": Style("#F0F0F0", "#BDBDBD", 1, "3 3"),
    "edge": Style("none", MUTED, 1),
    "map-front": Style(SKY_BLUE),
    "map-top": Style("#9ED3F2"),
    "map-side": Style("#2E8FC6"),
    "input-front": Style("#BDBDBD"),
    "input-top": Style("#DDDDDD"),
    "input-side": Style("#9A9A9A"),
    "pool-front": Style(ORANGE),
    "pool-top": Style("#F2C766"),
    "pool-side": Style("#B87F00"),
    "vector": Style(REDDISH_PURPLE),
    "connector": Style("none", "#8C8C8C", 1),
    "arrow": Style("none", MUTED, 1.5),
    "skip": Style("none", VERMILLION, 1.5, "5 3"),
    "swatch-line": Style("none", "none", 0),
}

# text colours by role
TEXT_COLOURS: dict[str, str] = {
    "text": INK,
    "muted": MUTED,
    "on-dark": BACKGROUND,  # numbers on the window's dark blue
    "value": INK,
    "copy": "#1F4E79",  # a padded cell's source index
}
