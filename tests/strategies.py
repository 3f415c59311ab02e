"""Hypothesis strategies for layer configurations, valid and invalid, in the golden format."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from convcalc.kinds import FAMILY_PREFIX


def _size(draw: st.DrawFn, dims: int, low: int, high: int) -> int | list[int]:
    if draw(st.booleans()):
        return draw(st.integers(low, high))
    return [draw(st.integers(low, high)) for _ in range(dims)]


@st.composite
def layer_cases(draw: st.DrawFn, family: str | None = None) -> dict[str, Any]:
    """{"kind", "input_shape", "args"}: small, near the limits, sometimes out of them."""
    family = family or draw(st.sampled_from(list(FAMILY_PREFIX)))
    dims = draw(st.integers(1, 3))
    batched = draw(st.booleans())
    channels = draw(st.integers(1, 6))
    spatial = [draw(st.integers(1, 12 if dims < 3 else 7)) for _ in range(dims)]
    shape = ([draw(st.integers(0, 2))] if batched else []) + [channels, *spatial]
    args: dict[str, Any] = {}
    if family in ("conv", "convtranspose"):
        groups = draw(st.sampled_from([1, 1, 1, 2, 3]))
        args["in_channels"] = channels if draw(st.integers(0, 9)) else channels + 1
        args["out_channels"] = draw(st.integers(1, 6))
        args["kernel_size"] = _size(draw, dims, 1, 5)
        args["stride"] = _size(draw, dims, 1, 3)
        args["dilation"] = _size(draw, dims, 1, 3)
        args["groups"] = groups
        args["bias"] = draw(st.booleans())
        if family == "conv":
            mode = draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"]))
            args["padding_mode"] = mode
            args["padding"] = draw(
                st.one_of(st.sampled_from(["same", "valid"]), st.just(_size(draw, dims, 0, 4)))
            )
        else:
            args["padding"] = _size(draw, dims, 0, 3)
            args["output_padding"] = _size(draw, dims, 0, 2)
    elif family in ("maxpool", "avgpool"):
        args["kernel_size"] = _size(draw, dims, 1, 5)
        if draw(st.booleans()):
            args["stride"] = _size(draw, dims, 1, 3)
        args["padding"] = _size(draw, dims, 0, 2)
        args["ceil_mode"] = draw(st.booleans())
        if family == "maxpool":
            args["dilation"] = _size(draw, dims, 1, 3)
        else:
            args["count_include_pad"] = draw(st.booleans())
            if dims > 1 and draw(st.booleans()):
                args["divisor_override"] = draw(st.integers(-2, 3))
    else:
        if dims == 1:
            args["output_size"] = draw(st.integers(0, 14))
        else:
            args["output_size"] = [
                draw(st.one_of(st.none(), st.integers(0, 14))) for _ in range(dims)
            ]
    return {"kind": f"{family}{dims}d", "input_shape": shape, "args": args}
