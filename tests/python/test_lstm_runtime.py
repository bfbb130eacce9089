"""UNIDIRECTIONAL_SEQUENCE_LSTM files in qtflite's Interpreter against the official runtimes
live: TensorFlow Lite Micro for numerics="micro", ai-edge-litert's reference kernels
(BUILTIN_REF) for numerics="litert". Each runtime runs a sequence of invokes in one interpreter,
so the LSTM state (variable tensors) carries over from one invoke to the next in all of them;
int8 outputs must be identical, float ones within 1e-5. Also: the hybrid form (int8 weights,
float activations) against LiteRT, reset_all_variables(), the int8 state's initial value (its
zero point), and the refused batch resize."""
import json
import os

import numpy as np
import pytest

from conftest import DATA, GOLDEN
from op_harness import oracle_interpreter, run_litert, run_micro

with open(os.path.join(GOLDEN, "index.json")) as f:
    CASES = {c["name"]: c for c in json.load(f)["cases"]}
NAMES = ["mnist_lstm_float", "mnist_lstm_int8", "keras_lstm_mnist_ptq"]


def _model(name):
    with open(os.path.join(DATA, CASES[name]["model"]), "rb") as f:
        return f.read()


def _sequence(name, n_real=12, n_random=6):
    """Golden inputs, then random ones (saturating the int8 range), each of the declared shape."""
    case = CASES[name]
    z = np.load(os.path.join(GOLDEN, name + ".npz"))
    shape = case["inputs"][0]["shape"]
    xs = [x.reshape(shape) for x in z["input_0"][:n_real]]
    rng = np.random.default_rng(5)
    dtype = z["input_0"].dtype
    for _ in range(n_random):
        if np.issubdtype(dtype, np.floating):
            xs.append((rng.standard_normal(shape) * 2).astype(dtype))
        else:
            info = np.iinfo(dtype)
            xs.append(rng.integers(info.min, info.max, shape, endpoint=True).astype(dtype))
    return xs


def _ours(content, numerics, xs, reset_each=False):
    it = oracle_interpreter(model_content=content, numerics=numerics)
    it.allocate_tensors()
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    out = []
    for x in xs:
        if reset_each:
            it.reset_all_variables()
        it.set_tensor(i["index"], x)
        it.invoke()
        out.append(it.get_tensor(o["index"]).copy())
    return out


def _compare(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    if np.issubdtype(got.dtype, np.floating):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    else:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("numerics", ["micro", "litert"])
@pytest.mark.parametrize("name", NAMES)
def test_state_carried_across_invokes_matches_official_runtime(name, numerics):
    if numerics == "litert":
        pytest.importorskip("ai_edge_litert")
    else:
        pytest.importorskip("tflite_micro")
    content, xs = _model(name), _sequence(name)
    official = {"micro": run_micro, "litert": run_litert}[numerics]
    want = official(content, [[x] for x in xs], batched=True)  # one interpreter, state carried
    got = _ours(content, numerics, xs)
    for k, (g, w) in enumerate(zip(got, want)):
        _compare(g, w[0])
    # The state matters: the same inputs from reset variables give other outputs.
    fresh = _ours(content, numerics, xs, reset_each=True)
    assert any(not np.array_equal(a, b) for a, b in zip(fresh[1:], got[1:]))


@pytest.mark.parametrize("name", NAMES)
def test_fresh_state_matches_litert(name):
    pytest.importorskip("ai_edge_litert")
    content, xs = _model(name), _sequence(name, n_real=3, n_random=2)
    got = _ours(content, "litert", xs, reset_each=True)
    for g, x in zip(got, xs):
        _compare(g, run_litert(content, [x])[0])  # a new interpreter per call: fresh state


def test_litert_numerics_differ_from_micro_on_int8_lstm():
    """TFLite's integer LSTM (gemmlowp int16 σ/tanh, shifts for the cell products, float
    effective scales) and TFLite Micro's (table σ/tanh, double multipliers) differ by 1 LSB on
    a few golden samples: numerics="litert" must not be micro's arithmetic."""
    name = "mnist_lstm_int8"
    z = np.load(os.path.join(GOLDEN, name + ".npz"))
    xs = [x.reshape(CASES[name]["inputs"][0]["shape"]) for x in z["input_0"]]
    content = _model(name)
    micro = np.stack(_ours(content, "micro", xs, reset_each=True))
    litert = np.stack(_ours(content, "litert", xs, reset_each=True))
    np.testing.assert_array_equal(micro.reshape(z["output_0"].shape), z["output_0"])
    diff = np.abs(micro.astype(int) - litert.astype(int))
    assert diff.max() == 1 and 0 < np.count_nonzero(diff.reshape(len(xs), -1).any(axis=1)) <= 10


@pytest.mark.parametrize("name", ["mnist_lstm_int8", "mnist_lstm_float"])
def test_reset_all_variables(name):
    content = _model(name)
    xs = _sequence(name, n_real=3, n_random=0)
    it = oracle_interpreter(model_content=content)
    it.reset_all_variables()  # before allocate_tensors: nothing to reset, no error
    it.allocate_tensors()
    states = [d for d in it.get_tensor_details() if d["index"] in _variable_indices(it)]
    assert len(states) == 2
    for d in states:
        zp = d["quantization"][1] if d["dtype"] == np.int8 else 0
        assert np.all(it.get_tensor(d["index"]) == zp)
    first = _ours(content, "micro", xs[:1])[0]
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    for x in xs:
        it.set_tensor(i["index"], x)
        it.invoke()
    assert any(np.any(it.get_tensor(d["index"]) != (d["quantization"][1] if d["dtype"] == np.int8 else 0))
               for d in states)
    it.reset_all_variables()
    for d in states:
        zp = d["quantization"][1] if d["dtype"] == np.int8 else 0
        assert np.all(it.get_tensor(d["index"]) == zp)
    it.set_tensor(i["index"], xs[0])
    it.invoke()
    _compare(it.get_tensor(o["index"]), first)


def _variable_indices(it):
    return {k for k, t in enumerate(it._graph["tensors"]) if t.get("is_variable")}


def test_batch_resize_refused_like_litert():
    pytest.importorskip("ai_edge_litert")
    content = _model("mnist_lstm_int8")
    x = np.zeros([4, 28, 28], np.int8)
    with pytest.raises((RuntimeError, ValueError)):
        run_litert(content, [x])
    it = oracle_interpreter(model_content=content)
    it.resize_tensor_input(it.get_input_details()[0]["index"], [4, 28, 28])
    with pytest.raises(ValueError, match=r"output state \[1, 20\] does not hold batch 4 x 20 units"):
        it.allocate_tensors()


def _hybrid_lstm_model(asymmetric):
    """mnist_lstm_float's LSTM alone (its output the graph's), with its eight weight matrices
    quantized to symmetric per-tensor int8: the hybrid (dynamic range) form."""
    import qtflite
    d = qtflite.load_model(_model("mnist_lstm_float")).to_dict()
    g = d["subgraphs"][0]
    op = next(o for o in g["operators"] if o["opcode"] == "UNIDIRECTIONAL_SEQUENCE_LSTM")
    op["options"]["asymmetric_quantize_inputs"] = asymmetric
    for k in range(1, 9):
        t = g["tensors"][op["inputs"][k]]
        w = np.frombuffer(bytes(t["data"]), np.float32).reshape(t["shape"])
        s = np.abs(w).max() / 127
        q = np.clip(np.round(w / s), -127, 127).astype(np.int8)
        t.update(dtype="int8", data=q.view(np.uint8).ravel(),
                 quantization={"scales": [float(s)], "zero_points": [0], "quantized_dimension": 0})
    g["operators"] = [op]
    g["outputs"] = list(op["outputs"])
    d["signature_defs"] = []
    return qtflite.Model.from_dict(d).serialize()


@pytest.mark.parametrize("numerics", ["micro", "litert"])
@pytest.mark.parametrize("asymmetric", [False, True])
def test_hybrid_matches_litert(asymmetric, numerics):
    """TFLite Micro has no hybrid LSTM: both numerics run TFLite's hybrid arithmetic."""
    pytest.importorskip("ai_edge_litert")
    content = _hybrid_lstm_model(asymmetric)
    xs = _sequence("mnist_lstm_float", n_real=4, n_random=3)
    want = run_litert(content, [[x] for x in xs], batched=True)
    got = _ours(content, numerics, xs)
    for g, w in zip(got, want):
        _compare(g, w[0])
