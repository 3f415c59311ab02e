"""Figures in a real browser: headless Chromium takes a screenshot, and the tests look at its
pixels (how many cells of each role's colour), never at a golden image.

`require_chromium()` skips where Chromium is absent, and fails under CI (.ci/run installs
Debian's chromium as it installs the shells).  PNGs are decoded here with zlib and numpy.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from conftest import UNDER_CI

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
MIN_HEIGHT = 200  # headless Chromium paints only part of a window lower than about 150 px


def require_chromium() -> str:
    """The path of Chromium, or a skip; under CI a missing one fails."""
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if UNDER_CI:
        pytest.fail("chromium is required under CI (.ci/run installs it): figure tests")
    pytest.skip("chromium not installed (the browser tests of figures run under CI)")


def screenshot(svg: str, width: float, height: float, *, at_ms: int | None = None) -> np.ndarray:
    """The SVG as Chromium paints it, an (H, W, 3) uint8 array; `at_ms` lets its animation
    run that long first (virtual time)."""
    chromium = require_chromium()
    with tempfile.TemporaryDirectory() as work:
        page = Path(work) / "figure.svg"
        page.write_text(svg, encoding="utf-8")
        out = Path(work) / "shot.png"
        size = f"--window-size={int(width) + 1},{max(int(height) + 1, MIN_HEIGHT)}"
        command = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(work) / 'profile'}",
            f"--screenshot={out}",
            size,
        ]
        if at_ms is not None:
            command.append(f"--virtual-time-budget={max(at_ms, 1)}")
        command.append(page.as_uri())
        env = {**os.environ, "HOME": work}
        done = subprocess.run(command, capture_output=True, timeout=60, env=env, check=False)
        assert out.exists(), done.stderr.decode(errors="replace")[-2000:]
        return decode_png(out.read_bytes())


def decode_png(data: bytes) -> np.ndarray:
    """An 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes) as (H, W, 3)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, interlace) == (8, 0), (depth, interlace)
            assert colour in (2, 6), colour
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            chunks.append(body)
    raw = np.frombuffer(zlib.decompress(b"".join(chunks)), dtype=np.uint8)
    stride = width * channels
    rows = raw.reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.uint8)
    for r in range(height):
        kind, line = rows[r, 0], rows[r, 1:].astype(np.int64)
        if kind == 0:
            row = line
        elif kind == 1:  # Sub: a running sum per channel
            row = np.cumsum(line.reshape(width, channels), axis=0).reshape(-1)
        elif kind == 2:  # Up
            row = line + previous
        else:  # Avg, Paeth: sequential within the row
            row = _sequential(line, previous.astype(np.int64), channels, int(kind))
        out[r] = (row % 256).astype(np.uint8)
        previous = out[r]
    return out.reshape(height, width, channels)[:, :, :3]


def _sequential(line: np.ndarray, up: np.ndarray, bpp: int, kind: int) -> np.ndarray:
    row = [0] * len(line)
    for x in range(len(line)):
        a = row[x - bpp] if x >= bpp else 0
        b = int(up[x])
        if kind == 3:
            predictor = (a + b) // 2
        else:
            c = int(up[x - bpp]) if x >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            predictor = a if pa <= pb and pa <= pc else b if pb <= pc else c
        row[x] = (int(line[x]) + predictor) % 256
    return np.array(row, dtype=np.int64)


@dataclass(frozen=True)
class Blob:
    """A connected region of one colour: its bounding box and pixel count."""

    left: int
    top: int
    right: int  # exclusive
    bottom: int
    pixels: int

    @property
    def centre(self) -> tuple[float, float]:
        return (self.left + self.right) / 2, (self.top + self.bottom) / 2


def blobs(image: np.ndarray, colour: str) -> list[Blob]:
    """The 4-connected regions of exactly `colour` ('#RRGGBB')."""
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mask = np.all(image == np.array(rgb, dtype=np.uint8), axis=2)
    seen = np.zeros_like(mask)
    found = []
    height, width = mask.shape
    for y0, x0 in zip(*np.nonzero(mask), strict=True):
        if seen[y0, x0]:
            continue
        queue = deque([(int(y0), int(x0))])
        seen[y0, x0] = True
        left, top, right, bottom, count = x0, y0, x0, y0, 0
        while queue:
            y, x = queue.popleft()
            count += 1
            left, right = min(left, x), max(right, x)
            top, bottom = min(top, y), max(bottom, y)
            for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if 0 <= ny < height and 0 <= nx < width and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    queue.append((ny, nx))
        found.append(Blob(int(left), int(top), int(right) + 1, int(bottom) + 1, count))
    return found


def cells(image: np.ndarray, colour: str, width: float, height: float | None = None) -> list[Blob]:
    """The regions of `colour` that are cells of about width × height px (not swatches, bars,
    lines or text)."""
    tall = width if height is None else height
    return [
        b
        for b in blobs(image, colour)
        if width * 0.7 <= b.right - b.left <= width * 1.1
        and tall * 0.7 <= b.bottom - b.top <= tall * 1.1
    ]
