"""`convcalc net` on whole models, as ratios to `python -c pass` side by side (with
bench_startup.py's runner: each round runs the baseline and every target once, interleaved;
here the ratio is median(target) / median(baseline), these targets being far from their
limits, and the large tables are timed in seconds).

- a ResNet-50 written as torchvision writes it (tests/net_architectures.py), read with
  `--model 'resnet50()'` on 1×3×224×224: the interpreter builds 161 layers and follows a
  forward of 182 module calls; table and --json (issue 13: ≤ 40×);
- large tables (issue 16): files of 1,000 and 10,000 `Conv2d(8, 8, 3, padding=1)` layers
  (10,000 is the file cap), table and --json, in seconds (targets 1,000 table ≤ 0.4 s;
  10,000 table ≤ 1.5 s, --json ≤ 0.6 s).

    python benchmarks/bench_net.py                 # 11 rounds
    python benchmarks/bench_net.py --rounds 21 --check   # exit 1 if a limit is exceeded
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from bench_startup import Samples, child_env, convcalc_argv, run_once  # noqa: E402
from net_architectures import MODELS  # noqa: E402

LAYER = "Conv2d(8, 8, 3, padding=1)"


@dataclass
class Target:
    label: str
    argv: list[str]
    ratio_limit: float | None  # highest ratio to `python -c pass` allowed
    seconds_limit: float | None  # highest median wall time allowed


def targets(folder: Path) -> list[Target]:
    cli = convcalc_argv()
    _, expression, source = MODELS["resnet50_torchvision"]
    resnet = folder / "resnet.py"
    resnet.write_text(source, encoding="utf-8")
    run = [*cli, "net", "-f", str(resnet), "--model", str(expression), "-i", "1,3,224,224"]
    found = [
        Target("net ResNet-50 source (table)", run, 40.0, None),
        Target("  ... --json", [*run, "--json"], 40.0, None),
    ]
    for count, table_limit, json_limit in ((1_000, 0.4, None), (10_000, 1.5, 0.6)):
        path = folder / f"chain{count}.py"
        path.write_text(f"# input 1, 8, 16, 16\n{(LAYER + chr(10)) * count}", encoding="utf-8")
        chain = [*cli, "net", "-f", str(path)]
        found.append(Target(f"net {count:,} Conv2d layers (table)", chain, None, table_limit))
        found.append(Target("  ... --json", [*chain, "--json"], None, json_limit))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=11, help="rounds (≥ 20 for the report)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a limit is exceeded")
    args = parser.parse_args()
    env = child_env()
    with tempfile.TemporaryDirectory() as tmp:
        found = targets(Path(tmp))
        baseline_argv = [sys.executable, "-c", "pass"]
        for target in found:  # warm-up: byte-code caches, page cache
            run_once(target.argv, env)
        baseline = Samples()
        samples = [Samples() for _ in found]
        for _ in range(args.rounds):
            for i, target in enumerate(found):
                baseline.add(*run_once(baseline_argv, env))
                samples[i].add(*run_once(target.argv, env))
    base_wall = statistics.median(baseline.wall)
    print(
        f"python -c pass: median {base_wall * 1000:.1f} ms wall ({len(baseline.wall)} runs, "
        f"interleaved with {args.rounds} of each target)"
    )
    print(f"{'target':<38} {'wall':>9} {'ratio':>6} {'CPU':>6} {'limit':>8}")
    failed = []
    for target, sample in zip(found, samples, strict=True):
        wall = statistics.median(sample.wall)
        cpu = statistics.median(sample.cpu) / statistics.median(baseline.cpu)
        ratio = wall / base_wall
        if target.ratio_limit is not None:
            limit, ok = f"{target.ratio_limit:g}×", ratio <= target.ratio_limit
        elif target.seconds_limit is not None:
            limit, ok = f"{target.seconds_limit:g} s", wall <= target.seconds_limit
        else:
            limit, ok = "", True
        verdict = "" if not limit else ("ok" if ok else "OVER")
        if not ok:
            failed.append(target.label)
        print(
            f"{target.label:<38} {wall * 1000:7.0f}ms {ratio:5.1f}× {cpu:5.1f}× {limit:>8} "
            f"{verdict}"
        )
    if failed and args.check:
        print("over the limit: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
