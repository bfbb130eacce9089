"""The per-operator profile: qtflite.profile(model, inputs) and Interpreter(experimental_profile=True)
time every operator the interpreter runs; profiling changes no output."""
import os

import numpy as np
import pytest

import qtflite
from qtflite import lite
from conftest import DATA

RESNET8 = os.path.join(DATA, "mlperf_tiny", "resnet8_cifar10", "pretrainedResnet_quant.tflite")


def test_profile_report_of_resnet8():
    x = np.random.default_rng(0).integers(-128, 128, (1, 32, 32, 3)).astype(np.int8)
    report = qtflite.profile(RESNET8, x, runs=3, warmup=1)
    assert isinstance(report, qtflite.ProfileReport)
    assert report.invokes == 3
    ops = report.operators
    names = [o.opcode for o in ops]
    assert names.count("CONV_2D") == 9 and names.count("ADD") == 3
    assert [o.index for o in ops] == list(range(len(ops)))
    assert all(o.calls == 3 for o in ops)
    assert all(o.total_ms > 0 for o in ops)
    assert 0 < report.operators_ms <= report.total_ms
    assert abs(sum(o.percent for o in ops) - 100.0 * report.operators_ms / report.total_ms) < 1e-6
    by = report.by_opcode()
    assert by["CONV_2D"]["count"] == 9 and by["CONV_2D"]["calls"] == 27
    assert list(by)[0] == max(by, key=lambda k: by[k]["total_ms"])
    d = report.to_dict()
    assert d["invokes"] == 3 and len(d["operators"]) == len(ops) and "ms_per_call" in d["operators"][0]
    text = repr(report)
    assert "CONV_2D" in text and "ms per invoke" in text


def test_interpreter_profile_and_outputs_unchanged():
    x = np.random.default_rng(1).integers(-128, 128, (1, 32, 32, 3)).astype(np.int8)
    outs = []
    for profiled in (False, True):
        it = lite.Interpreter(model_path=RESNET8, experimental_profile=profiled)
        it.allocate_tensors()
        d = it.get_input_details()[0]
        it.set_tensor(d["index"], x)
        it.invoke()
        it.invoke()
        outs.append(it.get_tensor(it.get_output_details()[0]["index"]))
        if profiled:
            report = it.get_profile()
            assert report.invokes == 2 and all(o.calls == 2 for o in report.operators)
            it.reset_profile()
            assert it.get_profile().invokes == 0
        else:
            with pytest.raises(RuntimeError, match="experimental_profile"):
                it.get_profile()
    np.testing.assert_array_equal(outs[0], outs[1])


def test_profile_random_inputs_float_quantized_and_batch():
    it = lite.Interpreter(model_path=RESNET8)
    report = qtflite.profile(it, runs=1, warmup=0)  # random int8 inputs
    assert report.invokes == 1
    xf = np.random.default_rng(2).uniform(0, 1, (2, 32, 32, 3)).astype(np.float32)  # quantized, batch 2
    report = qtflite.profile(it, [xf], runs=2)
    assert report.invokes == 2 and it.get_input_details()[0]["shape"][0] == 2
    with pytest.raises(ValueError, match="input"):
        qtflite.profile(it, [xf, xf])
    with open(RESNET8, "rb") as f:
        assert qtflite.profile(f.read(), runs=1).invokes == 1


def test_cli_bench(capsys):
    from qtflite.cli import main
    assert main(["bench", RESNET8, "--runs", "2", "--batch", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ProfileReport: 2 invoke(s)") and "CONV_2D" in out
    assert f"kernels: {qtflite.cpu_info()['active']} tier on " in out
    assert main(["bench", RESNET8, "--runs", "1", "--json", "--reference", "--numerics", "litert"]) == 0
    import json
    d = json.loads(capsys.readouterr().out)
    assert d["invokes"] == 1 and d["by_opcode"]["CONV_2D"]["count"] == 9
    assert d["isa"] == "reference" and d["cpu"] == qtflite.cpu_info()["brand"]
    assert main(["bench", "/nonexistent.tflite"]) == 2
