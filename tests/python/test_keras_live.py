"""Live Keras 3 models (PyTorch backend) built in memory, one per family of supported layers,
converted with TFLiteConverter.from_keras_model and compared with model.predict:
|ours − keras| ≤ 1e-5 + 1e-4·|keras|, the issue's tolerance. Keras' float kernels (PyTorch's on
this CPU) sum in an order that depends on the CPU, so this is a bound, not an identity; the
worst case measured uses 2.6 % of it. The same files run in TensorFlow Lite Micro, whose
reference float kernels give qtflite's outputs exactly (Micro has no GELU: it must refuse it)."""
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras", reason="test extra keras (with torch) not installed")
from keras import layers  # noqa: E402

from qtflite import lite  # noqa: E402
from op_harness import check_against_micro  # noqa: E402

RNG = np.random.default_rng(0)


def randomize_batch_norm(model):
    """Give every BatchNormalization non-trivial statistics so folding is exercised."""
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            ws = layer.get_weights()
            layer.set_weights([RNG.uniform(0.5, 1.5, w.shape).astype(np.float32) if k in (0, 3)
                               else RNG.normal(0, 0.3, w.shape).astype(np.float32) for k, w in enumerate(ws)])
        if hasattr(layer, "layers"):
            randomize_batch_norm(layer)


def check(model, x, tol_scale=1.0):
    randomize_batch_norm(model)
    want = np.asarray(model.predict(x, verbose=0))
    tflite_bytes = lite.TFLiteConverter.from_keras_model(model).convert()
    it = lite.Interpreter(model_content=tflite_bytes)
    d = it.get_input_details()[0]
    it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    it.set_tensor(d["index"], x.astype(np.float32))
    it.invoke()
    got = it.get_tensor(it.get_output_details()[0]["index"])
    assert got.shape == want.shape
    bound = tol_scale * (1e-5 + 1e-4 * np.abs(want))
    assert np.all(np.abs(got - want) <= bound), f"worst excess {np.max(np.abs(got - want) - bound)}"
    # TFLite Micro runs the same file on its reference float kernels: exactly qtflite's outputs.
    check_against_micro(tflite_bytes, [x.astype(np.float32)])
    return tflite_bytes


def image(n=3, h=16, w=16, c=3):
    return RNG.standard_normal((n, h, w, c)).astype(np.float32)


def test_convolutions_and_pooling():
    inp = keras.Input((16, 16, 3))
    x = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(inp)
    x = layers.Conv2D(8, 3, dilation_rate=2, padding="valid", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU(max_value=6.0)(x)
    x = layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu6")(x)
    x = layers.SeparableConv2D(8, 3, padding="same", activation="swish")(x)
    x = layers.Conv2D(8, 1, groups=2)(x)
    x = layers.MaxPooling2D(2, padding="same")(x)
    x = layers.AveragePooling2D(2, strides=1, padding="same")(x)
    x = layers.GlobalAveragePooling2D()(x)
    out = layers.Dense(10, activation="softmax")(x)
    check(keras.Model(inp, out), image())


def test_transpose_conv_resize_pad_crop_merge():
    inp = keras.Input((8, 8, 4))
    a = layers.Conv2DTranspose(6, 3, strides=2, padding="same", activation="relu")(inp)
    b = layers.UpSampling2D(2)(layers.Conv2D(6, 1)(inp))
    c = layers.UpSampling2D(2, interpolation="bilinear")(layers.Conv2D(6, 1)(inp))
    x = layers.Add()([a, b, c])
    x = layers.Subtract()([x, b])
    x = layers.Multiply()([x, c])
    x = layers.Average()([x, a])
    x = layers.Maximum()([x, b])
    x = layers.Minimum()([x, a])
    x = layers.ZeroPadding2D(((1, 2), (0, 1)))(x)
    x = layers.Cropping2D(((2, 1), (1, 0)))(x)
    x = layers.Concatenate()([x, layers.Conv2D(2, 3, padding="same")(x)])
    x = layers.CenterCrop(12, 10)(x)
    x = layers.Resizing(9, 7)(x)
    x = layers.Rescaling(0.5, offset=0.25)(x)
    x = layers.Permute((2, 1, 3))(x)
    x = layers.Reshape((7 * 9, 8))(x)
    out = layers.Flatten()(x)
    model = keras.Model(inp, out)
    # Conv2DTranspose fixes the batch in TFLite (its output_shape input is a constant).
    check(model, RNG.standard_normal((1, 8, 8, 4)).astype(np.float32))


def test_one_dimensional_layers():
    inp = keras.Input((20, 4))
    x = layers.Conv1D(6, 3, padding="causal", dilation_rate=2, activation="relu")(inp)
    x = layers.DepthwiseConv1D(3, padding="same")(x)
    x = layers.SeparableConv1D(5, 3, padding="valid", activation="tanh")(x)
    x = layers.MaxPooling1D(2)(x)
    x = layers.AveragePooling1D(2, strides=1, padding="same")(x)
    x = layers.UpSampling1D(2)(x)
    x = layers.ZeroPadding1D((1, 2))(x)
    x = layers.Cropping1D((2, 1))(x)
    a = layers.GlobalMaxPooling1D()(x)
    b = layers.GlobalAveragePooling1D()(x)
    out = layers.Dense(3)(layers.Concatenate()([a, b]))
    check(keras.Model(inp, out), RNG.standard_normal((4, 20, 4)).astype(np.float32))


def test_dense_on_sequences_and_normalizations():
    inp = keras.Input((5, 6))
    x = layers.Dense(7, activation="gelu")(inp)
    x = layers.LayerNormalization()(x)
    x = layers.Dense(4, activation="elu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Flatten()(x)
    x = layers.RepeatVector(3)(x)
    x = layers.Dense(2, activation="selu")(x)
    check(keras.Model(inp, x), RNG.standard_normal((3, 5, 6)).astype(np.float32))


@pytest.mark.parametrize("activation", ["relu", "relu6", "sigmoid", "tanh", "softmax", "swish", "silu", "hard_sigmoid",
                                        "hard_swish", "hard_silu", "gelu", "elu", "selu", "leaky_relu", "softplus",
                                        "linear"])
def test_activations(activation):
    model = keras.Sequential([keras.Input((12,)), layers.Dense(8), layers.Activation(activation)])
    x = (RNG.standard_normal((6, 12)) * 3).astype(np.float32)
    check(model, x)


def test_activation_layers_and_removed_layers():
    inp = keras.Input((6, 6, 3))
    x = layers.LeakyReLU(negative_slope=0.1)(inp)
    x = layers.Conv2D(4, 3, padding="same")(x)
    x = layers.PReLU(shared_axes=[1, 2])(x)
    x = layers.ELU(alpha=0.7)(x)
    x = layers.ReLU(negative_slope=0.05, max_value=2.0)(x)
    x = layers.Dropout(0.5)(x)
    x = layers.SpatialDropout2D(0.3)(x)
    x = layers.GaussianNoise(1.0)(x)
    x = layers.GaussianDropout(0.2)(x)
    x = layers.AlphaDropout(0.2)(x)
    x = layers.ActivityRegularization(0.1)(x)
    x = layers.Identity()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(5)(x)
    out = layers.Softmax()(x)
    model = keras.Model(inp, out)
    prelu = [l for l in model.layers if isinstance(l, layers.PReLU)][0]
    prelu.set_weights([RNG.uniform(0.05, 0.5, w.shape).astype(np.float32) for w in prelu.get_weights()])
    tflite_bytes = check(model, image(4, 6, 6, 3))
    import qtflite
    ops = qtflite.inspect(tflite_bytes)["operator_counts"]
    assert "DROPOUT" not in ops and sum(ops.values()) < 15


def test_relu_threshold_and_softmax_axis():
    inp = keras.Input((4, 5, 6))
    a = layers.ReLU(threshold=0.3, negative_slope=0.1)(inp)
    b = layers.ReLU(threshold=0.6, negative_slope=0.05, max_value=1.5)(inp)
    x = layers.Concatenate()([a, b])
    x = layers.Softmax(axis=1)(x)
    out = layers.Activation("softmax")(layers.Dense(3)(x))
    check(keras.Model(inp, out), (RNG.standard_normal((3, 4, 5, 6)) * 2).astype(np.float32))


def test_preprocessing_layers():
    inp = keras.Input((10, 12, 2))
    x = layers.Normalization(mean=[0.5, -1.0], variance=[4.0, 0.25])(inp)
    x = layers.Normalization(mean=[0.1, 0.2], variance=[1.5, 2.0], invert=True)(x)
    x = layers.Resizing(6, 8, interpolation="nearest")(x)
    out = layers.Conv2D(3, 3)(x)
    check(keras.Model(inp, out), image(2, 10, 12, 2))


def test_nested_models_and_sequential():
    block = keras.Sequential([layers.Conv2D(4, 3, padding="same"), layers.BatchNormalization(), layers.ReLU()],
                             name="block")
    inp = keras.Input((8, 8, 3))
    x = block(inp)
    x = layers.Add()([x, layers.Conv2D(4, 1)(inp)])
    head = keras.Sequential([keras.Input((8, 8, 4)), layers.GlobalMaxPooling2D(), layers.Dense(3)], name="head")
    out = head(x)
    check(keras.Model(inp, out), image(2, 8, 8, 3))


def test_subclassed_model_is_refused():
    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(2)

        def call(self, x):
            return self.d(x)

    m = Custom()
    m(np.zeros((1, 3), np.float32))
    with pytest.raises((NotImplementedError, TypeError)):
        lite.TFLiteConverter.from_keras_model(m).convert()


def test_sub_model_cut_points_as_layers_and_tensors():
    inp = keras.Input((10,))
    h = layers.Dense(8, activation="relu", name="hidden")(inp)
    out = layers.Dense(3, name="head")(h)
    model = keras.Model(inp, out)
    x = RNG.standard_normal((5, 8)).astype(np.float32)
    by_layer = lite.TFLiteConverter.from_keras_model(model, inputs=[model.get_layer("hidden")],
                                                     outputs=[model.get_layer("head")]).convert()
    by_tensor = lite.TFLiteConverter.from_keras_model(model, inputs=[h], outputs=[out]).convert()
    assert by_layer == by_tensor
    it = lite.Interpreter(model_content=by_layer)
    it.resize_tensor_input(0, [5, 8])
    it.allocate_tensors()
    it.set_tensor(0, x)
    it.invoke()
    w, b = model.get_layer("head").get_weights()
    np.testing.assert_allclose(it.get_tensor(it.get_output_details()[0]["index"]), x @ w + b, rtol=1e-5, atol=1e-6)
