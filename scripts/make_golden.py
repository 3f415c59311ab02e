#!/usr/bin/env python
"""Generate tests/data/torch_golden.json: random conv/pool configurations and
what torch actually does with them (output shape + parameter count, or the
exception it raises).

Run from the repo root in an environment with torch (needed here only):

    pip install torch==2.13.0
    python scripts/make_golden.py [--seed N] [--per-kind N]

The generator is deterministic for a given seed (python ``random.Random``).
It deliberately stresses boundaries: zero/negative sizes, wrong-length tuples,
wrong input rank, channel mismatches, 'same'/'valid' strings, padding modes at
their limits, output_padding around max(stride, dilation), pool padding around
kernel//2, ceil-mode edge windows, divisor_override 0/negative, adaptive
output sizes 0 or larger than the input, ...  About a quarter of the cases are
refused by torch.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from torch_oracle import KINDS, torch_outcomes  # noqa: E402

DEFAULT_SEED = 20240613
DEFAULT_PER_KIND = 200
MAX_NUMEL = 40_000
MAX_SPATIAL = {1: 40, 2: 18, 3: 10}


class Gen:
    """Random building blocks shared by all kinds."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    # -- primitives -------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def weighted(self, pairs):
        """pairs: [(weight, value_or_callable), ...]"""
        total = sum(w for w, _ in pairs)
        x = self.r.random() * total
        for w, v in pairs:
            x -= w
            if x < 0:
                return v() if callable(v) else v
        v = pairs[-1][1]
        return v() if callable(v) else v

    def wrong_len(self, d: int) -> int:
        return self.r.choice([n for n in (0, 1, 2, 3, 4) if n != d and (n > 0 or self.chance(0.3))])

    def size_like(self, d: int, draw, p_tuple: float = 0.4, p_wrong: float = 0.02):
        """int, or list of d values, or (rarely) a list of the wrong length.
        ``draw(i)`` returns the value for dim i."""
        if self.chance(p_wrong):
            return [draw(min(i, d - 1)) for i in range(self.wrong_len(d))]
        if self.chance(p_tuple):
            return [draw(i) for i in range(d)]
        return draw(0)

    # -- inputs -----------------------------------------------------------
    def spatial_size(self, d: int, small: float = 2.0) -> int:
        m = MAX_SPATIAL[d]
        return self.weighted(
            [(small, lambda: self.r.randint(1, 4)), (8, lambda: self.r.randint(3, m))]
        )

    def spatial(self, d: int, small: float = 2.0) -> list[int]:
        sp = [self.spatial_size(d, small) for _ in range(d)]
        if self.chance(0.02):
            sp[self.r.randrange(d)] = 0
        return sp

    def shape(self, channels: int, sp: list[int], p_unbatched: float = 0.3) -> list[int]:
        d = len(sp)
        if self.chance(0.03):  # wrong rank
            return self.weighted(
                [
                    (1, lambda: list(sp)),  # no channel (and no batch) dim
                    (1, lambda: [1, 1, channels, *sp]),  # one dim too many
                    (1, lambda: [channels, *sp[:-1]] if d > 1 else [channels]),
                ]
            )
        if self.chance(p_unbatched):
            return [channels, *sp]
        n = self.weighted([(6, 1), (3, 2), (2, 3), (0.4, 0)])
        return [n, channels, *sp]


def fit_numel(shape: list[int]) -> bool:
    return math.prod(shape) <= MAX_NUMEL


# ---------------------------------------------------------------------------
# convolutions
# ---------------------------------------------------------------------------


def gen_conv(g: Gen, d: int, transposed: bool) -> tuple[list[int], dict]:
    r = g.r
    args: dict = {}

    groups = g.weighted([(10, 1), (4, 2), (2, 3), (2, 4), (0.2, 0), (0.15, -1)])
    base = max(groups, 1)
    cin = base * r.randint(1, max(1, 8 // base))
    cout = base * r.randint(1, max(1, 8 // base))
    if g.chance(0.04):
        cin = r.randint(1, 8)  # may not divide by groups
    if g.chance(0.04):
        cout = r.randint(1, 8)
    if g.chance(0.02):
        cout = r.choice([0, -1])
    if g.chance(0.012):
        cin = 0
        cout = r.randint(1, 4)
        groups = 1
    args["in_channels"] = cin
    args["out_channels"] = cout

    sp = g.spatial(d)

    def kdraw(i):
        return g.weighted([(5, 1), (8, 2), (10, 3), (4, 4), (3, 5), (0.6, 7), (0.2, 0), (0.12, -1)])

    args["kernel_size"] = g.size_like(d, kdraw, p_tuple=0.45)
    if g.chance(0.004):
        args["kernel_size"] = True

    # stride / dilation
    stride_w = [(5, 1), (5, 2), (3, 3), (0.2, 0), (0.1, -1)]
    dilation_w = [(7, 1), (4, 2), (2, 3), (0.2, 0), (0.08, -1)]
    if g.chance(0.6):
        args["stride"] = g.size_like(d, lambda i: g.weighted(stride_w))
    if g.chance(0.5):
        args["dilation"] = g.size_like(d, lambda i: g.weighted(dilation_w))

    if not transposed:
        mode = g.weighted([(60, "zeros"), (14, "reflect"), (12, "replicate"), (14, "circular")])
        if mode != "zeros" or g.chance(0.3):
            args["padding_mode"] = mode
        if g.chance(0.003):
            args["padding_mode"] = r.choice(["Reflect", "constant"])

        def pdraw_near(i):
            # pads near the legal limit of reflect (< size) / circular (<= size)
            s = sp[min(i, len(sp) - 1)]
            return max(0, s + r.choice([-2, -1, -1, 0, 0, 1]))

        def pdraw(i):
            return g.weighted([(6, 0), (6, 1), (4, 2), (2, 3), (0.4, -1)])

        kind = g.weighted(
            [
                (25, "omit"),
                (28, "num"),
                (12, "near"),
                (17, "same"),
                (10, "valid"),
                (0.6, "badstr"),
                (0.4, "none"),
            ]
        )
        if kind == "num":
            args["padding"] = g.size_like(d, pdraw)
        elif kind == "near":
            if mode == "replicate" and g.chance(0.5):
                args["padding"] = g.size_like(d, lambda i: r.randint(4, 12 if d < 3 else 6))
            else:
                args["padding"] = g.size_like(d, pdraw_near)
        elif kind == "same":
            args["padding"] = "same"
            # mostly unstrided so 'same' is usually legal; sometimes strided
            if "stride" in args and g.chance(0.6):
                args["stride"] = 1 if g.chance(0.7) else [1] * d
        elif kind == "valid":
            args["padding"] = "valid"
        elif kind == "badstr":
            args["padding"] = r.choice(["SAME", "Valid", "full"])
        elif kind == "none":
            args["padding"] = None
    else:
        stride = args.get("stride", 1)
        dil = args.get("dilation", 1)

        def at(v, i):
            if isinstance(v, list):
                return v[i] if i < len(v) else (v[-1] if v else 1)
            return v

        if g.chance(0.6):

            def opdraw(i):
                m = max(at(stride, i), at(dil, i), 1)
                return g.weighted(
                    [(10, lambda: r.randint(0, m - 1)), (1.2, m), (0.4, m + 1), (0.12, -1)]
                )

            args["output_padding"] = g.size_like(d, opdraw)

        def ptdraw(i):
            return g.weighted([(6, 0), (6, 1), (4, 2), (2, 3), (0.6, 5), (0.2, -1)])

        pk = g.weighted([(40, "omit"), (55, "num"), (1.5, "same"), (1, "valid")])
        if pk == "num":
            args["padding"] = g.size_like(d, ptdraw)
        elif pk in ("same", "valid"):
            args["padding"] = pk
        if g.chance(0.015):
            args["padding_mode"] = "reflect"
        elif g.chance(0.1):
            args["padding_mode"] = "zeros"

    if groups != 1 or g.chance(0.2):
        args["groups"] = groups
    if g.chance(0.7):
        args["bias"] = g.chance(0.5)

    channels = cin
    if g.chance(0.04):
        channels = max(0, cin + r.choice([-1, 1, 2]))
    shape = g.shape(channels, sp)
    return shape, args


# ---------------------------------------------------------------------------
# pools
# ---------------------------------------------------------------------------


def _pool_kernel(g: Gen) -> int:
    return g.weighted([(3, 1), (10, 2), (8, 3), (4, 4), (2, 5), (0.2, 0), (0.15, -1)])


def _ceil_drop_size(g: Gen, k: int, s: int, p: int, dil: int) -> int | None:
    """An input length L for which ceil mode's last window would start in the
    right padding (so torch drops it), if one exists in range."""
    eff = dil * (k - 1) + 1
    cands = []
    for L in range(1, 25):
        span = L + 2 * p - eff
        if span < 0:
            continue
        out = -(-span // s) + 1
        if (out - 1) * s >= L + p:
            cands.append(L)
    return g.r.choice(cands) if cands else None


def gen_pool(g: Gen, d: int, avg: bool) -> tuple[list[int], dict]:
    r = g.r
    args: dict = {}
    sp = g.spatial(d, small=1.0 if (avg and d == 3) else 2.0)

    ks = [_pool_kernel(g) for _ in range(d)]
    as_tuple = g.chance(0.4)
    if not as_tuple:
        ks = [ks[0]] * d
    dil = [1] * d
    if not avg and g.chance(0.45):
        dil = [g.weighted([(4, 1), (4, 2), (3, 3), (0.2, 0), (0.1, -1)]) for _ in range(d)]
        if not as_tuple:
            dil = [dil[0]] * d
        args["dilation"] = dil if as_tuple else dil[0]

    def pad_for(k, dl):
        half = max(k, 0) // 2
        eff_half = (dl * (max(k, 1) - 1) + 1) // 2 if dl > 0 else half
        return g.weighted(
            [
                (10, 0),
                (7, half),
                (3, lambda: r.randint(0, half)),
                (1.0, half + 1),
                (1.0 if not avg else 0, eff_half),
                (0.2, -1),
            ]
        )

    pads = [pad_for(ks[i], dil[i]) for i in range(d)]
    if not as_tuple:
        pads = [pads[0]] * d

    stride_kind = g.weighted([(25, "omit"), (10, "none"), (60, "num"), (1.2, "zero")])
    strides = None
    if stride_kind == "none":
        args["stride"] = None
    elif stride_kind == "num":
        strides = [g.weighted([(5, 1), (6, 2), (3, 3)]) for _ in range(d)]
        if not as_tuple:
            strides = [strides[0]] * d
    elif stride_kind == "zero":
        args["stride"] = r.choice([0, -1])

    ceil = g.chance(0.5)
    # targeted: ceil-mode window that would start in the right padding
    if g.chance(0.15) and all(k > 0 for k in ks) and all(x > 0 for x in dil):
        ceil = True
        strides = strides or [r.choice([2, 3])] * d
        for i in range(d):
            pads[i] = max(pads[i], 1) if ks[i] // 2 >= 1 else pads[i]
            length = _ceil_drop_size(g, ks[i], strides[i], max(pads[i], 0), dil[i])
            max_len = MAX_SPATIAL[3] + 3 if d == 3 else None
            if length is not None and (max_len is None or length <= max_len):
                sp[i] = length

    args["kernel_size"] = ks if as_tuple else ks[0]
    if strides is not None:
        args["stride"] = strides if as_tuple else strides[0]
    if any(pads) or g.chance(0.3):
        args["padding"] = pads if as_tuple else pads[0]
    if g.chance(0.8):
        args["ceil_mode"] = ceil

    # rare wrong-length tuples / strings / bools
    if g.chance(0.03):
        key = r.choice(["kernel_size", "stride", "padding"] + ([] if avg else ["dilation"]))
        n = g.wrong_len(d)
        base = {"kernel_size": 2, "stride": 2, "padding": 0, "dilation": 1}[key]
        args[key] = [base] * n
    if g.chance(0.006):
        args["padding"] = r.choice(["same", "valid"])
    if g.chance(0.004):
        args["kernel_size"] = True

    if avg:
        if g.chance(0.6):
            args["count_include_pad"] = g.chance(0.5)
        if d > 1 and g.chance(0.5):
            args["divisor_override"] = g.weighted(
                [(2, None), (6, lambda: r.randint(1, 9)), (1.2, 0), (2, lambda: -r.randint(1, 5))]
            )
    elif g.chance(0.2):
        args["return_indices"] = False

    channels = r.randint(1, 8)
    if g.chance(0.02):
        channels = 0
    shape = g.shape(channels, sp)
    return shape, args


def gen_adaptive(g: Gen, d: int, avg: bool) -> tuple[list[int], dict]:
    r = g.r
    sp = g.spatial(d)
    if g.chance(0.15):  # sometimes grow small inputs a lot
        sp = [min(MAX_SPATIAL[d], 2 * s) for s in sp]

    def odraw(i):
        s = sp[min(i, d - 1)]
        return g.weighted(
            [
                (3, lambda: r.randint(1, max(1, s))),
                (2, lambda: r.randint(0, 2 * max(1, s))),
                (0.6, 0),
                (1, s + 1),
                (0.4, -1),
            ]
        )

    if g.chance(0.4):
        out = odraw(0)
    else:
        out = [odraw(i) for i in range(d)]
        for i in range(d):
            if g.chance(0.25 if d > 1 else 0.1):
                out[i] = None
    if g.chance(0.04):
        out = [odraw(0)] * g.wrong_len(d)
    if g.chance(0.01):
        out = None
    args = {"output_size": out}
    if not avg and g.chance(0.2):
        args["return_indices"] = False

    channels = r.randint(1, 8)
    if g.chance(0.03):
        channels = 0
    shape = g.shape(channels, sp)
    return shape, args


def gen_case(g: Gen, kind: str) -> dict:
    d = int(kind[-2])
    for _ in range(100):
        if kind.startswith("convtranspose"):
            shape, args = gen_conv(g, d, transposed=True)
        elif kind.startswith("conv"):
            shape, args = gen_conv(g, d, transposed=False)
        elif kind.startswith("maxpool"):
            shape, args = gen_pool(g, d, avg=False)
        elif kind.startswith("avgpool"):
            shape, args = gen_pool(g, d, avg=True)
        elif kind.startswith("adaptiveavgpool"):
            shape, args = gen_adaptive(g, d, avg=True)
        else:
            shape, args = gen_adaptive(g, d, avg=False)
        if fit_numel(shape):
            return {"kind": kind, "input_shape": shape, "args": args}
    raise RuntimeError("could not draw a small input")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--per-kind", type=int, default=DEFAULT_PER_KIND)
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "torch_golden.json")
    ns = ap.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    g = Gen(random.Random(ns.seed))
    cases = []
    seen = set()
    for kind in KINDS:
        n = 0
        attempts = 0
        while n < ns.per_kind:
            attempts += 1
            case = gen_case(g, kind)
            key = json.dumps(case, sort_keys=True)
            if key in seen and attempts < ns.per_kind * 20:
                continue
            seen.add(key)
            case.update(torch_outcomes(case))
            cases.append(case)
            n += 1

    ns.out.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(c, separators=(",", ":")) for c in cases]
    header = {"torch_version": torch.__version__, "seed": ns.seed}
    with ns.out.open("w") as f:
        f.write("{" + json.dumps(header, separators=(",", ":"))[1:-1] + ',"cases":[\n')
        f.write(",\n".join(lines))
        f.write("\n]}\n")
    json.loads(ns.out.read_text())  # sanity: valid JSON
    elapsed = time.perf_counter() - t0

    valid = Counter()
    invalid = Counter()
    for c in cases:
        (invalid if "error" in c["outcome"] else valid)[c["kind"]] += 1
    print(f"{'kind':<20}{'valid':>7}{'invalid':>9}{'%inv':>7}")
    for kind in KINDS:
        v, i = valid[kind], invalid[kind]
        print(f"{kind:<20}{v:>7}{i:>9}{100 * i / max(1, v + i):>6.1f}%")
    tv, ti = sum(valid.values()), sum(invalid.values())
    print(f"{'TOTAL':<20}{tv:>7}{ti:>9}{100 * ti / max(1, tv + ti):>6.1f}%")
    print(
        f"wrote {len(cases)} cases to {ns.out} in {elapsed:.1f}s "
        f"(torch {torch.__version__}, seed {ns.seed})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
