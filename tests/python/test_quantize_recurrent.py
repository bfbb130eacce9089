"""Full int8 quantization of recurrent models: UNIDIRECTIONAL_SEQUENCE_LSTM in TFLite's 8x8→16
layout as TensorFlow's converter writes it (compared with the official mnist_lstm int8 file),
har_lstm.keras int8 agreeing with float and bit-exact in TFLite Micro (numerics="micro") and
LiteRT BUILTIN_REF (numerics="litert"); live Bidirectional LSTM and unrolled GRU/SimpleRNN
quantized as ordinary operators, bit-exact too."""
import os

import numpy as np
import pytest

import qtflite
from qtflite import lite
from qtflite.quantize.lstm import cell_state_scale
from conftest import DATA
from op_harness import run_litert, run_micro

HAR = os.path.join(DATA, "keras", "har_lstm.keras")
OFFICIAL = os.path.join(DATA, "tflite", "mnist_lstm", "trained_lstm_int8.tflite")


def _int8(path, calibration, method=None):
    conv = lite.TFLiteConverter.from_keras_file(path)
    if method is not None:
        conv.experimental_calibration = method
    conv.optimizations = [lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([x] for x in calibration)
    conv.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = np.int8
    conv.inference_output_type = np.int8
    return conv.convert()


def _run(content, numerics, xs):
    it = lite.Interpreter(model_content=content, numerics=numerics, experimental_op_resolver_type="BUILTIN_REF")
    it.allocate_tensors()
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    out = []
    for x in xs:
        it.reset_all_variables()
        it.set_tensor(i["index"], x)
        it.invoke()
        out.append(it.get_tensor(o["index"]).copy())
    return np.concatenate(out), i, o


def _quantize_inputs(content, xs):
    it = lite.Interpreter(model_content=content)
    scale, zp = it.get_input_details()[0]["quantization"]
    return np.clip(np.round(xs / scale) + zp, -128, 127).astype(np.int8)


def _lstm_layout(content):
    g = qtflite.load_model(content).to_dict()["subgraphs"][0]
    t = g["tensors"]
    out = []
    for op in g["operators"]:
        if op["opcode"] != "UNIDIRECTIONAL_SEQUENCE_LSTM":
            continue
        q = lambda k: t[op["inputs"][k]]  # noqa: E731
        out.append({
            "types": [q(k)["dtype"] if op["inputs"][k] >= 0 else None for k in range(24)],
            "variables": [bool(q(k).get("is_variable")) for k in (18, 19)],
            "intermediates": [(t[i]["dtype"], t[i]["shape"]) for i in op["intermediates"]],
            "scales": {k: q(k)["quantization"]["scales"][0] for k in (0, 1, 12, 18, 19)},
            "zero_points": {k: q(k)["quantization"]["zero_points"][0] for k in (18, 19)},
            "out": t[op["outputs"][0]]["quantization"],
            "hidden": t[op["intermediates"][4]]["quantization"],
        })
    return out


@pytest.fixture(scope="module")
def har():
    rng = np.random.default_rng(0)
    calibration = rng.standard_normal((100, 1, 128, 9)).astype(np.float32)
    return _int8(HAR, calibration), lite.TFLiteConverter.from_keras_file(HAR).convert()


def test_calibration_method_applies_to_lstm_models():
    """LSTM models calibrate one sample per invoke (state carried): the percentile method still
    drops a wild sample there, where min/max keeps it."""
    rng = np.random.default_rng(1)
    calibration = rng.standard_normal((100, 1, 128, 9)).astype(np.float32)
    calibration[7] *= 50.0
    def input_scale(content):
        it = lite.Interpreter(model_content=content)
        return it.get_input_details()[0]["quantization"][0]
    minmax = input_scale(_int8(HAR, calibration))
    percentile = input_scale(_int8(HAR, calibration, "percentile"))
    assert percentile < minmax / 10


def test_int8_lstm_layout_is_tensorflows(har):
    ours = _lstm_layout(har[0])
    official = _lstm_layout(open(OFFICIAL, "rb").read())
    assert len(ours) == 2 and len(official) == 1
    want = official[0]
    for lay in ours:
        assert lay["types"] == want["types"]  # int8 x/weights/h, int32 biases, int16 c, absent inputs
        assert lay["variables"] == want["variables"] == [True, True]
        assert lay["intermediates"] == want["intermediates"]
        s = lay["scales"]
        assert np.float32(s[12]) == np.float32(np.float64(np.float32(s[0])) * np.float32(s[1]))  # bias scale
        assert s[18] == lay["out"]["scales"][0] and lay["zero_points"][18] == lay["out"]["zero_points"][0]
        assert lay["hidden"]["scales"] == lay["out"]["scales"]
        assert np.log2(s[19]) == np.round(np.log2(s[19])) and lay["zero_points"][19] == 0  # power of two
    s = want["scales"]
    assert np.float32(s[12]) == np.float32(np.float64(np.float32(s[0])) * np.float32(s[1]))
    assert want["hidden"]["scales"] == want["out"]["scales"]


def test_cell_state_scale_is_the_covering_power_of_two():
    assert cell_state_scale(-0.3, 0.9) == 2.0 ** -15
    assert cell_state_scale(-5.0, 3.0) == 2.0 ** -12
    assert cell_state_scale(-8.0, 1.0) == 2.0 ** -12
    assert cell_state_scale(0.0, 8.01) == 2.0 ** -11
    assert cell_state_scale(0.0, 1e9) == 2.0 ** -5


def test_har_lstm_int8_agrees_with_float_and_is_bit_exact_in_official_runtimes(har):
    content, float_content = har
    xs = np.random.default_rng(1).standard_normal((200, 1, 128, 9)).astype(np.float32)
    xq = _quantize_inputs(content, xs)
    want, _, _ = _run(float_content, "micro", xs)
    micro, _, o = _run(content, "micro", xq)
    scale, zp = o["quantization"]
    got = (micro.astype(np.float32) - zp) * scale
    # No labelled HAR inputs in ../shared: output agreement with float (top class).
    agreement = np.mean(got.argmax(1) == want.argmax(1))
    assert agreement >= 0.97, agreement
    litert, _, _ = _run(content, "litert", xq)
    for k in range(0, 200, 20):  # a new official interpreter per sample: fresh state
        np.testing.assert_array_equal(run_micro(content, [xq[k]])[0], micro[k:k + 1])
        np.testing.assert_array_equal(run_litert(content, [xq[k]])[0], litert[k:k + 1])


keras = pytest.importorskip("keras")
L = keras.layers
LIVE = {
    "lstm_backwards_sequences": lambda: [L.LSTM(6, go_backwards=True, return_sequences=True), L.Flatten(),
                                         L.Dense(3)],
    "bidirectional_lstm": lambda: [L.Bidirectional(L.LSTM(5, return_sequences=True)), L.LSTM(4), L.Dense(3)],
    "gru": lambda: [L.GRU(6), L.Dense(3)],
    "gru_sequences": lambda: [L.GRU(5, return_sequences=True, go_backwards=True), L.Flatten(), L.Dense(3)],
    "simple_rnn": lambda: [L.SimpleRNN(6), L.Dense(3)],
}


@pytest.mark.parametrize("case", sorted(LIVE))
def test_live_recurrent_int8_bit_exact_in_official_runtimes(tmp_path, case):
    model = keras.Sequential([keras.Input((8, 4))] + LIVE[case]())
    rng = np.random.default_rng(2)
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
    path = str(tmp_path / "m.keras")
    model.save(path)
    content = _int8(path, rng.standard_normal((40, 1, 8, 4)).astype(np.float32))
    ops = [o["op_name"] for o in lite.Interpreter(model_content=content)._get_ops_details()]
    assert "DEQUANTIZE" not in ops
    xf = rng.standard_normal((8, 1, 8, 4)).astype(np.float32)
    xs = _quantize_inputs(content, xf)
    micro, _, o = _run(content, "micro", xs)
    litert, _, _ = _run(content, "litert", xs)
    for k, x in enumerate(xs):
        np.testing.assert_array_equal(run_micro(content, [x])[0], micro[k:k + 1])
        np.testing.assert_array_equal(run_litert(content, [x])[0], litert[k:k + 1])
    # And it still computes the model: within a few output steps of Keras' float result where
    # the output is not clamped (a value beyond the calibrated range).
    scale, zp = o["quantization"]
    err = np.abs((micro.astype(np.float32) - zp) * scale - model.predict(xf[:, 0], verbose=0))
    inside = (micro > -128) & (micro < 127)
    assert inside.mean() > 0.9 and err[inside].max() <= 8 * scale


def test_int8_lstm_equals_tensorflows_converter(tmp_path):
    """A tf.keras LSTM through TensorFlow's converter (full int8, int8 I/O) and through qtflite
    from the same representative data: the same operators, and every tensor of every operator
    (LSTM intermediates included) with the same type, shape, quantization and constant data.
    This pins the calibration details: the state carried from sample to sample, c's power-of-two
    scale, cell_clip 10."""
    tf = pytest.importorskip("tensorflow")
    tf_keras = pytest.importorskip("tf_keras")
    model = tf_keras.Sequential([tf_keras.Input((10, 4), batch_size=1), tf_keras.layers.LSTM(8),
                                 tf_keras.layers.Dense(3)])
    rng = np.random.default_rng(0)
    model.set_weights([rng.uniform(-0.9, 0.9, w.shape).astype(np.float32) for w in model.get_weights()])
    path = str(tmp_path / "m.h5")
    model.save(path)
    calibration = (rng.standard_normal((50, 1, 10, 4)) * 2).astype(np.float32)
    ours = _int8(path, calibration)
    c = tf.lite.TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = lambda: ([x] for x in calibration)
    c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    c.inference_input_type = tf.int8
    c.inference_output_type = tf.int8
    theirs = c.convert()
    a, b = (qtflite.load_model(m).to_dict()["subgraphs"][0] for m in (ours, theirs))
    assert [o["opcode"] for o in a["operators"]] == [o["opcode"] for o in b["operators"]]

    def described(g, t):
        if t < 0:
            return None
        d = g["tensors"][t]
        q = d["quantization"] or {}
        return (d["dtype"], list(d["shape"]), list(q.get("scales", [])), list(q.get("zero_points", [])),
                bool(d.get("is_variable")), None if d["data"] is None else bytes(np.asarray(d["data"], np.uint8)))

    for oa, ob in zip(a["operators"], b["operators"]):
        assert oa["options"] == ob["options"]
        for key in ("inputs", "outputs", "intermediates"):
            assert [described(a, t) for t in oa.get(key) or []] == [described(b, t) for t in ob.get(key) or []], key


@pytest.mark.parametrize("n_in,units", [(9, 64), (20, 60)])
def test_dynamic_range_lstm_equals_tensorflows(tmp_path, n_in, units):
    """Dynamic-range quantization of a tf.keras LSTM: TensorFlow makes it hybrid (eight int8
    per-tensor weights, version 3, asymmetric inputs) only when every weight has 1024 elements
    or more ([64, 9] input kernels keep the op float); qtflite writes the same weights, and the
    hybrid file runs as LiteRT's reference kernels run it."""
    tf = pytest.importorskip("tensorflow")
    tf_keras = pytest.importorskip("tf_keras")
    model = tf_keras.Sequential([tf_keras.Input((10, n_in), batch_size=1), tf_keras.layers.LSTM(units),
                                 tf_keras.layers.Dense(3)])
    path = str(tmp_path / "m.h5")
    model.save(path)
    c = tf.lite.TFLiteConverter.from_keras_model(model)
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    theirs = c.convert()
    c = lite.TFLiteConverter.from_keras_file(path)
    c.optimizations = [lite.Optimize.DEFAULT]
    ours = c.convert()
    a, b = (qtflite.load_model(m).to_dict()["subgraphs"][0] for m in (ours, theirs))
    oa, ob = a["operators"][0], b["operators"][0]
    assert oa["opcode"] == ob["opcode"] == "UNIDIRECTIONAL_SEQUENCE_LSTM"
    assert oa["version"] == ob["version"]
    assert oa["options"]["asymmetric_quantize_inputs"] == ob["options"]["asymmetric_quantize_inputs"]
    for k in range(1, 9):
        ta, tb = a["tensors"][oa["inputs"][k]], b["tensors"][ob["inputs"][k]]
        assert ta["dtype"] == tb["dtype"]
        assert bytes(np.asarray(ta["data"], np.uint8)) == bytes(np.asarray(tb["data"], np.uint8))
        assert list((ta["quantization"] or {}).get("scales", [])) == list((tb["quantization"] or {}).get("scales", []))
    assert (a["tensors"][oa["inputs"][1]]["dtype"] == "int8") == (n_in * units >= 1024)
    x = np.random.default_rng(0).standard_normal((1, 10, n_in)).astype(np.float32)
    it = lite.Interpreter(model_content=ours, numerics="litert", experimental_op_resolver_type="BUILTIN_REF")
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    np.testing.assert_allclose(it.get_tensor(it.get_output_details()[0]["index"]), run_litert(ours, [x])[0],
                               rtol=1e-5, atol=1e-5)
