"""How much one `convcalc run` may hold and do: every bound of the engine, in one place.

The analysed layer knows, before any array exists, every size the work will have (output,
padded input, column buffers, multiply-adds, window reads, Python numbers), so `run` refuses
above these bounds at once, in one line naming the bound and the size, rather than start work
it cannot finish.  The numbers were measured on a 2-core VM (benchmarks/README.md): at each
bound the work takes about a second, and a run stays well inside 3 GiB of address space.
The input caps (file and text sizes) live beside the reader, in convcalc/arrays.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from convcalc.errors import InputError
from convcalc.notation import count_text, shape_text

# Elements of any one array `run` holds: input, weight, output, padded input, converted copies.
# 256 MiB of int64/float64; the engine keeps a few such arrays alive at once (float copies,
# limbs, the output and its int64 copy), which stays under ~2 GiB.
MAX_ELEMENTS = 2**25
# The work of a (transposed) convolution as the engine does it, in multiply-adds, each element
# copied into a column buffer or gathered counting as one more (about 1 s at the bound); exact
# integers beyond 2⁵³ count one full pass per pair of limbs.
MAX_MULTIPLY_ADDS = 2**31
# Window elements a pool reads, each tap's pass counted as at least PASS_READS (its fixed
# cost); about 1.5 s.
MAX_WINDOW_READS = 2**30
# Work on Python numbers (values beyond int64, exact rationals), in units of ~12 ns: one
# operation on an integer of w 64-bit words costs 4 + w units, a Fraction _FRACTION_UNITS.
MAX_PYTHON_WORK = 2**26
PASS_READS = 1024
_NUMPY_MAX_BYTES = 2**63 - 1  # NumPy refuses a shape whose non-zero axes exceed this in bytes
_FRACTION_UNITS = 100

_WORDS = (
    (10**18, "quintillion"),
    (10**15, "quadrillion"),
    (10**12, "trillion"),
    (10**9, "billion"),
    (10**6, "million"),
)


class BoundError(InputError):
    """A run refused before it starts: `size` exceeds the bound `name` (= `bound`)."""

    def __init__(self, message: str, *, name: str, size: int, bound: int) -> None:
        super().__init__(message)
        self.name = name
        self.size = size
        self.bound = bound


def amount(value: int) -> str:
    """123,456 below a million; then '9.8 billion', '2.15 quintillion'; past that '3.6e+24'."""
    if value < 10**6:
        return f"{value:,}"
    for size, word in _WORDS:
        if value >= size and value < size * 1000:
            return f"{value / size:.3g} {word}"
    return count_text(value)


def python_units(operations: int, bits: int) -> int:
    """The cost of `operations` on Python integers of up to `bits` bits."""
    return operations * (4 + max(1, -(-bits // 64)))


def fraction_units(count: int) -> int:
    return count * _FRACTION_UNITS


def check_elements(what: str, shape: Sequence[int], *, param: str = "run") -> None:
    """Refuse an array of `shape` (`what`: 'the output', 'the padded input', ...) beyond
    MAX_ELEMENTS."""
    size = 1
    for n in shape:
        size *= n
    if size == 0 and math.prod(n for n in shape if n) > _NUMPY_MAX_BYTES // 8:
        # NumPy sizes even an empty array's axes: their product must fit its byte count
        held = math.prod(n for n in shape if n) * 8
        raise BoundError(
            f"{param}: {what} {shape_text(shape, 'python')} is empty, but NumPy (which holds "
            f"`run`'s arrays) sizes its other axes too, {amount(held)} bytes; it makes at most "
            f"{_NUMPY_MAX_BYTES:,} (NUMPY_MAX_BYTES)",
            name="NUMPY_MAX_BYTES",
            size=held,
            bound=_NUMPY_MAX_BYTES,
        )
    if size > MAX_ELEMENTS:
        raise BoundError(
            f"{param}: {what} {shape_text(shape, 'python')} has {amount(size)} elements; `run` "
            f"holds at most {MAX_ELEMENTS:,} (MAX_ELEMENTS)",
            name="MAX_ELEMENTS",
            size=size,
            bound=MAX_ELEMENTS,
        )


def check_multiply_adds(count: int, what: str, param: str = "run") -> None:
    """Refuse a convolution needing more than MAX_MULTIPLY_ADDS (`what` says why so many)."""
    if count > MAX_MULTIPLY_ADDS:
        raise BoundError(
            f"{param}: {what} takes {amount(count)} multiply-adds; `run` does at most "
            f"{MAX_MULTIPLY_ADDS:,} (MAX_MULTIPLY_ADDS)",
            name="MAX_MULTIPLY_ADDS",
            size=count,
            bound=MAX_MULTIPLY_ADDS,
        )


def check_window_reads(count: int, what: str, param: str = "run") -> None:
    if count > MAX_WINDOW_READS:
        raise BoundError(
            f"{param}: {what} reads {amount(count)} window elements; `run` reads at most "
            f"{MAX_WINDOW_READS:,} (MAX_WINDOW_READS)",
            name="MAX_WINDOW_READS",
            size=count,
            bound=MAX_WINDOW_READS,
        )


def check_python_work(units: int, what: str, param: str = "run") -> None:
    """Refuse exact work on Python numbers beyond MAX_PYTHON_WORK (`what` says what it is)."""
    if units > MAX_PYTHON_WORK:
        raise BoundError(
            f"{param}: {what}: {amount(units)} units of work on Python numbers; `run` does at "
            f"most {MAX_PYTHON_WORK:,} (MAX_PYTHON_WORK)",
            name="MAX_PYTHON_WORK",
            size=units,
            bound=MAX_PYTHON_WORK,
        )
