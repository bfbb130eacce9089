"""The fast float kernels through the public Interpreter (the default, OpResolverType.AUTO /
BUILTIN, as TensorFlow's optimized kernels) against qtflite's reference kernels (BUILTIN_REF):
real float models and the operator forms that fall back to the reference."""
import os
import subprocess
import sys

import numpy as np
import pytest

from qtflite import lite
from conftest import DATA
from op_harness import T, run_qtflite, single_op_model

FLOAT_MODELS = [
    "mlperf_tiny/resnet8_cifar10/pretrainedResnet.tflite",
    "mlperf_tiny/kws_dscnn/kws_ref_model_float32.tflite",
    "mlperf_tiny/anomaly_ad01/ad01_fp32.tflite",
]


def run(model, feeds, resolver=None):
    """resolver None: the Interpreter's default."""
    return run_qtflite(model, feeds, op_resolver_type=resolver)


def random_feeds(model, batch, seed):
    r = np.random.default_rng(seed)
    it = lite.Interpreter(model_content=model)
    return [r.standard_normal([batch] + list(d["shape"][1:])).astype(np.float32) for d in it.get_input_details()]


def assert_close(fast, ref):
    for f, e in zip(fast, ref):
        assert f.shape == e.shape and f.dtype == e.dtype
        np.testing.assert_allclose(f, e, rtol=1e-4, atol=1e-5 * max(1.0, float(np.abs(e).max())))


def model_bytes(rel):
    with open(os.path.join(DATA, rel), "rb") as f:
        return f.read()


@pytest.mark.parametrize("rel", FLOAT_MODELS)
def test_real_float_models_match_the_reference_kernels(rel):
    model = model_bytes(rel)
    feeds = random_feeds(model, 3, 0)
    ref = run(model, feeds, lite.OpResolverType.BUILTIN_REF)
    assert_close(run(model, feeds, lite.OpResolverType.AUTO), ref)
    assert_close(run(model, feeds, "BUILTIN"), ref)
    # The default is AUTO, as in tf.lite.Interpreter: the fast kernels, bit for bit.
    for a, b in zip(run(model, feeds), run(model, feeds, lite.OpResolverType.AUTO)):
        np.testing.assert_array_equal(a, b)


def test_auto_really_runs_other_kernels():
    """Another summation order rounds differently somewhere in ResNet-8's logits: proof that
    AUTO did not silently fall back to the reference kernels."""
    model = model_bytes(FLOAT_MODELS[0])
    feeds = random_feeds(model, 8, 0)
    fast, ref = run(model, feeds, "AUTO")[0], run(model, feeds, "BUILTIN_REF")[0]
    assert not np.array_equal(fast, ref)


def test_keras_model_converted_by_qtflite():
    model = lite.TFLiteConverter.from_keras_file(os.path.join(DATA, "keras", "mobile_mnist.keras")).convert()
    feeds = [np.random.default_rng(1).uniform(0, 1, (17, 28, 28, 1)).astype(np.float32)]
    assert_close(run(model, feeds, lite.OpResolverType.AUTO), run(model, feeds, "BUILTIN_REF"))


def isa_tiers():
    """The instruction-set tiers this build can run on this CPU, as QTFLITE_ISA names them
    (qtflite.cpu_info() lists them where the build has it; else the baseline and the detected)."""
    import qtflite
    from qtflite import _core
    if hasattr(qtflite, "cpu_info"):
        return list(qtflite.cpu_info()["supported"])
    return sorted({"sse2", _core.active_isa()})


@pytest.mark.parametrize("tier", isa_tiers())
def test_every_isa_tier_in_a_child_process(tier):
    """QTFLITE_ISA forces each tier the CPU supports (read once, at import: hence a child
    process); the float kernels of every tier agree with the reference ones."""
    code = (
        "import numpy as np, sys\n"
        "from qtflite import lite\n"
        "from qtflite import _core\n"
        "m = open(sys.argv[1], 'rb').read()\n"
        "x = np.random.default_rng(2).standard_normal((2, 32, 32, 3)).astype(np.float32)\n"
        "outs = []\n"
        "for r in (lite.OpResolverType.AUTO, lite.OpResolverType.BUILTIN_REF):\n"
        "    it = lite.Interpreter(model_content=m, experimental_op_resolver_type=r)\n"
        "    it.resize_tensor_input(0, [2, 32, 32, 3]); it.allocate_tensors()\n"
        "    it.set_tensor(it.get_input_details()[0]['index'], x); it.invoke()\n"
        "    outs.append(it.get_tensor(it.get_output_details()[0]['index']))\n"
        "np.testing.assert_allclose(outs[0], outs[1], rtol=1e-4, atol=1e-6)\n"
        "print(_core.active_isa())\n")
    env = dict(os.environ, QTFLITE_ISA=tier)
    res = subprocess.run([sys.executable, "-c", code, os.path.join(DATA, FLOAT_MODELS[0])], env=env,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == tier


def conv_model(groups=1, bias=True, act=0):
    r = np.random.default_rng(3)
    ci, co = 6, 4
    ins = [T("float32", [2, 7, 6, ci]), T("float32", data=r.standard_normal((co, 3, 3, ci // groups))),
           T("float32", data=r.standard_normal(co)) if bias else None]
    opts = {"padding": 0, "stride_w": 1, "stride_h": 2, "fused_activation_function": act,
            "dilation_w_factor": 1, "dilation_h_factor": 1}
    return single_op_model("CONV_2D", ins, [T("float32", [2, 4, 6, co])], "Conv2DOptions", opts)


def depthwise_model(mult, bias=True):
    r = np.random.default_rng(4)
    ci = 5
    ins = [T("float32", [1, 6, 6, ci]), T("float32", data=r.standard_normal((1, 3, 3, ci * mult))),
           T("float32", data=r.standard_normal(ci * mult)) if bias else None]
    opts = {"padding": 0, "stride_w": 1, "stride_h": 1, "depth_multiplier": mult, "fused_activation_function": 3}
    return single_op_model("DEPTHWISE_CONV_2D", ins, [T("float32", [1, 6, 6, ci * mult])],
                           "DepthwiseConv2DOptions", opts)


@pytest.mark.parametrize("model", [conv_model(), conv_model(bias=False, act=1), conv_model(groups=2),
                                   depthwise_model(1), depthwise_model(1, bias=False), depthwise_model(3)],
                         ids=["conv", "conv-no-bias-relu", "grouped-conv", "depthwise", "depthwise-no-bias",
                              "depthwise-multiplier-3"])
def test_operator_forms(model):
    it = lite.Interpreter(model_content=model)
    feeds = [np.random.default_rng(5).standard_normal(d["shape"]).astype(np.float32) for d in it.get_input_details()]
    assert_close(run(model, feeds, lite.OpResolverType.AUTO), run(model, feeds, "BUILTIN_REF"))


def test_fully_connected_with_weights_computed_at_run_time_is_not_cached():
    """Weights fed as a graph input change between invokes: the packed copy must follow."""
    model = single_op_model("FULLY_CONNECTED", [T("float32", [5, 6]), T("float32", [3, 6]), None],
                            [T("float32", [5, 3])], "FullyConnectedOptions", {"fused_activation_function": 0})
    r = np.random.default_rng(6)
    it = lite.Interpreter(model_content=model, experimental_op_resolver_type=lite.OpResolverType.AUTO)
    it.allocate_tensors()
    x_index, w_index = [d["index"] for d in it.get_input_details()]
    out_index = it.get_output_details()[0]["index"]
    x = r.standard_normal((5, 6)).astype(np.float32)
    for _ in range(3):
        w = r.standard_normal((3, 6)).astype(np.float32)
        it.set_tensor(x_index, x)
        it.set_tensor(w_index, w)
        it.invoke()
        np.testing.assert_allclose(it.get_tensor(out_index), x @ w.T, rtol=1e-5, atol=1e-5)


def test_unknown_resolver_type_is_refused():
    model = conv_model()
    with pytest.raises(ValueError, match="experimental_op_resolver_type 'FAST' is not one of"):
        lite.Interpreter(model_content=model, experimental_op_resolver_type="FAST")


def test_calibration_uses_the_fast_kernels_and_matches_reference_ranges():
    """Ranges from the fast kernels equal the reference ones up to float rounding."""
    from qtflite import _core
    from qtflite.converter import keras_to_model
    from qtflite.frontends.keras_loader import load_keras_file
    from qtflite.quantize.calibrate import calibrate
    m = keras_to_model(load_keras_file(os.path.join(DATA, "keras", "mobile_mnist.keras")))
    x = np.random.default_rng(7).uniform(0, 1, (40, 28, 28, 1)).astype(np.float32)
    inputs = list(m.to_dict()["subgraphs"][0]["inputs"])
    fast = calibrate(m, [x], inputs)
    ref_interp = _core.Interpreter(m, "micro")
    ref_interp.set_calibrating(True)
    ref_interp.resize_input(inputs[0], list(x.shape))
    ref_interp.allocate_tensors()
    ref_interp.set(inputs[0], x)
    ref_interp.invoke()
    ref = {int(k): (float(v[0]), float(v[1])) for k, v in ref_interp.ranges().items()}
    assert fast.keys() == ref.keys()
    for k in ref:
        np.testing.assert_allclose(fast[k], ref[k], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("opcode,options", [("ADD", "AddOptions"), ("SUB", "SubOptions"), ("MUL", "MulOptions")])
@pytest.mark.parametrize("act", [0, 1, 3])
def test_same_shape_float_binary_ops_equal_the_reference_bit_for_bit(opcode, options, act):
    """Same-shape float ADD/SUB/MUL run on the fast kernels: one IEEE operation per element and
    the reference's clamp, so the same bits; a broadcasting one stays on the reference."""
    for sa, sb in (([3, 5, 7, 11], [3, 5, 7, 11]), ([3, 5, 7, 11], [1, 1, 1, 11])):
        model = single_op_model(opcode, [T("float32", sa), T("float32", sb)], [T("float32", sa)], options,
                                {"fused_activation_function": act})
        r = np.random.default_rng(9)
        feeds = [(r.standard_normal(sa) * 4).astype(np.float32), (r.standard_normal(sb) * 4).astype(np.float32)]
        feeds[0].flat[5] = np.nan
        fast, ref = run(model, feeds, "AUTO")[0], run(model, feeds, "BUILTIN_REF")[0]
        np.testing.assert_array_equal(fast, ref)


@pytest.mark.parametrize("axes,keep", [([1, 2], True), ([2, 1], False), ([1], True), ([-1], False)])
def test_float_mean_equals_the_reference_bit_for_bit(axes, keep):
    """MEAN over H and W runs on the fast pooling kernel (same sums, same order); other axes stay
    on the reference: the same bits either way, NaN and infinities included."""
    shape = (3, 9, 7, 19)
    norm = sorted(a % 4 for a in axes)
    out_shape = [1 if d in norm else s for d, s in enumerate(shape)] if keep else \
        [s for d, s in enumerate(shape) if d not in norm]
    model = single_op_model("MEAN", [T("float32", shape), T("int32", data=axes)], [T("float32", out_shape)],
                            "ReducerOptions", {"keep_dims": keep})
    x = (np.random.default_rng(10).standard_normal(shape) * 100).astype(np.float32)
    x[0, 1, 2, 3], x[1, 0, 0, 0], x[2, 8, 6, 18] = np.nan, np.inf, -np.inf
    np.testing.assert_array_equal(run(model, [x], "AUTO")[0], run(model, [x], "BUILTIN_REF")[0])
