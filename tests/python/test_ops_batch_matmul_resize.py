"""BATCH_MATMUL (float32, int8, int16) and quantized RESIZE_BILINEAR (int8, int16, uint8),
one-operator models run in qtflite (numerics "litert" and "micro"), in ai-edge-litert's
reference kernels (BUILTIN_REF) and in TensorFlow Lite Micro on random data. Every output must
be identical to LiteRT's and to Micro's, float included (Micro has no int16 or uint8
RESIZE_BILINEAR: it must refuse those). One difference between the runtimes: the quantized
BATCH_MATMUL multiplier s_l·s_r/s_out takes the product in float32 in LiteRT, in double in
Micro (test_batch_matmul_multiplier_product_follows_the_numerics)."""
import math

import numpy as np
import pytest

from op_harness import T, check_against_micro, run_litert, run_qtflite, single_op_model

pytest.importorskip("ai_edge_litert", reason="test extra ai-edge-litert not installed")


def check(model, feeds, same_in_micro=True):
    """LiteRT's outputs, which qtflite's numerics="litert" gives exactly; qtflite's default
    numerics give TFLite Micro's exactly, and LiteRT's too when `same_in_micro`."""
    want = run_litert(model, feeds)
    got = run_qtflite(model, feeds, numerics="litert")
    micro = check_against_micro(model, feeds)
    assert len(got) == len(want) == len(micro)
    for g, m, w in zip(got, micro, want):
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, g.shape, w.dtype, w.shape)
        np.testing.assert_array_equal(g, w)
        if same_in_micro:
            np.testing.assert_array_equal(m, w)
    return want


def q_values(r, shape, dtype):
    info = np.iinfo(dtype)
    return r.integers(info.min, info.max, shape, endpoint=True).astype(dtype)


# ---------------------------------------------------------------- BATCH_MATMUL

def _bmm_shapes(r):
    """Random operand shapes (rank 2..5) whose batch dims broadcast, and the adjoint flags."""
    rank_l, rank_r = int(r.integers(2, 6)), int(r.integers(2, 6))
    nb = max(rank_l, rank_r) - 2
    batch = [int(r.integers(1, 4)) for _ in range(nb)]
    bl = [d if r.random() < 0.6 else 1 for d in batch][nb - (rank_l - 2):]
    br = [d if r.random() < 0.6 else 1 for d in batch][nb - (rank_r - 2):]
    a, b, c = (int(v) for v in r.integers(1, 7, 3))
    if r.random() < 0.3:
        b = int(r.integers(20, 70))  # a longer accumulation
    adj_x, adj_y = bool(r.integers(2)), bool(r.integers(2))
    lhs = bl + ([b, a] if adj_x else [a, b])
    rhs = br + ([c, b] if adj_y else [b, c])
    out = list(np.broadcast_shapes(tuple(bl), tuple(br))) + [a, c]
    return lhs, rhs, out, adj_x, adj_y, b


def _bmm_model(dtype, lhs, rhs, out, adj_x, adj_y, rhs_data=None, q=None):
    q = q or {}
    version = {"float32": 1, "int8": 2, "int16": 3}[dtype]
    lt = T(dtype, lhs, **q.get("lhs", {}))
    rt = T(dtype, data=rhs_data, **q.get("rhs", {})) if rhs_data is not None else T(dtype, rhs, **q.get("rhs", {}))
    return single_op_model("BATCH_MATMUL", [lt, rt], [T(dtype, out, **q.get("out", {}))], "BatchMatMulOptions",
                           {"adj_x": adj_x, "adj_y": adj_y}, version=version)


@pytest.mark.parametrize("seed", range(24))
@pytest.mark.parametrize("dtype", ["float32", "int8", "int16"])
def test_batch_matmul_random(dtype, seed):
    r = np.random.default_rng(1000 + seed)
    lhs, rhs, out, adj_x, adj_y, depth = _bmm_shapes(r)
    rhs_const = bool(seed % 2)
    if dtype == "float32":
        x = r.standard_normal(lhs).astype(np.float32)
        y = r.standard_normal(rhs).astype(np.float32)
        q = None
    else:
        x, y = q_values(r, lhs, dtype), q_values(r, rhs, dtype)
        s_l, s_r = float(r.uniform(0.002, 0.05)), float(r.uniform(0.002, 0.05))
        if dtype == "int8":
            zl, zr, zo = (int(v) for v in r.integers(-40, 40, 3))
            # Output scale: typical |acc| ~ 100^2·sqrt(depth); spread the multiplier so that
            # some cases saturate and some barely use the range.
            m = float(r.uniform(0.2, 3.0)) * 127 / (1e4 * np.sqrt(depth))
        else:
            zl = zr = zo = 0
            m = float(r.uniform(0.2, 3.0)) * 32767 / (3e8 * np.sqrt(depth))
        s_o = s_l * s_r / m
        q = {"lhs": {"scale": s_l, "zero_point": zl}, "rhs": {"scale": s_r, "zero_point": zr},
             "out": {"scale": s_o, "zero_point": zo}}
    model = _bmm_model(dtype, lhs, rhs, out, adj_x, adj_y, rhs_data=y if rhs_const else None, q=q)
    feeds = [x] if rhs_const else [x, y]
    got = check(model, feeds)[0]
    assert list(got.shape) == out
    if dtype == "float32":  # sanity: it is a matmul
        xx = np.swapaxes(x, -1, -2) if adj_x else x
        yy = np.swapaxes(y, -1, -2) if adj_y else y
        np.testing.assert_allclose(got, np.matmul(xx, yy), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("adj_x", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_batch_matmul_rhs_third_last_dim_one(dtype, adj_x):
    # TFLite's Eval folds lhs [..., Q, R, S] x rhs [..., 1, X, Y] into one [..., Q·R, S] matmul;
    # the result must still be the plain broadcast matmul (also with adj_x).
    r = np.random.default_rng(21)
    lhs = [2, 3, 5, 4] if adj_x else [2, 3, 4, 5]
    rhs, out = [1, 5, 6], [2, 3, 4, 6]
    q = None
    if dtype == "float32":
        x, y = r.standard_normal(lhs).astype(np.float32), r.standard_normal(rhs).astype(np.float32)
    else:
        x, y = q_values(r, lhs, np.int8), q_values(r, rhs, np.int8)
        q = {"lhs": {"scale": 0.02, "zero_point": 5}, "rhs": {"scale": 0.03, "zero_point": -7},
             "out": {"scale": 0.6, "zero_point": 1}}
    got = check(_bmm_model(dtype, lhs, rhs, out, adj_x, False, q=q), [x, y])[0]
    if dtype == "float32":
        xx = np.swapaxes(x, -1, -2) if adj_x else x
        np.testing.assert_allclose(got, np.matmul(xx, y), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("adj_x,adj_y", [(False, False), (True, False), (False, True), (True, True)])
def test_batch_matmul_int8_multiplier_above_one(adj_x, adj_y):
    # M = s_l·s_r/s_out > 1 (positive shift), small values so little saturates.
    r = np.random.default_rng(7)
    lhs, rhs, out = [2, 3, 4], [4, 5], [2, 3, 5]
    if adj_x:
        lhs = [2, 4, 3]
    if adj_y:
        rhs = [5, 4]
    x = r.integers(-6, 6, lhs).astype(np.int8)
    y = r.integers(-6, 6, rhs).astype(np.int8)
    q = {"lhs": {"scale": 0.5, "zero_point": 2}, "rhs": {"scale": 0.25, "zero_point": -1},
         "out": {"scale": 0.07, "zero_point": -3}}
    check(_bmm_model("int8", lhs, rhs, out, adj_x, adj_y, q=q), [x, y])


def _quantize_multiplier(m):
    q, e = math.frexp(m)
    qi = int(math.floor(q * 2**31 + 0.5))
    if qi == 2**31:
        qi, e = qi // 2, e + 1
    return qi, e


def _mbqm(x, m, shift):
    """TFLite's MultiplyByQuantizedMultiplier (double rounding) on an int64 array."""
    p = x.astype(np.int64) * (1 << max(shift, 0)) * m
    n = p + np.where(p >= 0, 1 << 30, 1 - (1 << 30))
    h = np.where(n >= 0, n // (1 << 31), -((-n) // (1 << 31)))
    e = max(-shift, 0)
    mask = (1 << e) - 1
    return (h >> e) + ((h & mask) > (mask >> 1) + (h < 0))


def test_batch_matmul_multiplier_product_follows_the_numerics():
    # M = s_l·s_r/s_out with the product in float32 (LiteRT) or double (TFLite Micro). Find
    # scales where the two move the quantized multiplier enough to change some of the 256x256
    # products x·y (x, y over all int8 values): LiteRT gives the float32-product result, Micro
    # the double one, and qtflite each under its numerics.
    v = np.arange(-128, 128, dtype=np.int64)
    acc = np.multiply.outer(v, v)
    r = np.random.default_rng(0)
    for _ in range(20000):
        s_l, s_r = np.float32(r.uniform(0.01, 0.1)), np.float32(r.uniform(0.01, 0.1))
        s_o = np.float32(s_l * s_r * np.float32(r.uniform(100, 140)))
        m32 = _quantize_multiplier(float(np.float32(s_l * s_r)) / float(s_o))
        m64 = _quantize_multiplier(float(s_l) * float(s_r) / float(s_o))
        o32 = np.clip(_mbqm(acc, *m32), -128, 127)
        o64 = np.clip(_mbqm(acc, *m64), -128, 127)
        if np.any(o32 != o64):
            break
    else:
        pytest.fail("no discriminating scales found")
    x = v.astype(np.int8).reshape(256, 1)
    y = v.astype(np.int8).reshape(1, 256)
    q = {"lhs": {"scale": s_l, "zero_point": 0}, "rhs": {"scale": s_r, "zero_point": 0},
         "out": {"scale": s_o, "zero_point": 0}}
    model = _bmm_model("int8", [256, 1], [1, 256], [256, 256], False, False, rhs_data=y, q=q)
    got = check(model, [x], same_in_micro=False)[0]
    np.testing.assert_array_equal(got, o32)
    np.testing.assert_array_equal(run_qtflite(model, [x])[0], o64)
    assert np.any(got != o64)


@pytest.mark.parametrize("lhs,rhs", [([2, 3, 4], [3, 5, 6]), ([2, 3, 4], [2, 4])])
def test_batch_matmul_bad_shapes_raise(lhs, rhs):
    model = _bmm_model("float32", lhs, rhs, [2, 3, 6], False, False)
    with pytest.raises(Exception, match="do not multiply|BATCH_MATMUL"):
        run_qtflite(model, [np.zeros(lhs, np.float32), np.zeros(rhs, np.float32)], numerics="litert")


# ---------------------------------------------------------------- RESIZE_BILINEAR (quantized)

MODES = [(False, False), (True, False), (False, True)]  # (align_corners, half_pixel_centers)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("align,half", MODES)
@pytest.mark.parametrize("dtype", ["int8", "int16", "uint8"])
def test_resize_bilinear_quantized(dtype, align, half, seed):
    r = np.random.default_rng(500 + seed)
    n, h, w, c = int(r.integers(1, 3)), int(r.integers(1, 8)), int(r.integers(1, 8)), int(r.integers(1, 4))
    # Up, down, mixed and identity sizes, including 1 (align_corners then falls back).
    size = [int(v) for v in r.integers(1, 17, 2)] if seed > 1 else ([1, 1] if seed == 0 else [h, w])
    x = q_values(r, (n, h, w, c), dtype)
    zp = 0 if dtype == "int16" else int(r.integers(-10, 10)) + (128 if dtype == "uint8" else 0)
    q = {"scale": 0.05, "zero_point": zp}
    version = 4 if dtype == "int16" else (3 if half else 2)  # as TFLite's op_version writes
    model = single_op_model("RESIZE_BILINEAR", [T(dtype, x.shape, **q), T("int32", data=size)],
                            [T(dtype, [n] + size + [c], **q)], "ResizeBilinearOptions",
                            {"align_corners": align, "half_pixel_centers": half}, version=version)
    got = check(model, [x])[0]
    assert got.shape == (n, size[0], size[1], c)


@pytest.mark.parametrize("align,half", MODES)
def test_resize_bilinear_int8_extremes(align, half):
    # Alternating -128/127 checkerboard, large upscale: exercises the rounding of negative and
    # positive Q20 sums and the unclamped cast.
    x = np.where((np.add.outer(np.arange(5), np.arange(6)) % 2) == 0, 127, -128).astype(np.int8)
    x = np.stack([x, -1 - x], axis=-1)[None]
    for size in ([13, 17], [2, 3], [5, 6], [9, 1]):
        model = single_op_model("RESIZE_BILINEAR", [T("int8", x.shape, scale=0.1, zero_point=0),
                                                    T("int32", data=size)],
                                [T("int8", [1] + size + [2], scale=0.1, zero_point=0)], "ResizeBilinearOptions",
                                {"align_corners": align, "half_pixel_centers": half}, version=3 if half else 2)
        check(model, [x])
