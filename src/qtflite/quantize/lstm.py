"""UNIDIRECTIONAL_SEQUENCE_LSTM in full-integer quantization, laid out as TensorFlow's converter
writes it (TFLite's 8x8→16 scheme, as in the official mnist_lstm int8 files): int8 input and
output, per-tensor symmetric int8 weights, int32 biases at input scale × the gate's input weight
scale, the h state (variable) with the output's parameters, the c state (variable) int16 with a
power-of-two scale from its calibrated range, and five intermediates: four empty float32 ones
(used only with layer normalization) and the effective hidden scale, int8 [0] with the output's
parameters.

The c state's range is not a tensor the interpreter writes per time step, so calibration runs
the float cell here on the LSTM's calibrated input (lstm_cell_ranges). As TensorFlow's
calibrator, which runs the samples one after the other in one interpreter, the state carries
over from each sample to the next (this gives TensorFlow's exact output scales), and c is
clipped at the cell_clip TensorFlow writes for Keras LSTMs (10; inert at the scales it allows
unless |c| passes 10)."""
from __future__ import annotations

import numpy as np

from .arith import quantize_bias, quantize_weights

__all__ = ["LSTM", "lstm_cell_ranges", "cell_state_scale", "quantize_lstm"]

LSTM = "UNIDIRECTIONAL_SEQUENCE_LSTM"
INPUT_WEIGHTS = range(1, 5)       # i, f, c, o
RECURRENT_WEIGHTS = range(5, 9)
BIASES = range(12, 16)
OUTPUT_STATE, CELL_STATE = 18, 19
KERAS_CELL_CLIP = 10.0  # what TensorFlow's converter writes for a Keras LSTM


def _const(tensors, t):
    tt = tensors[t]
    return np.frombuffer(np.asarray(tt["data"], np.uint8).tobytes(), dtype=tt["dtype"]).reshape(tt["shape"])


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def lstm_cell_ranges(graph, values):
    """{cell state tensor: (min, max)} of c over every time step of the float LSTMs in `graph`
    (a model dict's subgraph), given `values`: tensor index -> each LSTM's input over the
    calibration samples, concatenated along the batch axis in the order they ran, the state
    carried from one sample to the next. Refuses what this float cell does not compute."""
    out = {}
    tensors = graph["tensors"]
    for op in graph["operators"]:
        if op["opcode"] != LSTM:
            continue
        ins = op["inputs"]
        opts = op.get("options") or {}
        if any(ins[k] >= 0 for k in (9, 10, 11, 16, 17, 20, 21, 22, 23)) or any(ins[k] < 0 for k in INPUT_WEIGHTS):
            raise NotImplementedError("full-integer quantization of an LSTM with peepholes, projection, layer "
                                      "normalization or CIFG is not supported yet")
        if opts.get("fused_activation_function", 4) != 4:
            raise NotImplementedError("full-integer quantization of an LSTM whose activation is not tanh")
        x = np.asarray(values[ins[0]], np.float64)
        if opts.get("time_major"):  # [N·T, 1, in]
            x = np.swapaxes(x, 0, 1)
        else:  # [N, T, in]: samples one after the other
            x = x.reshape(1, -1, x.shape[-1])
        W = [_const(tensors, ins[k]).astype(np.float64) for k in INPUT_WEIGHTS]
        R = [_const(tensors, ins[k]).astype(np.float64) for k in RECURRENT_WEIGHTS]
        B = [_const(tensors, ins[k]).astype(np.float64) if ins[k] >= 0 else 0.0 for k in BIASES]
        units = W[0].shape[0]
        h = np.zeros((x.shape[0], units))
        c = np.zeros((x.shape[0], units))
        lo, hi = 0.0, 0.0
        for t in range(x.shape[1]):
            pre = [x[:, t] @ W[g].T + h @ R[g].T + B[g] for g in range(4)]
            c = _sigmoid(pre[1]) * c + _sigmoid(pre[0]) * np.tanh(pre[2])
            c = np.clip(c, -KERAS_CELL_CLIP, KERAS_CELL_CLIP)
            h = _sigmoid(pre[3]) * np.tanh(c)
            lo, hi = min(lo, float(c.min())), max(hi, float(c.max()))
        prev = out.get(ins[CELL_STATE], (0.0, 0.0))
        out[ins[CELL_STATE]] = (min(prev[0], lo), max(prev[1], hi))
    return out


def cell_state_scale(rmin, rmax):
    """The int16 c state's scale: 2^pot / 32768 with 2^pot the smallest power of two (pot in
    0..10) covering max(|min|, |max|), as TensorFlow's quantizer chooses it."""
    r = max(abs(rmin), abs(rmax))
    pot = 0
    while pot < 10 and 2.0 ** pot < r:
        pot += 1
    return np.float32(2.0 ** (pot - 15))


def quantize_lstm(q, op, qparams):
    """Appends op, quantized, to quantizer q's operators (q: full_integer._Quantizer)."""
    tensors = q.tensors
    inputs = list(op["inputs"])
    out = op["outputs"][0]
    x = q._as_int8(inputs[0], LSTM)
    inputs[0] = x
    s_in = float(q.params[x][0])
    out_scale, out_zp = q._params_for(out)
    for k in list(INPUT_WEIGHTS) + list(RECURRENT_WEIGHTS):
        t = inputs[k]
        w, scales = quantize_weights(q._value(t), None)
        tensors[t].update(dtype="int8", data=w.view(np.uint8).ravel(), quantization=qparams(scales, 0))
        q.params[t] = (scales, 0)
    for g, k in enumerate(BIASES):
        if inputs[k] < 0:
            continue
        w_scale = tensors[inputs[INPUT_WEIGHTS[g]]]["quantization"]["scales"]
        b, scales = quantize_bias(q._value(inputs[k]), s_in, w_scale)
        tensors[inputs[k]].update(dtype="int32", data=b.view(np.uint8).ravel(), quantization=qparams(scales, 0))
    h, c = inputs[OUTPUT_STATE], inputs[CELL_STATE]
    q._make_int8(h, out_scale, out_zp)
    tensors[c].update(dtype="int16", quantization=qparams(cell_state_scale(*q._range(c)), 0))
    q._make_int8(out, out_scale, out_zp)
    intermediates = []
    base = tensors[out]
    for gate in ("input", "forget", "cell", "output"):
        intermediates.append(q._new_tensor(base, "float32", [0], None, suffix=f"/input_to_{gate}_intermediate"))
    intermediates.append(q._new_tensor(base, q.act_dtype, [0], None, qparams(out_scale, out_zp),
                                       suffix="/effective_hidden_scale_intermediate"))
    opts = dict(op.get("options") or {}, cell_clip=KERAS_CELL_CLIP)
    q.ops.append(dict(op, inputs=inputs, intermediates=intermediates, version=1, options=opts))
