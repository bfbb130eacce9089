"""16x8 CONV_2D and FULLY_CONNECTED (int16 activations, int8 weights) through the Interpreter on
the fast int16 GEMM (the default) equal the reference kernels (BUILTIN_REF) bit for bit --
single-operator layers (per-channel and per-tensor weights, int64 / int32 / no bias, 1x1 / 3x3 /
5x5, strides, dilation, 3-channel first layers, batches, a weight zero point, a K whose sums leave
int32, both numerics) and whole models converted to 16x8 by qtflite (mobile_mnist, the seed CNN,
a CIFAR-10 CNN) -- on every instruction-set tier this CPU has, each forced with QTFLITE_ISA in a
child process. (The C++ tests check every tier, including the emulated AVX-512 / AVX-VNNI ones,
on 10,000 random cases each.)"""
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import qtflite
from qtflite import lite
from op_harness import T, run_qtflite, single_op_model

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.abspath(os.environ.get("QTFLITE_SHARED", os.path.join(HERE, "..", "..", "..", "shared")))
INT32, INT64 = 2, 4  # TensorType values of quantized_bias_type

# (batch, h, w, in_c, out_c, kernel, stride, padding, dilation, activation, per_channel, bias)
CONV_CASES = [
    (1, 14, 14, 32, 48, 1, 1, 1, 1, 3, True, "int64"),
    (2, 13, 11, 24, 40, 3, 1, 0, 1, 1, True, "int64"),
    (1, 17, 15, 3, 16, 3, 2, 0, 1, 3, True, "int64"),
    (1, 12, 12, 19, 21, 5, 2, 0, 1, 0, False, "int64"),
    (1, 12, 10, 16, 17, 3, 1, 0, 2, 0, True, "int32"),
    (1, 9, 9, 40, 7, 1, 2, 1, 1, 0, True, None),
    (1, 6, 6, 600, 9, 3, 1, 0, 1, 0, True, "int64"),  # K = 5400: int32 ranges summed in int64
]
# (batch, in_depth, out_depth, activation, per_channel, weight zero point, bias)
FC_CASES = [
    (1, 1352, 16, 1, False, 0, "int64"),
    (7, 16, 10, 0, False, 0, "int32"),
    (33, 100, 37, 1, True, 0, "int64"),
    (3, 65, 19, 0, False, 5, "int64"),
    (2, 9000, 5, 0, True, 0, "int64"),  # beyond int32 for extreme inputs
    (4, 31, 3, 3, True, 0, None),
]


def out_size(size, k, stride, padding, dilation=1):
    eff = (k - 1) * dilation + 1
    return -(-size // stride) if padding == 0 else (size - eff + stride) // stride


def extreme_or_random(r, shape, extreme, align=None):
    """Random int16 values; extreme: only -32768 and 32767, with the signs of `align` (the first
    output channel's weights summed per input channel) where given, so that its sum is as large
    as it gets (beyond int32 for the large K cases)."""
    if not extreme:
        return r.integers(-32768, 32768, shape).astype(np.int16)
    if align is None:
        return r.choice(np.array([-32768, 32767], np.int16), shape)
    return np.broadcast_to(np.where(align < 0, -32768, 32767).astype(np.int16), shape).copy()


def out_scale(r, k, extreme):
    """Output scales that keep the outputs mostly inside int16, even for aligned sums."""
    return float(r.uniform(2, 20)) if extreme and k > 2000 else float(r.uniform(5e-3, 5e-2))


def bias_tensor(r, bias, co, s_in, s_w):
    if bias is None:
        return None
    return T(bias, data=r.integers(-3_000_000, 3_000_000, co), scale=(np.float32(s_in) * s_w).astype(np.float32),
             zero_point=0)


def conv_case(case, seed, extreme=False):
    n, h, w, ci, co, k, stride, padding, dilation, act, per_channel, bias = case
    r = np.random.default_rng(seed)
    s_in, s_out = float(r.uniform(1e-4, 1e-3)), out_scale(r, k * k * ci, extreme)
    s_w = r.uniform(0.002, 0.02, co if per_channel else 1).astype(np.float32)
    w_values = r.integers(-127, 128, (co, k, k, ci))
    x = extreme_or_random(r, (n, h, w, ci), extreme, w_values[0].sum(axis=(0, 1)))
    weights = T("int8", data=w_values, scale=s_w, zero_point=0, axis=0)
    oh, ow = out_size(h, k, stride, padding, dilation), out_size(w, k, stride, padding, dilation)
    ins = [T("int16", [n, h, w, ci], scale=s_in, zero_point=0), weights, bias_tensor(r, bias, co, s_in, s_w)]
    opts = {"padding": padding, "stride_w": stride, "stride_h": stride, "fused_activation_function": act,
            "dilation_w_factor": dilation, "dilation_h_factor": dilation,
            "quantized_bias_type": INT32 if bias == "int32" else INT64}
    model = single_op_model("CONV_2D", ins, [T("int16", [n, oh, ow, co], scale=s_out, zero_point=0)],
                            "Conv2DOptions", opts, version=8)
    return model, x


def fc_case(case, seed, extreme=False):
    n, k, co, act, per_channel, zp_w, bias = case
    r = np.random.default_rng(seed)
    s_in, s_out = float(r.uniform(1e-4, 1e-3)), out_scale(r, k, extreme)
    s_w = r.uniform(0.002, 0.02, co if per_channel else 1).astype(np.float32)
    w_values = r.integers(-127, 128, (co, k))
    x = extreme_or_random(r, (n, k), extreme, w_values[0] - zp_w)
    weights = T("int8", data=w_values, scale=s_w, zero_point=zp_w, axis=0)
    ins = [T("int16", [n, k], scale=s_in, zero_point=0), weights, bias_tensor(r, bias, co, s_in, s_w)]
    opts = {"fused_activation_function": act, "weights_format": 0, "keep_num_dims": False,
            "asymmetric_quantize_inputs": False, "quantized_bias_type": INT32 if bias == "int32" else INT64}
    model = single_op_model("FULLY_CONNECTED", ins, [T("int16", [n, co], scale=s_out, zero_point=0)],
                            "FullyConnectedOptions", opts, version=11)
    return model, x


# Keras models converted to 16x8 by qtflite (calibrated on uniform noise: the parameters need only
# be realistic, not accurate).
MODELS = {"mobile_mnist": "keras/mobile_mnist.keras", "seed": "keras/mnist_cnn_seed.keras",
          "cifar10_cnn": "keras/cifar10_cnn_sairaj.keras"}


def convert_16x8(rel):
    from qtflite.frontends.keras_graph import parse_keras_config
    from qtflite.frontends.keras_loader import load_keras_file
    path = os.path.join(SHARED, "data", rel)
    shape = list(parse_keras_config(load_keras_file(path).config).inputs[0].batch_shape[1:])
    samples = np.random.default_rng(0).uniform(0, 1, [16] + shape).astype(np.float32)
    c = lite.TFLiteConverter.from_keras_file(path)
    c.optimizations = [lite.Optimize.DEFAULT]
    c.representative_dataset = lambda: ([samples[i:i + 1]] for i in range(len(samples)))
    c.target_spec.supported_ops = [lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    return c.convert(), shape


def assert_fast_equals_reference(model, feeds, label, numerics="micro"):
    fast = run_qtflite(model, feeds, numerics=numerics)
    ref = run_qtflite(model, feeds, numerics=numerics, op_resolver_type=lite.OpResolverType.BUILTIN_REF)
    for a, b in zip(fast, ref):
        assert a.dtype == b.dtype and a.shape == b.shape, label
        np.testing.assert_array_equal(a, b, err_msg=label)


def check_fast_equals_reference(models=True):
    for i, case in enumerate(CONV_CASES):
        for extreme in (False, True):
            model, x = conv_case(case, 4000 + i, extreme)
            assert_fast_equals_reference(model, [x], f"{case} extreme={extreme}")
    for i, case in enumerate(FC_CASES):
        for extreme in (False, True):
            model, x = fc_case(case, 5000 + i, extreme)
            for numerics in ("micro", "litert"):
                assert_fast_equals_reference(model, [x], f"{case} extreme={extreme} {numerics}", numerics)
    if models:
        for name, rel in MODELS.items():
            model, shape = convert_16x8(rel)
            ops = qtflite.inspect(model)["operator_counts"]
            assert "CONV_2D" in ops or "FULLY_CONNECTED" in ops, name
            r = np.random.default_rng(1)
            for numerics in ("micro", "litert"):
                for batch in (1, 3):
                    x = r.uniform(0, 1, [batch] + shape).astype(np.float32)
                    assert_fast_equals_reference(model, [x], f"{name} batch {batch} {numerics}", numerics)


def test_fast_gemm16_equals_the_reference():
    check_fast_equals_reference()


def test_16x8_conv_takes_the_fast_path():
    """The fast path really runs: a 16x8 CONV_2D is much faster than on BUILTIN_REF (thread CPU
    time, best of three)."""
    model, x = conv_case((1, 24, 24, 32, 64, 3, 1, 0, 1, 0, True, "int64"), 7)

    def best(resolver):
        kw = {} if resolver is None else {"experimental_op_resolver_type": resolver}
        it = lite.Interpreter(model_content=model, **kw)
        it.allocate_tensors()
        it.set_tensor(it.get_input_details()[0]["index"], x)
        times = []
        for _ in range(3):
            t = time.thread_time()
            it.invoke()
            times.append(time.thread_time() - t)
        return min(times)
    assert best(None) * 4 < best(lite.OpResolverType.BUILTIN_REF)


@pytest.mark.parametrize("tier", qtflite.cpu_info()["supported"])
def test_every_tier_forced(tier):
    code = ("import sys; sys.path.insert(0, sys.argv[1])\n"
            "import qtflite, test_fast_gemm16 as t\n"
            "assert qtflite.cpu_info()['active'] == sys.argv[2]\n"
            "t.check_fast_equals_reference()\n"
            "print('ok')\n")
    env = dict(os.environ, QTFLITE_ISA=tier)
    res = subprocess.run([sys.executable, "-c", code, HERE, tier], env=env, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip().endswith("ok")


def test_large_k_cases_leave_int32():
    """The aligned extreme inputs of the large-K cases do take the first channel's sum beyond int32
    (so the int64 path is what the comparison checks), and outputs are not all saturated."""
    for case, make, k in ((CONV_CASES[-1], conv_case, 5400), (FC_CASES[4], fc_case, 9000)):
        seed = 4000 + CONV_CASES.index(case) if make is conv_case else 5000 + FC_CASES.index(case)
        model, x = make(case, seed, True)
        g = qtflite.load_model(model).to_dict()["subgraphs"][0]
        t = g["tensors"][g["operators"][0]["inputs"][1]]
        w = np.asarray(t["data"]).view(np.int8).reshape(t["shape"]).astype(np.int64)
        first = (w[0].reshape(-1) * x.reshape(x.shape[0], -1)[0][:w[0].size].astype(np.int64)).sum() \
            if make is fc_case else None
        if make is conv_case:  # the centre pixel of a VALID 3x3 window of a constant image
            first = (w[0] * x[0, :3, :3, :].astype(np.int64)).sum()
        assert abs(first) > 2 ** 31, (case, first)
        out = run_qtflite(model, [x], op_resolver_type=lite.OpResolverType.BUILTIN_REF)[0]
        assert np.abs(out.astype(np.int32)).max() < 32767 or len(np.unique(out)) > 2, case
