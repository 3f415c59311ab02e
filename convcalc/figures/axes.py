"""One spatial axis of a layer as a figure draws it: where each output's window reads, what
each input position is (input, padding, unused, ...), and which positions are drawn when the
axis is too long to draw whole (the first and last windows, the marked one, with gaps
between, as `run` previews a large output).

Positions are padded coordinates: 0 is the first input element, −1 the last padding element
before it.  Everything is read from the analysed layer (`arithmetic.LayerShape`'s axes).
"""

from __future__ import annotations

from dataclasses import dataclass

from convcalc.arithmetic import Axis, WindowAxis, adaptive_window

# An axis is drawn whole when its padded input has at most IN_ALL positions and its output
# at most OUT_ALL; otherwise elided to at most about IN_MOST positions.
IN_ALL = 24
OUT_ALL = 16
IN_MOST = 36
END_KEPT = 4  # unused and padded positions kept after the last drawn window
BRUTE_FORCE = 4096  # windows or taps tried per position when asking whether it is read

Positions = tuple[int | None, ...]  # None: an elided stretch


@dataclass(frozen=True)
class AxisRule:
    """Where the windows of one axis read, in padded coordinates."""

    name: str
    size: int  # input elements
    before: int  # padding before the input (negative: F.pad crops)
    after: int
    out: int
    kernel: int = 1
    stride: int = 1
    dilation: int = 1
    adaptive: bool = False
    # avg pools: a window stops at the end of the right padding (ceil_mode's overhang)
    cut_at_padding: bool = False

    @classmethod
    def of(cls, axis: Axis | WindowAxis, *, avg: bool = False) -> AxisRule:
        if isinstance(axis, WindowAxis):
            return cls(
                axis.name,
                axis.input,
                axis.padding[0],
                axis.padding[1],
                axis.output,
                axis.kernel,
                axis.stride,
                axis.dilation,
                cut_at_padding=avg,
            )
        return cls(axis.name, axis.input, 0, 0, axis.output, adaptive=True)

    @property
    def first(self) -> int:
        """The first padded position drawn."""
        return min(0, -self.before)

    @property
    def end(self) -> int:
        """One past the last padded position (the padding included)."""
        return self.size + self.after

    def span(self, o: int) -> tuple[int, int]:
        """[start, stop) of output o's window, holes included."""
        if self.adaptive:
            return adaptive_window(self.size, self.out, o)
        start = o * self.stride - self.before
        return start, start + self.dilation * (self.kernel - 1) + 1

    def taps(self, o: int) -> tuple[int, ...]:
        """The positions output o reads (beyond the padding too: ceil_mode's overhang)."""
        start, stop = self.span(o)
        if self.adaptive:
            return tuple(range(start, stop))
        return tuple(range(start, stop, self.dilation))

    def counts(self, position: int) -> bool:
        """Whether a tap here takes part (a tap past the right padding is ignored)."""
        return position < self.end if not self.adaptive else True

    def kind(self, position: int) -> str:
        """input, padding, overhang or cropped-input."""
        if position < -self.before or (self.after < 0 and position >= self.end):
            return "cropped-input"
        if 0 <= position < self.size:
            return "input"
        if position < self.end or position < 0:
            return "padding"
        return "overhang"

    def read(self, position: int) -> bool:
        """Whether any window reads this position."""
        if self.out < 1:
            return False
        if self.adaptive:
            return 0 <= position < self.size
        q = position + self.before  # offset from the first window's start
        s, d = self.stride, self.dilation
        # o·s + t·d = q with 0 ≤ o < out, 0 ≤ t < kernel: try the shorter of the two ranges
        lowest = max(0, -(-(q - d * (self.kernel - 1)) // s))
        highest = min(self.out - 1, q // s)
        if highest < lowest:
            return False
        if highest - lowest < min(self.kernel, BRUTE_FORCE):
            return any((q - o * s) % d == 0 for o in range(lowest, highest + 1))
        if self.kernel <= BRUTE_FORCE:
            return any(
                (q - t * d) % s == 0 and 0 <= (q - t * d) // s < self.out
                for t in range(self.kernel)
            )
        return True  # an enormous window both ways: taken as read

    def marked_windows(self, o: int) -> tuple[int, ...]:
        return tuple(p for p in self.taps(o) if self.counts(p))


@dataclass(frozen=True)
class AxisView:
    """What a figure draws of one axis."""

    rule: AxisRule
    inputs: Positions  # padded positions, left to right (None: a gap)
    outputs: Positions  # output indices

    @property
    def elided(self) -> bool:
        return None in self.inputs or None in self.outputs


def with_gaps(kept: set[int]) -> Positions:
    """Sorted positions with None where a stretch is left out (a single missing position is
    drawn instead: a gap would take its place anyway)."""
    ordered = sorted(kept)
    result: list[int | None] = []
    for position in ordered:
        if result and result[-1] is not None:
            last = result[-1]
            assert last is not None
            if position == last + 2:
                result.append(last + 1)
            elif position > last + 2:
                result.append(None)
        result.append(position)
    return tuple(result)


def _outputs(out: int, marked: int, head: int, tail: int) -> set[int]:
    kept = set(range(min(head, out))) | set(range(max(0, out - tail), out))
    kept |= {o for o in (marked - 1, marked, marked + 1) if 0 <= o < out}
    return kept


def view(rule: AxisRule, marked: int, extra: tuple[int, ...] = ()) -> AxisView:
    """The positions drawn of `rule`'s axis with output `marked` chosen; `extra` are output
    indices that must stay visible too."""
    first, end = rule.first, rule.end
    last_stop = max([end, *(rule.span(o)[1] for o in (rule.out - 1,) if rule.out > 0)])
    if last_stop - first <= IN_ALL and rule.out <= OUT_ALL:
        everything = set(range(first, last_stop))
        return AxisView(rule, with_gaps(everything), tuple(range(rule.out)))
    for head, tail in ((3, 2), (2, 1), (1, 1)):
        outputs = _outputs(rule.out, marked, head, tail) | set(extra)
        inputs = _inputs(rule, outputs)
        if len(inputs) <= IN_MOST:
            break
    else:
        inputs = _trim(inputs, rule, marked)
    return AxisView(rule, with_gaps(inputs), with_gaps(outputs))


def _inputs(rule: AxisRule, outputs: set[int]) -> set[int]:
    kept: set[int] = set()
    for o in outputs:
        start, stop = rule.span(o)
        kept.update(range(start, stop))
    kept.update(range(rule.first, min(rule.first + 1, rule.end)))
    # what follows the last window: the unused input and the padding (a few of them)
    after = max(kept) + 1 if kept else rule.first
    tail = range(after, rule.end)
    kept.update(tail if len(tail) <= END_KEPT else (*tail[:1], *tail[-(END_KEPT - 1) :]))
    return kept


def _trim(kept: set[int], rule: AxisRule, marked: int) -> set[int]:
    """Windows too wide to draw whole: their first and last positions and the ends."""
    start, stop = rule.span(marked) if rule.out else (rule.first, rule.first)
    ordered = sorted(kept)
    half = IN_MOST // 3
    chosen = set(ordered[:half]) | set(ordered[-half:])
    chosen |= set(range(start, min(stop, start + half))) | set(range(max(start, stop - half), stop))
    return chosen
