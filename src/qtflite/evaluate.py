"""``qtflite.evaluate``: a .tflite model on a data set in batched calls, locally or sharded over a
Dask cluster. Quantizes float inputs itself when the model takes integers (TFLite's rounding, as
a user's loop would) and dequantizes its outputs."""
from __future__ import annotations

import math
import time

import numpy as np

from ._model_io import BatchError, BatchRunner, ModelInputs, as_interpreter, dequantize
from .progress import progress_bar
from .evaluation_result import EvaluationResult

__all__ = ["evaluate", "EvaluationResult"]


def _signature_aliases(it):
    """Signature input names -> position among the model's inputs, for x given as a dict."""
    inputs = list(it._graph["inputs"])
    aliases = {}
    for sig in it._dict.get("signature_defs", []):
        for name, index in sig["inputs"]:
            if index in inputs:
                aliases[name] = inputs.index(index)
    return aliases


def _num_classes(detail):
    shape = [int(d) for d in detail["shape"][1:]]
    return int(np.prod(shape)) if shape else 1


def _labels(y, n, width):
    y = np.asarray(y)
    classes = 2 if width == 1 else width
    if y.ndim == 2 and y.shape[1] > 1:
        if y.shape[1] != width:
            raise ValueError(f"y is one-hot with {y.shape[1]} classes but the model's output has {width}")
        labels = np.argmax(y, axis=1)
    elif y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
        y = y.reshape(-1)
        if not (np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.bool_)):
            if not np.issubdtype(y.dtype, np.floating) or not np.all(np.round(y) == y):
                raise ValueError(f"y must hold integer class labels or one-hot rows, got dtype {y.dtype}")
        labels = y.astype(np.int64)
    else:
        raise ValueError(f"y must be integer labels of shape (N,) or one-hot of shape (N, {width}), "
                         f"got shape {tuple(y.shape)}")
    if labels.shape[0] != n:
        raise ValueError(f"x has {n} samples but y has {labels.shape[0]} labels")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"y holds labels from {labels.min()} to {labels.max()} but the model's output "
                         f"has {classes} classes (0 to {classes - 1})")
    return labels


def _metric_functions(metrics, top_k):
    named = {"accuracy", "top_k_accuracy"} | ({f"top_{top_k}_accuracy"} if top_k else set())
    out = []
    for k, m in enumerate(metrics or ()):
        if callable(m):
            out.append((getattr(m, "__name__", f"metric_{k}"), m))
        elif m in named:
            if m != "accuracy" and not top_k:
                raise ValueError(f"metric {m!r} needs top_k >= 1, got top_k={top_k!r}")
            out.append(("accuracy" if m == "accuracy" else f"top_{top_k}_accuracy", m))
        else:
            raise ValueError(f"unknown metric {m!r}: use one of {sorted(named)} or a callable(y_true, outputs) -> float")
    return out


def _run_local(runner, inputs, batch_size, bar):
    chunks = []
    for start in range(0, inputs.n, batch_size):
        stop = min(start + batch_size, inputs.n)
        raw = runner.run(inputs.batch(start, stop))
        chunks.append([dequantize(o, d) for o, d in zip(raw, runner.outputs)])
        bar.update(stop - start)
    return _concatenate(chunks, len(runner.outputs))


def _concatenate(chunks, num_outputs):
    if not chunks:
        return [np.zeros((0,), np.float32) for _ in range(num_outputs)]
    return [np.concatenate([c[k] for c in chunks]) for k in range(num_outputs)]


def _choose_batch_size(runner, inputs, batch_size):
    """The batch size to use; None picks one that fits memory, and 1 when the model does not run
    batched (a RESHAPE to a fixed batch of 1, say)."""
    if batch_size is not None:
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        return int(batch_size)
    if inputs.n == 0:
        return 1
    size = runner.default_batch_size(inputs)
    if size > 1:
        try:
            runner.run(inputs.batch(0, min(size, inputs.n)))
        except (BatchError, ValueError, RuntimeError):
            size = 1
    return size


def evaluate(model, x, y=None, *, batch_size=None, metrics=("accuracy",), top_k=5, numerics="micro",
             num_threads=None, progress=None, client=None):
    """Runs `model` (.tflite bytes, a path or an Interpreter) on `x` and scores it against `y`.

    x: one array for a one-input model, else a list (in input order) or a dict by input name;
    float data is quantized for integer inputs. y: integer labels (N,) or one-hot (N, C), for
    the first output. Without y, returns the dequantized outputs (an array, or a list for
    several outputs). With y, returns an :class:`EvaluationResult`.

    metrics: names ("accuracy", "top_k_accuracy") or callables ``f(y_true, outputs) -> float``
    (y as given, outputs dequantized). top_k: for the top-k accuracy (a label counts when fewer
    than k classes score higher, as tf.math.in_top_k). batch_size: samples per invoke (default:
    as many as fit in about 64 MB of activations, at most 1000). progress: a tqdm bar; None shows
    it in terminals and notebooks only. client: a ``dask.distributed.Client``; the data set is
    split into shards of whole batches evaluated on the workers (the model sent once), with
    results equal to the local run.
    """
    it = as_interpreter(model, numerics=numerics, num_threads=num_threads)
    runner = BatchRunner(it)
    inputs = ModelInputs(runner.inputs, x, _signature_aliases(it))
    width = _num_classes(runner.outputs[0])
    labels = None if y is None else _labels(y, inputs.n, width)
    metric_fns = _metric_functions(metrics, top_k) if labels is not None else []
    size = _choose_batch_size(runner, inputs, batch_size)

    # The bar is made (and tqdm imported) before the clock starts.
    with progress_bar(inputs.n, "evaluate" if client is None else "evaluate (dask)", progress) as bar:
        start = time.perf_counter()
        if client is None:
            outputs = _run_local(runner, inputs, size, bar)
            engine = "local"
        else:
            from ._distributed import run_sharded

            outputs, shards, workers = run_sharded(client, it, inputs, size, bar)
            engine = f"dask: {shards} shards on {workers} workers"
        seconds = time.perf_counter() - start
    if labels is None:
        return outputs[0] if len(outputs) == 1 else outputs

    scores = outputs[0].reshape(inputs.n, -1)
    if scores.shape[1] == 1:  # one sigmoid unit: class 1 above 0.5, as Keras' binary accuracy
        predictions = (scores[:, 0] > 0.5).astype(np.int64)
        top_k_accuracy, k = None, None
    else:
        predictions = np.argmax(scores, axis=1).astype(np.int64)
        k = int(min(top_k, scores.shape[1])) if top_k else None
        top_k_accuracy = None
        if k and inputs.n:
            label_scores = scores[np.arange(inputs.n), labels]
            top_k_accuracy = float(np.mean((scores > label_scores[:, None]).sum(axis=1) < k))
    result = EvaluationResult(labels=labels, predictions=predictions, outputs=outputs, top_k=k,
                              top_k_accuracy=top_k_accuracy, num_classes=max(2, scores.shape[1]),
                              metrics={}, seconds=seconds, engine=engine)
    y_true = np.asarray(y)
    model_outputs = outputs[0] if len(outputs) == 1 else outputs
    for name, m in metric_fns:
        if m == "accuracy":
            result.metrics[name] = result.accuracy
        elif isinstance(m, str):
            result.metrics[name] = top_k_accuracy if top_k_accuracy is not None else float("nan")
        else:
            result.metrics[name] = float(m(y_true, model_outputs))
    return result
