"""``qtflite.analyze_size``: how big a model is as a Keras file and as each .tflite, what part of
each .tflite is weights and what part is graph (operators, tensor descriptions, names,
flatbuffer padding), and what a microcontroller running it with TensorFlow Lite Micro needs: the
flash the model array takes and the tensor arena (micro_arena: the activation plan is TFLite
Micro's own algorithm, the persistent part an estimate)."""
from __future__ import annotations

import os

import numpy as np

from . import _core
from .micro_arena import plan_arena
from .model import read_bytes

__all__ = ["analyze_size", "SizeReport"]


def model_kind(d) -> str:
    """'float32', 'float16', 'dynamic range', 'int8', 'int8+float' (some operators kept float),
    'uint8' or '16x8' from a model dict's tensors."""
    tensors = d["subgraphs"][0]["tensors"]
    weights = {t["dtype"] for t in tensors if t["data"] is not None and t["dtype"] not in ("int32", "int64")}
    acts = {t["dtype"] for t in tensors if t["data"] is None}
    if "int16" in acts and "int8" in weights:
        return "16x8"
    if "int8" in acts:
        g = d["subgraphs"][0]
        mixed = any(op["opcode"] != "DEQUANTIZE" and any(tensors[o]["dtype"] == "float32" for o in op["outputs"])
                    for op in g["operators"])
        return "int8+float" if mixed else "int8"  # int8+float: selective quantization
    if "uint8" in acts:
        return "uint8"
    if "int8" in weights:
        return "dynamic range"
    if "float16" in weights:
        return "float16"
    return "float32"


def _weights_bytes(d) -> int:
    total = 0
    for g in d["subgraphs"]:
        for t in g["tensors"]:
            if t["data"] is not None:
                total += int(np.asarray(t["data"]).nbytes)
    return total


def _keras_info(source):
    """(label, file bytes or None, parameter bytes or None) of a Keras file or live model (saved
    to a temporary .keras file to measure it)."""
    if source is None:
        return None, None, None
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no such Keras file: '{path}'")
        return os.path.basename(path), os.path.getsize(path), None
    if hasattr(source, "get_weights") or hasattr(source, "weights"):
        try:
            weights = source.get_weights()
        except Exception:
            weights = [np.asarray(w) for w in source.weights]
        params = int(sum(np.asarray(w).nbytes for w in weights))
        return getattr(source, "name", "keras model"), _saved_size(source), params
    raise TypeError(f"expected a Keras file path or a Keras model, got {type(source).__name__}")


def _saved_size(model):
    """Bytes of a live Keras model saved as .keras (what the user's file would take), or None
    when it cannot be saved."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        try:
            model.save(path)
        except Exception:
            return None
        return os.path.getsize(path)


class SizeReport:
    """Rows of sizes (`rows`: one dict per model, the Keras model first when given) with a
    readable repr, `to_dict()` and `_repr_html_()`. Byte counts are exact; `arena_bytes` is
    TFLite Micro's arena for a 32-bit microcontroller (activations exact, persistent part
    estimated) and `arena_bytes_64bit` the same on a 64-bit host."""

    COLUMNS = [("model", "model"), ("kind", "kind"), ("bytes", "bytes"), ("weights_bytes", "weights"),
               ("graph_bytes", "graph"), ("compression_vs_keras", "vs Keras"),
               ("compression_vs_float", "vs float32"), ("flash_bytes", "MCU flash"), ("arena_bytes", "MCU arena"),
               ("arena_activation_bytes", "activations")]

    def __init__(self, rows):
        self.rows = rows

    def __getitem__(self, key):
        if isinstance(key, int):
            return self.rows[key]
        for r in self.rows:
            if r["model"] == key or r["kind"] == key:
                return r
        raise KeyError(key)

    def to_dict(self):
        return {"models": [dict(r) for r in self.rows]}

    @staticmethod
    def _cell(key, v):
        if v is None:
            return "-"
        if key.startswith("compression"):
            return f"{v:.2f}x"
        if isinstance(v, int):
            return f"{v:,}"
        return str(v)

    def _table(self):
        header = [label for _, label in self.COLUMNS]
        body = [[self._cell(k, r.get(k)) for k, _ in self.COLUMNS] for r in self.rows]
        return header, body

    def __repr__(self):
        header, body = self._table()
        widths = [max(len(h), *(len(row[i]) for row in body)) for i, h in enumerate(header)]
        lines = ["  ".join(h.ljust(w) if i < 2 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths)))]
        for row in body:
            lines.append("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
        lines.append("bytes: file size; weights: constant tensor data; graph: the rest (operators, tensor "
                     "descriptions, names, padding); MCU arena: TFLite Micro tensor arena on a 32-bit MCU "
                     "(activations planned exactly, persistent structs estimated)")
        return "\n".join(lines)

    def _repr_html_(self):
        import html
        header, body = self._table()
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in body)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def analyze_size(keras_file_or_model=None, *tflite_models, names=None) -> SizeReport:
    """Sizes of a Keras model (a .keras/.h5 path, a live Keras model, or None) and of .tflite
    models (bytes or paths): file bytes, weights vs graph overhead, compression against the
    Keras file and against the float32 .tflite, and for TFLite Micro the flash the model array
    takes and the tensor arena it needs. `names` labels the .tflite models (default: the file
    name, or the model's kind)."""
    if isinstance(keras_file_or_model, (bytes, bytearray, memoryview)) or (
            isinstance(keras_file_or_model, (str, os.PathLike))
            and os.fspath(keras_file_or_model).lower().endswith(".tflite")):
        tflite_models = (keras_file_or_model,) + tflite_models  # no Keras model, .tflite files only
        keras_file_or_model = None
    label, keras_bytes, keras_params = _keras_info(keras_file_or_model)
    rows = []
    if label is not None:
        rows.append({"model": label, "kind": "keras", "bytes": keras_bytes, "weights_bytes": keras_params,
                     "graph_bytes": None, "compression_vs_keras": None, "compression_vs_float": None,
                     "flash_bytes": None, "arena_bytes": None, "arena_bytes_64bit": None,
                     "arena_activation_bytes": None})
    if names is not None and len(names) != len(tflite_models):
        raise ValueError(f"names has {len(names)} entries for {len(tflite_models)} models")
    float_bytes = None
    for k, m in enumerate(tflite_models):
        data = read_bytes(m)
        d = _core.read_model(data).to_dict()
        kind = model_kind(d)
        if names is not None:
            name = names[k]
        elif isinstance(m, (str, os.PathLike)):
            name = os.path.basename(os.fspath(m))
        else:
            name = kind
        weights = _weights_bytes(d)
        plan32 = plan_arena(d, pointer_bytes=4)
        plan64 = plan_arena(d, pointer_bytes=8)
        if kind == "float32" and float_bytes is None:
            float_bytes = len(data)
        rows.append({"model": name, "kind": kind, "bytes": len(data), "weights_bytes": weights,
                     "graph_bytes": len(data) - weights,
                     "compression_vs_keras": keras_bytes / len(data) if keras_bytes else None,
                     "compression_vs_float": None,
                     "flash_bytes": len(data), "arena_bytes": plan32.arena_bytes,
                     "arena_bytes_64bit": plan64.arena_bytes, "arena_activation_bytes": plan32.head_bytes})
    for r in rows:
        if r["kind"] != "keras" and float_bytes:
            r["compression_vs_float"] = float_bytes / r["bytes"]
    return SizeReport(rows)
