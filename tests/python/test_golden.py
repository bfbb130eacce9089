"""Every case of ../shared/golden/index.json through qtflite's Interpreter: int8 outputs equal
to the official TFLite Micro runtime's, float outputs within 1e-5 relative. Batched too: the
whole case at once must equal the per-sample runs. Float cases run qtflite's reference float
kernels (op_harness.ORACLE), the arithmetic TFLite Micro's golden outputs come from; the default
fast float kernels are held to those in test_fast_float.py."""
import json
import os

import numpy as np
import pytest

from qtflite import lite
from conftest import DATA, GOLDEN
from op_harness import oracle_interpreter

with open(os.path.join(GOLDEN, "index.json")) as f:
    CASES = json.load(f)["cases"]

# Recurrent models (UNIDIRECTIONAL_SEQUENCE_LSTM): their state lives in variable tensors that
# carry over from one invoke to the next, so each golden sample starts from reset variables (as
# the golden outputs were made); the state tensors fix the batch ([1, units]), so a batched run
# is refused, as TFLite and TFLite Micro refuse it.
RECURRENT = {"mnist_lstm_float", "mnist_lstm_int8", "keras_lstm_mnist_ptq"}
# Files whose graph fixes the batch (old TOCO export: RESHAPE to the constant [1, 2]); TFLite
# cannot resize them either, and qtflite must say why.
FIXED_BATCH = {"person_detect_int8"}


def _load(case):
    z = np.load(os.path.join(GOLDEN, case["name"] + ".npz"))
    inputs = [z[f"input_{k}"] for k in range(len(case["inputs"]))]
    outputs = [z[f"output_{k}"] for k in range(len(case["outputs"]))]
    return inputs, outputs


def _compare(case, got, want):
    if case["compare"] == "exact":
        np.testing.assert_array_equal(got, want)
    else:
        assert np.all(np.abs(got - want) <= 1e-5 * np.maximum(1, np.abs(want))), \
            f"max abs diff {np.max(np.abs(got - want))}"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden_case(case):
    inputs, outputs = _load(case)
    it = oracle_interpreter(model_path=os.path.join(DATA, case["model"]))
    it.allocate_tensors()
    in_details, out_details = it.get_input_details(), it.get_output_details()
    n = case["samples"]
    for s in range(n):
        it.reset_all_variables()
        for d, x in zip(in_details, inputs):
            it.set_tensor(d["index"], x[s].reshape(d["shape"]).astype(d["dtype"]))
        it.invoke()
        for d, y in zip(out_details, outputs):
            got = it.get_tensor(d["index"])
            _compare(case, got.reshape(y[s].shape), y[s])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_golden_case_batched(case):
    inputs, outputs = _load(case)
    it = oracle_interpreter(model_path=os.path.join(DATA, case["model"]))
    n = case["samples"]
    for d, x in zip(it.get_input_details(), inputs):
        it.resize_tensor_input(d["index"], [n] + list(d["shape"][1:]))
    if case["name"] in FIXED_BATCH:
        with pytest.raises(ValueError, match="RESHAPE v1\\): cannot reshape"):
            it.allocate_tensors()
        return
    if case["name"] in RECURRENT:
        with pytest.raises(ValueError, match=r"UNIDIRECTIONAL_SEQUENCE_LSTM v\d\): output state \[1, 20\] "
                                             rf"does not hold batch {n} x 20 units"):
            it.allocate_tensors()
        return
    it.allocate_tensors()
    for d, x in zip(it.get_input_details(), inputs):
        it.set_tensor(d["index"], x.reshape([n] + list(d["shape"][1:])).astype(d["dtype"]))
    it.invoke()
    for d, y in zip(it.get_output_details(), outputs):
        got = it.get_tensor(d["index"])
        _compare(case, got.reshape(y.shape), y)
