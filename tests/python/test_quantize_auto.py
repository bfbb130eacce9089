"""qtflite.quantize_auto: tries the calibration methods, keeps operators float (worst own error
first) until the validation accuracy drop is within budget, reports every step; its file runs
in TFLite Micro and LiteRT with qtflite's outputs."""
import os

import numpy as np
import pytest

import qtflite
from qtflite.datasets import load_mnist
from conftest import DATA
from op_harness import check_against_litert, check_against_micro

SEED = os.path.join(DATA, "keras", "mnist_cnn_seed.keras")


@pytest.fixture(scope="module")
def data():
    (x_train, _), (x_test, y_test) = load_mnist(os.path.join(DATA, "mnist"))
    calibration = (x_train[:300] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1)
    calibration[np.random.default_rng(0).choice(300, 3, replace=False)] *= 50.0  # 1 % wild samples
    x = (x_test[:1000] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1)
    return (lambda: ([calibration[i:i + 1]] for i in range(len(calibration)))), x, y_test[:1000]


def test_float_operators_meet_a_budget_plain_int8_misses(data):
    representative, x, y = data
    budget = 0.05
    flat, report = qtflite.quantize_auto(SEED, representative, (x, y), max_drop=budget, methods=["minmax"])
    plain = report.steps[0]
    assert plain["float_operators"] == [] and plain["drop"] > budget  # plain int8 misses it
    assert report.within_budget and 0 < len(report.float_operators) < 5
    assert report.float_accuracy - qtflite.evaluate(flat, x, y, progress=False).accuracy == pytest.approx(report.drop)
    assert any(s["float_operators"] == report.float_operators for s in report.steps)
    # Each operator the file keeps float is one the budget needs: returning any one to int8 misses it.
    dropped_one = [s for s in report.steps if len(s["float_operators"]) == len(report.float_operators) - 1
                   and set(s["float_operators"]) < set(report.float_operators)]
    assert all(s["drop"] > budget for s in dropped_one)
    check_against_litert(flat, [x[:4]])
    check_against_micro(flat, [x[:4]])
    assert "chose calibration minmax" in repr(report)


def test_a_robust_method_alone_meets_the_budget(data):
    representative, x, y = data
    flat, report = qtflite.quantize_auto(SEED, representative, (x, y), max_drop=0.005)
    assert [s["calibration"] for s in report.steps] == ["minmax", "percentile", "mse", "entropy"]
    assert report.calibration == "percentile" and report.float_operators == [] and report.within_budget
    assert report.steps[0]["drop"] > 0.05


def test_bad_arguments(data):
    representative, x, y = data
    with pytest.raises(ValueError, match="max_drop must be"):
        qtflite.quantize_auto(SEED, representative, (x, y), max_drop=-1)
    with pytest.raises(ValueError, match="unknown calibration method"):
        qtflite.quantize_auto(SEED, representative, (x, y), methods=["minmax", "best"])
    with pytest.raises(ValueError, match="validation must be a pair"):
        qtflite.quantize_auto(SEED, representative, x)
