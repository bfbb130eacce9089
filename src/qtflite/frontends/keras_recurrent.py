"""Recurrent layers in the lowering table. LSTM becomes TFLite's fused UNIDIRECTIONAL_SEQUENCE_LSTM
(what TensorFlow writes for Keras 2 LSTM layers; for Keras 3 it writes WHILE loops instead),
which TFLite Micro and LiteRT both run. go_backwards reverses the input with REVERSE_V2 (the
output stays in processing order, as Keras returns it); Bidirectional is two such layers, the
backward one's sequence reversed back, then merged (concat, sum, mul, ave) as TensorFlow
writes it for tf.keras.

GRU and SimpleRNN are unrolled: the step's operators (FULLY_CONNECTED, ADD, MUL, SUB,
LOGISTIC, TANH) repeated per time step on STRIDED_SLICE'd inputs, as TensorFlow writes
`unroll=True`. Not UNIDIRECTIONAL_SEQUENCE_RNN: LiteRT runs it but TFLite Micro registers no
kernel for it (nor any GRU operator), and the unrolled form runs everywhere and quantizes as
ordinary operators. Unrolled layers keep no state between invokes, so stateful GRU/SimpleRNN
are refused (TFLite would need resource variables); a stateful LSTM keeps h and c in the
operator's variable tensors.

The operator keeps h and c in two variable tensors of shape [1, units] (TFLite's is_variable):
the state carries over from one invoke to the next, as in files TensorFlow writes; a stateless
Keras layer equals a run from reset variables (Interpreter.reset_all_variables()), and the
[1, units] state fixes the batch at 1, as in TensorFlow's files.

Keras stores kernel [in, 4·units], recurrent_kernel [units, 4·units] and bias [4·units], gate
blocks in the order i, f, c, o, which is TFLite's input order; each block is transposed to
TFLite's [units, in] layout."""
from __future__ import annotations

import numpy as np

from ..errors import KerasFileError

__all__ = ["RECURRENT_LOWERINGS"]

# Keras activation -> the operator's fused activation (the cell gate's and the one on c).
_LSTM_ACTIVATIONS = {"tanh": 4}


def _batched(b, t):
    return b.tensors[t]["shape_signature"] is not None


def _unsupported(ctx, call, what):
    raise NotImplementedError(f"{ctx.label(call)}: {what} is not supported yet")


def _time_axis(cfg):
    return 0 if cfg.get("time_major") else 1  # time_major: Keras 2 only


def _reverse_time(b, x, axis, name):
    """x reversed along time (REVERSE_V2, as TensorFlow writes a backward layer's input)."""
    y = b.activation(name, b.shape(x), batched=_batched(b, x))
    b.op("REVERSE_V2", [x, b.constant(name + "/axis", np.array([axis], np.int32))], [y], "ReverseV2Options", {})
    return y


def _time_step(b, y, axis, t, name):
    """y's time step t with the time axis removed (y[:, t, :], or y[t] when time major), by
    STRIDED_SLICE as TensorFlow slices it."""
    shape = b.shape(y)
    begin = [0, 0, 0]
    begin[axis] = t
    end = [0, 0, 0]
    end[axis] = t + 1
    mask = 0b111 & ~(1 << axis)
    tb = b.constant(name + "/begin", np.array(begin, np.int32))
    te = b.constant(name + "/end", np.array(end if t != -1 else [0, 0, 0], np.int32))  # shrink: end unused
    ts = b.constant(name + "/strides", np.ones(3, np.int32))
    out_shape = [d for k, d in enumerate(shape) if k != axis]
    out = b.activation(name, out_shape, batched=_batched(b, y) and axis != 0)
    b.op("STRIDED_SLICE", [y, tb, te, ts], [out], "StridedSliceOptions",
         {"begin_mask": mask, "end_mask": mask, "shrink_axis_mask": 1 << axis})
    return out


def _check_input(ctx, call, x):
    shape = ctx.b.shape(x)
    if len(shape) != 3:  # [batch, time, features] (or time-major)
        raise KerasFileError(f"{ctx.label(call)}: a {call.class_name} needs a 3-D input (batch, time, features), "
                             f"got shape {list(shape)}")
    return shape


def _check_common(ctx, call, cfg, stateful_ok):
    if cfg.get("return_state"):
        _unsupported(ctx, call, "return_state=True")
    if cfg.get("stateful") and not stateful_ok:
        _unsupported(ctx, call, "stateful=True for an unrolled layer (its state would need TFLite resource "
                                "variables)")


# ---------------------------------------------------------------- LSTM

def _lstm_shapes(cfg, n_in):
    units = int(cfg["units"])
    return [[n_in, 4 * units], [units, 4 * units]] + ([[4 * units]] if cfg.get("use_bias", True) else [])


def _lstm_sequence(ctx, call, cfg, x, ws, name):
    """The UNIDIRECTIONAL_SEQUENCE_LSTM's output sequence, in processing order."""
    b = ctx.b
    shape = b.shape(x)
    units = int(cfg["units"])
    activation = cfg.get("activation", "tanh")
    if activation not in _LSTM_ACTIVATIONS:
        _unsupported(ctx, call, f"activation='{activation}' (TFLite Micro's LSTM computes tanh)")
    if cfg.get("recurrent_activation", "sigmoid") != "sigmoid":
        _unsupported(ctx, call, f"recurrent_activation='{cfg.get('recurrent_activation')}' (the operator's gates "
                                "are sigmoid)")
    if cfg.get("stateful") and shape[0] != 1:
        _unsupported(ctx, call, f"stateful=True with batch size {shape[0]} (the operator's state is [1, units])")
    time_major = bool(cfg.get("time_major", False))
    if cfg.get("go_backwards"):
        x = _reverse_time(b, x, _time_axis(cfg), name + "/reverse_input")
    kernel, recurrent = ws[0], ws[1]
    bias = ws[2] if len(ws) > 2 else np.zeros(4 * units, np.float32)
    inputs = [x]
    gates = ("input", "forget", "cell", "output")
    for g, gate in enumerate(gates):
        block = slice(g * units, (g + 1) * units)
        inputs.append(b.constant(f"{name}/{gate}_kernel", np.ascontiguousarray(kernel[:, block].T, np.float32)))
    inputs += [b.constant(f"{name}/{gate}_recurrent_kernel",
                          np.ascontiguousarray(recurrent[:, g * units:(g + 1) * units].T, np.float32))
               for g, gate in enumerate(gates)]
    inputs += [-1, -1, -1]  # no peephole
    inputs += [b.constant(f"{name}/{gate}_bias", np.asarray(bias[g * units:(g + 1) * units], np.float32))
               for g, gate in enumerate(gates)]
    inputs += [-1, -1]  # no projection
    for state in ("output_state", "cell_state"):
        t = b.activation(f"{name}/{state}", [1, units], batched=False)
        b.tensors[t]["is_variable"] = True
        inputs.append(t)
    inputs += [-1, -1, -1, -1]  # no layer normalization
    y = b.activation(name + "/sequence", shape[:-1] + [units], batched=_batched(b, x))
    b.op("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, [y], "UnidirectionalSequenceLSTMOptions",
         {"fused_activation_function": _LSTM_ACTIVATIONS[activation], "cell_clip": 0.0, "proj_clip": 0.0,
          "time_major": time_major, "asymmetric_quantize_inputs": False})
    return y


# ---------------------------------------------------------------- unrolled GRU and SimpleRNN

_UNARY = {"tanh": "TANH", "sigmoid": "LOGISTIC", "relu": "RELU"}


def _unary(ctx, call, b, x, act, name):
    op = _UNARY.get(act)
    if op is None:
        _unsupported(ctx, call, f"activation '{act}' in a recurrent step")
    y = b.activation(name, b.shape(x), batched=_batched(b, x))
    b.op(op, [x], [y])
    return y


def _binary(b, opcode, x, y, name, options_type):
    shape = b.shape(x) if len(b.shape(x)) >= len(b.shape(y)) else b.shape(y)
    out = b.activation(name, shape, batched=_batched(b, x) or _batched(b, y))
    b.op(opcode, [x, y], [out], options_type, {"fused_activation_function": 0})
    return out


def _add(b, x, y, name):
    return _binary(b, "ADD", x, y, name, "AddOptions")


def _mul(b, x, y, name):
    return _binary(b, "MUL", x, y, name, "MulOptions")


def _sub(b, x, y, name):
    return _binary(b, "SUB", x, y, name, "SubOptions")


def _dense(b, x, weights_out_in, bias, name):
    """FULLY_CONNECTED x·Wᵀ + bias (bias None: no bias input)."""
    w = b.constant(name + "/weights", np.ascontiguousarray(weights_out_in, np.float32))
    bt = -1 if bias is None else b.constant(name + "/bias", np.asarray(bias, np.float32))
    out = b.activation(name, [b.shape(x)[0], weights_out_in.shape[0]], batched=_batched(b, x))
    b.op("FULLY_CONNECTED", [x, w, bt], [out], "FullyConnectedOptions",
         {"fused_activation_function": 0, "weights_format": 0, "keep_num_dims": False,
          "asymmetric_quantize_inputs": False})
    return out


def _unrolled(ctx, call, cfg, x, name, step):
    """Runs step(x_t, h, t) -> h per time step from h = 0 (None); returns the states in
    processing order."""
    b = ctx.b
    if cfg.get("time_major"):
        _unsupported(ctx, call, "time_major=True")
    steps = b.shape(x)[1]
    order = range(steps - 1, -1, -1) if cfg.get("go_backwards") else range(steps)
    h, hs = None, []
    for k, t in enumerate(order):
        x_t = _time_step(b, x, 1, t, f"{name}/step{k}/input")
        h = step(x_t, h, f"{name}/step{k}")
        hs.append(h)
    return hs


def _pack(b, hs, name):
    shape = b.shape(hs[0])
    y = b.activation(name, [shape[0], len(hs)] + shape[1:], batched=_batched(b, hs[0]))
    b.op("PACK", hs, [y], "PackOptions", {"values_count": len(hs), "axis": 1})
    return y


def _simple_rnn_shapes(cfg, n_in):
    units = int(cfg["units"])
    return [[n_in, units], [units, units]] + ([[units]] if cfg.get("use_bias", True) else [])


def _simple_rnn_states(ctx, call, cfg, x, ws, name):
    b = ctx.b
    act = cfg.get("activation", "tanh")
    kernel_t, recurrent_t = ws[0].T, ws[1].T
    bias = ws[2] if len(ws) > 2 else None

    def step(x_t, h, sname):
        z = _dense(b, x_t, kernel_t, bias, sname + "/x_kernel")
        if h is not None:  # h = 0 at the first step: h·U vanishes
            z = _add(b, z, _dense(b, h, recurrent_t, None, sname + "/recurrent"), sname + "/sum")
        return _unary(ctx, call, b, z, act, sname + "/h")

    return _unrolled(ctx, call, cfg, x, name, step)


def _gru_shapes(cfg, n_in):
    units = int(cfg["units"])
    reset_after = cfg.get("reset_after", True)
    bias = [[2, 3 * units] if reset_after else [3 * units]] if cfg.get("use_bias", True) else []
    return [[n_in, 3 * units], [units, 3 * units]] + bias


def _gru_states(ctx, call, cfg, x, ws, name):
    """Keras' GRU cell, gates z, r, h in the kernels' column blocks:
    z = σ(x·Wz + bz + h·Uz + rbz), r = σ(x·Wr + br + h·Ur + rbr),
    ĥ = act(x·Wh + bh + r ⊙ (h·Uh + rbh))   (reset_after; else act(x·Wh + bh + (r ⊙ h)·Uh)),
    h' = z ⊙ h + (1 − z) ⊙ ĥ, computed as ĥ + z ⊙ (h − ĥ)."""
    b = ctx.b
    units = int(cfg["units"])
    act, rec_act = cfg.get("activation", "tanh"), cfg.get("recurrent_activation", "sigmoid")
    reset_after = cfg.get("reset_after", True)
    kernel, recurrent = ws[0], ws[1]
    if len(ws) > 2:
        bias = ws[2] if reset_after else np.stack([ws[2], np.zeros_like(ws[2])])
    else:
        bias = np.zeros((2, 3 * units), np.float32)
    blk = [slice(g * units, (g + 1) * units) for g in range(3)]
    W = [kernel[:, s].T for s in blk]
    U = [recurrent[:, s].T for s in blk]
    bi = [bias[0][s] for s in blk]
    br = [bias[1][s] for s in blk]

    def step(x_t, h, sname):
        xs = [_dense(b, x_t, W[g], bi[g], f"{sname}/x{g}")
              for g in range(3)]
        gates = []
        for g, gname in ((0, "z"), (1, "r")):
            if h is None:  # h = 0: h·U + rb is the recurrent bias
                pre = _add(b, xs[g], b.constant(f"{sname}/{gname}_rbias", br[g]), f"{sname}/{gname}_pre")
            else:
                pre = _add(b, xs[g], _dense(b, h, U[g], br[g], f"{sname}/h{g}"), f"{sname}/{gname}_pre")
            gates.append(_unary(ctx, call, b, pre, rec_act, f"{sname}/{gname}"))
        z, r = gates
        if h is None:
            rec = _mul(b, r, b.constant(f"{sname}/h_rbias", br[2]), f"{sname}/r_rec") if reset_after else None
        elif reset_after:
            rec = _mul(b, r, _dense(b, h, U[2], br[2], f"{sname}/h2"), f"{sname}/r_rec")
        else:
            rec = _dense(b, _mul(b, r, h, f"{sname}/r_h"), U[2], None, f"{sname}/h2")
        pre = xs[2] if rec is None else _add(b, xs[2], rec, f"{sname}/hh_pre")
        hh = _unary(ctx, call, b, pre, act, f"{sname}/hh")
        if h is None:  # h' = ĥ − z ⊙ ĥ
            return _sub(b, hh, _mul(b, z, hh, f"{sname}/z_hh"), f"{sname}/h")
        return _add(b, hh, _mul(b, z, _sub(b, h, hh, f"{sname}/h_minus_hh"), f"{sname}/z_diff"), f"{sname}/h")

    return _unrolled(ctx, call, cfg, x, name, step)


# ---------------------------------------------------------------- lowerings

# class -> (weight shapes from (config, input features), whether stateful is possible,
#           builder returning the fused sequence or the list of unrolled states)
_KINDS = {
    "LSTM": (_lstm_shapes, True, _lstm_sequence),
    "GRU": (_gru_shapes, False, _gru_states),
    "SimpleRNN": (_simple_rnn_shapes, False, _simple_rnn_states),
}


def _run(ctx, call, class_name, cfg, x, ws, name):
    """The layer's outputs in processing order (the fused form's sequence tensor, or the
    unrolled form's list of states) and the time axis."""
    return _KINDS[class_name][2](ctx, call, cfg, x, ws, name), _time_axis(cfg)


def _sequence(b, out, name):
    """The whole output sequence: the fused operator's output, or the unrolled states packed."""
    return _pack(b, out, name) if isinstance(out, list) else out


def _last(b, out, axis, name):
    """The last processed step's output."""
    return out[-1] if isinstance(out, list) else _time_step(b, out, axis, -1, name)


def lower_recurrent(ctx, call, ins):
    cfg = call.config
    x = ins[0]
    shape = _check_input(ctx, call, x)
    shapes, stateful_ok, _ = _KINDS[call.class_name]
    _check_common(ctx, call, cfg, stateful_ok)
    ws = ctx.weights(call, shapes(cfg, shape[-1]))
    out, axis = _run(ctx, call, call.class_name, cfg, x, ws, call.name)
    if cfg.get("return_sequences"):
        return [_rename(ctx.b, _sequence(ctx.b, out, call.name), call.name)]
    return [_rename(ctx.b, _last(ctx.b, out, axis, call.name + "/last"), call.name)]


def _rename(b, t, name):
    """The layer's output tensor carries the layer's name, as the other lowerings' do."""
    if b.tensors[t]["name"] != name:
        b.tensors[t]["name"] = b._unique(name)
    return t


def _inner(ctx, call, spec, what):
    if not isinstance(spec, dict) or spec.get("class_name") not in _KINDS or not isinstance(spec.get("config"), dict):
        cls = spec.get("class_name") if isinstance(spec, dict) else spec
        _unsupported(ctx, call, f"a {what} of class {cls!r} (LSTM, GRU and SimpleRNN are)")
    return spec["class_name"], spec["config"]


def lower_bidirectional(ctx, call, ins):
    cfg = call.config
    b = ctx.b
    x = ins[0]
    shape = _check_input(ctx, call, x)
    fwd_cls, fwd_cfg = _inner(ctx, call, cfg.get("layer"), "layer")
    if cfg.get("backward_layer") is not None:
        bwd_cls, bwd_cfg = _inner(ctx, call, cfg["backward_layer"], "backward_layer")
    else:  # Keras builds the backward layer as the forward one's copy, go_backwards flipped
        bwd_cls, bwd_cfg = fwd_cls, dict(fwd_cfg, go_backwards=not fwd_cfg.get("go_backwards", False))
    merge = cfg.get("merge_mode", "concat")
    if merge not in ("concat", "sum", "mul", "ave", None):
        _unsupported(ctx, call, f"merge_mode={merge!r}")
    for c, k in ((fwd_cfg, fwd_cls), (bwd_cfg, bwd_cls)):
        _check_common(ctx, call, c, _KINDS[k][1])
    if bool(fwd_cfg.get("return_sequences")) != bool(bwd_cfg.get("return_sequences")):
        raise KerasFileError(f"{ctx.label(call)}: forward and backward layers differ in return_sequences")
    f_shapes = _KINDS[fwd_cls][0](fwd_cfg, shape[-1])
    b_shapes = _KINDS[bwd_cls][0](bwd_cfg, shape[-1])
    ws = ctx.weights(call, f_shapes + b_shapes)
    outs = []
    for (cls, c, w, part) in ((fwd_cls, fwd_cfg, ws[:len(f_shapes)], "forward"),
                              (bwd_cls, bwd_cfg, ws[len(f_shapes):], "backward")):
        name = f"{call.name}/{part}"
        out, axis = _run(ctx, call, cls, c, x, w, name)
        if c.get("return_sequences"):
            y = _sequence(b, out, name + "/sequence_out")
            if c.get("go_backwards"):  # Bidirectional returns the backward sequence in input order
                y = _reverse_time(b, y, axis, name + "/reverse_output")
        else:
            y = _last(b, out, axis, name + "/last")
        outs.append(y)
    f, bw = outs
    if merge is None:
        return outs
    if merge == "concat":
        fs = b.shape(f)
        y = b.activation(call.name, fs[:-1] + [fs[-1] + b.shape(bw)[-1]], batched=_batched(b, f))
        b.op("CONCATENATION", [f, bw], [y], "ConcatenationOptions",
             {"axis": len(fs) - 1, "fused_activation_function": 0})
        return [y]
    if merge == "sum":
        return [_add(b, f, bw, call.name)]
    if merge == "mul":
        return [_mul(b, f, bw, call.name)]
    s = _add(b, f, bw, call.name + "/sum")  # ave: (f + b) / 2; ×0.5 is the same float
    return [_mul(b, s, b.constant(call.name + "/half", np.array(0.5, np.float32)), call.name)]


RECURRENT_LOWERINGS = {"LSTM": lower_recurrent, "GRU": lower_recurrent, "SimpleRNN": lower_recurrent,
                       "Bidirectional": lower_bidirectional}
