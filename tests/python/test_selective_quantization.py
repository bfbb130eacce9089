"""Selective quantization (TensorFlow QuantizationDebugger's denylisted_nodes/denylisted_ops): the
denylisted operators stay float32 with DEQUANTIZE/QUANTIZE around them, the rest int8; the files
run in TFLite Micro and LiteRT (BUILTIN_REF) with qtflite's outputs."""
import os

import numpy as np
import pytest

import qtflite
from qtflite import lite
from qtflite.datasets import load_mnist
from conftest import DATA
from op_harness import check_against_litert, check_against_micro

SEED = os.path.join(DATA, "keras", "mnist_cnn_seed.keras")


@pytest.fixture(scope="module")
def mnist():
    (x_train, _), (x_test, y_test) = load_mnist(os.path.join(DATA, "mnist"))
    return (x_train[:300] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1), \
        (x_test[:2000] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1), y_test[:2000]


def converter(calibration, **options):
    c = lite.TFLiteConverter.from_keras_file(SEED)
    c.optimizations = [lite.Optimize.DEFAULT]
    c.representative_dataset = lambda: ([calibration[i:i + 1]] for i in range(len(calibration)))
    c.progress = False
    for k, v in options.items():
        setattr(c, k, v)
    return c


def operators(model):
    d = qtflite.load_model(model).to_dict()
    g = d["subgraphs"][0]
    return [(op["opcode"], [g["tensors"][i]["dtype"] for i in op["inputs"] if i >= 0],
             [g["tensors"][i]["dtype"] for i in op["outputs"]]) for op in g["operators"]]


def test_denylisted_layer_stays_float_between_quantize_and_dequantize(mnist):
    calibration, x_test, y_test = mnist
    model = converter(calibration, experimental_denylisted_nodes=["conv2d"]).convert()
    ops = operators(model)
    names = [o[0] for o in ops]
    conv = names.index("CONV_2D")
    assert ops[conv][1] == ["float32", "float32", "float32"] and ops[conv][2] == ["float32"]
    # float input, float conv, then QUANTIZE into the int8 rest of the model.
    assert names[conv + 1] == "QUANTIZE" and ops[conv + 1][2] == ["int8"]
    for name, ins, outs in ops[conv + 2:]:
        if name not in ("QUANTIZE", "DEQUANTIZE"):
            assert outs == ["int8"], name
    assert names[-1] == "DEQUANTIZE" and ops[-1][2] == ["float32"]
    assert qtflite.analyze_size(None, model).rows[0]["kind"] == "int8+float"
    # Accuracy close to the all-int8 model.
    full = converter(calibration).convert()
    acc_full = qtflite.evaluate(full, x_test, y_test)["accuracy"]
    acc_sel = qtflite.evaluate(model, x_test, y_test)["accuracy"]
    acc_float = qtflite.evaluate(lite.TFLiteConverter.from_keras_file(SEED).convert(), x_test, y_test)["accuracy"]
    assert abs(acc_sel - acc_full) <= 0.005 and abs(acc_sel - acc_float) <= 0.005
    # The official runtimes run it with qtflite's outputs.
    check_against_litert(model, [x_test[:4]])
    check_against_micro(model, [x_test[:4]])


def test_int8_io_and_denylisted_op_names(mnist):
    calibration, x_test, _ = mnist
    model = converter(calibration, experimental_denylisted_ops=["FULLY_CONNECTED"],
                      inference_input_type=np.int8, inference_output_type=np.int8).convert()
    ops = operators(model)
    fcs = [o for o in ops if o[0] == "FULLY_CONNECTED"]
    assert len(fcs) == 2 and all(o[2] == ["float32"] for o in fcs)
    assert [o for o in ops if o[0] == "CONV_2D"][0][2] == ["int8"]
    it = lite.Interpreter(model_content=model)
    assert it.get_input_details()[0]["dtype"] == np.int8 and it.get_output_details()[0]["dtype"] == np.int8
    s, z = it.get_input_details()[0]["quantization"]
    x = np.clip(np.floor(x_test[:4] / s + 0.5) + z, -128, 127).astype(np.int8)
    check_against_micro(model, [x])


def test_tensor_names_and_tf_private_spelling(mnist):
    calibration, _, _ = mnist
    plain = converter(calibration, experimental_denylisted_nodes=["conv2d"]).convert()
    d = qtflite.load_model(lite.TFLiteConverter.from_keras_file(SEED).convert()).to_dict()
    g = d["subgraphs"][0]
    conv_out = next(g["tensors"][op["outputs"][0]]["name"] for op in g["operators"] if op["opcode"] == "CONV_2D")
    c = converter(calibration)
    c._experimental_denylisted_nodes = [conv_out]
    assert c.experimental_denylisted_nodes == [conv_out]
    assert c.convert() == plain


def test_errors(mnist):
    calibration, _, _ = mnist
    with pytest.raises(ValueError, match=r"no layer or operator output tensor named 'conv9'.*'conv2d'.*'dense'"):
        converter(calibration, experimental_denylisted_nodes=["conv9"]).convert()
    with pytest.raises(ValueError, match=r"no operator 'CONV_3D'.*CONV_2D"):
        converter(calibration, experimental_denylisted_ops=["CONV_3D"]).convert()
    c = converter(calibration, experimental_denylisted_nodes=["conv2d"])
    c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
    with pytest.raises(ValueError, match="TFLITE_BUILTINS"):
        c.convert()
    c = lite.TFLiteConverter.from_keras_file(SEED)
    c.optimizations = [lite.Optimize.DEFAULT]
    c.experimental_denylisted_ops = ["CONV_2D"]
    with pytest.raises(ValueError, match="representative_dataset"):
        c.convert()
    with pytest.raises(TypeError):
        converter(calibration, experimental_denylisted_nodes=[3]).convert()


def test_from_tflite_and_16x8(mnist):
    calibration, x_test, _ = mnist
    c = lite.TFLiteConverter.from_tflite(lite.TFLiteConverter.from_keras_file(SEED).convert())
    c.optimizations = [lite.Optimize.DEFAULT]
    c.representative_dataset = lambda: ([calibration[i:i + 1]] for i in range(50))
    c.target_spec.supported_ops = [lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8,
                                   lite.OpsSet.TFLITE_BUILTINS]
    c.experimental_denylisted_ops = ["SOFTMAX"]
    c.progress = False
    model = c.convert()
    ops = operators(model)
    assert [o for o in ops if o[0] == "SOFTMAX"][0][2] == ["float32"]
    assert [o for o in ops if o[0] == "CONV_2D"][0][2] == ["int16"]
    check_against_micro(model, [x_test[:2]])
