"""The command line's convert, size and c-array commands: results equal the Python API's, bad
input gives one line on stderr and exit status 2, and no partial output file."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import qtflite
from qtflite import lite
from qtflite.cli import main
from qtflite.datasets import load_mnist
from conftest import DATA

SEED = os.path.join(DATA, "keras", "mnist_cnn_seed.keras")


@pytest.fixture(scope="module")
def calibration(tmp_path_factory):
    (x_train, _), _ = load_mnist(os.path.join(DATA, "mnist"))
    x = (x_train[:400] / 255.0).astype(np.float32)  # (400, 28, 28): reshaped to the model's input
    tmp = tmp_path_factory.mktemp("cal")
    np.save(tmp / "cal.npy", x)
    np.savez(tmp / "cal.npz", x=x, y=np.zeros(400))
    return tmp, x


def api_int8(x, n=300, **options):
    c = lite.TFLiteConverter.from_keras_file(SEED)
    c.optimizations = [lite.Optimize.DEFAULT]
    x = x[:n].reshape(-1, 28, 28, 1)
    c.representative_dataset = lambda: ([x[i:i + 1]] for i in range(x.shape[0]))
    c.progress = False
    for k, v in options.items():
        setattr(c, k, v)
    return c.convert()


def test_convert_int8_equals_the_api(calibration, tmp_path, capsys):
    cal, x = calibration
    out = tmp_path / "seed_int8.tflite"
    rc = main(["convert", SEED, "-o", str(out), "--quantize", "int8", "--calibration", str(cal / "cal.npy"),
               "--input-type", "int8", "--output-type", "int8", "--json"])
    assert rc == 0
    result = json.loads(capsys.readouterr().out)
    assert result["kind"] == "int8" and result["bytes"] == out.stat().st_size
    assert out.read_bytes() == api_int8(x, inference_input_type=np.int8, inference_output_type=np.int8)
    # .npz with --samples and a denylist (a layer and an operator name).
    out2 = tmp_path / "sel.tflite"
    assert main(["convert", SEED, "-o", str(out2), "--quantize", "int8", "--calibration", str(cal / "cal.npz"),
                 "--samples", "100", "--denylist", "conv2d", "SOFTMAX"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert out2.read_bytes() == api_int8(x, 100, experimental_denylisted_nodes=["conv2d"],
                                         experimental_denylisted_ops=["SOFTMAX"])


def test_convert_float_float16_dynamic_and_from_tflite(tmp_path, calibration):
    cal, x = calibration
    f32 = tmp_path / "f32.tflite"
    assert main(["convert", SEED, "-o", str(f32)]) == 0
    assert f32.read_bytes() == lite.TFLiteConverter.from_keras_file(SEED).convert()
    for q, kind in (("float16", "float16"), ("dynamic", "dynamic range")):
        out = tmp_path / f"{q}.tflite"
        assert main(["convert", SEED, "-o", str(out), "--quantize", q, "--json"]) == 0
        assert qtflite.size_report.model_kind(qtflite.load_model(out.read_bytes()).to_dict()) == kind
    out = tmp_path / "16x8.tflite"
    assert main(["convert", str(f32), "-o", str(out), "--quantize", "16x8", "--calibration", str(cal / "cal.npy"),
                 "--samples", "50"]) == 0
    assert qtflite.size_report.model_kind(qtflite.load_model(out.read_bytes()).to_dict()) == "16x8"


@pytest.mark.parametrize("argv, message", [
    (["convert", "missing.keras", "-o", "{tmp}/x.tflite"], "no such model file"),
    (["convert", SEED, "-o", "{tmp}/x.tflite", "--quantize", "int8"], "needs --calibration"),
    (["convert", SEED, "-o", "{tmp}/x.tflite", "--quantize", "int8", "--calibration", "{cal}/cal.npy",
      "--denylist", "nonexistent_layer"], "no layer or operator output tensor named 'nonexistent_layer'"),
    (["convert", SEED, "-o", "{tmp}/x.tflite", "--quantize", "int8", "--calibration", "{tmp}/bad.npy"],
     "not a NumPy"),
    (["convert", SEED, "-o", "{tmp}/x.tflite", "--input-type", "int8"], "need --quantize int8"),
    (["convert", "{tmp}/bad.npy", "-o", "{tmp}/x.tflite"], "expected a .keras, .h5 or .tflite"),
    (["convert", "{tmp}/fake.tflite", "-o", "{tmp}/x.tflite"], ""),
    (["size", "{tmp}/missing.tflite"], "no such file"),
    (["size", "{tmp}/fake.tflite"], ""),
    (["c-array", "{tmp}/fake.tflite", "-o", "{tmp}/x.cc"], "not a .tflite"),
    (["c-array", "{tmp}/missing.tflite", "-o", "{tmp}/x.cc"], "no such file"),
])
def test_bad_input_is_one_line_and_leaves_no_file(argv, message, tmp_path, calibration, capsys):
    cal, _ = calibration
    (tmp_path / "bad.npy").write_bytes(b"not numpy")
    (tmp_path / "fake.tflite").write_bytes(b"\x00" * 100)
    argv = [a.format(tmp=tmp_path, cal=cal) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("qtflite: error: ") and err.count("\n") == 1 and message in err
    assert not (tmp_path / "x.tflite").exists() and not (tmp_path / "x.cc").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_size_and_c_array(tmp_path, capsys):
    f32 = tmp_path / "f32.tflite"
    f32.write_bytes(lite.TFLiteConverter.from_keras_file(SEED).convert())
    assert main(["size", SEED, str(f32), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got == json.loads(json.dumps(qtflite.analyze_size(SEED, str(f32)).to_dict()))
    assert main(["size", SEED, str(f32)]) == 0
    assert "MCU arena" in capsys.readouterr().out
    assert main(["c-array", str(f32), "-o", str(tmp_path / "model_data.cc"), "--name", "g_seed"]) == 0
    assert "g_seed" in capsys.readouterr().out
    src = qtflite.to_c_source(str(f32), name="g_seed", header_name="model_data.h")
    assert (tmp_path / "model_data.cc").read_text() == src.source
    assert (tmp_path / "model_data.h").read_text() == src.header


def test_module_entry_point_exit_codes(tmp_path):
    # The child imports the qtflite this test imported (a dev build under src/ or the installed one).
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(qtflite.__file__))))
    bad = subprocess.run([sys.executable, "-m", "qtflite", "c-array", str(tmp_path / "none.tflite"), "-o",
                          str(tmp_path / "a.cc")], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.startswith("qtflite: error:")
    ok = subprocess.run([sys.executable, "-m", "qtflite", "size", os.path.join(DATA, "tflite", "hello_world",
                                                                             "hello_world_int8.tflite"), "--json"],
                        capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["models"][0]["kind"] == "int8"
