"""qtflite.compare on the seed MNIST CNN: its per-tensor statistics equal those computed by hand
from two interpreters' intermediate tensors (experimental_preserve_all_tensors=True), its CSV has
QuantizationDebugger.layer_statistics_dump's columns, and its model-level metrics hold."""
import csv
import io
import math

import numpy as np
import pytest

import qtflite
from qtflite import lite

from test_evaluate import mnist, models  # noqa: F401  (module fixtures)

SHARED_ACTIVATIONS = {"serving_default_input_layer:0", "conv2d", "max_pooling2d", "flatten", "dense", "dense_1",
                      "StatefulPartitionedCall:0"}


def by_hand(float_bytes, int8_bytes, x):
    """Per image: diffs = dequantized int8 tensor - float tensor of the same name; the debugger's
    metrics per image, then averaged over images."""
    f_it = lite.Interpreter(model_content=float_bytes, experimental_preserve_all_tensors=True)
    q_it = lite.Interpreter(model_content=int8_bytes, experimental_preserve_all_tensors=True)
    f_it.allocate_tensors()
    q_it.allocate_tensors()
    f_index = {d["name"]: d["index"] for d in f_it.get_tensor_details()}
    q_details = {d["name"]: d for d in q_it.get_tensor_details()}
    qin = q_it.get_input_details()[0]
    s_in, z_in = qin["quantization"]
    stats = {name: {"mse": [], "std": [], "mean": [], "max": [], "signal": 0.0, "noise": 0.0}
             for name in SHARED_ACTIVATIONS}
    for i in range(len(x)):
        f_it.set_tensor(f_it.get_input_details()[0]["index"], x[i:i + 1])
        f_it.invoke()
        q_it.set_tensor(qin["index"], np.clip(np.floor(x[i:i + 1] / np.float32(s_in) + np.float32(0.5)) + z_in,
                                              -128, 127).astype(np.int8))
        q_it.invoke()
        for name, st in stats.items():
            d = q_details[name]
            s, z = d["quantization"]
            deq = (q_it.get_tensor(d["index"]).astype(np.float32) - z) * np.float32(s)
            f = f_it.get_tensor(f_index[name]).astype(np.float64)
            diff = deq.astype(np.float64) - f
            st["mse"].append(np.mean(diff ** 2))
            st["std"].append(np.std(diff))
            st["mean"].append(np.mean(diff))
            st["max"].append(np.max(np.abs(diff)))
            st["signal"] += np.sum(f ** 2)
            st["noise"] += np.sum(diff ** 2)
    return stats


def test_per_layer_statistics_equal_hand_computed(models, mnist):
    _, x, _ = mnist
    float_bytes, int8_bytes = models
    x = x[:60]
    hand = by_hand(float_bytes, int8_bytes, x)
    result = qtflite.compare(float_bytes, int8_bytes, x, batch_size=1, progress=False)
    assert {r["tensor_name"] for r in result.layers} == SHARED_ACTIVATIONS
    for r in result.layers:
        h = hand[r["tensor_name"]]
        assert r["mean_squared_error"] == pytest.approx(np.mean(h["mse"]), rel=1e-9, abs=1e-30)
        assert r["stddev"] == pytest.approx(np.mean(h["std"]), rel=1e-9, abs=1e-30)
        assert r["mean_error"] == pytest.approx(np.mean(h["mean"]), rel=1e-9, abs=1e-30)
        assert r["max_abs_error"] == pytest.approx(np.mean(h["max"]), rel=1e-9, abs=1e-30)
        assert r["sqnr"] == pytest.approx(10 * math.log10(h["signal"] / h["noise"]), rel=1e-9)
        assert r["rmse/scale"] == pytest.approx(math.sqrt(r["mean_squared_error"]) / r["scale"])
    # Batched (the default) gives the same statistics up to the float kernels' summation order.
    batched = qtflite.compare(float_bytes, int8_bytes, x, progress=False)
    for r in batched.layers:
        assert r["mean_squared_error"] == pytest.approx(np.mean(hand[r["tensor_name"]]["mse"]), rel=1e-3, abs=1e-18)
    assert [r["tensor_name"] for r in batched.layers] == [r["tensor_name"] for r in result.layers]


def test_worst_first_and_model_metrics(models, mnist):
    _, x, _ = mnist
    float_bytes, int8_bytes = models
    r = qtflite.compare(float_bytes, int8_bytes, x[:500], progress=False)
    ratios = [row["rmse/scale"] for row in r.layers]
    assert ratios == sorted(ratios, reverse=True)
    conv = next(row for row in r.layers if row["tensor_name"] == "conv2d")
    assert conv["op_name"] == "CONV_2D" and conv["num_elements"] == 26 * 26 * 8
    assert 0.1 < conv["rmse/scale"] < 0.7  # rounding-level error in the first layer
    f_out = qtflite.evaluate(float_bytes, x[:500], progress=False)
    q_out = qtflite.evaluate(int8_bytes, x[:500], progress=False)
    assert r.model["top1_agreement"] == np.mean(np.argmax(f_out, 1) == np.argmax(q_out, 1))
    expected_sqnr = 10 * math.log10(np.sum(f_out.astype(np.float64) ** 2) /
                                    np.sum((q_out.astype(np.float64) - f_out) ** 2))
    assert r.model["output_sqnr"] == pytest.approx(expected_sqnr, rel=1e-3)
    assert r.model["samples"] == 500 and r.model["output_sqnr"] > 20
    by_sqnr = qtflite.compare(float_bytes, int8_bytes, x[:50], sort_by="sqnr", progress=False)
    sqnrs = [row["sqnr"] for row in by_sqnr.layers]
    assert sqnrs == sorted(sqnrs)
    assert "output SQNR" in repr(r) and "<table>" in r._repr_html_()
    assert set(r.layer_statistics["dense"]) == {"num_elements", "stddev", "mean_error", "max_abs_error",
                                                "mean_squared_error"}


def test_csv_has_the_debugger_columns(models, mnist, tmp_path):
    _, x, _ = mnist
    r = qtflite.compare(models[0], models[1], x[:20], progress=False)
    text = r.to_csv()
    assert text.splitlines()[0] == ("op_name,tensor_idx,num_elements,stddev,mean_error,max_abs_error,"
                                    "mean_squared_error,scale,zero_point,tensor_name")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["tensor_name"] for row in rows] == [row["tensor_name"] for row in r.layers]
    assert float(rows[0]["mean_squared_error"]) == r.layers[0]["mean_squared_error"]
    r.to_csv(tmp_path / "layers.csv", extra=True)
    assert (tmp_path / "layers.csv").read_text().splitlines()[0].endswith(",tensor_name,sqnr,rmse/scale")


def test_interpreters_and_paths_and_errors(models, mnist, tmp_path):
    _, x, _ = mnist
    (tmp_path / "f.tflite").write_bytes(models[0])
    a = qtflite.compare(str(tmp_path / "f.tflite"), lite.Interpreter(model_content=models[1]), x[:10], progress=False)
    b = qtflite.compare(models[0], models[1], x[:10], progress=False)
    assert a.to_dict() == b.to_dict()
    with pytest.raises(ValueError, match=r"takes \(N, 28, 28, 1\)"):
        qtflite.compare(models[0], models[1], np.zeros((4, 10), np.float32))
    with pytest.raises(ValueError, match="sort_by"):
        qtflite.compare(models[0], models[1], x[:4], sort_by="size")


def test_preserve_all_tensors_keeps_intermediates(models, mnist):
    """With the flag every intermediate is readable after invoke: each equals what the next
    operator computes from it (checked for the float model's MAX_POOL_2D and RESHAPE)."""
    _, x, _ = mnist
    it = lite.Interpreter(model_content=models[0], experimental_preserve_all_tensors=True)
    plain = lite.Interpreter(model_content=models[0])
    it.allocate_tensors()
    plain.allocate_tensors()
    assert it._impl.arena_bytes > plain._impl.arena_bytes  # no memory shared between tensors
    idx = {d["name"]: d["index"] for d in it.get_tensor_details()}
    it.set_tensor(it.get_input_details()[0]["index"], x[:1])
    it.invoke()
    conv = it.get_tensor(idx["conv2d"])
    pooled = conv[:, :26, :26, :].reshape(1, 13, 2, 13, 2, 8).max(axis=(2, 4))
    np.testing.assert_array_equal(it.get_tensor(idx["max_pooling2d"]), pooled)
    np.testing.assert_array_equal(it.get_tensor(idx["flatten"]), pooled.reshape(1, -1))
    assert np.all(conv >= 0)  # fused RELU
    plain.set_tensor(plain.get_input_details()[0]["index"], x[:1])
    plain.invoke()
    np.testing.assert_array_equal(plain.get_tensor(plain.get_output_details()[0]["index"]),
                                  it.get_tensor(it.get_output_details()[0]["index"]))


def test_plot(models, mnist):
    _, x, _ = mnist
    r = qtflite.compare(models[0], models[1], x[:10], progress=False)
    try:
        import matplotlib
        matplotlib.use("Agg")
    except ImportError:
        with pytest.raises(ImportError, match=r"qtflite\[plot\]"):
            r.plot()
        return
    fig = r.plot()
    assert fig.axes


def test_preserved_intermediates_equal_litert(models, mnist):
    """Every intermediate of the int8 seed model, read after invoke with the flag, equals
    ai-edge-litert's (tf.lite.Interpreter's runtime) with the same flag, bit for bit."""
    litert = pytest.importorskip("ai_edge_litert.interpreter")
    _, x, _ = mnist
    theirs = litert.Interpreter(model_content=models[1], experimental_preserve_all_tensors=True,
                                experimental_op_resolver_type=litert.OpResolverType.BUILTIN_REF)
    ours = lite.Interpreter(model_content=models[1], experimental_preserve_all_tensors=True, numerics="litert")
    q = np.clip(np.floor(x[:1] * 255 + 0.5) - 128, -128, 127).astype(np.int8)
    for it in (theirs, ours):
        it.allocate_tensors()
        it.set_tensor(it.get_input_details()[0]["index"], q)
        it.invoke()
    compared = 0
    for d in theirs.get_tensor_details():
        if d["name"] in SHARED_ACTIVATIONS:
            np.testing.assert_array_equal(ours.get_tensor(d["index"]), theirs.get_tensor(d["index"]), err_msg=d["name"])
            compared += 1
    assert compared == len(SHARED_ACTIVATIONS)


def test_layer_error_runs_each_float_operator_on_dequantized_inputs(models, mnist):
    """error="layer", as the debugger's NumericVerify: MAX_POOL_2D and RESHAPE add no error of
    their own; the first FULLY_CONNECTED (ReLU) is checked by hand in NumPy on the dequantized
    int8 'flatten' tensor with the float model's weights."""
    _, x, _ = mnist
    float_bytes, int8_bytes = models
    x = x[:40]
    r = qtflite.compare(float_bytes, int8_bytes, x, error="layer", batch_size=1, progress=False)
    rows = {row["tensor_name"]: row for row in r.layers}
    assert r.error == "layer" and set(rows) == SHARED_ACTIVATIONS
    for name in ("max_pooling2d", "flatten"):
        assert rows[name]["mean_squared_error"] == 0 and rows[name]["max_abs_error"] == 0
    f_it = lite.Interpreter(model_content=float_bytes)
    f_it.allocate_tensors()
    names = {d["name"]: d["index"] for d in f_it.get_tensor_details()}
    w, b = f_it.get_tensor(names["dense/kernel"]).astype(np.float64), f_it.get_tensor(names["dense/bias"])
    q_it = lite.Interpreter(model_content=int8_bytes, experimental_preserve_all_tensors=True)
    q_it.allocate_tensors()
    q = {d["name"]: d for d in q_it.get_tensor_details()}
    s_in, z_in = q_it.get_input_details()[0]["quantization"]
    mse = []
    for i in range(len(x)):
        q_it.set_tensor(q["serving_default_input_layer:0"]["index"],
                        np.clip(np.floor(x[i:i + 1] / np.float32(s_in) + np.float32(0.5)) + z_in, -128, 127).astype(np.int8))
        q_it.invoke()
        deq = {}
        for name in ("flatten", "dense"):
            s, z = q[name]["quantization"]
            deq[name] = (q_it.get_tensor(q[name]["index"]).astype(np.float64) - z) * s
        reference = np.maximum(deq["flatten"] @ w.T + b, 0)
        mse.append(np.mean((deq["dense"] - reference) ** 2))
    assert rows["dense"]["mean_squared_error"] == pytest.approx(np.mean(mse), rel=1e-4)
    # The model's own error accumulates: never below the layer's own for the last layers.
    accumulated = {row["tensor_name"]: row for row in qtflite.compare(float_bytes, int8_bytes, x, progress=False).layers}
    assert accumulated["dense_1"]["mean_squared_error"] > rows["dense_1"]["mean_squared_error"]
    with pytest.raises(ValueError, match="error must be 'model' or 'layer'"):
        qtflite.compare(float_bytes, int8_bytes, x, error="op")


def test_models_without_shared_quantized_tensors_warn(models, mnist):
    """A dynamic-range model keeps float activations: nothing to compare per tensor."""
    _, x, _ = mnist
    import os
    from conftest import DATA
    c = lite.TFLiteConverter.from_keras_file(os.path.join(DATA, "keras", "mnist_cnn_seed.keras"))
    c.optimizations = [lite.Optimize.DEFAULT]
    with pytest.warns(UserWarning, match="share no quantized tensor"):
        r = qtflite.compare(models[0], c.convert(), x[:20], progress=False)
    assert r.layers == [] and r.model["top1_agreement"] == 1.0
