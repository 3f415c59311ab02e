"""Torch oracle for differential testing of convcalc.

``torch_outcome(case)`` builds ``torch.nn.<Class>(**args)`` for a case such as::

    {"kind": "conv2d", "input_shape": [1, 3, 8, 8],
     "args": {"in_channels": 3, "out_channels": 4, "kernel_size": [3, 3]}}

runs it (no grad, CPU) on ``torch.zeros(input_shape)`` and returns
``{"output_shape": [...], "params": N}`` or ``{"error": "Type: first line"}``.
JSON lists in ``args`` are converted (recursively) to tuples.

The canonical outcome is float64's: ATen's native kernels, whose checks are deterministic.
float32 may take oneDNN instead (chosen by batch, groups, sizes and thread count), which
accepts a few things the native path refuses (a transposed conv with an output size of 0).
``torch_outcomes`` reports both, so that such divergences are recorded, not hidden.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import torch

_FAMILIES = (
    ("conv", "Conv"),
    ("convtranspose", "ConvTranspose"),
    ("maxpool", "MaxPool"),
    ("avgpool", "AvgPool"),
    ("adaptiveavgpool", "AdaptiveAvgPool"),
    ("adaptivemaxpool", "AdaptiveMaxPool"),
)
#: lowercase kind -> torch.nn class name, e.g. "convtranspose2d" -> "ConvTranspose2d"
KIND_TO_CLASS: dict[str, str] = {
    f"{kind}{d}d": f"{cls}{d}d" for kind, cls in _FAMILIES for d in (1, 2, 3)
}
KINDS: tuple[str, ...] = tuple(KIND_TO_CLASS)


def _tupleize(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_tupleize(v) for v in value)
    return value


# Python set reprs inside messages (e.g. "padding_mode must be one of {'zeros',
# 'reflect', ...}") come out in hash-seed dependent order; sort them.
_SET_OF_STRINGS = re.compile(r"\{'[^'{}]*'(?:, '[^'{}]*')+\}")


def _sorted_set(m: re.Match) -> str:
    items = re.findall(r"'([^']*)'", m.group(0))
    return "{" + ", ".join(f"'{x}'" for x in sorted(items)) + "}"


def _error(exc: BaseException) -> dict:
    msg = str(exc)
    first = msg.splitlines()[0] if msg else ""
    first = _SET_OF_STRINGS.sub(_sorted_set, first)
    return {"error": f"{type(exc).__name__}: {first}"}


def torch_outcome(case: dict) -> dict:
    """Torch's canonical (float64, native-kernel) outcome for one case."""
    return _outcome(case, torch.float64)


def torch_outcomes(case: dict) -> dict:
    """{"outcome": float64's, and "outcome_float32": float32's where it differs}."""
    canonical = _outcome(case, torch.float64)
    single = _outcome(case, torch.float32)
    if _verdict(single) != _verdict(canonical):
        return {"outcome": canonical, "outcome_float32": single}
    return {"outcome": canonical}


def _verdict(outcome: dict) -> object:
    return "error" if "error" in outcome else outcome


def _outcome(case: dict, dtype: torch.dtype) -> dict:
    kind = case["kind"]
    cls = getattr(torch.nn, KIND_TO_CLASS[kind])
    args = {k: _tupleize(v) for k, v in case.get("args", {}).items()}
    input_shape = [int(s) for s in case["input_shape"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with torch.no_grad():
                module = cls(**args).to(dtype)
                x = torch.zeros(input_shape, dtype=dtype, device="cpu")
                out = module(x)
                if isinstance(out, tuple):  # return_indices=True
                    out = out[0]
                shape = [int(s) for s in out.shape]
                params = int(sum(p.numel() for p in module.parameters()))
        except Exception as exc:  # any refusal is an outcome
            return _error(exc)
    return {"output_shape": shape, "params": params}


if __name__ == "__main__":  # echo '{"kind": ...}' | python tests/torch_oracle.py
    import json
    import sys

    for raw in sys.stdin:
        if raw.strip():
            print(json.dumps(torch_outcome(json.loads(raw))))
