"""Layer kind names (conv2d, ConvTranspose2d, ...): plain data, importable without pydantic."""

from __future__ import annotations

import re

from convcalc.errors import LayerError

# family → PyTorch class-name prefix, in the order the CLI lists them
FAMILY_PREFIX: dict[str, str] = {
    "conv": "Conv",
    "convtranspose": "ConvTranspose",
    "maxpool": "MaxPool",
    "avgpool": "AvgPool",
    "adaptiveavgpool": "AdaptiveAvgPool",
    "adaptivemaxpool": "AdaptiveMaxPool",
}
# the families with channels, groups and weights: convolutions, plain and transposed
CONV_FAMILIES: tuple[str, ...] = ("conv", "convtranspose")
KINDS: tuple[str, ...] = tuple(f"{family}{d}d" for family in FAMILY_PREFIX for d in (1, 2, 3))

_KIND = re.compile(r"^(?:torch\.)?(?:nn\.)?([a-z]+?)([123])d$")


def family_and_dims(kind: str) -> tuple[str, int]:
    """'conv2d', 'Conv2d', 'nn.ConvTranspose2d' → (family, dims)."""
    match = _KIND.match(kind.strip().lower())
    if match is None or match.group(1) not in FAMILY_PREFIX:
        raise LayerError(f"unknown layer kind {kind!r}; known kinds: {', '.join(KINDS)}")
    return match.group(1), int(match.group(2))


def torch_name(family: str, dims: int) -> str:
    return f"{FAMILY_PREFIX[family]}{dims}d"
