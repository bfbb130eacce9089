"""Integer CONV_2D and FULLY_CONNECTED through the Interpreter on the fast GEMM kernels (the
default) equal the reference kernels (BUILTIN_REF) bit for bit -- single-operator layers (int8
per-channel and per-tensor, 1x1 / 3x3 / 5x5, strides, dilation, 1- and 3-channel first layers,
batches, uint8, FULLY_CONNECTED with a weight zero point, both numerics) and real models from
../shared on their golden inputs -- on every instruction-set tier this CPU has, each forced with
QTFLITE_ISA in a child process. (The C++ tests check every tier, including the emulated
AVX-512 / AVX-VNNI ones, on thousands of small random cases each.)"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import qtflite
from op_harness import T, run_qtflite, single_op_model

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.abspath(os.environ.get("QTFLITE_SHARED", os.path.join(HERE, "..", "..", "..", "shared")))

# (dtype, batch, h, w, in_c, out_c, kernel, stride, padding, dilation, activation, per_channel)
CONV_CASES = [
    ("int8", 1, 14, 14, 32, 48, 1, 1, 1, 1, 3, True),
    ("int8", 2, 13, 11, 24, 40, 3, 1, 0, 1, 1, True),
    ("int8", 1, 17, 15, 3, 16, 3, 2, 0, 1, 3, True),
    ("int8", 1, 28, 28, 1, 8, 3, 1, 1, 1, 1, False),
    ("int8", 1, 12, 12, 19, 21, 5, 2, 0, 1, 0, False),
    ("int8", 1, 12, 10, 16, 17, 3, 1, 0, 2, 0, True),
    ("int8", 1, 9, 9, 40, 7, 1, 2, 1, 1, 0, True),
    ("uint8", 2, 11, 13, 8, 24, 3, 1, 0, 1, 3, False),
    ("uint8", 1, 10, 10, 32, 9, 1, 1, 1, 1, 0, False),
]
# (dtype, batch, in_depth, out_depth, activation, per_channel, weight zero point)
FC_CASES = [
    ("int8", 1, 1352, 16, 1, False, 0),
    ("int8", 7, 16, 10, 0, False, 0),
    ("int8", 33, 100, 37, 1, True, 0),
    ("int8", 3, 65, 19, 0, False, 5),
    ("uint8", 5, 70, 23, 1, False, 131),
]


def out_size(size, k, stride, padding, dilation=1):
    eff = (k - 1) * dilation + 1
    return -(-size // stride) if padding == 0 else (size - eff + stride) // stride


def quant(r, dtype):
    if dtype == "int8":
        return 0.03, int(r.choice([-128, 127, int(r.integers(-128, 128))])), 0.5, int(r.integers(-128, 128))
    return 0.03, int(r.integers(0, 256)), 0.9, int(r.integers(0, 256))


def conv_case(case, seed):
    dtype, n, h, w, ci, co, k, stride, padding, dilation, act, per_channel = case
    r = np.random.default_rng(seed)
    s_in, zp_in, s_out, zp_out = quant(r, dtype)
    s_w = r.uniform(0.002, 0.02, co if per_channel else 1).astype(np.float32)
    lo, hi = (-128, 128) if dtype == "int8" else (0, 256)
    x = r.integers(lo, hi, (n, h, w, ci)).astype(dtype)
    zp_w = 0 if dtype == "int8" else int(r.integers(0, 256))
    weights = T(dtype, data=r.integers(lo, hi, (co, k, k, ci)), scale=s_w, zero_point=zp_w, axis=0)
    bias = T("int32", data=r.integers(-30000, 30000, co), scale=(np.float32(s_in) * s_w).astype(np.float32))
    oh, ow = out_size(h, k, stride, padding, dilation), out_size(w, k, stride, padding, dilation)
    ins = [T(dtype, [n, h, w, ci], scale=s_in, zero_point=zp_in), weights, bias]
    opts = {"padding": padding, "stride_w": stride, "stride_h": stride, "fused_activation_function": act,
            "dilation_w_factor": dilation, "dilation_h_factor": dilation}
    model = single_op_model("CONV_2D", ins, [T(dtype, [n, oh, ow, co], scale=s_out, zero_point=zp_out)],
                            "Conv2DOptions", opts, version=3 if dtype == "int8" else 1)
    return model, x


def fc_case(case, seed):
    dtype, n, k, co, act, per_channel, zp_w = case
    r = np.random.default_rng(seed)
    s_in, zp_in, s_out, zp_out = quant(r, dtype)
    s_w = r.uniform(0.002, 0.02, co if per_channel else 1).astype(np.float32)
    lo, hi = (-128, 128) if dtype == "int8" else (0, 256)
    x = r.integers(lo, hi, (n, k)).astype(dtype)
    weights = T(dtype, data=r.integers(lo, hi, (co, k)), scale=s_w, zero_point=zp_w, axis=0)
    bias = T("int32", data=r.integers(-30000, 30000, co), scale=(np.float32(s_in) * s_w).astype(np.float32))
    ins = [T(dtype, [n, k], scale=s_in, zero_point=zp_in), weights, bias]
    opts = {"fused_activation_function": act, "weights_format": 0, "keep_num_dims": False,
            "asymmetric_quantize_inputs": False}
    model = single_op_model("FULLY_CONNECTED", ins, [T(dtype, [n, co], scale=s_out, zero_point=zp_out)],
                            "FullyConnectedOptions", opts, version=4 if dtype == "int8" else 1)
    return model, x


# The golden int8 models qtflite runs (CONV_2D and FULLY_CONNECTED among their operators).
GOLDEN_INT8 = ["hello_world_int8", "person_detect_int8", "micro_speech_int8", "resnet8_cifar10_int8",
               "kws_dscnn_int8", "anomaly_ad01_int8", "streaming_wakeword_int8"]


def golden_models():
    """(name, model bytes, feeds) of the golden int8 cases, and a uint8 TF1 MobileNet."""
    with open(os.path.join(SHARED, "golden", "index.json")) as f:
        cases = json.load(f)["cases"]
    out = []
    for c in cases:
        if c["name"] not in GOLDEN_INT8:
            continue
        z = np.load(os.path.join(SHARED, "golden", c["name"] + ".npz"))
        with open(os.path.join(SHARED, "data", c["model"]), "rb") as f:
            model = f.read()
        for i in range(3):  # three samples, one at a time, in the model's input shape
            feeds = [z[f"input_{j}"][i].reshape(d["shape"]) for j, d in enumerate(c["inputs"])]
            out.append((f"{c['name']}[{i}]", model, feeds))
    path = os.path.join(SHARED, "data", "tflite", "coral", "mobilenet_v1_0.25_128_quant.tflite")
    if os.path.exists(path):
        with open(path, "rb") as f:
            x = np.random.default_rng(0).integers(0, 256, (1, 128, 128, 3)).astype(np.uint8)
            out.append(("mobilenet_v1_0.25_128_quant", f.read(), [x]))
    return out


def assert_fast_equals_reference(model, feeds, label, numerics="micro"):
    fast = run_qtflite(model, feeds, numerics=numerics)
    ref = run_qtflite(model, feeds, numerics=numerics, op_resolver_type=qtflite.lite.OpResolverType.BUILTIN_REF)
    for a, b in zip(fast, ref):
        assert a.dtype == b.dtype and a.shape == b.shape, label
        np.testing.assert_array_equal(a, b, err_msg=label)


def check_fast_equals_reference(models=True):
    for i, case in enumerate(CONV_CASES):
        model, x = conv_case(case, 2000 + i)
        assert_fast_equals_reference(model, [x], str(case))
    for i, case in enumerate(FC_CASES):
        model, x = fc_case(case, 3000 + i)
        for numerics in ("micro", "litert"):
            assert_fast_equals_reference(model, [x], f"{case} {numerics}", numerics)
    if models:
        for name, model, feeds in golden_models():
            for numerics in ("micro", "litert"):
                assert_fast_equals_reference(model, feeds, f"{name} {numerics}", numerics)


def test_fast_gemm_equals_the_reference():
    check_fast_equals_reference()


@pytest.mark.parametrize("tier", qtflite.cpu_info()["supported"])
def test_every_tier_forced(tier):
    code = ("import sys; sys.path.insert(0, sys.argv[1])\n"
            "import qtflite, test_fast_gemm as t\n"
            "assert qtflite.cpu_info()['active'] == sys.argv[2]\n"
            "t.check_fast_equals_reference()\n"
            "print('ok')\n")
    env = dict(os.environ, QTFLITE_ISA=tier)
    res = subprocess.run([sys.executable, "-c", code, HERE, tier], env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip().endswith("ok")
