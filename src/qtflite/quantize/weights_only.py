"""Weights-only quantization of a float model, as TensorFlow's converter does it
(tflite-facts.md §B.5, §B.6), on the model dict of ``qtflite.Model.to_dict()``:

- ``dynamic_range``: constant weights with at least 1024 elements that feed an operator with
  a hybrid kernel become symmetric int8 (per channel by default); activations and biases stay
  float32 and the runtime quantizes activations on the fly.
- ``float16``: every float32 constant an operator reads becomes float16, read through a
  DEQUANTIZE (float16 -> float32) operator placed at the start of the graph.

Both return a new dict; the input is not modified. Operator versions follow TensorFlow's
GetBuiltinOperatorVersion and, as TensorFlow writes one operator code per kind, every operator
of a kind gets the highest version among them (§A.5, §D).
"""
from __future__ import annotations

import numpy as np

from .. import _core

__all__ = ["dynamic_range", "float16", "symmetric_int8", "MIN_ELEMENTS_FOR_WEIGHTS", "HYBRID_OPERANDS"]

# The MLIR dynamic-range quantizer's `minimum_elements_for_weights`.
MIN_ELEMENTS_FOR_WEIGHTS = 1024

# Operators with a hybrid kernel: (activation operand, weight operand, per-channel axis or None,
# sets asymmetric_quantize_inputs). TRANSPOSE_CONV is hybrid too in TensorFlow 2.21 (int8
# weights, no DEQUANTIZE); BATCH_MATMUL is not an affine op there, so it is per tensor.
HYBRID_OPERANDS = {
    "CONV_2D": (0, 1, 0, False),
    "DEPTHWISE_CONV_2D": (0, 1, 3, False),
    "FULLY_CONNECTED": (0, 1, 0, True),
    "TRANSPOSE_CONV": (2, 1, 0, False),
    "BATCH_MATMUL": (0, 1, None, True),
}
# UNIDIRECTIONAL_SEQUENCE_LSTM's weight operands (input and recurrent, gates i, f, c, o): the
# hybrid LSTM takes them int8 per tensor, all or none. TensorFlow quantizes them only when every
# one reaches MIN_ELEMENTS_FOR_WEIGHTS (measured: a [64, 9] input kernel keeps a [64, 64]
# recurrent one float) and then writes version 3 with asymmetric_quantize_inputs.
LSTM_WEIGHT_OPERANDS = range(1, 9)

FLOAT16_MAX = 65504.0
# MLIR's ExpandVerySmallRange: a range narrower than this is widened around its middle.
_NEAR_ZERO_RANGE = 1.0e-6

_RUNTIME_VERSION_BYTES = 16


# ---------------------------------------------------------------- helpers

def _clone(model: dict) -> dict:
    """A copy whose lists and tensor/operator dicts can be edited; arrays are shared."""
    d = dict(model)
    d["subgraphs"] = []
    for g in model["subgraphs"]:
        g2 = dict(g)
        g2["tensors"] = [dict(t) for t in g["tensors"]]
        g2["operators"] = [dict(o, inputs=list(o["inputs"]), outputs=list(o["outputs"]),
                                options=dict(o.get("options") or {})) for o in g["operators"]]
        g2["inputs"], g2["outputs"] = list(g["inputs"]), list(g["outputs"])
        d["subgraphs"].append(g2)
    d["metadata"] = [dict(m) for m in model.get("metadata", [])]
    return d


def _value(t) -> np.ndarray:
    return np.frombuffer(np.asarray(t["data"], np.uint8).tobytes(), dtype=np.dtype(t["dtype"])).reshape(t["shape"])


def _is_constant(t) -> bool:
    return t.get("data") is not None and np.asarray(t["data"]).size > 0


def _raw(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(np.uint8).reshape(-1).copy()


def _no_quant():
    return {"scales": np.zeros(0, np.float32), "zero_points": np.zeros(0, np.int64), "quantized_dimension": 0}


def _round_half_away(x: np.ndarray) -> np.ndarray:
    """Round to nearest, ties away from zero (APFloat rmNearestTiesToAway), exactly in float64."""
    t = np.trunc(x)
    return t + np.where(np.abs(x - t) >= 0.5, np.sign(x), 0.0)


def symmetric_int8(w: np.ndarray, axis=None):
    """Symmetric int8 weights in [-127, 127] as TensorFlow 2.21's dynamic-range quantizer
    writes them, per channel along `axis` or per tensor (axis None). Returns (int8 values,
    float32 scales).

    This is MLIR's uniform quantizer, in double: per channel a = max|w| (float32 values),
    range [-a, a], widened to [-5e-7, 5e-7] when narrower than 1e-6 (so an all-zero channel
    gets scale 1e-6/254, not 0 or 1); scale = 2a/254 in double; q = w / scale in double,
    rounded half away from zero, clamped; the file stores float32(scale). Measured against
    TensorFlow on weights built to sit at rounding ties: the float32 multiply-by-inverse of
    TFLite's runtime quantizers (tflite-facts.md §B.2) gives other values there.
    """
    w = np.asarray(w, np.float32)
    if axis is None:
        flat = w.reshape(1, -1)
    else:
        flat = np.moveaxis(w, axis, 0).reshape(w.shape[axis], -1)
    if flat.shape[1]:
        a = np.maximum(np.abs(flat.min(axis=1)), np.abs(flat.max(axis=1))).astype(np.float64)
    else:
        a = np.zeros(flat.shape[0])
    lo, hi = -a, a
    small = hi - lo < _NEAR_ZERO_RANGE
    lo = np.where(small, -_NEAR_ZERO_RANGE / 2, lo)
    hi = np.where(small, _NEAR_ZERO_RANGE / 2, hi)
    scale = (hi - lo) / 254.0
    q = np.clip(_round_half_away(flat.astype(np.float64) / scale[:, None]), -127, 127).astype(np.int8)
    if axis is None:
        q = q.reshape(w.shape)
    else:
        q = np.moveaxis(q.reshape((w.shape[axis],) + tuple(np.delete(w.shape, axis))), 0, axis)
    return q, scale.astype(np.float32)


def _unique_name(base: str, taken: set) -> str:
    # TensorFlow's exporter makes names unique by appending 1, 2, ...
    k = 1
    while f"{base}{k}" in taken:
        k += 1
    name = f"{base}{k}"
    taken.add(name)
    return name


def _num_scales(t) -> int:
    q = t.get("quantization") or {}
    return len(q.get("scales", ()))


def _hybrid_version(op, tensors) -> int:
    """GetBuiltinOperatorVersion for a float-input, int8-weight, float-output operator (the
    flatbuffer op signature: 'per channel' means one scale per output channel)."""
    code = op["opcode"]
    w = tensors[op["inputs"][1]]
    n = _num_scales(w)
    opts = op.get("options") or {}
    if code == "CONV_2D":
        x = tensors[op["inputs"][0]]
        if x["shape"] and len(x["shape"]) == 4 and x["shape"][3] != w["shape"][3]:
            return 6  # grouped convolution
        return 5 if n == w["shape"][0] else 2
    if code == "DEPTHWISE_CONV_2D":
        return 6 if n == w["shape"][3] else 4
    if code == "FULLY_CONNECTED":
        if n and w["shape"] and n == w["shape"][0]:
            return 12
        if len(op["inputs"]) == 2:
            return 6
        if opts.get("keep_num_dims"):
            return 5
        return 9 if opts.get("asymmetric_quantize_inputs") else 3
    if code == "TRANSPOSE_CONV":
        if opts.get("fused_activation_function", 0):
            return 4
        if len(op["inputs"]) == 4 and op["inputs"][3] >= 0:
            return 3
        return 2
    if code == "BATCH_MATMUL":
        return 4 if opts.get("asymmetric_quantize_inputs") else 1
    if code == "UNIDIRECTIONAL_SEQUENCE_LSTM":
        return 3 if opts.get("asymmetric_quantize_inputs") else 2
    raise AssertionError(code)


def _unify_versions(g):
    """One operator code per kind, at the highest version any operator of the kind needs."""
    best = {}
    for o in g["operators"]:
        key = (o["opcode"], o.get("custom_code") or "")
        best[key] = max(best.get(key, 0), int(o["version"]))
    for o in g["operators"]:
        o["version"] = best[(o["opcode"], o.get("custom_code") or "")]




def _with_runtime_version(d: dict, extra=()) -> dict:
    """Metadata with a freshly computed min_runtime_version first (as TensorFlow orders it),
    then `extra` entries, then whatever else the model had."""
    d["metadata"] = [m for m in d["metadata"] if m["name"] != "min_runtime_version"]
    raw = _core.Model.from_dict(d).min_runtime_version().encode()
    entries = []
    if len(raw) < _RUNTIME_VERSION_BYTES:
        entries.append({"name": "min_runtime_version", "data": raw + b"\0" * (_RUNTIME_VERSION_BYTES - len(raw))})
    names = {m["name"] for m in d["metadata"]}
    entries += [m for m in extra if m["name"] not in names]
    d["metadata"] = entries + d["metadata"]
    return d


# ---------------------------------------------------------------- dynamic range

def dynamic_range(model: dict, per_channel: bool = True, per_channel_dense: bool = True) -> dict:
    """Dynamic-range ("hybrid") int8 weight quantization (optimizations=[DEFAULT], no dataset).

    per_channel=False is `_experimental_disable_per_channel`; per_channel_dense=False is
    `_experimental_disable_per_channel_quantization_for_dense_layers` (FULLY_CONNECTED only).
    """
    d = _clone(model)
    for g in d["subgraphs"]:
        _dynamic_range_graph(g, per_channel, per_channel_dense)
        _unify_versions(g)
    return _with_runtime_version(d)


def _dynamic_range_graph(g, per_channel, per_channel_dense):
    tensors, ops = g["tensors"], g["operators"]
    # Which (operator, operand) reads each tensor.
    uses = {}
    for k, o in enumerate(ops):
        for pos, t in enumerate(o["inputs"]):
            if t >= 0:
                uses.setdefault(t, []).append((k, pos))
    # Decide per use: the quantization axis (None = per tensor), or no quantization.
    plan = {}
    for k, o in enumerate(ops):
        if o["opcode"] == "UNIDIRECTIONAL_SEQUENCE_LSTM":
            plan.update(_lstm_plan(k, o, tensors))
            continue
        spec = HYBRID_OPERANDS.get(o["opcode"])
        if spec is None:
            continue
        act, pos, axis, _ = spec
        if len(o["inputs"]) <= max(pos, act) or o["inputs"][pos] < 0 or o["inputs"][act] < 0:
            continue
        t = tensors[o["inputs"][pos]]
        if (t["dtype"] != "float32" or not _is_constant(t) or tensors[o["inputs"][act]]["dtype"] != "float32"
                or int(np.prod(t["shape"], dtype=np.int64)) < MIN_ELEMENTS_FOR_WEIGHTS):
            continue
        if axis is not None and (not per_channel or (o["opcode"] == "FULLY_CONNECTED" and not per_channel_dense)):
            axis = None
        plan[(k, pos)] = axis
    quantized = {}  # (tensor, axis) -> index of the int8 tensor
    graph_io = set(g["inputs"]) | set(g["outputs"])
    for (k, pos), axis in plan.items():
        src = ops[k]["inputs"][pos]
        key = (src, axis)
        if key not in quantized:
            t = tensors[src]
            q, scales = symmetric_int8(_value(t), axis)
            new = dict(t, dtype="int8", data=_raw(q),
                       quantization={"scales": scales.astype(np.float32),
                                     "zero_points": np.zeros(len(scales), np.int64),
                                     "quantized_dimension": 0 if axis is None else axis})
            # In place when every reader takes the same int8 tensor, else a new tensor.
            if src not in graph_io and all(plan.get(u, "float") == axis for u in uses[src]):
                tensors[src] = new
                quantized[key] = src
            else:
                tensors.append(new)
                quantized[key] = len(tensors) - 1
        ops[k]["inputs"][pos] = quantized[key]
    for k in sorted({k for k, _ in plan}):
        o = ops[k]
        if o["opcode"] == "UNIDIRECTIONAL_SEQUENCE_LSTM" or HYBRID_OPERANDS[o["opcode"]][3]:
            o["options"]["asymmetric_quantize_inputs"] = True
        o["version"] = max(int(o["version"]), _hybrid_version(o, tensors))


def _lstm_plan(k, o, tensors):
    """{(operator, operand): None (per tensor)} for a float LSTM whose eight weights are all
    large float constants, else {}."""
    ins = o["inputs"]
    if len(ins) < 24 or ins[0] < 0 or tensors[ins[0]]["dtype"] != "float32":
        return {}
    for pos in LSTM_WEIGHT_OPERANDS:
        t = tensors[ins[pos]] if ins[pos] >= 0 else None
        if (t is None or t["dtype"] != "float32" or not _is_constant(t)
                or int(np.prod(t["shape"], dtype=np.int64)) < MIN_ELEMENTS_FOR_WEIGHTS):
            return {}
    return {(k, pos): None for pos in LSTM_WEIGHT_OPERANDS}


# ---------------------------------------------------------------- float16

def float16(model: dict) -> dict:
    """float16 weights (supported_types=[float16] with optimizations=[DEFAULT]).

    Layout as TensorFlow writes it: each float32 constant stays at its tensor index as a
    FLOAT16 tensor; one DEQUANTIZE (version 3) per constant, all at the start of the graph in
    descending order of the constant's index; their float32 outputs are appended in that
    order, named after the constant with a "1" suffix; graph inputs and outputs stay float32.
    Also adds the `reduced_precision_support` metadata ("fp16accfp32") TensorFlow writes.
    """
    d = _clone(model)
    for g in d["subgraphs"]:
        _float16_graph(g)
        _unify_versions(g)
    return _with_runtime_version(d, extra=[{"name": "reduced_precision_support", "data": b"fp16accfp32"}])


def _float16_graph(g):
    tensors, ops = g["tensors"], g["operators"]
    graph_io = set(g["inputs"]) | set(g["outputs"])
    read = sorted({t for o in ops for t in o["inputs"] if t >= 0})
    consts = [t for t in read if t not in graph_io and tensors[t]["dtype"] == "float32" and _is_constant(tensors[t])]
    taken = {t["name"] for t in tensors}
    dequantized = {}
    dequantize_ops = []
    for t in reversed(consts):
        src = tensors[t]
        half = np.clip(_value(src), -FLOAT16_MAX, FLOAT16_MAX).astype(np.float16)
        out = dict(src, name=_unique_name(src["name"], taken), data=None, quantization=_no_quant())
        tensors[t] = dict(src, dtype="float16", data=_raw(half), quantization=_no_quant())
        tensors.append(out)
        dequantized[t] = len(tensors) - 1
        dequantize_ops.append({"opcode": "DEQUANTIZE", "version": 3, "inputs": [t], "outputs": [len(tensors) - 1],
                               "options_type": None, "options": {}})
    for o in ops:
        o["inputs"] = [dequantized.get(t, t) for t in o["inputs"]]
    g["operators"] = dequantize_ops + ops
