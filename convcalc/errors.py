"""The errors convcalc raises on purpose; anything else reaching the CLI is a bug."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class ConvcalcError(ValueError):
    """Base class: the message is one line, names the parameter and the numbers."""


class LayerError(ConvcalcError):
    """PyTorch would refuse this layer (at construction or in forward)."""


class LimitError(LayerError):
    """PyTorch refuses a size or an element count beyond its int64."""


class InputError(ConvcalcError):
    """The user's data (a shape, an array, a file) cannot be used as given."""


def validation_message(exc: ValidationError) -> str:
    """pydantic's errors as one line: `field: message`, tuple locations joined with dots
    (`kernel_size.1`), several problems joined with '; '."""
    parts = []
    for err in exc.errors(include_url=False):
        loc = ".".join(str(part) for part in err["loc"])
        # a ConvcalcError raised inside validation carries its own message
        inner = err.get("ctx", {}).get("error")
        message = str(inner) if isinstance(inner, ConvcalcError) else err["msg"]
        parts.append(f"{loc}: {message}" if loc else message)
    return "; ".join(parts)


def layer_error(exc: ValidationError) -> LayerError:
    """A constructor's refusal as convcalc's own error, with the same message the CLI prints."""
    beyond = any(err["type"] == "int64" for err in exc.errors(include_url=False))
    return (LimitError if beyond else LayerError)(validation_message(exc))
