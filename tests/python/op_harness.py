"""Builds one-operator TFLite models through qtflite's own IR and runs models in qtflite and
in the official runtimes: ai-edge-litert's reference kernels (BUILTIN_REF, the oracle for
numerics="litert") and TensorFlow Lite Micro (the tflite-micro package, the oracle for
numerics="micro", the default). The official runtimes run in child processes (runtime_child.py),
one per runtime and test process, reused across calls: a file that makes a runtime abort fails
the test that wrote it instead of killing the test run."""
from __future__ import annotations

import atexit
import os
import re
import signal
import subprocess
import sys
import tempfile
from multiprocessing.connection import Connection

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


# The kernels the oracle comparisons run: qtflite's fast integer kernels (bit-exact by contract,
# so every comparison checks them too) beside its reference float kernels, because the oracles'
# float kernels are reference kernels and only the same summation order rounds the same way. The
# default (AUTO) float kernels are held to the reference ones within float rounding in
# test_fast_float.py.
ORACLE = "ORACLE"


def oracle_interpreter(**kwargs):
    """qtflite.lite.Interpreter(**kwargs) on the ORACLE kernels."""
    it = qtflite.lite.Interpreter(**kwargs)
    it._impl.set_fast_float_kernels(False)
    return it


def run_qtflite(model_bytes, feeds, numerics="micro", op_resolver_type=ORACLE):
    if op_resolver_type == ORACLE:
        it = oracle_interpreter(model_content=model_bytes, numerics=numerics)
    else:
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


class RuntimeRefused(RuntimeError):
    """An official runtime refused a model or its inputs with an error of its own (an operator
    or type it has no kernel for, a failed Prepare): the message holds the runtime's log."""


class _RuntimeChild:
    """One official runtime in a child Python process, fed over pipes."""

    # A request longer than this is a hung runtime.
    TIMEOUT = 600

    def __init__(self, kind):
        self.kind, self.proc = kind, None

    def _start(self):
        parent_read, child_write = os.pipe()
        child_read, parent_write = os.pipe()
        self.log = tempfile.TemporaryFile()
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "runtime_child.py"), self.kind,
             str(child_read), str(child_write)],
            pass_fds=(child_read, child_write), stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, env=env)
        os.close(child_read)
        os.close(child_write)
        self.requests = Connection(parent_write, readable=False)
        self.answers = Connection(parent_read, writable=False)

    def _log_since(self, offset):
        self.log.seek(offset)
        return self.log.read().decode(errors="replace").strip()

    def run(self, model_bytes, runs):
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        offset = self.log.seek(0, os.SEEK_END)
        try:
            self.requests.send((bytes(model_bytes), runs))
            if not self.answers.poll(self.TIMEOUT):
                self.proc.kill()
                raise EOFError
            answer = self.answers.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            code = self.proc.wait()
            self.proc = None
            how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
            raise AssertionError(f"{self.kind} runtime died ({how}) on this model; its log:\n"
                                 f"{self._log_since(offset)[-3000:]}") from None
        if answer[0] == "error":
            _, kind, message = answer
            log = self._log_since(offset)
            text = f"{self.kind} runtime: {kind}: {message}" + (f"\n{log[-3000:]}" if log else "")
            raise ValueError(text) if kind == "ValueError" else RuntimeRefused(text)
        return answer[1]

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.requests.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


_CHILDREN = {}


def _child(kind):
    if kind not in _CHILDREN:
        _CHILDREN[kind] = _RuntimeChild(kind)
        atexit.register(_CHILDREN[kind].close)
    return _CHILDREN[kind]


def _as_runs(feeds, batched):
    runs = feeds if batched else [feeds]
    return [[np.ascontiguousarray(x) for x in run] for run in runs]


def run_litert(model_bytes, feeds, batched=False):
    """Outputs of ai-edge-litert's reference kernels (BUILTIN_REF) for `feeds` (one array per
    input; resized to their shapes), in a child process. batched=True: `feeds` is a list of
    such lists, run one after the other in one interpreter, and a list of output lists is
    returned. Raises RuntimeRefused (a RuntimeError) or ValueError with the runtime's message
    when it refuses, AssertionError when it dies."""
    results = _child("litert").run(model_bytes, _as_runs(feeds, batched))
    return results if batched else results[0]


def run_micro(model_bytes, feeds, batched=False):
    """Outputs of TensorFlow Lite Micro (tflite-micro) for `feeds`, in a child process, as
    run_litert. Micro keeps the shapes written in the file: inputs of N samples of a batch-1
    model are N invocations, their outputs stacked."""
    results = _child("micro").run(model_bytes, _as_runs(feeds, batched))
    return results if batched else results[0]


# What TensorFlow Lite Micro (tflite-micro) has no kernel for: operators, by the types they are
# given, that it refuses with an error of its own (measured on every model the tests build).
MICRO_NO_UINT8 = {"ADD", "SUB", "MUL", "AVERAGE_POOL_2D", "MAX_POOL_2D", "CONCATENATION", "CONV_2D",
                  "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "LOGISTIC", "TANH", "MEAN", "RELU", "RELU6", "SOFTMAX",
                  "RESIZE_BILINEAR"}
# Operators the tflite-micro interpreter has no registration for at all.
MICRO_UNREGISTERED = {"RELU_N1_TO_1", "GELU"}
WEIGHT_OPS = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV"}
MICRO_DIES = "died \\(signal SIG"


def micro_refusal(model_bytes):
    """How TFLite Micro is expected to refuse this model, as a regular expression its error must
    match, or None when it runs it. Each uint8 operator refuses with a message of its own, then
    Micro's "Node X (number k) failed to prepare/invoke". One is not a refusal but a crash, a bug
    of Micro's: a DEPTHWISE_CONV_2D whose optional bias is absent kills the process (SIGSEGV;
    CONV_2D is fine). qtflite's converter always writes a bias there (zeros), as TensorFlow's
    does, so this only concerns hand-built files."""
    g = qtflite.load_model(model_bytes).to_dict()["subgraphs"][0]
    tensors = g["tensors"]
    for op in g["operators"]:
        name, ins = op["opcode"], op["inputs"]

        def dtype(k):
            return tensors[ins[k]]["dtype"] if len(ins) > k and ins[k] >= 0 else None
        out = tensors[op["outputs"][0]]["dtype"]
        types = {tensors[i]["dtype"] for i in ins + op["outputs"] if i >= 0}
        node = rf"Node {name} \(number \d+\) failed to (prepare|invoke)"
        if name in MICRO_NO_UINT8 and "uint8" in types:
            return node
        if name == "QUANTIZE" and out == "uint8" and dtype(0) in ("float32", "uint8"):
            return rf"Input {dtype(0).upper()}, output UINT8 not supported.\s+{node}"
        if name in MICRO_UNREGISTERED:
            return f"Didn't find op for builtin opcode '{name}'"
        if name == "RESIZE_BILINEAR" and out == "int16":
            return rf"Output type is 7, requires float or int8.\s+{node}"
        if name in WEIGHT_OPS and dtype(0) == "float32" and dtype(1) == "int8":
            return rf"(Hybrid models are not supported on TFLite Micro|Input type: FLOAT32 with filter type: INT8 " \
                   rf"not supported).\s+{node}"
        if name == "DEQUANTIZE" and dtype(0) == "float16":
            return rf"input->type == kTfLiteInt8 \|\| input->type == kTfLiteInt16 \|\| input->type == kTfLiteUInt8 " \
                   rf"was not true.\s+{node}"
        if name == "STRIDED_SLICE" and ins[3] >= 0 and tensors[ins[3]]["data"] is not None and \
                not np.all(np.asarray(tensors[ins[3]]["data"]).view(tensors[ins[3]]["dtype"])):
            return rf"stride value has to be non-zero\s+{node}"
        if name == "DEPTHWISE_CONV_2D" and dtype(2) is None:
            return MICRO_DIES
    return None


def check_against_micro(model_bytes, feeds):
    """qtflite (numerics="micro", reference kernels) gives exactly TFLite Micro's outputs,
    integer and float alike (both run reference kernels: measured bit-identical on every
    golden file and every file the tests write), or Micro refuses the model as micro_refusal
    expects. Returns qtflite's outputs."""
    got = run_qtflite(model_bytes, feeds)
    refusal = micro_refusal(model_bytes)
    if refusal is not None:
        try:
            run_micro(model_bytes, feeds)
        except (RuntimeRefused, AssertionError) as e:
            assert re.search(refusal, str(e)), f"TFLite Micro refused otherwise than expected ({refusal}): {e}"
            assert (refusal == MICRO_DIES) == isinstance(e, AssertionError), str(e)
            return got
        raise AssertionError(f"TFLite Micro ran a model it is expected to refuse ({refusal})")
    want = run_micro(model_bytes, feeds)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, g.shape, w.dtype, w.shape)
        np.testing.assert_array_equal(g, w)
    return got


def check_against_litert(model_bytes, feeds, micro_tolerance=0):
    """qtflite with numerics="litert" equals litert BUILTIN_REF (floats within 1e-5); with
    numerics="micro" it equals TFLite Micro exactly (check_against_micro), and its integer
    outputs stay within `micro_tolerance` LSB of LiteRT's, float outputs equal. Returns
    qtflite's numerics="litert" outputs."""
    want = run_litert(model_bytes, feeds)
    got = run_qtflite(model_bytes, feeds, numerics="litert")
    micro = check_against_micro(model_bytes, feeds)
    for g, m, w in zip(got, micro, want):
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, g.shape, w.dtype, w.shape)
        if np.issubdtype(w.dtype, np.floating):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
            np.testing.assert_array_equal(m, g)
            continue
        np.testing.assert_array_equal(g, w)
        assert np.max(np.abs(m.astype(np.int64) - w.astype(np.int64)), initial=0) <= micro_tolerance
    return got


class OfficialRuntimeError(RuntimeError):
    """An official runtime refused a model: an error of its own, or its process died."""


def run_official(model_bytes, feeds, runtime):
    """Outputs of the official runtime that is the oracle for `runtime` ("micro": tflite-micro;
    "litert": ai-edge-litert BUILTIN_REF), run in its child process. Raises OfficialRuntimeError
    with the runtime's message (or how its process died) when it refuses the model."""
    run = run_micro if runtime == "micro" else run_litert
    try:
        return run(model_bytes, feeds)
    except (RuntimeRefused, ValueError, AssertionError) as e:
        raise OfficialRuntimeError(f"{runtime}: {e}") from e


def check_against_official(model_bytes, feeds):
    """qtflite runs the model exactly as the official runtimes do: numerics="micro" equals
    tflite-micro and numerics="litert" equals LiteRT BUILTIN_REF, bit for bit (float outputs
    too). Returns qtflite's micro outputs."""
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
