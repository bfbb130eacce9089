"""Parameters the official runtimes accept, and the range widening that gets a quantized model
there.

Calibration can give parameters that TFLite Micro's and LiteRT's Prepare refuse (LiteRT aborts
the whole process on some; tflite-facts.md §C.2-§C.5, §C.4b), mostly where a tensor was (nearly)
constant during calibration and its range is only the converter's 2e-6 (§B.2):
- SOFTMAX (int8) needs beta·s_in·2^26 > 1 (QuantizeMultiplierGreaterThanOne; both abort);
- ADD/SUB need the output multiplier 2·max(s1, s2)/(2^20·s_out) below 1 (2^15 for int16): a
  result that cancels to about 0 from operands that do not (both abort; LiteRT's SUB allows it);
- HARD_SWISH (int8) needs (s_in/128)/s_out below 1 (both refuse);
- a fused RELU6/RELU_N1_TO_1 needs round(bound/s_out) within int32 (both refuse: a dead 16x8
  layer's output scale of 1e-6/32767 puts 6 at 2e11 steps);
- 16x8 CONV_2D/DEPTHWISE_CONV_2D/FULLY_CONNECTED/TRANSPOSE_CONV requantize their int64
  accumulators with a shift that must be at most 7 (s_in·s_w/s_out < 2^7): an assertion of older
  and debug builds of both runtimes, which current release builds do not check.
(The int8 SOFTMAX also aborts both at invoke when a row's exponentials sum to 512 or more; the
quantizer computes such a softmax in int16, see full_integer.py.)

qtflite's own Prepare (kernels/reference/prepare.cc, in both numerics) refuses what the runtimes
refuse, so operators are checked by preparing them in qtflite's interpreter; only the last
condition is checked here. A refused operator gets one tensor widened (SOFTMAX: its input; the
others: their output, which lowers their multipliers) about 0 by the smallest factor that passes,
found by bisection: the smallest valid range of that shape, quantized by the converter's own
rules (zero exactly representable)."""
from __future__ import annotations

import re

import numpy as np

from .. import _core
from .arith import effective_range, round_half_away

__all__ = ["QuantizationWarning", "find_refusals", "refusal", "widen_target", "widening_factor",
           "widened_range", "explain"]


class QuantizationWarning(UserWarning):
    """A calibrated range was changed so that the official runtimes accept the model."""


# What each operator's refusal means, for the warning: (a word of qtflite's Prepare error for
# that condition, the condition).
REASONS = {
    "SOFTMAX": ("GreaterThanOne", "beta * input scale * 2^26 must exceed 1"),
    "ADD": ("SmallerThanOneExp", "2 * max(input scales) / (2^20 * output scale) must stay below 1 (int16: 2^15)"),
    "SUB": ("SmallerThanOneExp", "2 * max(input scales) / (2^20 * output scale) must stay below 1 (int16: 2^15)"),
    "HARD_SWISH": ("hard swish", "(input scale / 128) / output scale must stay below 1"),
}
INT64_REQUANT_REASON = ("its int64 requantization needs input scale * weight scale / output scale below 2^7 "
                        "(a multiplier shift of at most 7)")
# Operators whose input, rather than output, a wider range helps.
WIDEN_INPUT = {"SOFTMAX"}
# 16x8 operators with int64 accumulators, and their (input, weights) operands.
INT64_ACCUMULATORS = {"CONV_2D": (0, 1), "DEPTHWISE_CONV_2D": (0, 1), "FULLY_CONNECTED": (0, 1),
                      "TRANSPOSE_CONV": (2, 1)}
MAX_INT64_SHIFT = 7


def explain(opcode, reason):
    """A refusal's reason, with the condition behind it where REASONS knows it."""
    marker, condition = REASONS.get(opcode, (None, None))
    return f"{condition} ({reason})" if marker and marker in reason else reason


def _multiplier_shifts(reals):
    """QuantizeMultiplier's shifts for real multipliers (§C.2): frexp's exponent, one more when
    the mantissa rounds up to 1, 0 when zero or flushed to zero."""
    fraction, shift = np.frexp(np.asarray(reals, np.float64))
    shift = shift + (round_half_away(fraction * 2.0 ** 31) == 2.0 ** 31)
    return np.where((fraction == 0) | (shift < -31), 0, shift)


def _int64_shift_refusal(tensors, op):
    operands = INT64_ACCUMULATORS.get(op["opcode"])
    if operands is None or tensors[op["outputs"][0]]["dtype"] != "int16":
        return None
    s_in = np.float64(tensors[op["inputs"][operands[0]]]["quantization"]["scales"][0])
    s_out = np.float64(tensors[op["outputs"][0]]["quantization"]["scales"][0])
    s_w = np.asarray(tensors[op["inputs"][operands[1]]]["quantization"]["scales"], np.float64)
    return INT64_REQUANT_REASON if _multiplier_shifts(s_in * s_w / s_out).max() > MAX_INT64_SHIFT else None


def _is_quantized(t):
    return t["dtype"] in ("int8", "uint8", "int16") and bool((t.get("quantization") or {}).get("scales"))


def _single_op_model(tensors, op, replaced):
    """A model holding operator `op` alone: constants as they are, activations as graph inputs;
    `replaced` maps tensor indices to other quantization parameters."""
    local, sub_tensors = {}, []

    def add(i):
        if i < 0:
            return -1
        if i not in local:
            t = dict(tensors[i])
            if i in replaced:
                t["quantization"] = replaced[i]
            local[i] = len(sub_tensors)
            sub_tensors.append(t)
        return local[i]

    inputs = [add(i) for i in op["inputs"]]
    outputs = [add(i) for i in op["outputs"]]
    graph_inputs = list(dict.fromkeys(local[i] for i in op["inputs"] if i >= 0 and tensors[i]["data"] is None))
    graph = {"name": "main", "tensors": sub_tensors, "inputs": graph_inputs, "outputs": outputs,
             "operators": [dict(op, inputs=inputs, outputs=outputs)]}
    return _core.Model.from_dict({"version": 3, "description": "", "subgraphs": [graph], "signature_defs": [],
                                  "metadata": []})


# The interpreter's context around a Prepare error: "operator 0 (SOFTMAX v2): ... [inputs: ...]".
_CONTEXT = re.compile(r"^operator \d+ \([^)]*\): (.*?)(?: \[inputs: .*\])?$", re.S)


def _prepare_error(model):
    """What qtflite's Prepare refuses in `model` in either numerics (without the interpreter's
    operator context), or None. What qtflite only lacks raises NotImplementedError."""
    try:
        for numerics in ("micro", "litert"):
            _core.Interpreter(model, numerics).allocate_tensors()
    except ValueError as e:  # ModelError
        match = _CONTEXT.match(str(e))
        return match.group(1) if match else str(e)
    return None


def refusal(tensors, op, replaced=None):
    """Why TFLite Micro or LiteRT would refuse operator `op` of a quantized model dict (its
    `tensors`), or None: its Prepare in qtflite's interpreter in both numerics, then the int64
    requantization precondition. `replaced` maps tensor indices to other quantization
    parameters."""
    replaced = replaced or {}
    try:
        error = _prepare_error(_single_op_model(tensors, op, replaced))
    except NotImplementedError:  # a kernel qtflite lacks says nothing about the runtimes
        error = None
    if error is not None:
        return error
    if replaced:
        tensors = [dict(t, quantization=replaced[i]) if i in replaced else t for i, t in enumerate(tensors)]
    return _int64_shift_refusal(tensors, op)


def find_refusals(d):
    """[(operator index, reason)] for every quantized operator of model dict `d` that a runtime
    would refuse. The whole model is prepared first: when it passes (the usual case), no
    operator needs preparing alone."""
    g = d["subgraphs"][0]
    tensors = g["tensors"]
    try:
        whole_model_passes = _prepare_error(_core.Model.from_dict(d)) is None
    except NotImplementedError:
        whole_model_passes = False
    if whole_model_passes and not any(_int64_shift_refusal(tensors, op) for op in g["operators"]):
        return []
    found = []
    for k, op in enumerate(g["operators"]):
        if not any(i >= 0 and _is_quantized(tensors[i]) for i in op["inputs"] + op["outputs"]):
            continue
        reason = refusal(tensors, op)
        if reason is not None:
            found.append((k, reason))
    return found


def widen_target(op):
    """(operand position, tensor index) whose range to widen for a refused operator."""
    if op["opcode"] in WIDEN_INPUT:
        return "input", op["inputs"][0]
    return "output", op["outputs"][0]


def widening_factor(passes, limit=2.0 ** 64):
    """The smallest k >= 1 (to about float32 resolution) for which `passes(k)` holds, `passes`
    being false at 1 and monotone; None if not even `limit` passes."""
    lo, hi = 1.0, 2.0
    while not passes(hi):
        lo, hi = hi, hi * 2
        if hi > limit:
            return None
    while hi - lo > hi * 2.0 ** -24:  # float32 resolution
        mid = (lo + hi) / 2
        if passes(mid):
            hi = mid
        else:
            lo = mid
    return hi


def widened_range(calibrated, k):
    """The effective range of `calibrated` (§B.2: holding 0, at least 2e-6 wide) scaled by k."""
    rmin, rmax = effective_range(*calibrated)
    return rmin * k, rmax * k
