"""Integer DEPTHWISE_CONV_2D through the Interpreter on the fast kernels (the default) equals the
reference kernels (BUILTIN_REF) bit for bit on MobileNet-sized layers -- int8 (per-channel and
per-tensor, 3x3 and 5x5, stride 1 and 2, dilation, depth multipliers, batches), uint8 and int16 --
on every instruction-set tier this CPU has, each forced with QTFLITE_ISA in a child process; and
equals ai-edge-litert's reference kernels. (The C++ tests check every tier, including the emulated
AVX-512 ones, on 10,000 small random cases each.)"""
import os
import subprocess
import sys

import numpy as np
import pytest

import qtflite
from op_harness import T, run_litert, run_qtflite, single_op_model

HERE = os.path.dirname(os.path.abspath(__file__))


def out_size(size, k, stride, padding, dilation=1):
    eff = (k - 1) * dilation + 1
    return -(-size // stride) if padding == 0 else (size - eff + stride) // stride


# (dtype, batch, h, w, in_channels, multiplier, kernel, stride, padding, dilation, activation, per_channel)
CASES = [
    ("int8", 1, 23, 21, 96, 1, 3, 2, 0, 1, 3, True),
    ("int8", 1, 14, 14, 144, 1, 3, 1, 0, 1, 3, True),
    ("int8", 2, 9, 11, 40, 1, 5, 1, 0, 1, 1, True),
    ("int8", 1, 12, 10, 72, 1, 5, 2, 1, 1, 0, False),
    ("int8", 1, 10, 12, 24, 2, 3, 1, 0, 2, 0, True),
    ("int8", 1, 8, 9, 19, 3, 3, 2, 1, 1, 3, True),
    ("uint8", 2, 15, 13, 33, 1, 3, 1, 0, 1, 3, False),
    ("uint8", 1, 11, 11, 16, 2, 5, 2, 0, 1, 0, False),
    ("int16", 1, 13, 12, 48, 1, 3, 1, 0, 1, 0, True),
    ("int16", 2, 9, 9, 12, 2, 5, 2, 1, 1, 1, True),
]


def depthwise_case(case, seed):
    dtype, n, h, w, ci, mult, k, stride, padding, dilation, act, per_channel = case
    r = np.random.default_rng(seed)
    co = ci * mult
    s_w = r.uniform(0.002, 0.02, co if per_channel else 1).astype(np.float32)
    if dtype == "int8":
        s_in, zp_in, s_out, zp_out = 0.03, int(r.choice([-128, 127, int(r.integers(-128, 128))])), 0.02, \
            int(r.integers(-128, 128))
        x = r.integers(-128, 128, (n, h, w, ci)).astype(np.int8)
        weights = T("int8", data=r.integers(-128, 128, (1, k, k, co)), scale=s_w, zero_point=0, axis=3)
        bias = T("int32", data=r.integers(-30000, 30000, co), scale=(np.float32(s_in) * s_w).astype(np.float32))
        version = 3
    elif dtype == "uint8":
        s_in, zp_in, s_out, zp_out = 0.03, int(r.integers(0, 256)), 0.05, int(r.integers(0, 256))
        x = r.integers(0, 256, (n, h, w, ci)).astype(np.uint8)
        weights = T("uint8", data=r.integers(0, 256, (1, k, k, co)), scale=s_w, zero_point=int(r.integers(0, 256)))
        bias = T("int32", data=r.integers(-3000, 3000, co), scale=np.float32(s_in) * s_w)
        version = 1
    else:
        s_in, zp_in, s_out, zp_out = 4e-4, 0, 1e-3, 0
        x = r.integers(-32768, 32768, (n, h, w, ci)).astype(np.int16)
        weights = T("int8", data=r.integers(-127, 128, (1, k, k, co)), scale=s_w, zero_point=0, axis=3)
        bias = T("int64", data=r.integers(-10 ** 6, 10 ** 6, co), scale=(np.float32(s_in) * s_w).astype(np.float32))
        version = 5
    oh, ow = out_size(h, k, stride, padding, dilation), out_size(w, k, stride, padding, dilation)
    ins = [T(dtype, [n, h, w, ci], scale=s_in, zero_point=zp_in), weights, bias]
    opts = {"padding": padding, "stride_w": stride, "stride_h": stride, "depth_multiplier": mult,
            "fused_activation_function": act, "dilation_w_factor": dilation, "dilation_h_factor": dilation}
    model = single_op_model("DEPTHWISE_CONV_2D", ins, [T(dtype, [n, oh, ow, co], scale=s_out, zero_point=zp_out)],
                            "DepthwiseConv2DOptions", opts, version=version)
    return model, x


def check_fast_equals_reference():
    """Every case: the fast kernels (default resolver) equal BUILTIN_REF, both numerics."""
    for i, case in enumerate(CASES):
        model, x = depthwise_case(case, 1000 + i)
        for numerics in ("micro", "litert"):
            fast = run_qtflite(model, [x], numerics=numerics)[0]
            ref = run_qtflite(model, [x], numerics=numerics, op_resolver_type=qtflite.lite.OpResolverType.BUILTIN_REF)[0]
            assert fast.dtype == ref.dtype and fast.shape == ref.shape, case
            np.testing.assert_array_equal(fast, ref, err_msg=str(case))


def test_fast_kernels_equal_the_reference_and_litert():
    check_fast_equals_reference()
    for i, case in enumerate(CASES[:4] + CASES[6:7] + CASES[8:9]):
        model, x = depthwise_case(case, 1000 + CASES.index(case))
        np.testing.assert_array_equal(run_qtflite(model, [x], numerics="litert")[0], run_litert(model, [x])[0],
                                      err_msg=str(case))


@pytest.mark.parametrize("tier", qtflite.cpu_info()["supported"])
def test_every_tier_forced(tier):
    code = ("import sys; sys.path.insert(0, sys.argv[1])\n"
            "import qtflite, test_fast_depthwise as t\n"
            "assert qtflite.cpu_info()['active'] == sys.argv[2]\n"
            "t.check_fast_equals_reference()\n"
            "print('ok')\n")
    env = dict(os.environ, QTFLITE_ISA=tier)
    res = subprocess.run([sys.executable, "-c", code, HERE, tier], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip().endswith("ok")
