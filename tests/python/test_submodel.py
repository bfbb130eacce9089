"""Sub-models (converting between intermediate layers, per-channel quantization working) and
segments (consecutive pieces whose int8 interfaces match exactly). Every file written here also
runs in TensorFlow Lite Micro (in a child process) with exactly qtflite's outputs."""
import os

import numpy as np
import pytest

import qtflite
from qtflite import lite
from qtflite.datasets import load_mnist
from conftest import DATA
from op_harness import check_against_micro, oracle_interpreter

MOBILE = os.path.join(DATA, "keras", "mobile_mnist.keras")


@pytest.fixture(scope="module")
def images():
    (x_train, _), (x_test, _) = load_mnist(os.path.join(DATA, "mnist"))
    return (x_train[:300] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1), \
        (x_test[:64] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1)


def run(model, x, default_kernels=False):
    # Reference float kernels: equal sums for equal values whatever the batch and tensor layout.
    # default_kernels: the Interpreter as a user gets it (fast float), as the converter uses it.
    it = lite.Interpreter(model_content=model) if default_kernels else oracle_interpreter(model_content=model)
    d = it.get_input_details()[0]
    it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    it.set_tensor(d["index"], x)
    it.invoke()
    return it.get_tensor(it.get_output_details()[0]["index"])


def int8(converter, calibration, io=None):
    converter.optimizations = [lite.Optimize.DEFAULT]

    def gen():
        for i in range(len(calibration)):
            yield [calibration[i:i + 1]]
    converter.representative_dataset = gen
    converter.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
    if io:
        converter.inference_input_type = converter.inference_output_type = io
    return converter


def test_float_sub_model_equals_the_middle_of_the_whole(images):
    _, x = images
    head = lite.TFLiteConverter.from_keras_file(MOBILE, outputs=["add"]).convert()
    tail = lite.TFLiteConverter.from_keras_file(MOBILE, inputs=["add"]).convert()
    whole = lite.TFLiteConverter.from_keras_file(MOBILE).convert()
    np.testing.assert_allclose(run(tail, run(head, x)), run(whole, x), rtol=1e-6, atol=1e-7)
    for model, feed in ((head, x[:8]), (tail, run(head, x[:8])), (whole, x[:8])):
        check_against_micro(model, [feed])
    r = qtflite.inspect(tail)
    assert r["signatures"][0]["inputs"] == {"add": 0}
    assert "CONV_2D" in r["operator_counts"] and r["subgraphs"][0]["tensors"][0]["shape_signature"][0] == -1


def test_int8_sub_model_per_channel_with_either_dataset(images):
    calibration, x = images
    # Representative data for the whole model's inputs: qtflite computes the cut activations.
    a = int8(lite.TFLiteConverter.from_keras_file(MOBILE, inputs=["add"], outputs=["probs"]), calibration).convert()
    # ... or for the cut point directly: the same activations give the same file. The converter
    # runs the head on the default Interpreter, so the user's activations come from it too.
    head = lite.TFLiteConverter.from_keras_file(MOBILE, outputs=["add"]).convert()
    at_cut = run(head, calibration, default_kernels=True)
    b = int8(lite.TFLiteConverter.from_keras_file(MOBILE, inputs=["add"], outputs=["probs"]), at_cut).convert()
    assert a == b
    d = qtflite.load_model(a).to_dict()
    conv_weights = [t for t in d["subgraphs"][0]["tensors"] if t["dtype"] == "int8" and t["data"] is not None
                    and len(t["shape"]) == 4]
    assert conv_weights and all(len(t["quantization"]["scales"]) == t["shape"][0] or
                                len(t["quantization"]["scales"]) == t["shape"][3] for t in conv_weights)
    probs = run(a, run(head, x))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=0.02)
    check_against_micro(a, [run(head, x[:8])])


def test_segments_chain_bit_exactly(images):
    calibration, x = images
    c = int8(lite.TFLiteConverter.from_keras_file(MOBILE), calibration, io=qtflite.int8)
    segments = c.convert_segments(["add", "concatenate"])
    whole = int8(lite.TFLiteConverter.from_keras_file(MOBILE), calibration, io=qtflite.int8).convert()
    assert len(segments) == 3
    for left, right in zip(segments, segments[1:]):
        out = lite.Interpreter(model_content=left).get_output_details()[0]
        inp = lite.Interpreter(model_content=right).get_input_details()[0]
        assert out["dtype"] == inp["dtype"] == np.int8
        assert out["quantization"] == inp["quantization"]
    d = lite.Interpreter(model_content=whole).get_input_details()[0]
    s, z = d["quantization"]
    xq = np.clip(np.round(x / s) + z, -128, 127).astype(np.int8)
    y = xq
    for seg in segments:
        check_against_micro(seg, [y[:8]])
        y = run(seg, y)
    np.testing.assert_array_equal(y, run(whole, xq))
    check_against_micro(whole, [xq[:8]])


def test_bad_cut_points_are_named():
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        lite.TFLiteConverter.from_keras_file(MOBILE, inputs=["nope"]).convert()
    with pytest.raises(ValueError, match="needed for the outputs but is not computed from the chosen inputs"):
        lite.TFLiteConverter.from_keras_file(MOBILE, inputs=["re_lu_1"], outputs=["concatenate"]).convert()
