"""`solve_padding`: every padding that makes a layer map an input size to the wanted size.

The rules themselves (F.pad's tuple, the pool limit, TensorFlow's 'SAME') live in
`convcalc.padding`; this module searches with them.  Options are counted exactly (closed forms
over runs of paddings) and listed up to MAX_LISTED of each kind per axis: a stride of 10**12
allows about 10**12 paddings.
"""

# No `from __future__ import annotations`: typing.NamedTuple would compile the text of
# every record field's annotation each time the module is imported.
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from convcalc import padding as padding_rules
from convcalc.arithmetic import AXIS_NAMES, analyze
from convcalc.errors import LayerError
from convcalc.solve._search import (
    LIMITS,
    MAX_LISTED,
    MAX_SIZE,
    SLIDING_FAMILIES,
    axis_spec,
    check_family,
    check_layer,
    checked_sizes,
    compact,
    confirm,
    input_range,
    layer_template,
    level,
    nearest_outputs,
    output_for,
    window,
)
from convcalc.specs import Conv, LayerSpec, is_conv

if TYPE_CHECKING:
    from convcalc.specs import AvgPool, ConvTranspose

Pair = tuple[int, int]


class PaddingOption(NamedTuple):
    before: int
    after: int
    output_padding: int  # transposed convs; 0 otherwise
    native: bool  # the layer's padding= does it; False: an explicit pad layer, then padding=0
    output_size_ok: bool  # transposed: forward(x, output_size=...) reaches it too
    same: bool = False  # exactly what the layer's padding='same' pads on this axis

    @property
    def total(self) -> int:
        return self.before + self.after


class SamePadding(NamedTuple):
    """What TensorFlow/Keras and ONNX 'SAME' would pad for this layer and input."""

    scheme: str
    output: int  # ⌈input / stride⌉
    before: int
    after: int
    torch_output: int  # PyTorch's layer with padding=0 after that explicit pad (0: refused)


class PaddingAxis(NamedTuple):
    name: str
    input: int
    target: int
    kernel: int
    stride: int
    dilation: int
    # the first MAX_LISTED symmetric options, then the first MAX_LISTED explicit ones
    options: tuple[PaddingOption, ...]
    # every option the listing rule gives, listed or not (a field named as a tuple method:
    # NamedTuple allows it at run time)
    count: int  # type: ignore[assignment]
    same: tuple[SamePadding, ...]
    nearest: tuple[int, ...]  # reachable outputs nearest the target, when there is no option

    @property
    def capped(self) -> bool:
        return self.count > len(self.options)


class SchemeMatch(NamedTuple):
    """A TensorFlow/ONNX 'SAME' scheme beside PyTorch's first answer: the same size is not the
    same values unless every window starts at the same element."""

    scheme: str
    pads: tuple[Pair, ...]  # what the scheme pads, per axis
    shift: tuple[int, ...]  # per axis: the scheme's windows start this much later than PyTorch's
    same_values: bool  # same windows, and (avg pools) the same divisor at the border
    # PyTorch that computes what the scheme computes: explicit pads before the padding-0 layer
    # (convs, max pools: -inf), or one layer (avg pools: count_include_pad=False); both None
    # when no PyTorch layer averages as the scheme does
    exact_pads: tuple[Pair, ...] | None
    exact_layer: LayerSpec | None


class PaddingAnswer(NamedTuple):
    spec: LayerSpec  # the layer with padding=0 (the question's layer)
    axes: tuple[PaddingAxis, ...]
    native: LayerSpec | None  # one PyTorch layer with padding= that answers every axis
    pads: tuple[Pair, ...] | None  # else: explicit (before, after) per axis ...
    padded_layer: LayerSpec | None  # ... before this layer (padding=0)
    same_layer: LayerSpec | None = None  # padding='same' answers: PyTorch's first answer
    schemes: tuple[SchemeMatch, ...] = ()  # TF/ONNX 'SAME' that reach the target

    @property
    def solved(self) -> bool:
        return all(axis.options for axis in self.axes)

    @property
    def failure(self) -> str | None:
        for axis in self.axes:
            if not axis.options:
                near = ", ".join(map(str, axis.nearest)) or "none"
                text = (
                    f"no padding gives {axis.target} on axis {axis.name} of "
                    f"{layer_template(self.spec)} with input {axis.input}; "
                    f"nearest reachable: {near}"
                )
                if all(n < axis.target for n in axis.nearest):
                    text += f"; {LIMITS}"
                return text
        return None

    def to_json(self) -> dict[str, object]:
        def template(spec: LayerSpec | None) -> str | None:
            return None if spec is None else layer_template(spec)

        return {
            "question": "padding",
            "kind": self.spec.kind,
            "solved": self.solved,
            "layer": template(self.native),
            "same_layer": template(self.same_layer),
            "pad": None if self.pads is None else list(padding_rules.fpad_flat(self.pads)),
            "padded_layer": template(self.padded_layer),
            "axes": [
                {
                    "axis": axis.name,
                    "input": axis.input,
                    "target": axis.target,
                    "kernel": axis.kernel,
                    "stride": axis.stride,
                    "dilation": axis.dilation,
                    "count": axis.count,
                    "capped": axis.capped,
                    "options": [
                        {
                            "padding": [o.before, o.after],
                            "output_padding": o.output_padding,
                            "native": o.native,
                            "same": o.same,
                            "output_size_ok": o.output_size_ok,
                        }
                        for o in axis.options
                    ],
                    "same": [
                        {
                            "scheme": s.scheme,
                            "output": s.output,
                            "padding": [s.before, s.after],
                            "torch_output": s.torch_output,
                        }
                        for s in axis.same
                    ],
                    "nearest": list(axis.nearest),
                }
                for axis in self.axes
            ],
            "schemes": [
                {
                    "scheme": m.scheme,
                    "pad": list(padding_rules.fpad_flat(m.pads)),
                    "shift": list(m.shift),
                    "same_values": m.same_values,
                    "exact_pad": None
                    if m.exact_pads is None
                    else list(padding_rules.fpad_flat(m.exact_pads)),
                    "exact_layer": template(m.exact_layer),
                }
                for m in self.schemes
            ],
        }


def solve_padding(
    spec: LayerSpec, input: int | Sequence[int], target: int | Sequence[int]
) -> PaddingAnswer:
    """Every padding that makes `spec` (its own padding ignored) map `input` to `target`."""
    check_family(spec, SLIDING_FAMILIES, "spec", "has no padding: its windows follow output_size")
    sizes = checked_sizes(input, spec.dims, "input")
    targets = checked_sizes(target, spec.dims, "target")
    zero: dict[str, Any] = {"padding": 0}
    if spec.family == "convtranspose":
        zero["output_padding"] = 0
    spec = type(spec).model_validate({**spec.model_dump(), **zero})
    check_layer(spec)
    axes = tuple(_padding_axis(spec, i, sizes[i], targets[i]) for i in range(spec.dims))
    native = pads = padded = None
    same_layer = _same_layer(spec, sizes, targets)
    first: tuple[Pair, ...] | None = None
    if all(axis.options for axis in axes):
        firsts = [axis.options[0] for axis in axes]
        if all(o.native for o in firsts):
            change: dict[str, Any] = {"padding": compact([o.before for o in firsts])}
            if spec.family == "convtranspose":
                change["output_padding"] = compact([o.output_padding for o in firsts])
            native = type(spec).model_validate({**spec.model_dump(), **change})
            confirm(native, sizes, targets)
        else:
            # an explicit pad where an axis needs one; the layer's own padding on the others
            # (an explicit (p, p) is not a pool's padding=p under ceil_mode)
            pads = tuple((0, 0) if o.native else (o.before, o.after) for o in firsts)
            own = compact([o.before if o.native else 0 for o in firsts])
            padded = type(spec).model_validate({**spec.model_dump(), "padding": own})
            confirm(
                padded, tuple(s + b + a for s, (b, a) in zip(sizes, pads, strict=True)), targets
            )
        first = tuple((o.before, o.after) for o in firsts)
    if same_layer is not None:
        first = analyze(same_layer, _input(same_layer, sizes)).padding
        axes = tuple(_mark_same(axis, pair) for axis, pair in zip(axes, first, strict=True))
    schemes = () if first is None else _schemes(spec, axes, sizes, first, native is not None)
    return PaddingAnswer(spec, axes, native, pads, padded, same_layer, schemes)


def _input(spec: LayerSpec, sizes: tuple[int, ...]) -> tuple[int, ...]:
    channels = spec.in_channels if is_conv(spec) else 1
    return (channels, *sizes)


def _same_layer(
    spec: LayerSpec, sizes: tuple[int, ...], targets: tuple[int, ...]
) -> LayerSpec | None:
    """The conv with padding='same' when it gives the target (stride 1 on every axis, which
    'same' needs, and the target the input)."""
    if not isinstance(spec, Conv) or sizes != targets:
        return None
    try:
        same = Conv.model_validate({**spec.model_dump(), "padding": "same"})
        got = analyze(same, _input(same, sizes)).output_shape[1:]
    except LayerError:  # a stride above 1, or a padding_mode limit
        return None
    return same if got == targets else None


def _mark_same(axis: PaddingAxis, pair: Pair) -> PaddingAxis:
    """Mark the option padding='same' pads on this axis (listed: its total is the only one)."""
    options = tuple(
        PaddingOption(o.before, o.after, o.output_padding, o.native, o.output_size_ok, True)
        if (o.before, o.after) == pair
        else o
        for o in axis.options
    )
    return PaddingAxis(
        axis.name,
        axis.input,
        axis.target,
        axis.kernel,
        axis.stride,
        axis.dilation,
        options,
        axis.count,
        axis.same,
        axis.nearest,
    )


def _schemes(
    spec: LayerSpec,
    axes: tuple[PaddingAxis, ...],
    sizes: tuple[int, ...],
    first: tuple[Pair, ...],
    native: bool,
) -> tuple[SchemeMatch, ...]:
    """Each TF/ONNX 'SAME' scheme that reaches the target, beside PyTorch's first answer."""
    found = []
    for index, scheme in enumerate(axes[0].same):
        rows = [axis.same[index] for axis in axes]
        if not all(s.output == a.target == s.torch_output for s, a in zip(rows, axes, strict=True)):
            continue
        pads = tuple((s.before, s.after) for s in rows)
        # PyTorch's window o starts at o·stride − its padding before; the scheme's likewise
        shift = tuple(own - s.before for s, (own, _) in zip(rows, first, strict=True))
        exact_pads: tuple[Pair, ...] | None = pads
        exact_layer: LayerSpec | None = spec
        same_values = not any(shift)
        if spec.family == "avgpool":  # by name: a conv's question never imports the pools
            # TF and ONNX leave the padding out of an average (ONNX: count_include_pad=0); a
            # PyTorch pool does that with its own symmetric padding and count_include_pad=False
            exact_pads = None
            symmetric = all(b == a for b, a in pads)
            exact_layer = None
            if symmetric and all(
                b <= padding_rules.max_pool_padding(axis.kernel)
                for (b, _), axis in zip(pads, axes, strict=True)
            ):
                exact_layer = type(spec).model_validate(
                    {
                        **spec.model_dump(),
                        "padding": compact([b for b, _ in pads]),
                        "count_include_pad": False,
                    }
                )
                confirm(exact_layer, sizes, tuple(a.target for a in axes))
            # the same divisor at the border: nothing padded, or PyTorch's own padding counted out
            padded = any(b or a for b, a in pads)
            counted = cast("AvgPool", spec).count_include_pad
            same_values = same_values and (not padded or (native and not counted))
        elif not any(b or a for b, a in pads):
            exact_pads = None  # no pad: the layer itself
        found.append(SchemeMatch(scheme.scheme, pads, shift, same_values, exact_pads, exact_layer))
    return tuple(found)


def _padding_axis(spec: LayerSpec, i: int, size: int, target: int) -> PaddingAxis:
    base = axis_spec(spec, i)
    w = window(base, 0)
    name = AXIS_NAMES[spec.dims][i]
    if spec.family == "convtranspose":
        reach = TransposedReach.of(size, w.kernel, w.stride, w.dilation)
        paddings = reach.paddings(target)
        options = tuple(
            _transposed_option(reach, w.kernel, w.stride, w.dilation, size, target, p)
            for p in paddings[:MAX_LISTED]
        )
        near = () if paddings else reach.nearest(target)
        return PaddingAxis(
            name, size, target, w.kernel, w.stride, w.dilation, options, len(paddings), (), near
        )

    # input + explicit pad total that the layer with padding 0 maps to the target
    padded_sizes = input_range(base, target)
    totals = range(max(padded_sizes.start, size) - size, max(padded_sizes.stop, size) - size)
    paddings = _native_paddings(spec, i, size, target, w.kernel, padded_sizes)
    native = []
    for p in paddings[:MAX_LISTED]:
        got = output_for(axis_spec(spec, i, padding=p), size)
        assert got == target, f"solve: padding {p} gives {got}, not {target}"  # forward check
        native.append(PaddingOption(p, p, 0, True, False))
    # an explicit total 2p that padding=p already gives is listed once, as padding=p
    native_totals = range(2 * paddings.start, 2 * paddings.stop, 2)
    explicit: list[PaddingOption] = []
    for total in totals:
        if len(explicit) >= MAX_LISTED:
            break
        if total in native_totals:  # even totals only: at most every other one is skipped
            continue
        got = output_for(base, size + total)
        assert got == target, f"solve: pad {total} gives {got}, not {target}"  # forward check
        # TF's split (the odd element at the end) first, then the mirror image
        pairs = [(total // 2, total - total // 2), (total - total // 2, total // 2)]
        explicit += [PaddingOption(b, a, 0, False, False) for b, a in dict.fromkeys(pairs)]
    count = len(paddings) + _explicit_count(totals, native_totals)
    out, before, after = padding_rules.tf_same(size, w.kernel, w.stride, w.dilation)
    padded = size + before + after
    torch_out = (output_for(base, padded) or 0) if padded <= MAX_SIZE else 0
    same = (
        SamePadding("TensorFlow/Keras 'SAME', ONNX SAME_UPPER", out, before, after, torch_out),
        SamePadding("ONNX SAME_LOWER", out, after, before, torch_out),
    )
    options = tuple(native + explicit[:MAX_LISTED])
    nearest: tuple[int, ...] = ()
    if not options:
        nearest = tuple(r.output for r in nearest_outputs(base, target, smallest_input=size))
    return PaddingAxis(
        name, size, target, w.kernel, w.stride, w.dilation, options, count, same, nearest
    )


def _native_paddings(
    spec: LayerSpec, i: int, size: int, target: int, kernel: int, padded_sizes: range
) -> range:
    """Every p for which the layer's own padding=p gives the target.  A conv's padding=p pads
    to size + 2p like an explicit pad (up to its padding_mode's limit); a pool's outputs only
    grow with p, up to kernel // 2: one run, found by bisection.  Either way the padded size
    stays within int64, as ATen computes it."""
    if isinstance(spec, Conv):
        first = max(0, -(-(padded_sizes.start - size) // 2))
        last = min((padded_sizes.stop - 1 - size) // 2, _mode_limit(spec.padding_mode, size))
        return range(first, last + 1) if padded_sizes else range(0)
    highest = min(padding_rules.max_pool_padding(kernel), (MAX_SIZE - size) // 2)

    def reached(p: int, wanted: int) -> bool:
        return level(axis_spec(spec, i, padding=p), size) >= wanted

    def least(wanted: int) -> int:  # the least p in 0 … highest reaching `wanted`, or highest+1
        if not reached(highest, wanted):
            return highest + 1
        low, high = -1, highest
        while high - low > 1:
            middle = (low + high) // 2
            if reached(middle, wanted):
                high = middle
            else:
                low = middle
        return high

    first = least(target)
    if first > highest or level(axis_spec(spec, i, padding=first), size) != target:
        return range(0)
    return range(first, least(target + 1))


def _mode_limit(mode: str, size: int) -> int:
    """The largest symmetric padding a conv's padding_mode takes on an axis of `size`
    (`padding.check_mode_limits`, by bisection), at most MAX_SIZE."""

    def allowed(p: int) -> bool:
        try:
            padding_rules.check_mode_limits(mode, size, p, p)
        except LayerError:
            return False
        return True

    if allowed(MAX_SIZE):
        return MAX_SIZE
    low, high = 0, MAX_SIZE  # allowed(0), not allowed(high)
    while high - low > 1:
        middle = (low + high) // 2
        if allowed(middle):
            low = middle
        else:
            high = middle
    return low


def _explicit_count(totals: range, native_totals: range) -> int:
    """Options from explicit totals: one split of an even total, two of an odd one, and none
    for an even total padding=p already gives."""
    if not totals:
        return 0
    first, last = totals.start, totals.stop - 1
    evens = last // 2 - (first - 1) // 2
    odds = len(totals) - evens
    overlap = 0
    if native_totals:
        low = max(first, native_totals.start)
        high = min(last, native_totals.stop - 2)
        if low <= high:
            low += low % 2
            overlap = max(0, (high - low) // 2 + 1)
    return evens + 2 * odds - overlap


# --- transposed convs: padding and output_padding in closed form ---------------------------------


class TransposedReach(NamedTuple):
    """The outputs (L−1)·s − 2p + d·(k−1) + op + 1 of one transposed-conv axis on input L, over
    p = 0 … MAX_SIZE and op < max(s, d) (ConvUtils.h: output_padding < stride or dilation)."""

    full: int  # padding 0, output_padding 0
    limit: int  # output_padding < limit

    @classmethod
    def of(cls, size: int, kernel: int, stride: int, dilation: int) -> "TransposedReach":
        return cls((size - 1) * stride + dilation * (kernel - 1) + 1, max(stride, dilation))

    def paddings(self, target: int) -> range:
        """Every p giving `target`, each with output_padding 2p − full + target."""
        parity = (target - self.full) % 2
        low = max(0, target - self.full)
        low += (low - parity) % 2  # the least op ≥ low of the parity 2p = full + op − target needs
        high = self.limit - 1
        high -= (high - parity) % 2
        if low > high:
            return range(0)
        first = (self.full + low - target) // 2
        last = min((self.full + high - target) // 2, MAX_SIZE)
        return range(first, last + 1)

    def output_padding(self, target: int, padding: int) -> int:
        return 2 * padding - self.full + target

    def nearest(self, target: int) -> tuple[int, ...]:
        """The reachable outputs (1 … MAX_SIZE) just below and above `target`."""
        highest = min(self.full + self.limit - 1, MAX_SIZE)
        lowest = max(1, self.full - 2 * MAX_SIZE)

        def fits(t: int) -> bool:  # with limit 1, output_padding is 0: full's parity only
            return self.limit > 1 or (self.full - t) % 2 == 0

        if self.limit == 1:
            highest -= (self.full - highest) % 2
            lowest += (self.full - lowest) % 2
        if lowest > highest:
            return ()
        below = next((t for t in (target - 1, target - 2) if fits(t)), target - 1)
        above = next((t for t in (target + 1, target + 2) if fits(t)), target + 1)
        found = []
        if below >= lowest:
            found.append(min(below, highest))
        if above <= highest:
            found.append(max(above, lowest))
        return tuple(found)


def _one_transposed(k: int, s: int, d: int, p: int, op: int) -> "ConvTranspose":
    from convcalc.specs import ConvTranspose  # a conv's question never defines it

    return ConvTranspose.model_validate(
        {
            "dims": 1,
            "in_channels": 1,
            "out_channels": 1,
            "kernel_size": k,
            "stride": s,
            "dilation": d,
            "padding": p,
            "output_padding": op,
        }
    )


def _transposed_option(
    reach: TransposedReach,
    kernel: int,
    stride: int,
    dilation: int,
    size: int,
    target: int,
    p: int,
) -> PaddingOption:
    op = reach.output_padding(target, p)
    got = output_for(_one_transposed(kernel, stride, dilation, p, op), size)
    assert got == target, f"solve: padding {p}, output_padding {op} gives {got}"  # forward check
    return PaddingOption(p, p, op, True, op < stride)


def transposed_options(
    size: int, target: int, kernel: int, stride: int, dilation: int
) -> tuple[range, TransposedReach]:
    """The paddings (each with its output_padding) a transposed axis reaches `target` with."""
    reach = TransposedReach.of(size, kernel, stride, dilation)
    return reach.paddings(target), reach
