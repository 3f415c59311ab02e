"""The errors convcalc raises on purpose; anything else reaching the CLI is a bug."""


class ConvcalcError(Exception):
    """Base class: the message is one line, names the parameter and the numbers."""


class LayerError(ConvcalcError):
    """PyTorch would refuse this layer (at construction or in forward)."""


class InputError(ConvcalcError):
    """The user's data (a shape, an array, a file) cannot be used as given."""
