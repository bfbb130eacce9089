"""Live Keras 3 recurrent models -> TFLite: LSTM (go_backwards, stateful) as the fused
UNIDIRECTIONAL_SEQUENCE_LSTM, GRU and SimpleRNN unrolled, Bidirectional as two layers and a
merge. Each converts, equals Keras within 1e-5 from reset state, and runs in ai-edge-litert
(BUILTIN_REF) and TFLite Micro with the same outputs; a stateful LSTM carries its state across
invokes as Keras does across calls, one time step per invoke included."""
import os
import subprocess
import sys

import numpy as np
import pytest

import qtflite
from qtflite import lite
from op_harness import run_litert, run_micro

keras = pytest.importorskip("keras")
L = keras.layers
T, F = 6, 3


def _convert(tmp_path, layers, batch_size=None, steps=T):
    model = keras.Sequential([keras.Input((steps, F), batch_size=batch_size)] + layers)
    path = str(tmp_path / "m.keras")
    model.save(path)
    return model, lite.TFLiteConverter.from_keras_file(path).convert()


def _interpreter(content):
    it = lite.Interpreter(model_content=content, experimental_op_resolver_type="BUILTIN_REF")
    it.allocate_tensors()
    return it


def _run(it, x, reset=True):
    if reset:
        it.reset_all_variables()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return it.get_tensor(it.get_output_details()[0]["index"]).copy()


def _ops(it):
    return [o["op_name"] for o in it._get_ops_details()]


CASES = {
    "lstm_backwards": lambda rs: [L.LSTM(5, return_sequences=rs, go_backwards=True)],
    "gru": lambda rs: [L.GRU(5, return_sequences=rs)],
    "gru_backwards_reset_before": lambda rs: [L.GRU(5, return_sequences=rs, go_backwards=True, reset_after=False)],
    "simple_rnn": lambda rs: [L.SimpleRNN(5, return_sequences=rs)],
    "simple_rnn_relu_backwards": lambda rs: [L.SimpleRNN(5, return_sequences=rs, activation="relu",
                                                         go_backwards=True)],
    "bidirectional_lstm_concat": lambda rs: [L.Bidirectional(L.LSTM(4, return_sequences=rs))],
    "bidirectional_lstm_sum": lambda rs: [L.Bidirectional(L.LSTM(4, return_sequences=rs), merge_mode="sum")],
    "bidirectional_lstm_mul": lambda rs: [L.Bidirectional(L.LSTM(4, return_sequences=rs), merge_mode="mul")],
    "bidirectional_lstm_ave": lambda rs: [L.Bidirectional(L.LSTM(4, return_sequences=rs), merge_mode="ave")],
    "bidirectional_gru": lambda rs: [L.Bidirectional(L.GRU(4, return_sequences=rs))],
    "bidirectional_simple_rnn": lambda rs: [L.Bidirectional(L.SimpleRNN(4, return_sequences=rs))],
    "stacked_gru_lstm_dense": lambda rs: [L.GRU(6, return_sequences=True), L.LSTM(4, return_sequences=rs),
                                          L.Dense(3)],
}


def _randomize(model):
    # Fresh Keras layers have zero biases and orthogonal recurrent kernels: make every weight count.
    rng = np.random.default_rng(3)
    model.set_weights([rng.uniform(-0.6, 0.6, w.shape).astype(np.float32) for w in model.get_weights()])


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("case", sorted(CASES))
def test_live_recurrent_matches_keras_and_official_runtimes(tmp_path, case, return_sequences):
    model = keras.Sequential([keras.Input((T, F))] + CASES[case](return_sequences))
    _randomize(model)
    path = str(tmp_path / "m.keras")
    model.save(path)
    content = lite.TFLiteConverter.from_keras_file(path).convert()
    it = _interpreter(content)
    ops = _ops(it)
    assert "WHILE" not in ops and "UNIDIRECTIONAL_SEQUENCE_RNN" not in ops
    if "lstm" in case:
        assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in ops
    if "gru" in case or "simple_rnn" in case:
        assert "FULLY_CONNECTED" in ops  # the unrolled step
    if "backwards" in case or "bidirectional" in case:
        assert "REVERSE_V2" in ops or "lstm" not in case
    xs = np.random.default_rng(0).standard_normal((3, 1, T, F)).astype(np.float32)
    want = model.predict(xs[:, 0], verbose=0)
    for x, w in zip(xs, want):
        got = _run(it, x)
        np.testing.assert_allclose(got[0], w, rtol=1e-5, atol=1e-5)
        # A new official interpreter per sample: fresh state, as reset_all_variables gives.
        np.testing.assert_allclose(run_litert(content, [x])[0], got, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(run_micro(content, [x])[0], got, rtol=1e-5, atol=1e-5)


def test_stateful_lstm_carries_state_across_invokes_as_keras(tmp_path):
    model, content = _convert(tmp_path, [L.LSTM(5, stateful=True, return_sequences=True), L.Dense(2)], batch_size=1)
    it = _interpreter(content)
    assert sum(bool(t.get("is_variable")) for t in it._graph["tensors"]) == 2  # h and c
    chunks = np.random.default_rng(1).standard_normal((3, 1, T, F)).astype(np.float32)
    for x in chunks:  # Keras carries the state from one call to the next; so do the variables
        np.testing.assert_allclose(_run(it, x, reset=False), model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
    for layer in model.layers:
        if hasattr(layer, "reset_states"):
            layer.reset_states()
    np.testing.assert_allclose(_run(it, chunks[0]), model.predict(chunks[0], verbose=0), rtol=1e-5, atol=1e-5)
    # TFLite Micro keeps the state across invokes in one interpreter too.
    micro = run_micro(content, [[x] for x in chunks], batched=True)
    ours = [_run(it, x, reset=(k == 0)) for k, x in enumerate(chunks)]
    for m, o in zip(micro, ours):
        np.testing.assert_allclose(m[0], o, rtol=1e-5, atol=1e-5)


def test_stateful_lstm_one_step_per_invoke_equals_full_sequence(tmp_path):
    _, content = _convert(tmp_path, [L.LSTM(5, stateful=True), L.Dense(2)], batch_size=1)
    x = np.random.default_rng(2).standard_normal((1, T, F)).astype(np.float32)
    want = _run(_interpreter(content), x)
    step = lite.Interpreter(model_content=content, experimental_op_resolver_type="BUILTIN_REF")
    step.resize_tensor_input(step.get_input_details()[0]["index"], [1, 1, F])
    step.allocate_tensors()
    for t in range(T):
        got = _run(step, x[:, t:t + 1], reset=False)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("layer", ["GRU", "SimpleRNN"])
def test_stateful_unrolled_layer_is_refused(tmp_path, layer):
    model = keras.Sequential([keras.Input((T, F), batch_size=1), getattr(L, layer)(4, stateful=True)])
    path = str(tmp_path / "m.keras")
    model.save(path)
    with pytest.raises(NotImplementedError, match="stateful=True"):
        lite.TFLiteConverter.from_keras_file(path).convert()


def test_tensorflow_writes_while_loops_where_qtflite_writes_fused_or_unrolled(tmp_path):
    """The difference issue #13 is about: TensorFlow's converter turns Keras 3 LSTM and GRU
    into WHILE loops (which TFLite Micro runs badly or not at all); qtflite writes the fused
    LSTM operator and the unrolled GRU step. (With a dynamic batch TensorFlow's converter
    fails outright on the tensor lists; a fixed batch gets it to the WHILE form.)"""
    # TensorFlow's converter runs in its own process on the saved file (tf_reference.py): the
    # Keras objects here may live on another backend, which TensorFlow cannot convert.
    for layer, ours_has in ((L.LSTM(4), "UNIDIRECTIONAL_SEQUENCE_LSTM"), (L.GRU(4), "FULLY_CONNECTED")):
        _, content = _convert(tmp_path, [layer], batch_size=1)
        assert ours_has in _ops(_interpreter(content)) and "WHILE" not in _ops(_interpreter(content))
        out = str(tmp_path / "tf.tflite")
        res = subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_reference.py"),
                              "convert", str(tmp_path / "m.keras"), out], capture_output=True, text=True,
                             env=dict(os.environ, KERAS_BACKEND="tensorflow"), timeout=600)
        assert res.returncode == 0, res.stderr[-2000:]
        tf_ops = [o["opcode"] for o in qtflite.inspect(open(out, "rb").read())["subgraphs"][0]["operators"]]
        assert "WHILE" in tf_ops



@pytest.mark.parametrize("merge_mode,return_sequences", [("concat", True), ("ave", False)])  # TF is slow
def test_keras2_bidirectional_lstm_has_tensorflows_operators(tmp_path, merge_mode, return_sequences):
    """A tf.keras (Keras 2) Bidirectional LSTM saved as .h5: the operators TensorFlow's converter
    writes for it (two fused LSTMs, REVERSE_V2 on the backward input and, for sequences, its
    output, the merge), and Keras' outputs within 1e-5."""
    tf = pytest.importorskip("tensorflow")
    tf_keras = pytest.importorskip("tf_keras")
    model = tf_keras.Sequential([tf_keras.Input((T, F), batch_size=1), tf_keras.layers.Bidirectional(
        tf_keras.layers.LSTM(4, return_sequences=return_sequences), merge_mode=merge_mode)])
    rng = np.random.default_rng(4)
    model.set_weights([rng.uniform(-0.6, 0.6, w.shape).astype(np.float32) for w in model.get_weights()])
    path = str(tmp_path / "m.h5")
    model.save(path)
    it = _interpreter(lite.TFLiteConverter.from_keras_file(path).convert())
    theirs = tf.lite.Interpreter(model_content=tf.lite.TFLiteConverter.from_keras_model(model).convert())
    assert sorted(_ops(it)) == sorted(o["op_name"] for o in theirs._get_ops_details())
    x = rng.standard_normal((1, T, F)).astype(np.float32)
    np.testing.assert_allclose(_run(it, x), model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
