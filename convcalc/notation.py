"""How convcalc writes shapes and numbers, in messages, tables and JSON alike (pure text)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Literal

Number = int | float | Fraction
ShapeStyle = Literal["dims", "python", "sizes"]

DECIMALS = 6  # digits after the point for rationals that do not terminate sooner


def int_text(value: int) -> str:
    """An int as digits, or, past 30 digits, as its size (Python will not even write an int
    of more than 4,300 digits as text)."""
    if value.bit_length() <= 99:  # below 10**29.8
        return str(value)
    digits = int(value.bit_length() * 0.30103) + 1  # ≈ log10(2): the count, ± 1
    return f"{'-' if value < 0 else ''}<an integer of about {digits:,} digits>"


def count_text(value: int) -> str:
    """A large count as 3.63e+24 (never a float overflow, never 5,000 digits)."""
    if value < 10**6:
        return f"{value:,}"
    return f"{float(value):.3g}" if value.bit_length() < 1000 else int_text(value)


def shape_text(shape: Sequence[int], style: ShapeStyle = "dims") -> str:
    """A shape in one of the three forms convcalc prints:

    - "dims": `(1, 3, 224)`, and `(224)` for one axis (messages about tensor sizes);
    - "python": `(4,)` for one axis, as Python prints a tuple (array shapes, tables);
    - "sizes": `224, 200`, bare (per-axis sizes as the user types them).
    """
    body = ", ".join(map(int_text, shape))
    if style == "sizes":
        return body
    if style == "python" and len(shape) == 1:
        return f"({body},)"
    return f"({body})"


def json_number(value: Fraction) -> int | float:
    """An exact rational for JSON: an int when whole, else the nearest float."""
    return value.numerator if value.denominator == 1 else float(value)


def fraction_text(value: Fraction) -> str:
    """'3' or '1/2'."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def number_text(value: Number) -> str:
    """Ints as they are; rationals as decimals (exact, or cut after DECIMALS digits and
    marked '…'); floats with 6 significant digits."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        sign = "-" if value < 0 else ""
        scaled = abs(value) * 10**DECIMALS
        digits = math.floor(scaled)
        whole, frac = divmod(digits, 10**DECIMALS)
        text = f"{sign}{whole}.{frac:0{DECIMALS}d}"
        return text.rstrip("0").rstrip(".") if scaled == digits else text + "…"
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.6g}"
    return text if any(c in text for c in ".e") else text + ".0"


def compact(value: int) -> str:
    """3 significant digits and an SI prefix: 15,470,314,496 → 15.5G."""
    if value < 10_000:
        return f"{value:,}"
    for prefix, size in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if value >= size:
            scaled = value / size
            digits = 0 if scaled >= 100 else 1 if scaled >= 10 else 2
            return f"{scaled:.{digits}f}{prefix}"
    return str(value)  # pragma: no cover
