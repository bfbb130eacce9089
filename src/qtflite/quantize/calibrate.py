"""Calibration: run the float model on the representative data, batched through qtflite's own
interpreter, and keep each float tensor's global [min, max]."""
from __future__ import annotations

import numpy as np

from .. import _core
from .lstm import LSTM, lstm_cell_ranges

__all__ = ["collect_samples", "calibrate"]


def _to_array(value, what):
    try:
        arr = np.asarray(value)
    except Exception as e:  # anything array-like: NumPy, nested lists, TF/torch tensors
        raise ValueError(f"representative_dataset: {what} is not array-like: {e}") from None
    if arr.dtype == object:
        raise ValueError(f"representative_dataset: {what} is not a numeric array")
    return arr


def collect_samples(dataset, inputs):
    """The representative dataset as one stacked float32 array per model input.

    `dataset`: a generator function (or anything callable returning an iterable), or a
    RepresentativeDataset; each sample, as in TensorFlow, is a list of arrays in input order,
    a dict keyed by input name, or a (signature_key, dict) pair. `inputs`: [(name, shape)]
    with the model's per-sample shapes (batch dimension first)."""
    gen = getattr(dataset, "input_gen", dataset)
    if not callable(gen):
        raise ValueError("representative_dataset must be a callable that returns a generator "
                         "(e.g. a generator function), as in TensorFlow")
    names = [n for n, _ in inputs]
    columns = [[] for _ in inputs]
    count = 0
    for sample in gen():
        if isinstance(sample, tuple):
            if len(sample) == 2 and isinstance(sample[0], str) and isinstance(sample[1], dict):
                sample = sample[1]
            else:
                raise ValueError("representative_dataset yielded a tuple; yield a list of arrays in input order, "
                                 "a dict keyed by input name, or a (signature_key, dict) pair")
        if isinstance(sample, dict):
            unknown = set(sample) - set(names)
            if unknown:
                raise ValueError(f"representative_dataset: unknown input name(s) {sorted(unknown)}; the model's "
                                 f"inputs are {names}")
            missing = [n for n in names if n not in sample]
            if missing:
                raise ValueError(f"representative_dataset: sample {count} lacks input(s) {missing}")
            values = [sample[n] for n in names]
        elif isinstance(sample, list):
            values = sample
        else:
            values = [sample] if len(names) == 1 and hasattr(sample, "__array__") else None
            if values is None:
                raise ValueError(f"representative_dataset yielded {type(sample).__name__}; yield a list of arrays, "
                                 "a dict keyed by input name, or a (signature_key, dict) pair")
        if len(values) != len(names):
            raise ValueError(f"representative_dataset: sample {count} has {len(values)} arrays, the model has "
                             f"{len(names)} inputs {names}")
        for k, ((name, shape), v) in enumerate(zip(inputs, values)):
            arr = _to_array(v, f"input '{name}' of sample {count}")
            if not np.issubdtype(arr.dtype, np.floating):
                raise ValueError(f"representative_dataset: input '{name}' of sample {count} has dtype {arr.dtype}; "
                                 "expected float32")
            expected = list(shape[1:])
            if list(arr.shape[1:]) != expected and list(arr.shape) != expected:
                raise ValueError(f"representative_dataset: input '{name}' of sample {count} has shape "
                                 f"{list(arr.shape)}; expected [batch] + {expected}")
            columns[k].append(arr.reshape([-1] + expected).astype(np.float32, copy=False))
        count += 1
    if count == 0:
        raise ValueError("representative_dataset yielded no samples")
    stacked = [np.concatenate(c, axis=0) for c in columns]
    for (name, _), column, arr in zip(inputs, columns, stacked):  # one check over all samples
        finite_rows = np.isfinite(arr.reshape(arr.shape[0], -1)).all(axis=1)
        if not finite_rows.all():
            ends = np.cumsum([c.shape[0] for c in column])
            sample = int(np.searchsorted(ends, int(np.argmin(finite_rows)), side="right"))
            raise ValueError(f"representative_dataset: input '{name}' of sample {sample} contains NaN or Inf")
    return stacked


def calibrate(model, stacked_inputs, input_indices, batch=32, progress=None, method=None, num_threads=-1):
    """{tensor index: (min, max)} from qtflite's interpreter: over all samples for "minmax"
    (TensorFlow's), else as `method` (a calibration_methods.Calibration) derives it from
    per-sample ranges recorded in the same pass; with a progress bar over the samples
    (qtflite.progress: on in terminals and notebooks, off with progress=False).
    num_threads: the interpreter's (-1: all cores); the ranges do not depend on it."""
    from ..progress import progress_bar
    from .calibration_methods import as_calibration
    method = as_calibration(method)
    interp = _core.Interpreter(model, "micro")
    interp.set_num_threads(1 if num_threads is None else num_threads)
    total = stacked_inputs[0].shape[0]
    graph = model.to_dict()["subgraphs"][0]
    if any(op["opcode"] == LSTM for op in graph["operators"]):
        with progress_bar(total, "calibrating", progress, unit="sample") as bar:
            return _calibrate_stateful(interp, graph, stacked_inputs, input_indices, total, bar, method)
    batch = -(-total // -(-total // batch))  # equal chunks: one shape, one allocation
    interp.set_calibrating(True)
    interp.set_per_sample_ranges(method.per_sample)
    interp.set_histograms(method.histograms)
    interp.set_fast_float_kernels(True)  # as TF, which calibrates on TFLite's optimized kernels
    with progress_bar(total, "calibrating", progress, unit="sample") as bar:
        _run_batches(interp, stacked_inputs, input_indices, total, batch, bar)
    ranges = {int(k): (float(v[0]), float(v[1])) for k, v in interp.ranges().items()}
    return method.ranges(ranges, interp.per_sample_ranges() if method.per_sample else {},
                         interp.histograms() if method.histograms else {})


def _run_batches(interp, stacked_inputs, input_indices, total, batch, bar):
    shape_now = None
    for start in range(0, total, batch):
        chunk = [x[start:start + batch] for x in stacked_inputs]
        if shape_now != chunk[0].shape[0]:
            for idx, x in zip(input_indices, chunk):
                interp.resize_input(idx, list(x.shape))
            interp.allocate_tensors()
            shape_now = chunk[0].shape[0]
        for idx, x in zip(input_indices, chunk):
            interp.set(idx, np.ascontiguousarray(x))
        interp.invoke()
        bar.update(chunk[0].shape[0])


def _calibrate_stateful(interp, graph, stacked_inputs, input_indices, total, bar, method):
    """A model with LSTM state (variable tensors [1, units]) runs one sample per invoke, the
    state carried from sample to sample as in TensorFlow's calibrator (its output scales come
    out the same); the c state's range comes from the float cell run on each LSTM's recorded
    input (lstm.lstm_cell_ranges). The calibration method applies to the other tensors as in
    the batched pass (one sample per invoke: one per-sample range each)."""
    lstm_inputs = [op["inputs"][0] for op in graph["operators"] if op["opcode"] == LSTM]
    interp.set_calibrating(True)
    interp.set_per_sample_ranges(method.per_sample)
    interp.set_histograms(method.histograms)
    interp.set_fast_float_kernels(True)
    interp.set_preserve_all_tensors(True)
    for idx, x in zip(input_indices, stacked_inputs):
        interp.resize_input(idx, [1] + list(x.shape[1:]))
    interp.allocate_tensors()
    seen = {t: [] for t in lstm_inputs}
    interp.reset_variables()
    for k in range(total):
        for idx, x in zip(input_indices, stacked_inputs):
            interp.set(idx, np.ascontiguousarray(x[k:k + 1]))
        interp.invoke()
        for t in lstm_inputs:
            seen[t].append(np.array(interp.get(t)))
        bar.update(1)
    ranges = {int(k): (float(v[0]), float(v[1])) for k, v in interp.ranges().items()}
    ranges = method.ranges(ranges, interp.per_sample_ranges() if method.per_sample else {},
                           interp.histograms() if method.histograms else {})
    ranges.update(lstm_cell_ranges(graph, {t: np.concatenate(v, axis=0) for t, v in seen.items()}))
    return ranges
