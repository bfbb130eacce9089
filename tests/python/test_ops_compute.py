"""Compute operators, one-operator models built through qtflite's IR, run in qtflite, in
ai-edge-litert's reference kernels (BUILTIN_REF) and in TensorFlow Lite Micro on random data.
numerics="litert" matches LiteRT everywhere (int8 outputs identical, float outputs within
1e-5); the default "micro" matches Micro exactly, or Micro refuses the model as
op_harness.micro_refusal expects. The two runtimes differ only in int8 FULLY_CONNECTED and the
LOGISTIC/TANH LUTs, and those differences are asserted to stay within a few LSB."""
import itertools

import numpy as np
import pytest

from op_harness import T, check_against_micro, run_litert, run_qtflite, single_op_model

pytest.importorskip("ai_edge_litert", reason="test extra ai-edge-litert not installed")

# int8 ops where TFLite Micro's reference arithmetic differs from LiteRT's.
MICRO_DIFFERS = {"FULLY_CONNECTED", "LOGISTIC", "TANH"}


def check(model, feeds, opcode, micro_tolerance=8):
    want = run_litert(model, feeds)
    got = run_qtflite(model, feeds, numerics="litert")
    micro = check_against_micro(model, feeds)
    for g, m, w in zip(got, micro, want):
        assert g.dtype == w.dtype and g.shape == w.shape, (g.shape, w.shape)
        if np.issubdtype(w.dtype, np.floating):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
            np.testing.assert_array_equal(m, g)
        else:
            np.testing.assert_array_equal(g, w)
            if opcode in MICRO_DIFFERS:
                assert np.max(np.abs(m.astype(int) - w.astype(int))) <= micro_tolerance
            else:
                np.testing.assert_array_equal(m, w)
    return got


def rng(seed):
    return np.random.default_rng(seed)


def q_input(r, shape, dtype=np.int8):
    info = np.iinfo(dtype)
    return r.integers(info.min, info.max, shape, endpoint=True).astype(dtype)


# ---------------------------------------------------------------- convolutions

CONV_CASES = list(itertools.product([1, 2], [0, 1], [1, 2], [0, 1, 3]))  # stride, padding, dilation, act


@pytest.mark.parametrize("stride,padding,dilation,act", CONV_CASES)
@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_conv2d(stride, padding, dilation, act, dtype):
    r = rng(stride * 100 + padding * 10 + dilation + act)
    n, h, w, ci, co, k = 2, 9, 8, 3, 5, 3
    opts = {"padding": padding, "stride_w": stride, "stride_h": stride, "fused_activation_function": act,
            "dilation_w_factor": dilation, "dilation_h_factor": dilation}
    eff = (k - 1) * dilation + 1
    oh = -(-h // stride) if padding == 0 else (h - eff + stride) // stride
    ow = -(-w // stride) if padding == 0 else (w - eff + stride) // stride
    if dtype == "float32":
        x = r.standard_normal((n, h, w, ci)).astype(np.float32)
        filt = T("float32", data=r.standard_normal((co, k, k, ci)).astype(np.float32))
        bias = T("float32", data=r.standard_normal(co).astype(np.float32))
        ins, out = [T("float32", x.shape), filt, bias], T("float32", [n, oh, ow, co])
    else:
        s_in, zp_in = 0.04, int(r.integers(-20, 20))
        s_w = r.uniform(0.002, 0.02, co).astype(np.float32)
        x = q_input(r, (n, h, w, ci))
        filt = T("int8", data=r.integers(-127, 127, (co, k, k, ci)), scale=s_w, zero_point=0)
        bias = T("int32", data=r.integers(-3000, 3000, co), scale=(s_in * s_w).astype(np.float32), zero_point=0)
        ins = [T("int8", x.shape, scale=s_in, zero_point=zp_in), filt, bias]
        out = T("int8", [n, oh, ow, co], scale=0.02, zero_point=int(r.integers(-10, 10)))
    model = single_op_model("CONV_2D", ins, [out], "Conv2DOptions", opts, version=3 if dtype == "int8" else 1)
    check(model, [x], "CONV_2D")


@pytest.mark.parametrize("stride,padding,mult,act", list(itertools.product([1, 2], [0, 1], [1, 2], [0, 3])))
@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_depthwise_conv2d(stride, padding, mult, act, dtype):
    r = rng(stride * 100 + padding * 10 + mult + act)
    n, h, w, ci, k = 1, 7, 9, 4, 3
    co = ci * mult
    opts = {"padding": padding, "stride_w": stride, "stride_h": stride, "depth_multiplier": mult,
            "fused_activation_function": act}
    oh = -(-h // stride) if padding == 0 else (h - k + stride) // stride
    ow = -(-w // stride) if padding == 0 else (w - k + stride) // stride
    if dtype == "float32":
        x = r.standard_normal((n, h, w, ci)).astype(np.float32)
        ins = [T("float32", x.shape), T("float32", data=r.standard_normal((1, k, k, co)).astype(np.float32)),
               T("float32", data=r.standard_normal(co).astype(np.float32))]
        out = T("float32", [n, oh, ow, co])
    else:
        s_in, zp_in = 0.03, int(r.integers(-20, 20))
        s_w = r.uniform(0.002, 0.02, co).astype(np.float32)
        x = q_input(r, (n, h, w, ci))
        ins = [T("int8", x.shape, scale=s_in, zero_point=zp_in),
               T("int8", data=r.integers(-127, 127, (1, k, k, co)), scale=s_w, zero_point=0, axis=3),
               T("int32", data=r.integers(-2000, 2000, co), scale=(s_in * s_w).astype(np.float32), zero_point=0)]
        out = T("int8", [n, oh, ow, co], scale=0.015, zero_point=int(r.integers(-10, 10)))
    model = single_op_model("DEPTHWISE_CONV_2D", ins, [out], "DepthwiseConv2DOptions", opts,
                            version=3 if dtype == "int8" else 1)
    check(model, [x], "DEPTHWISE_CONV_2D")


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 0), (2, 1)])
@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_transpose_conv(stride, padding, dtype):
    r = rng(stride * 10 + padding)
    n, h, w, ci, co, k = 1, 4, 5, 3, 2, 3
    oh = h * stride if padding == 0 else (h - 1) * stride + k
    ow = w * stride if padding == 0 else (w - 1) * stride + k
    opts = {"padding": padding, "stride_w": stride, "stride_h": stride}
    shape = T("int32", data=[n, oh, ow, co])
    if dtype == "float32":
        x = r.standard_normal((n, h, w, ci)).astype(np.float32)
        ins = [shape, T("float32", data=r.standard_normal((co, k, k, ci)).astype(np.float32)), T("float32", x.shape)]
        out = T("float32", [n, oh, ow, co])
    else:
        s_in, s_w = 0.05, r.uniform(0.005, 0.02, co).astype(np.float32)
        x = q_input(r, (n, h, w, ci))
        ins = [shape, T("int8", data=r.integers(-127, 127, (co, k, k, ci)), scale=s_w, zero_point=0),
               T("int8", x.shape, scale=s_in, zero_point=3)]
        out = T("int8", [n, oh, ow, co], scale=0.1, zero_point=-2)
    model = single_op_model("TRANSPOSE_CONV", ins, [out], "TransposeConvOptions", opts, version=2 if dtype == "int8" else 1)
    check(model, [x], "TRANSPOSE_CONV")


# ---------------------------------------------------------------- fully connected

@pytest.mark.parametrize("per_channel", [False, True])
@pytest.mark.parametrize("act", [0, 1, 3])
@pytest.mark.parametrize("batches", [1, 5])
def test_fully_connected_int8(per_channel, act, batches):
    r = rng(act * 10 + batches + per_channel)
    k, units = 37, 11
    s_in, zp_in = 0.05, -3
    s_w = r.uniform(0.004, 0.02, units).astype(np.float32) if per_channel else np.float32(0.01)
    x = q_input(r, (batches, k))
    ins = [T("int8", x.shape, scale=s_in, zero_point=zp_in),
           T("int8", data=r.integers(-127, 127, (units, k)), scale=s_w, zero_point=0),
           T("int32", data=r.integers(-5000, 5000, units), scale=np.float32(s_in) * np.asarray(s_w, np.float32), zero_point=0)]
    out = T("int8", [batches, units], scale=0.07, zero_point=5)
    model = single_op_model("FULLY_CONNECTED", ins, [out], "FullyConnectedOptions",
                            {"fused_activation_function": act}, version=4)
    check(model, [x], "FULLY_CONNECTED")


@pytest.mark.parametrize("keep_num_dims", [False, True])
def test_fully_connected_float(keep_num_dims):
    r = rng(3)
    x = r.standard_normal((2, 3, 6)).astype(np.float32)
    out_shape = [2, 3, 4] if keep_num_dims else [6, 4]
    model = single_op_model("FULLY_CONNECTED",
                            [T("float32", x.shape), T("float32", data=r.standard_normal((4, 6)).astype(np.float32)), None],
                            [T("float32", out_shape)], "FullyConnectedOptions",
                            {"keep_num_dims": keep_num_dims, "fused_activation_function": 1},
                            version=5 if keep_num_dims else 1)
    (y,) = check(model, [x], "FULLY_CONNECTED")
    assert list(y.shape) == out_shape


@pytest.mark.parametrize("asymmetric,per_channel", [(False, False), (True, False), (True, True), (False, True)])
def test_fully_connected_hybrid(asymmetric, per_channel):
    r = rng(7)
    units, k = 6, 40
    s_w = r.uniform(0.004, 0.02, units).astype(np.float32) if per_channel else np.float32(0.01)
    x = (r.standard_normal((3, k)) * 3).astype(np.float32)
    model = single_op_model("FULLY_CONNECTED",
                            [T("float32", x.shape), T("int8", data=r.integers(-127, 127, (units, k)), scale=s_w, zero_point=0),
                             T("float32", data=r.standard_normal(units).astype(np.float32))],
                            [T("float32", [3, units])], "FullyConnectedOptions",
                            {"asymmetric_quantize_inputs": asymmetric}, version=12 if per_channel else (9 if asymmetric else 3))
    check(model, [x], "FULLY_CONNECTED")


# ---------------------------------------------------------------- pooling, elementwise, reductions

@pytest.mark.parametrize("opcode", ["MAX_POOL_2D", "AVERAGE_POOL_2D"])
@pytest.mark.parametrize("padding,stride,filt", [(0, 2, 3), (1, 2, 2), (0, 1, 3), (1, 3, 3)])
@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_pooling(opcode, padding, stride, filt, dtype):
    r = rng(padding * 10 + stride + filt)
    n, h, w, c = 2, 10, 7, 3
    oh = -(-h // stride) if padding == 0 else (h - filt + stride) // stride
    ow = -(-w // stride) if padding == 0 else (w - filt + stride) // stride
    q = {} if dtype == "float32" else {"scale": 0.1, "zero_point": 4}
    x = r.standard_normal((n, h, w, c)).astype(np.float32) if dtype == "float32" else q_input(r, (n, h, w, c))
    model = single_op_model(opcode, [T(dtype, x.shape, **q)], [T(dtype, [n, oh, ow, c], **q)], "Pool2DOptions",
                            {"padding": padding, "stride_w": stride, "stride_h": stride, "filter_width": filt,
                             "filter_height": filt, "fused_activation_function": 1}, version=2 if q else 1)
    check(model, [x], opcode)


@pytest.mark.parametrize("opcode", ["ADD", "SUB", "MUL"])
@pytest.mark.parametrize("shapes", [((2, 3, 4), (2, 3, 4)), ((2, 3, 4), (4,)), ((1, 3, 1), (2, 1, 5))])
@pytest.mark.parametrize("act", [0, 1])
@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_binary(opcode, shapes, act, dtype):
    r = rng(len(shapes[1]) * 10 + act)
    sa, sb = shapes
    out_shape = list(np.broadcast_shapes(sa, sb))
    options = {"ADD": "AddOptions", "SUB": "SubOptions", "MUL": "MulOptions"}[opcode]
    if dtype == "float32":
        xa, xb = r.standard_normal(sa).astype(np.float32), r.standard_normal(sb).astype(np.float32)
        ins, out = [T("float32", sa), T("float32", sb)], T("float32", out_shape)
    else:
        xa, xb = q_input(r, sa), q_input(r, sb)
        ins = [T("int8", sa, scale=0.05, zero_point=-7), T("int8", sb, scale=0.03, zero_point=11)]
        out = T("int8", out_shape, scale=0.06 if opcode != "MUL" else 0.04, zero_point=-2)
    model = single_op_model(opcode, ins, [out], options, {"fused_activation_function": act},
                            version=2 if dtype == "int8" else 1)
    check(model, [xa, xb], opcode)


@pytest.mark.parametrize("opcode", ["MAXIMUM", "MINIMUM"])
@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_maximum_minimum(opcode, dtype):
    r = rng(11)
    q = {} if dtype == "float32" else {"scale": 0.1, "zero_point": 2}
    xa = r.standard_normal((2, 3, 4)).astype(np.float32) if not q else q_input(r, (2, 3, 4))
    xb = r.standard_normal((3, 1)).astype(np.float32) if not q else q_input(r, (3, 1))
    model = single_op_model(opcode, [T(dtype, xa.shape, **q), T(dtype, xb.shape, **q)], [T(dtype, [2, 3, 4], **q)],
                            "MaximumMinimumOptions", {}, version=2 if q else 1)
    check(model, [xa, xb], opcode)


@pytest.mark.parametrize("opcode", ["MEAN", "SUM"])
@pytest.mark.parametrize("axes,keep", [([1, 2], True), ([1, 2], False), ([-1], False), ([0, 3], True)])
@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_reduce(opcode, axes, keep, dtype):
    r = rng(len(axes) + keep)
    shape = (2, 5, 4, 3)
    norm = sorted(a % 4 for a in axes)
    out_shape = [1 if d in norm else s for d, s in enumerate(shape)] if keep else [s for d, s in enumerate(shape) if d not in norm]
    if dtype == "float32":
        x = r.standard_normal(shape).astype(np.float32)
        ins, out = [T("float32", shape), T("int32", data=axes)], T("float32", out_shape)
    else:
        x = q_input(r, shape)
        ins = [T("int8", shape, scale=0.05, zero_point=3), T("int32", data=axes)]
        out = T("int8", out_shape, scale=0.05 if opcode == "MEAN" else 0.5, zero_point=-1)
    model = single_op_model(opcode, ins, [out], "ReducerOptions", {"keep_dims": keep}, version=2 if dtype == "int8" else 1)
    if dtype == "int8" and opcode == "SUM":
        # LiteRT 2.x's reference int8 SUM returns values unrelated to the sum (all zero points
        # even when input and output share their quantization); TFLite Micro's QuantizedMeanOrSum
        # is exact integer arithmetic, so check against it directly.
        sums = x.astype(np.int64).sum(axis=tuple(norm), keepdims=keep) - 3 * int(np.prod([shape[a] for a in norm]))
        scaled = sums * (0.05 / 0.5)
        want = np.clip(np.sign(scaled) * np.floor(np.abs(scaled) + 0.5) - 1, -128, 127)  # half away from zero
        for numerics in ("litert", "micro"):
            (got,) = run_qtflite(model, [x], numerics=numerics)
            np.testing.assert_array_equal(got, want)
        return
    check(model, [x], opcode)


# ---------------------------------------------------------------- softmax, activations, quantize

@pytest.mark.parametrize("beta", [1.0, 0.5])
@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_softmax(beta, dtype):
    r = rng(int(beta * 10))
    if dtype == "float32":
        x = (r.standard_normal((3, 10)) * 3).astype(np.float32)
        model = single_op_model("SOFTMAX", [T("float32", x.shape)], [T("float32", x.shape)], "SoftmaxOptions", {"beta": beta})
    else:
        x = q_input(r, (3, 10))
        model = single_op_model("SOFTMAX", [T("int8", x.shape, scale=0.08, zero_point=-10)],
                                [T("int8", x.shape, scale=1 / 256, zero_point=-128)], "SoftmaxOptions", {"beta": beta},
                                version=2)
    check(model, [x], "SOFTMAX")


ACTIVATIONS = [("RELU", None, None), ("RELU6", None, None), ("RELU_N1_TO_1", None, None), ("LOGISTIC", None, None),
               ("TANH", None, None), ("HARD_SWISH", None, None), ("LEAKY_RELU", "LeakyReluOptions", {"alpha": 0.2})]


@pytest.mark.parametrize("opcode,options_type,options", ACTIVATIONS)
@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_activation(opcode, options_type, options, dtype):
    r = rng(len(opcode))
    shape = (4, 64)
    if dtype == "float32":
        x = (r.standard_normal(shape) * 4).astype(np.float32)
        model = single_op_model(opcode, [T("float32", shape)], [T("float32", shape)], options_type, options)
    else:
        x = q_input(r, shape)
        out_q = {"LOGISTIC": (1 / 256, -128), "TANH": (1 / 128, 0)}.get(opcode, (0.03, -20))
        if opcode == "RELU6":
            # TFLite Micro's RELU6 clamps the raw input (it assumes, as converters write it, that
            # input and output share their quantization); LiteRT requantizes. Test the shared case
            # under both numerics and the general case under "litert".
            same = single_op_model(opcode, [T("int8", shape, scale=0.05, zero_point=6)],
                                   [T("int8", shape, scale=0.05, zero_point=6)], version=2)
            check(same, [x], opcode)
            general = single_op_model(opcode, [T("int8", shape, scale=0.05, zero_point=6)],
                                      [T("int8", shape, scale=0.03, zero_point=-20)], version=2)
            np.testing.assert_array_equal(run_qtflite(general, [x], numerics="litert")[0], run_litert(general, [x])[0])
            return
        model = single_op_model(opcode, [T("int8", shape, scale=0.05, zero_point=6)],
                                [T("int8", shape, scale=out_q[0], zero_point=out_q[1])], options_type, options,
                                version=2 if opcode not in ("HARD_SWISH", "LEAKY_RELU", "RELU_N1_TO_1") else 1)
    check(model, [x], opcode)


def test_prelu():
    r = rng(5)
    x = (r.standard_normal((2, 4, 4, 3)) * 2).astype(np.float32)
    model = single_op_model("PRELU", [T("float32", x.shape), T("float32", data=r.uniform(0, 0.5, (1, 1, 3)).astype(np.float32))],
                            [T("float32", x.shape)])
    check(model, [x], "PRELU")
    xq = q_input(r, (2, 4, 4, 3))
    model = single_op_model("PRELU", [T("int8", xq.shape, scale=0.05, zero_point=3),
                                      T("int8", data=r.integers(0, 100, (1, 1, 3)), scale=0.004, zero_point=-10)],
                            [T("int8", xq.shape, scale=0.04, zero_point=-5)])
    check(model, [xq], "PRELU")


def test_quantize_dequantize():
    r = rng(9)
    x = (r.standard_normal((3, 50)) * 3).astype(np.float32)
    x[0, :4] = [0.25, -0.25, 0.75, -0.75]  # exact ties at scale 0.5: half away from zero
    model = single_op_model("QUANTIZE", [T("float32", x.shape)], [T("int8", x.shape, scale=0.5, zero_point=-1)])
    (q,) = check(model, [x], "QUANTIZE")
    assert q[0, :4].tolist() == [-1 + 1, -1 - 1, -1 + 2, -1 - 2]
    requant = single_op_model("QUANTIZE", [T("int8", x.shape, scale=0.5, zero_point=-1)],
                              [T("int8", x.shape, scale=0.3, zero_point=4)])
    check(requant, [q], "QUANTIZE")
    to_uint8 = single_op_model("QUANTIZE", [T("int8", x.shape, scale=0.5, zero_point=-1)],
                               [T("uint8", x.shape, scale=0.5, zero_point=127)])
    check(to_uint8, [q], "QUANTIZE")
    deq = single_op_model("DEQUANTIZE", [T("int8", x.shape, scale=0.5, zero_point=-1)], [T("float32", x.shape)], version=2)
    (y,) = check(deq, [q], "DEQUANTIZE")
    np.testing.assert_array_equal(y, (q.astype(np.float64) + 1) * 0.5)


def test_dequantize_float16_constant_is_folded():
    w = np.array([[1.5, -2.25], [65504, 1e-7]], np.float16)
    model = single_op_model("DEQUANTIZE", [T("float16", data=w)], [T("float32", [2, 2])], version=3)
    import qtflite
    it = qtflite.lite.Interpreter(model_content=model)
    it.allocate_tensors()
    it.invoke()
    np.testing.assert_array_equal(it.get_tensor(it.get_output_details()[0]["index"]), w.astype(np.float32))
    assert run_litert(model, [])[0].tolist() == w.astype(np.float32).tolist()


@pytest.mark.parametrize("opcode", ["RESIZE_BILINEAR", "RESIZE_NEAREST_NEIGHBOR"])
@pytest.mark.parametrize("align,half", [(False, False), (True, False), (False, True)])
def test_resize(opcode, align, half):
    r = rng(3)
    x = r.standard_normal((1, 5, 4, 2)).astype(np.float32)
    options = "ResizeBilinearOptions" if opcode == "RESIZE_BILINEAR" else "ResizeNearestNeighborOptions"
    for size in ([8, 7], [3, 2]):
        model = single_op_model(opcode, [T("float32", x.shape), T("int32", data=size)], [T("float32", [1] + size + [2])],
                                options, {"align_corners": align, "half_pixel_centers": half}, version=3 if (align or half) else 1)
        check(model, [x], opcode)
