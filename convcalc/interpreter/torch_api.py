"""The names a model file imports, as the interpreter understands them: torch, torch.nn,
torch.nn.functional, math, collections, functools, typing, and Python's builtins.

A torch op on tensors is a shape rule: the functional forms of layers build the layer and
apply it (`F.max_pool2d(x, 2)` is `MaxPool2d(2)` on x); the others (cat, view, permute,
broadcasting, ...) are `convcalc.layers.tensor_ops`.  Each records a row when called in the
model's forward.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from convcalc import padding as padding_rules
from convcalc.errors import ConvcalcError, LayerError
from convcalc.interpreter import bounds
from convcalc.interpreter.values import (
    Builtin,
    Device,
    DType,
    Foreign,
    Function,
    Instance,
    ModuleObject,
    Namespace,
    Partial,
    PythonType,
    ShapeInt,
    SuperProxy,
    Tensor,
    TorchClass,
    UserClass,
    type_name,
)
from convcalc.layers import LAZY, SUPPORTED, Lazy, apply, build_layer
from convcalc.layers import tensor_ops as ops
from convcalc.layers.base import Effect, Shape, wrap_dim
from convcalc.layers.tensor_ops import Strides, contiguous

if TYPE_CHECKING:
    from convcalc.interpreter.machine import Frame, Interpreter

Fn = Callable[..., Any]  # fn(interp, node, args, kwargs)


# --- binding ----------------------------------------------------------------------------------


def bind(
    interp: Interpreter,
    node: ast.AST,
    name: str,
    params: Sequence[str],
    args: Sequence[Any],
    kwargs: dict[str, Any],
    defaults: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Arguments by parameter name, as Python binds them; missing ones from `defaults`."""
    defaults = defaults or {}
    if len(args) > len(params):
        interp.fail(f"{name}() takes at most {len(params)} arguments ({len(args)} given)", node)
    values = dict(zip(params, args, strict=False))
    for key, value in kwargs.items():
        if key not in params:
            interp.fail(f"{name}() got an unexpected keyword argument {key!r}", node)
        if key in values:
            interp.fail(f"{name}() got multiple values for argument {key!r}", node)
        values[key] = value
    for param in params:
        if param not in values:
            if param not in defaults:
                interp.fail(f"{name}() is missing the required argument {param!r}", node)
            values[param] = defaults[param]
    return values


def _int(interp: Interpreter, value: Any, what: str, node: ast.AST) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        interp.fail(f"{what} must be an int, got {type_name(value)} {_repr(value)}", node)
    return int(value)


def _ints(interp: Interpreter, values: Any, what: str, node: ast.AST) -> tuple[int, ...]:
    if not isinstance(values, list | tuple):
        return (_int(interp, values, what, node),)
    return tuple(_int(interp, v, what, node) for v in values)


def _sizes(interp: Interpreter, args: Sequence[Any], what: str, node: ast.AST) -> tuple[int, ...]:
    """`f(2, 3)` or `f((2, 3))` / `f([2, 3])` / `f(x.shape)`."""
    if len(args) == 1 and isinstance(args[0], list | tuple):
        return _ints(interp, args[0], what, node)
    return tuple(_int(interp, a, what, node) for a in args)


def _tensor(interp: Interpreter, value: Any, what: str, node: ast.AST) -> Tensor:
    if not isinstance(value, Tensor):
        interp.fail(f"{what} must be a tensor, got {type_name(value)}", node)
    return value


def _repr(value: Any) -> str:
    text = repr(value) if isinstance(value, int | float | str | bool) or value is None else ""
    return text[:40]


def _shape_tuple(interp: Interpreter, shape: Shape) -> tuple[int, ...]:
    interp.shape_reads += 1
    return tuple(ShapeInt(s) for s in shape)


# --- recording --------------------------------------------------------------------------------


def _call_name(node: ast.AST, fallback: str) -> str:
    """How the code names the op: F.relu, torch.cat, nn.functional.pad."""
    func = node.func if isinstance(node, ast.Call) else None
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name) and parts:
        return ".".join([func.id, *reversed(parts)])
    return fallback


def result(
    interp: Interpreter,
    node: ast.AST,
    name: str,
    kind: str,
    inputs: Sequence[Tensor],
    shapes: Sequence[Shape],
    *,
    strides: Sequence[Strides | None] | None = None,
    dtype: str | None = None,
    effect: Effect | None = None,
) -> list[Tensor]:
    """The op's output tensors, with a recorded row while the model's forward runs."""
    for shape in shapes:
        if len(shape) > bounds.MAX_RANK:
            raise LayerError(
                f"input: a tensor of {len(shape)} dimensions; convcalc follows at most "
                f"{bounds.MAX_RANK}"
            )
    recorder = interp.recorder
    source = inputs[0].source if inputs else -1
    if "." not in kind and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        # the torch function or Tensor method it is: torch.flatten, Tensor.view
        called = _call_name(node, "")
        root = called.split(".")[0]
        kind = called if root in ("torch", "F", "nn", "functional") else f"Tensor.{kind}"
    if recorder.active:
        row = recorder.add(
            name,
            kind,
            "op",
            tuple(t.shape for t in inputs),
            tuple(t.source for t in inputs),
            getattr(node, "lineno", None),
            getattr(node, "col_offset", 0) + 1,
        )
        row.outputs = tuple(shapes)
        row.effect = effect or Effect(shapes[0] if shapes else ())
        if effect is not None:
            row.warnings = list(effect.warnings)
        source = row.index
    dt = dtype or (inputs[0].dtype if inputs else "float32")
    out = []
    for i, shape in enumerate(shapes):
        given = strides[i] if strides is not None else None
        out.append(Tensor(shape, given or contiguous(shape), dt, source))
    return out


def _one(
    interp: Interpreter,
    node: ast.AST,
    name: str,
    kind: str,
    inputs: Sequence[Tensor],
    shape: Shape,
    strides: Strides | None = None,
    dtype: str | None = None,
    effect: Effect | None = None,
) -> Tensor:
    return result(
        interp, node, name, kind, inputs, [shape], strides=[strides], dtype=dtype, effect=effect
    )[0]


def _same_layout(inputs: Sequence[Tensor], shape: Shape) -> Strides | None:
    """Elementwise ops keep the layout of their first full-size operand (TensorIterator)."""
    for t in inputs:
        if t.shape == shape:
            return t.strides if _dense(t) else None
    return None


def _dense(t: Tensor) -> bool:
    """Non-overlapping and dense: a permutation of a contiguous layout."""
    pairs = sorted((s, n) for s, n in zip(t.strides, t.shape, strict=True) if n != 1)
    expected = 1
    for stride, size in pairs:
        if stride != expected:
            return False
        expected *= size
    return True


# --- functional forms of layers ---------------------------------------------------------------

# F name → (layer class, F's parameters after the input); parameters the layer does not take
# (training, _stacklevel, dtype, ...) are read and dropped
_F_LAYERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "relu": ("ReLU", ("inplace",)),
    "relu_": ("ReLU", ()),
    "relu6": ("ReLU6", ("inplace",)),
    "leaky_relu": ("LeakyReLU", ("negative_slope", "inplace")),
    "elu": ("ELU", ("alpha", "inplace")),
    "selu": ("SELU", ("inplace",)),
    "celu": ("CELU", ("alpha", "inplace")),
    "gelu": ("GELU", ("approximate",)),
    "silu": ("SiLU", ("inplace",)),
    "mish": ("Mish", ("inplace",)),
    "hardswish": ("Hardswish", ("inplace",)),
    "hardsigmoid": ("Hardsigmoid", ("inplace",)),
    "hardtanh": ("Hardtanh", ("min_val", "max_val", "inplace")),
    "sigmoid": ("Sigmoid", ()),
    "tanh": ("Tanh", ()),
    "logsigmoid": ("LogSigmoid", ()),
    "softsign": ("Softsign", ()),
    "tanhshrink": ("Tanhshrink", ()),
    "softplus": ("Softplus", ("beta", "threshold")),
    "hardshrink": ("Hardshrink", ("lambd",)),
    "softshrink": ("Softshrink", ("lambd",)),
    "threshold": ("Threshold", ("threshold", "value", "inplace")),
    "rrelu": ("RReLU", ("lower", "upper", "training", "inplace")),
    "glu": ("GLU", ("dim",)),
    "softmax": ("Softmax", ("dim", "_stacklevel", "dtype")),
    "log_softmax": ("LogSoftmax", ("dim", "_stacklevel", "dtype")),
    "softmin": ("Softmin", ("dim", "_stacklevel", "dtype")),
    "dropout": ("Dropout", ("p", "training", "inplace")),
    "alpha_dropout": ("AlphaDropout", ("p", "training", "inplace")),
    "feature_alpha_dropout": ("FeatureAlphaDropout", ("p", "training", "inplace")),
    "pixel_shuffle": ("PixelShuffle", ("upscale_factor",)),
    "pixel_unshuffle": ("PixelUnshuffle", ("downscale_factor",)),
    "channel_shuffle": ("ChannelShuffle", ("groups",)),
    "unfold": ("Unfold", ("kernel_size", "dilation", "padding", "stride")),
    "fold": ("Fold", ("output_size", "kernel_size", "dilation", "padding", "stride")),
    "local_response_norm": ("LocalResponseNorm", ("size", "alpha", "beta", "k")),
    "interpolate": (
        "Upsample",
        ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias"),
    ),
    "upsample": ("Upsample", ("size", "scale_factor", "mode", "align_corners")),
    "upsample_nearest": ("UpsamplingNearest2d", ("size", "scale_factor")),
    "upsample_bilinear": ("UpsamplingBilinear2d", ("size", "scale_factor")),
}
for _d in (1, 2, 3):
    _F_LAYERS[f"dropout{_d}d"] = (f"Dropout{_d}d", ("p", "training", "inplace"))
    _F_LAYERS[f"max_pool{_d}d"] = (
        f"MaxPool{_d}d",
        ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"),
    )
    _F_LAYERS[f"avg_pool{_d}d"] = (
        f"AvgPool{_d}d",
        ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")
        + (("divisor_override",) if _d > 1 else ()),
    )
    _F_LAYERS[f"adaptive_avg_pool{_d}d"] = (f"AdaptiveAvgPool{_d}d", ("output_size",))
    _F_LAYERS[f"adaptive_max_pool{_d}d"] = (
        f"AdaptiveMaxPool{_d}d",
        ("output_size", "return_indices"),
    )
    _F_LAYERS[f"lp_pool{_d}d"] = (
        f"LPPool{_d}d",
        ("norm_type", "kernel_size", "stride", "ceil_mode"),
    )
for _d in (2, 3):
    _F_LAYERS[f"fractional_max_pool{_d}d"] = (
        f"FractionalMaxPool{_d}d",
        ("kernel_size", "output_size", "output_ratio", "return_indices", "_random_samples"),
    )
_DROPPED = frozenset({"training", "_stacklevel", "dtype", "_random_samples"})


def _functional_layer(fname: str) -> Fn:
    layer_name, params = _F_LAYERS[fname]
    required = {
        "threshold": ("threshold", "value"),
        "pixel_shuffle": ("upscale_factor",),
        "pixel_unshuffle": ("downscale_factor",),
        "channel_shuffle": ("groups",),
        "unfold": ("kernel_size",),
        "fold": ("output_size", "kernel_size"),
        "local_response_norm": ("size",),
    }.get(fname, ())

    def op(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
        given = bind(
            interp,
            node,
            f"F.{fname}",
            ("input", *params),
            args,
            kwargs,
            {p: _UNSET for p in params if p not in required and not p.endswith("kernel_size")},
        )
        x = _tensor(interp, given.pop("input"), f"F.{fname}'s input", node)
        arguments = {
            k: _plain(interp, v, node)
            for k, v in given.items()
            if v is not _UNSET and k not in _DROPPED
        }
        antialias = fname == "interpolate" and arguments.pop("antialias", False)
        if antialias and (
            arguments.get("mode", "nearest") not in ("bilinear", "bicubic") or len(x.shape) != 4
        ):
            raise LayerError(
                "antialias: anti-alias is restricted to the bilinear and bicubic modes and "
                "a 4-D input"
            )
        if fname.startswith("max_pool") and "stride" in arguments and arguments["stride"] is None:
            arguments.pop("stride")
        try:
            layer = build_layer(layer_name, arguments)
        except ConvcalcError as exc:
            raise LayerError(str(exc)) from None
        effect = apply(layer, x.shape)
        name = _call_name(node, f"F.{fname}")
        keeps = effect.output_shape == x.shape and layer_name not in ("Upsample",)
        strides = x.strides if keeps else None
        if effect.returns_tuple:
            out = result(
                interp,
                node,
                name,
                f"F.{fname}",
                [x],
                [effect.output_shape, effect.output_shape],
                effect=effect,
            )
            return (out[0], Tensor(out[1].shape, out[1].strides, "int64", out[1].source))
        return _one(
            interp, node, name, f"F.{fname}", [x], effect.output_shape, strides, None, effect
        )

    return op


class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


_UNSET = _Unset()


def _plain(interp: Interpreter, value: Any, node: ast.AST) -> Any:
    if isinstance(value, ShapeInt):
        return int(value)
    if isinstance(value, list | tuple):
        return tuple(_plain(interp, v, node) for v in value)
    if isinstance(value, DType | Device):
        return value.name
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Tensor):
        return value  # only the ops that take tensors read these
    interp.fail(f"an argument is {type_name(value)}, not a number or size", node)


def _f_pad(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
    given = bind(
        interp,
        node,
        "F.pad",
        ("input", "pad", "mode", "value"),
        args,
        kwargs,
        {"mode": "constant", "value": None},
    )
    x = _tensor(interp, given["input"], "F.pad's input", node)
    flat = _ints(interp, given["pad"], "pad", node)
    mode = given["mode"]
    if not isinstance(mode, str):
        interp.fail("F.pad's mode must be a string", node)
    out = padding_rules.fpad_shape(mode, x.shape, flat, who="F.pad")
    return _one(interp, node, _call_name(node, "F.pad"), "F.pad", [x], out)


def _f_normalize(
    interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    given = bind(
        interp,
        node,
        "F.normalize",
        ("input", "p", "dim", "eps", "out"),
        args,
        kwargs,
        {"p": 2.0, "dim": 1, "eps": 1e-12, "out": None},
    )
    x = _tensor(interp, given["input"], "F.normalize's input", node)
    wrap_dim("dim", _int(interp, given["dim"], "dim", node), len(x.shape))
    return _one(interp, node, _call_name(node, "F.normalize"), "F.normalize", [x], x.shape)


def _f_norm(fname: str, params: tuple[str, ...]) -> Fn:
    """F.layer_norm / group_norm / batch_norm / instance_norm / rms_norm: the shape stays;
    the checks are the module's, without its parameters."""

    def op(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
        given = bind(
            interp,
            node,
            f"F.{fname}",
            ("input", *params),
            args,
            kwargs,
            dict.fromkeys(params[1:])
            | ({} if fname in ("layer_norm", "group_norm", "rms_norm") else {params[0]: None}),
        )
        x = _tensor(interp, given["input"], f"F.{fname}'s input", node)
        if fname in ("layer_norm", "rms_norm"):
            layer = build_layer(
                "LayerNorm" if fname == "layer_norm" else "RMSNorm",
                {
                    "normalized_shape": _plain(interp, given["normalized_shape"], node),
                    "elementwise_affine": False,
                },
            )
            apply(layer, x.shape)
        elif fname == "group_norm":
            if len(x.shape) < 2:
                raise LayerError("input: F.group_norm needs at least 2 dimensions")
            layer = build_layer(
                "GroupNorm",
                {
                    "num_groups": _int(interp, given["num_groups"], "num_groups", node),
                    "num_channels": x.shape[1],
                    "affine": False,
                },
            )
            apply(layer, x.shape)
        elif fname == "batch_norm":
            if len(x.shape) < 2:
                raise LayerError("input: F.batch_norm needs at least 2 dimensions")
            stats = given.get("running_mean")
            if isinstance(stats, Tensor) and math.prod(stats.shape) != x.shape[1]:
                raise LayerError(
                    f"running_mean: should contain {x.shape[1]} elements, not "
                    f"{math.prod(stats.shape)}"
                )
        return _one(interp, node, _call_name(node, f"F.{fname}"), f"F.{fname}", [x], x.shape)

    return op


def _f_linear(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
    given = bind(
        interp, node, "F.linear", ("input", "weight", "bias"), args, kwargs, {"bias": None}
    )
    x = _tensor(interp, given["input"], "F.linear's input", node)
    w = _tensor(interp, given["weight"], "F.linear's weight", node)
    if len(w.shape) not in (1, 2):
        raise LayerError(f"weight: F.linear needs a 1-D or 2-D weight, got {w.shape}")
    out_shape = ops.matmul(x.shape, w.shape[::-1])
    macs = math.prod(out_shape) * (x.shape[-1] if x.shape else 1)
    return _one(
        interp,
        node,
        _call_name(node, "F.linear"),
        "F.linear",
        [x, w],
        out_shape,
        effect=Effect(out_shape, macs=macs),
    )


def _f_conv(fname: str, dims: int, transposed: bool) -> Fn:
    params: tuple[str, ...] = ("input", "weight", "bias", "stride", "padding")
    params += ("output_padding", "groups", "dilation") if transposed else ("dilation", "groups")

    def op(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
        given = bind(
            interp,
            node,
            f"F.{fname}",
            params,
            args,
            kwargs,
            {
                "bias": None,
                "stride": 1,
                "padding": 0,
                "dilation": 1,
                "groups": 1,
                "output_padding": 0,
            },
        )
        x = _tensor(interp, given["input"], f"F.{fname}'s input", node)
        w = _tensor(interp, given["weight"], f"F.{fname}'s weight", node)
        if len(w.shape) != dims + 2:
            raise LayerError(
                f"weight: F.{fname} needs a {dims + 2}-D weight, got {len(w.shape)}-D {w.shape}"
            )
        groups = _int(interp, given["groups"], "groups", node)
        if transposed:
            inc, outc = w.shape[0], w.shape[1] * groups
        else:
            inc, outc = w.shape[1] * groups, w.shape[0]
        arguments = {
            "in_channels": inc,
            "out_channels": outc,
            "kernel_size": w.shape[2:],
            "stride": _plain(interp, given["stride"], node),
            "padding": _plain(interp, given["padding"], node),
            "dilation": _plain(interp, given["dilation"], node),
            "groups": groups,
            "bias": given["bias"] is not None,
        }
        if transposed:
            arguments["output_padding"] = _plain(interp, given["output_padding"], node)
        kind = f"{'ConvTranspose' if transposed else 'Conv'}{dims}d"
        try:
            layer = build_layer(kind, arguments)
        except ConvcalcError as exc:
            raise LayerError(str(exc)) from None
        effect = apply(layer, x.shape)
        return _one(
            interp,
            node,
            _call_name(node, f"F.{fname}"),
            f"F.{fname}",
            [x, w],
            effect.output_shape,
            effect=Effect(effect.output_shape, macs=effect.macs),
        )

    return op


def _f_unpool(dims: int) -> Fn:
    def op(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
        given = bind(
            interp,
            node,
            f"F.max_unpool{dims}d",
            ("input", "indices", "kernel_size", "stride", "padding", "output_size"),
            args,
            kwargs,
            {"stride": None, "padding": 0, "output_size": None},
        )
        x = _tensor(interp, given["input"], "input", node)
        indices = _tensor(interp, given["indices"], "indices", node)
        layer = build_layer(
            f"MaxUnpool{dims}d",
            {
                "kernel_size": _plain(interp, given["kernel_size"], node),
                "stride": _plain(interp, given["stride"], node),
                "padding": _plain(interp, given["padding"], node),
            },
        )
        size = given["output_size"]
        effect = layer.unpool(  # type: ignore[union-attr]
            x.shape,
            indices.shape,
            None if size is None else _ints(interp, size, "output_size", node),
        )
        return _one(
            interp,
            node,
            _call_name(node, f"F.max_unpool{dims}d"),
            f"F.max_unpool{dims}d",
            [x, indices],
            effect.output_shape,
        )

    return op


def _f_attention(
    interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    params = ("query", "key", "value", "attn_mask", "dropout_p", "is_causal", "scale", "enable_gqa")
    given = bind(
        interp,
        node,
        "F.scaled_dot_product_attention",
        params,
        args,
        kwargs,
        {
            "attn_mask": None,
            "dropout_p": 0.0,
            "is_causal": False,
            "scale": None,
            "enable_gqa": False,
        },
    )
    q = _tensor(interp, given["query"], "query", node)
    k = _tensor(interp, given["key"], "key", node)
    v = _tensor(interp, given["value"], "value", node)
    scores = ops.matmul(
        q.shape, (*k.shape[:-2], k.shape[-1], k.shape[-2]) if len(k.shape) > 1 else k.shape
    )
    out = ops.matmul(scores, v.shape)
    name = _call_name(node, "F.scaled_dot_product_attention")
    return _one(interp, node, name, "F.scaled_dot_product_attention", [q, k, v], out)


def _functional() -> dict[str, Any]:
    members: dict[str, Any] = {
        name: Builtin(name, _functional_layer(name), records=True) for name in _F_LAYERS
    }
    members["pad"] = Builtin("pad", _f_pad, records=True)
    members["normalize"] = Builtin("normalize", _f_normalize, records=True)
    members["linear"] = Builtin("linear", _f_linear, records=True)
    members["scaled_dot_product_attention"] = Builtin(
        "scaled_dot_product_attention", _f_attention, records=True
    )
    members["layer_norm"] = Builtin(
        "layer_norm",
        _f_norm("layer_norm", ("normalized_shape", "weight", "bias", "eps")),
        records=True,
    )
    members["rms_norm"] = Builtin(
        "rms_norm", _f_norm("rms_norm", ("normalized_shape", "weight", "eps")), records=True
    )
    members["group_norm"] = Builtin(
        "group_norm",
        _f_norm("group_norm", ("num_groups", "weight", "bias", "eps")),
        records=True,
    )
    members["batch_norm"] = Builtin(
        "batch_norm",
        _f_norm(
            "batch_norm",
            ("running_mean", "running_var", "weight", "bias", "training", "momentum", "eps"),
        ),
        records=True,
    )
    members["instance_norm"] = Builtin(
        "instance_norm",
        _f_norm(
            "instance_norm",
            ("running_mean", "running_var", "weight", "bias", "use_input_stats", "momentum", "eps"),
        ),
        records=True,
    )
    for d in (1, 2, 3):
        members[f"conv{d}d"] = Builtin(f"conv{d}d", _f_conv(f"conv{d}d", d, False), records=True)
        members[f"conv_transpose{d}d"] = Builtin(
            f"conv_transpose{d}d", _f_conv(f"conv_transpose{d}d", d, True), records=True
        )
        members[f"max_unpool{d}d"] = Builtin(f"max_unpool{d}d", _f_unpool(d), records=True)
    return members


# --- tensors: methods, operators, torch functions ---------------------------------------------


def _elementwise(label: str) -> Fn:
    """An op that keeps the shape (and layout): x.relu(), torch.sigmoid(x), x.clamp(0, 1)."""

    def op(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
        if not args or not isinstance(args[0], Tensor):
            interp.fail(f"{label} needs a tensor", node)
        x = args[0]
        return _one(interp, node, _op_name(node, label), label, [x], x.shape, x.strides)

    return op


def _op_name(node: ast.AST, label: str) -> str:
    """torch.cat → 'torch.cat'; x.view → 'view' (the method, without the variable)."""
    name = _call_name(node, label)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        root = node.func
        while isinstance(root, ast.Attribute):
            root = root.value  # type: ignore[assignment]
        if isinstance(root, ast.Name) and root.id in ("torch", "F", "nn", "functional"):
            return name
        return node.func.attr
    return name


def _t_view(
    interp: Interpreter,
    node: ast.AST,
    x: Tensor,
    args: list[Any],
    kwargs: dict[str, Any],
    *,
    reshape: bool = False,
) -> Any:
    if "size" in kwargs or "shape" in kwargs:
        args = [kwargs.pop("size", kwargs.pop("shape", None))]
    if kwargs:
        interp.fail(f"unexpected keyword argument {next(iter(kwargs))!r}", node)
    if len(args) == 1 and isinstance(args[0], DType):
        return Tensor(x.shape, x.strides, args[0].name, x.source)
    sizes = _sizes(interp, args, "shape", node)
    fn = ops.reshape if reshape else ops.view
    shape, strides = fn(x.shape, x.strides, sizes)
    label = "reshape" if reshape else "view"
    return _one(interp, node, _op_name(node, label), f"Tensor.{label}", [x], shape, strides)


def _dims_arg(
    interp: Interpreter, args: Sequence[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    if "dim" in kwargs:
        return kwargs.pop("dim")
    if args:
        return args[0]
    return None


_METHODS: dict[str, Callable[..., Any]] = {}


def _method(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _METHODS[name] = fn
        return fn

    return register


@_method("view")
def _m_view(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    return _t_view(interp, node, x, args, kwargs)


@_method("reshape")
def _m_reshape(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    return _t_view(interp, node, x, args, kwargs, reshape=True)


@_method("view_as")
def _m_view_as(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    other = _tensor(interp, args[0] if args else kwargs.get("other"), "view_as's argument", node)
    return _t_view(interp, node, x, [other.shape], {})


@_method("reshape_as")
def _m_reshape_as(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    other = _tensor(interp, args[0] if args else kwargs.get("other"), "reshape_as's argument", node)
    return _t_view(interp, node, x, [other.shape], {}, reshape=True)


@_method("flatten")
def _m_flatten(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    given = bind(
        interp,
        node,
        "flatten",
        ("start_dim", "end_dim"),
        args,
        kwargs,
        {"start_dim": 0, "end_dim": -1},
    )
    shape, strides = ops.flatten(
        x.shape,
        x.strides,
        _int(interp, given["start_dim"], "start_dim", node),
        _int(interp, given["end_dim"], "end_dim", node),
    )
    return _one(interp, node, _op_name(node, "flatten"), "flatten", [x], shape, strides)


@_method("permute")
def _m_permute(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    order = _sizes(interp, [kwargs["dims"]] if "dims" in kwargs else args, "dims", node)
    shape, strides = ops.permute(x.shape, x.strides, order)
    return _one(interp, node, _op_name(node, "permute"), "permute", [x], shape, strides)


@_method("transpose")
def _m_transpose(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    given = bind(interp, node, "transpose", ("dim0", "dim1"), args, kwargs)
    shape, strides = ops.transpose(
        x.shape,
        x.strides,
        _int(interp, given["dim0"], "dim0", node),
        _int(interp, given["dim1"], "dim1", node),
    )
    return _one(interp, node, _op_name(node, "transpose"), "transpose", [x], shape, strides)


@_method("t")
def _m_t(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    if len(x.shape) > 2:
        raise LayerError(
            f"input: t() expects a tensor with at most 2 dimensions, got {len(x.shape)}-D"
        )
    shape, strides = (
        ops.transpose(x.shape, x.strides, 0, -1) if len(x.shape) == 2 else (x.shape, x.strides)
    )
    return _one(interp, node, _op_name(node, "t"), "t", [x], shape, strides)


@_method("squeeze")
def _m_squeeze(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    dim = _dims_arg(interp, args, kwargs, node)
    dims = None if dim is None else _ints(interp, dim, "dim", node)
    shape, strides = ops.squeeze(x.shape, x.strides, dims)
    return _one(interp, node, _op_name(node, "squeeze"), "squeeze", [x], shape, strides)


@_method("unsqueeze")
def _m_unsqueeze(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    given = bind(interp, node, "unsqueeze", ("dim",), args, kwargs)
    shape, strides = ops.unsqueeze(x.shape, x.strides, _int(interp, given["dim"], "dim", node))
    return _one(interp, node, _op_name(node, "unsqueeze"), "unsqueeze", [x], shape, strides)


def _reduction(label: str, *, pair: bool = False, integer: bool = False) -> Callable[..., Any]:
    def method(
        interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        given = bind(
            interp,
            node,
            label,
            ("dim", "keepdim", "dtype"),
            args,
            kwargs,
            {"dim": None, "keepdim": False, "dtype": None},
        )
        dim = given["dim"]
        if isinstance(dim, Tensor) and label in ("max", "min"):  # torch.max(a, b): elementwise
            shape = ops.broadcast(x.shape, dim.shape)
            return _one(interp, node, _op_name(node, label), label, [x, dim], shape)
        dims = None if dim is None else _ints(interp, dim, "dim", node)
        keep = bool(given["keepdim"])
        shape = ops.reduce(x.shape, dims, keep)
        if pair and dims is not None:
            out = result(interp, node, _op_name(node, label), label, [x], [shape, shape])
            return (out[0], Tensor(shape, out[1].strides, "int64", out[1].source))
        return _one(
            interp,
            node,
            _op_name(node, label),
            label,
            [x],
            shape,
            dtype="int64" if integer else None,
        )

    return method


for _name in (
    "mean",
    "sum",
    "amax",
    "amin",
    "prod",
    "std",
    "var",
    "norm",
    "logsumexp",
    "all",
    "any",
):
    _METHODS[_name] = _reduction(_name)
for _name in ("max", "min", "median"):
    _METHODS[_name] = _reduction(_name, pair=True)
for _name in ("argmax", "argmin"):
    _METHODS[_name] = _reduction(_name, integer=True)


@_method("size")
def _m_size(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    given = bind(interp, node, "size", ("dim",), args, kwargs, {"dim": None})
    if given["dim"] is None:
        return _shape_tuple(interp, x.shape)
    interp.shape_reads += 1
    axis = wrap_dim("dim", _int(interp, given["dim"], "dim", node), len(x.shape))
    return ShapeInt(x.shape[axis])


@_method("dim")
def _m_dim(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    interp.shape_reads += 1
    return ShapeInt(len(x.shape))


_METHODS["ndimension"] = _m_dim


@_method("numel")
def _m_numel(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    interp.shape_reads += 1
    return ShapeInt(math.prod(x.shape))


_METHODS["nelement"] = _m_numel


def _itself(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    return x


def _as(dtype: str) -> Callable[..., Any]:
    def method(
        interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        return Tensor(x.shape, x.strides, dtype, x.source, x.parameter)

    return method


for _name in (
    "clone",
    "detach",
    "cpu",
    "cuda",
    "requires_grad_",
    "retain_grad",
    "zero_",
    "fill_",
    "normal_",
    "uniform_",
    "copy_",
    "data_ptr",
):
    _METHODS[_name] = _itself
for _name, _dtype in (
    ("float", "float32"),
    ("half", "float16"),
    ("double", "float64"),
    ("long", "int64"),
    ("int", "int32"),
    ("bool", "bool"),
    ("bfloat16", "bfloat16"),
):
    _METHODS[_name] = _as(_dtype)


def _new(label: str, *, fill: bool = False) -> Callable[..., Any]:
    """x.new_zeros(size) and friends: a new tensor of x's dtype."""

    def method(
        interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        for key in ("dtype", "device", "requires_grad", "layout", "pin_memory"):
            kwargs.pop(key, None)
        sizes = args[:1] if fill else args
        if "size" in kwargs:
            sizes = [kwargs.pop("size")]
        shape = _sizes(interp, sizes, "size", node)
        if any(s < 0 for s in shape) or len(shape) > bounds.MAX_RANK:
            raise LayerError(f"size: {label} cannot make a tensor of shape {shape}")
        return Tensor.new(shape, x.dtype, -1)

    return method


for _name in ("new_zeros", "new_ones", "new_empty"):
    _METHODS[_name] = _new(_name)
_METHODS["new_full"] = _new("new_full", fill=True)


@_method("contiguous")
def _m_contiguous(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    return Tensor(x.shape, contiguous(x.shape), x.dtype, x.source, x.parameter)


@_method("to")
def _m_to(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    dtype = next((a for a in [*args, *kwargs.values()] if isinstance(a, DType)), None)
    other = next((a for a in args if isinstance(a, Tensor)), None)
    name = dtype.name if dtype else other.dtype if other else x.dtype
    return Tensor(x.shape, x.strides, name, x.source, x.parameter)


_METHODS["type"] = _m_to
_METHODS["type_as"] = _m_to


@_method("expand")
def _m_expand(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    sizes = _sizes(interp, [kwargs["size"]] if "size" in kwargs else args, "sizes", node)
    shape, strides = ops.expand(x.shape, x.strides, sizes)
    return _one(interp, node, _op_name(node, "expand"), "expand", [x], shape, strides)


@_method("expand_as")
def _m_expand_as(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    other = _tensor(interp, args[0] if args else kwargs.get("other"), "expand_as's argument", node)
    shape, strides = ops.expand(x.shape, x.strides, other.shape)
    return _one(interp, node, _op_name(node, "expand_as"), "expand_as", [x, other], shape, strides)


@_method("repeat")
def _m_repeat(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    sizes = _sizes(interp, args, "repeats", node)
    return _one(interp, node, _op_name(node, "repeat"), "repeat", [x], ops.repeat(x.shape, sizes))


@_method("chunk")
def _m_chunk(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    given = bind(interp, node, "chunk", ("chunks", "dim"), args, kwargs, {"dim": 0})
    shapes = ops.chunk(
        x.shape,
        _int(interp, given["chunks"], "chunks", node),
        _int(interp, given["dim"], "dim", node),
    )
    interp.budget.allocate(len(shapes))
    return tuple(result(interp, node, _op_name(node, "chunk"), "chunk", [x], shapes))


@_method("split")
def _m_split(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    given = bind(interp, node, "split", ("split_size", "dim"), args, kwargs, {"dim": 0})
    size = given["split_size"]
    sizes: int | tuple[int, ...] = (
        _ints(interp, size, "split_size", node)
        if isinstance(size, list | tuple)
        else _int(interp, size, "split_size", node)
    )
    axis = _int(interp, given["dim"], "dim", node)
    if isinstance(sizes, int) and sizes > 0 and x.shape:
        interp.budget.allocate(-(-x.shape[wrap_dim("dim", axis, len(x.shape))] // sizes))
    shapes = ops.split(x.shape, sizes, axis)
    return tuple(result(interp, node, _op_name(node, "split"), "split", [x], shapes))


@_method("narrow")
def _m_narrow(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    given = bind(interp, node, "narrow", ("dim", "start", "length"), args, kwargs)
    axis = wrap_dim("dim", _int(interp, given["dim"], "dim", node), len(x.shape))
    start = _int(interp, given["start"], "start", node)
    length = _int(interp, given["length"], "length", node)
    size = x.shape[axis]
    start = start + size if start < 0 else start
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise LayerError(
            f"start: narrow({start}, {length}) runs past the size {size} of dimension {axis}"
        )
    shape = (*x.shape[:axis], length, *x.shape[axis + 1 :])
    return _one(interp, node, _op_name(node, "narrow"), "narrow", [x], shape, x.strides)


@_method("matmul")
def _m_matmul(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    other = _tensor(interp, args[0] if args else kwargs.get("other"), "matmul's argument", node)
    return _one(
        interp,
        node,
        _op_name(node, "matmul"),
        "matmul",
        [x, other],
        ops.matmul(x.shape, other.shape),
    )


_METHODS["bmm"] = _m_matmul
_METHODS["mm"] = _m_matmul


def _method_binary(label: str, op: type[ast.operator], inplace: bool = False) -> Callable[..., Any]:
    def method(
        interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        given = bind(interp, node, label, ("other", "alpha"), args, kwargs, {"alpha": 1})
        return _binary(interp, op(), x, given["other"], node, inplace=inplace, label=label)

    return method


for _label, _op in (
    ("add", ast.Add),
    ("sub", ast.Sub),
    ("mul", ast.Mult),
    ("div", ast.Div),
    ("pow", ast.Pow),
    ("floor_divide", ast.FloorDiv),
    ("remainder", ast.Mod),
):
    _METHODS[_label] = _method_binary(_label, _op)
    _METHODS[_label + "_"] = _method_binary(_label + "_", _op, inplace=True)
_METHODS["multiply"] = _METHODS["mul"]
_METHODS["subtract"] = _METHODS["sub"]
_METHODS["divide"] = _METHODS["div"]


def _method_elementwise(label: str) -> Callable[..., Any]:
    def method(
        interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        return _one(interp, node, _op_name(node, label), label, [x], x.shape, x.strides)

    return method


for _label in (
    "relu",
    "relu_",
    "sigmoid",
    "sigmoid_",
    "tanh",
    "tanh_",
    "exp",
    "log",
    "sqrt",
    "rsqrt",
    "abs",
    "neg",
    "clamp",
    "clamp_",
    "clip",
    "sign",
    "sin",
    "cos",
    "square",
    "reciprocal",
    "floor",
    "ceil",
    "round",
    "softmax",
    "log_softmax",
    "masked_fill",
    "masked_fill_",
    "pow_",
    "erf",
    "gelu",
    "silu",
):
    _METHODS[_label] = _method_elementwise(_label)


@_method("softmax")
def _m_softmax(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    given = bind(interp, node, "softmax", ("dim", "dtype"), args, kwargs, {"dtype": None})
    wrap_dim("dim", _int(interp, given["dim"], "dim", node), len(x.shape))
    return _one(interp, node, _op_name(node, "softmax"), "softmax", [x], x.shape, x.strides)


_METHODS["log_softmax"] = _m_softmax


@_method("masked_fill")
def _m_masked_fill(
    interp: Interpreter, node: ast.AST, x: Tensor, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    given = bind(interp, node, "masked_fill", ("mask", "value"), args, kwargs)
    mask = _tensor(interp, given["mask"], "mask", node)
    ops.broadcast_into(x.shape, mask.shape)
    return _one(
        interp, node, _op_name(node, "masked_fill"), "masked_fill", [x, mask], x.shape, x.strides
    )


_METHODS["masked_fill_"] = _m_masked_fill


def tensor_attribute(interp: Interpreter, x: Tensor, name: str, node: ast.AST) -> Any:
    if name == "shape":
        return _shape_tuple(interp, x.shape)
    if name == "ndim":
        interp.shape_reads += 1
        return ShapeInt(len(x.shape))
    if name == "dtype":
        return DType(x.dtype)
    if name == "device":
        return Device("cpu")
    if name in ("data", "mT") and name == "data":
        return x
    if name == "T":
        order = tuple(range(len(x.shape) - 1, -1, -1))
        shape, strides = ops.permute(x.shape, x.strides, order)
        return _one(interp, node, "T", "T", [x], shape, strides)
    if name in ("is_cuda", "is_sparse"):
        return False
    if name == "requires_grad":
        return x.parameter
    if name == "grad":
        return None
    method = _METHODS.get(name)
    if method is None:
        interp.fail(f"Tensor.{name} is not something convcalc follows", node)
    return Builtin(
        name, lambda i, n, a, k: method(i, n, x, list(a), dict(k)), receiver=x, records=True
    )


def tensor_item(interp: Interpreter, x: Tensor, key: Any, node: ast.AST) -> Any:
    items = list(key) if isinstance(key, tuple) else [key]
    for item in items:
        if isinstance(item, Tensor):
            interp.fail("indexing with a tensor is not followed (the values are unknown)", node)
        if isinstance(item, slice):
            for part in (item.start, item.stop, item.step):
                if part is not None and (isinstance(part, bool) or not isinstance(part, int)):
                    interp.fail("slice bounds must be ints", node)
    try:
        shape, strides = ops.index(x.shape, x.strides, items)
    except LayerError as exc:
        interp.forward_failure("indexing", node, str(exc), [x])
    return _one(interp, node, "[]", "index", [x], shape, strides)


def tensor_iterate(interp: Interpreter, x: Tensor, node: ast.AST) -> Any:
    if not x.shape:
        interp.fail("iteration over a 0-d tensor", node)
    interp.budget.allocate(x.shape[0])
    row = x.shape[1:]
    strides = x.strides[1:]
    return iter([Tensor(row, strides, x.dtype, x.source) for _ in range(x.shape[0])])


def tensor_truth(interp: Interpreter, x: Tensor, node: ast.AST) -> bool:
    if math.prod(x.shape) != 1:
        interp.fail(
            f"the truth of a tensor {x.shape} is ambiguous (torch refuses bool() of a tensor "
            "with more than one value)",
            node,
        )
    interp.fail(
        "a branch on a tensor's value: convcalc knows shapes, not values (branch on "
        "x.size() or x.shape instead)",
        node,
    )


_OP_LABELS = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.FloorDiv: "floor_divide",
    ast.Mod: "remainder",
    ast.Pow: "pow",
    ast.MatMult: "matmul",
    ast.BitAnd: "bitwise_and",
    ast.BitOr: "bitwise_or",
    ast.BitXor: "bitwise_xor",
    ast.LShift: "lshift",
    ast.RShift: "rshift",
}


def binary(
    interp: Interpreter, op: ast.operator, a: Any, b: Any, node: ast.AST, *, inplace: bool = False
) -> Any:
    try:
        return _binary(interp, op, a, b, node, inplace=inplace)
    except LayerError as exc:
        if isinstance(exc, ConvcalcError) and type(exc).__name__ == "ForwardError":
            raise
        tensors = [t for t in (a, b) if isinstance(t, Tensor)]
        from convcalc.interpreter.machine import BINARY_NAMES

        symbol = BINARY_NAMES[type(op)] + ("=" if inplace else "")
        interp.forward_failure(f"'{symbol}'", node, str(exc), tensors)


def _binary(
    interp: Interpreter,
    op: ast.operator,
    a: Any,
    b: Any,
    node: ast.AST,
    *,
    inplace: bool = False,
    label: str | None = None,
) -> Any:
    from convcalc.interpreter.machine import BINARY_NAMES

    for value in (a, b):
        if not isinstance(value, Tensor | int | float | bool):
            interp.fail(f"unsupported operand for a tensor op: {type_name(value)}", node)
    tensors = [t for t in (a, b) if isinstance(t, Tensor)]
    shapes = [t.shape if isinstance(t, Tensor) else () for t in (a, b)]
    if isinstance(op, ast.MatMult):
        if len(tensors) != 2:
            interp.fail("@ needs two tensors", node)
        shape = ops.matmul(shapes[0], shapes[1])
        strides = None
    else:
        shape = (
            ops.broadcast_into(shapes[0], shapes[1])
            if inplace
            else ops.broadcast(shapes[0], shapes[1])
        )
        strides = _same_layout(tensors, shape)
    name = label or (BINARY_NAMES[type(op)] + ("=" if inplace else ""))
    kind = _OP_LABELS.get(type(op), "op") + ("_" if inplace else "")
    dtype = next((t.dtype for t in tensors if t.dtype.startswith("float")), tensors[0].dtype)
    if isinstance(op, ast.Div) and not dtype.startswith("float"):
        dtype = "float32"
    return _one(interp, node, name, kind, tensors, shape, strides, dtype)


def unary(interp: Interpreter, x: Tensor, node: ast.AST) -> Tensor:
    assert isinstance(node, ast.UnaryOp)
    label = {ast.USub: "neg", ast.UAdd: "positive", ast.Invert: "bitwise_not"}.get(
        type(node.op), "op"
    )
    return _one(interp, node, label, label, [x], x.shape, x.strides)


def compare(interp: Interpreter, a: Any, b: Any, node: ast.AST) -> Tensor:
    tensors = [t for t in (a, b) if isinstance(t, Tensor)]
    shapes = [t.shape if isinstance(t, Tensor) else () for t in (a, b)]
    try:
        shape = ops.broadcast(shapes[0], shapes[1])
    except LayerError as exc:
        interp.forward_failure("comparison", node, str(exc), tensors)
    return _one(interp, node, "compare", "compare", tensors, shape, None, "bool")


# --- torch.* functions ------------------------------------------------------------------------


def _receiver_method(name: str) -> Fn:
    """torch.flatten(x, ...) = x.flatten(...), and the like."""

    def fn(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
        x = args[0] if args else kwargs.pop("input", None)
        x = _tensor(interp, x, f"torch.{name}'s input", node)
        return _METHODS[name](interp, node, x, list(args[1:]), dict(kwargs))

    return fn


def _t_cat(label: str, stacking: bool) -> Fn:
    def fn(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
        given = bind(
            interp,
            node,
            f"torch.{label}",
            ("tensors", "dim", "out"),
            args,
            kwargs,
            {"dim": 0, "out": None},
        )
        items = given["tensors"]
        if not isinstance(items, list | tuple):
            interp.fail(f"torch.{label} takes a list or tuple of tensors", node)
        tensors = [_tensor(interp, t, f"torch.{label}'s tensors", node) for t in items]
        dim = _int(interp, given["dim"], "dim", node)
        shapes = [t.shape for t in tensors]
        shape = ops.stack(shapes, dim) if stacking else ops.cat(shapes, dim)
        return _one(
            interp, node, _call_name(node, f"torch.{label}"), f"torch.{label}", tensors, shape
        )

    return fn


def _t_binary(label: str, op: type[ast.operator]) -> Fn:
    def fn(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
        given = bind(
            interp,
            node,
            f"torch.{label}",
            ("input", "other", "alpha", "out"),
            args,
            kwargs,
            {"alpha": 1, "out": None},
        )
        return _binary(
            interp,
            op(),
            given["input"],
            given["other"],
            node,
            label=_call_name(node, f"torch.{label}"),
        )

    return fn


def _t_new(label: str, *, like: bool = False, fill: bool = False) -> Fn:
    """torch.zeros(2, 3) / zeros((2, 3)) / zeros_like(x) / full((2, 3), 7): a new tensor."""

    def fn(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
        dtype = kwargs.pop("dtype", None)
        for key in (
            "device",
            "requires_grad",
            "layout",
            "pin_memory",
            "memory_format",
            "generator",
            "out",
        ):
            kwargs.pop(key, None)
        if like:
            x = _tensor(
                interp,
                args[0] if args else kwargs.pop("input", None),
                f"torch.{label}'s input",
                node,
            )
            shape = x.shape
            name = dtype.name if isinstance(dtype, DType) else x.dtype
        else:
            if fill:
                size = args[0] if args else kwargs.pop("size", None)
                if len(args) < 2 and "fill_value" not in kwargs:
                    interp.fail("torch.full() needs a size and a fill_value", node)
                shape = _ints(interp, size, "size", node)
            else:
                size = kwargs.pop("size", None)
                shape = _sizes(interp, args if size is None else [size], "size", node)
            name = dtype.name if isinstance(dtype, DType) else "float32"
        if any(s < 0 for s in shape):
            raise LayerError(f"size: negative dimension {min(shape)} in {shape}")
        if len(shape) > bounds.MAX_RANK:
            raise LayerError(
                f"size: {len(shape)} dimensions; convcalc follows at most {bounds.MAX_RANK}"
            )
        return Tensor.new(tuple(shape), name, -1)

    return fn


def _t_arange(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
    for key in ("dtype", "device", "requires_grad", "out", "layout"):
        kwargs.pop(key, None)
    values = [*args, *(kwargs[k] for k in ("start", "end", "step") if k in kwargs)]
    if not values or not all(isinstance(v, int | float) for v in values):
        interp.fail("torch.arange takes numbers", node)
    start, end, step = (
        (0, values[0], 1)
        if len(values) == 1
        else (*values[:2], values[2] if len(values) > 2 else 1)
    )
    if step == 0:
        interp.fail("torch.arange: step must be nonzero", node)
    count = max(0, math.ceil((end - start) / step))
    return Tensor.new((count,), "int64" if all(isinstance(v, int) for v in values) else "float32")


def _t_tensor(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
    data = args[0] if args else kwargs.get("data")

    def shape_of(value: Any, depth: int) -> tuple[int, ...]:
        if depth > bounds.MAX_RANK:
            interp.fail("torch.tensor: nested too deeply", node)
        if isinstance(value, list | tuple):
            if not value:
                return (0,)
            inner = shape_of(value[0], depth + 1)
            return (len(value), *inner)
        return ()

    return Tensor.new(shape_of(data, 0))


def _t_size(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
    items = args[0] if args else ()
    return tuple(interp.items(items, node))


def _t_context(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
    return Builtin("context", _t_context)


def _t_none(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
    return None


def _t_false(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
    return False


def _t_device(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
    return Device(str(args[0]) if args else "cpu")


def _t_is_tensor(
    interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    return bool(args) and isinstance(args[0], Tensor)


def _t_numel(interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]) -> Any:
    return _m_numel(interp, node, _tensor(interp, args[0] if args else None, "input", node), [], {})


_DTYPES = {
    "float32": "float32",
    "float": "float32",
    "float16": "float16",
    "half": "float16",
    "bfloat16": "bfloat16",
    "float64": "float64",
    "double": "float64",
    "int64": "int64",
    "long": "int64",
    "int32": "int32",
    "int": "int32",
    "int16": "int16",
    "short": "int16",
    "int8": "int8",
    "uint8": "uint8",
    "bool": "bool",
}


def _ignored_decorator(
    interp: Interpreter, node: ast.AST, args: list[Any], kwargs: dict[str, Any]
) -> Any:
    if args and isinstance(args[0], Function):
        return args[0]
    return Builtin("ignored decorator", _ignored_decorator)


def _torch() -> Namespace:
    functional = Namespace("torch.nn.functional", _functional())
    init = Namespace(
        "torch.nn.init",
        {
            name: Builtin(name, lambda i, n, a, k: a[0] if a else None)
            for name in (
                "kaiming_normal_",
                "kaiming_uniform_",
                "xavier_normal_",
                "xavier_uniform_",
                "normal_",
                "uniform_",
                "constant_",
                "zeros_",
                "ones_",
                "orthogonal_",
                "trunc_normal_",
                "eye_",
                "dirac_",
                "sparse_",
            )
        }
        | {"calculate_gain": Builtin("calculate_gain", lambda i, n, a, k: 1.0)},
    )
    nn_members: dict[str, Any] = {name: TorchClass(name) for name in (*SUPPORTED, *LAZY)}
    for name in ("Module", "Sequential", "ModuleList", "ModuleDict", "Parameter"):
        nn_members[name] = TorchClass(name)
    nn_members["functional"] = functional
    nn_members["init"] = init
    nn = Namespace("torch.nn", nn_members)
    members: dict[str, Any] = {"nn": nn, "Tensor": TorchClass("Tensor")}
    for name in (
        "flatten",
        "reshape",
        "permute",
        "transpose",
        "squeeze",
        "unsqueeze",
        "chunk",
        "split",
        "narrow",
        "matmul",
        "bmm",
        "mm",
        "mean",
        "sum",
        "amax",
        "amin",
        "max",
        "min",
        "argmax",
        "argmin",
        "prod",
        "std",
        "var",
        "norm",
        "logsumexp",
        "t",
        "clone",
        "masked_fill",
    ):
        members[name] = Builtin(name, _receiver_method(name), records=True)
    for name in (
        "relu",
        "sigmoid",
        "tanh",
        "exp",
        "log",
        "sqrt",
        "rsqrt",
        "abs",
        "neg",
        "clamp",
        "clip",
        "sign",
        "sin",
        "cos",
        "square",
        "erf",
        "floor",
        "ceil",
        "round",
        "reciprocal",
    ):
        members[name] = Builtin(name, _elementwise(f"torch.{name}"), records=True)
    members["softmax"] = Builtin("softmax", _functional_layer("softmax"), records=True)
    members["log_softmax"] = Builtin("log_softmax", _functional_layer("log_softmax"), records=True)
    for label, op in (
        ("add", ast.Add),
        ("sub", ast.Sub),
        ("mul", ast.Mult),
        ("div", ast.Div),
        ("pow", ast.Pow),
        ("multiply", ast.Mult),
        ("subtract", ast.Sub),
        ("divide", ast.Div),
        ("maximum", ast.Add),
        ("minimum", ast.Add),
    ):
        members[label] = Builtin(label, _t_binary(label, op), records=True)
    for label in ("cat", "concat", "concatenate"):
        members[label] = Builtin(label, _t_cat(label, False), records=True)
    members["stack"] = Builtin("stack", _t_cat("stack", True), records=True)
    for label in ("zeros", "ones", "randn", "rand", "empty"):
        members[label] = Builtin(label, _t_new(label), records=True)
        members[label + "_like"] = Builtin(
            label + "_like", _t_new(label + "_like", like=True), records=True
        )
    members["full"] = Builtin("full", _t_new("full", fill=True), records=True)
    members["full_like"] = Builtin("full_like", _t_new("full_like", like=True), records=True)
    members["arange"] = Builtin("arange", _t_arange)
    members["tensor"] = Builtin("tensor", _t_tensor)
    members["Size"] = Builtin("Size", _t_size)
    members["is_tensor"] = Builtin("is_tensor", _t_is_tensor)
    members["numel"] = Builtin("numel", _t_numel)
    members["device"] = Builtin("device", _t_device)
    members["manual_seed"] = Builtin("manual_seed", _t_none)
    for label in ("no_grad", "inference_mode", "enable_grad", "set_grad_enabled", "autocast"):
        members[label] = Builtin("context", _t_context)
    members["cuda"] = Namespace(
        "torch.cuda",
        {
            "is_available": Builtin("is_available", _t_false),
            "device_count": Builtin("device_count", lambda i, n, a, k: 0),
        },
    )
    members["jit"] = Namespace(
        "torch.jit",
        {
            name: Builtin("ignored decorator", _ignored_decorator)
            for name in ("script", "unused", "ignore", "export", "trace")
        },
    )
    for name, dtype in _DTYPES.items():
        members[name] = DType(dtype)
    return Namespace("torch", members)


# --- Python builtins and the standard modules the files use -----------------------------------


def python_attribute(interp: Interpreter, obj: Any, name: str, node: ast.AST) -> Any:
    """The methods of Python values model code calls, bounded where they grow."""
    methods = _PY_METHODS.get(type(obj) if type(obj) is not ShapeInt else int, {})
    if name not in methods:
        interp.fail(f"{type_name(obj)}.{name} is not something convcalc follows", node)
    fn = methods[name]
    return Builtin(name, lambda i, n, a, k: fn(i, n, obj, list(a), dict(k)), receiver=obj)


def _list_append(
    i: Interpreter, n: ast.AST, obj: list[Any], a: list[Any], k: dict[str, Any]
) -> Any:
    if len(a) != 1:
        i.fail("append() takes exactly one argument", n)
    i.budget.allocate(1)
    if len(obj) >= bounds.MAX_ITEMS:
        i.fail(f"a list of more than {bounds.MAX_ITEMS:,} elements", n)
    obj.append(a[0])


def _list_extend(
    i: Interpreter, n: ast.AST, obj: list[Any], a: list[Any], k: dict[str, Any]
) -> Any:
    items = i.items(a[0], n) if a else []
    i.budget.allocate(len(items) + len(obj))
    obj.extend(items)


def _list_insert(
    i: Interpreter, n: ast.AST, obj: list[Any], a: list[Any], k: dict[str, Any]
) -> Any:
    i.budget.allocate(len(obj) + 1)
    i.python(lambda: obj.insert(*a), n)


def _py(method: str) -> Callable[..., Any]:
    """A Python method that does not grow anything (pop, index, keys, upper, ...)."""

    def fn(i: Interpreter, n: ast.AST, obj: Any, a: list[Any], k: dict[str, Any]) -> Any:
        value = i.python(lambda: getattr(obj, method)(*a, **k), n)
        if isinstance(value, type({}.keys()) | type({}.values()) | type({}.items())):
            return list(value)
        return value

    return fn


def _str_join(i: Interpreter, n: ast.AST, obj: str, a: list[Any], k: dict[str, Any]) -> Any:
    items = [i.text(v) if not isinstance(v, str) else v for v in i.items(a[0], n)] if a else []
    i.budget.allocate(sum(map(len, items)) + len(obj) * len(items))
    return obj.join(items)


def _str_format(i: Interpreter, n: ast.AST, obj: str, a: list[Any], k: dict[str, Any]) -> Any:
    i.check_format_spec(obj, n)
    values = [v if isinstance(v, int | float | str) else i.text(v) for v in a]
    named = {key: v if isinstance(v, int | float | str) else i.text(v) for key, v in k.items()}
    text = i.python(lambda: obj.format(*values, **named), n)
    i.budget.allocate(len(text))
    return text


def _str_replace(i: Interpreter, n: ast.AST, obj: str, a: list[Any], k: dict[str, Any]) -> Any:
    if len(a) >= 2 and isinstance(a[0], str) and isinstance(a[1], str):
        i.budget.allocate(len(obj) + max(len(a[1]) - len(a[0]), 0) * (len(obj) + 1))
    return i.python(lambda: obj.replace(*a), n)


def _dict_update(
    i: Interpreter, n: ast.AST, obj: dict[Any, Any], a: list[Any], k: dict[str, Any]
) -> Any:
    other = (
        dict(a[0])
        if a and isinstance(a[0], dict)
        else dict(i.python(lambda: dict(a[0]), n))
        if a
        else {}
    )
    i.budget.allocate(len(other) + len(k))
    obj.update(other, **k)


def _dict_setdefault(
    i: Interpreter, n: ast.AST, obj: dict[Any, Any], a: list[Any], k: dict[str, Any]
) -> Any:
    i.budget.allocate(1)
    return i.python(lambda: obj.setdefault(*a), n)


_PY_METHODS: dict[type, dict[str, Callable[..., Any]]] = {
    list: {
        "append": _list_append,
        "extend": _list_extend,
        "insert": _list_insert,
        **{m: _py(m) for m in ("pop", "index", "count", "reverse", "remove", "clear", "copy")},
    },
    tuple: {m: _py(m) for m in ("index", "count")},
    dict: {
        "update": _dict_update,
        "setdefault": _dict_setdefault,
        **{m: _py(m) for m in ("get", "keys", "values", "items", "pop", "copy", "clear")},
    },
    str: {
        "join": _str_join,
        "format": _str_format,
        "replace": _str_replace,
        **{
            m: _py(m)
            for m in (
                "lower",
                "upper",
                "strip",
                "lstrip",
                "rstrip",
                "startswith",
                "endswith",
                "split",
                "isdigit",
                "find",
                "title",
                "capitalize",
            )
        },
    },
    int: {m: _py(m) for m in ("bit_length",)},
    float: {m: _py(m) for m in ("is_integer",)},
}


def convert(
    interp: Interpreter, cls: PythonType, args: list[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    """int(), float(), str(), bool(), list(), tuple(), dict(), set()."""
    if kwargs and cls.name != "dict":
        interp.fail(f"{cls.name}() takes no keyword arguments here", node)
    if cls.name == "str":
        return interp.text(args[0]) if args else ""
    if cls.name in ("int", "float", "bool"):
        if args and isinstance(args[0], Tensor):
            interp.fail(f"{cls.name}() of a tensor: convcalc knows shapes, not values", node)
        if args and isinstance(args[0], str) and len(args[0]) > 1000:
            interp.fail(f"{cls.name}() of a string of {len(args[0]):,} characters", node)
        value = interp.python(lambda: cls.type(*args), node)
        if isinstance(value, int) and not isinstance(value, bool):
            interp.check_int(value, node)
        return value
    if cls.name == "object":
        return Instance(UserClass("object", (), {}, 0, None))
    items = interp.items(args[0], node) if args else []
    interp.budget.allocate(len(items) + len(kwargs))
    if cls.name == "dict":
        return interp.python(lambda: dict(items, **kwargs), node)
    return interp.python(lambda: cls.type(items), node)


def _b_len(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    if len(a) != 1:
        i.fail("len() takes exactly one argument", n)
    value = a[0]
    if isinstance(value, Tensor):
        if not value.shape:
            i.fail("len() of a 0-d tensor", n)
        i.shape_reads += 1
        return ShapeInt(value.shape[0])
    if isinstance(value, ModuleObject):
        if value.base not in ("Sequential", "ModuleList", "ModuleDict"):
            i.fail(f"object of type '{value.kind}' has no len()", n)
        return len(value.children)
    return i.python(lambda: len(value), n)


def _b_range(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    if (
        k
        or not 1 <= len(a) <= 3
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in a)
    ):
        i.fail("range() takes 1 to 3 ints", n)
    return i.python(lambda: range(*a), n)


def _listed(fn: Callable[..., Any]) -> Fn:
    def wrapper(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
        iterables = [i.items(v, n) for v in a]
        i.budget.allocate(max((len(v) for v in iterables), default=0))
        return list(i.python(lambda: fn(*iterables, **k), n))

    return wrapper


def _b_enumerate(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    start = k.pop("start", a[1] if len(a) > 1 else 0)
    items = i.items(a[0], n) if a else []
    i.budget.allocate(len(items))
    return list(enumerate(items, start))


def _b_minmax(which: str) -> Fn:
    def fn(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
        items = i.items(a[0], n) if len(a) == 1 else list(a)
        key = k.pop("key", None)
        if "default" in k and not items:
            return k["default"]
        if not items:
            i.fail(f"{which}() arg is an empty sequence", n)
        if any(isinstance(v, Tensor) for v in items):
            i.fail(f"{which}() over tensors compares values, which convcalc does not know", n)
        if any(isinstance(v, ShapeInt) for v in items):
            i.shape_reads += 1
        keys = [i.call(key, [v], {}, n) if key is not None else v for v in items]
        chooser = min if which == "min" else max
        index = i.python(lambda: chooser(range(len(items)), key=lambda j: keys[j]), n)
        return items[index]

    return fn


def _b_sum(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    items = i.items(a[0], n) if a else []
    total: Any = a[1] if len(a) > 1 else k.get("start", 0)
    for item in items:
        i.budget.tick()
        total = i.binary(ast.Add(), total, item, n)
    return total


def _b_sorted(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    items = i.items(a[0], n) if a else []
    i.budget.allocate(len(items))
    key = k.get("key")
    keys = [i.call(key, [v], {}, n) if key is not None else v for v in items]
    order = i.python(
        lambda: sorted(range(len(items)), key=lambda j: keys[j], reverse=bool(k.get("reverse"))), n
    )
    return [items[j] for j in order]


def _b_reversed(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    items = i.items(a[0], n) if a else []
    i.budget.allocate(len(items))
    return items[::-1]


def _b_truth(which: str) -> Fn:
    def fn(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
        values = [i.truth(v, n) for v in i.items(a[0], n)]
        return all(values) if which == "all" else any(values)

    return fn


def _b_isinstance(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    if len(a) != 2:
        i.fail("isinstance() takes 2 arguments", n)
    return _is_instance(i, a[0], a[1], n)


def _is_instance(i: Interpreter, value: Any, cls: Any, n: ast.AST) -> bool:
    if isinstance(cls, tuple):
        return any(_is_instance(i, value, c, n) for c in cls)
    if isinstance(cls, PythonType):
        if cls.name == "object":
            return True
        if cls.name == "int" and isinstance(value, ShapeInt):
            return True
        return isinstance(value, cls.type)
    if isinstance(cls, UserClass):
        if isinstance(value, ModuleObject) and value.user_class is not None:
            return value.user_class.subclass_of(cls)
        if isinstance(value, Instance):
            return value.cls.subclass_of(cls)
        return False
    if isinstance(cls, TorchClass):
        if cls.name == "Tensor":
            return isinstance(value, Tensor)
        if cls.name == "Parameter":
            return isinstance(value, Tensor) and value.parameter
        if not isinstance(value, ModuleObject):
            return False
        if cls.name == "Module":
            return True
        if cls.name in ("Sequential", "ModuleList", "ModuleDict"):
            return value.base == cls.name
        if isinstance(value.layer, Lazy):  # LazyConv2d subclasses Conv2d, and so on
            return cls.name in (value.kind, value.layer.kind.target)
        return value.base == "layer" and value.kind == cls.name
    if isinstance(cls, Foreign):
        i.refuse_foreign(cls, n)
    i.fail("isinstance() arg 2 must be a type or tuple of types", n)


def _b_super(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    if len(a) == 2:
        cls, receiver = a
        if not isinstance(cls, UserClass):
            i.fail("super() takes a class of the file", n)
        return SuperProxy(cls, receiver)
    frame: Frame | None = i.frame
    while frame is not None and frame.function is None:
        frame = frame.parent
    pasted = i.globals.vars.get("self")
    if frame is None and isinstance(pasted, ModuleObject):
        # `super().__init__()` copied along with an __init__ block: nothing to do
        return SuperProxy(UserClass("pasted", (), {}, 0, "Sequential"), pasted)
    function = frame.function if frame is not None else None
    if (
        frame is None
        or function is None
        or function.owner is None
        or not isinstance(function.node, ast.FunctionDef)
        or not function.node.args.args
    ):
        i.fail("super(): no class here (use it inside a method)", n)
    first = function.node.args.args[0].arg
    if first not in frame.vars:
        i.fail("super(): no self argument", n)
    return SuperProxy(function.owner, frame.vars[first])


def _b_print(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    return None  # nothing is printed: the file is read, not run


def _b_abs(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    if a and isinstance(a[0], Tensor):
        return _elementwise("abs")(i, n, a, k)
    return i.python(lambda: abs(*a), n)


def _b_round(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    if len(a) > 1 and isinstance(a[1], int) and abs(a[1]) > 1000:
        i.fail("round() to more than 1000 digits", n)
    return i.python(lambda: round(*a), n)


def _b_divmod(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    if len(a) != 2:
        i.fail("divmod() takes 2 arguments", n)
    return i.python(lambda: divmod(a[0], a[1]), n)


def _b_pow(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    if len(a) != 2:
        i.fail("pow() takes 2 arguments here", n)
    return i.binary(ast.Pow(), a[0], a[1], n)


def _b_map(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    if len(a) < 2:
        i.fail("map() takes a function and iterables", n)
    columns = [i.items(v, n) for v in a[1:]]
    i.budget.allocate(min(len(c) for c in columns))
    return [i.call(a[0], list(args), {}, n) for args in zip(*columns, strict=False)]


def _b_filter(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    items = i.items(a[1], n)
    i.budget.allocate(len(items))
    test = a[0]
    return [v for v in items if i.truth(v if test is None else i.call(test, [v], {}, n), n)]


def _b_hasattr(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    if len(a) != 2 or not isinstance(a[1], str):
        i.fail("hasattr() takes an object and a name", n)
    i.check_attribute(a[1], n)
    try:
        i.attribute(a[0], a[1], n)
    except ConvcalcError:
        return False
    return True


def _b_repr(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    return i.text(a[0], repr_=True) if a else ""


def _b_partial(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    if not a:
        i.fail("partial() needs a function", n)
    return Partial(a[0], tuple(a[1:]), dict(k))


def _b_ordered_dict(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
    return convert(i, PythonType("dict", dict), a, k, n)


def _b_decorator(name: str) -> Builtin:
    return Builtin(name, lambda i, n, a, k: a[0] if a else None)


def _math() -> Namespace:
    def checked(fn: Callable[..., Any], name: str) -> Builtin:
        def call(i: Interpreter, n: ast.AST, a: list[Any], k: dict[str, Any]) -> Any:
            if any(isinstance(v, Tensor) for v in a):
                i.fail(f"math.{name} of a tensor: use torch.{name}", n)
            if any(isinstance(v, ShapeInt) for v in a):
                i.shape_reads += 1
            if name in ("factorial", "comb", "perm") and any(
                isinstance(v, int) and v > 1000 for v in a
            ):
                i.fail(f"math.{name} of more than 1000", n)
            if name == "prod":
                items = i.items(a[0], n) if a else []
                total: Any = 1
                for item in items:
                    total = i.binary(ast.Mult(), total, item, n)
                return total
            value = i.python(lambda: fn(*a, **k), n)
            if isinstance(value, int) and not isinstance(value, bool):
                i.check_int(value, n)
                if any(isinstance(v, ShapeInt) for v in a):
                    return ShapeInt(value)
            return value

        return Builtin(f"math.{name}", call)

    members: dict[str, Any] = {
        name: checked(getattr(math, name), name)
        for name in (
            "ceil",
            "floor",
            "sqrt",
            "isqrt",
            "log",
            "log2",
            "log10",
            "exp",
            "fabs",
            "trunc",
            "gcd",
            "lcm",
            "prod",
            "isclose",
            "isinf",
            "isnan",
            "factorial",
            "comb",
            "perm",
            "sin",
            "cos",
            "tan",
            "atan",
            "copysign",
            "hypot",
        )
    }
    members["pow"] = Builtin(
        "math.pow", lambda i, n, a, k: float(i.binary(ast.Pow(), float(a[0]), a[1], n))
    )
    for name in ("pi", "e", "inf", "nan", "tau"):
        members[name] = getattr(math, name)
    return Namespace("math", members)


def python_builtins() -> dict[str, Any]:
    members: dict[str, Any] = {
        name: PythonType(name, tp)
        for name, tp in (
            ("int", int),
            ("float", float),
            ("str", str),
            ("bool", bool),
            ("list", list),
            ("tuple", tuple),
            ("dict", dict),
            ("set", set),
            ("object", object),
        )
    }
    members.update(
        {
            "len": Builtin("len", _b_len),
            "range": Builtin("range", _b_range),
            "enumerate": Builtin("enumerate", _b_enumerate),
            "zip": Builtin("zip", _listed(zip)),
            "min": Builtin("min", _b_minmax("min")),
            "max": Builtin("max", _b_minmax("max")),
            "sum": Builtin("sum", _b_sum),
            "sorted": Builtin("sorted", _b_sorted),
            "reversed": Builtin("reversed", _b_reversed),
            "any": Builtin("any", _b_truth("any")),
            "all": Builtin("all", _b_truth("all")),
            "isinstance": Builtin("isinstance", _b_isinstance),
            "super": Builtin("super", _b_super),
            "print": Builtin("print", _b_print),
            "abs": Builtin("abs", _b_abs),
            "round": Builtin("round", _b_round),
            "divmod": Builtin("divmod", _b_divmod),
            "pow": Builtin("pow", _b_pow),
            "map": Builtin("map", _b_map),
            "filter": Builtin("filter", _b_filter),
            "hasattr": Builtin("hasattr", _b_hasattr),
            "repr": Builtin("repr", _b_repr),
            "staticmethod": _b_decorator("staticmethod"),
            "classmethod": _b_decorator("classmethod"),
            "property": _b_decorator("property"),
            "NotImplementedError": Foreign("builtins", "NotImplementedError"),
            "slice": Builtin("slice", lambda i, n, a, k: i.python(lambda: slice(*a), n)),
        }
    )
    # code pasted without its imports (an __init__ block, a snippet) still finds torch's names:
    # the file's own names and imports come first
    spaces = _namespaces()
    nn = spaces["torch.nn"]
    fallback: dict[str, Any] = {
        name: value for name, value in nn.members.items() if isinstance(value, TorchClass)
    }
    fallback.update(
        {
            "torch": spaces["torch"],
            "nn": nn,
            "F": spaces["torch.nn.functional"],
            "math": spaces["math"],
        }
    )
    return {**fallback, **members}


_NAMESPACES: dict[str, Namespace] = {}


def _namespaces() -> dict[str, Namespace]:
    if not _NAMESPACES:
        torch = _torch()
        nn = torch.members["nn"]
        _NAMESPACES.update(
            {
                "torch": torch,
                "torch.nn": nn,
                "torch.nn.functional": nn.members["functional"],
                "torch.nn.init": nn.members["init"],
                "torch.nn.modules": nn,
                "math": _math(),
                "collections": Namespace(
                    "collections", {"OrderedDict": Builtin("OrderedDict", _b_ordered_dict)}
                ),
                "functools": Namespace(
                    "functools",
                    {
                        "partial": Builtin("partial", _b_partial),
                        "lru_cache": Builtin("ignored decorator", _ignored_decorator),
                    },
                ),
            }
        )
    return _NAMESPACES


_INERT = ("typing", "typing_extensions", "__future__", "collections.abc", "numbers")


def import_module(name: str, bound: str) -> Any:
    """`import name` (as `bound`)."""
    spaces = _namespaces()
    if name in spaces:
        return spaces[name]
    if name in _INERT:
        return Namespace(name, _InertMembers(name))
    return Foreign(name, bound)


def import_from(module: str, name: str) -> Any:
    spaces = _namespaces()
    if module in _INERT:
        return PythonType(name, object)
    space = spaces.get(module)
    if space is not None and name in space.members:
        return space.members[name]
    full = f"{module}.{name}"
    if full in spaces:
        return spaces[full]
    return Foreign(module, name)


class _InertMembers(dict[str, Any]):
    """typing.List, typing.Optional, ...: names used in annotations, inert as values."""

    def __init__(self, module: str) -> None:
        super().__init__()
        self.module = module

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str)

    def __getitem__(self, key: str) -> Any:
        return PythonType(key, object)
