"""``qtflite eval`` and ``qtflite compare`` on the seed model and the shared MNIST files (found
through $QTFLITE_DATA, as a user's download cache): the numbers equal the API's, --json parses,
errors are one line with exit code 2."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import qtflite
from qtflite.cli import main
from conftest import DATA

from test_evaluate import mnist, models  # noqa: F401  (module fixtures)


@pytest.fixture
def files(models, tmp_path, monkeypatch):
    monkeypatch.setenv("QTFLITE_DATA", DATA)  # load_mnist() reads $QTFLITE_DATA/mnist
    f, q = tmp_path / "float.tflite", tmp_path / "int8.tflite"
    f.write_bytes(models[0])
    q.write_bytes(models[1])
    return str(f), str(q)


def test_eval_mnist_equals_the_api(files, mnist, capsys):
    _, x, y = mnist
    assert main(["eval", files[1], "--data", "mnist", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    api = qtflite.evaluate(files[1], x, y, progress=False)
    assert report["samples"] == 10000 and report["accuracy"] == api.accuracy
    assert report["top_k_accuracy"] == api.top_k_accuracy
    assert report["confusion_matrix"] == api.confusion_matrix.tolist()
    assert main(["eval", files[1], "--data", "mnist", "--samples", "300"]) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "300" in out


def test_eval_npz_and_mnist_dir_option(files, mnist, tmp_path, capsys):
    _, x, y = mnist
    np.savez(tmp_path / "d.npz", x_test=x[:200], y_test=y[:200])
    assert main(["eval", files[0], "--data", str(tmp_path / "d.npz"), "--json", "--top-k", "3"]) == 0
    report = json.loads(capsys.readouterr().out)
    api = qtflite.evaluate(files[0], x[:200], y[:200], top_k=3, progress=False)
    assert report["accuracy"] == api.accuracy and report["top_k"] == 3
    assert report["top_k_accuracy"] == api.top_k_accuracy
    assert main(["eval", files[0], "--data", "mnist", "--mnist-dir", os.path.join(DATA, "mnist"),
                 "--samples", "100", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["samples"] == 100


def test_compare_equals_the_api(files, mnist, tmp_path, capsys):
    _, x, _ = mnist
    csv_path = tmp_path / "layers.csv"
    assert main(["compare", files[0], files[1], "--data", "mnist", "--samples", "200", "--json",
                 "--csv", str(csv_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    api = qtflite.compare(files[0], files[1], x[:200], progress=False)
    assert report["model"]["top1_agreement"] == api.model["top1_agreement"]
    assert [r["tensor_name"] for r in report["layers"]] == [r["tensor_name"] for r in api.layers]
    assert [r["mean_squared_error"] for r in report["layers"]] == [r["mean_squared_error"] for r in api.layers]
    with open(csv_path, newline="") as f:
        assert f.read() == api.to_csv()  # csv.DictWriter's \r\n, as the debugger writes
    assert main(["compare", files[0], files[1], "--data", "mnist", "--samples", "50", "--error", "layer"]) == 0
    assert "layer error" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["eval", "missing.tflite", "--data", "mnist"], "no such model file: 'missing.tflite'"),
    (["eval", "{q}", "--data", "data.csv"], "--data must be 'mnist' or a .npz file"),
    (["eval", "{q}", "--data", "{nolabels}"], "has no labels"),
    (["eval", "{q}", "--data", "{wrong}"], "takes (N, 28, 28, 1)"),
    (["eval", "{q}", "--data", "mnist", "--samples", "0"], "--samples must be positive"),
    (["compare", "{f}", "{q}", "--data", "{wrong}"], "takes (N, 28, 28, 1)"),
    (["eval", "{keras}", "--data", "mnist"], "not a TFLite model"),
])
def test_errors_are_one_line_with_exit_code_2(files, tmp_path, capsys, argv, message):
    np.savez(tmp_path / "nolabels.npz", x=np.zeros((3, 28, 28), np.float32))
    np.savez(tmp_path / "wrong.npz", x=np.zeros((3, 32, 32, 3), np.float32), y=np.zeros(3, np.int64))
    names = dict(f=files[0], q=files[1], nolabels=str(tmp_path / "nolabels.npz"), wrong=str(tmp_path / "wrong.npz"),
                 keras=os.path.join(DATA, "keras", "mnist_cnn_seed.keras"))
    assert main([a.format(**names) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qtflite: error: ") and message in err and err.count("\n") == 1


def test_python_dash_m_exit_codes(files):
    env = dict(os.environ, QTFLITE_DATA=DATA)
    ok = subprocess.run([sys.executable, "-m", "qtflite", "eval", files[1], "--data", "mnist", "--samples", "50"],
                        capture_output=True, text=True, env=env, timeout=300)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([sys.executable, "-m", "qtflite", "compare", files[0], "--data", "mnist"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode == 2 and "quantized_model" in bad.stderr
