"""Calibration methods on real models and data: int8 accuracy per method beside float and
TensorFlow's min/max, with a clean representative set and with polluted ones (1 % of the
samples scaled x50; impulse noise on 1 % of the samples), and the calibration time of each
method relative to min/max; also empirical bias correction (converter option) on top.

    PYTHONPATH=src QTFLITE_SHARED=../shared python benchmarks/bench_calibration.py
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from bench_util import DATA  # noqa: E402

import qtflite  # noqa: E402
from qtflite.datasets import load_mnist  # noqa: E402

METHODS = [("minmax", "minmax"), ("percentile 99", qtflite.Calibration("percentile", 99.0)),
           ("percentile 98", qtflite.Calibration("percentile", 98.0)), ("mse", "mse"), ("entropy", "entropy"),
           ("mse p99", qtflite.Calibration("mse", 99.0)), ("entropy p99", qtflite.Calibration("entropy", 99.0)),
           ("minmax+biascorr", ("minmax", True)), ("p99+biascorr", ("percentile", True))]


def mnist_case(name, n_test=3000, n_cal=500):
    (xtr, _), (xte, yte) = load_mnist(os.path.join(DATA, "mnist"))
    prep = lambda x: (x.astype(np.float32) / 255.0)[..., None]  # noqa: E731
    conv = lambda: qtflite.lite.TFLiteConverter.from_keras_file(os.path.join(DATA, "keras", name))  # noqa: E731
    return name, conv, prep(xtr[:n_cal]), prep(xte[:n_test]), yte[:n_test]


def resnet8_case(n_test=500):
    d = np.load(os.path.join(DATA, "cifar10", "cifar10_test_first1000.npz"))
    x, y = d["x_test"].astype(np.float32), d["y_test"].reshape(-1)
    with open(os.path.join(DATA, "mlperf_tiny", "resnet8_cifar10", "pretrainedResnet.tflite"), "rb") as f:
        flat = f.read()
    conv = lambda: qtflite.lite.TFLiteConverter.from_tflite(flat)  # noqa: E731
    return "resnet8", conv, x[n_test:], x[:n_test], y[:n_test]


def polluted(x, kind, rng):
    """1 % of the samples scaled x50, or given impulse noise (10 % of their values set to
    +-50 x the data's max)."""
    x = x.copy()
    bad = rng.choice(len(x), max(1, len(x) // 100), replace=False)
    if kind == "x50":
        x[bad] *= 50.0
    else:
        peak = float(np.abs(x).max()) * 50.0
        for i in bad:
            mask = rng.random(x[i].shape) < 0.1
            x[i][mask] = rng.choice([-peak, peak], size=int(mask.sum()))
    return x


def quantize(conv_factory, cal, calibration):
    calibration, bias_correction = calibration if isinstance(calibration, tuple) else (calibration, False)
    conv = conv_factory()
    conv.experimental_bias_correction = bias_correction
    conv.optimizations = [qtflite.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([cal[i:i + 1]] for i in range(len(cal)))
    conv.experimental_calibration = calibration
    conv.progress = False
    return conv.convert()


def accuracy(flat, x, y):
    return qtflite.evaluate(flat, x, y, progress=False).accuracy


def calibration_time(float_flat, cal, method):
    """Seconds of the calibration pass alone with the method's ranges (best of 7, as the
    converter runs it: the machine is shared, the best round is the least disturbed)."""
    from qtflite.quantize.calibrate import calibrate
    model = qtflite.load_model(float_flat)
    inputs = list(model.to_dict()["subgraphs"][0]["inputs"])
    best = float("inf")
    for _ in range(7):
        start = time.perf_counter()
        calibrate(model, [cal], inputs, progress=False, method=method)
        best = min(best, time.perf_counter() - start)
    return best


def main():
    rng = np.random.default_rng(0)
    cases = [mnist_case("mnist_cnn_seed.keras"), mnist_case("mobile_mnist.keras")]
    if os.path.exists(os.path.join(DATA, "cifar10", "cifar10_test_first1000.npz")):
        cases.append(resnet8_case())
    print(f"load average: {os.getloadavg()[0]:.2f}")
    for name, conv, cal, xte, yte in cases:
        float_flat = conv().convert()
        print(f"\n{name}: float {accuracy(float_flat, xte, yte):.4f} on {len(xte)} test samples, {len(cal)} calibration")
        sets = {"clean": cal, "x50 1%": polluted(cal, "x50", rng), "impulse 1%": polluted(cal, "impulse", rng)}
        print(f"{'method':16s}" + "".join(f"{k:>14s}" for k in sets) + f"{'calibration':>14s}{'vs minmax':>11s}")
        base_time = None
        for label, method in METHODS:
            accs = [accuracy(quantize(conv, cal_set, method), xte, yte) for cal_set in sets.values()]
            t = calibration_time(float_flat, cal, method) if not isinstance(method, tuple) else float("nan")
            base_time = base_time or t  # (bias correction: not a calibration method, no time)
            timing = f"{t * 1e3:11.1f} ms{t / base_time:10.2f}x" if t == t else f"{'-':>14s}{'-':>11s}"
            print(f"{label:16s}" + "".join(f"{a:14.4f}" for a in accs) + timing)


if __name__ == "__main__":
    main()
