"""The issue's headline case: an untrained keras.applications.MobileNetV2 (weights=None), saved
as .keras and quantized with random images. Its activations shrink layer after layer to about
1e-10 and its 1000 logits are constant, which gives parameters that TFLite Micro and LiteRT
refuse or abort on (TensorFlow 2.21 writes such files). qtflite converts it with warnings naming
the tensors it changed, and the file gives identical outputs in qtflite, tflite-micro and LiteRT
BUILTIN_REF (Keras 3 on PyTorch, as in test_keras_live.py)."""
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras", reason="test extra keras (with torch) not installed")
pytest.importorskip("ai_edge_litert", reason="test extra ai-edge-litert not installed")
pytest.importorskip("tflite_micro", reason="test extra tflite-micro not installed")

import qtflite  # noqa: E402
from qtflite import lite  # noqa: E402
from qtflite.quantize.runtime_limits import QuantizationWarning  # noqa: E402
from op_harness import check_against_official  # noqa: E402


@pytest.fixture(scope="module")
def mobilenet_file(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("mobilenet") / "mobilenet_v2.keras")
    keras.applications.MobileNetV2(input_shape=(32, 32, 3), weights=None).save(path)  # the smallest input
    return path


def images(n, seed):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 32, 32, 3)).astype(np.float32)  # its input range


@pytest.mark.parametrize("mode", ["int8", "16x8"])
def test_untrained_mobilenet_v2_runs_everywhere(mobilenet_file, mode):
    calibration = images(8, 0)
    c = lite.TFLiteConverter.from_keras_file(mobilenet_file)
    c.optimizations = [lite.Optimize.DEFAULT]
    c.representative_dataset = lambda: ([calibration[i:i + 1]] for i in range(len(calibration)))
    if mode == "int8":
        c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
        c.inference_input_type = c.inference_output_type = qtflite.int8
    else:
        c.target_spec.supported_ops = [lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        c.inference_input_type = c.inference_output_type = qtflite.int16
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = c.convert()
    warned = [str(w.message) for w in caught if issubclass(w.category, QuantizationWarning)]
    assert warned and all(w.startswith("tensor '") for w in warned)
    if mode == "int8":
        # The softmax input (the 'predictions' Dense layer's logits) is named; its 1000 equal
        # classes would also overflow the int8 SOFTMAX at invoke, so it runs in int16.
        assert any(w.startswith("tensor 'predictions'") and "SOFTMAX" in w for w in warned)
    else:
        # The fused RELU6 bounds of layers whose outputs are about 0.
        assert any("activation bound 6" in w and "widened to" in w for w in warned)

    it = lite.Interpreter(model_content=model)
    detail = it.get_input_details()[0]
    scale, zero_point = detail["quantization"]
    info = np.iinfo(detail["dtype"])
    x = images(3, 1)
    q = np.clip(np.round(x / scale) + zero_point, info.min, info.max).astype(detail["dtype"])
    (probs,) = check_against_official(model, [q])
    assert probs.shape == (3, 1000)
