"""Builds one-operator TFLite models through qtflite's own IR and runs them in qtflite and in
the official runtime (ai-edge-litert, reference kernels), for operator tests."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import numpy as np

import qtflite


class T:
    """A tensor for single_op_model: a constant (data given) or a graph input (shape given)."""

    def __init__(self, dtype, shape=None, data=None, scale=None, zero_point=None, axis=0, name=None):
        self.dtype = np.dtype(dtype)
        self.data = None if data is None else np.asarray(data, dtype=self.dtype)
        self.shape = list(self.data.shape if self.data is not None else shape)
        self.scale, self.zero_point, self.axis, self.name = scale, zero_point, axis, name

    def to_dict(self, name):
        q = {"scales": [], "zero_points": [], "quantized_dimension": 0}
        if self.scale is not None:
            scales = np.atleast_1d(np.asarray(self.scale, np.float32))
            zps = np.atleast_1d(np.asarray(0 if self.zero_point is None else self.zero_point, np.int64))
            if zps.size == 1 and scales.size > 1:
                zps = np.repeat(zps, scales.size)
            q = {"scales": scales.tolist(), "zero_points": zps.tolist(), "quantized_dimension": self.axis}
        return {
            "name": self.name or name, "dtype": str(self.dtype), "shape": self.shape,
            "quantization": q,
            "data": None if self.data is None else np.ascontiguousarray(self.data).view(np.uint8).ravel(),
        }


def single_op_model(opcode, inputs, outputs, options_type=None, options=None, version=1):
    """Model bytes with one operator. `inputs`/`outputs` are lists of T (None = absent input)."""
    tensors, op_inputs, graph_inputs = [], [], []
    for k, t in enumerate(inputs):
        if t is None:
            op_inputs.append(-1)
            continue
        op_inputs.append(len(tensors))
        if t.data is None:
            graph_inputs.append(len(tensors))
        tensors.append(t.to_dict(f"in{k}"))
    op_outputs = []
    for k, t in enumerate(outputs):
        op_outputs.append(len(tensors))
        tensors.append(t.to_dict(f"out{k}"))
    d = {
        "version": 3, "description": "qtflite test",
        "subgraphs": [{"name": "main", "tensors": tensors, "inputs": graph_inputs, "outputs": op_outputs,
                       "operators": [{"opcode": opcode, "version": version, "inputs": op_inputs,
                                      "outputs": op_outputs, "options_type": options_type,
                                      "options": options or {}}]}],
        "signature_defs": [], "metadata": [],
    }
    return qtflite.Model.from_dict(d).serialize()


class FloatGraph:
    """A float model built operator by operator, tensors named, for tests of small graphs:
    g = FloatGraph(); x = g.input("x", [1, 4]); y = g.op("RELU", [x], "y", [1, 4]);
    g.serialize([y])."""

    def __init__(self):
        self.tensors, self.operators, self.inputs = [], [], []

    def _tensor(self, name, shape, data=None):
        self.tensors.append({"name": name, "dtype": "float32" if data is None else str(data.dtype), "shape": list(shape),
                             "quantization": None,
                             "data": None if data is None else np.ascontiguousarray(data).view(np.uint8).ravel()})
        return len(self.tensors) - 1

    def input(self, name, shape):
        self.inputs.append(self._tensor(name, shape))
        return self.inputs[-1]

    def const(self, name, value, dtype=np.float32):
        value = np.asarray(value, dtype)
        return self._tensor(name, value.shape, value)

    def op(self, opcode, inputs, name, shape, options_type=None, options=None, version=1):
        out = self._tensor(name, shape)
        self.operators.append({"opcode": opcode, "version": version, "inputs": list(inputs), "outputs": [out],
                               "options_type": options_type, "options": options or {}})
        return out

    def serialize(self, outputs):
        g = {"name": "main", "tensors": self.tensors, "inputs": self.inputs, "outputs": list(outputs),
             "operators": self.operators}
        return qtflite.Model.from_dict({"version": 3, "description": "qtflite test", "subgraphs": [g],
                                        "signature_defs": [], "metadata": []}).serialize()


def run_qtflite(model_bytes, feeds, numerics="micro", op_resolver_type=None):
    it = qtflite.lite.Interpreter(model_content=model_bytes, numerics=numerics,
                                  experimental_op_resolver_type=op_resolver_type)
    for d, x in zip(it.get_input_details(), feeds):
        if list(d["shape"]) != list(np.shape(x)):
            it.resize_tensor_input(d["index"], list(np.shape(x)))
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), feeds):
        it.set_tensor(d["index"], np.asarray(x, d["dtype"]))
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


def run_litert(model_bytes, feeds):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_content=model_bytes, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    for d, x in zip(it.get_input_details(), feeds):
        if list(d["shape"]) != list(np.shape(x)):
            it.resize_tensor_input(d["index"], list(np.shape(x)))
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), feeds):
        it.set_tensor(d["index"], np.asarray(x, d["dtype"]))
    it.invoke()
    return [it.get_tensor(d["index"]) for d in it.get_output_details()]


def check_against_litert(model_bytes, feeds, micro_tolerance=0):
    """qtflite with numerics="litert" equals litert BUILTIN_REF (floats within 1e-5); with
    numerics="micro", integer outputs stay within `micro_tolerance` LSB of it and float
    outputs equal the litert-numerics ones. Returns qtflite's outputs."""
    want = run_litert(model_bytes, feeds)
    got = run_qtflite(model_bytes, feeds, numerics="litert")
    micro = run_qtflite(model_bytes, feeds, numerics="micro")
    for g, m, w in zip(got, micro, want):
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, g.shape, w.dtype, w.shape)
        if np.issubdtype(w.dtype, np.floating):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
            np.testing.assert_array_equal(m, g)
            continue
        np.testing.assert_array_equal(g, w)
        assert np.max(np.abs(m.astype(np.int64) - w.astype(np.int64)), initial=0) <= micro_tolerance
    return got


# The child of run_official: runs one official runtime on the model and inputs of an .npz file
# and saves its outputs; a file that the runtime aborts on kills only the child.
_OFFICIAL_CHILD = r"""
import sys
import numpy as np
src, dst, runtime = sys.argv[1:4]
data = np.load(src)
model = data["model"].tobytes()
feeds = [data[f"input{k}"] for k in range(int(data["num_inputs"]))]
num_outputs = int(data["num_outputs"])
arena_size = int(data["arena_size"])
if runtime == "litert":
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    it = Interpreter(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    for d, x in zip(it.get_input_details(), feeds):
        if list(d["shape"]) != list(x.shape):
            it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), feeds):
        it.set_tensor(d["index"], x)
    it.invoke()
    outputs = [it.get_tensor(d["index"]) for d in it.get_output_details()]
else:  # tflite-micro has fixed shapes: one sample (batch row) at a time
    from tflite_micro.python.tflite_micro import runtime as micro
    it = micro.Interpreter.from_bytes(model, arena_size=arena_size)
    rows = [[] for _ in range(num_outputs)]
    for n in range(feeds[0].shape[0]):
        for k, x in enumerate(feeds):
            it.set_input(x[n:n + 1], k)
        it.invoke()
        for k in range(num_outputs):
            rows[k].append(np.array(it.get_output(k)))
    outputs = [np.concatenate(r, axis=0) for r in rows]
np.savez(dst, *outputs)
"""


class OfficialRuntimeError(RuntimeError):
    """An official runtime refused a model (an exception, or the process aborted)."""


def run_official(model_bytes, feeds, runtime):
    """Outputs of the official runtime `runtime` ("litert": ai-edge-litert BUILTIN_REF;
    "micro": tflite-micro, row by row) for `feeds` (arrays in input order, batch first), run in a
    child process because a model that a runtime refuses may abort it. Raises
    OfficialRuntimeError with the child's exit status and stderr if it fails."""
    g = qtflite.load_model(model_bytes).to_dict()["subgraphs"][0]
    num_outputs = len(g["outputs"])
    # tflite-micro's arena: room for every activation at once, its per-operator data and scratch.
    activations = sum(int(np.prod([max(d, 1) for d in t["shape"]])) * np.dtype(t["dtype"]).itemsize
                      for t in g["tensors"] if t["data"] is None)
    arena_size = 2 * activations + len(model_bytes) + (1 << 20)
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")
        np.savez(src, model=np.frombuffer(model_bytes, np.uint8), num_inputs=len(feeds), num_outputs=num_outputs,
                 arena_size=arena_size,
                 **{f"input{k}": np.asarray(x) for k, x in enumerate(feeds)})
        done = subprocess.run([sys.executable, "-c", _OFFICIAL_CHILD, src, dst, runtime], capture_output=True,
                              text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
        if done.returncode != 0:
            raise OfficialRuntimeError(f"{runtime} failed (exit status {done.returncode}): {done.stderr[-2000:]}")
        with np.load(dst) as out:
            return [out[f"arr_{k}"] for k in range(num_outputs)]


def check_against_official(model_bytes, feeds):
    """qtflite runs the model exactly as the official runtimes do: numerics="micro" equals
    tflite-micro and numerics="litert" equals LiteRT BUILTIN_REF, bit for bit (float outputs
    too), each official runtime in a child process. Returns qtflite's micro outputs."""
    results = {}
    for numerics in ("micro", "litert"):
        ours = run_qtflite(model_bytes, feeds, numerics=numerics)
        theirs = run_official(model_bytes, feeds, numerics)
        assert len(ours) == len(theirs)
        for k, (o, t) in enumerate(zip(ours, theirs)):
            assert o.dtype == t.dtype and o.shape == t.shape, (numerics, k, o.dtype, o.shape, t.dtype, t.shape)
            np.testing.assert_array_equal(o, t, err_msg=f"output {k}: qtflite {numerics} vs the official runtime")
        results[numerics] = ours
    return results["micro"]
