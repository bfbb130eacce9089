"""Every supported .tflite in ../shared/data, through qtflite with numerics="litert" and
through ai-edge-litert's reference kernels (BUILTIN_REF): int8 outputs identical, float
outputs within 1e-5 relative, on random and real inputs. The default numerics ("micro")
differ from LiteRT only in int8 FULLY_CONNECTED, which the golden tests cover."""
import os

import numpy as np
import pytest

from qtflite import lite
from conftest import GOLDEN, LITERT_REJECTS, TFLITE_FILES, model_id
from op_harness import run_litert, run_qtflite

pytest.importorskip("ai_edge_litert", reason="test extra ai-edge-litert not installed")

RECURRENT = {"trained_lstm.tflite", "trained_lstm_int8.tflite", "keras_lstm_mnist_ptq.tflite"}
FILES = [p for p in TFLITE_FILES if os.path.basename(p) not in LITERT_REJECTS | RECURRENT]


def _random_feeds(details, seed, batch=None):
    rng = np.random.default_rng(seed)
    feeds = []
    for d in details:
        shape = list(d["shape"])
        if batch:
            shape[0] = batch
        if np.issubdtype(d["dtype"], np.floating):
            feeds.append((rng.standard_normal(shape) * 2).astype(d["dtype"]))
        else:
            info = np.iinfo(d["dtype"])
            feeds.append(rng.integers(info.min, info.max, shape, endpoint=True).astype(d["dtype"]))
    return feeds


def _real_feeds(path, details):
    """Inputs from the golden set for the same model file, when it has them."""
    import json
    with open(os.path.join(GOLDEN, "index.json")) as f:
        cases = json.load(f)["cases"]
    for c in cases:
        if os.path.basename(c["model"]) == os.path.basename(path):
            z = np.load(os.path.join(GOLDEN, c["name"] + ".npz"))
            n = min(8, c["samples"])
            return [z[f"input_{k}"][:n].reshape([n] + list(d["shape"][1:])).astype(d["dtype"])
                    for k, d in enumerate(details)]
    return None


def _compare(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    if np.issubdtype(got.dtype, np.floating):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    else:
        np.testing.assert_array_equal(got, want)


def _run_ours(path, feeds):
    with open(path, "rb") as f:
        return run_qtflite(f.read(), feeds, numerics="litert")


@pytest.mark.parametrize("path", FILES, ids=model_id)
def test_random_inputs_match_litert(path):
    details = lite.Interpreter(model_path=path).get_input_details()
    content = open(path, "rb").read()
    for seed in range(3):
        feeds = _random_feeds(details, seed)
        for g, w in zip(_run_ours(path, feeds), run_litert(content, feeds)):
            _compare(g, w)


@pytest.mark.parametrize("path", FILES, ids=model_id)
def test_real_inputs_match_litert(path):
    details = lite.Interpreter(model_path=path).get_input_details()
    feeds = _real_feeds(path, details)
    content = open(path, "rb").read()
    if feeds is None:
        feeds = _random_feeds(details, 99, batch=4)
        try:
            want = run_litert(content, feeds)
        except RuntimeError:
            # A graph with a constant batch (e.g. RESHAPE to [1, N]) cannot take a batch of 4
            # in either runtime (qtflite must refuse it too, clearly): use the declared batch.
            with pytest.raises(ValueError, match="cannot reshape"):
                _run_ours(path, feeds)
            feeds = _random_feeds(details, 99)
            want = run_litert(content, feeds)
    else:
        want = run_litert(content, feeds)
    for g, w in zip(_run_ours(path, feeds), want):
        _compare(g, w)
