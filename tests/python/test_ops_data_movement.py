"""Data-movement operators: exact against NumPy and against the official runtime."""
import numpy as np
import pytest

from op_harness import T, run_litert, run_qtflite, single_op_model

litert = pytest.importorskip("ai_edge_litert", reason="test extra ai-edge-litert not installed")
RNG = np.random.default_rng(7)


def both(model, feeds):
    ours = run_qtflite(model, feeds)
    ref = run_litert(model, feeds)
    for a, b in zip(ours, ref):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    return ours


@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_reshape(dtype):
    x = RNG.integers(-100, 100, (2, 3, 4)).astype(dtype)
    m = single_op_model("RESHAPE", [T(dtype, x.shape), T("int32", data=[4, -1])], [T(dtype, [4, 6])])
    (y,) = both(m, [x])
    np.testing.assert_array_equal(y, x.reshape(4, 6))


def test_reshape_bad_shape_is_clear():
    m = single_op_model("RESHAPE", [T("float32", [2, 3]), T("int32", data=[4, 2])], [T("float32", [4, 2])])
    with pytest.raises(ValueError, match=r"operator 0 \(RESHAPE v1\): cannot reshape \[2, 3\]"):
        run_qtflite(m, [np.zeros((2, 3), np.float32)])


@pytest.mark.parametrize("perm", [[0, 2, 1], [2, 0, 1], [1, 0, 2]])
def test_transpose(perm):
    x = RNG.standard_normal((2, 3, 5)).astype(np.float32)
    out_shape = [x.shape[p] for p in perm]
    m = single_op_model("TRANSPOSE", [T("float32", x.shape), T("int32", data=perm)], [T("float32", out_shape)])
    (y,) = both(m, [x])
    np.testing.assert_array_equal(y, np.transpose(x, perm))


@pytest.mark.parametrize("begin,end,strides,bm,em,sm", [
    ([0, 1, 0], [2, 3, 4], [1, 1, 2], 0, 0, 0),
    ([1, -2, 0], [2, 3, 0], [1, 1, 1], 0, 4, 1),
    ([0, 0, 3], [0, 0, 0], [1, 1, -1], 3, 3, 0),
    ([0], [1], [1], 0, 0, 1),
])
def test_strided_slice(begin, end, strides, bm, em, sm):
    x = RNG.standard_normal((2, 4, 5)).astype(np.float32)
    ref_shape = run_litert(single_op_model(
        "STRIDED_SLICE", [T("float32", x.shape), T("int32", data=begin), T("int32", data=end), T("int32", data=strides)],
        [T("float32", [1])], "StridedSliceOptions",
        {"begin_mask": bm, "end_mask": em, "shrink_axis_mask": sm}), [x])[0].shape
    m = single_op_model(
        "STRIDED_SLICE", [T("float32", x.shape), T("int32", data=begin), T("int32", data=end), T("int32", data=strides)],
        [T("float32", list(ref_shape))], "StridedSliceOptions",
        {"begin_mask": bm, "end_mask": em, "shrink_axis_mask": sm})
    both(m, [x])


def test_pack_and_concat():
    a = RNG.standard_normal((2, 3)).astype(np.float32)
    b = RNG.standard_normal((2, 3)).astype(np.float32)
    m = single_op_model("PACK", [T("float32", [2, 3]), T("float32", [2, 3])], [T("float32", [2, 2, 3])],
                        "PackOptions", {"values_count": 2, "axis": 1})
    (y,) = both(m, [a, b])
    np.testing.assert_array_equal(y, np.stack([a, b], axis=1))
    c = RNG.standard_normal((2, 5)).astype(np.float32)
    m = single_op_model("CONCATENATION", [T("float32", [2, 3]), T("float32", [2, 5])], [T("float32", [2, 8])],
                        "ConcatenationOptions", {"axis": -1})
    (y,) = both(m, [a, c])
    np.testing.assert_array_equal(y, np.concatenate([a, c], -1))
    relu6 = single_op_model("CONCATENATION", [T("float32", [2, 3]), T("float32", [2, 5])], [T("float32", [2, 8])],
                            "ConcatenationOptions", {"axis": -1, "fused_activation_function": 3})
    with pytest.raises(NotImplementedError, match="fused activation on CONCATENATION"):
        run_qtflite(relu6, [a, c])


def test_concat_int8_requires_equal_params():
    m = single_op_model("CONCATENATION", [T("int8", [1, 2], scale=0.5, zero_point=1),
                                          T("int8", [1, 2], scale=0.25, zero_point=1)],
                        [T("int8", [1, 4], scale=0.5, zero_point=1)], "ConcatenationOptions", {"axis": 1})
    with pytest.raises(ValueError, match="share the output's scale"):
        run_qtflite(m, [np.zeros((1, 2), np.int8)] * 2)


@pytest.mark.parametrize("dtype,zp", [("float32", None), ("int8", -5)])
def test_pad(dtype, zp):
    x = RNG.integers(-50, 50, (1, 3, 3, 2)).astype(dtype)
    pads = [[0, 0], [1, 2], [2, 0], [0, 1]]
    kw = {} if zp is None else {"scale": 0.1, "zero_point": zp}
    m = single_op_model("PAD", [T(dtype, x.shape, **kw), T("int32", data=pads)], [T(dtype, [1, 6, 5, 3], **kw)])
    (y,) = both(m, [x])
    np.testing.assert_array_equal(y, np.pad(x, pads, constant_values=zp or 0))


def test_padv2_value():
    x = RNG.standard_normal((2, 3)).astype(np.float32)
    m = single_op_model("PADV2", [T("float32", x.shape), T("int32", data=[[1, 1], [0, 2]]), T("float32", data=[7.5])],
                        [T("float32", [4, 5])])
    (y,) = both(m, [x])
    np.testing.assert_array_equal(y, np.pad(x, [[1, 1], [0, 2]], constant_values=7.5))


def test_squeeze_expand_dims():
    x = RNG.standard_normal((1, 3, 1, 2)).astype(np.float32)
    m = single_op_model("SQUEEZE", [T("float32", x.shape)], [T("float32", [3, 2])], "SqueezeOptions", {"squeeze_dims": []})
    (y,) = both(m, [x])
    assert y.shape == (3, 2)
    m = single_op_model("EXPAND_DIMS", [T("float32", [3, 2]), T("int32", data=[-1])], [T("float32", [3, 2, 1])])
    (y,) = both(m, [x.reshape(3, 2)])
    assert y.shape == (3, 2, 1)


def test_shape_pack_strided_slice_reshape_chain_is_folded():
    """The pattern TF emits for Flatten with a dynamic batch: SHAPE -> STRIDED_SLICE -> PACK ->
    RESHAPE; the new shape is known before invoke, so batch resizing works."""
    import qtflite
    path = [p for p in __import__("conftest").TFLITE_FILES if p.endswith("gowtham_dynamic_range_by_tf.tflite")][0]
    d = qtflite.load_model(path).to_dict()
    ops = [o["opcode"] for o in d["subgraphs"][0]["operators"]]
    assert "SHAPE" in ops and "PACK" in ops


@pytest.mark.parametrize("dtype", ["float32", "int8"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_reverse_v2(dtype, axis):
    x = RNG.integers(-100, 100, (2, 4, 3)).astype(dtype)
    m = single_op_model("REVERSE_V2", [T(dtype, x.shape), T("int32", data=[axis])], [T(dtype, x.shape)],
                        "ReverseV2Options", {})
    (y,) = both(m, [x])
    np.testing.assert_array_equal(y, np.flip(x, axis))


def test_reverse_v2_two_axes_is_refused():
    m = single_op_model("REVERSE_V2", [T("float32", [2, 3]), T("int32", data=[0, 1])], [T("float32", [2, 3])],
                        "ReverseV2Options", {})
    with pytest.raises(ValueError, match="axis must be one int32"):
        run_qtflite(m, [np.zeros((2, 3), np.float32)])
