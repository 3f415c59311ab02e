"""convcalc's engine (convcalc.execute.run_layer) against torch, side by side, as time ratios.

    python benchmarks/bench_run.py [--repeats 31] [--quick] [--only conv2d]

Each row times convcalc and torch on the same arrays (torch tensors share the NumPy data),
alternating the two, and reports the medians and their ratio (convcalc / torch; ≤ 1.0 means
convcalc is at least as fast).  See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any


def _threads_from_argv() -> int:
    # BLAS and OpenMP read their thread counts at import: set them before importing numpy
    for i, arg in enumerate(sys.argv):
        if arg == "--threads" and i + 1 < len(sys.argv):
            return int(sys.argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return 1


THREADS = _threads_from_argv()
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = str(THREADS)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from convcalc.execute import run_layer  # noqa: E402
from convcalc.specs import make_spec  # noqa: E402

CHANNELS_IN, CHANNELS_OUT, KERNEL = 16, 32, 3


def _timer(fn: Callable[[], Any], budget: float = 0.005) -> Callable[[], float]:
    """A callable returning seconds per call, looping enough calls to last ~budget (short
    blocks, alternated between the two sides, keep both under the same machine load)."""
    fn()  # warm up (and analyze()'s cache)
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    loops = max(1, int(budget / max(once, 1e-6)))

    def measure() -> float:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        return (time.perf_counter() - start) / loops

    return measure


def compare(
    ours: Callable[[], Any], theirs: Callable[[], Any], repeats: int
) -> tuple[float, float]:
    a, b = _timer(ours), _timer(theirs)
    times_a, times_b = [], []
    for _ in range(repeats):
        times_a.append(a())
        times_b.append(b())
    return statistics.median(times_a), statistics.median(times_b)


def _check(ours: np.ndarray, theirs: torch.Tensor) -> None:
    expected = theirs.numpy()
    if ours.dtype == object:
        ours = ours.astype(np.float64)
    if not np.allclose(ours, expected, rtol=1e-12, atol=1e-9):
        raise SystemExit("convcalc and torch disagree: benchmark aborted")


def cases(quick: bool) -> list[tuple[str, dict[str, Any], tuple[int, int]]]:
    rows: list[tuple[str, dict[str, Any], tuple[int, int]]] = []
    sizes = (64,) if quick else (64, 256)
    for size, stride, dilation, groups in itertools.product(sizes, (1, 2), (1, 2), (1, 4, 16)):
        args = dict(stride=stride, dilation=dilation, groups=groups)
        rows.append(("conv2d", args, (size, size)))
        rows.append(("convtranspose2d", args, (size, size)))
    for size, stride, dilation in itertools.product(sizes, (1, 2), (1, 2)):
        rows.append(("maxpool2d", dict(stride=stride, dilation=dilation), (size, size)))
    for size, stride, padding in itertools.product(sizes, (1, 2), (0, 1)):
        rows.append(("avgpool2d", dict(stride=stride, padding=padding), (size, size)))
    return rows


def run_case(
    kind: str, args: dict[str, Any], spatial: tuple[int, int], dtype: str, repeats: int
) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    x = rng.integers(-128, 128, (1, CHANNELS_IN, *spatial), dtype=np.int64)
    if dtype != "int64":
        x = x.astype(np.float64)
    tx = torch.from_numpy(x)
    if kind in ("conv2d", "convtranspose2d"):
        groups = args["groups"]
        if kind == "conv2d":
            wshape = (CHANNELS_OUT, CHANNELS_IN // groups, KERNEL, KERNEL)
            spec = make_spec(
                kind, in_channels=CHANNELS_IN, out_channels=CHANNELS_OUT, kernel_size=KERNEL, **args
            )
            torch_fn: Callable[..., torch.Tensor] = F.conv2d
        else:
            wshape = (CHANNELS_IN, CHANNELS_OUT // groups, KERNEL, KERNEL)
            spec = make_spec(
                kind, in_channels=CHANNELS_IN, out_channels=CHANNELS_OUT, kernel_size=KERNEL, **args
            )
            torch_fn = F.conv_transpose2d
        w = rng.integers(-128, 128, wshape, dtype=np.int64).astype(x.dtype)
        b = rng.integers(-128, 128, (CHANNELS_OUT,), dtype=np.int64).astype(x.dtype)
        if dtype == "float64*":
            # not integers: the general float64 path (integers may take the exact float32 one)
            x, w, b = (a + rng.uniform(-0.5, 0.5, a.shape) for a in (x, w, b))
            tx = torch.from_numpy(x)
        tw, tb = torch.from_numpy(w), torch.from_numpy(b)

        def ours() -> np.ndarray:
            return run_layer(spec, x, w, b)

        def theirs() -> torch.Tensor:
            return torch_fn(tx, tw, tb, **args)
    else:
        spec = make_spec(kind, kernel_size=KERNEL, **args)
        pool = F.max_pool2d if kind == "maxpool2d" else F.avg_pool2d

        def ours() -> np.ndarray:
            return run_layer(spec, x)

        def theirs() -> torch.Tensor:
            return pool(tx, KERNEL, **args)

    with torch.no_grad():
        _check(ours(), theirs())
        return compare(ours, theirs, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=31)
    parser.add_argument("--quick", action="store_true", help="64×64 only")
    parser.add_argument("--only", help="run only this kind, e.g. conv2d")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads for both BLAS and torch (default 1)"
    )
    options = parser.parse_args()
    torch.set_num_threads(THREADS)
    print(
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), numpy "
        f"{np.__version__}; batch 1, {CHANNELS_IN}→{CHANNELS_OUT} channels, kernel "
        f"{KERNEL}×{KERNEL}, integers in [−128, 127] (float64*: plus a fraction in "
        f"[−0.5, 0.5)); medians of {options.repeats}"
    )
    header = (
        f"| {'kind':<16}| {'input':<9}| {'options':<9}| dtype   | convcalc ms | torch ms | ratio |"
    )
    print(header)
    print("|" + "|".join("-" * (len(part)) for part in header.split("|")[1:-1]) + "|")
    ratios = []
    for kind, args, spatial in cases(options.quick):
        if options.only and kind != options.only:
            continue
        dtypes: tuple[str, ...] = ("int64", "float64")
        if kind in ("conv2d", "convtranspose2d"):
            dtypes += ("float64*",)
        elif kind == "avgpool2d":
            dtypes = ("float64",)
        for dtype in dtypes:
            mine, theirs = run_case(kind, args, spatial, dtype, options.repeats)
            size = f"{spatial[0]}×{spatial[1]}"
            option = ",".join(f"{k[0]}{v}" for k, v in args.items())
            ratio = mine / theirs
            ratios.append(ratio)
            print(
                f"| {kind:<16}| {size:<9}| {option:<9}| {dtype:<8}| "
                f"{mine * 1e3:>11.3f} | {theirs * 1e3:>8.3f} | {ratio:>5.2f} |",
                flush=True,
            )
    print(
        f"worst ratio {max(ratios):.2f}, geometric mean {statistics.geometric_mean(ratios):.2f}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
