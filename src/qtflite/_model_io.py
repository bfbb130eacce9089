"""Feeding a data set through a model in batches, as evaluate() and compare() do: checks x
against the model's inputs (one array, a list, or a dict by name), quantizes float data for
integer inputs with TFLite's rounding, resizes the batch axis, and dequantizes outputs."""
from __future__ import annotations

import numpy as np

__all__ = ["quantize", "dequantize", "ModelInputs", "BatchRunner", "as_interpreter"]

_ARENA_BUDGET = 64 << 20  # bytes of activations per batch when batch_size is None
_MAX_BATCH = 1000


def as_interpreter(model, numerics="micro", num_threads=None, **flags):
    """An Interpreter for bytes, a path or an Interpreter (returned as it is)."""
    from .interpreter import Interpreter

    if isinstance(model, Interpreter):
        return model
    if isinstance(model, (bytes, bytearray, memoryview)):
        return Interpreter(model_content=bytes(model), numerics=numerics, num_threads=num_threads, **flags)
    if hasattr(model, "__fspath__") or isinstance(model, str):
        return Interpreter(model_path=model, numerics=numerics, num_threads=num_threads, **flags)
    raise TypeError(f"model must be .tflite bytes, a path or an Interpreter, got {type(model).__name__}")


def quantize(x, dtype, scale, zero_point):
    """round(x / scale) + zero_point, clamped, as TFLite's QUANTIZE does: the division in float32,
    halves rounded away from zero (std::round), exactly (no x + 0.5 rounding error)."""
    v = np.asarray(x, np.float32) / np.float32(scale)
    r = np.trunc(v)
    r += np.where(np.abs(v - r) >= 0.5, np.sign(v), 0).astype(np.float32)
    info = np.iinfo(dtype)
    return np.clip(r + np.float32(zero_point), info.min, info.max).astype(dtype)


def dequantize(q, detail):
    """Float32 values of an output (unchanged when it is not quantized)."""
    scale, zero_point = detail["quantization"]
    q = np.asarray(q)
    if scale == 0 or not np.issubdtype(q.dtype, np.integer):
        return q
    return ((q.astype(np.float32) - np.float32(zero_point)) * np.float32(scale)).astype(np.float32)


def is_lazy(a) -> bool:
    """A Dask array (or another lazy array with shape, dtype and chunks): kept lazy, so that a
    data set larger than this machine's memory is read batch by batch or on Dask's workers."""
    return not isinstance(a, np.ndarray) and hasattr(a, "chunks") and hasattr(a, "dtype") and hasattr(a, "shape")


def _array(a):
    return a if is_lazy(a) else np.asarray(a)


def _shape_text(shape):
    return "(" + ", ".join("N" if d is None else ("?" if d < 0 else str(int(d))) for d in shape) + ")"


def _squeezed(shape):
    return tuple(int(d) for d in shape if d != 1)


class ModelInputs:
    """x checked against the model's inputs: ``arrays`` (one per model input, each (N, ...) and
    not yet converted) and ``n`` samples. Raises ValueError naming what was expected."""

    def __init__(self, details, x, signature_names=None):
        self.details = details
        names = [d["name"] for d in details]
        listing = ", ".join(f"'{d['name']}' {_shape_text([None] + list(d['shape_signature'][1:]))} "
                            f"{np.dtype(d['dtype']).name}" for d in details)
        if isinstance(x, dict):
            aliases = dict(signature_names or {})
            by_name = {}
            for key, value in x.items():
                index = names.index(key) if key in names else aliases.get(key)
                if index is None:
                    raise ValueError(f"x has an entry '{key}' but the model's inputs are: {listing}")
                by_name[index] = value
            missing = [names[i] for i in range(len(names)) if i not in by_name]
            if missing:
                raise ValueError(f"x lacks the model input(s) {missing}; the model's inputs are: {listing}")
            parts = [(f"x['{names[i]}']", by_name[i]) for i in range(len(names))]
        elif isinstance(x, (list, tuple)) and (len(details) > 1 or len(x) == 1):
            if len(x) != len(details):
                raise ValueError(f"x is a list of {len(x)} arrays but the model has {len(details)} "
                                 f"inputs: {listing}")
            parts = [(f"x[{i}]", a) for i, a in enumerate(x)]
        else:
            if len(details) > 1:
                raise ValueError(f"the model has {len(details)} inputs ({listing}): give x as a list "
                                 f"of {len(details)} arrays or a dict by input name, not one array")
            parts = [("x", x)]
        self.arrays = [self._check(what, _array(a), d) for (what, a), d in zip(parts, details)]
        counts = {len(a) for a in self.arrays}
        if len(counts) > 1:
            raise ValueError("the inputs have different numbers of samples: " +
                             ", ".join(f"{w} {len(a)}" for (w, _), a in zip(parts, self.arrays)))
        self.n = counts.pop()

    @staticmethod
    def _check(what, a, d):
        signature = [int(v) for v in d["shape_signature"]] or [int(v) for v in d["shape"]]
        sample = signature[1:]
        expected = _shape_text([None] + sample)
        if a.ndim == 0:
            raise ValueError(f"{what} is a scalar; the model's input '{d['name']}' takes {expected}")
        ok = a.ndim == len(sample) + 1 and all(s < 0 or s == g for s, g in zip(sample, a.shape[1:]))
        if not ok:
            if all(s >= 0 for s in sample) and _squeezed(a.shape[1:]) == _squeezed(sample):
                a = a.reshape((a.shape[0],) + tuple(sample))  # (N, 28, 28) for (N, 28, 28, 1)
            else:
                raise ValueError(f"{what} has shape {tuple(a.shape)} but the model's input '{d['name']}' "
                                 f"takes {expected} (N samples of shape {tuple(sample)})")
        want = np.dtype(d["dtype"])
        scale = d["quantization"][0]
        got = a.dtype
        if np.issubdtype(want, np.floating):
            if not np.issubdtype(got, np.floating):
                raise ValueError(f"{what} has dtype {got} but the model's input '{d['name']}' takes "
                                 f"{want.name} (floating-point data, e.g. images scaled as in training)")
        elif np.issubdtype(want, np.integer):
            if np.issubdtype(got, np.floating):
                if scale == 0:
                    raise ValueError(f"{what} has dtype {got} but the model's input '{d['name']}' takes "
                                     f"{want.name} without quantization parameters (integer data)")
            elif not np.issubdtype(got, np.integer) or (scale != 0 and got != want):
                raise ValueError(f"{what} has dtype {got} but the model's input '{d['name']}' takes "
                                 f"{want.name}" + (" or float data to quantize" if scale != 0 else ""))
        elif got != want:
            raise ValueError(f"{what} has dtype {got} but the model's input '{d['name']}' takes {want.name}")
        return a

    def batch(self, start, stop):
        """The model's input values for samples [start, stop): converted to the input dtypes."""
        out = []
        for a, d in zip(self.arrays, self.details):
            b = np.asarray(a[start:stop])
            want = np.dtype(d["dtype"])
            if np.issubdtype(want, np.integer) and np.issubdtype(b.dtype, np.floating):
                scale, zero_point = d["quantization"]
                b = quantize(b, want, scale, zero_point)
            out.append(np.ascontiguousarray(b, dtype=want))
        return out


class BatchError(ValueError):
    pass


class BatchRunner:
    """Runs an Interpreter on batches of samples, resizing its inputs' batch axis as needed."""

    def __init__(self, interpreter):
        self.it = interpreter
        self.inputs = interpreter.get_input_details()
        self.outputs = interpreter.get_output_details()
        self._current = None

    def _resize(self, arrays):
        shapes = [list(a.shape) for a in arrays]
        if shapes != self._current:
            self._current = None  # until allocate_tensors succeeds
            for a, d in zip(arrays, self.inputs):
                self.it.resize_tensor_input(d["index"], list(a.shape))
            self.it.allocate_tensors()
            self._current = shapes

    def default_batch_size(self, model_inputs: ModelInputs) -> int:
        """As many samples as fit in about 64 MB of activations (at most 1000)."""
        self._resize(model_inputs.batch(0, 1))
        per_sample = max(int(self.it._impl.arena_bytes), 1)
        return int(max(1, min(model_inputs.n, _MAX_BATCH, _ARENA_BUDGET // per_sample)))

    def run(self, arrays):
        """Raw outputs (model dtypes) for one batch, each with the batch axis first."""
        b = len(arrays[0])
        try:
            self._resize(arrays)
        except (ValueError, RuntimeError) as e:
            if b == 1:
                raise
            raise BatchError(f"this model does not run on a batch of {b} samples, use batch_size=1 "
                             f"({str(e).splitlines()[0] if str(e) else type(e).__name__})") from e
        for a, d in zip(arrays, self.inputs):
            self.it.set_tensor(d["index"], a)
        self.it.invoke()
        outs = []
        for d in self.outputs:
            o = self.it.get_tensor(d["index"])
            if o.ndim == 0 or o.shape[0] != b:
                if b == 1:
                    o = o[None]
                else:
                    raise BatchError(f"output '{d['name']}' has shape {tuple(o.shape)} for a batch of {b}: "
                                     f"this model does not run batched; use batch_size=1")
            outs.append(o)
        return outs
