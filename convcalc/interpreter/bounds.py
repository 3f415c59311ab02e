"""The bounds of the interpreter, in one place: a model file is code written by someone else,
so every loop, call, container, string and number it makes is counted or sized before it
exists (asteval's approach: `'a' * 10**10` and `2 ** 10**10` are refused, not attempted).

Real models stay far below each bound: ResNet-152 takes ~3,000 steps to build and run, and
its largest list has 36 entries.
"""

from __future__ import annotations

import time

MAX_STEPS = 100_000  # statements, loop iterations, comprehension items and calls, per phase
MAX_CALL_DEPTH = 100  # nested function, method and module calls (recursion)
MAX_NESTING = 400  # nested expressions and statements being evaluated at once
MAX_ITEMS = 100_000  # elements of one list, tuple, dict, set or string
MAX_TOTAL_ITEMS = 2_000_000  # elements of every container and string made, added up
MAX_INT_BITS = 256  # ints the file computes (shapes never need more than 64)
MAX_FORMAT_WIDTH = 1_000  # the width or precision in a format spec: f"{x:>1000}"
MAX_RANK = 64  # axes of one tensor
MAX_ROWS = 10_000  # module calls and tensor ops recorded in one forward
TIME_LIMIT = 2.0  # seconds of interpretation, whatever the steps (a backstop)
CLOCK_EVERY = 256  # expressions evaluated between two looks at the clock
# Python frames the evaluator may use: MAX_NESTING levels of at most ~6 frames each
RECURSION_LIMIT = 4_000


class Budget:
    """Steps taken and time spent; `tick` raises BoundExceeded past either bound."""

    __slots__ = ("deadline", "evaluations", "items", "steps")

    def __init__(self) -> None:
        self.steps = 0
        self.items = 0
        self.evaluations = 0
        self.deadline = time.monotonic() + TIME_LIMIT

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise BoundExceeded(
                f"more than {MAX_STEPS:,} steps (statements, loop iterations and calls)"
            )
        self.clock()

    def clock(self) -> None:
        if time.monotonic() > self.deadline:
            raise BoundExceeded(f"more than {TIME_LIMIT:g} s of interpretation")

    def allocate(self, count: int) -> None:
        """`count` more elements are about to be made (a list, a string, a repeat)."""
        if count > MAX_ITEMS:
            raise BoundExceeded(
                f"a container or string of {count:,} elements; at most {MAX_ITEMS:,} are allowed"
            )
        self.items += count
        if self.items > MAX_TOTAL_ITEMS:
            raise BoundExceeded(f"more than {MAX_TOTAL_ITEMS:,} container elements made in all")


class BoundExceeded(Exception):
    """A bound above was reached; the interpreter adds the line and column."""
