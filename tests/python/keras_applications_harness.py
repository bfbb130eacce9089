"""keras.applications models (random weights, PyTorch backend) through qtflite: float32 against
Keras, full-integer int8 against the official runtimes. Used by test_keras_applications.py;
run directly to check any set of applications by hand (the larger family members and
NASNetLarge, which the test suite leaves out for time):

    PYTHONPATH=src python tests/python/keras_applications_harness.py EfficientNetB7 NASNetLarge
"""
from __future__ import annotations

import inspect
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402

# name: (smallest input size the constructor accepts, keras.applications module whose
# preprocess_input maps 0..255 images to what the model expects)
APPLICATIONS = {
    "MobileNet": (32, "mobilenet"), "MobileNetV2": (32, "mobilenet_v2"),
    "MobileNetV3Small": (32, "mobilenet_v3"), "MobileNetV3Large": (32, "mobilenet_v3"),
    "EfficientNetB0": (32, "efficientnet"), "EfficientNetV2B0": (32, "efficientnet_v2"),
    "ResNet50": (32, "resnet"), "ResNet50V2": (32, "resnet_v2"), "DenseNet121": (32, "densenet"),
    "InceptionV3": (75, "inception_v3"), "InceptionResNetV2": (75, "inception_resnet_v2"),
    "Xception": (71, "xception"), "ConvNeXtTiny": (32, "convnext"), "VGG16": (32, "vgg16"),
    # Larger members of the families above: same blocks, more of them.
    **{f"EfficientNetB{k}": (32, "efficientnet") for k in range(1, 8)},
    **{f"EfficientNetV2{k}": (32, "efficientnet_v2") for k in ("B1", "B2", "B3", "S", "M", "L")},
    "ResNet101": (32, "resnet"), "ResNet152": (32, "resnet"),
    "ResNet101V2": (32, "resnet_v2"), "ResNet152V2": (32, "resnet_v2"),
    "DenseNet169": (32, "densenet"), "DenseNet201": (32, "densenet"),
    **{f"ConvNeXt{k}": (32, "convnext") for k in ("Small", "Base", "Large", "XLarge")},
    "VGG19": (32, "vgg19"), "NASNetLarge": (32, "nasnet"),
}
# Operators without a full-integer path in both official runtimes: tflite-micro has no GELU,
# and qtflite has no int8 RSQRT (LayerNormalization) yet.
NO_FULL_INT8 = {"ConvNeXt": "LayerNormalization (RSQRT) and GELU have no int8 kernels in qtflite; "
                            "tflite-micro has no GELU at all"}
# He-style initialisation gain: the constructors' default initialisation lets the signal of a
# deep network decay to ~1e-11 (int8 then sees constant outputs), larger gains make some
# networks chaotic in float32 (EfficientNetV2B0 at gain 2 changes its output by 4e-4 for an
# input perturbation of 1e-7). 1.5 keeps every application in the test suite both alive and
# well-conditioned; EfficientNetV2S (by hand) is not: there Keras' own output moves by 1.6e-5 for
# a 1e-7 input perturbation, and qtflite is within 2.3e-5 of it.
GAIN = 1.5


def no_full_int8(name):
    return next((why for family, why in NO_FULL_INT8.items() if name.startswith(family)), None)


def build(name, seed=0):
    """The application with random weights (seeded), no softmax, at its smallest input size."""
    import keras
    size = APPLICATIONS[name][0]
    ctor = getattr(keras.applications, name)
    kw = {"weights": None, "input_shape": (size, size, 3)}
    if "classifier_activation" in inspect.signature(ctor).parameters:
        kw["classifier_activation"] = None
    keras.utils.set_random_seed(seed)
    model = ctor(**kw)
    reinitialize(model, np.random.default_rng(seed))
    return model


def reinitialize(model, rng):
    """Kernels ~ N(0, GAIN/fan_in) (depthwise kernels: fan_in = kernel area); normalisation
    scales and variances U(0.5, 1.5), LayerScale factors likewise; biases, offsets and means
    N(0, 0.1). Preprocessing Normalization layers keep their constants."""
    import keras
    from keras import layers
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, (keras.Model, layers.Normalization)) or not layer.weights:
            continue
        new = []
        for v in layer.weights:
            shape = tuple(v.shape)
            if v.name in ("kernel", "depthwise_kernel", "pointwise_kernel"):
                depthwise = v.name == "depthwise_kernel" or isinstance(layer, layers.DepthwiseConv2D)
                fan_in = int(np.prod(shape[:-2] if depthwise else shape[:-1]))
                new.append(rng.normal(0.0, np.sqrt(GAIN / fan_in), shape))
            elif v.name in ("gamma", "moving_variance"):
                new.append(rng.uniform(0.5, 1.5, shape))
            else:
                new.append(rng.normal(0.0, 0.1, shape))
        layer.set_weights([w.astype(np.float32) for w in new])


def images(name, n, seed):
    """n random 0..255 images through the application's own preprocess_input."""
    import keras
    size, module = APPLICATIONS[name]
    raw = np.random.default_rng(seed).integers(0, 256, (n, size, size, 3)).astype(np.float32)
    return np.asarray(getattr(keras.applications, module).preprocess_input(raw), np.float32)


def keras_outputs(model, x):
    """The model's (pre-softmax) outputs for x, in inference mode."""
    from keras import ops
    return np.asarray(ops.convert_to_numpy(model(x, training=False)))


def float_relative_error(tflite_bytes, x, want):
    """max |qtflite − Keras| / max |Keras| over the (pre-softmax) outputs. qtflite runs its
    SIMD float kernels (OpResolverType.AUTO): equal to its reference kernels up to float
    rounding, and several times faster on these models."""
    from op_harness import run_qtflite
    from qtflite import lite
    got = run_qtflite(tflite_bytes, [x], op_resolver_type=lite.OpResolverType.AUTO)[0]
    assert got.shape == want.shape, (got.shape, want.shape)
    return float(np.max(np.abs(got - want)) / np.max(np.abs(want)))


def convert_float(model):
    from qtflite import lite
    return lite.TFLiteConverter.from_keras_model(model).convert()


def convert_int8(model, calibration):
    import qtflite
    from qtflite import lite
    c = lite.TFLiteConverter.from_keras_model(model)
    c.optimizations = [lite.Optimize.DEFAULT]
    c.representative_dataset = lambda: ([calibration[i:i + 1]] for i in range(len(calibration)))
    c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
    c.inference_input_type = qtflite.int8
    c.inference_output_type = qtflite.int8
    return c.convert()


def quantize_input(tflite_bytes, x):
    from qtflite import lite
    d = lite.Interpreter(model_content=tflite_bytes).get_input_details()[0]
    scale, zero_point = d["quantization"]
    return np.clip(np.round(x / scale) + zero_point, -128, 127).astype(np.int8)


def int8_outputs(tflite_bytes, xq):
    """{runtime: int8 outputs}: qtflite (both numerics) in this process, tflite-micro and
    ai-edge-litert BUILTIN_REF in child processes."""
    from op_harness import run_litert, run_micro, run_qtflite
    return {"qtflite micro": run_qtflite(tflite_bytes, [xq], "micro")[0],
            "qtflite litert": run_qtflite(tflite_bytes, [xq], "litert")[0],
            "tflite-micro": run_micro(tflite_bytes, [xq])[0],
            "litert": run_litert(tflite_bytes, [xq])[0]}


def dequantized_output(tflite_bytes, y):
    from qtflite import lite
    scale, zero_point = lite.Interpreter(model_content=tflite_bytes).get_output_details()[0]["quantization"]
    return (y.astype(np.float32) - zero_point) * scale


def check_application(name, model=None):
    """Everything the tests check for one application, as a dict of measurements: float32
    error on two images, then a full-integer file (calibrated on three images) run on one."""
    import resource
    import time

    def cpu():
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    t0, c0 = time.time(), cpu()
    model = model or build(name)
    report = {"build_cpu_s": cpu() - c0}
    x = images(name, 2, seed=1)
    want = keras_outputs(model, x)
    report["float_rel"] = float_relative_error(convert_float(model), x, want)
    if no_full_int8(name) is None:
        q = convert_int8(model, images(name, 3, seed=2))
        outs = int8_outputs(q, quantize_input(q, x[:1]))
        report["micro_equal"] = bool(np.array_equal(outs["qtflite micro"], outs["tflite-micro"]))
        report["litert_equal"] = bool(np.array_equal(outs["qtflite litert"], outs["litert"]))
        report["int8_distinct_values"] = int(np.unique(outs["qtflite micro"]).size)
        report["int8_float_corr"] = float(np.corrcoef(dequantized_output(q, outs["qtflite micro"]).ravel(),
                                                      want[:1].ravel())[0, 1])
    else:
        try:
            convert_int8(model, images(name, 1, seed=2))
            report["int8_refused"] = ""
        except ValueError as e:
            report["int8_refused"] = str(e)
    report["cpu_s"] = cpu() - c0
    report["wall_s"] = time.time() - t0
    return report


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    for app in sys.argv[1:] or list(APPLICATIONS):
        try:
            r = check_application(app)
        except Exception as e:  # report and go on to the next application
            print(f"{app}: FAILED {type(e).__name__}: {str(e)[:300]}", flush=True)
            continue
        print(app, " ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()), flush=True)
