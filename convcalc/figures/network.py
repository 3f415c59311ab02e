"""An architecture diagram of a chain, as NN-SVG draws one: each feature map a block whose
height, depth and thickness grow with the log of its spatial sizes and channels, its shape
written under it, the layer between two maps named above the arrow (kernel and stride),
flat vectors (after Flatten or Linear) as bars.

Layers that keep the shape and have no window (BatchNorm, ReLU, Dropout, ...) get no block
of their own: they are listed under the layer before them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from convcalc.arithmetic import analyze
from convcalc.figures.grid import LINE, legend
from convcalc.figures.layout import MARGIN, SMALL, TEXT, TITLE, Canvas, Layout, Polygon, text_width
from convcalc.network import NetLayer, Network
from convcalc.notation import compact
from convcalc.specs import LayerSpec

ROW_WIDTH = 1300  # px before the chain wraps to a new row
BLOCK_GAP = 36  # the least room between two blocks
SKEW = 0.5  # depth drawn at 45°, foreshortened by this much


def _spatial(n: int) -> float:
    """A spatial size in px, log-scaled (NN-SVG's log option): 1 → 10, 224 → 104."""
    return 10 + 12 * math.log2(max(n, 1))


def _thickness(c: int) -> float:
    """Channels in px, log-scaled: 3 → 13, 64 → 40, 512 → 58."""
    return 4 + 6 * math.log2(max(c, 1))


def _bar(features: int) -> float:
    return min(170.0, 10 + 12 * math.log2(max(features, 1)))


@dataclass(frozen=True)
class _Map:
    shape: tuple[int, ...]
    dims: int  # spatial axes (0: a vector)
    role: str  # input, map, pool or vector
    layer: str | None  # the layer that made it (None: the network input)
    extra: tuple[str, ...]  # shape-keeping layers after it
    rows: tuple[int, ...] = ()  # the summary's rows drawn as this map (its own and extra)

    @property
    def label(self) -> str:
        body = self.shape[len(self.shape) - self.dims - 1 :] if self.dims else self.shape[-1:]
        return "×".join(map(str, body))


def _dims_of(network: Network) -> int:
    for layer in network.layers:
        dims = getattr(layer.layer, "dims", None)
        if dims:
            return int(dims)
    return 2 if len(network.input_shape) >= 3 else 0


def _per_axis(values: list[int]) -> str:
    return str(values[0]) if len(set(values)) == 1 else "×".join(map(str, values))


def _name(layer: NetLayer) -> str:
    spec = layer.layer
    if isinstance(spec, LayerSpec):
        shape = analyze(spec, layer.input_shape)
        if shape.sliding:
            windows = shape.windows
            kernel = "×".join(str(w.kernel) for w in windows)
            strides = [w.stride for w in windows]
            stride = "" if set(strides) == {1} else "/" + _per_axis(strides)
            return f"{layer.kind} {kernel}{stride}"
        return layer.kind
    features = getattr(spec, "out_features", None)
    return layer.kind + (f" {features}" if features is not None else "")


def _maps(network: Network) -> list[_Map]:
    dims = _dims_of(network)

    def spatial(shape: tuple[int, ...]) -> int:
        return dims if dims and len(shape) >= dims + 1 else 0

    input_dims = spatial(network.input_shape)
    maps = [_Map(network.input_shape, input_dims, "input", None, ())]
    for layer in network.layers:
        if layer.role == "module":  # a container: the rows inside it are drawn instead
            continue
        last = maps[-1]
        keeps = layer.output_shape == layer.input_shape and layer.effect.window is None
        if keeps:
            extra = (*last.extra, layer.kind)
            maps[-1] = _Map(
                last.shape, last.dims, last.role, last.layer, extra, (*last.rows, layer.index)
            )
            continue
        d = spatial(layer.output_shape)
        pool = "Pool" in layer.kind  # the class name says which family drew it
        role = "vector" if not d else ("pool" if pool else "map")
        maps.append(_Map(layer.output_shape, d, role, _name(layer), (), (layer.index,)))
    return maps


def _skips(network: Network, maps: list[_Map]) -> list[tuple[int, int]]:
    """(from map, to map) for every input a row takes from a row other than the one before
    it (a residual add, a concatenation): the skip connections the summary knows."""
    where = {row: i for i, m in enumerate(maps) for row in m.rows}
    drawn = [layer for layer in network.layers if layer.role != "module"]
    previous = {layer.index: drawn[n - 1].index if n else -1 for n, layer in enumerate(drawn)}
    found = []
    for layer in drawn:
        for source in layer.sources:
            if source in (previous[layer.index], layer.index) or layer.index not in where:
                continue
            start = 0 if source < 0 else where.get(source)
            end = where[layer.index]
            if start is not None and start < end and (start, end) not in found:
                found.append((start, end))
    return found


def _block(canvas: Canvas, m: _Map, x: float, middle: float) -> tuple[float, float, float]:
    """Draw one map with its front face's left edge at x, centred on `middle`; returns
    (right edge, top, bottom) of what was drawn."""
    if m.dims == 0:
        h, w = _bar(m.shape[-1]), 10.0
        top = middle - h / 2
        canvas.rect(x, top, w, h, "vector")
        return x + w, top, top + h
    sizes = m.shape[len(m.shape) - m.dims :]
    channels = m.shape[len(m.shape) - m.dims - 1]
    height = _spatial(sizes[-2] if m.dims >= 2 else sizes[-1])
    depth = _spatial(sizes[-1]) * SKEW if m.dims >= 2 else 0.0
    width = _thickness(channels)
    base = {"input": "input", "map": "map", "pool": "pool"}[m.role]
    top = middle - height / 2 + depth / 2
    if depth:
        canvas.add(
            Polygon(
                (
                    (x, top),
                    (x + depth, top - depth),
                    (x + depth + width, top - depth),
                    (x + width, top),
                ),
                f"{base}-top",
            ),
            Polygon(
                (
                    (x + width, top),
                    (x + width + depth, top - depth),
                    (x + width + depth, top - depth + height),
                    (x + width, top + height),
                ),
                f"{base}-side",
            ),
        )
    canvas.rect(x, top, width, height, f"{base}-front")
    return x + width + depth, top - depth, top + height


def network_layout(network: Network) -> Layout:
    canvas = Canvas()
    maps = _maps(network)
    title = f"{len(network.layers)} layers: {network.input_shape} → {network.output_shape}"
    canvas.text(MARGIN, MARGIN + TITLE / 2, title, "text", TITLE, bold=True)
    canvas.text(
        MARGIN,
        MARGIN + TITLE + 8 + TEXT / 2,
        f"{compact(network.params)} parameters, {compact(network.macs)} MACs; "
        "block sizes are log-scaled",
        "muted",
    )
    row_top: float = MARGIN + TITLE + 8 + LINE + 34
    tallest = max(_extent(m) for m in maps)
    middle = row_top + tallest / 2
    x: float = MARGIN
    bottom: float = row_top
    placed: list[tuple[float, float, int]] = []  # (centre x, top of its row band, row)
    rows_top: list[float] = [row_top]
    for i, m in enumerate(maps):
        if i:
            label = m.layer or ""
            room = max(BLOCK_GAP, text_width(label, SMALL) + 16)
            # the chain wraps before a block would pass the row's width
            if x + room + 120 > ROW_WIDTH + MARGIN:
                x = MARGIN
                row_top = bottom + 40 + SKIP_ROOM
                rows_top.append(row_top)
                middle = row_top + tallest / 2
            canvas.line(x + 4, middle, x + room - 4, middle, "arrow")
            canvas.line(x + room - 10, middle - 4, x + room - 4, middle, "arrow")
            canvas.line(x + room - 10, middle + 4, x + room - 4, middle, "arrow")
            canvas.text(x + room / 2, middle - 12, label, "text", SMALL, "middle")
            x += room
        right, _, low = _block(canvas, m, x, middle)
        placed.append(((x + right) / 2, row_top, len(rows_top) - 1))
        label_y = max(low, middle + tallest / 2) + 10
        canvas.text((x + right) / 2, label_y + SMALL / 2, m.label, "value", SMALL, "middle")
        for n, extra in enumerate(m.extra):
            canvas.text(
                (x + right) / 2,
                label_y + (n + 1) * 13 + SMALL / 2,
                f"+ {extra}",
                "muted",
                SMALL,
                "middle",
            )
        width = max(
            right - x, text_width(m.label, SMALL), *(text_width(f"+ {e}", SMALL) for e in m.extra)
        )
        bottom = max(bottom, label_y + (len(m.extra) + 1) * 13)
        x += max(right - x, width) + 6
    skips = _skips(network, maps)
    for n, (start, end) in enumerate(skips):
        _skip(canvas, placed[start], placed[end], n % 3)
    entries = [
        ("input-front", "the network input"),
        ("map-front", "feature map: height ∝ log H, depth ∝ log W, thickness ∝ log C"),
        ("pool-front", "after a pooling layer"),
        ("vector", "a flat vector (after Flatten or Linear): height ∝ log features"),
        ("skip", "a skip connection: a map read again later (a residual add, a concatenation)"),
    ]
    used = {m.role for m in maps} | ({"skip"} if skips else set())
    legend(canvas, MARGIN, bottom + 14, [e for e in entries if e[0].split("-")[0] in used])
    description = " → ".join(f"{m.label}" + (f" ({m.layer})" if m.layer else "") for m in maps)
    return canvas.layout(title, description)


SKIP_ROOM = 30  # px above each row for its skip connections


def _skip(
    canvas: Canvas, start: tuple[float, float, int], end: tuple[float, float, int], lane: int
) -> None:
    """A dashed line from map `start` up over the blocks and down into map `end`; across
    rows, it leaves `start`'s row at the right and enters `end`'s from the left."""
    (x1, top1, row1), (x2, top2, row2) = start, end
    y1, y2 = top1 - 8 - 6 * lane, top2 - 8 - 6 * lane
    if row1 == row2:
        segments = [(x1, top1 - 2, x1, y1), (x1, y1, x2, y1), (x2, y1, x2, top2 - 2)]
    else:
        right = ROW_WIDTH + MARGIN - 10
        segments = [
            (x1, top1 - 2, x1, y1),
            (x1, y1, right, y1),
            (right, y1, right, y2 - 10),
            (right, y2 - 10, MARGIN, y2 - 10),
            (MARGIN, y2 - 10, MARGIN, y2),
            (MARGIN, y2, x2, y2),
            (x2, y2, x2, top2 - 2),
        ]
    for segment in segments:
        canvas.line(*segment, "skip")
    canvas.line(x2 - 4, top2 - 8, x2, top2 - 2, "skip")
    canvas.line(x2 + 4, top2 - 8, x2, top2 - 2, "skip")


def _extent(m: _Map) -> float:
    if m.dims == 0:
        return _bar(m.shape[-1])
    sizes = m.shape[len(m.shape) - m.dims :]
    height = _spatial(sizes[-2] if m.dims >= 2 else sizes[-1])
    depth = _spatial(sizes[-1]) * SKEW if m.dims >= 2 else 0.0
    return height + depth
