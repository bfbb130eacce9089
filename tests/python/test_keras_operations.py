"""keras.ops calls inside Keras 3 functional models (serialised as operation nodes, e.g. class
Add of module keras.src.ops.numpy with a constant argument), converted from live models and
from .keras files and compared with model.predict: |ours − keras| ≤ 1e-5 + 1e-4·|keras|, the
live-model tolerance of test_keras_live.py (Keras' float arithmetic on this CPU differs from
TFLite's reference kernels by rounding only)."""
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras", reason="test extra keras (with torch) not installed")
from keras import layers, ops  # noqa: E402

from qtflite import lite  # noqa: E402
from qtflite.frontends.keras_graph import parse_keras_config  # noqa: E402

RNG = np.random.default_rng(1)


def run(tflite_bytes, x):
    it = lite.Interpreter(model_content=tflite_bytes)
    d = it.get_input_details()[0]
    it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    it.set_tensor(d["index"], x)
    it.invoke()
    return [it.get_tensor(o["index"]) for o in it.get_output_details()]


def check(model, x, tflite_bytes=None):
    want = model.predict(x, verbose=0)
    want = [np.asarray(w) for w in (want if isinstance(want, list) else [want])]
    got = run(tflite_bytes or lite.TFLiteConverter.from_keras_model(model).convert(), x)
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, (k, g.shape, w.shape)
        if w.dtype == bool:
            np.testing.assert_array_equal(g, w)
            continue
        bound = 1e-5 + 1e-4 * np.abs(w)
        assert np.all(np.abs(g - w) <= bound), f"output {k}: worst excess {np.max(np.abs(g - w) - bound)}"


def features(n=3):
    return RNG.standard_normal((n, 4, 6, 8)).astype(np.float32)


def test_arithmetic_with_constants_on_either_side_and_tensors():
    inp = keras.Input((4, 6, 8))
    x = inp
    outs = [x + 3.0, 2.0 + x, x + 1, x + x, 3.0 - x, x - 0.5, x * (1.0 / 6.0), 2.5 * x, x * x, x / 4.0, x / 3.0,
            ops.maximum(x, 0.25), ops.minimum(-0.5, x), ops.maximum(x, x * 2.0), ops.power(x, 2.0),
            ops.power(ops.abs(x) + 1.0, 0.5), ops.power(ops.abs(x) + 1.0, -0.5), ops.square(x),
            x + np.linspace(-1, 1, 8).astype(np.float32)]
    check(keras.Model(inp, outs), features())


def test_unary_operations_and_activations():
    inp = keras.Input((4, 6, 8))
    x = inp
    pos = ops.abs(x) + 0.5
    outs = [ops.negative(x), ops.exp(x), ops.log(pos), ops.sqrt(pos), ops.rsqrt(pos), ops.tanh(x),
            ops.relu(x), ops.relu6(x * 4.0), ops.sigmoid(x), ops.silu(x), ops.hard_sigmoid(x), ops.hard_silu(x),
            ops.gelu(x), ops.gelu(x, approximate=False), ops.leaky_relu(x, 0.1), ops.elu(x), ops.selu(x),
            ops.softplus(x), ops.softmax(x, axis=-1), ops.softmax(x, axis=2), ops.clip(x, -0.5, 0.75),
            ops.clip(x * 4.0, 0.0, 6.0), ops.clip(x, -1.0, 1.0), ops.cast(x, "float32")]
    check(keras.Model(inp, outs), features())


def test_reductions():
    inp = keras.Input((4, 6, 8))
    x = inp
    outs = [ops.mean(x, axis=[1, 2], keepdims=True), ops.mean(x, axis=-1), ops.sum(x, axis=(1, 3)),
            ops.max(x, axis=1), ops.min(x, axis=2, keepdims=True)]
    check(keras.Model(inp, outs), features())


def test_shape_operations():
    inp = keras.Input((4, 6, 8))
    x = inp
    outs = [ops.reshape(x, (-1, 24, 8)), ops.transpose(x, (0, 3, 1, 2)), ops.expand_dims(x, 2),
            ops.squeeze(ops.expand_dims(x, -1), axis=-1), ops.squeeze(ops.mean(x, axis=1, keepdims=True)),
            ops.concatenate([x, x * 2.0], axis=-1), ops.stack([x, x + 1.0], axis=1),
            ops.matmul(x, ops.transpose(x, (0, 1, 3, 2))), ops.matmul(x, RNG.standard_normal((8, 5)).astype(np.float32)),
            x[:, 1:3, ::2, 0], x[..., -1], x[:, 1:, 2:, :], x[:, -3:-1]]
    check(keras.Model(inp, outs), features())


def test_where_and_comparisons():
    inp = keras.Input((4, 6, 8))
    x = inp
    outs = [ops.where(x >= 0.0, x, 0.1 * x), ops.where(x <= 0.5, 1.0, x), x >= x * 0.5]
    check(keras.Model(inp, outs), features())


def test_operation_nodes_keep_their_arguments():
    inp = keras.Input((4,))
    model = keras.Model(inp, [3.0 - inp, layers.Add()([inp, inp * 2.0])])
    graph = parse_keras_config({"class_name": "Functional", "config": model.get_config()})
    ops_calls = [c for c in graph.calls if c.is_operation]
    assert {c.class_name for c in ops_calls} == {"ops.Subtract", "ops.Multiply"}
    sub = [c for c in ops_calls if c.class_name == "ops.Subtract"][0]
    assert sub.op_args[0] == 3.0 and sub.op_args[1].index == 0 and len(sub.inputs) == 1
    assert [c.class_name for c in graph.calls if not c.is_operation] == ["Add"]


def test_keras_file_with_operations_and_weights(tmp_path):
    """In a .keras file, operation nodes have no weight group: the layers' weights still
    line up (layers.Add and ops Add share the snake-case name 'add')."""
    inp = keras.Input((6, 6, 3))
    x = layers.Conv2D(4, 3, padding="same")(inp)
    x = layers.Add()([x * (1.0 / 6.0), x + 3.0])
    x = layers.Conv2D(5, 1)(x)
    x = layers.Add()([x, x])
    x = layers.Dense(3)(ops.mean(x, axis=[1, 2]))
    model = keras.Model(inp, x)
    path = str(tmp_path / "ops.keras")
    model.save(path)
    xin = RNG.standard_normal((2, 6, 6, 3)).astype(np.float32)
    check(model, xin, lite.TFLiteConverter.from_keras_file(path).convert())


def test_unsupported_operations_are_named():
    inp = keras.Input((4,))
    with pytest.raises(NotImplementedError, match=r"operation 'erf' \(ops.Erf\) is not supported.*ops.Add"):
        lite.TFLiteConverter.from_keras_model(keras.Model(inp, ops.erf(inp))).convert()
    with pytest.raises(NotImplementedError, match=r"operation .* \(ops.TrueDivide\): division by a tensor"):
        lite.TFLiteConverter.from_keras_model(keras.Model(inp, 1.0 / (inp * inp + 1.0))).convert()
    with pytest.raises(NotImplementedError, match=r"operation .* \(ops.Transpose\): changes the batch dimension"):
        lite.TFLiteConverter.from_keras_model(keras.Model(inp, ops.transpose(inp))).convert()
    with pytest.raises(NotImplementedError, match=r"operation .* \(ops.Power\): exponent 3.0"):
        lite.TFLiteConverter.from_keras_model(keras.Model(inp, ops.power(inp, 3.0))).convert()
