"""Live differential test: random chains of layers, built and run in real torch, against
`convcalc net`.  Each chain is grown one random layer at a time on torch's current output;
convcalc must accept exactly the layers torch runs and refuse the first one torch refuses, with
the same shapes, parameters and buffers on the way.  Torch runs in eval mode (convcalc reports
training-only refusals as warnings)."""

from __future__ import annotations

import math
import random
import warnings
from typing import Any

import pytest
from conftest import require_torch

from convcalc import network
from convcalc.errors import ConvcalcError
from convcalc.expressions import parse_call

pytestmark = pytest.mark.torch

CHAINS = 400
ELEMENTWISE = [
    *("ReLU()", "ReLU6(True)", "LeakyReLU(0.1)", "ELU()", "GELU('tanh')", "SiLU()", "Mish()"),
    *("Sigmoid()", "Tanh()", "Hardswish()", "Hardsigmoid()", "Identity(3, x=1)"),
]
MAX_LENGTH = 6


def _size_arg(r: random.Random, dims: int, low: int, high: int) -> Any:
    if r.random() < 0.6:
        return r.randint(low, high)
    return tuple(r.randint(low, high) for _ in range(dims if r.random() < 0.9 else dims + 1))


def random_layer(r: random.Random, shape: tuple[int, ...]) -> str:
    """A constructor call that often, not always, fits `shape`."""
    rank = len(shape)
    channels = shape[1] if rank > 1 else 1
    d = min(max(rank - 2, 1), 3) if r.random() < 0.85 else r.randint(1, 3)
    maybe_c = channels if r.random() < 0.85 else channels + 1
    choice = r.randrange(17)
    if choice == 0:
        k, s, p = _size_arg(r, d, 1, 4), r.randint(1, 3), r.randint(0, 2)
        groups = r.choice([1, 1, 1, maybe_c])
        out = r.randint(1, 6) * groups
        return f"Conv{d}d({maybe_c}, {out}, {k!r}, stride={s}, padding={p}, groups={groups})"
    if choice == 1:
        s = r.randint(1, 3)
        op = r.randint(0, s)
        out, k = r.randint(1, 5), r.randint(1, 4)
        return f"ConvTranspose{d}d({maybe_c}, {out}, {k}, {s}, output_padding={op})"
    if choice == 2:
        kind = r.choice(["MaxPool", "AvgPool", "LPPool"])
        k = _size_arg(r, d, 1, 3)
        stride = r.choice([None, 1, 2])
        ceil = r.random() < 0.3
        if kind == "LPPool":
            return f"LPPool{d}d({r.choice([1, 2, 3.0])}, {k!r}, {stride}, {ceil})"
        pad = r.randint(0, 1)
        return f"{kind}{d}d({k!r}, {stride}, {pad}, ceil_mode={ceil})"
    if choice == 3:
        return r.choice(ELEMENTWISE)
    if choice == 4:
        n = r.choice([1, channels, channels + 1, 0])
        return f"PReLU({n})"
    if choice == 5:
        dim = r.choice([None, r.randint(-rank - 1, rank)])
        return f"{r.choice(['Softmax', 'LogSoftmax'])}({dim})"
    if choice == 6:
        p = r.choice([0.0, 0.5, 1.0, 1.5, -0.1])
        return f"{r.choice(['Dropout', 'Dropout1d', 'Dropout2d', 'Dropout3d'])}({p})"
    if choice == 7:
        kind = r.choice(["BatchNorm", "InstanceNorm"])
        affine, track = r.random() < 0.5, r.random() < 0.5
        return f"{kind}{d}d({maybe_c}, affine={affine}, track_running_stats={track})"
    if choice == 8:
        g = r.choice([1, 2, 3, channels])
        c = maybe_c if maybe_c % g == 0 or r.random() < 0.2 else g
        return f"GroupNorm({g}, {c}, affine={r.random() < 0.5})"
    if choice == 9:
        n = r.randint(1, min(rank, 3))
        tail = list(shape[-n:]) if r.random() < 0.8 else [s + 1 for s in shape[-n:]]
        return (
            f"LayerNorm({tail!r}, elementwise_affine={r.random() < 0.7}, bias={r.random() < 0.5})"
        )
    if choice == 10:
        return f"LocalResponseNorm({r.randint(-1, 4)})"
    if choice == 11:
        return f"Flatten({r.randint(-rank, rank - 1)}, {r.randint(-rank, rank - 1)})"
    if choice == 12:
        dim = r.randint(-rank, rank - 1)
        size = shape[dim]
        divisors = [k for k in range(1, size + 1) if size % k == 0] or [1]
        a = r.choice(divisors)
        sizes = r.choice([(a, size // a), (a, -1), (-1, a), (a, size // a + 1), (size,)])
        return f"Unflatten({dim}, {sizes!r})"
    if choice == 13:
        features = shape[-1] if r.random() < 0.85 else shape[-1] + 1
        return f"Linear({features}, {r.randint(1, 9)}, {r.random() < 0.5})"
    if choice == 14:
        mode = r.choice(["nearest", "nearest", "linear", "bilinear", "bicubic", "trilinear"])
        mode = r.choice([mode, "area", "nearest-exact"])
        corners = ""
        if mode in ("linear", "bilinear", "bicubic", "trilinear") and r.random() < 0.5:
            corners = f", align_corners={r.random() < 0.5}"
        if r.random() < 0.5:
            size = _size_arg(r, d, 1, 7)
            return f"Upsample(size={size!r}, mode={mode!r}{corners})"
        scale = r.choice([2, 0.5, 1.5, 3, 0.3, 1.7, (2, 1), (1.5, 0.5, 2)])
        return f"Upsample(scale_factor={scale!r}, mode={mode!r}{corners})"
    if choice == 15:
        return f"{r.choice(['PixelShuffle', 'PixelUnshuffle'])}({r.randint(1, 3)})"
    kind = r.choice(["ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad", "CircularPad"])
    if r.random() < 0.5:
        padding: Any = r.randint(-1, 3)
    else:
        n = 2 * d if r.random() < 0.8 else r.choice([2, 4, 6])
        padding = tuple(r.randint(-1, 3) for _ in range(n))
    value = ", 0.5" if kind == "ConstantPad" else ""
    return f"{kind}{d}d({padding!r}{value})"


def torch_chain(torch: Any, r: random.Random) -> tuple[tuple[int, ...], list[str], list[dict]]:
    """A random chain and torch's account of it; the last entry is None where torch refused."""
    rank = r.randint(2, 5)
    shape = tuple(r.randint(1, 3) if i == 0 else r.randint(1, 9) for i in range(rank))
    texts: list[str] = []
    facts: list[dict] = []
    x = torch.zeros(shape)
    for _ in range(r.randint(1, MAX_LENGTH)):
        text = random_layer(r, tuple(x.shape))
        texts.append(text)
        call = parse_call(text)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = getattr(torch.nn, call.class_name)(*call.args, **call.kwargs)
                module.eval()
                with torch.no_grad():
                    x = module(x)
        except Exception:
            facts.append({})
            break
        facts.append(
            {
                "shape": tuple(x.shape),
                "params": sum(p.numel() for p in module.parameters()),
                "buffers": sum(b.numel() for b in module.buffers()),
            }
        )
        if math.prod(x.shape) > 200_000:
            break
    return shape, texts, facts


@pytest.mark.parametrize("seed", range(4))
def test_random_chains_agree_with_torch(seed: int) -> None:
    torch = require_torch()
    r = random.Random(1000 + seed)
    mismatches = []
    for _ in range(CHAINS // 4):
        shape, texts, facts = torch_chain(torch, r)
        calls = network.calls_from_expressions(texts)
        refused_at = len(facts) - 1 if not facts[-1] else None
        try:
            result = network.build(calls, shape)
        except ConvcalcError as exc:
            message = str(exc)
            if refused_at is None or not message.startswith(f"layer {refused_at} "):
                mismatches.append((shape, texts, facts, message))
            continue
        if refused_at is not None:
            mismatches.append((shape, texts, facts, "accepted"))
            continue
        got = [
            {
                "shape": layer.output_shape,
                "params": layer.effect.params,
                "buffers": layer.effect.buffers,
            }
            for layer in result.layers
        ]
        if got != facts:
            mismatches.append((shape, texts, facts, got))
    assert not mismatches, "\n".join(map(repr, mismatches[:40]))
