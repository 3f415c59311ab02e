"""Every recorded torch 2.13 answer (tests/data/torch_golden.json) agrees with convcalc.

The file is made by scripts/make_golden.py from real torch; this test needs no torch.
"outcome" is ATen's native (float64) path; "outcome_float32" appears where float32's oneDNN
path decided differently, and those cases are checked to be the one documented divergence.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from convcalc import ConvcalcError, analyze, make_spec

GOLDEN = json.loads((Path(__file__).parent / "data" / "torch_golden.json").read_text())
CASES: list[dict[str, Any]] = GOLDEN["cases"]


def convcalc_outcome(case: dict[str, Any]) -> dict[str, Any]:

    try:
        result = analyze(make_spec(case["kind"], **case["args"]), tuple(case["input_shape"]))
    except ConvcalcError as exc:
        return {"error": str(exc).splitlines()[0]}
    return {"output_shape": list(result.output_shape), "params": result.params}


def agrees(case: dict[str, Any]) -> bool:
    ours, torch = convcalc_outcome(case), case["outcome"]
    if "error" in torch or "error" in ours:
        return ("error" in torch) == ("error" in ours)
    return ours == torch


def test_golden_file_is_big_and_mixed() -> None:
    kinds = Counter(case["kind"] for case in CASES)
    refused = sum("error" in case["outcome"] for case in CASES)
    assert len(CASES) >= 3000
    assert len(kinds) == 18
    assert 0.15 * len(CASES) <= refused <= 0.4 * len(CASES)


def test_float32_divergences_are_only_empty_transposed_outputs() -> None:
    """oneDNN (float32) accepts a transposed conv whose output has an axis of size 0; the
    native kernels refuse it.  convcalc follows the native path, and nothing else differs."""
    divergent = [case for case in CASES if "outcome_float32" in case]
    for case in divergent:
        assert case["kind"].startswith("convtranspose")
        assert "error" in case["outcome"]
        assert 0 in case["outcome_float32"]["output_shape"][-int(case["kind"][-2]) :]
        assert "error" in convcalc_outcome(case)


@pytest.mark.parametrize("kind", sorted({case["kind"] for case in CASES}))
def test_every_golden_case_agrees(kind: str) -> None:
    cases = [case for case in CASES if case["kind"] == kind]
    wrong = [
        (case["input_shape"], case["args"], case["outcome"], convcalc_outcome(case))
        for case in cases
        if not agrees(case)
    ]
    assert not wrong, f"{len(wrong)} of {len(cases)} disagree, e.g. {wrong[:3]}"
