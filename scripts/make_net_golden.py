#!/usr/bin/env python
"""Generate tests/data/net_golden.json: what real torch says about the architectures in
tests/net_architectures.py.  convcalc is not imported here.

Per leaf module, in execution order: its class, output shape (a forward pass on zeros, eval
mode), parameters (`parameters()`), buffers (`buffers()`: the non-trainable state) and MACs,
summed here from each module's own attributes and the real input/output tensors:

    Conv*d            output.numel() · (in_channels / groups) · ∏kernel_size
    ConvTranspose*d   input.numel() · (out_channels / groups) · ∏kernel_size
    Linear            input.numel() / in_features · in_features · out_features
    anything else     0

Run it from the repository root, in an environment with torch installed (`pip install torch`;
the test extra does not bring it), after adding or changing an architecture:

    python scripts/make_net_golden.py

then commit tests/data/net_golden.json with the architecture.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from net_architectures import ARCHITECTURES  # noqa: E402

OUT = ROOT / "tests" / "data" / "net_golden.json"


def module_macs(module: nn.Module, inp: torch.Tensor, out: torch.Tensor) -> int:
    if isinstance(module, nn.modules.conv._ConvTransposeNd):
        per_input = module.out_channels // module.groups * math.prod(module.kernel_size)
        return inp.numel() * per_input
    if isinstance(module, nn.modules.conv._ConvNd):
        per_output = module.in_channels // module.groups * math.prod(module.kernel_size)
        return out.numel() * per_output
    if isinstance(module, nn.Linear):
        return inp.numel() // module.in_features * module.in_features * module.out_features
    return 0


def record(name: str, input_shape: tuple[int, ...], source: str) -> dict[str, object]:
    # our own trusted source text; this script is the one place it is run as Python
    model = eval(source, {"nn": nn, "torch": torch})
    model.eval()
    leaves = [m for m in model.modules() if not list(m.children())]
    rows: list[dict[str, object]] = []

    def hook(module: nn.Module, args: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        rows.append(
            {
                "kind": type(module).__name__,
                "input_shape": list(args[0].shape),
                "output_shape": list(out.shape),
                "params": sum(p.numel() for p in module.parameters(recurse=False)),
                "buffers": sum(b.numel() for b in module.buffers(recurse=False)),
                "macs": module_macs(module, args[0], out),
            }
        )

    handles = [leaf.register_forward_hook(hook) for leaf in leaves]
    with torch.no_grad():
        output = model(torch.zeros(input_shape))
    for handle in handles:
        handle.remove()
    assert len(rows) == len(leaves), name
    return {
        "input_shape": list(input_shape),
        "output_shape": list(output.shape),
        "params": sum(p.numel() for p in model.parameters()),
        "trainable_params": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "buffers": sum(b.numel() for b in model.buffers()),
        "macs": sum(int(row["macs"]) for row in rows),  # type: ignore[call-overload]
        "layers": rows,
    }


def main() -> None:
    data = {
        "torch": torch.__version__,
        "architectures": {
            name: record(name, shape, source) for name, (shape, source) in ARCHITECTURES.items()
        },
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    for name, arch in data["architectures"].items():  # type: ignore[attr-defined]
        print(
            f"{name:20s} {arch['output_shape']!s:22s} params {arch['params']:>12,} "
            f"MACs {arch['macs']:>16,}"
        )


if __name__ == "__main__":
    main()
