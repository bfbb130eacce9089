"""Every conversion mode x inference type, on every Keras model in ../shared/data that the float
path supports: the file converts, runs in qtflite, carries TFLite's op versions and a
min_runtime_version, and runs in both official runtimes with qtflite's outputs:
- ai-edge-litert's reference kernels (BUILTIN_REF) give exactly qtflite's outputs under
  numerics="litert" (float-output files of the float, float16 and dynamic-range modes within
  1e-5: LiteRT's float kernels are not all reference ones);
- TensorFlow Lite Micro (tflite-micro) gives exactly qtflite's outputs under numerics="micro",
  the default, integer and float outputs alike. Micro has no kernels for three kinds of file,
  and must refuse them with its own reason (asserted, see op_harness.micro_refusal):
  dynamic-range ("hybrid") files, float16 weights (DEQUANTIZE from float16), and int16
  RESIZE_BILINEAR (16x8 files of kws_cnn). qtflite runs them; LiteRT is their oracle.
Both runtimes run in child processes (op_harness), so a file that made one abort would fail
its case only."""
import glob
import os

import numpy as np
import pytest

import qtflite
from qtflite import lite
from qtflite.frontends.keras_graph import parse_keras_config
from qtflite.frontends.keras_loader import load_keras_file
from conftest import DATA
from op_harness import check_against_micro, micro_refusal, oracle_interpreter, run_litert

pytest.importorskip("ai_edge_litert", reason="test extra ai-edge-litert not installed")
pytest.importorskip("tflite_micro", reason="test extra tflite-micro not installed")

MODELS = [os.path.relpath(f, DATA) for f in sorted(glob.glob(os.path.join(DATA, "keras", "*.keras")) +
                                                   glob.glob(os.path.join(DATA, "keras", "*.h5")) +
                                                   glob.glob(os.path.join(DATA, "mlperf_tiny", "*", "*.h5")))
          if "weights" not in f and "har_lstm" not in f]
# (mode, input type, output type)
MODES = [("float", "float32", "float32"), ("dynamic_range", "float32", "float32"), ("float16", "float32", "float32"),
         ("int8", "float32", "float32"), ("int8", "int8", "int8"), ("int8", "uint8", "uint8"),
         ("int8_only", "int8", "int8"), ("16x8", "float32", "float32"), ("16x8", "int16", "int16")]


def _input_shape(rel):
    return parse_keras_config(load_keras_file(os.path.join(DATA, rel)).config).inputs[0].batch_shape[1:]


def _converter(rel, mode, in_type, out_type, samples):
    c = lite.TFLiteConverter.from_keras_file(os.path.join(DATA, rel))
    if mode == "float":
        return c
    c.optimizations = [lite.Optimize.DEFAULT]
    if mode == "float16":
        c.target_spec.supported_types = [qtflite.float16]
    if mode in ("int8", "int8_only", "16x8"):
        def gen():
            for i in range(len(samples)):
                yield [samples[i:i + 1]]
        c.representative_dataset = gen
    if mode == "int8_only":
        c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
    if mode == "16x8":
        c.target_spec.supported_ops = [lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8,
                                       lite.OpsSet.TFLITE_BUILTINS]
    c.inference_input_type = in_type
    c.inference_output_type = out_type
    return c


@pytest.mark.parametrize("mode,in_type,out_type", MODES, ids=lambda v: str(v))
@pytest.mark.parametrize("rel", MODELS)
def test_mode_runs_everywhere(rel, mode, in_type, out_type):
    rng = np.random.default_rng(0)
    shape = _input_shape(rel)
    samples = rng.uniform(0, 1, [40] + shape).astype(np.float32)
    model = _converter(rel, mode, in_type, out_type, samples).convert()
    report = qtflite.inspect(model)
    assert report["min_runtime_version"], "min_runtime_version metadata missing"
    it = oracle_interpreter(model_content=model, numerics="litert")
    d = it.get_input_details()[0]
    assert np.dtype(d["dtype"]).name == in_type
    assert np.dtype(it.get_output_details()[0]["dtype"]).name == out_type
    x = samples[:4]
    if in_type != "float32":
        s, z = d["quantization"]
        info = np.iinfo(d["dtype"])
        x = np.clip(np.round(x / s) + z, info.min, info.max).astype(d["dtype"])
    it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    it.set_tensor(d["index"], x)
    it.invoke()
    ours = it.get_tensor(it.get_output_details()[0]["index"])
    theirs = run_litert(model, [x])[0]
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    if np.issubdtype(ours.dtype, np.floating) and mode in ("float", "float16", "dynamic_range"):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    else:
        np.testing.assert_array_equal(ours, theirs)

    # TFLite Micro: exactly qtflite's default numerics, or the refusal micro_refusal expects,
    # which in this matrix is that of the three kinds of file named above.
    refused = mode in ("dynamic_range", "float16") or (mode == "16x8" and "RESIZE_BILINEAR" in report["operator_counts"])
    assert (micro_refusal(model) is not None) == refused
    check_against_micro(model, [x])
