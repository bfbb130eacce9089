"""Run as a script in its own process: TensorFlow (and Keras' TensorFlow backend) must not
share a process with PyTorch, which other tests load.

    python tf_reference.py convert MODEL_PATH OUT_PATH [--mode float|drq|drq-per-tensor|drq-dense-per-tensor|fp16|int8|16x8]
                                                       [--calibration SAMPLES.npy]
                                                         # TensorFlow's converter on a Keras file
    python tf_reference.py convert-many OUT_DIR MODE[,MODE...] MODEL_PATH... [--calibration SAMPLES.npy]
    python tf_reference.py live-tf-keras                 # tf.keras 2 objects through qtflite
    python tf_reference.py make-weight-zoo OUT_DIR       # small Keras models for weights-only quantization
"""
import os
import sys

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def load(path):
    import h5py
    if path.endswith(".h5"):
        with h5py.File(path, "r") as h:
            version = h.attrs.get("keras_version", "")
            version = version.decode() if isinstance(version, bytes) else str(version)
        if not version.startswith("3"):
            import tf_keras  # files written by tf.keras 2 load with tf.keras 2
            return tf_keras.models.load_model(path, compile=False)
    import keras
    return keras.models.load_model(path, compile=False)


MODES = ("float", "drq", "drq-per-tensor", "drq-dense-per-tensor", "fp16", "int8", "16x8")


def _convert_loaded(model, mode, calibration=None):
    """mode: float; drq (dynamic range, optimizations=[DEFAULT]); drq-per-tensor
    (_experimental_disable_per_channel); drq-dense-per-tensor
    (_experimental_disable_per_channel_quantization_for_dense_layers); fp16; int8 (full
    integer, int8 I/O) and 16x8 (float I/O), calibrated on `calibration` (an .npy of samples)."""
    import tensorflow as tf
    if mode not in MODES:
        raise SystemExit(f"unknown mode {mode!r}; expected one of {MODES}")
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if mode != "float":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "drq-per-tensor":
        converter._experimental_disable_per_channel = True
    elif mode == "drq-dense-per-tensor":
        converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    elif mode == "fp16":
        converter.target_spec.supported_types = [tf.float16]
    elif mode in ("int8", "16x8"):
        import numpy as np
        samples = np.load(calibration)

        def gen():
            for i in range(len(samples)):
                yield [samples[i:i + 1]]
        converter.representative_dataset = gen
        if mode == "int8":
            converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
        else:
            converter.target_spec.supported_ops = [
                tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    return converter.convert()


def convert(model_path, out_path, mode="float", calibration=None):
    data = _convert_loaded(load(model_path), mode, calibration)
    with open(out_path, "wb") as f:
        f.write(data)


def convert_many(out_dir, modes, model_paths, calibration=None):
    """Every model in every mode, in one process: OUT_DIR/<file name>.<mode>.tflite. The float
    file of a model and its quantized ones then come from the same TensorFlow run (the same
    batch-norm folding), so each quantized constant can be traced to its float value."""
    for path in model_paths:
        model = load(path)
        for mode in modes:
            data = _convert_loaded(model, mode, calibration)
            with open(os.path.join(out_dir, f"{os.path.basename(path)}.{mode}.tflite"), "wb") as f:
                f.write(data)


def _check_predict(model, x):
    import numpy as np
    import qtflite
    from qtflite import lite
    want = model.predict(x, verbose=0)
    ours = lite.TFLiteConverter.from_keras_model(model).convert()
    it = lite.Interpreter(model_content=ours)
    d = it.get_input_details()[0]
    it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    it.set_tensor(d["index"], x)
    it.invoke()
    got = it.get_tensor(it.get_output_details()[0]["index"])
    excess = np.max(np.abs(got - want) - (1e-5 + 1e-4 * np.abs(want)))
    assert excess <= 0, f"outputs differ from model.predict by {excess} beyond the tolerance"
    return qtflite.inspect(ours)


def live_tf_keras():
    import numpy as np
    import tf_keras as k
    rng = np.random.default_rng(2)

    inp = k.Input((12, 12, 3))
    x = k.layers.Conv2D(6, 3, padding="same", activation="relu")(inp)
    x = k.layers.BatchNormalization()(x)
    x = k.layers.DepthwiseConv2D(3, padding="same")(x)
    x = k.layers.Activation("relu6")(x)
    y = k.layers.SeparableConv2D(6, 3, padding="same")(x)
    x = k.layers.Add()([x, y])
    x = k.layers.MaxPooling2D()(x)
    x = k.layers.GlobalAveragePooling2D()(x)
    x = k.layers.Dropout(0.3)(x)
    out = k.layers.Dense(4, activation="softmax")(x)
    model = k.Model(inp, out)
    model.layers[2].set_weights([rng.uniform(0.5, 1.5, 6).astype(np.float32), rng.normal(0, 0.2, 6).astype(np.float32),
                                 rng.normal(0, 0.2, 6).astype(np.float32), rng.uniform(0.5, 1.5, 6).astype(np.float32)])
    report = _check_predict(model, rng.standard_normal((3, 12, 12, 3)).astype(np.float32))
    # tf.keras 2 names signature outputs after the output layer, as TensorFlow does.
    assert list(report["signatures"][0]["outputs"]) == ["dense"], report["signatures"]

    # Keras 2's hard_sigmoid is clip(0.2x + 0.5, 0, 1), not Keras 3's relu6(x + 3) / 6.
    model = k.Sequential([k.layers.Dense(8, input_shape=(5,)), k.layers.Activation("hard_sigmoid"),
                          k.layers.LeakyReLU(), k.layers.Dense(2)])
    _check_predict(model, (rng.standard_normal((6, 5)) * 4).astype(np.float32))
    print("live tf.keras checks passed")


def make_weight_zoo(out_dir):
    """Keras 3 models (random weights, fixed seed) whose layers exercise every weights-only
    quantization case the shared models do not: depthwise and grouped convolutions, transposed
    convolution, Dense on 3-D inputs and without bias, PReLU, Conv1D, weights just below and
    at the 1024-element threshold."""
    import keras
    import numpy as np
    os.makedirs(out_dir, exist_ok=True)
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    L = keras.layers

    def save(model):
        # Random non-zero values everywhere, so no bias or scale is a foldable zero/one.
        for layer in model.layers:
            layer.set_weights([rng.normal(0, 0.3, np.shape(w)).astype(np.float32) for w in layer.get_weights()])
        model.save(os.path.join(out_dir, model.name + ".keras"))

    inp = keras.Input((12, 12, 8))
    x = L.Conv2D(32, 3, padding="same", activation="relu")(inp)              # 2304 weights
    x = L.DepthwiseConv2D(3, depth_multiplier=4, padding="same")(x)           # 1152 weights
    x = L.Conv2D(64, 1, groups=2, activation="relu6")(x)                      # grouped, 4096
    x = L.DepthwiseConv2D(3, padding="same", dilation_rate=2)(x)              # 576: stays float
    x = L.Conv2DTranspose(16, 3, strides=2, padding="same")(x)                # 9216
    x = L.PReLU()(x)                                                          # alpha 24*24*16
    x = L.Conv2D(8, 4, strides=4, use_bias=False)(x)                          # exactly 2048, no bias
    x = L.Conv2D(8, 4, padding="same")(x)                                     # exactly 1024
    x = L.Conv2D(7, 3, padding="same")(x)                                     # 504: stays float
    x = L.Flatten()(x)
    out = L.Dense(10, activation="softmax")(x)
    save(keras.Model(inp, out, name="zoo_conv"))

    inp = keras.Input((6, 20))
    x = L.Conv1D(64, 3, padding="causal", activation="relu")(inp)             # 3840
    x = L.Dense(48, use_bias=False)(x)                                        # 3-D input, 3072
    x = L.LayerNormalization()(x)
    x = L.Flatten()(x)
    x = L.Dense(33, activation="tanh")(x)                                     # 9504
    x = L.Dense(31)(x)                                                        # 1023: stays float
    out = L.Dense(4)(x)
    save(keras.Model(inp, out, name="zoo_dense"))

    # Weights at rounding ties: w·(1/scale) is exactly k + 0.5 in float32 (per channel and per
    # tensor), sometimes exactly k + 0.5 in double too, sometimes just below or above; this
    # tells the float32 multiply-by-inverse with ties away from zero apart from other roundings.
    inp = keras.Input((8, 8, 4))
    x = L.Conv2D(32, 4)(inp)
    x = L.GlobalAveragePooling2D()(x)
    x = L.Dense(64)(x)
    x = L.Dense(32)(x)
    out = L.Dense(32)(x)                                                      # all-zero kernel
    model = keras.Model(inp, out, name="zoo_ties")
    conv, dense1, dense2, dense3 = model.layers[1], model.layers[3], model.layers[4], model.layers[5]
    for layer in (conv, dense1, dense2, dense3):
        layer.set_weights([rng.normal(0, 0.3, np.shape(w)).astype(np.float32) for w in layer.get_weights()])
    kernel = _tie_matrix(rng, 64, 32, True)
    kernel[:, 5] = 0                                                          # an all-zero channel
    kernel[:, 6] = -0.25                                                      # a constant channel
    conv.set_weights([kernel.reshape(4, 4, 4, 32), conv.get_weights()[1]])
    dense1.set_weights([_tie_matrix(rng, 32, 64, False), dense1.get_weights()[1]])
    kernel = _tie_matrix(rng, 64, 32, True)
    kernel[:, 4] = 0
    dense2.set_weights([kernel, dense2.get_weights()[1]])
    # float16 edge cases in a bias: beyond ±65504, at float16 rounding ties, subnormals.
    edges = [1e5, -1e5, 65504, 65519.996, -65520, 65536, 1 + 2 ** -11, 1 + 3 * 2 ** -11, -(1 + 2 ** -11),
             2 ** -24, 2 ** -25, 3 * 2 ** -26, 1e-8, -6e-8, 2 ** -14 * (1 + 2 ** -11), 0.1, -0.0]
    bias = rng.normal(0, 0.3, 32).astype(np.float32)
    bias[:len(edges)] = edges
    dense3.set_weights([np.zeros((32, 32), np.float32), bias])
    model.save(os.path.join(out_dir, "zoo_ties.keras"))
    print("zoo written")


def _tie_matrix(rng, rows, cols, per_channel):
    """A [rows, cols] float32 kernel (channels = columns) with many entries w for which
    float32(w * inv) == k + 0.5, inv = float32(1 / scale), scale = float32(2·absmax / 254)
    per column (per_channel) or float32(127 / absmax) as inv over the whole matrix."""
    import numpy as np
    f32 = np.float32
    w = rng.uniform(-0.9, 0.9, (rows, cols)).astype(f32)
    whole = f32(rng.uniform(0.5, 2.0))
    for c in range(cols):
        if per_channel:
            a = f32(127 * 2.0 ** -(c % 5 + 3)) if c % 2 == 0 else f32(rng.uniform(0.5, 2.0))
            inv = f32(1.0 / np.float64(f32(f32(2) * a / f32(254))))
        else:
            a = whole
            inv = f32(f32(127) / a)
        col = (w[:, c] * a).astype(f32)
        col[0] = a if c % 3 else -a
        j = 1
        for k in range(3 + c % 7, 127, 5):
            if j >= rows:
                break
            base = f32((k + 0.5) / np.float64(inv))
            for d in (0, -1, 1, -2, 2, -3, 3):
                cand = np.array(base.view(np.int32) + d, np.int32).view(f32)
                if f32(cand * inv) == f32(k + 0.5) and abs(cand) < a:
                    col[j] = cand if j % 2 else -cand
                    j += 1
                    break
        w[:, c] = col
    return w


if __name__ == "__main__":
    if sys.argv[1] == "convert":
        mode = sys.argv[sys.argv.index("--mode") + 1] if "--mode" in sys.argv else "float"
        calibration = sys.argv[sys.argv.index("--calibration") + 1] if "--calibration" in sys.argv else None
        convert(sys.argv[2], sys.argv[3], mode, calibration)
    elif sys.argv[1] == "convert-many":
        args = sys.argv[4:]
        calibration = None
        if "--calibration" in args:
            k = args.index("--calibration")
            calibration = args[k + 1]
            del args[k:k + 2]
        convert_many(sys.argv[2], sys.argv[3].split(","), args, calibration)
    elif sys.argv[1] == "make-weight-zoo":
        make_weight_zoo(sys.argv[2])
    elif sys.argv[1] == "live-tf-keras":
        live_tf_keras()
    else:
        raise SystemExit(__doc__)
