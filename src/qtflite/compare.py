"""``qtflite.compare``: the per-tensor error of a quantized model against its float model, with
TensorFlow QuantizationDebugger's layer statistics.

Both models run on the same data with every intermediate tensor preserved; tensors are matched
by name (qtflite's converter names an activation the same in the float and the quantized file).
For each shared activation, diffs = dequantized quantized tensor - float tensor, and per sample,
as the debugger's metrics: num_elements, stddev (np.std), mean_error (mean), max_abs_error,
mean_squared_error; each averaged over the samples (np.nanmean), as the debugger aggregates
them. Added: SQNR (10 log10 of sum float^2 / sum diff^2 over all samples, dB) and rmse/scale
(sqrt(mean_squared_error) / scale: about 0.29 is rounding error alone, above 0.7 suspicious).
Two references for the float values (``error=``):
- "model" (default): the float model's own tensor, so the error is what the quantized model has
  accumulated up to that tensor (the same as reading both models' intermediates by hand);
- "layer": as the debugger's NumericVerify ops, the float operator run on the quantized model's
  dequantized inputs, so each tensor shows its own operator's error (rmse/scale near 0.29 for
  int8 when the operator adds nothing but rounding)."""
from __future__ import annotations

import csv
import html
import io
import math
import warnings

import numpy as np

from ._model_io import BatchRunner, ModelInputs, as_interpreter, dequantize
from .progress import progress_bar
from .evaluation_result import need_matplotlib

__all__ = ["compare", "ComparisonResult", "DEBUGGER_COLUMNS"]

# tf.lite.experimental.QuantizationDebugger.layer_statistics_dump's columns, in its order.
DEBUGGER_COLUMNS = ["op_name", "tensor_idx", "num_elements", "stddev", "mean_error", "max_abs_error",
                    "mean_squared_error", "scale", "zero_point", "tensor_name"]
_PER_SAMPLE = ["num_elements", "stddev", "mean_error", "max_abs_error", "mean_squared_error"]


def _content_interpreter(model, numerics):
    from .interpreter import Interpreter

    if isinstance(model, Interpreter):
        return Interpreter(model_content=model._content, numerics=model._numerics,
                           experimental_op_resolver_type=model._resolver, experimental_preserve_all_tensors=True)
    return as_interpreter(model, numerics=numerics, experimental_preserve_all_tensors=True)


def _activations(it):
    """name -> (index, producer opcode) of the tensors computed at run time (and graph inputs)."""
    graph = it._graph
    producers = {}
    for op in graph["operators"]:
        for o in op["outputs"]:
            producers[o] = op["opcode"]
    out = {}
    for i, t in enumerate(graph["tensors"]):
        if t["data"] is None and (i in producers or i in graph["inputs"]):
            out.setdefault(t["name"], (i, producers.get(i, "INPUT")))
    return out


def _shared_tensors(f_it, q_it):
    f_acts, q_acts = _activations(f_it), _activations(q_it)
    pairs = []
    for name, (qi, opcode) in sorted(q_acts.items(), key=lambda kv: kv[1][0]):
        if name not in f_acts:
            continue
        fi = f_acts[name][0]
        qd, fd = q_it._detail(qi), f_it._detail(fi)
        scales = qd["quantization_parameters"]["scales"]
        if not np.issubdtype(np.dtype(qd["dtype"]), np.integer) or len(scales) != 1 or scales[0] == 0:
            continue  # not quantized per tensor: nothing the debugger reports
        if np.dtype(fd["dtype"]) != np.float32 or list(qd["shape_signature"][1:]) != list(fd["shape_signature"][1:]):
            continue
        pairs.append({"tensor_name": name, "tensor_idx": qi, "float_tensor_idx": fi, "op_name": opcode,
                      "scale": float(scales[0]), "zero_point": int(qd["quantization_parameters"]["zero_points"][0])})
    return pairs


class _Accumulator:
    def __init__(self):
        self.per_sample = {k: [] for k in _PER_SAMPLE}
        self.signal = 0.0
        self.noise = 0.0

    def add(self, f, deq, batch):
        f = np.asarray(f, np.float64)
        d = np.asarray(deq, np.float64) - f
        rows = d.reshape(batch, -1) if d.ndim and d.shape[0] == batch else d.reshape(1, -1)
        self.per_sample["num_elements"].extend([rows.shape[1]] * rows.shape[0])
        self.per_sample["stddev"].extend(np.std(rows, axis=1))
        self.per_sample["mean_error"].extend(np.mean(rows, axis=1))
        self.per_sample["max_abs_error"].extend(np.max(np.abs(rows), axis=1) if rows.shape[1] else [np.nan] * len(rows))
        self.per_sample["mean_squared_error"].extend(np.mean(rows ** 2, axis=1))
        self.signal += float(np.sum(f * f))
        self.noise += float(np.sum(d * d))

    def stats(self):
        out = {k: float(np.nanmean(v)) if v else float("nan") for k, v in self.per_sample.items()}
        out["num_elements"] = int(round(out["num_elements"])) if _is_number(out["num_elements"]) else 0
        out["sqnr"] = _sqnr(self.signal, self.noise)
        return out


def _is_number(v):
    return not (isinstance(v, float) and math.isnan(v))


def _sqnr(signal, noise):
    if noise == 0:
        return float("inf")
    if signal == 0:
        return float("-inf")
    return 10.0 * math.log10(signal / noise)


def compare(float_model, quantized_model, x, *, batch_size=None, numerics="micro", progress=None,
            sort_by="rmse/scale", error="model"):
    """Per-tensor and model-level error of `quantized_model` against `float_model` (each .tflite
    bytes, a path or an Interpreter) on inputs `x` (as for evaluate: float data, quantized
    for integer inputs). Returns a :class:`ComparisonResult`, worst tensor first by `sort_by`
    ("rmse/scale", "mean_squared_error", "sqnr" (lowest first) or None for graph order).
    error: "model" (against the float model's tensor: accumulated error) or "layer" (against
    the float operator on the quantized model's dequantized inputs, as QuantizationDebugger)."""
    if sort_by not in ("rmse/scale", "mean_squared_error", "sqnr", None):
        raise ValueError(f"sort_by must be 'rmse/scale', 'mean_squared_error', 'sqnr' or None, got {sort_by!r}")
    if error not in ("model", "layer"):
        raise ValueError(f"error must be 'model' or 'layer', got {error!r}")
    f_it = _content_interpreter(float_model, numerics)
    q_it = _content_interpreter(quantized_model, numerics)
    f_run, q_run = BatchRunner(f_it), BatchRunner(q_it)
    f_in, q_in = ModelInputs(f_run.inputs, x), ModelInputs(q_run.inputs, x)
    if len(f_run.outputs) != len(q_run.outputs):
        raise ValueError(f"the float model has {len(f_run.outputs)} outputs, the quantized one {len(q_run.outputs)}")
    pairs = _shared_tensors(f_it, q_it)
    if not pairs:
        warnings.warn("the two models share no quantized tensor by name (were they converted from the same "
                      "model by qtflite?): only the model-level metrics are compared", stacklevel=2)
    if batch_size is None:
        batch_size = min(f_run.default_batch_size(f_in), q_run.default_batch_size(q_in), 256) if f_in.n else 1
    elif not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    layer_runners = _layer_runners(f_it, q_it, pairs) if error == "layer" else {}
    return _run(f_run, q_run, f_in, q_in, pairs, int(batch_size), progress, sort_by, layer_runners, error)


def _layer_runners(f_it, q_it, pairs):
    """For each shared tensor computed by an operator: (runner of that float operator alone,
    its activation inputs' indices in the quantized model)."""
    from .interpreter import Interpreter
    from .model import Model
    from .submodel import cut_model_dict

    graph = f_it._graph
    producer = {o: op for op in graph["operators"] for o in op["outputs"]}
    q_index = {name: i for name, (i, _) in _activations(q_it).items()}
    runners = {}
    for p in pairs:
        op = producer.get(p["float_tensor_idx"])
        if op is None:
            continue  # a graph input: its reference is the float model's input
        names = []
        for i in op["inputs"]:
            if i >= 0 and graph["tensors"][i]["data"] is None and graph["tensors"][i]["name"] not in names:
                names.append(graph["tensors"][i]["name"])
        if not names or any(n not in q_index for n in names):
            continue
        piece = Model.from_dict(cut_model_dict(f_it._dict, names, [p["tensor_name"]])).serialize()
        it = Interpreter(model_content=bytes(piece), numerics=f_it._numerics,
                         experimental_op_resolver_type=f_it._resolver)
        runners[p["tensor_name"]] = (BatchRunner(it), [q_index[n] for n in names])
    return runners


def _float_value(q_it, index):
    """A quantized model's tensor in float: dequantized when quantized, else as it is."""
    d = q_it._detail(index)
    v = q_it.get_tensor(index)
    scales = d["quantization_parameters"]["scales"]
    if np.issubdtype(v.dtype, np.integer) and len(scales) == 1 and scales[0] != 0:
        zero_point = d["quantization_parameters"]["zero_points"][0]
        return (v.astype(np.float32) - np.float32(zero_point)) * np.float32(scales[0])
    return v.astype(np.float32)


def _batched_everywhere(f_run, q_run, pairs, b):
    f_it, q_it = f_run.it, q_run.it
    return all(f_it.get_tensor(p["float_tensor_idx"]).shape[:1] == (b,) and
               q_it.get_tensor(p["tensor_idx"]).shape[:1] == (b,) for p in pairs)


def _run(f_run, q_run, f_in, q_in, pairs, batch_size, progress, sort_by, layer_runners, error):
    n = f_in.n
    acc = {p["tensor_name"]: _Accumulator() for p in pairs}
    f_outs, q_outs = [], []
    with progress_bar(n, "compare", progress) as bar:
        start = 0
        while start < n:
            stop = min(start + batch_size, n)
            fo = f_run.run(f_in.batch(start, stop))
            qo = q_run.run(q_in.batch(start, stop))
            b = stop - start
            if b > 1 and not _batched_everywhere(f_run, q_run, pairs, b):
                if start:
                    raise ValueError("tensor shapes changed between batches")
                batch_size = 1  # a tensor without the batch axis: per-sample statistics need batches of 1
                continue
            for p in pairs:
                if p["tensor_name"] in layer_runners:
                    runner, q_inputs = layer_runners[p["tensor_name"]]
                    f = runner.run([_float_value(q_run.it, i) for i in q_inputs])[0]
                else:
                    f = f_run.it.get_tensor(p["float_tensor_idx"])
                q = q_run.it.get_tensor(p["tensor_idx"])
                deq = (q.astype(np.float32) - np.float32(p["zero_point"])) * np.float32(p["scale"])
                acc[p["tensor_name"]].add(f, deq, b)
            f_outs.append([dequantize(o, d) for o, d in zip(fo, f_run.outputs)])
            q_outs.append([dequantize(o, d) for o, d in zip(qo, q_run.outputs)])
            bar.update(b)
            start = stop
    layers = []
    for order, p in enumerate(pairs):
        row = dict(p)
        row.update(acc[p["tensor_name"]].stats())
        row["rmse/scale"] = math.sqrt(row["mean_squared_error"]) / p["scale"] if _is_number(row["mean_squared_error"]) else float("nan")
        row["graph_order"] = order
        layers.append(row)
    if sort_by == "sqnr":
        layers.sort(key=lambda r: r["sqnr"])
    elif sort_by is not None:
        layers.sort(key=lambda r: -r[sort_by] if _is_number(r[sort_by]) else math.inf)
    model = _model_metrics(f_outs, q_outs, n)
    return ComparisonResult(layers, model, error)


def _model_metrics(f_outs, q_outs, n):
    if not f_outs:
        return {"samples": 0, "output_sqnr": float("nan"), "output_mse": float("nan"), "top1_agreement": float("nan")}
    f = [np.concatenate([c[k] for c in f_outs]).astype(np.float64) for k in range(len(f_outs[0]))]
    q = [np.concatenate([c[k] for c in q_outs]).astype(np.float64) for k in range(len(q_outs[0]))]
    signal = sum(float(np.sum(a * a)) for a in f)
    noise = sum(float(np.sum((b - a) ** 2)) for a, b in zip(f, q))
    f0, q0 = f[0].reshape(n, -1), q[0].reshape(n, -1)
    return {
        "samples": int(n),
        "output_sqnr": _sqnr(signal, noise),
        "output_mse": float(np.mean((q0 - f0) ** 2)),
        "top1_agreement": float(np.mean(np.argmax(f0, axis=1) == np.argmax(q0, axis=1))),
    }


class ComparisonResult:
    """``layers``: one dict per shared tensor, worst first (the debugger's columns plus ``sqnr``,
    ``rmse/scale``, ``float_tensor_idx``); ``model``: output SQNR (dB), output MSE and top-1
    agreement of the first output."""

    def __init__(self, layers, model, error="model"):
        self.layers = layers
        self.model = model
        self.error = error  # the float reference: "model" or "layer" (see qtflite.compare)

    @property
    def layer_statistics(self) -> dict:
        """{tensor name: {metric: value}}, as QuantizationDebugger.layer_statistics."""
        return {r["tensor_name"]: {k: r[k] for k in _PER_SAMPLE} for r in self.layers}

    def to_dict(self) -> dict:
        def clean(v):
            if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
                return None if math.isnan(v) else ("inf" if v > 0 else "-inf")
            return v
        return {"error": self.error, "model": {k: clean(v) for k, v in self.model.items()},
                "layers": [{k: clean(v) for k, v in r.items()} for r in self.layers]}

    def to_csv(self, file=None, extra: bool = False):
        """Writes the layer statistics as QuantizationDebugger.layer_statistics_dump does (its
        columns, in its order; ``extra=True`` appends sqnr and rmse/scale) to `file` (a path or
        a text file); without `file`, returns the text."""
        columns = DEBUGGER_COLUMNS + (["sqnr", "rmse/scale"] if extra else [])
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, columns, extrasaction="ignore")
        writer.writeheader()
        for r in self.layers:
            writer.writerow(r)
        text = buffer.getvalue()
        if file is None:
            return text
        if hasattr(file, "write"):
            file.write(text)
        else:
            with open(file, "w", newline="") as f:
                f.write(text)
        return None

    def _table(self):
        head = ["tensor", "op", "rmse/scale", "SQNR dB", "MSE", "max |err|", "scale"]
        rows = [[r["tensor_name"], r["op_name"], f"{r['rmse/scale']:.3f}", f"{r['sqnr']:.1f}",
                 f"{r['mean_squared_error']:.3g}", f"{r['max_abs_error']:.3g}", f"{r['scale']:.3g}"]
                for r in self.layers]
        return head, rows

    def _summary(self):
        m = self.model
        return (f"{m['samples']:,} samples, {self.error} error: output SQNR {m['output_sqnr']:.1f} dB, top-1 agreement "
                f"{m['top1_agreement']:.4f}, output MSE {m['output_mse']:.3g}")

    def __repr__(self):
        head, rows = self._table()
        widths = [max(len(str(c)) for c in col) for col in zip(head, *rows)]
        fmt = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
        return "\n".join([f"ComparisonResult ({self._summary()})", fmt(head)] + [fmt(r) for r in rows])

    def _repr_html_(self):
        head, rows = self._table()
        th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
        return f"<table><caption>{html.escape(self._summary())}</caption><tr>{th}</tr>{body}</table>"

    def plot(self, ax=None):
        """rmse/scale (bars, with the 0.29 and 0.7 marks) and SQNR per tensor in graph order."""
        plt = need_matplotlib("ComparisonResult.plot()")
        rows = sorted(self.layers, key=lambda r: r["graph_order"])
        if ax is None:
            fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(rows) + 2), 4.5))
        else:
            fig = ax.figure
        names = [r["tensor_name"] for r in rows]
        ax.bar(range(len(rows)), [r["rmse/scale"] for r in rows], color="tab:blue", label="rmse/scale")
        ax.axhline(0.29, color="tab:green", linestyle="--", linewidth=1, label="0.29 (rounding only)")
        ax.axhline(0.7, color="tab:red", linestyle="--", linewidth=1, label="0.7 (suspicious)")
        ax.set_xticks(range(len(rows)))
        ax.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
        ax.set_ylabel("rmse / scale")
        ax.set_title(f"per-tensor quantization error; output SQNR {self.model['output_sqnr']:.1f} dB")
        twin = ax.twinx()
        twin.plot(range(len(rows)), [r["sqnr"] for r in rows], "o-", color="tab:orange", label="SQNR (dB)")
        twin.set_ylabel("SQNR (dB)")
        lines = ax.get_legend_handles_labels()
        lines2 = twin.get_legend_handles_labels()
        ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=8, loc="upper left")
        fig.tight_layout()
        return fig
