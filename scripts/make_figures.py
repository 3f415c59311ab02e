#!/usr/bin/env python
"""Generate the README's figures in docs/figures/ from the live convcalc.

    python scripts/make_figures.py          # (re)write the figures
    python scripts/make_figures.py --check  # exit 1 if a checked-in figure is stale

Each figure is what a `convcalc` command writes (the command is beside it in FIGURES; the
network diagram's `net --save` is not wired yet, so it is drawn from `summarize` directly).
Figures are deterministic, so tests/test_figures_docs.py regenerates them in memory and fails
when a checked-in one differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "figures"

# file → the command that draws it (the README shows these)
FIGURES = {
    "conv-strided.svg": "convcalc draw conv2d -i 1,1,5,5 -o 1 -k 3 -s 2 -p 1 --animate",
    "conv-transposed.svg": (
        "convcalc draw convtranspose2d -i '[[0,1],[2,3]]' -w '[[4,1],[2,3]]' --animate"
    ),
    "network.svg": (
        'convcalc net -i 1,1,32,32 "Conv2d(1, 6, 5)" "Tanh()" "AvgPool2d(2)" '
        '"Conv2d(6, 16, 5)" "Tanh()" "AvgPool2d(2)" "Flatten()" "Linear(16 * 5 * 5, 120)" '
        '"Tanh()" "Linear(120, 84)" "Tanh()" "Linear(84, 10)" --save network.svg'
    ),
}


def generate() -> dict[str, str]:
    from convcalc.figures import draw_layer, draw_network, draw_run
    from convcalc.network import summarize

    lenet = [
        "Conv2d(1, 6, 5)",
        "Tanh()",
        "AvgPool2d(2)",
        "Conv2d(6, 16, 5)",
        "Tanh()",
        "AvgPool2d(2)",
        "Flatten()",
        "Linear(16 * 5 * 5, 120)",
        "Tanh()",
        "Linear(120, 84)",
        "Tanh()",
        "Linear(84, 10)",
    ]
    return {
        "conv-strided.svg": draw_layer(
            "conv2d", (1, 1, 5, 5), out_channels=1, kernel_size=3, stride=2, padding=1, animate=True
        ).svg,
        "conv-transposed.svg": draw_run(
            "convtranspose2d", [[0, 1], [2, 3]], [[4, 1], [2, 3]], animate=True
        ).svg,
        "network.svg": draw_network(summarize(lenet, (1, 1, 32, 32))).svg,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a figure is stale")
    args = parser.parse_args()
    figures = generate()
    stale = []
    for name, text in figures.items():
        path = OUT / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print(f"stale: {', '.join(stale)}; run python scripts/make_figures.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
