"""Builds one-operator TFLite models through qtflite's own IR and runs them in qtflite and in
the official runtime (ai-edge-litert, reference kernels), for operator tests."""
from __future__ import annotations

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



# ---- the official runtimes in a child process (a file they reject may abort the process)

_CHILD = r"""
import sys
import numpy as np
runtime_name, model_path, feeds_path, out_path, here, n_out = sys.argv[1:7]
model = open(model_path, "rb").read()
with np.load(feeds_path) as f:
    feeds = [f[f"x{k}"] for k in range(len(f.files))]
if runtime_name == "litert":
    sys.path.insert(0, here)
    from op_harness import run_litert
    outs = run_litert(model, feeds)
else:  # tflite-micro: shapes are fixed at batch 1, so one sample at a time
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_bytes(model)
    rows = []
    for i in range(feeds[0].shape[0]):
        for k, x in enumerate(feeds):
            it.set_input(np.ascontiguousarray(x[i:i + 1]), k)
        it.invoke()
        rows.append([np.array(it.get_output(k)) for k in range(int(n_out))])
    outs = [np.concatenate([r[k] for r in rows]) for k in range(int(n_out))]
np.savez(out_path, **{f"y{k}": y for k, y in enumerate(outs)})
"""


def run_official_in_child(runtime_name, model_bytes, feeds, timeout=600):
    """Outputs of `runtime_name` ("litert": ai-edge-litert BUILTIN_REF; "micro": tflite-micro)
    for `feeds` (a list of batched arrays, one per input), computed in a child process so that
    a runtime that aborts on a file fails the test instead of killing pytest."""
    import os
    import subprocess
    import sys
    import tempfile

    n_out = len(qtflite.load_model(model_bytes).to_dict()["subgraphs"][0]["outputs"])
    with tempfile.TemporaryDirectory() as d:
        model_path, feeds_path, out_path = (os.path.join(d, n) for n in ("m.tflite", "x.npz", "y.npz"))
        with open(model_path, "wb") as f:
            f.write(model_bytes)
        np.savez(feeds_path, **{f"x{k}": np.asarray(x) for k, x in enumerate(feeds)})
        r = subprocess.run([sys.executable, "-c", _CHILD, runtime_name, model_path, feeds_path, out_path,
                            os.path.dirname(os.path.abspath(__file__)), str(n_out)],
                           capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise AssertionError(f"{runtime_name} failed on the model (exit {r.returncode}):\n{r.stderr[-3000:]}")
        with np.load(out_path) as f:
            return [f[f"y{k}"] for k in range(n_out)]
