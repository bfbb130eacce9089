"""Lowerings for keras.ops calls inside Keras 3 functional models (x + 3.0, ops.mean(x, 1),
ops.reshape(...)): entries "ops.<Class>" of the one lowering table (keras_layers.LOWERINGS).

A call's arguments arrive as Keras serialised them (LayerCall.op_args / op_kwargs), with each
Keras tensor replaced by a TensorArg; the operation's own options (axis, keepdims, ...) are in
its config. Shapes follow NumPy's broadcasting; axes count the batch dimension, which stays
dynamic unless the operation moves or merges it."""
from __future__ import annotations

import numpy as np

from .keras_activations import _unary, apply_activation, elu
from .keras_graph import TensorArg

__all__ = ["OPERATION_LOWERINGS"]

_OPTIONS = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions", "DIV": "DivOptions",
            "MAXIMUM": "MaximumMinimumOptions", "MINIMUM": "MaximumMinimumOptions",
            "GREATER_EQUAL": "GreaterEqualOptions", "SELECT_V2": "SelectV2Options"}


def _label(call):
    return f"operation '{call.name}' ({call.class_name})"


def _batched(b, t):
    return b.tensors[t]["shape_signature"] is not None


def _args(call, n_min, n_max=None):
    args = list(call.op_args or [])
    kwargs = dict(call.op_kwargs or {})
    if not n_min <= len(args) <= (n_max or n_min):
        raise ValueError(f"{_label(call)}: expected {n_min} positional argument(s), got {len(args)}")
    return args, kwargs


def _tensor_arg(ctx, call, ins, a, what="argument"):
    if not isinstance(a, TensorArg):
        raise NotImplementedError(f"{_label(call)}: the {what} must be a tensor, got the constant {a!r}")
    return ins[a.index]


def _constant_value(call, a):
    if isinstance(a, dict) and a.get("class_name") in ("__numpy__", "__tensor__"):
        a = a.get("config", {}).get("value")  # a NumPy array or backend tensor, as a nested list
    try:
        v = np.asarray(a, dtype=np.float32)
    except (TypeError, ValueError):
        raise ValueError(f"{_label(call)}: cannot use {a!r} as a numeric constant") from None
    return v


def _operand(ctx, call, ins, a, k):
    """The IR tensor for argument a: the Keras tensor, or a float32 constant."""
    if isinstance(a, TensorArg):
        return ins[a.index]
    return ctx.b.constant(f"{call.name}/operand_{k}", _constant_value(call, a))


def _out(ctx, call, shape, batched, dtype="float32", name=None):
    return ctx.b.activation(name or call.name, shape, dtype=dtype, batched=batched)


def _axis(call, axis, rank):
    if not isinstance(axis, int) or not -rank <= axis < rank:
        raise ValueError(f"{_label(call)}: axis {axis!r} is out of range for a rank-{rank} tensor")
    return axis % rank


def _axes(call, axis, rank):
    if axis is None:
        return list(range(rank))
    axes = [axis] if isinstance(axis, int) else list(axis)
    return sorted({_axis(call, a, rank) for a in axes})


def _keep_batch(ctx, call, t, touched):
    """Operations may not move or merge the dynamic batch dimension of a batched tensor."""
    if _batched(ctx.b, t) and touched:
        raise NotImplementedError(f"{_label(call)}: changes the batch dimension (axis 0) of a batched tensor; "
                                  "give the model a fixed batch size or keep axis 0 in place")


# ---------------------------------------------------------------- elementwise

def _broadcast(ctx, call, x, y):
    b = ctx.b
    try:
        return list(np.broadcast_shapes(tuple(b.shape(x)), tuple(b.shape(y))))
    except ValueError:
        raise ValueError(f"{_label(call)}: shapes {b.shape(x)} and {b.shape(y)} do not broadcast") from None


def _emit_binary(ctx, call, opcode, x, y, name=None, dtype="float32"):
    b = ctx.b
    out = _out(ctx, call, _broadcast(ctx, call, x, y), _batched(b, x) or _batched(b, y), dtype, name)
    b.op(opcode, [x, y], [out], _OPTIONS[opcode], {})
    return out


def _binary(opcode, commutative):
    def lower(ctx, call, ins):
        (a, c), _ = _args(call, 2)
        if not isinstance(a, TensorArg) and not isinstance(c, TensorArg):
            raise ValueError(f"{_label(call)}: both operands are constants")
        if commutative and not isinstance(a, TensorArg):
            a, c = c, a  # the tensor first, as TFLite files usually have it
        return [_emit_binary(ctx, call, opcode, _operand(ctx, call, ins, a, 0), _operand(ctx, call, ins, c, 1))]
    return lower


def lower_divide(ctx, call, ins):
    (a, c), _ = _args(call, 2)
    if isinstance(a, TensorArg) and not isinstance(c, TensorArg):
        # x / c as x · (1/c): what TensorFlow's converter writes too, and int8-friendly.
        recip = np.float32(1.0) / _constant_value(call, c)
        return [_emit_binary(ctx, call, "MUL", ins[a.index], _operand(ctx, call, ins, recip, 1))]
    raise NotImplementedError(f"{_label(call)}: division by a tensor (only division by a constant is supported)")


def lower_power(ctx, call, ins):
    (a, p), _ = _args(call, 2)
    x = _tensor_arg(ctx, call, ins, a, "base")
    if isinstance(p, TensorArg) or np.size(p) != 1:
        raise NotImplementedError(f"{_label(call)}: only a scalar constant exponent is supported")
    p = float(np.asarray(p))
    if p == 1.0:
        return [x]
    if p == 2.0:
        return [_emit_binary(ctx, call, "MUL", x, x)]
    if p == 0.5:
        return [_unary(ctx.b, "SQRT", x, call.name)]
    if p == -0.5:
        return [_unary(ctx.b, "RSQRT", x, call.name)]
    raise NotImplementedError(f"{_label(call)}: exponent {p} (supported: 1, 2, 0.5, -0.5)")


def lower_square(ctx, call, ins):
    (a,), _ = _args(call, 1)
    x = _tensor_arg(ctx, call, ins, a)
    return [_emit_binary(ctx, call, "MUL", x, x)]


def _simple_unary(opcode):
    def lower(ctx, call, ins):
        (a,), _ = _args(call, 1)
        return [_unary(ctx.b, opcode, _tensor_arg(ctx, call, ins, a), call.name)]
    return lower


def _activation(name):
    def lower(ctx, call, ins):
        (a,), _ = _args(call, 1)
        return [apply_activation(ctx.b, _tensor_arg(ctx, call, ins, a), name, call.name, ctx.can_fuse(call),
                                 _label(call))]
    return lower


def lower_gelu(ctx, call, ins):
    (a,), kw = _args(call, 1)
    approximate = bool(kw.get("approximate", call.config.get("approximate", True)))
    return [_unary(ctx.b, "GELU", _tensor_arg(ctx, call, ins, a), call.name, "GeluOptions",
                   {"approximate": approximate})]


def lower_leaky_relu(ctx, call, ins):
    (a,), kw = _args(call, 1)
    slope = float(kw.get("negative_slope", call.config.get("negative_slope", 0.2)))
    return [_unary(ctx.b, "LEAKY_RELU", _tensor_arg(ctx, call, ins, a), call.name, "LeakyReluOptions",
                   {"alpha": slope})]


def lower_elu(ctx, call, ins):
    (a,), kw = _args(call, 1)
    return [elu(ctx.b, _tensor_arg(ctx, call, ins, a), call.name,
                float(kw.get("alpha", call.config.get("alpha", 1.0))))]


def lower_softmax(ctx, call, ins):
    (a,), kw = _args(call, 1)
    b = ctx.b
    x = _tensor_arg(ctx, call, ins, a)
    shape = b.shape(x)
    axis = kw.get("axis", call.config.get("axis", -1))
    if isinstance(axis, (list, tuple)):
        if len(axis) != 1:
            raise NotImplementedError(f"{_label(call)}: softmax over several axes {axis}")
        axis = axis[0]
    axis = _axis(call, axis, len(shape))
    if axis == len(shape) - 1:
        return [apply_activation(b, x, "softmax", call.name, False, _label(call))]
    _keep_batch(ctx, call, x, axis == 0)
    # TFLite's SOFTMAX works on the last axis: swap the axis there and back.
    perm = list(range(len(shape)))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    t = _transpose(ctx, call, x, perm, call.name + "/to_last")
    s = apply_activation(b, t, "softmax", call.name + "/softmax", False, _label(call))
    return [_transpose(ctx, call, s, perm, call.name)]


def lower_clip(ctx, call, ins):
    args, kw = _args(call, 1, 3)
    x = _tensor_arg(ctx, call, ins, args[0])
    lo = args[1] if len(args) > 1 else kw.get("x_min", call.config.get("x_min"))
    hi = args[2] if len(args) > 2 else kw.get("x_max", call.config.get("x_max"))
    if isinstance(lo, TensorArg) or isinstance(hi, TensorArg):
        raise NotImplementedError(f"{_label(call)}: clipping to tensor bounds (only constants are supported)")
    key = (None if lo is None else float(lo), None if hi is None else float(hi))
    if key in ((0.0, 6.0), (0.0, None)):  # fusable into the producer
        act = "relu6" if key[1] else "relu"
        return [apply_activation(ctx.b, x, act, call.name, ctx.can_fuse(call), _label(call))]
    if key == (-1.0, 1.0):
        return [_unary(ctx.b, "RELU_N1_TO_1", x, call.name)]
    if hi is not None:
        c = ctx.b.constant(call.name + "/max", np.float32(hi))
        x = _emit_binary(ctx, call, "MINIMUM", x, c, call.name if lo is None else call.name + "/upper")
    if lo is not None:
        c = ctx.b.constant(call.name + "/min", np.float32(lo))
        x = _emit_binary(ctx, call, "MAXIMUM", x, c)
    return [x]


def lower_where(ctx, call, ins):
    (cond, a, c), _ = _args(call, 3)
    b = ctx.b
    ct = _tensor_arg(ctx, call, ins, cond, "condition")
    if b.tensors[ct]["dtype"] != "bool":
        raise NotImplementedError(f"{_label(call)}: the condition must be a boolean tensor (a comparison)")
    x, y = _operand(ctx, call, ins, a, 1), _operand(ctx, call, ins, c, 2)
    shape = list(np.broadcast_shapes(tuple(b.shape(ct)), tuple(_broadcast(ctx, call, x, y))))
    out = _out(ctx, call, shape, _batched(b, ct) or _batched(b, x) or _batched(b, y))
    b.op("SELECT_V2", [ct, x, y], [out], "SelectV2Options", {})
    return [out]


def _comparison(swap):
    """a >= b as GREATER_EQUAL(a, b); a <= b as GREATER_EQUAL(b, a)."""
    def lower(ctx, call, ins):
        (a, c), _ = _args(call, 2)
        if swap:
            a, c = c, a
        return [_emit_binary(ctx, call, "GREATER_EQUAL", _operand(ctx, call, ins, a, 0),
                             _operand(ctx, call, ins, c, 1), dtype="bool")]
    return lower


def lower_cast(ctx, call, ins):
    (a,), kw = _args(call, 1)
    x = _tensor_arg(ctx, call, ins, a)
    dtype = kw.get("dtype", call.config.get("dtype"))
    if isinstance(dtype, dict):
        dtype = dtype.get("config", {}).get("name")
    if dtype != ctx.b.tensors[x]["dtype"]:
        raise NotImplementedError(f"{_label(call)}: cast from {ctx.b.tensors[x]['dtype']} to {dtype}")
    return [x]


# ---------------------------------------------------------------- reductions

def _reduction(opcode, negate=False):
    """MEAN, SUM, REDUCE_MAX; min(x) as −max(−x), exact in float."""
    def lower(ctx, call, ins):
        (a,), kw = _args(call, 1)
        b = ctx.b
        x = _tensor_arg(ctx, call, ins, a)
        shape = b.shape(x)
        axes = _axes(call, kw.get("axis", call.config.get("axis")), len(shape))
        keep = bool(kw.get("keepdims", call.config.get("keepdims", False)))
        if call.config.get("initial") is not None or kw.get("initial") is not None:
            raise NotImplementedError(f"{_label(call)}: initial=")
        out_shape = [1 if d in axes else s for d, s in enumerate(shape)] if keep else \
            [s for d, s in enumerate(shape) if d not in axes]
        if negate:
            x = _unary(b, "NEG", x, call.name + "/negated")
        red = b.constant(call.name + "/axes", np.array(axes, np.int32))
        # Reducing over the batch dimension leaves a result of fixed shape.
        y = _out(ctx, call, out_shape, _batched(b, x) and 0 not in axes, name=call.name + ("/max" if negate else ""))
        b.op(opcode, [x, red], [y], "ReducerOptions", {"keep_dims": keep})
        return [_unary(b, "NEG", y, call.name) if negate else y]
    return lower


# ---------------------------------------------------------------- shapes

def _transpose(ctx, call, x, perm, name):
    b = ctx.b
    shape = b.shape(x)
    p = b.constant(name + "/perm", np.array(perm, np.int32))
    y = _out(ctx, call, [shape[d] for d in perm], _batched(b, x), name=name)
    b.op("TRANSPOSE", [x, p], [y])
    return y


def _reshape_to(ctx, call, x, shape, name=None):
    """RESHAPE to `shape`, whose axis 0 is the batch axis when x is batched."""
    b = ctx.b
    batched = _batched(b, x)
    c = b.constant((name or call.name) + "/shape", np.array([-1 if batched else shape[0]] + list(shape[1:]), np.int32))
    y = _out(ctx, call, shape, batched, name=name)
    b.op("RESHAPE", [x, c], [y])
    return y


def lower_reshape(ctx, call, ins):
    (a,), kw = _args(call, 1)
    b = ctx.b
    x = _tensor_arg(ctx, call, ins, a)
    shape = b.shape(x)
    target = kw.get("newshape", call.config.get("newshape"))
    if target is None:
        raise ValueError(f"{_label(call)}: no target shape")
    target = [-1 if d is None else int(d) for d in ([target] if isinstance(target, int) else target)]
    total = int(np.prod(shape))
    if target.count(-1) > 1:
        raise ValueError(f"{_label(call)}: more than one unknown dimension in {target}")
    if _batched(b, x):
        # The batch stays first and dynamic: the other dimensions must hold one sample.
        rest = target[1:]
        if target[0] != -1 or -1 in rest or int(np.prod(rest)) != total // shape[0]:
            _keep_batch(ctx, call, x, True)
        return [_reshape_to(ctx, call, x, [shape[0]] + rest)]
    if -1 in target:
        known = int(np.prod([d for d in target if d != -1]))
        if known == 0 or total % known:
            raise ValueError(f"{_label(call)}: cannot reshape {shape} to {target}")
        target[target.index(-1)] = total // known
    if int(np.prod(target)) != total:
        raise ValueError(f"{_label(call)}: cannot reshape {shape} to {target}")
    return [_reshape_to(ctx, call, x, target)]


def lower_transpose(ctx, call, ins):
    (a,), kw = _args(call, 1)
    x = _tensor_arg(ctx, call, ins, a)
    rank = len(ctx.b.shape(x))
    axes = kw.get("axes", call.config.get("axes"))
    perm = list(range(rank))[::-1] if axes is None else [_axis(call, d, rank) for d in axes]
    if sorted(perm) != list(range(rank)):
        raise ValueError(f"{_label(call)}: {axes} is not a permutation of {rank} axes")
    _keep_batch(ctx, call, x, perm[0] != 0)
    return [_transpose(ctx, call, x, perm, call.name)]


def lower_expand_dims(ctx, call, ins):
    (a,), kw = _args(call, 1)
    b = ctx.b
    x = _tensor_arg(ctx, call, ins, a)
    shape = b.shape(x)
    axis = kw.get("axis", call.config.get("axis"))
    axes = [axis] if isinstance(axis, int) else list(axis)
    rank = len(shape) + len(axes)
    axes = sorted(_axis(call, d, rank) for d in axes)
    _keep_batch(ctx, call, x, 0 in axes)
    out = list(shape)
    for d in axes:
        out.insert(d, 1)
    return [_reshape_to(ctx, call, x, out)]


def lower_squeeze(ctx, call, ins):
    (a,), kw = _args(call, 1)
    b = ctx.b
    x = _tensor_arg(ctx, call, ins, a)
    shape = b.shape(x)
    axis = kw.get("axis", call.config.get("axis"))
    if axis is None:
        axes = [d for d, s in enumerate(shape) if s == 1 and not (d == 0 and _batched(b, x))]
    else:
        axes = _axes(call, axis, len(shape))
    for d in axes:
        if shape[d] != 1:
            raise ValueError(f"{_label(call)}: cannot squeeze axis {d} of size {shape[d]}")
    _keep_batch(ctx, call, x, 0 in axes)
    y = _out(ctx, call, [s for d, s in enumerate(shape) if d not in axes], _batched(b, x))
    b.op("SQUEEZE", [x], [y], "SqueezeOptions", {"squeeze_dims": axes})
    return [y]


def _tensor_list(ctx, call, ins, a):
    if not isinstance(a, list) or not a:
        raise ValueError(f"{_label(call)}: expected a list of tensors")
    return [_operand(ctx, call, ins, t, k) for k, t in enumerate(a)]


def lower_concatenate(ctx, call, ins):
    (a,), kw = _args(call, 1)
    b = ctx.b
    ts = _tensor_list(ctx, call, ins, a)
    rank = len(b.shape(ts[0]))
    axis = kw.get("axis", call.config.get("axis", 0))
    ax = _axis(call, axis, rank)
    _keep_batch(ctx, call, ts[0], ax == 0)
    shape = b.shape(ts[0])
    for t in ts[1:]:
        other = b.shape(t)
        if len(other) != rank or any(o != s for d, (o, s) in enumerate(zip(other, shape)) if d != ax):
            raise ValueError(f"{_label(call)}: cannot concatenate shapes {shape} and {other} on axis {axis}")
    shape[ax] = sum(b.shape(t)[ax] for t in ts)
    y = _out(ctx, call, shape, any(_batched(b, t) for t in ts))
    b.op("CONCATENATION", ts, [y], "ConcatenationOptions", {"axis": ax})
    return [y]


def lower_stack(ctx, call, ins):
    (a,), kw = _args(call, 1)
    b = ctx.b
    ts = _tensor_list(ctx, call, ins, a)
    shape = b.shape(ts[0])
    if any(b.shape(t) != shape for t in ts):
        raise ValueError(f"{_label(call)}: stacked tensors differ in shape")
    ax = _axis(call, kw.get("axis", call.config.get("axis", 0)), len(shape) + 1)
    _keep_batch(ctx, call, ts[0], ax == 0)
    y = _out(ctx, call, shape[:ax] + [len(ts)] + shape[ax:], any(_batched(b, t) for t in ts))
    b.op("PACK", ts, [y], "PackOptions", {"values_count": len(ts), "axis": ax})
    return [y]


def lower_matmul(ctx, call, ins):
    (a, c), _ = _args(call, 2)
    b = ctx.b
    x = _tensor_arg(ctx, call, ins, a, "left operand")
    xs = b.shape(x)
    if not isinstance(c, TensorArg):
        w = _constant_value(call, c)
        if w.ndim != 2 or len(xs) < 2 or w.shape[0] != xs[-1]:
            raise ValueError(f"{_label(call)}: cannot multiply {xs} by a constant of shape {list(w.shape)}")
        # x @ W with a constant matrix is a fully-connected layer (weights stored transposed).
        wt = b.constant(call.name + "/weights", np.ascontiguousarray(w.T))
        bias = b.constant(call.name + "/bias", np.zeros(w.shape[1], np.float32))
        keep = len(xs) > 2
        y = _out(ctx, call, xs[:-1] + [w.shape[1]], _batched(b, x))
        b.op("FULLY_CONNECTED", [x, wt, bias], [y], "FullyConnectedOptions", {"keep_num_dims": keep},
             version=5 if keep else 1)
        return [y]
    z = ins[c.index]
    zs = b.shape(z)
    if len(xs) < 2 or len(zs) < 2 or xs[-1] != zs[-2]:
        raise ValueError(f"{_label(call)}: cannot multiply shapes {xs} and {zs}")
    batch = list(np.broadcast_shapes(tuple(xs[:-2]), tuple(zs[:-2])))
    y = _out(ctx, call, batch + [xs[-2], zs[-1]], _batched(b, x) or _batched(b, z))
    b.op("BATCH_MATMUL", [x, z], [y], "BatchMatMulOptions", {"adj_x": False, "adj_y": False})
    return [y]


def _index_entries(call, key):
    entries = key if isinstance(key, list) else [key]
    out = []
    for e in entries:
        if isinstance(e, dict) and e.get("class_name") == "__slice__":
            c = e.get("config", {})
            out.append(slice(c.get("start"), c.get("stop"), c.get("step")))
        elif isinstance(e, dict) and e.get("class_name") == "__ellipsis__":
            out.append(Ellipsis)
        elif isinstance(e, int) and not isinstance(e, bool):
            out.append(e)
        elif e is None:
            raise NotImplementedError(f"{_label(call)}: inserting axes with None in an index")
        else:
            raise NotImplementedError(f"{_label(call)}: index {e!r} (integers, slices and ... are supported)")
    return out


def lower_get_item(ctx, call, ins):
    (a, key), _ = _args(call, 2)
    b = ctx.b
    x = _tensor_arg(ctx, call, ins, a)
    shape = b.shape(x)
    entries = _index_entries(call, key)
    if entries.count(Ellipsis) > 1:
        raise ValueError(f"{_label(call)}: more than one ... in an index")
    if Ellipsis in entries:
        k = entries.index(Ellipsis)
        entries = entries[:k] + [slice(None)] * (len(shape) - len(entries) + 1) + entries[k + 1:]
    if len(entries) > len(shape):
        raise ValueError(f"{_label(call)}: {len(entries)} indices for a rank-{len(shape)} tensor")
    entries += [slice(None)] * (len(shape) - len(entries))
    begin, end, strides, out_shape = [], [], [], []
    begin_mask = end_mask = shrink = 0
    for d, (e, n) in enumerate(zip(entries, shape)):
        if d == 0 and _batched(b, x):
            _keep_batch(ctx, call, x, e != slice(None) and e != slice(None, None, 1))
        if isinstance(e, int):
            if not -n <= e < n:
                raise ValueError(f"{_label(call)}: index {e} is out of range for axis {d} of size {n}")
            i = e % n
            begin.append(i), end.append(i + 1), strides.append(1)
            shrink |= 1 << d
            continue
        if e.step == 0:
            raise ValueError(f"{_label(call)}: slice step 0")
        start, stop, step = e.indices(n)
        begin.append(start), end.append(stop), strides.append(step)
        if e.start is None:
            begin_mask |= 1 << d
        if e.stop is None:
            end_mask |= 1 << d
        out_shape.append(len(range(start, stop, step)))
    name = call.name
    tb = b.constant(name + "/begin", np.array(begin, np.int32))
    te = b.constant(name + "/end", np.array(end, np.int32))
    ts = b.constant(name + "/strides", np.array(strides, np.int32))
    y = _out(ctx, call, out_shape, _batched(b, x) and not shrink & 1)
    b.op("STRIDED_SLICE", [x, tb, te, ts], [y], "StridedSliceOptions",
         {"begin_mask": begin_mask, "end_mask": end_mask, "shrink_axis_mask": shrink})
    return [y]


OPERATION_LOWERINGS = {
    "ops.Add": _binary("ADD", True), "ops.Subtract": _binary("SUB", False),
    "ops.Multiply": _binary("MUL", True), "ops.Maximum": _binary("MAXIMUM", True),
    "ops.Minimum": _binary("MINIMUM", True), "ops.TrueDivide": lower_divide, "ops.Divide": lower_divide,
    "ops.Power": lower_power, "ops.Square": lower_square,
    "ops.Absolute": _simple_unary("ABS"), "ops.Abs": _simple_unary("ABS"), "ops.Negative": _simple_unary("NEG"),
    "ops.Exp": _simple_unary("EXP"), "ops.Log": _simple_unary("LOG"), "ops.Sqrt": _simple_unary("SQRT"),
    "ops.Rsqrt": _simple_unary("RSQRT"), "ops.Tanh": _simple_unary("TANH"),
    "ops.Relu": _activation("relu"), "ops.Relu6": _activation("relu6"), "ops.Sigmoid": _activation("sigmoid"),
    "ops.Silu": _activation("silu"), "ops.Swish": _activation("silu"), "ops.HardSigmoid": _activation("hard_sigmoid"),
    "ops.HardSilu": _activation("hard_silu"), "ops.HardSwish": _activation("hard_silu"),
    "ops.Softplus": _activation("softplus"), "ops.Selu": _activation("selu"),
    "ops.Gelu": lower_gelu, "ops.LeakyRelu": lower_leaky_relu, "ops.Elu": lower_elu, "ops.Softmax": lower_softmax,
    "ops.Clip": lower_clip, "ops.Where": lower_where,
    "ops.GreaterEqual": _comparison(False), "ops.LessEqual": _comparison(True), "ops.Cast": lower_cast,
    "ops.Mean": _reduction("MEAN"), "ops.Sum": _reduction("SUM"), "ops.Max": _reduction("REDUCE_MAX"),
    "ops.Min": _reduction("REDUCE_MAX", negate=True),
    "ops.Reshape": lower_reshape, "ops.Transpose": lower_transpose, "ops.ExpandDims": lower_expand_dims,
    "ops.Squeeze": lower_squeeze, "ops.Concatenate": lower_concatenate, "ops.Stack": lower_stack,
    "ops.Matmul": lower_matmul, "ops.GetItem": lower_get_item,
}
