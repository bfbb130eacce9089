"""Interpreter(num_threads=N): every output bit is the same for 1, 2, 3 and all threads (-1), on
the golden models (int8 and float, batched and batch 1), MobileNet v1 (uint8) and the seed MNIST
CNN over the 10,000 test images; qtflite.evaluate and the converter's calibration take the count
through; bad counts are refused clearly. Speed is measured in benchmarks/bench_threads.py."""
import json
import os

import numpy as np
import pytest

import qtflite
from qtflite import lite
from qtflite.interpreter import Interpreter
from conftest import DATA, GOLDEN

THREADS = (2, 3, -1)

with open(os.path.join(GOLDEN, "index.json")) as f:
    CASES = [c for c in json.load(f)["cases"]
             if c["name"] not in {"mnist_lstm_float", "mnist_lstm_int8", "keras_lstm_mnist_ptq", "person_detect_int8"}]


def _run(path, arrays, num_threads):
    it = Interpreter(model_path=path, num_threads=num_threads)
    for d, x in zip(it.get_input_details(), arrays):
        it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), arrays):
        it.set_tensor(d["index"], x.astype(d["dtype"]))
    it.invoke()
    return [it.get_tensor(d["index"]).copy() for d in it.get_output_details()]


def _assert_same_bits(path, arrays):
    one = _run(path, arrays, 1)
    for n in THREADS:
        for a, b in zip(one, _run(path, arrays, n)):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), f"num_threads={n} changed the output"
    return one


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden_models_same_bits_for_every_thread_count(case):
    z = np.load(os.path.join(GOLDEN, case["name"] + ".npz"))
    path = os.path.join(DATA, case["model"])
    shapes = [d["shape"] for d in Interpreter(model_path=path).get_input_details()]
    n = case["samples"]
    batched = [z[f"input_{k}"].reshape([n] + list(s[1:])) for k, s in enumerate(shapes)]
    outs = _assert_same_bits(path, batched)
    if case["compare"] == "exact":  # and still the golden outputs
        np.testing.assert_array_equal(outs[0].reshape(z["output_0"].shape), z["output_0"])
    _assert_same_bits(path, [x[:1] for x in batched])  # batch 1: fewer rows than threads' blocks


def test_mobilenet_v1_same_bits_for_every_thread_count():
    path = os.path.join(DATA, "tflite", "coral", "mobilenet_v1_0.25_128_quant.tflite")
    x = np.random.default_rng(1).integers(0, 256, size=(1, 128, 128, 3), dtype=np.uint8)
    _assert_same_bits(path, [x])  # the file fixes batch 1


@pytest.fixture(scope="module")
def mnist():
    from qtflite.datasets import load_mnist
    (x_train, _), (x_test, y_test) = load_mnist(os.path.join(DATA, "mnist"))
    return (x_train[:64] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1), \
        (x_test / 255.0).astype(np.float32).reshape(-1, 28, 28, 1), y_test


def _convert_seed(calibration, num_threads):
    c = lite.TFLiteConverter.from_keras_file(os.path.join(DATA, "keras", "mnist_cnn_seed.keras"))
    c.optimizations = [lite.Optimize.DEFAULT]
    c.representative_dataset = lambda: ([calibration[i:i + 1]] for i in range(len(calibration)))
    c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
    c.inference_input_type = qtflite.int8
    c.inference_output_type = qtflite.int8
    c.num_threads = num_threads
    c.progress = False
    return c.convert()


def test_calibration_and_mnist_10k_same_bits_for_every_thread_count(mnist, tmp_path):
    calibration, x_test, y_test = mnist
    model = _convert_seed(calibration, 1)
    assert _convert_seed(calibration, 2) == model  # calibrated ranges do not depend on the threads
    path = tmp_path / "seed_int8.tflite"
    path.write_bytes(model)
    d = Interpreter(model_path=str(path)).get_input_details()[0]
    s, z = d["quantization"]
    q = np.clip(np.floor(x_test / s + 0.5) + z, -128, 127).astype(np.int8)
    _assert_same_bits(str(path), [q])
    one = qtflite.evaluate(model, x_test, y_test, num_threads=1, progress=False)
    two = qtflite.evaluate(model, x_test, y_test, num_threads=2, progress=False)
    assert one.accuracy == two.accuracy > 0.9
    np.testing.assert_array_equal(one.outputs[0], two.outputs[0])


@pytest.mark.parametrize("bad", [0, -2, 1.5, "2", True])
def test_bad_num_threads_is_refused(bad):
    path = os.path.join(DATA, "mlperf_tiny", "resnet8_cifar10", "pretrainedResnet_quant.tflite")
    with pytest.raises(ValueError, match="num_threads should be >= 1 or -1"):
        Interpreter(model_path=path, num_threads=bad)


def test_converter_refuses_bad_calibration_threads(mnist):
    with pytest.raises(ValueError, match="num_threads should be >= 1 or -1"):
        _convert_seed(mnist[0][:4], 0)
