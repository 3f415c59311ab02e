"""What every `net` layer shares: the Effect it has on a shape, and the Module base class."""

from fractions import Fraction
from typing import TYPE_CHECKING, ClassVar, Literal, NamedTuple

from convcalc.arguments import Arguments
from convcalc.errors import LayerError
from convcalc.notation import shape_text

if TYPE_CHECKING:
    from convcalc.arithmetic import LayerShape

Shape = tuple[int, ...]


class Effect(NamedTuple):
    """What one layer does to one input shape."""

    output_shape: Shape
    params: int = 0
    buffers: int = 0  # non-trainable state: BatchNorm's running stats and batch counter
    macs: int = 0
    # Layers with a spatial window: (own receptive field, step) per trailing spatial axis, in
    # elements of the layer's input (a conv: d·(k−1)+1 and its stride; a transposed conv:
    # ⌊d·(k−1)/s⌋+1 and 1/s; nearest ×2: 1 and 1/2; padding: 1 and 1).  None for the others.
    window: tuple[tuple[int, Fraction], ...] | None = None
    # Layers without a window: how many trailing axes they leave as they are (None: all).
    kept: int | None = None
    warnings: tuple[str, ...] = ()
    returns_tuple: bool = False  # return_indices=True: (output, indices)


class Module(Arguments):
    """A PyTorch module `net` chains besides conv and pooling: PyTorch's constructor arguments
    (subclasses add them), and `apply(shape)`, what its forward does to a tensor of that shape,
    raising LayerError where PyTorch raises."""

    torch_class: ClassVar[str]  # PyTorch's class name, without the 1d/2d/3d of dimensioned ones
    dimensioned: ClassVar[tuple[int, ...]] = ()  # the dims with a class: (1, 2, 3)
    positional: ClassVar[tuple[str, ...]] = ()
    keyword_only: ClassVar[tuple[str, ...]] = ()
    varargs: ClassVar[bool] = False  # (*args, **kwargs): takes anything, uses nothing

    dims: Literal[1, 2, 3] | None = None

    @property
    def torch_name(self) -> str:
        """The PyTorch class name, e.g. BatchNorm2d."""
        return self.torch_class + (f"{self.dims}d" if self.dims else "")

    def apply(self, shape: Shape) -> Effect:
        raise NotImplementedError  # pragma: no cover

    def parameter_shapes(self) -> dict[str, Shape]:
        """The parameters the constructor creates, by PyTorch's name, known without input."""
        return {}

    def buffer_shapes(self) -> dict[str, Shape]:
        """The buffers the constructor registers (running statistics)."""
        return {}


class Pointwise(Module):
    """A module that keeps the shape: activations, dropout."""

    def apply(self, shape: Shape) -> Effect:
        return Effect(shape)


def effect_of(shape: "LayerShape") -> Effect:
    """A conv / pooling layer's `analyze` result as an Effect."""
    return Effect(
        shape.output_shape,
        params=shape.params,
        macs=shape.macs,
        window=tuple((axis.receptive_field, axis.jump) for axis in shape.axes),
        warnings=shape.warnings,
        returns_tuple=bool(getattr(shape.spec, "return_indices", False)),
    )


def wrap_dim(name: str, dim: int, rank: int) -> int:
    """A dim argument wrapped into [0, rank) as PyTorch does (a 0-D tensor has one)."""
    n = max(rank, 1)
    if not -n <= dim < n:
        raise LayerError(
            f"{name}: dimension out of range (expected to be in range of [{-n}, {n - 1}], "
            f"but got {dim}) for a {rank}-D input"
        )
    return dim % n


def check_rank(who: str, shape: Shape, ranks: tuple[int, ...]) -> None:
    """`who` takes inputs of these ranks only."""
    if len(shape) not in ranks:
        wanted = " or ".join(f"{r}-D" for r in ranks)
        raise LayerError(
            f"input: {who} expects a {wanted} input, got {len(shape)}-D {shape_text(shape)}"
        )
