"""notebooks/quickstart.ipynb runs top to bottom."""
import os

import pytest

nbformat = pytest.importorskip("nbformat", reason="test extra nbformat/nbclient not installed")
nbclient = pytest.importorskip("nbclient", reason="test extra nbformat/nbclient not installed")

from conftest import SHARED  # noqa: E402

NOTEBOOK = os.path.join(os.path.dirname(__file__), "..", "..", "notebooks", "quickstart.ipynb")


def test_quickstart_notebook_runs(monkeypatch):
    import sys
    monkeypatch.setenv("QTFLITE_SHARED", SHARED)
    # The kernel imports qtflite the way this test process does.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(os.path.abspath(p) for p in sys.path if p))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(NOTEBOOK)}}).execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "float32 0.97" in outputs and "predicted" in outputs
    # Each workflow step printed its result: sizes, per-layer error, the mixed model, the C array.
    shown = outputs + "".join(str(o.get("data", {}).get("text/plain", "")) for c in nb.cells if c.cell_type == "code"
                              for o in c.get("outputs", []))
    for expected in ("MCU arena", "rmse/scale", "bytes, accuracy 0.97", "g_model_size", "EvaluationResult"):
        assert expected in shown, expected
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert images >= 4, f"expected the accuracy, confusion, size and per-layer plots, got {images} images"
