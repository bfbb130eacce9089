"""Keras files -> float32 .tflite without Keras: outputs equal real Keras' predictions
(../shared/golden/keras, made by Keras itself), the seed's three save formats give one file,
and TensorFlow's own float files agree where they are of the same weights."""
import json
import os

import numpy as np
import pytest

import qtflite
from qtflite import lite
from qtflite.datasets import load_mnist
from conftest import DATA, GOLDEN

with open(os.path.join(GOLDEN, "keras", "index.json")) as f:
    KERAS_INDEX = json.load(f)
CASES = KERAS_INDEX["cases"]
RECURRENT = {"keras__har_lstm"}  # LSTM layers belong to the later recurrent-layers issue


def convert_file(rel):
    return lite.TFLiteConverter.from_keras_file(os.path.join(DATA, rel)).convert()


def run_batched(model, x):
    it = lite.Interpreter(model_content=model)
    d = it.get_input_details()[0]
    it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    it.set_tensor(d["index"], x.astype(np.float32))
    it.invoke()
    return it.get_tensor(it.get_output_details()[0]["index"])


@pytest.mark.parametrize("case", [c for c in CASES if c["name"] not in RECURRENT], ids=lambda c: c["name"])
def test_matches_keras_predictions(case):
    z = np.load(os.path.join(GOLDEN, "keras", case["name"] + ".npz"))
    x, want = z["input_0"], z["output_0"]
    got = run_batched(convert_file(case["model"]), x)
    assert got.shape == want.shape
    # float32 rounding grows with the sums' terms, whose size the largest output reflects
    bound = 1e-5 * max(1.0, float(np.abs(want).max())) + 1e-4 * np.abs(want)
    assert np.all(np.abs(got - want) <= bound), f"worst excess {np.max(np.abs(got - want) - bound)}"


def test_recurrent_layers_convert_to_the_fused_lstm():
    case = next(c for c in CASES if c["name"] in RECURRENT)
    ops = [o["opcode"] for o in qtflite.inspect(convert_file(case["model"]))["subgraphs"][0]["operators"]]
    assert "UNIDIRECTIONAL_SEQUENCE_LSTM" in ops


def test_seed_formats_give_one_file_smaller_than_tensorflows():
    a = convert_file("keras/mnist_cnn_seed.keras")
    b = lite.TFLiteConverter.from_keras_json(os.path.join(DATA, "keras", "mnist_cnn_seed.json"),
                                             os.path.join(DATA, "keras", "mnist_cnn_seed.weights.h5")).convert()
    c = convert_file("keras/mnist_cnn_seed_legacy.h5")
    assert a == b == c
    assert len(a) <= 88.16 * 1024  # TensorFlow's file for this architecture (seed document)
    r = qtflite.inspect(a)
    assert [o["opcode"] for o in r["subgraphs"][0]["operators"]] == [
        "CONV_2D", "MAX_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"]
    assert r["signatures"][0]["inputs"] == {"input_layer": 0}
    assert list(r["signatures"][0]["outputs"]) == ["output_0"]  # Keras 3 export naming
    assert r["min_runtime_version"] == "1.5.0"
    g = r["subgraphs"][0]
    assert g["tensors"][g["inputs"][0]]["shape_signature"] == [-1, 28, 28, 1]
    ops = g["operators"]
    assert ops[0]["options"]["fused_activation_function"] == "RELU"
    assert ops[3]["options"]["fused_activation_function"] == "RELU"


def test_seed_float_accuracy_equals_keras():
    case = next(c for c in CASES if c["name"] == "keras__mnist_cnn_seed")
    (_, _), (x_test, y_test) = load_mnist(os.path.join(DATA, "mnist"))
    probs = run_batched(convert_file("keras/mnist_cnn_seed.keras"), (x_test / 255.0).reshape(-1, 28, 28, 1))
    accuracy = float(np.mean(np.argmax(probs, axis=1) == y_test))
    assert accuracy == pytest.approx(case["keras_accuracy_mnist_test_10k"], abs=1e-9)


def _ops(model_bytes):
    return [(o["opcode"], o["version"]) for o in qtflite.inspect(model_bytes)["subgraphs"][0]["operators"]]


def test_resnet8_matches_tensorflows_float_file():
    ours = convert_file("mlperf_tiny/resnet8_cifar10/pretrainedResnet.h5")
    tf_path = os.path.join(DATA, "mlperf_tiny", "resnet8_cifar10", "pretrainedResnet.tflite")
    tf_bytes = open(tf_path, "rb").read()
    assert _ops(ours) == _ops(tf_bytes)
    z = np.load(os.path.join(GOLDEN, "resnet8_cifar10_float.npz"))
    x = z["input_0"].reshape(-1, 32, 32, 3)
    got, want = run_batched(ours, x), run_batched(tf_bytes, x)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert len(ours) <= len(tf_bytes)


def test_ad01_has_tensorflows_operator_sequence():
    # TensorFlow's ad01_fp32.tflite was exported from other weights than ad01.h5 (its first
    # layer's weights differ), so only the structure can be compared; the numbers are checked
    # against Keras' own predictions in test_matches_keras_predictions.
    ours = convert_file("mlperf_tiny/anomaly_ad01/ad01.h5")
    assert _ops(ours) == _ops(open(os.path.join(DATA, "mlperf_tiny", "anomaly_ad01", "ad01_fp32.tflite"), "rb").read())


def test_streaming_wakeword_keras2_groups_argument():
    # tf.keras 2.x DepthwiseConv2D configs carry `groups`, which Keras 3 refuses to load.
    cfg = json.loads(__import__("h5py").File(os.path.join(DATA, "mlperf_tiny", "streaming_wakeword",
                                                          "str_ww_ref_model.h5"), "r").attrs["model_config"])
    assert any("groups" in l["config"] for l in cfg["config"]["layers"] if l["class_name"] == "DepthwiseConv2D")
    model = convert_file("mlperf_tiny/streaming_wakeword/str_ww_ref_model.h5")
    x = np.random.default_rng(0).standard_normal((4, 30, 1, 40)).astype(np.float32)
    y = run_batched(model, x)
    assert y.shape == (4, 3)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
