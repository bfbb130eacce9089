"""Full-integer post-training quantization of a float model (tflite-facts.md §B): calibrate on
the representative data, then give every activation int8 parameters from its range, weights
per-channel symmetric int8, biases int32, fixed parameters to SOFTMAX/LOGISTIC/TANH, and the
same parameters through data-movement operators; QUANTIZE/DEQUANTIZE at the edges and around
operators that have no int8 kernel."""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _core
from . import runtime_limits
from .arith import (activation_params, effective_range, quantize_bias, quantize_constant_asymmetric, quantize_weights,
                    quantize_weights_16x8, round_half_away, symmetric_activation_params)
from .calibrate import calibrate, collect_samples
from .lstm import LSTM, quantize_lstm

__all__ = ["quantize_full_integer", "QUANTIZABLE", "INT8_VERSIONS"]

# Operators with int8 kernels, and the version TensorFlow writes for them (§D).
INT8_VERSIONS = {
    "CONV_2D": 3, "DEPTHWISE_CONV_2D": 3, "FULLY_CONNECTED": 4, "MAX_POOL_2D": 2, "AVERAGE_POOL_2D": 2,
    "SOFTMAX": 2, "RESHAPE": 1, "ADD": 2, "SUB": 2, "MUL": 2, "CONCATENATION": 2, "MEAN": 2, "SUM": 2,
    "PAD": 2, "PADV2": 2, "LOGISTIC": 2, "TANH": 2, "RELU": 2, "RELU6": 2, "LEAKY_RELU": 1, "HARD_SWISH": 1,
    "PRELU": 1, "TRANSPOSE": 2, "STRIDED_SLICE": 2, "SQUEEZE": 1, "EXPAND_DIMS": 1, "RESIZE_NEAREST_NEIGHBOR": 2,
    "RESIZE_BILINEAR": 2,
    "TRANSPOSE_CONV": 2, "MAXIMUM": 2, "MINIMUM": 2, "REDUCE_MAX": 2, "REVERSE_V2": 3,
    "PACK": 2,
}
QUANTIZABLE = set(INT8_VERSIONS) | {LSTM}
# Output keeps the (first) input's parameters: pure data movement.
SAME_SCALE = {"MAX_POOL_2D", "AVERAGE_POOL_2D", "RESHAPE", "SQUEEZE", "EXPAND_DIMS", "TRANSPOSE", "STRIDED_SLICE",
              "PAD", "PADV2", "RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR", "REDUCE_MAX", "REVERSE_V2"}
# All operands and the result share the result's parameters (requantized where they differ).
SHARED_SCALE = {"CONCATENATION", "MAXIMUM", "MINIMUM", "PACK"}
FIXED_OUTPUT = {"SOFTMAX": (1.0 / 256, -128), "LOGISTIC": (1.0 / 256, -128), "TANH": (1.0 / 128, 0)}
FIXED_OUTPUT_16 = {"SOFTMAX": (1.0 / 32768, 0), "LOGISTIC": (1.0 / 32768, 0), "TANH": (1.0 / 32768, 0)}
# 16x8 (TensorFlow's older quantizer): versions where they differ from int8, and operators it
# leaves in float.
INT16_VERSIONS = {"LEAKY_RELU": 2, "TRANSPOSE_CONV": 3}
NOT_INT16 = {"HARD_SWISH", "PRELU", "RELU_N1_TO_1", "BATCH_MATMUL", LSTM, "PACK"}  # LSTM, PACK: 16x8 not yet
# The int8 SOFTMAX of TFLite Micro and LiteRT sums a row's exponentials in Q12.19 and aborts when
# the sum reaches 512 (its final shift would pass 31 bits; §C.5), as 512 or more equal inputs in
# a row always make it do.
SOFTMAX_INT8_MAX_SUM = 512
WEIGHT_AXIS = {"CONV_2D": 0, "DEPTHWISE_CONV_2D": 3, "FULLY_CONNECTED": 0, "TRANSPOSE_CONV": 0}
# Inputs that stay as they are (shapes, axes, sizes, paddings).
NON_DATA_INPUTS = {"RESHAPE": {1}, "MEAN": {1}, "SUM": {1}, "REDUCE_MAX": {1}, "PAD": {1}, "PADV2": {1},
                   "TRANSPOSE": {1}, "STRIDED_SLICE": {1, 2, 3}, "EXPAND_DIMS": {1}, "RESIZE_NEAREST_NEIGHBOR": {1},
                   "RESIZE_BILINEAR": {1}, "REVERSE_V2": {1},
                   "TRANSPOSE_CONV": {0}}


def _qparams(scale, zp, axis=0):
    scales = np.atleast_1d(np.asarray(scale, np.float32))
    zps = np.atleast_1d(np.asarray(zp, np.int64))
    if zps.size == 1 and scales.size > 1:
        zps = np.zeros(scales.size, np.int64) + zps[0]
    return {"scales": scales.tolist(), "zero_points": zps.tolist(), "quantized_dimension": int(axis), "min": [], "max": []}


class _Quantizer:
    def __init__(self, d, ranges, options):
        self.d = d
        self.g = d["subgraphs"][0]
        self.ranges = ranges
        self.opt = options
        self.tensors = self.g["tensors"]
        self.params = {}       # float tensor index -> (scale, zp) of its int8 version
        self.int8_of = {}      # float tensor index -> int8 tensor index (when both exist)
        self.float_of = {}     # int8 tensor index -> float tensor index (dequantized copies)
        self.origin = {}       # inserted int8 tensor -> the float tensor whose parameters it has
        self.group_source = {}  # grouped float tensor -> the tensor whose range sets the group's
                                # parameters (None: fixed parameters)
        self.ops = []
        self.int16 = options.get("activation_bits", 8) == 16
        self.act_dtype = "int16" if self.int16 else "int8"
        self.fixed = FIXED_OUTPUT_16 if self.int16 else FIXED_OUTPUT
        self.notes = []        # what the user should be warned about
        self.denied = set(options.get("denylist") or ())  # operator indices kept in float

    # ---- helpers

    def _new_tensor(self, base, dtype, shape, sig, quant=None, data=None, suffix=""):
        self.tensors.append({"name": base["name"] + suffix, "dtype": dtype, "shape": list(shape),
                             "shape_signature": sig, "quantization": quant or _qparams([], []),
                             "data": data, "is_variable": False, "has_rank": True})
        return len(self.tensors) - 1

    def _const(self, t):
        return self.tensors[t]["data"] is not None

    def _value(self, t):
        tt = self.tensors[t]
        return np.frombuffer(np.asarray(tt["data"], np.uint8).tobytes(), dtype=tt["dtype"]).reshape(tt["shape"])

    def _range(self, t):
        if t not in self.ranges:
            raise ValueError(f"tensor '{self.tensors[t]['name']}' was never computed during calibration")
        return self.ranges[t]

    def _as_int8(self, t, opcode_for_error):
        """The int8 version of float activation t (inserting QUANTIZE if its producer is float)."""
        if t in self.int8_of:
            return self.int8_of[t]
        if t in self.params:  # t itself is (or becomes) int8
            return t
        scale, zp = self._params_for(t)
        tt = self.tensors[t]
        q = self._new_tensor(tt, self.act_dtype, tt["shape"], tt.get("shape_signature"), _qparams(scale, zp),
                             suffix="_" + self.act_dtype)
        self.ops.append({"opcode": "QUANTIZE", "version": 1, "inputs": [t], "outputs": [q], "options_type": None,
                         "options": {}})
        self.int8_of[t] = q
        self.origin[q] = t
        self.params[q] = (np.float32(scale), int(zp))
        return q

    def _as_float(self, t):
        """A float32 view of tensor t for an operator without an int8 kernel."""
        tt = self.tensors[t]
        if tt["dtype"] == "float32" or self._const(t):
            return t
        if t in self.float_of:
            return self.float_of[t]
        f = self._new_tensor(tt, "float32", tt["shape"], tt.get("shape_signature"), suffix="_dequantized")
        self.ops.append({"opcode": "DEQUANTIZE", "version": 2, "inputs": [t], "outputs": [f], "options_type": None,
                         "options": {}})
        self.float_of[t] = f
        return f

    def _make_int8(self, t, scale, zp):
        tt = self.tensors[t]
        tt["dtype"] = self.act_dtype
        tt["quantization"] = _qparams(scale, zp)
        self.params[t] = (np.float32(scale), int(zp))

    def _requant_to(self, t, scale, zp, origin):
        """t (int8) requantized to (scale, zp), the parameters of float tensor `origin`, when its
        parameters differ."""
        if self.params.get(t) == (np.float32(scale), int(zp)):
            return t
        tt = self.tensors[t]
        r = self._new_tensor(tt, self.act_dtype, tt["shape"], tt.get("shape_signature"), _qparams(scale, zp),
                             suffix="_requantized")
        self.origin[r] = origin
        self.params[r] = (np.float32(scale), int(zp))
        self.ops.append({"opcode": "QUANTIZE", "version": 2 if self.int16 else 1, "inputs": [t], "outputs": [r],
                         "options_type": None, "options": {}})
        return r

    # ---- scale groups

    def _scale_groups(self):
        """Tensors that must share parameters: a data-movement operator's input and output, and
        all operands and the result of CONCATENATION/MAXIMUM/MINIMUM. A group takes its
        parameters from the shared-scale result when it has one (the converter pushes that scale
        back to the operands' producers), else from its one computed source."""
        parent = {}

        def find(t):
            while parent.setdefault(t, t) != t:
                parent[t] = parent[parent[t]]
                t = parent[t]
            return t

        def union(a, b):
            parent[find(a)] = find(b)

        anchors = {}
        for k, op in enumerate(self.g["operators"]):
            name = op["opcode"]
            if name not in QUANTIZABLE or k in self.denied:
                continue
            non_data = NON_DATA_INPUTS.get(name, set())
            data = [t for k, t in enumerate(op["inputs"]) if t >= 0 and k not in non_data and not self._const(t)]
            out = op["outputs"][0]
            if name in SAME_SCALE and data:
                union(data[0], out)
            elif name in SHARED_SCALE and not self.int16:
                # (The 16x8 path's older quantizer requantizes operands instead.)
                for t in data:
                    union(t, out)
                anchors[out] = True
        groups = {}
        for t in list(parent):
            groups.setdefault(find(t), []).append(t)
        producers = {o: op["opcode"] for op in self.g["operators"] for o in op["outputs"]}
        chosen = {}
        for members in groups.values():
            anchor = [t for t in members if t in anchors]
            fixed = [self.fixed[producers[t]] for t in members if producers.get(t) in self.fixed]
            if fixed and not anchor:
                source, params = None, fixed[0]
            else:
                if anchor:
                    source = anchor[-1]
                else:
                    sources = [t for t in members if producers.get(t) not in SAME_SCALE]
                    source = sources[0] if sources else members[0]
                params = self._act_params(*self._range(source))
            for t in members:
                chosen[t] = (np.float32(params[0]), int(params[1]))
                self.group_source[t] = source
        return chosen

    def _act_params(self, rmin, rmax):
        return symmetric_activation_params(rmin, rmax) if self.int16 else activation_params(rmin, rmax)

    def range_source(self, q):
        """The float tensor whose calibrated range sets quantized tensor q's parameters, or None
        (fixed parameters, constants, uint8 edges)."""
        f = self.origin.get(q, q)
        if f in self.group_source:
            return self.group_source[f]
        if self.producers.get(f) in self.fixed or f not in self.ranges or self._const(f):
            return None
        return f

    def _params_for(self, t):
        if t in self.group_params:
            return self.group_params[t]
        return self._act_params(*self._range(t))

    # ---- the pass

    def run(self):
        g = self.g
        self.producers = {o: op["opcode"] for op in g["operators"] for o in op["outputs"]}
        self.group_params = self._scale_groups()
        int8_io = self.opt["input_type"] in ("int8", "uint8", "int16")
        for i in g["inputs"]:
            if self.tensors[i]["dtype"] != "float32":
                continue
            scale, zp = self._params_for(i)
            if int8_io:
                self._make_int8(i, scale, zp)
        for k, op in enumerate(g["operators"]):
            if k in self.denied:
                self._keep_float(op)
            else:
                self._quantize_op(op)
        outputs = []
        for o in g["outputs"]:
            outputs.append(self._output(o))
        g["outputs"] = outputs
        self._io_types()
        # The converter writes one operator code per kind, at the highest version any use needs.
        highest = {}
        for op in self.ops:
            highest[op["opcode"]] = max(highest.get(op["opcode"], 1), op["version"])
        for op in self.ops:
            op["version"] = highest[op["opcode"]]
        g["operators"] = self.ops
        self.d["metadata"] = [m for m in self.d["metadata"] if m["name"] != "min_runtime_version"]
        return self.d

    def _keep_float(self, op):
        """A denylisted operator (selective quantization): float32 inputs (DEQUANTIZE where
        they are integer), float32 weights and outputs (QUANTIZE added by integer consumers)."""
        shared = [i for i in op["inputs"] if i >= 0 and self._const(i) and self.tensors[i]["dtype"] != "float32"]
        if shared:
            raise ValueError(f"operator {op['opcode']} (producing '{self.tensors[op['outputs'][0]]['name']}') is "
                             f"denylisted but shares constant '{self.tensors[shared[0]]['name']}' with a quantized "
                             "operator; denylist both or neither")
        self.ops.append(dict(op, inputs=[self._as_float(i) if i >= 0 else i for i in op["inputs"]]))

    def _quantize_op(self, op):
        name = op["opcode"]
        if name in QUANTIZABLE and self.tensors[op["outputs"][0]]["dtype"] != "float32":  # PACK of int32 shapes
            self.ops.append(op)
            return
        if name == LSTM and not self.int16:
            quantize_lstm(self, op, _qparams)
            return
        if name not in QUANTIZABLE or (self.int16 and name in NOT_INT16):
            if self.opt["int8_only"]:
                raise ValueError(f"operator '{name}' (producing '{self.tensors[op['outputs'][0]]['name']}') has no "
                                 f"{self.act_dtype} kernel; it cannot be quantized with these supported_ops. "
                                 "Allow float fallback by adding TFLITE_BUILTINS.")
            op = dict(op, inputs=[self._as_float(i) if i >= 0 else i for i in op["inputs"]])
            self.ops.append(op)
            return
        if name == "SOFTMAX" and not self.int16 and self._softmax_overflows_int8(op):
            self._softmax_in_int16(op)
            return
        non_data = NON_DATA_INPUTS.get(name, set())
        inputs = list(op["inputs"])
        out = op["outputs"][0]
        # Output parameters.
        if name in self.fixed and out not in self.group_params:
            out_params = self.fixed[name]
        elif name in SAME_SCALE:
            src = self._as_int8(inputs[0], name)
            inputs[0] = src
            out_params = self.params[src] if src in self.params else self._params_for(out)
        else:
            out_params = self._params_for(out)
        # Data inputs to int8.
        weight_axis = WEIGHT_AXIS.get(name)
        weight_index = 1 if name != "TRANSPOSE_CONV" else 1
        data_index = 0 if name != "TRANSPOSE_CONV" else 2
        bias_index = 2 if name != "TRANSPOSE_CONV" else 3
        for k, t in enumerate(inputs):
            if t < 0 or k in non_data:
                continue
            if weight_axis is not None and k == weight_index and self._const(t):
                axis = weight_axis if self.opt["per_channel"] and not (name == "FULLY_CONNECTED" and not self.opt["per_channel_dense"]) else None
                if self.int16 and axis is not None:
                    q, scales = quantize_weights_16x8(self._value(t), axis)
                else:
                    q, scales = quantize_weights(self._value(t), axis)
                tt = self.tensors[t]
                tt.update(dtype="int8", data=q.view(np.uint8).ravel(),
                          quantization=_qparams(scales, 0, axis if axis is not None else 0))
                self.params[t] = (scales, 0)
                continue
            if weight_axis is not None and k == bias_index:
                continue  # after the input scale is known
            if self._const(t):
                tt = self.tensors[t]
                if tt["dtype"] != "float32":
                    continue
                if self.int16:
                    v = self._value(t)
                    scale, zp = symmetric_activation_params(float(v.min()), float(v.max()))
                    q = np.clip(round_half_away((v / scale).astype(np.float32)), -32768, 32767).astype(np.int16)
                else:
                    q, scale, zp = quantize_constant_asymmetric(self._value(t))
                tt.update(dtype=str(q.dtype), data=q.view(np.uint8).ravel(), quantization=_qparams(scale, zp))
                self.params[t] = (scale, zp)
                continue
            inputs[k] = self._as_int8(t, name)
        if name in SHARED_SCALE:
            for k, t in enumerate(inputs):
                if t >= 0 and k not in non_data:
                    inputs[k] = self._requant_to(t, *out_params, origin=out)
        if weight_axis is not None and len(inputs) > bias_index and inputs[bias_index] >= 0:
            b = inputs[bias_index]
            s_in = self.params[inputs[data_index]][0]
            w_scales = self.tensors[inputs[weight_index]]["quantization"]["scales"]
            q, scales = quantize_bias(self._value(b), s_in, w_scales, bits=64 if self.int16 else 32)
            self.tensors[b].update(dtype=str(q.dtype), data=q.view(np.uint8).ravel(), quantization=_qparams(scales, 0, 0))
        self._make_int8(out, *out_params)
        version = INT8_VERSIONS[name]
        opts = dict(op.get("options") or {})
        if self.int16:
            version = INT16_VERSIONS.get(name, version)
            if name in ("ADD", "SUB"):
                opts["pot_scale_int16"] = False  # the general-scale int16 path
            if name in ("CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV"):
                opts["quantized_bias_type"] = 4  # INT64
        if name == "FULLY_CONNECTED" and opts.get("keep_num_dims"):
            version = 5
        if name == "MUL" and not self.int16:
            s1 = self.params[inputs[0]][0]
            s2 = self.params[inputs[1]][0]
            if float(np.float32(np.float32(s1) * np.float32(s2)) / np.float32(out_params[0])) >= 1.0:
                version = 3
        if name == "TRANSPOSE_CONV":
            version = 3 if len(inputs) > 3 and inputs[3] >= 0 else 2
        if name.startswith("RESIZE") and (opts.get("half_pixel_centers") or opts.get("align_corners")):
            version = 3
        self.ops.append(dict(op, inputs=inputs, version=version, options=opts))

    def _softmax_overflows_int8(self, op):
        """Whether the int8 SOFTMAX kernels would abort on every input like the calibration
        data: its whole calibrated range is so narrow (constant logits, as of an untrained
        classifier) that each row's exponentials sum to SOFTMAX_INT8_MAX_SUM or more."""
        x = op["inputs"][0]
        shape = self.tensors[x]["shape"]
        depth = shape[-1] if shape else 1
        if depth < SOFTMAX_INT8_MAX_SUM or self._const(x) or x not in self.ranges:
            return False
        scale, zp = self._params_for(x)
        rmin, rmax = effective_range(*self._range(x))
        levels = [min(max(zp + round_half_away(v / float(scale)), -128), 127) for v in (rmin, rmax)]
        spread = float(levels[1] - levels[0]) * float(scale)  # the widest a row can be, in real units
        beta = float((op.get("options") or {}).get("beta", 1.0))
        return depth * math.exp(-beta * spread) >= SOFTMAX_INT8_MAX_SUM

    def _softmax_in_int16(self, op):
        """SOFTMAX of an int8 tensor computed in int16 (whose kernels sum exponentials in a wide
        accumulator): QUANTIZE int8 -> int16, SOFTMAX int16, QUANTIZE int16 -> int8, all of which
        TFLite Micro and LiteRT run."""
        x8 = self._as_int8(op["inputs"][0], "SOFTMAX")
        s8, zp8 = self.params[x8]
        xt = self.tensors[x8]
        # Symmetric int16 parameters that hold every int8 value.
        reach = max(abs(-128 - zp8), abs(127 - zp8)) * float(s8)
        x16 = self._new_tensor(xt, "int16", xt["shape"], xt.get("shape_signature"), _qparams(reach / 32767, 0),
                               suffix="_int16")
        out = op["outputs"][0]
        ot = self.tensors[out]
        p16 = self._new_tensor(ot, "int16", ot["shape"], ot.get("shape_signature"), _qparams(*FIXED_OUTPUT_16["SOFTMAX"]),
                               suffix="_int16")
        self._make_int8(out, *self.group_params.get(out, FIXED_OUTPUT["SOFTMAX"]))
        self.ops += [
            {"opcode": "QUANTIZE", "version": 2, "inputs": [x8], "outputs": [x16], "options_type": None, "options": {}},
            dict(op, inputs=[x16], outputs=[p16], version=3),
            {"opcode": "QUANTIZE", "version": 1, "inputs": [p16], "outputs": [out], "options_type": None,
             "options": {}},
        ]
        rmin, rmax = self._range(op["inputs"][0])
        self.notes.append(
            f"tensor '{self.tensors[op['inputs'][0]]['name']}': its calibrated range [{rmin:.6g}, {rmax:.6g}] puts "
            f"all {xt['shape'][-1]} inputs of SOFTMAX '{ot['name']}' so close together that their exponentials sum "
            f"to {SOFTMAX_INT8_MAX_SUM} or more, where the int8 SOFTMAX of TFLite Micro and LiteRT aborts; that "
            "softmax is computed in int16 instead (QUANTIZE to int16, SOFTMAX, QUANTIZE to int8)")

    def _output(self, o):
        tt = self.tensors[o]
        if self.opt["output_type"] in ("int8", "uint8", "int16"):
            if tt["dtype"] != self.act_dtype:
                return self._as_int8(o, "output")
            return o
        if tt["dtype"] == self.act_dtype:
            return self._as_float(o)
        return o

    def _io_types(self):
        """uint8 I/O: a uint8 tensor at the edge with zero point + 128, converted by QUANTIZE."""
        g = self.g
        if self.opt["input_type"] == "uint8":
            new_inputs = []
            for i in g["inputs"]:
                scale, zp = self.params[i]
                tt = self.tensors[i]
                u = self._new_tensor(tt, "uint8", tt["shape"], tt.get("shape_signature"), _qparams(scale, zp + 128),
                                     suffix="_uint8")
                self.ops.insert(0, {"opcode": "QUANTIZE", "version": 1, "inputs": [u], "outputs": [i],
                                    "options_type": None, "options": {}})
                new_inputs.append(u)
            g["inputs"] = new_inputs
        if self.opt["output_type"] == "uint8":
            new_outputs = []
            for o in g["outputs"]:
                scale, zp = self.params[o]
                tt = self.tensors[o]
                u = self._new_tensor(tt, "uint8", tt["shape"], tt.get("shape_signature"), _qparams(scale, zp + 128),
                                     suffix="_uint8")
                self.ops.append({"opcode": "QUANTIZE", "version": 1, "inputs": [o], "outputs": [u],
                                 "options_type": None, "options": {}})
                new_outputs.append(u)
            g["outputs"] = new_outputs


def _fix_signature_indices(d, old_inputs, old_outputs):
    g = d["subgraphs"][0]
    remap = dict(zip(old_inputs, g["inputs"]))
    remap.update(zip(old_outputs, g["outputs"]))
    for s in d["signature_defs"]:
        s["inputs"] = [(n, remap.get(i, i)) for n, i in s["inputs"]]
        s["outputs"] = [(n, remap.get(i, i)) for n, i in s["outputs"]]


def _quantize_within_runtime_limits(float_model, ranges, options):
    """The quantizer's model dict, with the ranges whose parameters TFLite Micro or LiteRT would
    refuse widened (runtime_limits), and a QuantizationWarning per changed tensor. Each round
    quantizes with the ranges so far and widens what any operator refuses; a widened output can
    make the next operator refuse, so this repeats, at most once per operator."""
    widened, reasons = {}, {}
    rounds = 0
    while True:
        q = _Quantizer(float_model.to_dict(), {**ranges, **widened}, options)
        d = q.run()
        for t in d["subgraphs"][0]["tensors"]:
            t.setdefault("quantization", None)
        refused = runtime_limits.find_refusals(d)
        if not refused:
            break
        rounds += 1
        if rounds > len(d["subgraphs"][0]["operators"]):
            raise ValueError(f"could not find quantization ranges that TFLite Micro and LiteRT accept: {refused}")
        for k, reason in refused:
            source, new = _widening_for(q, d, k, reason, widened.get)
            old = widened.get(source, new)
            widened[source] = (min(old[0], new[0]), max(old[1], new[1]))
            op = d["subgraphs"][0]["operators"][k]
            role, _ = runtime_limits.widen_target(op)
            reasons.setdefault(source, []).append(
                f"{op['opcode']} operator {k} ('{q.tensors[op['outputs'][0]]['name']}'), whose {role} it is: "
                f"{runtime_limits.explain(op['opcode'], reason)}")
    for note in q.notes:
        warnings.warn(note, runtime_limits.QuantizationWarning, stacklevel=4)
    for source, why in reasons.items():
        calibrated, final = ranges[source], widened[source]
        before, after = q._act_params(*calibrated), q._act_params(*final)
        warnings.warn(
            f"tensor '{q.tensors[source]['name']}': calibrated range [{calibrated[0]:.6g}, {calibrated[1]:.6g}] gives "
            f"{q.act_dtype} scale {float(before[0]):.6g}, which TFLite Micro or LiteRT refuses "
            f"({'; '.join(dict.fromkeys(why))}); widened to [{final[0]:.6g}, {final[1]:.6g}] "
            f"(scale {float(after[0]):.6g}, zero point {after[1]})",
            runtime_limits.QuantizationWarning, stacklevel=4)
    return d


def _widening_for(q, d, k, reason, widened_range_of):
    """(float tensor, its new range) that makes operator k of quantized model dict d acceptable:
    the tensor whose range sets the parameters of the operand that runtime_limits.widen_target
    names, scaled by the smallest factor that passes."""
    tensors = d["subgraphs"][0]["tensors"]
    op = d["subgraphs"][0]["operators"][k]
    _, target = runtime_limits.widen_target(op)
    source = q.range_source(target)
    where = f"operator {k} ({op['opcode']}) has parameters that TFLite Micro or LiteRT refuses ({reason})"
    if source is None:
        raise ValueError(f"{where}, and tensor '{tensors[target]['name']}' has fixed parameters")
    current = widened_range_of(source) or q.ranges[source]
    # The operator's tensors that take their parameters from the same range.
    members = [i for i in op["inputs"] + op["outputs"] if i >= 0 and q.range_source(i) == source]

    def passes(factor):
        params = _qparams(*q._act_params(*runtime_limits.widened_range(current, factor)))
        return runtime_limits.refusal(tensors, op, {i: params for i in members}) is None

    factor = runtime_limits.widening_factor(passes)
    if factor is None:
        raise ValueError(f"{where}, and no wider range of tensor '{tensors[target]['name']}' helps")
    return source, runtime_limits.widened_range(current, factor)


def quantize_full_integer(float_model, dataset, *, input_type="float32", output_type="float32", int8_only=False,
                          per_channel=True, per_channel_dense=True, activation_bits=8, denylist=(), progress=None,
                          calibration=None, bias_correction=False, num_threads=-1):
    """An int8 (or, with activation_bits=16, 16x8) qtflite.Model from a float one and a
    representative dataset. Calibrated ranges whose parameters TFLite Micro or LiteRT would
    refuse are widened, with a QuantizationWarning. `denylist`: indices of operators kept in
    float32 (selective quantization). `progress`: a progress bar over calibration (None: when
    the output is a terminal or notebook). `calibration`: a method name or a
    calibration_methods.Calibration (None: TensorFlow's min/max). `bias_correction`: fold the
    quantized model's mean output shift per channel into the biases (bias_correction.py).
    `num_threads`: calibration threads (-1: all cores)."""
    d = float_model.to_dict()
    g = d["subgraphs"][0]
    inputs = [(next((n for s in d["signature_defs"] for n, i in s["inputs"] if i == t), g["tensors"][t]["name"]),
               g["tensors"][t]["shape"]) for t in g["inputs"]]
    stacked = collect_samples(dataset, inputs)
    old_in, old_out = list(g["inputs"]), list(g["outputs"])
    options = {"input_type": input_type, "output_type": output_type, "int8_only": int8_only,
               "per_channel": per_channel, "per_channel_dense": per_channel_dense,
               "activation_bits": activation_bits, "denylist": denylist}

    def quantize(model):
        ranges = calibrate(model, stacked, old_in, progress=progress, method=calibration,
                           num_threads=num_threads)
        return _quantized_model(model, ranges, options, old_in, old_out)

    if bias_correction:
        from .bias_correction import correct_biases
        return correct_biases(float_model, quantize, stacked, old_in)[0]
    return quantize(float_model)


def _quantized_model(float_model, ranges, o, old_in, old_out):
    input_type, output_type, int8_only = o["input_type"], o["output_type"], o["int8_only"]
    per_channel, per_channel_dense = o["per_channel"], o["per_channel_dense"]
    activation_bits, denylist = o["activation_bits"], o["denylist"]
    d = _quantize_within_runtime_limits(
        float_model, ranges, {"input_type": input_type, "output_type": output_type, "int8_only": int8_only,
                              "per_channel": per_channel or activation_bits == 16,
                              "per_channel_dense": per_channel_dense or activation_bits == 16,
                              "activation_bits": activation_bits, "denylist": set(denylist)})
    if activation_bits == 16:
        # TensorFlow's 16x8 path keeps the float model's min_runtime_version string.
        version = float_model.min_runtime_version().encode()
        d["metadata"] = [{"name": "min_runtime_version", "data": version + b"\0" * (16 - len(version))}] + d["metadata"]
    _fix_signature_indices(d, old_in, old_out)
    return _core.Model.from_dict(d)
