"""Empirical bias correction (issue #14): after quantizing, each CONV_2D, DEPTHWISE_CONV_2D and
FULLY_CONNECTED output of the quantized model is compared with the float model's on calibration
samples, and the mean shift per output channel is folded (negated) into the float bias before
quantizing again, in graph order, so that later layers see the corrected earlier ones. Where the
operator fuses an activation, only elements inside its linear region count (clipped ones carry
no information about the shift), and samples whose float output the calibrated range clips
are left out. The result is an ordinary file with changed int32 biases."""
from __future__ import annotations

import numpy as np

from .. import _core

__all__ = ["correct_biases"]

_CORRECTED = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")
# fused_activation_function -> the open interval where the activation is the identity
_LINEAR = {0: (-np.inf, np.inf), 1: (0.0, np.inf), 2: (-1.0, 1.0), 3: (0.0, 6.0)}


def _run(model, stacked, input_indices, wanted, ranges=None):
    """{tensor name: float value} of `wanted` names after one batched invoke (dequantized);
    with a dict `ranges`, also {tensor name: (lowest, highest) representable value}."""
    it = _core.Interpreter(model, "micro")
    it.set_preserve_all_tensors(True)
    for idx, x in zip(input_indices, stacked):
        it.resize_input(idx, list(x.shape))
    it.allocate_tensors()
    d = model.to_dict()["subgraphs"][0]
    for idx, x in zip(input_indices, stacked):
        t = d["tensors"][idx]
        if t["dtype"] == "float32":
            it.set(idx, np.ascontiguousarray(x))
        else:  # an integer input: quantize as the converter's QUANTIZE would
            q = t["quantization"]
            info = np.iinfo(t["dtype"])
            it.set(idx, np.clip(np.round(x / q["scales"][0]) + q["zero_points"][0], info.min, info.max).astype(t["dtype"]))
    it.invoke()
    out = {}
    for k, t in enumerate(d["tensors"]):
        if t["name"] in wanted:
            v = it.get(k)
            if t["dtype"] != "float32":
                q = t["quantization"]
                v = (v.astype(np.float64) - q["zero_points"][0]) * q["scales"][0]
                if ranges is not None:
                    info = np.iinfo(t["dtype"])
                    ranges[t["name"]] = tuple((np.array([info.min, info.max]) - q["zero_points"][0]) * q["scales"][0])
            out[t["name"]] = np.asarray(v, dtype=np.float64)
    return out


def correct_biases(float_model, quantize, stacked, input_indices, samples=256):
    """(quantized model, corrected float model): `quantize(float model)` -> quantized model,
    applied after each correction. `stacked`: the calibration inputs, one array per input."""
    d = float_model.to_dict()
    g = d["subgraphs"][0]
    tensors = g["tensors"]
    targets = []
    for op in g["operators"]:
        ins = op["inputs"]
        if op["opcode"] in _CORRECTED and len(ins) > 2 and ins[2] >= 0 and tensors[ins[2]]["dtype"] == "float32" \
                and len(tensors[ins[2]]["data"]) > 0:
            act = op.get("options", {}).get("fused_activation_function", 0)
            if act in _LINEAR:
                targets.append((tensors[op["outputs"][0]]["name"], ins[2], _LINEAR[act]))
    x = [s[:samples] for s in stacked]
    names = {name for name, _, _ in targets}
    want = _run(float_model, x, input_indices, names)
    model, quantized = float_model, quantize(float_model)
    for name, bias, (lo, hi) in targets:
        representable = {}
        got = _run(quantized, x, input_indices, {name}, representable).get(name)
        if got is None or name not in want or name not in representable:
            continue  # kept float, or renamed by the quantizer
        f = want[name]
        inside = (f > lo) & (f < hi)
        # Samples that the calibrated range clips (outliers a robust calibration let go) say
        # nothing about the shift of the others: they are left out.
        r_lo, r_hi = representable[name]
        clipped = ((f < r_lo) | (f > r_hi)).reshape(f.shape[0], -1).any(axis=1)
        inside &= ~clipped.reshape((-1,) + (1,) * (f.ndim - 1))
        channels = f.shape[-1]
        count = inside.reshape(-1, channels).sum(axis=0)
        shift = np.where(count > 0, ((got - f) * inside).reshape(-1, channels).sum(axis=0) / np.maximum(count, 1), 0.0)
        b = np.frombuffer(tensors[bias]["data"].tobytes(), dtype=np.float32)
        if b.shape[0] != channels:
            continue
        tensors[bias]["data"] = (b - shift).astype(np.float32).view(np.uint8)
        model = _core.Model.from_dict(d)
        quantized = quantize(model)
    return quantized, model
