"""Which input channels feed which output channels: a conv's channel groups (standard,
grouped, depthwise) as two columns of channels joined where a filter reads, and `convcalc
params`'s variants side by side as chains of such columns.

Many channels are elided: the first and last of each column (and of each group drawn)."""

from __future__ import annotations

from dataclasses import dataclass

from convcalc.arithmetic import ChannelGroups, channel_groups
from convcalc.errors import InputError
from convcalc.figures.grid import LINE, header, legend
from convcalc.figures.layout import MARGIN, SMALL, TEXT, Canvas, Layout, Rect, text_width
from convcalc.notation import count_text, shape_text
from convcalc.specs import Conv, ConvTranspose, expand
from convcalc.variants import Comparison

NODE_W = 46
NODE_H = 18
NODE_GAP = 4
COLUMN_GAP = 110  # between two columns of channels: room for the edges
GROUPS_SHOWN = 4  # groups drawn whole up to this many; beyond, the first two and the last
PER_GROUP = 4  # channels of a group drawn whole up to this many
ROW_WIDTH = 900  # px of panels before the next ones start a new row
COLUMN_MOST = 7  # a column of a variant: beyond, its first three and last two channels

Slot = int | None  # a channel, or None for an elided run


def _group_channels(count: int, groups: int) -> list[Slot]:
    """The channels drawn of `count` split into `groups`: whole groups, elided inside."""
    per = count // groups
    shown_groups: list[int | None] = (
        list(range(groups)) if groups <= GROUPS_SHOWN else [0, 1, None, groups - 1]
    )
    slots: list[Slot] = []
    for g in shown_groups:
        if g is None:
            slots.append(None)
            continue
        local: list[int | None] = list(range(per)) if per <= PER_GROUP else [0, 1, None, per - 1]
        slots += [None if i is None else g * per + i for i in local]
    return slots


def _plain_channels(count: int) -> list[Slot]:
    if count <= COLUMN_MOST:
        return list(range(count))
    return [0, 1, 2, None, count - 2, count - 1]


@dataclass(frozen=True)
class _Column:
    x: float
    y: dict[int, float]  # channel → top of its node
    gaps: tuple[float, ...]
    bottom: float


def _column(
    canvas: Canvas,
    x: float,
    top: float,
    slots: list[Slot],
    role: str,
    prefix: str,
    *,
    blocks: list[int] | None = None,
) -> _Column:
    """A column of channel nodes.  `blocks[i]` is slot i's group: a new group starts lower."""
    y = top
    at: dict[int, float] = {}
    gaps = []
    previous: int | None = None
    for i, slot in enumerate(slots):
        block = blocks[i] if blocks is not None else 0
        if previous is not None and block != previous:
            y += NODE_GAP * 3
        previous = block
        if slot == -1:  # a blank row: this group has fewer channels on this side
            y += NODE_H + NODE_GAP
            continue
        if slot is None:
            gaps.append(y)
            canvas.text(x + NODE_W / 2, y + NODE_H / 2, "⋮", "muted", TEXT, "middle")
        else:
            at[slot] = y
            canvas.rect(x, y, NODE_W, NODE_H, role, f"{prefix}{slot}")
            canvas.text(x + NODE_W / 2, y + NODE_H / 2, f"{prefix}{slot}", "value", SMALL, "middle")
        y += NODE_H + NODE_GAP
    return _Column(x, at, tuple(gaps), y)


def _edges(canvas: Canvas, left: _Column, right: _Column, groups: ChannelGroups) -> int:
    """Lines from every drawn input channel to the drawn output channels it feeds."""
    drawn = 0
    for a, ya in sorted(left.y.items()):
        feeds = groups.outputs_of(a)
        for b, yb in sorted(right.y.items()):
            if b in feeds:
                canvas.line(left.x + NODE_W, ya + NODE_H / 2, right.x, yb + NODE_H / 2, "edge")
                drawn += 1
    return drawn


def _blocks(slots: list[Slot], per: int) -> list[int]:
    """Each slot's group (an elided run joins the group before it)."""
    blocks = []
    current = 0
    for slot in slots:
        if slot is not None:
            current = slot // per
        blocks.append(current)
    return blocks


def channels_layout(spec: Conv | ConvTranspose) -> Layout:
    groups = channel_groups(spec)
    if groups.in_channels < 1 or groups.out_channels < 1:
        raise InputError(
            f"in_channels: nothing to draw: {spec.torch_name} has {groups.in_channels} input "
            f"and {groups.out_channels} output channels"
        )
    canvas = Canvas()
    kernel = expand(spec.kernel_size, spec.dims)
    weight = groups.weight_shape(kernel)
    g = groups.groups
    reads = (
        f"each output channel reads {groups.in_per_group} of {groups.in_channels} input channels"
    )
    if g == groups.in_channels and g > 1:
        kind = f"depthwise (groups = in_channels = {g})"
    elif g > 1:
        kind = f"grouped (groups={g})"
    else:
        kind = "standard (groups=1): every input channel feeds every output channel"
    lines = [kind, reads + f"; weight {shape_text(weight, 'python')}"]
    y = header(canvas, MARGIN, MARGIN, f"nn.{spec.torch_call()}", lines) + 8
    ins = _group_channels(groups.in_channels, g)
    outs = _group_channels(groups.out_channels, g)
    x_in = MARGIN + 70
    x_out = x_in + NODE_W + COLUMN_GAP + 40
    canvas.text(x_in + NODE_W / 2, y + TEXT / 2, "input", "text", TEXT, "middle", bold=True)
    canvas.text(x_out + NODE_W / 2, y + TEXT / 2, "output", "text", TEXT, "middle", bold=True)
    top = y + LINE + 4
    in_blocks = _blocks(ins, groups.in_per_group)
    out_blocks = _blocks(outs, groups.out_per_group)
    # the two columns get the same vertical room per group, so each group's band is level
    ins_padded, outs_padded, ib, ob = _level(ins, outs, in_blocks, out_blocks)
    bands_at = len(canvas.items)
    left = _column(canvas, x_in, top, ins_padded, "channel-in", "", blocks=ib)
    right = _column(canvas, x_out, top, outs_padded, "channel-out", "", blocks=ob)
    _edges(canvas, left, right, groups)
    if g > 1:
        bands = _bands(left, right, ins_padded, ib, outs_padded, ob)
        canvas.items[bands_at:bands_at] = bands
    y = max(left.bottom, right.bottom) + 10
    entries = [("channel-in", "input channel"), ("channel-out", "output channel")]
    if g > 1:
        entries.append(("group-band", "a group: its output channels read only its inputs"))
    legend(canvas, MARGIN, y, entries)
    return canvas.layout(f"channel groups of nn.{spec.torch_call()}", "; ".join(lines))


def _level(
    ins: list[Slot], outs: list[Slot], ib: list[int], ob: list[int]
) -> tuple[list[Slot], list[Slot], list[int], list[int]]:
    """Pad each group's shorter column with blank rows (-1, drawn as nothing)."""
    order: list[int] = []
    for b in [*ib, *ob]:
        if b not in order:
            order.append(b)
    new_in: list[Slot] = []
    new_out: list[Slot] = []
    new_ib: list[int] = []
    new_ob: list[int] = []
    for b in sorted(order):
        a = [s for s, k in zip(ins, ib, strict=True) if k == b]
        c = [s for s, k in zip(outs, ob, strict=True) if k == b]
        height = max(len(a), len(c))
        new_in += a + [-1] * (height - len(a))
        new_out += c + [-1] * (height - len(c))
        new_ib += [b] * height
        new_ob += [b] * height
    return new_in, new_out, new_ib, new_ob


def _bands(
    left: _Column, right: _Column, ins: list[Slot], ib: list[int], outs: list[Slot], ob: list[int]
) -> list[Rect]:
    bands = []
    for b in sorted(set(ib)):
        ys = [
            left.y[s]
            for s, k in zip(ins, ib, strict=True)
            if k == b and s is not None and s in left.y
        ]
        ys += [
            right.y[s]
            for s, k in zip(outs, ob, strict=True)
            if k == b and s is not None and s in right.y
        ]
        if not ys:
            continue
        top, bottom = min(ys) - 5, max(ys) + NODE_H + 5
        bands.append(
            Rect(
                left.x - 60,
                top,
                right.x + NODE_W + 8 - (left.x - 60),
                bottom - top,
                "group-band",
                f"group {b}",
            )
        )
    return bands


# --- params: the variants side by side --------------------------------------------------------


def _layer_label(spec: Conv | ConvTranspose) -> str:
    kernel = "×".join(map(str, expand(spec.kernel_size, spec.dims)))
    return kernel + (f" g={spec.groups}" if spec.groups > 1 else "")


def variants_layout(comparison: Comparison) -> Layout:
    canvas = Canvas()
    layer = comparison.layer
    y = header(
        canvas,
        MARGIN,
        MARGIN,
        f"nn.{layer.torch_call()} and its variants",
        ["channels column by column; a line joins an input channel to each output it feeds"],
    )
    top = y + 10
    x: float = MARGIN
    bottom = top
    for variant in comparison.variants:
        if x > ROW_WIDTH:  # the next row of panels
            x, top = MARGIN, bottom + 24
        columns = len(variant.channels)
        labels = [_layer_label(count.spec) for count in variant.layers]
        gap = max(56.0, *(text_width(label, SMALL) + 14 for label in labels))
        width = columns * NODE_W + (columns - 1) * gap
        title = variant.name.replace("_", " ")
        ratio = "" if variant.ratio is None else f" ({variant.ratio:.3g}×)"
        caption = f"{count_text(variant.params)} params{ratio}"
        panel = max(width, text_width(title, TEXT), text_width(caption, SMALL))
        canvas.text(x, top + TEXT / 2, title, bold=True)
        canvas.text(x, top + LINE + SMALL / 2, caption, "muted", SMALL)
        y0 = top + LINE + 34
        previous: _Column | None = None
        cx = x
        for i, count in enumerate(variant.channels):
            role = "channel-in" if i == 0 else "channel-out" if i == columns - 1 else "channel-mid"
            column = _column(canvas, cx, y0, _plain_channels(count), role, "")
            canvas.text(
                cx + NODE_W / 2, column.bottom + 4 + SMALL / 2, str(count), "muted", SMALL, "middle"
            )
            if previous is not None:
                spec = variant.layers[i - 1].spec
                _edges(canvas, previous, column, channel_groups(spec))
                middle = (previous.x + NODE_W + cx) / 2
                canvas.text(middle, y0 - 8, labels[i - 1], "muted", SMALL, "middle")
            bottom = max(bottom, column.bottom + 16)
            previous = column
            cx += NODE_W + gap
        x += panel + 40
    entries = [
        ("channel-in", "input channels"),
        ("channel-mid", "channels inside the variant"),
        ("channel-out", "output channels"),
    ]
    y = bottom + 10
    skipped = [f"{name.replace('_', ' ')}: {reason}" for name, reason in comparison.skipped]
    for note in skipped:
        canvas.text(MARGIN, y + TEXT / 2, f"not drawn: {note}", "muted")
        y += LINE
    legend(canvas, MARGIN, y + 4, entries)
    description = "; ".join(
        f"{v.name}: {' → '.join(map(str, v.channels))} channels, {v.params} params"
        for v in comparison.variants
    )
    return canvas.layout(f"variants of nn.{layer.torch_call()}", description)
