"""The integer operators on the fast elementwise kernels (ADD, SUB, MUL with broadcasts, MAX/
AVERAGE_POOL_2D, MEAN, QUANTIZE, DEQUANTIZE; int8 and uint8), the table-driven ones (LOGISTIC,
TANH, RELU*, LEAKY_RELU, HARD_SWISH, SOFTMAX) and whole int8 models (ResNet-8,
KWS DS-CNN) through the Interpreter equal the reference kernels (BUILTIN_REF) bit for bit under
both numerics, on every instruction-set tier this CPU has, each forced with QTFLITE_ISA in a
child process. (The C++ tests check every tier, the emulated AVX-512 one included, on thousands of
random cases.)"""
import os
import subprocess
import sys

import numpy as np
import pytest

import qtflite
from conftest import DATA
from op_harness import T, run_qtflite, single_op_model

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = [os.path.join(DATA, "mlperf_tiny", "resnet8_cifar10", "pretrainedResnet_quant.tflite"),
          os.path.join(DATA, "mlperf_tiny", "kws_dscnn", "kws_ref_model.tflite")]


def q(r, dtype, shape):
    info = np.iinfo(dtype)
    return r.integers(info.min, info.max + 1, shape).astype(dtype)


def binary_cases():
    r = np.random.default_rng(5)
    shapes = [((1, 9, 7, 37), (1, 9, 7, 37)), ((1, 9, 7, 37), (37,)), ((2, 5, 6, 19), (1, 1, 1, 19)),
              ((1, 8, 8, 24), (1, 8, 8, 1)), ((3, 33), ()), ((), (2, 17)), ((1, 3, 1), (2, 1, 5))]
    for k, (sa, sb) in enumerate(shapes):
        for opcode in ("ADD", "SUB", "MUL"):
            dtype = ["int8", "uint8"][k % 2]
            lo = -128 if dtype == "int8" else 0
            zps = [lo, lo + 255, int(r.integers(lo, lo + 256))]
            out_shape = list(np.broadcast_shapes(sa, sb))
            ins = [T(dtype, list(sa), scale=0.05, zero_point=zps[0]), T(dtype, list(sb), scale=0.031, zero_point=zps[1])]
            out = T(dtype, out_shape, scale=0.07 if opcode != "MUL" else 0.4, zero_point=zps[2])
            options = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}[opcode]
            model = single_op_model(opcode, ins, [out], options, {"fused_activation_function": [0, 1, 3][k % 3]},
                                    version=2)
            yield model, [q(r, dtype, sa), q(r, dtype, sb)]


def table_cases():
    """ADD, SUB and MUL of equal shapes with at least 4096 elements run through a table of all
    65,536 results: every pair of input bytes, once each, against the reference."""
    r = np.random.default_rng(11)
    pairs = np.arange(65536)
    for k, opcode in enumerate(("ADD", "SUB", "MUL", "ADD", "SUB", "MUL")):
        dtype = ["int8", "uint8"][k // 3]
        lo = -128 if dtype == "int8" else 0
        a = (lo + (pairs >> 8)).astype(dtype).reshape(1, 256, 256, 1)
        b = (lo + (pairs & 255)).astype(dtype).reshape(1, 256, 256, 1)
        zps = [int(z) for z in r.integers(lo, lo + 256, 3)]
        scales = [float(s) for s in r.uniform(0.005, 0.1, 3)]
        if opcode == "MUL":
            scales[2] *= 8
        shape = [1, 256, 256, 1]
        options = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}[opcode]
        model = single_op_model(opcode, [T(dtype, shape, scale=scales[0], zero_point=zps[0]),
                                         T(dtype, shape, scale=scales[1], zero_point=zps[1])],
                                [T(dtype, shape, scale=scales[2], zero_point=zps[2])], options,
                                {"fused_activation_function": [0, 1, 3][k % 3]}, version=2)
        yield model, [a, b]


def pool_and_mean_cases():
    r = np.random.default_rng(6)
    for k, (opcode, filt, stride, padding) in enumerate([("MAX_POOL_2D", 2, 2, 1), ("AVERAGE_POOL_2D", 3, 2, 0),
                                                         ("AVERAGE_POOL_2D", 7, 1, 1), ("MAX_POOL_2D", 3, 1, 0)]):
        dtype = ["int8", "uint8"][k % 2]
        n, h, w, c = 2, 13, 11, 35
        oh = -(-h // stride) if padding == 0 else (h - filt + stride) // stride
        ow = -(-w // stride) if padding == 0 else (w - filt + stride) // stride
        p = {"scale": 0.1, "zero_point": -128 if dtype == "int8" else 255}
        yield (single_op_model(opcode, [T(dtype, [n, h, w, c], **p)], [T(dtype, [n, oh, ow, c], **p)], "Pool2DOptions",
                               {"padding": padding, "stride_w": stride, "stride_h": stride, "filter_width": filt,
                                "filter_height": filt, "fused_activation_function": k % 2}, version=2),
               [q(r, dtype, (n, h, w, c))])
    for dtype, keep in (("int8", False), ("uint8", True)):
        shape = (2, 7, 7, 45)
        out_shape = [2, 1, 1, 45] if keep else [2, 45]
        lo = -128 if dtype == "int8" else 0
        yield (single_op_model("MEAN", [T(dtype, list(shape), scale=0.05, zero_point=lo + 3), T("int32", data=[1, 2])],
                               [T(dtype, out_shape, scale=0.02, zero_point=lo + 250)], "ReducerOptions",
                               {"keep_dims": keep}, version=2),
               [q(r, dtype, shape)])


def quantize_cases():
    r = np.random.default_rng(7)
    x = (r.standard_normal((3, 41)) * 4).astype(np.float32)
    x[0, :5] = [np.nan, np.inf, -np.inf, 1e30, 0.25]
    x[1, :8] = (np.arange(8) - 4 + 0.5) * 0.0625  # ties
    for dtype, zp in (("int8", -128), ("uint8", 200)):
        yield single_op_model("QUANTIZE", [T("float32", [3, 41])], [T(dtype, [3, 41], scale=0.0625, zero_point=zp)]), [x]
    for src, dst in (("int8", "uint8"), ("uint8", "int8"), ("int8", "int8")):
        lo = -128 if src == "int8" else 0
        yield (single_op_model("QUANTIZE", [T(src, [5, 29], scale=0.05, zero_point=lo + 7)],
                               [T(dst, [5, 29], scale=0.037, zero_point=-3 if dst == "int8" else 130)]),
               [q(r, src, (5, 29))])
    yield (single_op_model("DEQUANTIZE", [T("int8", [4, 37], scale=0.013, zero_point=-128)], [T("float32", [4, 37])]),
           [q(r, "int8", (4, 37))])


def activation_cases():
    r = np.random.default_rng(9)
    acts = [("RELU", None, None), ("RELU6", None, None), ("RELU_N1_TO_1", None, None), ("LOGISTIC", None, None),
            ("TANH", None, None), ("HARD_SWISH", None, None), ("LEAKY_RELU", "LeakyReluOptions", {"alpha": 0.2})]
    shape = [3, 77]
    for opcode, options_type, options in acts:
        for dtype in ("int8", "uint8"):
            if dtype == "uint8" and opcode in ("RELU_N1_TO_1", "HARD_SWISH"):
                continue
            lo = -128 if dtype == "int8" else 0
            out_q = {"LOGISTIC": (1 / 256, lo), "TANH": (1 / 128, lo + 128)}.get(opcode, (0.03, lo + 20))
            same = opcode == "RELU6"  # TFLite Micro's RELU6 does not requantize
            model = single_op_model(opcode, [T(dtype, shape, scale=0.05, zero_point=lo + 6)],
                                    [T(dtype, shape, scale=0.05 if same else out_q[0],
                                       zero_point=lo + 6 if same else out_q[1])], options_type, options,
                                    version=2 if opcode not in ("HARD_SWISH", "LEAKY_RELU", "RELU_N1_TO_1") else 1)
            yield model, [q(r, dtype, shape)]
    for dtype, depth, beta, s_in in (("int8", 10, 1.0, 0.1), ("int8", 1000, 1.0, 0.02), ("uint8", 37, 0.5, 0.3),
                                     ("int8", 300, 2.0, 0.5)):
        lo = -128 if dtype == "int8" else 0
        shape = [2, depth]
        model = single_op_model("SOFTMAX", [T(dtype, shape, scale=s_in, zero_point=lo + 100)],
                                [T(dtype, shape, scale=1 / 256, zero_point=lo)], "SoftmaxOptions", {"beta": beta},
                                version=2)
        x = q(r, dtype, shape)
        x[1, :] = x[1, 0]  # a row of equal values
        yield model, [x]


def model_cases():
    for path in MODELS:
        with open(path, "rb") as f:
            model = f.read()
        it = qtflite.lite.Interpreter(model_content=model)
        d = it.get_input_details()[0]
        x = np.random.default_rng(8).integers(-128, 128, [3] + list(d["shape"][1:])).astype(d["dtype"])
        yield model, [x]


def check_fast_equals_reference(extra_model=None):
    """Every case, or only the model file `extra_model` (with random inputs) when given."""
    ref = qtflite.lite.OpResolverType.BUILTIN_REF
    count = 0
    cases = [binary_cases, table_cases, pool_and_mean_cases, quantize_cases, activation_cases, model_cases]
    if extra_model:
        with open(extra_model, "rb") as f:
            model = f.read()
        d = qtflite.lite.Interpreter(model_content=model).get_input_details()[0]
        x = np.random.default_rng(3).uniform(-1, 1, [2] + list(d["shape"][1:])).astype(np.float32)
        cases = [lambda: [(model, [x])]]
    for model, feeds in (case for make in cases for case in make()):
        for numerics in ("micro", "litert"):
            fast = run_qtflite(model, feeds, numerics=numerics)
            want = run_qtflite(model, feeds, numerics=numerics, op_resolver_type=ref)
            for a, b in zip(fast, want):
                assert a.dtype == b.dtype and a.shape == b.shape
                if a.dtype == np.float32:
                    np.testing.assert_array_equal(a.view(np.uint32), b.view(np.uint32))
                else:
                    np.testing.assert_array_equal(a, b)
            count += 1
    return count


def test_fast_kernels_equal_the_reference():
    assert check_fast_equals_reference() > 60


def test_the_fast_kernels_run():
    # The fast path takes these operators: a per-channel ADD is many times quicker than the reference.
    x = np.random.default_rng(0).integers(-128, 128, (1, 56, 56, 144)).astype(np.int8)
    model = single_op_model("ADD", [T("int8", [1, 56, 56, 144], scale=0.05, zero_point=3),
                                    T("int8", [1, 56, 56, 144], scale=0.04, zero_point=-5)],
                            [T("int8", [1, 56, 56, 144], scale=0.08, zero_point=1)], "AddOptions",
                            {"fused_activation_function": 0}, version=2)
    ms = {}
    for resolver in (None, "BUILTIN_REF"):
        it = qtflite.lite.Interpreter(model_content=model, experimental_op_resolver_type=resolver)
        ms[resolver] = qtflite.profile(it, [x, x], runs=5).operators[0].ms_per_call
    assert ms[None] * 2 < ms["BUILTIN_REF"], ms


def run_forced(tier, extra_model=""):
    code = ("import sys; sys.path.insert(0, sys.argv[1])\n"
            "import qtflite, test_fast_elementwise as t\n"
            "assert qtflite.cpu_info()['active'] == sys.argv[2]\n"
            "t.check_fast_equals_reference(sys.argv[3])\n"
            "print('ok')\n")
    env = dict(os.environ, QTFLITE_ISA=tier)
    res = subprocess.run([sys.executable, "-c", code, HERE, tier, extra_model], env=env, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip().endswith("ok")


@pytest.mark.parametrize("tier", qtflite.cpu_info()["supported"])
def test_every_tier_forced(tier):
    run_forced(tier)


@pytest.fixture(scope="module")
def mobilenet_v2_int8(tmp_path_factory):
    """keras.applications.MobileNetV2 (untrained, 48x48, alpha 0.35) converted by qtflite to int8
    with float input and output: QUANTIZE, CONV_2D, DEPTHWISE_CONV_2D, PAD, ADD, MEAN,
    FULLY_CONNECTED, SOFTMAX, DEQUANTIZE."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="test extra keras (with torch) not installed")
    import warnings
    from qtflite import lite
    cal = np.random.default_rng(0).uniform(-1, 1, (4, 48, 48, 3)).astype(np.float32)
    c = lite.TFLiteConverter.from_keras_model(keras.applications.MobileNetV2(input_shape=(48, 48, 3), alpha=0.35,
                                                                             weights=None, classes=17))
    c.optimizations = [lite.Optimize.DEFAULT]
    c.representative_dataset = lambda: ([cal[i:i + 1]] for i in range(len(cal)))
    c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = c.convert()
    path = str(tmp_path_factory.mktemp("mbv2") / "mobilenet_v2_int8.tflite")
    with open(path, "wb") as f:
        f.write(model)
    ops = {o["opcode"] for o in qtflite.load_model(path).to_dict()["subgraphs"][0]["operators"]}
    assert {"PAD", "ADD", "MEAN", "QUANTIZE", "DEQUANTIZE", "SOFTMAX"} <= ops, ops
    return path


@pytest.mark.parametrize("tier", qtflite.cpu_info()["supported"])
def test_mobilenet_v2_int8_every_tier_forced(mobilenet_v2_int8, tier):
    run_forced(tier, mobilenet_v2_int8)
