"""Recurrent layers in the lowering table. LSTM becomes TFLite's fused UNIDIRECTIONAL_SEQUENCE_LSTM
(what TensorFlow writes for Keras 2 LSTM layers; for Keras 3 it writes WHILE loops instead),
which TFLite Micro and LiteRT both run.

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


def lower_lstm(ctx, call, ins):
    cfg = call.config
    b = ctx.b
    x = ins[0]
    shape = b.shape(x)
    if len(shape) != 3:  # the operator takes [batch, time, features] (or time-major)
        raise KerasFileError(f"{ctx.label(call)}: an LSTM needs a 3-D input (batch, time, features), "
                             f"got shape {list(shape)}")
    units = int(cfg["units"])
    activation = cfg.get("activation", "tanh")
    if activation not in _LSTM_ACTIVATIONS:
        _unsupported(ctx, call, f"activation='{activation}' (TFLite Micro's LSTM computes tanh)")
    if cfg.get("recurrent_activation", "sigmoid") != "sigmoid":
        _unsupported(ctx, call, f"recurrent_activation='{cfg.get('recurrent_activation')}' (the operator's gates "
                                "are sigmoid)")
    for flag in ("go_backwards", "stateful", "return_state"):
        if cfg.get(flag):
            _unsupported(ctx, call, f"{flag}=True")
    time_major = bool(cfg.get("time_major", False))  # Keras 2 only
    n_in = shape[-1]
    use_bias = cfg.get("use_bias", True)
    ws = ctx.weights(call, [[n_in, 4 * units], [units, 4 * units]] + ([[4 * units]] if use_bias else []))
    kernel, recurrent = ws[0], ws[1]
    bias = ws[2] if use_bias else np.zeros(4 * units, np.float32)
    inputs = [x]
    gates = ("input", "forget", "cell", "output")
    for g, gate in enumerate(gates):
        block = slice(g * units, (g + 1) * units)
        inputs.append(b.constant(f"{call.name}/{gate}_kernel", np.ascontiguousarray(kernel[:, block].T, np.float32)))
    weights_recurrent = [b.constant(f"{call.name}/{gate}_recurrent_kernel",
                                    np.ascontiguousarray(recurrent[:, g * units:(g + 1) * units].T, np.float32))
                         for g, gate in enumerate(gates)]
    inputs += weights_recurrent
    inputs += [-1, -1, -1]  # no peephole
    inputs += [b.constant(f"{call.name}/{gate}_bias", np.asarray(bias[g * units:(g + 1) * units], np.float32))
               for g, gate in enumerate(gates)]
    inputs += [-1, -1]  # no projection
    for state in ("output_state", "cell_state"):
        t = b.activation(f"{call.name}/{state}", [1, units], batched=False)
        b.tensors[t]["is_variable"] = True
        inputs.append(t)
    inputs += [-1, -1, -1, -1]  # no layer normalization
    seq_shape = shape[:-1] + [units]
    y = b.activation(call.name + ("" if cfg.get("return_sequences") else "/sequence"), seq_shape,
                     batched=_batched(b, x))
    b.op("UNIDIRECTIONAL_SEQUENCE_LSTM", inputs, [y], "UnidirectionalSequenceLSTMOptions",
         {"fused_activation_function": _LSTM_ACTIVATIONS[activation], "cell_clip": 0.0, "proj_clip": 0.0,
          "time_major": time_major, "asymmetric_quantize_inputs": False})
    if cfg.get("return_sequences"):
        return [y]
    # The last time step: y[:, -1, :] (y[-1] when time major), as TensorFlow slices it.
    axis = 0 if time_major else 1
    begin = [0, 0, 0]
    begin[axis] = -1
    tb = b.constant(call.name + "/last/begin", np.array(begin, np.int32))
    te = b.constant(call.name + "/last/end", np.array([0, 0, 0], np.int32))
    ts = b.constant(call.name + "/last/strides", np.ones(3, np.int32))
    mask = 0b111 & ~(1 << axis)
    out_shape = [d for k, d in enumerate(seq_shape) if k != axis]
    last = b.activation(call.name, out_shape, batched=_batched(b, x) and not time_major)
    b.op("STRIDED_SLICE", [y, tb, te, ts], [last], "StridedSliceOptions",
         {"begin_mask": mask, "end_mask": mask, "shrink_axis_mask": 1 << axis})
    return [last]


RECURRENT_LOWERINGS = {"LSTM": lower_lstm}
