"""The lowering table: one function per Keras layer class, turning a layer call into TFLite
operators on a GraphBuilder. Weights go to TFLite layouts (tflite-facts.md §A.5.6); biases
and activations fuse into the producing operator where TFLite allows it, and
BatchNormalization folds into the preceding convolution or dense layer when that is exact."""
from __future__ import annotations

import numpy as np

from ..errors import KerasFileError
from .keras_activations import SUPPORTED_ACTIVATIONS, activation_name, apply_activation, elu
from .keras_layer_checks import checked_weights
from .keras_operations import OPERATION_LOWERINGS
from .keras_recurrent import RECURRENT_LOWERINGS

__all__ = ["LOWERINGS", "REMOVED_LAYERS", "LoweringContext"]

# Layers that do nothing at inference time.
REMOVED_LAYERS = {"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
                  "GaussianDropout", "AlphaDropout", "ActivityRegularization", "Identity", "Masking"}


class LoweringContext:
    def __init__(self, builder, source, consumers, model_outputs, keras3):
        self.b = builder
        self.source = source
        self.consumers = consumers          # keras tensor id -> number of consuming calls
        self.model_outputs = model_outputs  # keras tensor ids
        self.keras3 = keras3

    def label(self, call):
        kind = "operation" if call.is_operation else "layer"
        return f"{kind} '{call.name}' ({call.class_name})"

    def can_fuse(self, call, k=0):
        t = call.inputs[k]
        return self.consumers.get(t, 0) == 1 and t not in self.model_outputs

    def weights(self, call, expected_shapes):
        """The layer's weights, checked against the count and shapes its config implies
        (None = any shape)."""
        return checked_weights(self.source, call, self.label(call), expected_shapes)


def _pair(v, default=1):
    if v is None:
        return (default, default)
    if isinstance(v, int):
        return (v, v)
    return tuple(int(x) for x in v)


def _check_channels_last(ctx, call):
    fmt = call.config.get("data_format") or "channels_last"
    if fmt != "channels_last":
        raise NotImplementedError(f"{ctx.label(call)}: data_format='{fmt}' (TFLite is NHWC; use channels_last)")


def _out_size(size, k, stride, dilation, padding):
    eff = (k - 1) * dilation + 1
    return -(-size // stride) if padding == "same" else (size - eff + stride) // stride


def _padding_enum(ctx, call, padding):
    if padding not in ("same", "valid"):
        raise NotImplementedError(f"{ctx.label(call)}: padding='{padding}'")
    return 0 if padding == "same" else 1


def _batched(b, t):
    return b.tensors[t]["shape_signature"] is not None


def _act(ctx, call, t, fuse=True):
    return apply_activation(ctx.b, t, call.config.get("activation"), call.name + "/act", fuse, ctx.label(call),
                            ctx.keras3)


# ---------------------------------------------------------------- convolutions

def _conv2d_core(ctx, call, x, kernel_hwio, bias, strides, dilation, padding, name=None):
    b = ctx.b
    n, h, w, cin = b.shape(x)
    kh, kw, cin_g, cout = kernel_hwio.shape
    if cin % cin_g:
        raise ValueError(f"{ctx.label(call)}: input depth {cin} is not a multiple of the kernel depth {cin_g}")
    oh = _out_size(h, kh, strides[0], dilation[0], padding)
    ow = _out_size(w, kw, strides[1], dilation[1], padding)
    filt = b.constant((name or call.name) + "/kernel", np.transpose(kernel_hwio, (3, 0, 1, 2)))
    bias_t = b.constant((name or call.name) + "/bias", bias if bias is not None else np.zeros(cout, np.float32))
    y = b.activation(name or call.name, [n, oh, ow, cout], batched=_batched(b, x))
    b.op("CONV_2D", [x, filt, bias_t], [y], "Conv2DOptions",
         {"padding": _padding_enum(ctx, call, padding), "stride_w": strides[1], "stride_h": strides[0],
          "dilation_w_factor": dilation[1], "dilation_h_factor": dilation[0]},
         version=6 if cin_g != cin else 1)
    return y


def _depthwise_core(ctx, call, x, kernel_hwcm, bias, strides, dilation, padding, name=None):
    b = ctx.b
    n, h, w, cin = b.shape(x)
    kh, kw, c, mult = kernel_hwcm.shape
    oh = _out_size(h, kh, strides[0], dilation[0], padding)
    ow = _out_size(w, kw, strides[1], dilation[1], padding)
    filt = b.constant((name or call.name) + "/depthwise_kernel", kernel_hwcm.reshape(1, kh, kw, c * mult))
    bias_t = b.constant((name or call.name) + "/bias", bias if bias is not None else np.zeros(c * mult, np.float32))
    y = b.activation(name or call.name, [n, oh, ow, c * mult], batched=_batched(b, x))
    b.op("DEPTHWISE_CONV_2D", [x, filt, bias_t], [y], "DepthwiseConv2DOptions",
         {"padding": _padding_enum(ctx, call, padding), "stride_w": strides[1], "stride_h": strides[0],
          "depth_multiplier": mult, "dilation_w_factor": dilation[1], "dilation_h_factor": dilation[0]},
         version=2 if dilation != (1, 1) else 1)
    return y


def _causal_pad(ctx, call, x, k, dilation):
    """Conv1D causal padding: (k − 1)·d zeros before the sequence, then a VALID convolution."""
    b = ctx.b
    shape = b.shape(x)
    pad = (k - 1) * dilation
    pads = b.constant(call.name + "/causal_pad", np.array([[0, 0], [0, 0], [pad, 0], [0, 0]], np.int32))
    y = b.activation(call.name + "/causal", [shape[0], shape[1], shape[2] + pad, shape[3]], batched=_batched(b, x))
    b.op("PAD", [x, pads], [y], "PadOptions", {})
    return y


def _expand_1d(ctx, call, x):
    """(N, L, C) -> (N, 1, L, C), for 1-D layers run as 2-D TFLite operators."""
    b = ctx.b
    n, length, c = b.shape(x)
    axis = b.constant(call.name + "/expand_axis", np.array([1], np.int32))
    y = b.activation(call.name + "/expanded", [n, 1, length, c], batched=_batched(b, x))
    b.op("EXPAND_DIMS", [x, axis], [y])
    return y


def _squeeze_1d(ctx, call, x, name):
    b = ctx.b
    n, _, length, c = b.shape(x)
    y = b.activation(name, [n, length, c], batched=_batched(b, x))
    b.op("SQUEEZE", [x], [y], "SqueezeOptions", {"squeeze_dims": [1]})
    return y


def lower_conv2d(ctx, call, ins):
    _check_channels_last(ctx, call)
    cfg = call.config
    x = ins[0]
    cin = ctx.b.shape(x)[-1]
    k = _pair(cfg["kernel_size"])
    groups = int(cfg.get("groups", 1) or 1)
    shapes = [list(k) + [cin // groups, cfg["filters"]]] + ([[cfg["filters"]]] if cfg.get("use_bias", True) else [])
    ws = ctx.weights(call, shapes)
    y = _conv2d_core(ctx, call, x, ws[0], ws[1] if len(ws) > 1 else None, _pair(cfg.get("strides")),
                     _pair(cfg.get("dilation_rate")), cfg.get("padding", "valid"))
    return [_act(ctx, call, y)]


def lower_conv1d(ctx, call, ins):
    _check_channels_last(ctx, call)
    cfg = call.config
    x = _expand_1d(ctx, call, ins[0])
    cin = ctx.b.shape(x)[-1]
    k = _pair(cfg["kernel_size"])[0]
    d = _pair(cfg.get("dilation_rate"))[0]
    groups = int(cfg.get("groups", 1) or 1)
    shapes = [[k, cin // groups, cfg["filters"]]] + ([[cfg["filters"]]] if cfg.get("use_bias", True) else [])
    ws = ctx.weights(call, shapes)
    padding = cfg.get("padding", "valid")
    if padding == "causal":
        x = _causal_pad(ctx, call, x, k, d)
        padding = "valid"
    y = _conv2d_core(ctx, call, x, ws[0][None], ws[1] if len(ws) > 1 else None, (1, _pair(cfg.get("strides"))[0]),
                     (1, d), padding, name=call.name + "/conv2d")
    y = _squeeze_1d(ctx, call, y, call.name)
    return [_act(ctx, call, y, fuse=False)]


def lower_depthwise_conv2d(ctx, call, ins):
    _check_channels_last(ctx, call)
    cfg = call.config
    x = ins[0]
    cin = ctx.b.shape(x)[-1]
    k = _pair(cfg["kernel_size"])
    mult = int(cfg.get("depth_multiplier", 1))
    # tf.keras 2.x configs carry a `groups` argument here too; it does not change the layer.
    shapes = [list(k) + [cin, mult]] + ([[cin * mult]] if cfg.get("use_bias", True) else [])
    ws = ctx.weights(call, shapes)
    y = _depthwise_core(ctx, call, x, ws[0], ws[1] if len(ws) > 1 else None, _pair(cfg.get("strides")),
                        _pair(cfg.get("dilation_rate")), cfg.get("padding", "valid"))
    return [_act(ctx, call, y)]


def lower_depthwise_conv1d(ctx, call, ins):
    _check_channels_last(ctx, call)
    cfg = call.config
    x = _expand_1d(ctx, call, ins[0])
    cin = ctx.b.shape(x)[-1]
    k = _pair(cfg["kernel_size"])[0]
    d = _pair(cfg.get("dilation_rate"))[0]
    mult = int(cfg.get("depth_multiplier", 1))
    ws = ctx.weights(call, [[k, cin, mult]] + ([[cin * mult]] if cfg.get("use_bias", True) else []))
    padding = cfg.get("padding", "valid")
    if padding == "causal":
        x = _causal_pad(ctx, call, x, k, d)
        padding = "valid"
    y = _depthwise_core(ctx, call, x, ws[0][None], ws[1] if len(ws) > 1 else None, (1, _pair(cfg.get("strides"))[0]),
                        (1, d), padding, name=call.name + "/depthwise")
    y = _squeeze_1d(ctx, call, y, call.name)
    return [_act(ctx, call, y, fuse=False)]


def _separable(ctx, call, x, k, strides, dilation, padding, one_d):
    cfg = call.config
    cin = ctx.b.shape(x)[-1]
    mult = int(cfg.get("depth_multiplier", 1))
    filters = cfg["filters"]
    dk = list(k)  # 2-D kernel size; 1-D layers arrive as (1, k)
    kernel = [k[1]] if one_d else list(k)
    shapes = [kernel + [cin, mult], ([1] if one_d else [1, 1]) + [cin * mult, filters]]
    if cfg.get("use_bias", True):
        shapes.append([filters])
    ws = ctx.weights(call, shapes)
    dw = ws[0][None] if one_d else ws[0]
    pw = ws[1][None] if one_d else ws[1]
    t = _depthwise_core(ctx, call, x, dw.reshape(dk + [cin, mult]), None, strides, dilation, padding,
                        name=call.name + "/depthwise")
    return _conv2d_core(ctx, call, t, pw, ws[2] if len(ws) > 2 else None, (1, 1), (1, 1), "valid",
                        name=call.name + ("/pointwise" if one_d else ""))


def lower_separable_conv2d(ctx, call, ins):
    _check_channels_last(ctx, call)
    cfg = call.config
    y = _separable(ctx, call, ins[0], _pair(cfg["kernel_size"]), _pair(cfg.get("strides")),
                   _pair(cfg.get("dilation_rate")), cfg.get("padding", "valid"), False)
    return [_act(ctx, call, y)]


def lower_separable_conv1d(ctx, call, ins):
    _check_channels_last(ctx, call)
    cfg = call.config
    x = _expand_1d(ctx, call, ins[0])
    k = _pair(cfg["kernel_size"])[0]
    d = _pair(cfg.get("dilation_rate"))[0]
    padding = cfg.get("padding", "valid")
    if padding == "causal":
        x = _causal_pad(ctx, call, x, k, d)
        padding = "valid"
    y = _separable(ctx, call, x, (1, k), (1, _pair(cfg.get("strides"))[0]), (1, d), padding, True)
    y = _squeeze_1d(ctx, call, y, call.name)
    return [_act(ctx, call, y, fuse=False)]


def lower_conv2d_transpose(ctx, call, ins):
    _check_channels_last(ctx, call)
    cfg = call.config
    b = ctx.b
    x = ins[0]
    n, h, w, cin = b.shape(x)
    kh, kw = _pair(cfg["kernel_size"])
    sh, sw = _pair(cfg.get("strides"))
    if _pair(cfg.get("dilation_rate")) != (1, 1):
        raise NotImplementedError(f"{ctx.label(call)}: dilated Conv2DTranspose")
    if cfg.get("output_padding") is not None:
        raise NotImplementedError(f"{ctx.label(call)}: output_padding")
    padding = cfg.get("padding", "valid")
    filters = cfg["filters"]
    ws = ctx.weights(call, [[kh, kw, filters, cin]] + ([[filters]] if cfg.get("use_bias", True) else []))
    oh = h * sh if padding == "same" else (h - 1) * sh + kh
    ow = w * sw if padding == "same" else (w - 1) * sw + kw
    out_shape = b.constant(call.name + "/output_shape", np.array([n, oh, ow, filters], np.int32))
    filt = b.constant(call.name + "/kernel", np.transpose(ws[0], (2, 0, 1, 3)))
    bias = b.constant(call.name + "/bias", ws[1] if len(ws) > 1 else np.zeros(filters, np.float32))
    y = b.activation(call.name, [n, oh, ow, filters], batched=False)
    b.op("TRANSPOSE_CONV", [out_shape, filt, x, bias], [y], "TransposeConvOptions",
         {"padding": _padding_enum(ctx, call, padding), "stride_w": sw, "stride_h": sh}, version=3)
    return [_act(ctx, call, y, fuse=False)]


# ---------------------------------------------------------------- dense, normalization

def lower_dense(ctx, call, ins):
    cfg = call.config
    b = ctx.b
    x = ins[0]
    shape = b.shape(x)
    units = cfg["units"]
    ws = ctx.weights(call, [[shape[-1], units]] + ([[units]] if cfg.get("use_bias", True) else []))
    w = b.constant(call.name + "/kernel", ws[0].T)
    bias = b.constant(call.name + "/bias", ws[1] if len(ws) > 1 else np.zeros(units, np.float32))
    keep = len(shape) > 2
    y = b.activation(call.name, shape[:-1] + [units], batched=_batched(b, x))
    b.op("FULLY_CONNECTED", [x, w, bias], [y], "FullyConnectedOptions", {"keep_num_dims": keep},
         version=5 if keep else 1)
    return [_act(ctx, call, y)]


FOLDABLE = {"CONV_2D": 0, "DEPTHWISE_CONV_2D": 3, "FULLY_CONNECTED": 0, "TRANSPOSE_CONV": 0}


def _bn_params(ctx, call, channels):
    cfg = call.config
    shapes = []
    if cfg.get("scale", True):
        shapes.append([channels])
    if cfg.get("center", True):
        shapes.append([channels])
    shapes += [[channels], [channels]]
    ws = ctx.weights(call, shapes)
    gamma = ws.pop(0) if cfg.get("scale", True) else np.ones(channels, np.float32)
    beta = ws.pop(0) if cfg.get("center", True) else np.zeros(channels, np.float32)
    mean, var = ws
    eps = np.float32(cfg.get("epsilon", 1e-3))
    # Inference batch norm: x·m + (beta − mean·m), m = gamma / sqrt(var + eps), in float32.
    m = (gamma / np.sqrt(var + eps)).astype(np.float32)
    return m, (beta - mean * m).astype(np.float32)


def lower_batch_normalization(ctx, call, ins):
    b = ctx.b
    x = ins[0]
    shape = b.shape(x)
    axis = call.config.get("axis", -1)
    axis = axis[0] if isinstance(axis, (list, tuple)) and len(axis) == 1 else axis
    if axis not in (-1, len(shape) - 1):
        raise NotImplementedError(f"{ctx.label(call)}: normalising over axis {axis} (only the channel axis is supported)")
    m, c = _bn_params(ctx, call, shape[-1])
    producer = b.producer_of(x)
    if (producer is not None and producer["opcode"] in FOLDABLE and ctx.can_fuse(call)
            and producer["options"].get("fused_activation_function", 0) == 0):
        # Fold into the producer's weights and bias (per output channel).
        wt, bt = producer["inputs"][1 if producer["opcode"] != "TRANSPOSE_CONV" else 1], None
        bt = producer["inputs"][2] if producer["opcode"] != "TRANSPOSE_CONV" else producer["inputs"][3]
        w = b.value(wt)
        axis_w = FOLDABLE[producer["opcode"]]
        bshape = [1] * w.ndim
        bshape[axis_w] = -1
        b.set_value(wt, w * m.reshape(bshape))
        b.set_value(bt, b.value(bt) * m + c)
        return [x]
    mul_c = b.constant(call.name + "/mul", m)
    add_c = b.constant(call.name + "/add", c)
    t = b.activation(call.name + "/scaled", shape, batched=_batched(b, x))
    b.op("MUL", [x, mul_c], [t], "MulOptions", {})
    y = b.activation(call.name, shape, batched=_batched(b, x))
    b.op("ADD", [t, add_c], [y], "AddOptions", {})
    return [y]


def lower_layer_normalization(ctx, call, ins):
    b = ctx.b
    cfg = call.config
    x = ins[0]
    shape = b.shape(x)
    axes = cfg.get("axis", -1)
    axes = [axes] if isinstance(axes, int) else list(axes)
    axes = sorted(a % len(shape) for a in axes)
    norm_shape = [shape[a] for a in axes]
    shapes = []
    if cfg.get("scale", True):
        shapes.append(norm_shape)
    if cfg.get("center", True):
        shapes.append(norm_shape)
    ws = ctx.weights(call, shapes)
    gamma = ws.pop(0) if cfg.get("scale", True) else None
    beta = ws.pop(0) if cfg.get("center", True) else None
    batched = _batched(b, x)
    red = b.constant(call.name + "/axes", np.array(axes, np.int32))
    kshape = [1 if d in axes else s for d, s in enumerate(shape)]
    mean = b.activation(call.name + "/mean", kshape, batched=batched)
    b.op("MEAN", [x, red], [mean], "ReducerOptions", {"keep_dims": True})
    d = b.activation(call.name + "/centered", shape, batched=batched)
    b.op("SUB", [x, mean], [d], "SubOptions", {})
    sq = b.activation(call.name + "/square", shape, batched=batched)
    b.op("MUL", [d, d], [sq], "MulOptions", {})
    var = b.activation(call.name + "/variance", kshape, batched=batched)
    b.op("MEAN", [sq, red], [var], "ReducerOptions", {"keep_dims": True})
    eps = b.constant(call.name + "/epsilon", np.float32(cfg.get("epsilon", 1e-3)))
    ve = b.activation(call.name + "/variance_eps", kshape, batched=batched)
    b.op("ADD", [var, eps], [ve], "AddOptions", {})
    inv = b.activation(call.name + "/rsqrt", kshape, batched=batched)
    b.op("RSQRT", [ve], [inv])
    y = b.activation(call.name + ("/normalized" if gamma is not None or beta is not None else ""), shape, batched=batched)
    b.op("MUL", [d, inv], [y], "MulOptions", {})
    full = [s if dd in axes else 1 for dd, s in enumerate(shape)][1:]
    if gamma is not None:
        g = b.constant(call.name + "/gamma", gamma.reshape(full))
        y2 = b.activation(call.name + ("/scaled" if beta is not None else ""), shape, batched=batched)
        b.op("MUL", [y, g], [y2], "MulOptions", {})
        y = y2
    if beta is not None:
        be = b.constant(call.name + "/beta", beta.reshape(full))
        y2 = b.activation(call.name, shape, batched=batched)
        b.op("ADD", [y, be], [y2], "AddOptions", {})
        y = y2
    return [y]


# ---------------------------------------------------------------- pooling, shapes

def _pool2d(ctx, call, x, opcode, pool, strides, padding, name):
    b = ctx.b
    n, h, w, c = b.shape(x)
    oh = _out_size(h, pool[0], strides[0], 1, padding)
    ow = _out_size(w, pool[1], strides[1], 1, padding)
    y = b.activation(name, [n, oh, ow, c], batched=_batched(b, x))
    b.op(opcode, [x], [y], "Pool2DOptions",
         {"padding": _padding_enum(ctx, call, padding), "stride_w": strides[1], "stride_h": strides[0],
          "filter_width": pool[1], "filter_height": pool[0]})
    return y


def _lower_pool2d(opcode):
    def lower(ctx, call, ins):
        _check_channels_last(ctx, call)
        cfg = call.config
        pool = _pair(cfg.get("pool_size", 2))
        strides = _pair(cfg.get("strides")) if cfg.get("strides") is not None else pool
        return [_pool2d(ctx, call, ins[0], opcode, pool, strides, cfg.get("padding", "valid"), call.name)]
    return lower


def _lower_pool1d(opcode):
    def lower(ctx, call, ins):
        _check_channels_last(ctx, call)
        cfg = call.config
        pool = _pair(cfg.get("pool_size", 2))[0]
        stride = _pair(cfg.get("strides"))[0] if cfg.get("strides") is not None else pool
        x = _expand_1d(ctx, call, ins[0])
        y = _pool2d(ctx, call, x, opcode, (1, pool), (1, stride), cfg.get("padding", "valid"), call.name + "/pool2d")
        return [_squeeze_1d(ctx, call, y, call.name)]
    return lower


def _lower_global_pool(opcode, rank):
    def lower(ctx, call, ins):
        _check_channels_last(ctx, call)
        b = ctx.b
        x = ins[0]
        shape = b.shape(x)
        axes = list(range(1, rank + 1))
        keep = bool(call.config.get("keepdims", False))
        out = [1 if d in axes else s for d, s in enumerate(shape)] if keep else [s for d, s in enumerate(shape) if d not in axes]
        red = b.constant(call.name + "/axes", np.array(axes, np.int32))
        y = b.activation(call.name, out, batched=_batched(b, x))
        b.op(opcode, [x, red], [y], "ReducerOptions", {"keep_dims": keep})
        return [y]
    return lower


def _reshape(ctx, x, new_shape, name):
    b = ctx.b
    batched = _batched(b, x)
    shape_c = b.constant(name + "/shape", np.array([-1 if batched else new_shape[0]] + list(new_shape[1:]), np.int32))
    y = b.activation(name, new_shape, batched=batched)
    b.op("RESHAPE", [x, shape_c], [y])
    return y


def lower_flatten(ctx, call, ins):
    shape = ctx.b.shape(ins[0])
    if len(shape) == 2:
        return [ins[0]]
    return [_reshape(ctx, ins[0], [shape[0], int(np.prod(shape[1:]))], call.name)]


def lower_reshape(ctx, call, ins):
    shape = ctx.b.shape(ins[0])
    target = [int(d) for d in call.config["target_shape"]]
    total = int(np.prod(shape[1:]))
    if -1 in target:
        known = int(np.prod([d for d in target if d != -1]))
        target[target.index(-1)] = total // known
    if int(np.prod(target)) != total:
        raise ValueError(f"{ctx.label(call)}: cannot reshape {shape[1:]} to {call.config['target_shape']}")
    return [_reshape(ctx, ins[0], [shape[0]] + target, call.name)]


def lower_permute(ctx, call, ins):
    b = ctx.b
    shape = b.shape(ins[0])
    perm = [0] + [int(d) for d in call.config["dims"]]
    p = b.constant(call.name + "/perm", np.array(perm, np.int32))
    y = b.activation(call.name, [shape[d] for d in perm], batched=_batched(b, ins[0]))
    b.op("TRANSPOSE", [ins[0], p], [y])
    return [y]


def lower_repeat_vector(ctx, call, ins):
    b = ctx.b
    n, f = b.shape(ins[0])
    reps = int(call.config["n"])
    x = _reshape(ctx, ins[0], [n, 1, f], call.name + "/expanded")
    y = b.activation(call.name, [n, reps, f], batched=_batched(b, ins[0]))
    b.op("CONCATENATION", [x] * reps, [y], "ConcatenationOptions", {"axis": 1})
    return [y]


def _pads(v, rank):
    """Keras padding/cropping arguments as one (before, after) pair per spatial dimension."""
    if isinstance(v, int):
        return [(v, v)] * rank
    if rank == 1 and len(v) == 2 and all(isinstance(p, int) for p in v):
        return [tuple(v)]  # 1-D layers take (before, after) directly
    out = []
    for p in v:
        out.append((p, p) if isinstance(p, int) else tuple(p))
    return out


def _lower_zero_padding(rank):
    def lower(ctx, call, ins):
        _check_channels_last(ctx, call)
        b = ctx.b
        shape = b.shape(ins[0])
        pads = _pads(call.config.get("padding", 1), rank)
        full = [(0, 0)] + pads + [(0, 0)]
        p = b.constant(call.name + "/paddings", np.array(full, np.int32))
        y = b.activation(call.name, [s + a + c for s, (a, c) in zip(shape, full)], batched=_batched(b, ins[0]))
        b.op("PAD", [ins[0], p], [y], "PadOptions", {})
        return [y]
    return lower


def _slice(ctx, x, begin, end, name):
    b = ctx.b
    shape = b.shape(x)
    tb = b.constant(name + "/begin", np.array(begin, np.int32))
    te = b.constant(name + "/end", np.array(end, np.int32))
    ts = b.constant(name + "/strides", np.ones(len(begin), np.int32))
    y = b.activation(name, [e - s if d else shape[0] for d, (s, e) in enumerate(zip(begin, end))],
                     batched=_batched(b, x))
    b.op("STRIDED_SLICE", [x, tb, te, ts], [y], "StridedSliceOptions", {"begin_mask": 1, "end_mask": 1})
    return y


def _lower_cropping(rank):
    def lower(ctx, call, ins):
        _check_channels_last(ctx, call)
        shape = ctx.b.shape(ins[0])
        crops = _pads(call.config.get("cropping", 1), rank)
        begin = [0] + [a for a, _ in crops] + [0]
        end = [shape[0]] + [shape[d + 1] - c for d, (_, c) in enumerate(crops)] + [shape[-1]]
        return [_slice(ctx, ins[0], begin, end, call.name)]
    return lower


def lower_center_crop(ctx, call, ins):
    shape = ctx.b.shape(ins[0])
    h, w = int(call.config["height"]), int(call.config["width"])
    if h > shape[1] or w > shape[2]:
        raise NotImplementedError(f"{ctx.label(call)}: cropping to a size larger than the input")
    top, left = (shape[1] - h) // 2, (shape[2] - w) // 2
    return [_slice(ctx, ins[0], [0, top, left, 0], [shape[0], top + h, left + w, shape[3]], call.name)]


def _resize(ctx, call, x, size, interpolation, half_pixel, name):
    b = ctx.b
    n, _, _, c = b.shape(x)
    size_c = b.constant(name + "/size", np.array(size, np.int32))
    y = b.activation(name, [n, size[0], size[1], c], batched=_batched(b, x))
    if interpolation == "nearest":
        b.op("RESIZE_NEAREST_NEIGHBOR", [x, size_c], [y], "ResizeNearestNeighborOptions",
             {"half_pixel_centers": half_pixel}, version=3 if half_pixel else 1)
    elif interpolation == "bilinear":
        b.op("RESIZE_BILINEAR", [x, size_c], [y], "ResizeBilinearOptions", {"half_pixel_centers": half_pixel},
             version=3 if half_pixel else 1)
    else:
        raise NotImplementedError(f"{ctx.label(call)}: interpolation='{interpolation}' (nearest and bilinear are supported)")
    return y


def lower_up_sampling2d(ctx, call, ins):
    _check_channels_last(ctx, call)
    shape = ctx.b.shape(ins[0])
    sh, sw = _pair(call.config.get("size", 2))
    interp = call.config.get("interpolation", "nearest")
    return [_resize(ctx, call, ins[0], [shape[1] * sh, shape[2] * sw], interp, interp == "bilinear", call.name)]


def lower_up_sampling1d(ctx, call, ins):
    n, length, c = ctx.b.shape(ins[0])
    s = int(call.config.get("size", 2))
    x = _reshape(ctx, ins[0], [n, length, 1, c], call.name + "/as2d")
    y = _resize(ctx, call, x, [length * s, 1], "nearest", False, call.name + "/resized")
    return [_reshape(ctx, y, [n, length * s, c], call.name)]


def lower_resizing(ctx, call, ins):
    cfg = call.config
    if cfg.get("crop_to_aspect_ratio") or cfg.get("pad_to_aspect_ratio"):
        raise NotImplementedError(f"{ctx.label(call)}: crop/pad to aspect ratio")
    return [_resize(ctx, call, ins[0], [int(cfg["height"]), int(cfg["width"])], cfg.get("interpolation", "bilinear"),
                    True, call.name)]


def lower_rescaling(ctx, call, ins):
    from .keras_activations import _binary_const
    b = ctx.b
    scale, offset = call.config.get("scale", 1.0), call.config.get("offset", 0.0)
    x = ins[0]
    if np.any(np.asarray(scale) != 1.0):
        x = _binary_const(b, "MUL", x, np.asarray(scale, np.float32), call.name + ("/scale" if np.any(np.asarray(offset) != 0) else ""))
    if np.any(np.asarray(offset) != 0):
        x = _binary_const(b, "ADD", x, np.asarray(offset, np.float32), call.name)
    return [x]


def lower_normalization(ctx, call, ins):
    from .keras_activations import _binary_const
    b = ctx.b
    cfg = call.config
    shape = b.shape(ins[0])
    axis = cfg.get("axis", -1)
    axes = [axis] if isinstance(axis, int) else list(axis or [])
    bshape = [1] * (len(shape) - 1)
    for a in axes:
        bshape[(a % len(shape)) - 1] = shape[a]
    if cfg.get("mean") is not None and cfg.get("variance") is not None:
        mean = np.asarray(cfg["mean"], np.float32)
        var = np.asarray(cfg["variance"], np.float32)
    else:
        n = len(ctx.source.layer_weights(call.weight_path))
        if n < 2:
            raise KerasFileError(f"{ctx.label(call)}: the mean and variance are missing (was the layer adapted?)")
        mean, var = ctx.weights(call, [None] * min(n, 3))[:2]  # mean, variance and (Keras 2/3) count
    channels = int(np.prod(bshape))
    for what, v in (("mean", mean), ("variance", var)):
        if v.size not in (1, channels):
            raise KerasFileError(f"{ctx.label(call)}: the {what} has {v.size} values, expected {channels}")
    if np.any(var < 0):
        raise KerasFileError(f"{ctx.label(call)}: the variance has negative values")
    mean = (mean.reshape(bshape) if mean.size > 1 else mean.reshape(())).astype(np.float32)
    var = (var.reshape(bshape) if var.size > 1 else var.reshape(())).astype(np.float32)
    std = np.maximum(np.sqrt(var), np.float32(1e-7)).astype(np.float32)
    if cfg.get("invert", False):
        t = _binary_const(b, "MUL", ins[0], std, call.name + "/scale")
        return [_binary_const(b, "ADD", t, mean, call.name)]
    t = _binary_const(b, "SUB", ins[0], mean, call.name + "/center")
    return [_binary_const(b, "MUL", t, (np.float32(1.0) / std).astype(np.float32), call.name)]


# ---------------------------------------------------------------- activations and merges

def lower_activation(ctx, call, ins):
    return [apply_activation(ctx.b, ins[0], call.config.get("activation"), call.name, ctx.can_fuse(call),
                             ctx.label(call), ctx.keras3)]


def lower_relu(ctx, call, ins):
    from .keras_activations import _binary_const, _unary  # noqa: F401
    cfg = call.config
    b = ctx.b
    max_value = cfg.get("max_value")
    slope = float(cfg.get("negative_slope", cfg.get("alpha", 0.0)) or 0.0)
    threshold = float(cfg.get("threshold", 0.0) or 0.0)
    x = ins[0]
    if threshold != 0.0:
        # x if x >= threshold else slope·(x − threshold); then at most max_value.
        t = b.constant(call.name + "/threshold", np.float32(threshold))
        keep = b.activation(call.name + "/above", b.shape(x), dtype="bool", batched=_batched(b, x))
        b.op("GREATER_EQUAL", [x, t], [keep], "GreaterEqualOptions", {})
        below = _binary_const(b, "SUB", x, threshold, call.name + "/shifted")
        below = _binary_const(b, "MUL", below, slope, call.name + "/below")
        y = b.activation(call.name + ("/select" if max_value is not None else ""), b.shape(x), batched=_batched(b, x))
        b.op("SELECT_V2", [keep, x, below], [y], "SelectV2Options", {})
        return [_binary_const(b, "MINIMUM", y, float(max_value), call.name) if max_value is not None else y]
    if slope == 0.0 and max_value is None:
        return [apply_activation(b, x, "relu", call.name, ctx.can_fuse(call), ctx.label(call))]
    if slope == 0.0 and float(max_value) == 6.0:
        return [apply_activation(b, x, "relu6", call.name, ctx.can_fuse(call), ctx.label(call))]
    if slope == 0.0:
        t = _unary(b, "RELU", x, call.name + "/relu")
        return [_binary_const(b, "MINIMUM", t, float(max_value), call.name)]
    t = _unary(b, "LEAKY_RELU", x, call.name + ("/leaky" if max_value is not None else ""), "LeakyReluOptions",
               {"alpha": slope})
    if max_value is not None:
        t = _binary_const(b, "MINIMUM", t, float(max_value), call.name)
    return [t]


def lower_leaky_relu(ctx, call, ins):
    from .keras_activations import _unary
    alpha = call.config.get("negative_slope", call.config.get("alpha", 0.3 if not ctx.keras3 else 0.2))
    return [_unary(ctx.b, "LEAKY_RELU", ins[0], call.name, "LeakyReluOptions", {"alpha": float(alpha)})]


def lower_prelu(ctx, call, ins):
    b = ctx.b
    shape = b.shape(ins[0])
    alpha_shape = list(shape[1:])
    for a in call.config.get("shared_axes") or []:
        alpha_shape[a - 1] = 1
    (alpha,) = ctx.weights(call, [alpha_shape])
    a = b.constant(call.name + "/alpha", alpha)
    y = b.activation(call.name, shape, batched=_batched(b, ins[0]))
    b.op("PRELU", [ins[0], a], [y])
    return [y]


def lower_elu(ctx, call, ins):
    return [elu(ctx.b, ins[0], call.name, float(call.config.get("alpha", 1.0)))]


def lower_softmax(ctx, call, ins):
    b = ctx.b
    axis = call.config.get("axis", -1)
    axis = axis[0] if isinstance(axis, (list, tuple)) and len(axis) == 1 else axis
    rank = len(b.shape(ins[0]))
    if isinstance(axis, (list, tuple)):
        raise NotImplementedError(f"{ctx.label(call)}: softmax over several axes {axis}")
    axis %= rank
    if axis == rank - 1:
        return [apply_activation(b, ins[0], "softmax", call.name, False, ctx.label(call))]
    # TFLite's SOFTMAX works on the last axis: move the axis there and back.
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    shape = b.shape(ins[0])
    moved = [shape[p] for p in perm]
    p = b.constant(call.name + "/perm", np.array(perm, np.int32))
    t = b.activation(call.name + "/to_last", moved, batched=_batched(b, ins[0]))
    b.op("TRANSPOSE", [ins[0], p], [t])
    s = apply_activation(b, t, "softmax", call.name + "/softmax", False, ctx.label(call))
    y = b.activation(call.name, shape, batched=_batched(b, ins[0]))
    b.op("TRANSPOSE", [s, p], [y])
    return [y]


def _merge(opcode, options_type):
    def lower(ctx, call, ins):
        b = ctx.b
        if len(ins) < 2:
            raise ValueError(f"{ctx.label(call)}: needs at least two inputs")
        t = ins[0]
        for k, other in enumerate(ins[1:]):
            shape = list(np.broadcast_shapes(tuple(b.shape(t)), tuple(b.shape(other))))
            last = k == len(ins) - 2
            y = b.activation(call.name if last else f"{call.name}/partial_{k}", shape,
                             batched=_batched(b, t) or _batched(b, other))
            b.op(opcode, [t, other], [y], options_type, {})
            t = y
        return [t]
    return lower


def lower_average(ctx, call, ins):
    from .keras_activations import _binary_const
    total = _merge("ADD", "AddOptions")(ctx, type(call)(call.name + "/sum", call.class_name, call.config,
                                                         call.weight_path, call.inputs, call.outputs), ins)[0]
    return [_binary_const(ctx.b, "MUL", total, 1.0 / len(ins), call.name)]


def lower_concatenate(ctx, call, ins):
    b = ctx.b
    rank = len(b.shape(ins[0]))
    keras_axis = int(call.config.get("axis", -1))
    axis = keras_axis % rank
    shape = b.shape(ins[0])
    shape[axis] = sum(b.shape(t)[axis] for t in ins)
    y = b.activation(call.name, shape, batched=any(_batched(b, t) for t in ins))
    # The axis is written as Keras gives it (e.g. -1), as TensorFlow's converter does.
    b.op("CONCATENATION", list(ins), [y], "ConcatenationOptions", {"axis": keras_axis})
    return [y]


def _identity(ctx, call, ins):
    return [ins[0]]


# ---------------------------------------------------------------- keras.applications' own layers

def lower_layer_scale(ctx, call, ins):
    """ConvNeXt's LayerScale: x · gamma, one learned factor per channel."""
    from .keras_activations import _binary_const
    dim = int(call.config["projection_dim"])
    if ctx.b.shape(ins[0])[-1] != dim:
        raise ValueError(f"{ctx.label(call)}: input has {ctx.b.shape(ins[0])[-1]} channels, projection_dim is {dim}")
    (gamma,) = ctx.weights(call, [[dim]])
    return [_binary_const(ctx.b, "MUL", ins[0], gamma, call.name)]


def lower_custom_scale_layer(ctx, call, ins):
    """InceptionResNetV2's CustomScaleLayer: inputs[0] + inputs[1] · scale."""
    from .keras_activations import _binary, _binary_const
    if len(ins) != 2:
        raise ValueError(f"{ctx.label(call)}: needs two inputs, got {len(ins)}")
    t = _binary_const(ctx.b, "MUL", ins[1], float(call.config["scale"]), call.name + "/scaled")
    return [_binary(ctx.b, "ADD", ins[0], t, call.name)]


LOWERINGS = {
    "Conv2D": lower_conv2d, "Convolution2D": lower_conv2d,
    "Conv1D": lower_conv1d, "Convolution1D": lower_conv1d,
    "DepthwiseConv2D": lower_depthwise_conv2d, "DepthwiseConv1D": lower_depthwise_conv1d,
    "SeparableConv2D": lower_separable_conv2d, "SeparableConvolution2D": lower_separable_conv2d,
    "SeparableConv1D": lower_separable_conv1d, "SeparableConvolution1D": lower_separable_conv1d,
    "Conv2DTranspose": lower_conv2d_transpose, "Convolution2DTranspose": lower_conv2d_transpose,
    "Dense": lower_dense,
    "BatchNormalization": lower_batch_normalization, "LayerNormalization": lower_layer_normalization,
    "MaxPooling2D": _lower_pool2d("MAX_POOL_2D"), "MaxPool2D": _lower_pool2d("MAX_POOL_2D"),
    "AveragePooling2D": _lower_pool2d("AVERAGE_POOL_2D"), "AvgPool2D": _lower_pool2d("AVERAGE_POOL_2D"),
    "MaxPooling1D": _lower_pool1d("MAX_POOL_2D"), "MaxPool1D": _lower_pool1d("MAX_POOL_2D"),
    "AveragePooling1D": _lower_pool1d("AVERAGE_POOL_2D"), "AvgPool1D": _lower_pool1d("AVERAGE_POOL_2D"),
    "GlobalAveragePooling2D": _lower_global_pool("MEAN", 2), "GlobalAvgPool2D": _lower_global_pool("MEAN", 2),
    "GlobalAveragePooling1D": _lower_global_pool("MEAN", 1), "GlobalAvgPool1D": _lower_global_pool("MEAN", 1),
    "GlobalMaxPooling2D": _lower_global_pool("REDUCE_MAX", 2), "GlobalMaxPool2D": _lower_global_pool("REDUCE_MAX", 2),
    "GlobalMaxPooling1D": _lower_global_pool("REDUCE_MAX", 1), "GlobalMaxPool1D": _lower_global_pool("REDUCE_MAX", 1),
    "Flatten": lower_flatten, "Reshape": lower_reshape, "Permute": lower_permute, "RepeatVector": lower_repeat_vector,
    "ZeroPadding2D": _lower_zero_padding(2), "ZeroPadding1D": _lower_zero_padding(1),
    "Cropping2D": _lower_cropping(2), "Cropping1D": _lower_cropping(1), "CenterCrop": lower_center_crop,
    "UpSampling2D": lower_up_sampling2d, "UpSampling1D": lower_up_sampling1d, "Resizing": lower_resizing,
    "Rescaling": lower_rescaling, "Normalization": lower_normalization,
    "Activation": lower_activation, "ReLU": lower_relu, "LeakyReLU": lower_leaky_relu, "PReLU": lower_prelu,
    "ELU": lower_elu, "Softmax": lower_softmax,
    "Add": _merge("ADD", "AddOptions"), "Subtract": _merge("SUB", "SubOptions"),
    "Multiply": _merge("MUL", "MulOptions"), "Maximum": _merge("MAXIMUM", "MaximumMinimumOptions"),
    "Minimum": _merge("MINIMUM", "MaximumMinimumOptions"), "Average": lower_average,
    "Concatenate": lower_concatenate,
    "LayerScale": lower_layer_scale, "CustomScaleLayer": lower_custom_scale_layer,
}
LOWERINGS.update({name: _identity for name in REMOVED_LAYERS})
LOWERINGS.update(OPERATION_LOWERINGS)
LOWERINGS.update(RECURRENT_LOWERINGS)

SUPPORTED_LAYERS = sorted(set(LOWERINGS) | {"InputLayer"})
__all__ += ["SUPPORTED_LAYERS", "SUPPORTED_ACTIVATIONS", "activation_name"]
