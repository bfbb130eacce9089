"""Calibration methods (converter.experimental_calibration, qtflite.Calibration): "minmax" is
TensorFlow's file byte for byte; every method writes a file that TFLite Micro and LiteRT run with
qtflite's outputs; histogram methods pick ranges inside the observed ones; "percentile" over per-sample ranges recovers the accuracy that outlier samples
in the representative set cost min/max."""
import os

import numpy as np
import pytest

import qtflite
from qtflite import lite
from qtflite.datasets import load_mnist
from conftest import DATA
from op_harness import check_against_litert, check_against_micro

SEED = os.path.join(DATA, "keras", "mnist_cnn_seed.keras")
MOBILE = os.path.join(DATA, "keras", "mobile_mnist.keras")


@pytest.fixture(scope="module")
def mnist():
    (x_train, _), (x_test, y_test) = load_mnist(os.path.join(DATA, "mnist"))
    return (x_train[:300] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1), \
        (x_test[:2000] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1), y_test[:2000]


def convert(path, calibration_data, method=None):
    c = lite.TFLiteConverter.from_keras_file(path)
    c.optimizations = [lite.Optimize.DEFAULT]
    c.representative_dataset = lambda: ([calibration_data[i:i + 1]] for i in range(len(calibration_data)))
    c.progress = False
    if method is not None:
        c.experimental_calibration = method
    return c.convert()


def scaled_outliers(x, fraction=0.01, factor=50.0, seed=0):
    x = x.copy()
    bad = np.random.default_rng(seed).choice(len(x), max(1, int(len(x) * fraction)), replace=False)
    x[bad] *= factor
    return x


def accuracy(model, x, y):
    return qtflite.evaluate(model, x, y, progress=False).accuracy


def test_minmax_is_the_default_file(mnist):
    calibration, _, _ = mnist
    default = convert(SEED, calibration)
    assert convert(SEED, calibration, "minmax") == default
    assert convert(SEED, calibration, qtflite.Calibration("minmax")) == default
    # The 100th percentile of per-sample ranges is the global min/max: the same file.
    assert convert(SEED, calibration, qtflite.Calibration("percentile", 100)) == default


@pytest.mark.parametrize("path", [SEED, MOBILE], ids=["seed", "mobile_mnist"])
@pytest.mark.parametrize("method", ["percentile", qtflite.Calibration("percentile", 95.0), "mse", "entropy"],
                         ids=["p99", "p95", "mse", "entropy"])
def test_methods_write_files_the_official_runtimes_reproduce(mnist, path, method):
    calibration, x_test, _ = mnist
    model = convert(path, scaled_outliers(calibration), method)
    assert model != convert(path, scaled_outliers(calibration))  # the method changed some range
    check_against_litert(model, [x_test[:4]])
    check_against_micro(model, [x_test[:4]])


@pytest.mark.parametrize("method", ["percentile", qtflite.Calibration("mse", 99.0), qtflite.Calibration("entropy", 99.0)],
                         ids=["percentile", "mse_p99", "entropy_p99"])
def test_robust_methods_recover_from_outlier_samples(mnist, method):
    calibration, x_test, y_test = mnist
    clean = accuracy(convert(SEED, calibration), x_test, y_test)
    polluted = scaled_outliers(calibration)
    minmax = accuracy(convert(SEED, polluted), x_test, y_test)
    robust = accuracy(convert(SEED, polluted, method), x_test, y_test)
    assert minmax < clean - 0.05, (clean, minmax)  # the failure users report
    assert robust >= clean - 0.01, (clean, minmax, robust)
    # Impulse noise on 1 % of the samples instead.
    noisy = calibration.copy()
    rng = np.random.default_rng(1)
    for i in rng.choice(len(noisy), 3, replace=False):
        mask = rng.random(noisy[i].shape) < 0.1
        noisy[i][mask] = rng.choice([-50.0, 50.0], size=int(mask.sum()))
    assert accuracy(convert(SEED, noisy, method), x_test, y_test) >= clean - 0.01


def test_bad_methods_are_clear_errors(mnist):
    calibration, _, _ = mnist
    with pytest.raises(ValueError, match="unknown calibration method 'kl'.*minmax"):
        convert(SEED, calibration, "kl")
    with pytest.raises(ValueError, match="experimental_calibration must be"):
        convert(SEED, calibration, 3)
    with pytest.raises(ValueError, match="percentile must be a number in"):
        qtflite.Calibration("percentile", 101)
    with pytest.raises(ValueError, match="percentile must be a number in"):
        qtflite.Calibration("percentile", "high")


@pytest.mark.parametrize("method", ["mse", "entropy"])
def test_histogram_methods_narrow_within_the_observed_range(mnist, method):
    """mse and entropy only ever clip: each range lies within min/max's, and with wild samples
    in the set they clip some tensor's range below what the wild samples reach."""
    from qtflite.quantize.calibrate import calibrate
    calibration, _, _ = mnist
    float_model = qtflite.load_model(lite.TFLiteConverter.from_keras_file(SEED).convert())
    inputs = list(float_model.to_dict()["subgraphs"][0]["inputs"])
    polluted = scaled_outliers(calibration)
    base = calibrate(float_model, [polluted], inputs, progress=False)
    got = calibrate(float_model, [polluted], inputs, progress=False, method=method)
    assert got.keys() == base.keys()
    for t, (lo, hi) in got.items():
        assert base[t][0] <= lo <= 0.0 <= hi <= base[t][1] or (lo, hi) == base[t], (t, (lo, hi), base[t])
    assert any(got[t][1] < 0.9 * base[t][1] for t in got)


def _mean_channel_shift(model, float_model, x, name):
    """|mean over samples and positions of (quantized - float)| per channel of tensor `name`,
    averaged over channels."""
    from qtflite.quantize.bias_correction import _run
    inputs = list(qtflite.load_model(model).to_dict()["subgraphs"][0]["inputs"])
    got = _run(qtflite.load_model(model), [x], inputs, {name})[name]
    want = _run(qtflite.load_model(float_model), [x], inputs, {name})[name]
    return float(np.abs((got - want).reshape(-1, got.shape[-1]).mean(axis=0)).mean())


def test_bias_correction_removes_the_mean_output_shift(mnist):
    calibration, x_test, y_test = mnist
    polluted = scaled_outliers(calibration)  # coarse ranges: a visible shift to correct
    plain = convert(SEED, polluted)
    c = lite.TFLiteConverter.from_keras_file(SEED)
    c.optimizations = [lite.Optimize.DEFAULT]
    c.representative_dataset = lambda: ([polluted[i:i + 1]] for i in range(len(polluted)))
    c.progress = False
    c.experimental_bias_correction = True
    corrected = c.convert()
    assert corrected != plain
    float_model = lite.TFLiteConverter.from_keras_file(SEED).convert()
    # The logits (FULLY_CONNECTED without activation): their mean shift per class shrinks.
    before = _mean_channel_shift(plain, float_model, calibration, "dense_1")
    after = _mean_channel_shift(corrected, float_model, calibration, "dense_1")
    assert after < 0.5 * before, (before, after)
    # Still a standard file; off by default.
    check_against_litert(corrected, [x_test[:4]])
    check_against_micro(corrected, [x_test[:4]])
