"""One typer option per PyTorch layer argument, and per-KIND commands built from them.

`shape` (and later `run`) need one command per KIND whose --help lists only that KIND's
arguments.  Rather than writing eighteen signatures, `layer_command` assembles each from the
table below; the spec models stay the only place that knows defaults and limits.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

if TYPE_CHECKING:
    from convcalc.specs import LayerSpec


_SIZE_HELP = "an int, or one per axis as a comma list (3,5)"

# name → (annotation, default), made when a command's signature is first read (a call reads
# one command's, and typer's Option objects are not free); inspect.Parameter.empty marks a
# required option.
OPTIONS: dict[str, Callable[[], tuple[Any, Any]]] = {
    "in_channels": lambda: (
        Annotated[
            Optional[int],  # noqa: UP045 - typer reads the annotation at run time
            typer.Option(
                "--in-channels",
                metavar="INT",
                help="Input channels [default: the input's].",
                show_default=False,
            ),
        ],
        None,
    ),
    "out_channels": lambda: (
        Annotated[
            int, typer.Option("--out-channels", "-o", metavar="INT", help="Output channels.")
        ],
        inspect.Parameter.empty,
    ),
    "optional_out_channels": lambda: (
        Annotated[
            Optional[int],  # noqa: UP045
            typer.Option(
                "--out-channels",
                "-o",
                metavar="INT",
                help="Output channels (needed with a full input shape).",
                show_default=False,
            ),
        ],
        None,
    ),
    "kernel_size": lambda: (
        Annotated[
            str,
            typer.Option("--kernel-size", "-k", metavar="SIZE", help=f"Kernel size: {_SIZE_HELP}."),
        ],
        inspect.Parameter.empty,
    ),
    "stride": lambda: (
        Annotated[
            Optional[str],  # noqa: UP045
            typer.Option(
                "--stride",
                "-s",
                metavar="SIZE",
                help=f"Stride: {_SIZE_HELP}. [default: 1]",
                show_default=False,
            ),
        ],
        None,
    ),
    "pool_stride": lambda: (
        Annotated[
            Optional[str],  # noqa: UP045
            typer.Option(
                "--stride",
                "-s",
                metavar="SIZE",
                help=f"Stride: {_SIZE_HELP}. [default: kernel_size]",
                show_default=False,
            ),
        ],
        None,
    ),
    "padding": lambda: (
        Annotated[
            Optional[str],  # noqa: UP045
            typer.Option(
                "--padding",
                "-p",
                metavar="SIZE",
                help=f"Padding: {_SIZE_HELP}. [default: 0]",
                show_default=False,
            ),
        ],
        None,
    ),
    "conv_padding": lambda: (
        Annotated[
            Optional[str],  # noqa: UP045
            typer.Option(
                "--padding",
                "-p",
                metavar="PADDING",
                help=f"Padding: 'same', 'valid', or {_SIZE_HELP}. [default: 0]",
                show_default=False,
            ),
        ],
        None,
    ),
    "dilation": lambda: (
        Annotated[
            Optional[str],  # noqa: UP045
            typer.Option(
                "--dilation",
                "-d",
                metavar="SIZE",
                help=f"Dilation: {_SIZE_HELP}. [default: 1]",
                show_default=False,
            ),
        ],
        None,
    ),
    "output_padding": lambda: (
        Annotated[
            Optional[str],  # noqa: UP045
            typer.Option(
                "--output-padding",
                metavar="SIZE",
                help=f"Output padding: {_SIZE_HELP}. [default: 0]",
                show_default=False,
            ),
        ],
        None,
    ),
    "groups": lambda: (
        Annotated[
            Optional[int],  # noqa: UP045
            typer.Option(
                "--groups", "-g", metavar="INT", help="Groups. [default: 1]", show_default=False
            ),
        ],
        None,
    ),
    "bias": lambda: (
        Annotated[
            Optional[bool],  # noqa: UP045
            typer.Option(
                "--bias/--no-bias", help="Learnable bias. [default: bias]", show_default=False
            ),
        ],
        None,
    ),
    "padding_mode": lambda: (
        Annotated[
            Optional[str],  # noqa: UP045
            typer.Option(
                "--padding-mode",
                metavar="MODE",
                help="zeros, reflect, replicate or circular. [default: zeros]",
                show_default=False,
            ),
        ],
        None,
    ),
    "transposed_padding_mode": lambda: (
        Annotated[
            Optional[str],  # noqa: UP045
            typer.Option(
                "--padding-mode",
                metavar="MODE",
                help="Only zeros, as in PyTorch. [default: zeros]",
                show_default=False,
            ),
        ],
        None,
    ),
    "ceil_mode": lambda: (
        Annotated[
            Optional[bool],  # noqa: UP045
            typer.Option(
                "--ceil-mode/--floor-mode",
                help="Round the output size up (PyTorch's rule). [default: floor]",
                show_default=False,
            ),
        ],
        None,
    ),
    "count_include_pad": lambda: (
        Annotated[
            Optional[bool],  # noqa: UP045
            typer.Option(
                "--count-include-pad/--no-count-include-pad",
                help="Count zero padding in the average. [default: count]",
                show_default=False,
            ),
        ],
        None,
    ),
    "divisor_override": lambda: (
        Annotated[
            Optional[int],  # noqa: UP045
            typer.Option(
                "--divisor-override", metavar="INT", help="Divide every window sum by this."
            ),
        ],
        None,
    ),
    "output_size": lambda: (
        Annotated[
            str,
            typer.Option(
                "--output-size",
                metavar="SIZE",
                help="Output size: an int, or one per axis; None keeps that axis (None,7).",
            ),
        ],
        inspect.Parameter.empty,
    ),
}

# The options each family takes, in PyTorch's argument order; the key in OPTIONS when the
# option's help differs from the argument's plain name.
FAMILY_OPTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "conv": (
        ("in_channels", "in_channels"),
        ("out_channels", "out_channels"),
        ("kernel_size", "kernel_size"),
        ("stride", "stride"),
        ("padding", "conv_padding"),
        ("dilation", "dilation"),
        ("groups", "groups"),
        ("bias", "bias"),
        ("padding_mode", "padding_mode"),
    ),
    "convtranspose": (
        ("in_channels", "in_channels"),
        ("out_channels", "out_channels"),
        ("kernel_size", "kernel_size"),
        ("stride", "stride"),
        ("padding", "padding"),
        ("output_padding", "output_padding"),
        ("groups", "groups"),
        ("bias", "bias"),
        ("dilation", "dilation"),
        ("padding_mode", "transposed_padding_mode"),
    ),
    "maxpool": (
        ("kernel_size", "kernel_size"),
        ("stride", "pool_stride"),
        ("padding", "padding"),
        ("dilation", "dilation"),
        ("ceil_mode", "ceil_mode"),
    ),
    "avgpool": (
        ("kernel_size", "kernel_size"),
        ("stride", "pool_stride"),
        ("padding", "padding"),
        ("ceil_mode", "ceil_mode"),
        ("count_include_pad", "count_include_pad"),
        ("divisor_override", "divisor_override"),
    ),
    "adaptiveavgpool": (("output_size", "output_size"),),
    "adaptivemaxpool": (("output_size", "output_size"),),
}

SIZE_ARGS = frozenset({"kernel_size", "stride", "dilation", "output_padding"})

INPUT_SHAPE_OPTION = Annotated[
    str,
    typer.Option(
        "--input", "-i", metavar="SHAPE", help="Input shape: N,C,*spatial (batched) or C,*spatial."
    ),
]
JSON_OPTION = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def family_options(family: str, dims: int) -> tuple[tuple[str, str], ...]:
    options = FAMILY_OPTIONS[family]
    if family == "avgpool" and dims == 1:  # AvgPool1d has no divisor_override
        options = tuple(o for o in options if o[0] != "divisor_override")
    return options


def layer_command(
    family: str,
    dims: int,
    body: Callable[..., None],
    *,
    before: tuple[tuple[str, Any, Any], ...] = (),
    after: tuple[tuple[str, Any, Any], ...] = (),
    skip: frozenset[str] = frozenset(),
    options: dict[str, str] | None = None,
) -> Callable[..., None]:
    """A typer command taking `before` + the family's PyTorch options + `after`.

    `body(layer_args, **extra)` receives the layer options that were given (unset ones
    omitted, so the spec's defaults apply) and the extra options by name.  `options` maps an
    argument to another entry of OPTIONS (the same flag with other help or default).
    """
    names = [name for name, _ in family_options(family, dims) if name not in skip]
    keys = dict(family_options(family, dims)) | (options or {})
    return _LayerCommand(f"{family}{dims}d", body, names, [keys[n] for n in names], before, after)


class _LayerCommand:
    """A command whose signature is assembled when typer first reads it: a group registers
    one per KIND, and a call builds the signature (and the options) of the one it runs only."""

    def __init__(
        self,
        name: str,
        body: Callable[..., None],
        names: list[str],
        keys: list[str],
        before: tuple[tuple[str, Any, Any], ...],
        after: tuple[tuple[str, Any, Any], ...],
    ) -> None:
        self.__name__ = name
        self.__doc__ = None
        # typing.get_type_hints wants annotations; typer takes every option from the signature
        self.__annotations__: dict[str, Any] = {}
        self._body, self._names, self._keys = body, names, keys
        self._before, self._after = before, after

    def __call__(self, **kwargs: Any) -> None:
        layer_args = {name: kwargs.pop(name) for name in self._names}
        self._body({k: v for k, v in layer_args.items() if v is not None}, **kwargs)

    @functools.cached_property
    def __signature__(self) -> inspect.Signature:
        layer = [(name, *_option(key)) for name, key in zip(self._names, self._keys, strict=True)]
        keyword = inspect.Parameter.KEYWORD_ONLY
        return inspect.Signature(
            [
                inspect.Parameter(name, keyword, annotation=annotation, default=default)
                for name, annotation, default in (*self._before, *layer, *self._after)
            ]
        )


@functools.cache
def _option(key: str) -> tuple[Any, Any]:
    return OPTIONS[key]()


# --- turning option text into spec arguments --------------------------------------------------


def _bad(option: str, message: str) -> typer.BadParameter:
    return typer.BadParameter(message, param_hint=f"'--{option.replace('_', '-')}'")


def parse_ints(text: str, option: str, *, allow_none: bool = False) -> list[int | None]:
    items = [item.strip() for item in text.strip().strip("()[]").split(",")]
    values: list[int | None] = []
    for item in items:
        if allow_none and item.lower() == "none":
            values.append(None)
            continue
        try:
            values.append(int(item))
        except ValueError:
            expected = "integers or None" if allow_none else "integers"
            raise _bad(option, f"expected {expected} separated by commas, got {text!r}") from None
    return values


def parse_size(text: str, option: str) -> int | tuple[int, ...]:
    """'3' → 3, '3,5' → (3, 5): an int stays an int, as PyTorch prints it back."""
    values = [v for v in parse_ints(text, option) if v is not None]
    return values[0] if len(values) == 1 and "," not in text else tuple(values)


def parse_output_size(text: str) -> int | tuple[int | None, ...] | None:
    values = parse_ints(text, "output_size", allow_none=True)
    return values[0] if len(values) == 1 and "," not in text else tuple(values)


def parse_shape(text: str) -> tuple[int, ...]:
    values = parse_ints(text, "input")
    return tuple(v for v in values if v is not None)


def spatial_reading(family: str, dims: int, sizes: tuple[int, ...]) -> tuple[int, ...] | None:
    """The spatial sizes an input of fewer numbers than C,*spatial stands for (None: a full
    shape, PyTorch's own reading).  PyTorch never takes such a rank for a conv or a max/avg
    pool, so the command line reads it as spatial: one size for every axis, or one per axis.
    Adaptive pools take low ranks in PyTorch and keep its reading."""
    if family.startswith("adaptive") or len(sizes) > dims:
        return None
    if len(sizes) == 1:
        return sizes * dims
    if len(sizes) == dims:
        return sizes
    layout = {2: "H, W", 3: "D, H, W"}[dims]
    raise typer.BadParameter(
        f"give one size for every axis ({sizes[0]}), one per axis ({layout}), or a full shape "
        f"(C, {layout}) or (N, C, {layout}); got {len(sizes)}: {','.join(map(str, sizes))}",
        param_hint="'--input' / '-i'",
    )


def spec_args(
    family: str,
    dims: int,
    given: dict[str, Any],
    input_shape: tuple[int, ...],
    *,
    channels_from_input: bool = True,
) -> dict[str, Any]:
    """CLI option values → PyTorch keyword arguments (sizes parsed; a conv's in_channels
    taken from the input unless given, or unless `channels_from_input` is off)."""
    from convcalc.kinds import CONV_FAMILIES
    from convcalc.padding import is_padding_word

    args: dict[str, Any] = {}
    for name, value in given.items():
        if name in SIZE_ARGS:
            args[name] = parse_size(value, name)
        elif name == "padding":
            # a word goes to the spec, which refuses a wrong one as PyTorch does
            args[name] = value if is_padding_word(value) else parse_size(value, name)
        elif name == "output_size":
            args[name] = parse_output_size(value)
        else:
            args[name] = value
    conv = family in CONV_FAMILIES
    if conv and channels_from_input and "in_channels" not in args:
        # channels sit just before the spatial axes in (N, C, *s) and (C, *s) alike
        args["in_channels"] = input_shape[-dims - 1] if len(input_shape) > dims else 0
    return args


def build_spec(family: str, dims: int, args: dict[str, Any]) -> LayerSpec:
    from convcalc.specs import spec_class

    return spec_class(family).model_validate({"dims": dims, **args})
