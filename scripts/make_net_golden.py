#!/usr/bin/env python
"""Generate tests/data/net_golden.json: what real torch says about the architectures in
tests/net_architectures.py (chains of layers, and models written as nn.Module classes).
convcalc is not imported here.

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

For the nn.Module models (MODELS) every module call is recorded, containers included, in the
order the calls start (a forward pre-hook) with what they returned (a forward hook): its
dotted name, class, input and output shapes and its own parameters.
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

from net_architectures import ARCHITECTURES, MODELS  # noqa: E402

OUT = ROOT / "tests" / "data" / "net_golden.json"
MODELS_OUT = ROOT / "tests" / "data" / "net_models_golden.json"


def module_macs(module: nn.Module, inp: torch.Tensor, out: object) -> int:
    if isinstance(module, nn.modules.conv._ConvTransposeNd):
        per_input = module.out_channels // module.groups * math.prod(module.kernel_size)
        return inp.numel() * per_input
    if isinstance(module, nn.modules.conv._ConvNd):
        assert isinstance(out, torch.Tensor)
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


def _shapes(value: object) -> list[list[int]]:
    if isinstance(value, torch.Tensor):
        return [list(value.shape)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _shapes(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _shapes(item)]
    return []


def build_model(source: str, expression: str | None) -> nn.Module:
    """The model the way a user's script would build it: run the file, then the expression
    (or the last nn.Module class with its defaults)."""
    namespace: dict[str, object] = {"__name__": "model_file"}
    exec(compile(source, "model.py", "exec"), namespace)  # our own trusted test sources
    if expression is not None:
        return eval(expression, namespace)  # type: ignore[no-any-return]
    classes = [
        v
        for v in namespace.values()
        if isinstance(v, type) and issubclass(v, nn.Module) and v.__module__ == "model_file"
    ]
    return classes[-1]()  # type: ignore[no-any-return]


def record_model(
    inputs: tuple[tuple[int, ...], ...], expression: str | None, source: str
) -> dict[str, object]:
    model = build_model(source, expression)
    model.eval()
    names = {id(m): n for n, m in model.named_modules()}
    calls: list[dict[str, object]] = []
    open_calls: list[int] = []

    def before(module: nn.Module, args: tuple[object, ...]) -> None:
        open_calls.append(len(calls))
        calls.append({"name": names.get(id(module), "?"), "inputs": _shapes(args)})

    def after(module: nn.Module, args: tuple[object, ...], out: object) -> None:
        call = calls[open_calls.pop()]
        leaf = not list(module.children())
        call["kind"] = type(module).__name__
        call["outputs"] = _shapes(out)
        call["params"] = sum(p.numel() for p in module.parameters(recurse=False))
        first = args[0] if args and isinstance(args[0], torch.Tensor) else None
        call["macs"] = module_macs(module, first, out) if leaf and first is not None else 0

    handles = []
    for module in model.modules():
        if module is not model:
            handles.append(module.register_forward_pre_hook(before))
            handles.append(module.register_forward_hook(after))
    with torch.no_grad():
        output = model(*(torch.zeros(shape) for shape in inputs))
    for handle in handles:
        handle.remove()
    return {
        "inputs": [list(s) for s in inputs],
        "model": expression,
        "outputs": _shapes(output),
        "params": sum(p.numel() for p in model.parameters()),
        "buffers": sum(b.numel() for b in model.buffers()),
        "macs": sum(int(c["macs"]) for c in calls),  # type: ignore[call-overload]
        "calls": calls,
    }


def _compact(data: dict[str, object]) -> str:
    """JSON with one module call per line: diffs stay readable, the file small."""
    lines = ["{", f' "torch": {json.dumps(data["torch"])},', ' "models": {']
    models = data["models"]
    assert isinstance(models, dict)
    for m, (name, model) in enumerate(models.items()):
        calls = model.pop("calls")
        head = json.dumps(model)[:-1]
        lines.append(f'  {json.dumps(name)}: {head}, "calls": [')
        lines.extend(
            f"   {json.dumps(call)}{',' if c < len(calls) - 1 else ''}"
            for c, call in enumerate(calls)
        )
        lines.append(f"  ]}}{',' if m < len(models) - 1 else ''}")
    lines += [" }", "}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    data = {
        "torch": torch.__version__,
        "architectures": {
            name: record(name, shape, source) for name, (shape, source) in ARCHITECTURES.items()
        },
    }
    models = {
        "torch": torch.__version__,
        "models": {
            name: record_model(inputs, expression, source)
            for name, (inputs, expression, source) in MODELS.items()
        },
    }
    OUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    for name, arch in data["architectures"].items():  # type: ignore[attr-defined]
        print(
            f"{name:20s} {arch['output_shape']!s:22s} params {arch['params']:>12,} "
            f"MACs {arch['macs']:>16,}"
        )
    for name, model in models["models"].items():  # type: ignore[attr-defined]
        print(
            f"{name:20s} {model['outputs']!s:22s} params {model['params']:>12,} "
            f"MACs {model['macs']:>16,}"
        )
    MODELS_OUT.write_text(_compact(models), encoding="utf-8")


if __name__ == "__main__":
    main()
