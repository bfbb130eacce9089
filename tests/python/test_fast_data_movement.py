"""PAD, CONCATENATION, RESHAPE as block copies: equal to NumPy on random shapes, paddings and dtypes."""
import numpy as np
import pytest

from op_harness import T, run_qtflite, single_op_model


@pytest.mark.parametrize("seed", range(12))
def test_pad_random(seed):
    r = np.random.default_rng(seed)
    dtype = ["int8", "uint8", "int16", "float32", "int32"][seed % 5]
    rank = int(r.integers(1, 5))
    shape = [int(d) for d in r.integers(1, 6, rank)]
    pads = [[int(r.integers(0, 3)) * (r.random() < 0.6), int(r.integers(0, 3)) * (r.random() < 0.6)] for _ in shape]
    if dtype in ("int8", "uint8", "int16"):
        info = np.iinfo(dtype)
        zp = int(r.integers(info.min, info.max + 1)) if dtype != "int16" else 0
        kw = {"scale": 0.1, "zero_point": zp}
        x = r.integers(info.min, info.max + 1, shape).astype(dtype)
    else:
        zp, kw = 0, {}
        x = r.integers(-100, 100, shape).astype(dtype)
    out_shape = [d + a + b for d, (a, b) in zip(shape, pads)]
    m = single_op_model("PAD", [T(dtype, shape, **kw), T("int32", data=np.array(pads, np.int32).reshape(rank, 2))],
                        [T(dtype, out_shape, **kw)])
    (y,) = run_qtflite(m, [x])
    np.testing.assert_array_equal(y, np.pad(x, pads, constant_values=zp))


def test_padv2_pattern_fill():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    pads = [[1, 0], [0, 2], [3, 1]]
    m = single_op_model("PADV2", [T("float32", x.shape), T("int32", data=pads), T("float32", data=[-1.25])],
                        [T("float32", [3, 5, 8])])
    (y,) = run_qtflite(m, [x])
    np.testing.assert_array_equal(y, np.pad(x, pads, constant_values=-1.25))
