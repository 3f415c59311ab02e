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
        keeps = layer.output_shape == layer.input_shape and layer.effect.window is None
        if keeps:
            last = maps[-1]
            maps[-1] = _Map(last.shape, last.dims, last.role, last.layer, (*last.extra, layer.kind))
            continue
        d = spatial(layer.output_shape)
        pool = "Pool" in layer.kind  # the class name says which family drew it
        role = "vector" if not d else ("pool" if pool else "map")
        maps.append(_Map(layer.output_shape, d, role, _name(layer), ()))
    return maps


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
    for i, m in enumerate(maps):
        if i:
            label = m.layer or ""
            room = max(BLOCK_GAP, text_width(label, SMALL) + 16)
            # the chain wraps before a block would pass the row's width
            if x + room + 120 > ROW_WIDTH + MARGIN:
                x = MARGIN
                row_top = bottom + 40
                middle = row_top + tallest / 2
            canvas.line(x + 4, middle, x + room - 4, middle, "arrow")
            canvas.line(x + room - 10, middle - 4, x + room - 4, middle, "arrow")
            canvas.line(x + room - 10, middle + 4, x + room - 4, middle, "arrow")
            canvas.text(x + room / 2, middle - 12, label, "text", SMALL, "middle")
            x += room
        right, _, low = _block(canvas, m, x, middle)
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
    entries = [
        ("input-front", "the network input"),
        ("map-front", "feature map: height ∝ log H, depth ∝ log W, thickness ∝ log C"),
        ("pool-front", "after a pooling layer"),
        ("vector", "a flat vector (after Flatten or Linear): height ∝ log features"),
    ]
    used = {m.role for m in maps}
    legend(canvas, MARGIN, bottom + 14, [e for e in entries if e[0].split("-")[0] in used])
    description = " → ".join(f"{m.label}" + (f" ({m.layer})" if m.layer else "") for m in maps)
    return canvas.layout(title, description)


def _extent(m: _Map) -> float:
    if m.dims == 0:
        return _bar(m.shape[-1])
    sizes = m.shape[len(m.shape) - m.dims :]
    height = _spatial(sizes[-2] if m.dims >= 2 else sizes[-1])
    depth = _spatial(sizes[-1]) * SKEW if m.dims >= 2 else 0.0
    return height + depth
