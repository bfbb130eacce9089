"""``qtflite.quantize_auto``: int8 quantization that meets an accuracy budget on validation data.

It tries the calibration methods (quantize/calibration_methods.py) and keeps the most accurate
file; while that misses the budget, it keeps in float32 the operator whose own quantization
error is worst (qtflite.compare with error="layer": each tensor against its float operator run
on the quantized inputs), one at a time, through the converter's experimental_denylisted_nodes,
until the validation accuracy drop is within `max_drop`; then it returns to int8 each of those
operators whose float version the budget does not need. Every step's file is a standard TFLite
file (int8 with DEQUANTIZE/QUANTIZE around the float operators)."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

__all__ = ["quantize_auto", "AutoQuantizationReport"]

DEFAULT_METHODS = ("minmax", "percentile", "mse", "entropy")


@dataclass
class AutoQuantizationReport:
    """What quantize_auto chose and the validation accuracy of every step.

    ``steps``: one dict per file tried, in order: {"calibration", "float_operators" (operator
    output tensor names kept float), "accuracy", "drop"}; ``calibration`` and
    ``float_operators``: the returned file's; ``within_budget``: whether its drop is at most
    ``max_drop``; ``skipped``: [(operator, reason)] for operators that could not be kept float
    on their own (e.g. a RESHAPE sharing a constant with a quantized one)."""
    float_accuracy: float
    max_drop: float
    calibration: object = None
    float_operators: list = field(default_factory=list)
    accuracy: float = float("nan")
    steps: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # (operator, why it could not stay float alone)

    @property
    def drop(self) -> float:
        return self.float_accuracy - self.accuracy

    @property
    def within_budget(self) -> bool:
        return self.drop <= self.max_drop

    def __repr__(self):
        lines = [f"AutoQuantizationReport: float accuracy {self.float_accuracy:.4f}, chose calibration "
                 f"{_label(self.calibration)} with {len(self.float_operators)} float operator(s) "
                 f"{self.float_operators}: accuracy {self.accuracy:.4f} (drop {self.drop:.4f}, budget {self.max_drop})"]
        for s in self.steps:
            lines.append(f"  {_label(s['calibration']):<24} float ops {len(s['float_operators']):>2}  "
                         f"accuracy {s['accuracy']:.4f}  drop {s['drop']:+.4f}")
        return "\n".join(lines)


def _label(calibration):
    if isinstance(calibration, str) or calibration is None:
        return str(calibration)
    return calibration.method + (f"({calibration.percentile})" if calibration.percentile is not None else "")


def _converter_factory(model):
    """A function returning a fresh converter for `model`: a TFLiteConverter (copied, its
    settings kept), a Keras model, a .keras/.h5 path, or float .tflite bytes or path."""
    from .lite import TFLiteConverter
    if isinstance(model, TFLiteConverter):
        return lambda: copy.copy(model)
    if isinstance(model, (bytes, bytearray, memoryview)):
        flat = bytes(model)
        return lambda: TFLiteConverter.from_tflite(flat)
    if isinstance(model, str):
        if model.endswith(".tflite"):
            with open(model, "rb") as f:
                flat = f.read()
            return lambda: TFLiteConverter.from_tflite(flat)
        return lambda: TFLiteConverter.from_keras_file(model)
    return lambda: TFLiteConverter.from_keras_model(model)


def _validation(validation):
    try:
        x, y = validation
    except (TypeError, ValueError):
        raise ValueError("validation must be a pair (x, y) of inputs and integer labels") from None
    if len(y) == 0:
        raise ValueError("validation holds no samples")
    return x, y


def quantize_auto(model, representative_dataset, validation, *, max_drop=0.005, methods=DEFAULT_METHODS,
                  max_float_operators=None, compare_samples=256, client=None, progress=False):
    """(int8 .tflite bytes, AutoQuantizationReport): the first file found whose top-1 accuracy
    on `validation` = (x, y) is at most `max_drop` below the float model's, or, when none is,
    the most accurate one tried (report.within_budget says which).

    model: a qtflite TFLiteConverter (its options kept: I/O types, supported ops, ...), a Keras
    model, a .keras/.h5 path, or float .tflite bytes/path. methods: calibration methods (names
    or qtflite.Calibration) to try, most accurate kept (first on a tie). max_float_operators:
    how many operators at most to keep in float (None: any). compare_samples: validation
    samples used to rank the operators' errors. client: a dask.distributed.Client for the
    evaluations (qtflite.evaluate's)."""
    from . import lite
    from .compare import compare
    from .evaluate import evaluate
    from .quantize.calibration_methods import as_calibration
    if not isinstance(max_drop, (int, float)) or isinstance(max_drop, bool) or not 0.0 <= max_drop <= 1.0:
        raise ValueError(f"max_drop must be a number in [0, 1], got {max_drop!r}")
    methods = list(methods)
    if not methods:
        raise ValueError("methods must name at least one calibration method")
    for m in methods:
        as_calibration(m)  # bad names fail before any conversion
    x, y = _validation(validation)
    fresh = _converter_factory(model)

    def accuracy(flat):
        return float(evaluate(flat, x, y, client=client, progress=progress).accuracy)

    def convert(calibration, float_operators):
        c = fresh()
        c.optimizations = [lite.Optimize.DEFAULT]
        c.representative_dataset = representative_dataset
        c.experimental_calibration = calibration
        c.experimental_denylisted_nodes = list(float_operators)
        c.progress = progress
        return c.convert()

    float_converter = fresh()
    float_converter.optimizations = []
    float_converter.representative_dataset = None
    float_flat = float_converter.convert()
    report = AutoQuantizationReport(float_accuracy=accuracy(float_flat), max_drop=float(max_drop))

    def record(flat, calibration, float_operators):
        acc = accuracy(flat)
        report.steps.append({"calibration": calibration, "float_operators": list(float_operators), "accuracy": acc,
                             "drop": report.float_accuracy - acc})
        return acc

    best = None
    for m in methods:
        flat = convert(m, [])
        acc = record(flat, m, [])
        if best is None or acc > best[0]:
            best = (acc, m, flat)
    acc, method, flat = best
    chosen = (acc, [], flat)
    if report.float_accuracy - acc > max_drop:
        chosen = _keep_worst_in_float(flat, float_flat, x, compare_samples, max_drop, max_float_operators, report,
                                      lambda ops: convert(method, ops), record, method, chosen, compare)
    report.calibration, report.float_operators, report.accuracy = method, chosen[1], chosen[0]
    return chosen[2], report


def _operator_outputs(flat):
    from .model import load_model
    g = load_model(flat).to_dict()["subgraphs"][0]
    return {g["tensors"][o]["name"] for op in g["operators"] for o in op["outputs"]}


def _keep_worst_in_float(flat, float_flat, x, compare_samples, max_drop, limit, report, convert, record, method,
                         chosen, compare):
    """Adds operators to the float set, worst own error first, until the budget is met."""
    sample = x[:compare_samples] if not isinstance(x, (list, dict)) else x
    ranking = compare(float_flat, flat, sample, error="layer", progress=False).layers  # worst first
    # Name operators by their float output tensor, as experimental_denylisted_nodes does.
    producible = _operator_outputs(float_flat)
    order = [r["tensor_name"] for r in ranking if r["tensor_name"] in producible and np.isfinite(r["rmse/scale"])]
    float_ops = []
    for name in order:
        if limit is not None and len(float_ops) >= limit:
            break
        float_ops.append(name)
        try:
            candidate = convert(float_ops)
        except ValueError as e:  # an operator the quantizer cannot keep float alone: skip it
            float_ops.pop()
            report.skipped.append((name, str(e)))
            continue
        acc = record(candidate, method, float_ops)
        if acc > chosen[0]:
            chosen = (acc, list(float_ops), candidate)
        if report.float_accuracy - acc <= max_drop:
            return _fewest(float_ops, (acc, list(float_ops), candidate), max_drop, report, convert, record, method)
    return chosen


def _fewest(float_ops, chosen, max_drop, report, convert, record, method):
    """Drops, one at a time (the least damaging first), each float operator whose return to
    int8 keeps the budget: the greedy additions may have kept some that did not help."""
    for name in reversed(list(float_ops)):
        trial = [n for n in chosen[1] if n != name]
        candidate = convert(trial)
        acc = record(candidate, method, trial)
        if report.float_accuracy - acc <= max_drop:
            chosen = (acc, trial, candidate)
    return chosen
