"""keras.applications models as a new user would convert them: random weights,
classifier_activation=None, built on the PyTorch backend at the smallest input size each
architecture allows, one model per family here (the larger members share its blocks; run
keras_applications_harness.py by hand for them).

Float32: max|qtflite − Keras| ≤ 1e-5 · max|Keras| over the pre-softmax outputs. The bound is
relative to the output's scale, not to each element: a logit is a long sum whose value near
zero is cancellation, so an element-wise relative bound would measure noise. Keras' float
arithmetic (PyTorch's CPU kernels) changes with the CPU and thread count; what both sides
compute is the same function in float32, and on these well-conditioned weights (see
keras_applications_harness.GAIN) the two differ by 1e-6 to 3e-6 of the scale on AVX2, so
1e-5 leaves room for other CPUs without hiding a wrong lowering (which shows as 1e-2 or more).

Int8: a full-integer file (int8 inputs and outputs, calibrated on three random images) runs
in qtflite with numerics="micro" and "litert" and, in child processes, in tflite-micro and
ai-edge-litert's reference kernels; outputs must be identical (micro with tflite-micro,
litert with litert). The outputs must also take many distinct values and follow the float
model (correlation ≥ 0.9), so the comparison is not between two constant arrays."""
import inspect
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

keras = pytest.importorskip("keras", reason="test extra keras (with torch) not installed")
pytest.importorskip("tflite_micro", reason="test extra tflite-micro not installed")

import keras_applications_harness as harness  # noqa: E402

# The smallest member of each family that builds here.
SUITE = ["MobileNet", "MobileNetV2", "MobileNetV3Small", "MobileNetV3Large", "EfficientNetB0", "EfficientNetV2B0",
         "ResNet50", "ResNet50V2", "DenseNet121", "InceptionV3", "InceptionResNetV2", "Xception", "ConvNeXtTiny",
         "VGG16"]
# Constructors that cannot be built here, and why.
CANNOT_BUILD = {"NASNetMobile": "Keras refuses it on the PyTorch backend ('not available with the torch backend')"}


@pytest.mark.parametrize("name", SUITE)
def test_application_float32_and_int8(name):
    r = harness.check_application(name)
    assert r["float_rel"] <= 1e-5, r
    if harness.no_full_int8(name) is not None:
        # No full-integer path yet: the converter names the operator that stops it instead
        # of writing a file a runtime would reject.
        assert "has no int8 kernel" in r["int8_refused"] and ("RSQRT" in r["int8_refused"] or "GELU" in r["int8_refused"]), r
        return
    assert r["micro_equal"], f"qtflite (micro) differs from tflite-micro: {r}"
    assert r["litert_equal"], f"qtflite (litert) differs from ai-edge-litert BUILTIN_REF: {r}"
    assert r["int8_distinct_values"] >= 50, r
    assert r["int8_float_corr"] >= 0.9, r


def test_every_application_is_covered():
    """Each constructor in keras.applications is either known to the harness or listed as
    impossible here; a Keras upgrade that adds one fails this test until it is looked at."""
    ctors = {n for n in dir(keras.applications) if n[0].isupper() and inspect.isfunction(getattr(keras.applications, n))}
    assert ctors, "no constructors found in keras.applications"
    missing = ctors - set(harness.APPLICATIONS) - set(CANNOT_BUILD)
    assert not missing, f"keras.applications constructors not covered: {sorted(missing)}"
    assert set(SUITE) <= set(harness.APPLICATIONS)
