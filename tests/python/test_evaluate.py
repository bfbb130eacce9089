"""qtflite.evaluate on the seed MNIST CNN (float32 and int8 converted by qtflite) and the 10k
MNIST test images: equal to a per-image Interpreter loop, the EvaluationResult's fields, labels
as integers or one-hot, callable metrics, several inputs, and errors naming what was expected."""
import json
import os

import numpy as np
import pytest

import qtflite
from qtflite import lite
from qtflite.datasets import load_mnist
from qtflite.frontends.graph_builder import GraphBuilder
from conftest import DATA

SEED = os.path.join(DATA, "keras", "mnist_cnn_seed.keras")


@pytest.fixture(scope="module")
def mnist():
    (x_train, _), (x_test, y_test) = load_mnist(os.path.join(DATA, "mnist"))
    return (x_train[:300] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1), \
        (x_test / 255.0).astype(np.float32).reshape(-1, 28, 28, 1), y_test.astype(np.int64)


@pytest.fixture(scope="module")
def models(mnist):
    calibration = mnist[0]
    float_bytes = lite.TFLiteConverter.from_keras_file(SEED).convert()
    c = lite.TFLiteConverter.from_keras_file(SEED)
    c.optimizations = [lite.Optimize.DEFAULT]
    c.representative_dataset = lambda: ([calibration[i:i + 1]] for i in range(len(calibration)))
    c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
    c.inference_input_type = c.inference_output_type = qtflite.int8
    return float_bytes, c.convert()


def per_image_loop(model, x):
    """What a user writes: one image at a time, inputs quantized as TFLite does (round half away
    from zero; x >= 0 here), outputs dequantized."""
    it = lite.Interpreter(model_content=model)
    it.allocate_tensors()
    d, o = it.get_input_details()[0], it.get_output_details()[0]
    outs = []
    for i in range(len(x)):
        xi = x[i:i + 1]
        if d["dtype"] == np.int8:
            s, z = d["quantization"]
            xi = np.clip(np.floor(xi / np.float32(s) + np.float32(0.5)) + z, -128, 127).astype(np.int8)
        it.set_tensor(d["index"], xi)
        it.invoke()
        out = it.get_tensor(o["index"])
        if o["dtype"] == np.int8:
            s, z = o["quantization"]
            out = (out.astype(np.float32) - z) * np.float32(s)
        outs.append(out[0])
    return np.array(outs)


def test_equals_a_per_image_loop(models, mnist):
    _, x, y = mnist
    float_bytes, int8_bytes = models
    n = 500
    loop = per_image_loop(int8_bytes, x[:n])
    result = qtflite.evaluate(int8_bytes, x[:n], y[:n], batch_size=64, progress=False)
    np.testing.assert_array_equal(result.outputs[0], loop)  # integer kernels: bit-exact
    np.testing.assert_array_equal(result.predictions, np.argmax(loop, axis=1))
    assert result.accuracy == np.mean(np.argmax(loop, axis=1) == y[:n])
    loop = per_image_loop(float_bytes, x[:n])
    result = qtflite.evaluate(float_bytes, x[:n], y[:n], progress=False)
    np.testing.assert_allclose(result.outputs[0], loop, rtol=0, atol=1e-6)  # float summation order
    np.testing.assert_array_equal(result.predictions, np.argmax(loop, axis=1))


def test_result_on_the_10k_test_set(models, mnist):
    _, x, y = mnist
    r = qtflite.evaluate(models[1], x, y, progress=False)
    assert isinstance(r, qtflite.EvaluationResult)
    assert r.samples == 10000 and r.accuracy == pytest.approx(0.977, abs=0.002)
    assert r.confusion_matrix.shape == (10, 10) and r.confusion_matrix.sum() == 10000
    assert np.trace(r.confusion_matrix) == round(r.accuracy * 10000)
    np.testing.assert_array_equal(r.confusion_matrix.sum(axis=1), np.bincount(y, minlength=10))
    for c in range(10):
        assert r.per_class_accuracy[c] == pytest.approx(np.mean(r.predictions[y == c] == c))
    assert r.top_k == 5 and r.accuracy <= r.top_k_accuracy <= 1.0
    assert r.samples_per_second > 0
    # Back-compatible with the dict evaluate() returned.
    assert r["accuracy"] == r.accuracy and r["samples"] == 10000 and r["predictions"] is r.predictions
    d = json.loads(json.dumps(r.to_dict()))
    assert d["accuracy"] == r.accuracy and len(d["predictions"]) == 10000
    assert d["confusion_matrix"] == r.confusion_matrix.tolist()
    assert "accuracy" in repr(r) and "top-5 accuracy" in repr(r) and "<table>" in r._repr_html_()


def test_top_k_counts_ties_as_tf_in_top_k(models, mnist):
    _, x, y = mnist
    r1 = qtflite.evaluate(models[1], x[:300], y[:300], top_k=1, progress=False)
    r10 = qtflite.evaluate(models[1], x[:300], y[:300], top_k=10, progress=False)
    scores = r1.outputs[0]
    label_scores = scores[np.arange(300), y[:300]]
    # in_top_k with k=1: no class scores strictly higher than the label (ties count as hits).
    assert r1.top_k_accuracy == np.mean((scores > label_scores[:, None]).sum(axis=1) == 0)
    assert r1.top_k_accuracy >= r1.accuracy and r10.top_k_accuracy == 1.0


def test_one_hot_labels_and_callable_metrics(models, mnist):
    _, x, y = mnist
    one_hot = np.eye(10, dtype=np.float32)[y[:200]]

    def mean_true_probability(y_true, outputs):
        return float(np.mean(np.sum(y_true * outputs, axis=1)))

    a = qtflite.evaluate(models[0], x[:200], y[:200], progress=False)
    b = qtflite.evaluate(models[0], x[:200], one_hot, metrics=("accuracy", "top_k_accuracy", mean_true_probability),
                         progress=False)
    np.testing.assert_array_equal(a.predictions, b.predictions)
    assert b.metrics["accuracy"] == a.accuracy
    assert b.metrics["top_5_accuracy"] == a.top_k_accuracy
    assert b.metrics["mean_true_probability"] == pytest.approx(
        np.mean(a.outputs[0][np.arange(200), y[:200]]), rel=1e-6)
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        qtflite.evaluate(models[0], x[:10], y[:10], metrics=("f1",))


def test_without_labels_returns_the_outputs_and_model_forms(models, mnist, tmp_path):
    _, x, _ = mnist
    path = tmp_path / "m.tflite"
    path.write_bytes(models[1])
    out = qtflite.evaluate(str(path), x[:50], progress=False)
    assert isinstance(out, np.ndarray) and out.shape == (50, 10) and out.dtype == np.float32
    np.testing.assert_array_equal(out, per_image_loop(models[1], x[:50]))
    it = lite.Interpreter(model_content=models[1])
    np.testing.assert_array_equal(qtflite.evaluate(it, x[:50], progress=False), out)
    # int8 data for an int8 input goes in as it is; (N, 28, 28) fits (N, 28, 28, 1).
    q = np.clip(np.floor(x[:50] * 255 + 0.5) - 128, -128, 127).astype(np.int8)
    np.testing.assert_array_equal(qtflite.evaluate(models[1], q.reshape(50, 28, 28), progress=False), out)


def two_input_model():
    b = GraphBuilder()
    a = b.activation("a", [1, 4])
    c = b.activation("c", [1, 4])
    y = b.activation("sum", [1, 4])
    b.op("ADD", [a, c], [y], "AddOptions", {})
    b.inputs += [a, c]
    b.outputs.append(y)
    return b.build([("a", a), ("c", c)], [("sum", y)]).serialize()


def test_several_inputs_as_a_list_or_a_dict():
    model = two_input_model()
    rng = np.random.default_rng(0)
    a, c = rng.normal(size=(30, 4)).astype(np.float32), rng.normal(size=(30, 4)).astype(np.float32)
    y = np.argmax(a + c, axis=1)
    r = qtflite.evaluate(model, [a, c], y, batch_size=7, progress=False)
    assert r.accuracy == 1.0
    np.testing.assert_array_equal(r.outputs[0], a + c)
    names = [d["name"] for d in lite.Interpreter(model_content=model).get_input_details()]
    out = qtflite.evaluate(model, {names[1]: c, names[0]: a}, progress=False)
    np.testing.assert_array_equal(out, a + c)
    with pytest.raises(ValueError, match="the model has 2 inputs .*give x as a list of 2 arrays or a dict"):
        qtflite.evaluate(model, a, y)
    with pytest.raises(ValueError, match="lacks the model input"):
        qtflite.evaluate(model, {names[0]: a}, y)
    with pytest.raises(ValueError, match="different numbers of samples"):
        qtflite.evaluate(model, [a, c[:10]], y)


def test_bad_input_names_what_was_expected(models, mnist):
    _, x, y = mnist
    float_bytes, int8_bytes = models
    with pytest.raises(ValueError, match=r"x has shape \(10, 32, 32, 3\) but the model's input .* takes \(N, 28, 28, 1\)"):
        qtflite.evaluate(float_bytes, np.zeros((10, 32, 32, 3), np.float32), y[:10])
    with pytest.raises(ValueError, match="x has dtype uint8 but the model's input .* takes float32"):
        qtflite.evaluate(float_bytes, (x[:10] * 255).astype(np.uint8), y[:10])
    with pytest.raises(ValueError, match="x has dtype int16 but the model's input .* takes int8 or float data"):
        qtflite.evaluate(int8_bytes, np.zeros((10, 28, 28, 1), np.int16), y[:10])
    with pytest.raises(ValueError, match="x has 100 samples but y has 99 labels"):
        qtflite.evaluate(int8_bytes, x[:100], y[:99])
    with pytest.raises(ValueError, match="y is one-hot with 5 classes but the model's output has 10"):
        qtflite.evaluate(int8_bytes, x[:10], np.eye(5)[y[:10] % 5])
    with pytest.raises(ValueError, match="labels from 0 to 10 but the model's output has 10 classes"):
        qtflite.evaluate(int8_bytes, x[:2], np.array([0, 10]))
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        qtflite.evaluate(int8_bytes, x[:2], y[:2], batch_size=0)


def test_quantize_rounds_half_away_from_zero_exactly():
    from qtflite._model_io import quantize
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.49999997, -0.49999997, 1e6, -1e6], np.float32)
    np.testing.assert_array_equal(quantize(x, np.int8, 1.0, 0), [1, 2, 3, -1, -2, 0, 0, 127, -128])
    np.testing.assert_array_equal(quantize(np.float32([0.25]), np.int8, 0.5, -128), [-127])


def test_progress_bar_follows_the_terminal(models, mnist, capsys):
    from qtflite.progress import progress_enabled
    _, x, y = mnist
    assert progress_enabled(None) is False  # pytest captures stderr: not a tty
    assert progress_enabled(True) and not progress_enabled(False)
    qtflite.evaluate(models[1], x[:20], y[:20], batch_size=5, progress=True)
    assert "evaluate" in capsys.readouterr().err
    qtflite.evaluate(models[1], x[:20], y[:20], batch_size=5)
    assert capsys.readouterr().err == ""
    with pytest.raises(ValueError, match="progress must be True, False or None"):
        progress_enabled("yes")


def test_plot_needs_matplotlib_or_draws(models, mnist):
    _, x, y = mnist
    r = qtflite.evaluate(models[1], x[:100], y[:100], progress=False)
    try:
        import matplotlib
        matplotlib.use("Agg")
    except ImportError:
        with pytest.raises(ImportError, match=r"pip install 'qtflite\[plot\]'"):
            r.plot()
        return
    fig = r.plot()
    assert len(fig.axes) >= 2


def test_a_model_fixed_to_batch_1_runs_image_by_image():
    """Coral's MobileNet v1 (uint8, TOCO) RESHAPEs to [1, 1001]: the default batch size falls
    back to 1; an explicit larger one is refused naming the remedy."""
    path = os.path.join(DATA, "tflite", "coral", "mobilenet_v1_0.25_128_quant.tflite")
    x = np.random.default_rng(0).uniform(-1, 1, (3, 128, 128, 3)).astype(np.float32)
    out = qtflite.evaluate(path, x, progress=False)
    it = lite.Interpreter(model_path=path)
    it.allocate_tensors()
    d, o = it.get_input_details()[0], it.get_output_details()[0]
    s, z = d["quantization"]
    for i in range(3):
        v = x[i:i + 1] / np.float32(s)
        q = np.clip(np.trunc(v) + (np.abs(v - np.trunc(v)) >= 0.5) * np.sign(v) + z, 0, 255).astype(np.uint8)
        it.set_tensor(d["index"], q)
        it.invoke()
        so, zo = o["quantization"]
        np.testing.assert_array_equal(out[i], (it.get_tensor(o["index"])[0].astype(np.float32) - zo) * np.float32(so))
    with pytest.raises(ValueError, match="does not run on a batch of 3 samples, use batch_size=1"):
        qtflite.evaluate(path, x, batch_size=3)


def test_progress_is_on_in_a_notebook_kernel(monkeypatch):
    """In a Jupyter kernel (IPython's ZMQInteractiveShell) bars show although stderr is no tty."""
    import sys
    import types
    from qtflite.progress import progress_enabled

    class ZMQInteractiveShell:
        pass

    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: ZMQInteractiveShell()
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert progress_enabled(None) is True and progress_enabled(False) is False
    fake.get_ipython = lambda: None  # IPython imported, but no kernel running
    assert progress_enabled(None) is False
