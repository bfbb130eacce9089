"""Keras LSTM -> UNIDIRECTIONAL_SEQUENCE_LSTM: har_lstm.keras (two LSTMs, the second without
return_sequences) converts to the fused operator and equals Keras within 1e-5 from reset
state; fed one time step per invoke (state carried) it gives the full sequence's output."""
import os

import numpy as np
import pytest

from qtflite import lite
from conftest import DATA

HAR = os.path.join(DATA, "keras", "har_lstm.keras")


def _interpreter():
    content = lite.TFLiteConverter.from_keras_file(HAR).convert()
    it = lite.Interpreter(model_content=content, experimental_op_resolver_type="BUILTIN_REF")
    return content, it


def test_har_lstm_matches_keras():
    keras = pytest.importorskip("keras")
    content, it = _interpreter()
    ops = [o["op_name"] for o in it._get_ops_details()]
    assert ops == ["UNIDIRECTIONAL_SEQUENCE_LSTM", "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE",
                   "FULLY_CONNECTED", "SOFTMAX"]
    x = np.random.default_rng(0).standard_normal((6, 128, 9)).astype(np.float32)
    want = keras.models.load_model(HAR).predict(x, verbose=0)
    it.allocate_tensors()
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    for k in range(len(x)):
        it.reset_all_variables()
        it.set_tensor(i["index"], x[k:k + 1])
        it.invoke()
        np.testing.assert_allclose(it.get_tensor(o["index"])[0], want[k], rtol=1e-5, atol=1e-5)


def test_har_lstm_streaming_one_step_per_invoke():
    _, full = _interpreter()
    _, step = _interpreter()
    x = np.random.default_rng(1).standard_normal((1, 128, 9)).astype(np.float32)
    full.allocate_tensors()
    full.set_tensor(full.get_input_details()[0]["index"], x)
    full.invoke()
    want = full.get_tensor(full.get_output_details()[0]["index"])
    step.resize_tensor_input(step.get_input_details()[0]["index"], [1, 1, 9])
    step.allocate_tensors()
    for t in range(128):
        step.set_tensor(step.get_input_details()[0]["index"], x[:, t:t + 1])
        step.invoke()
    np.testing.assert_allclose(step.get_tensor(step.get_output_details()[0]["index"]), want, rtol=1e-5, atol=1e-6)
