"""The seed workflow through the public API: TFLiteConverter options as in TensorFlow,
qtflite.evaluate, and the README's main job. The int8 files written here also run in TensorFlow
Lite Micro with exactly qtflite's outputs.

On machines: qtflite.evaluate runs float layers on the fast kernels of the CPU's ISA tier, and
calibration does too, so float outputs and int8 scales can move in their last bits between
machines. The float accuracy is still exact: the smallest gap between the top two probabilities
of the 10,000 test images is 4.3e-4, while the fast and reference kernels differ by about 1e-6.
The int8 accuracy (0.9774 here) is within 0.1 point of the float one (0.9770) with 6 images of
margin, and calibration noise changed none of its predictions between the SSE2 and AVX2 tiers."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import qtflite
from qtflite import lite
from qtflite.datasets import load_mnist
from conftest import DATA
from op_harness import check_against_micro

SEED = os.path.join(DATA, "keras", "mnist_cnn_seed.keras")


@pytest.fixture(scope="module")
def mnist():
    (x_train, _), (x_test, y_test) = load_mnist(os.path.join(DATA, "mnist"))
    return (x_train[:300] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1), \
        (x_test / 255.0).astype(np.float32).reshape(-1, 28, 28, 1), y_test


def int8_converter(calibration, **types):
    c = lite.TFLiteConverter.from_keras_file(SEED)
    c.optimizations = [lite.Optimize.DEFAULT]

    def gen():
        for i in range(len(calibration)):
            yield [calibration[i:i + 1]]
    c.representative_dataset = gen
    c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
    for k, v in types.items():
        setattr(c, k, v)
    return c


def test_seed_int8_through_the_converter_api(mnist):
    calibration, x_test, y_test = mnist
    model = int8_converter(calibration, inference_input_type=qtflite.int8, inference_output_type=np.int8).convert()
    float_acc = qtflite.evaluate(lite.TFLiteConverter.from_keras_file(SEED).convert(), x_test, y_test)["accuracy"]
    int8 = qtflite.evaluate(model, x_test, y_test)
    assert int8["samples"] == 10000
    assert abs(int8["accuracy"] - float_acc) <= 0.001  # within 0.1 percentage point
    details = lite.Interpreter(model_content=model).get_input_details()[0]
    assert details["dtype"] == np.int8 and details["quantization"] == (pytest.approx(1 / 255), -128)
    out = lite.Interpreter(model_content=model).get_output_details()[0]
    assert out["dtype"] == np.int8 and out["quantization"] == (1 / 256, -128)
    # The seed reported TensorFlow's file as 24.71 KB (KiB: bytes / 1024); ours is no larger.
    assert len(model) <= int(24.71 * 1024)
    s, z = details["quantization"]
    check_against_micro(model, [np.clip(np.floor(x_test[:8] / s + 0.5) + z, -128, 127).astype(np.int8)])
    # "int8" spelled as a string gives the same file.
    assert int8_converter(calibration, inference_input_type="int8", inference_output_type="int8").convert() == model


def test_evaluate_quantizes_inputs_like_a_user_loop(mnist):
    calibration, x_test, y_test = mnist
    model = int8_converter(calibration, inference_input_type=qtflite.int8, inference_output_type=qtflite.int8).convert()
    it = lite.Interpreter(model_content=model)
    it.allocate_tensors()
    d, o = it.get_input_details()[0], it.get_output_details()[0]
    s, z = d["quantization"]
    loop = []
    for i in range(100):
        q = np.clip(np.floor(x_test[i:i + 1] / s + 0.5) + z, -128, 127).astype(np.int8)  # inputs >= 0
        it.set_tensor(d["index"], q)
        it.invoke()
        loop.append(int(np.argmax(it.get_tensor(o["index"]))))
    result = qtflite.evaluate(model, x_test[:100], y_test[:100], batch_size=32)
    assert result["predictions"].tolist() == loop
    with pytest.raises(ValueError, match="100 samples but y has 99 labels"):
        qtflite.evaluate(model, x_test[:100], y_test[:99])


def test_full_int8_without_dataset_is_refused():
    c = lite.TFLiteConverter.from_keras_file(SEED)
    c.optimizations = [lite.Optimize.DEFAULT]
    c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
    with pytest.raises(ValueError, match="representative_dataset"):
        c.convert()


def test_main_job(tmp_path):
    """The README's first command (after setup): converts, evaluates, writes files and a summary."""
    script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "main_job.py")
    env = dict(os.environ, QTFLITE_SHARED=os.path.dirname(DATA))
    res = subprocess.run([sys.executable, script, "--out", str(tmp_path)], capture_output=True, text=True, env=env,
                         timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["float32"]["accuracy"] == pytest.approx(0.977, abs=1e-9)
    assert abs(summary["accuracy_drop_pp"]) <= 0.1
    assert (tmp_path / "mnist_cnn_int8.tflite").stat().st_size == summary["int8"]["bytes"]
    assert summary["int8"]["input"]["dtype"] == "int8"
    # The summary's numbers are what the API returns for the written files.
    files = {k: (tmp_path / f"mnist_cnn_{k}.tflite").read_bytes() for k in ("float32", "int8")}
    (_, _), (x_test, y_test) = load_mnist(os.path.join(DATA, "mnist"))
    x_test = (x_test / 255.0).astype(np.float32).reshape(-1, 28, 28, 1)
    for kind, data in files.items():
        result = qtflite.evaluate(data, x_test, y_test, progress=False)
        assert summary[kind]["accuracy"] == result.accuracy
        assert summary[kind]["top5_accuracy"] == result.top_k_accuracy
    sizes = {r["model"]: r for r in qtflite.analyze_size(SEED, files["float32"], files["int8"],
                                                           names=["float32", "int8"]).to_dict()["models"]}
    assert summary["keras_bytes"] == os.path.getsize(SEED)
    assert summary["compression_ratio"] == round(os.path.getsize(SEED) / len(files["int8"]), 3)
    assert summary["int8"]["mcu_arena_bytes"] == sizes["int8"]["arena_bytes"]
    layers = qtflite.compare(files["float32"], files["int8"], x_test[:1000], progress=False).to_dict()["layers"]
    assert [(r["tensor_name"], r["rmse/scale"]) for r in summary["per_layer_error"]] == \
        [(r["tensor_name"], r["rmse/scale"]) for r in layers if r["op_name"] != "INPUT"]
    # The C array holds the int8 file's bytes.
    source = (tmp_path / "mnist_cnn_int8_model_data.cc").read_text()
    body = source[source.index("{") + 1:source.index("}")]
    assert bytes(int(v, 16) for v in body.replace(",", " ").split()) == files["int8"]
    assert "g_mnist_cnn_int8_size" in (tmp_path / "mnist_cnn_int8_model_data.h").read_text()


def test_from_tflite_requantizes_a_float_file(mnist):
    """A float .tflite (here TensorFlow's own resnet8) re-quantized with the same options: the
    result equals quantizing the same float graph from Keras when the float graphs agree."""
    calibration, x_test, y_test = mnist
    float_bytes = lite.TFLiteConverter.from_keras_file(SEED).convert()
    c = lite.TFLiteConverter.from_tflite(float_bytes)
    c.optimizations = [lite.Optimize.DEFAULT]

    def gen():
        for i in range(len(calibration)):
            yield [calibration[i:i + 1]]
    c.representative_dataset = gen
    c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
    c.inference_input_type = c.inference_output_type = qtflite.int8
    assert c.convert() == int8_converter(calibration, inference_input_type=qtflite.int8,
                                         inference_output_type=qtflite.int8).convert()
    tf_float = os.path.join(DATA, "mlperf_tiny", "resnet8_cifar10", "pretrainedResnet.tflite")
    d = lite.TFLiteConverter.from_tflite(tf_float)
    d.optimizations = [lite.Optimize.DEFAULT]
    drq = qtflite.inspect(d.convert())
    assert drq["constant_bytes_by_dtype"].get("int8", 0) > 0  # dynamic range: int8 weights
    with pytest.raises(ValueError, match="expects a float model"):
        lite.TFLiteConverter.from_tflite(os.path.join(DATA, "mlperf_tiny", "resnet8_cifar10", "pretrainedResnet_quant.tflite"))


def test_disable_per_channel_and_tf_private_knobs(mnist):
    calibration, _, _ = mnist
    c = int8_converter(calibration, inference_input_type=qtflite.int8, inference_output_type=qtflite.int8)
    c._experimental_new_quantizer = True  # accepted, as TensorFlow scripts set it
    c.disable_per_channel = True
    assert c._experimental_disable_per_channel is True
    d = qtflite.load_model(c.convert()).to_dict()
    weights = [t for t in d["subgraphs"][0]["tensors"] if t["dtype"] == "int8" and t["data"] is not None]
    assert weights and all(len(t["quantization"]["scales"]) == 1 for t in weights)
    check_against_micro(c.convert(), [(np.floor(calibration[:8] * 255 + 0.5) - 128).astype(np.int8)])
