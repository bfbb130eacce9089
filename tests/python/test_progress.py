"""Progress bars: on for terminals and notebooks, off when stderr is not a terminal, forced by
progress=True/False or QTFLITE_PROGRESS."""
import os
import subprocess
import sys

import numpy as np

import qtflite
from qtflite import lite
from qtflite.progress import progress_bar, progress_enabled
from conftest import DATA

SEED = os.path.join(DATA, "keras", "mnist_cnn_seed.keras")


def test_choice(monkeypatch):
    monkeypatch.delenv("QTFLITE_PROGRESS", raising=False)
    assert progress_enabled(True) and not progress_enabled(False)
    assert not progress_enabled(None)  # pytest's stderr is not a terminal
    monkeypatch.setenv("QTFLITE_PROGRESS", "1")
    assert progress_enabled(None) and not progress_enabled(False)
    monkeypatch.setenv("QTFLITE_PROGRESS", "0")
    assert not progress_enabled(None) and progress_enabled(True)
    with progress_bar(3, "x", False) as bar:
        bar.update(3)


def converter(progress):
    x = np.random.default_rng(0).random((40, 28, 28, 1), dtype=np.float32)
    c = lite.TFLiteConverter.from_keras_file(SEED)
    c.optimizations = [lite.Optimize.DEFAULT]
    c.representative_dataset = lambda: ([x[i:i + 1]] for i in range(40))
    c.progress = progress
    return c


def test_calibration_bar(capsys, monkeypatch):
    monkeypatch.delenv("QTFLITE_PROGRESS", raising=False)
    quiet = converter(None).convert()
    assert "calibrating" not in capsys.readouterr().err
    shown = converter(True).convert()
    err = capsys.readouterr().err
    assert "calibrating" in err and "/40 " in err
    assert shown == quiet  # the bar changes nothing else
    converter(False).convert()
    assert capsys.readouterr().err == ""


def test_cli_is_quiet_when_piped(tmp_path):
    np.save(tmp_path / "cal.npy", np.random.default_rng(0).random((20, 28, 28), dtype=np.float32))
    # The child imports the qtflite this test imported (a dev build under src/ or the installed one).
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(qtflite.__file__))))
    env.pop("QTFLITE_PROGRESS", None)
    r = subprocess.run([sys.executable, "-m", "qtflite", "convert", SEED, "-o", str(tmp_path / "m.tflite"),
                        "--quantize", "int8", "--calibration", str(tmp_path / "cal.npy")],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert "calibrating" not in r.stderr


def test_conversion_bar_for_large_models(capsys, monkeypatch):
    import qtflite.converter as converter_module
    monkeypatch.setattr(converter_module, "LARGE_MODEL_LAYERS", 3)  # the seed has 5 layer calls
    c = lite.TFLiteConverter.from_keras_file(SEED)
    c.progress = True
    c.convert()
    assert "converting layers" in capsys.readouterr().err
    monkeypatch.setattr(converter_module, "LARGE_MODEL_LAYERS", 100)
    c.convert()
    assert "converting layers" not in capsys.readouterr().err
