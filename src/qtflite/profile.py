"""Per-operator profile: how long each operator of a model takes in qtflite's interpreter, as
TFLite's benchmark tool prints with op profiling.

``qtflite.profile(model, inputs)`` runs a model a few times with the C++ interpreter timing every
operator (a steady clock around each one; an interpreter that is not profiling takes no
timestamps), and returns a :class:`ProfileReport`. ``Interpreter(..., experimental_profile=True)``
profiles every ``invoke()`` of that interpreter; ``interpreter.get_profile()`` returns the report.
"""
from __future__ import annotations

from dataclasses import dataclass, asdict

import numpy as np

__all__ = ["profile", "ProfileReport", "OperatorTiming"]


@dataclass(frozen=True)
class OperatorTiming:
    """One operator of the graph: its index, opcode, calls, and time summed over the calls."""
    index: int
    opcode: str
    calls: int
    total_ms: float
    percent: float  # of the profiled invokes' whole time

    @property
    def ms_per_call(self) -> float:
        return self.total_ms / self.calls if self.calls else 0.0


class ProfileReport:
    """The per-operator times of ``invokes`` profiled invokes. ``operators`` lists every
    operator in graph order (operators computed once at allocation have zero calls);
    ``by_opcode()`` sums them per opcode; ``to_dict()`` gives plain data."""

    def __init__(self, operators, invokes: int, total_ms: float):
        self.operators = list(operators)
        self.invokes = int(invokes)
        self.total_ms = float(total_ms)

    @classmethod
    def _from_core(cls, raw) -> "ProfileReport":
        entries, invokes, total_ns = raw
        total_ms = total_ns / 1e6
        ops = [OperatorTiming(int(k), str(name), int(calls), ns / 1e6,
                              100.0 * ns / total_ns if total_ns else 0.0)
               for k, name, calls, ns in entries]
        return cls(ops, invokes, total_ms)

    @property
    def ms_per_invoke(self) -> float:
        return self.total_ms / self.invokes if self.invokes else 0.0

    @property
    def operators_ms(self) -> float:
        """The time inside operators (the rest of ``total_ms`` is the interpreter's loop)."""
        return sum(o.total_ms for o in self.operators)

    def by_opcode(self) -> dict:
        """{opcode: {"count": operators, "calls": ..., "total_ms": ..., "percent": ...}}, slowest first."""
        out: dict = {}
        for o in self.operators:
            e = out.setdefault(o.opcode, {"count": 0, "calls": 0, "total_ms": 0.0, "percent": 0.0})
            e["count"] += 1
            e["calls"] += o.calls
            e["total_ms"] += o.total_ms
            e["percent"] += o.percent
        return dict(sorted(out.items(), key=lambda kv: -kv[1]["total_ms"]))

    def top(self, n: int = 10):
        """The n slowest operators."""
        return sorted(self.operators, key=lambda o: -o.total_ms)[:n]

    def to_dict(self) -> dict:
        return {
            "invokes": self.invokes,
            "total_ms": self.total_ms,
            "ms_per_invoke": self.ms_per_invoke,
            "operators": [dict(asdict(o), ms_per_call=o.ms_per_call) for o in self.operators],
            "by_opcode": self.by_opcode(),
        }

    def __repr__(self) -> str:
        lines = [f"ProfileReport: {self.invokes} invoke(s), {self.ms_per_invoke:.3f} ms per invoke "
                 f"({self.operators_ms / max(self.invokes, 1):.3f} ms in operators)",
                 f"  {'opcode':28s} {'ops':>4s} {'ms/invoke':>10s} {'%':>6s}"]
        for name, e in self.by_opcode().items():
            lines.append(f"  {name:28s} {e['count']:4d} {e['total_ms'] / max(self.invokes, 1):10.3f} "
                         f"{e['percent']:6.1f}")
        lines.append(f"  slowest operators:  {'#':>4s} {'opcode':28s} {'ms/call':>10s} {'%':>6s}")
        for o in self.top(10):
            lines.append(f"  {'':19s} {o.index:4d} {o.opcode:28s} {o.ms_per_call:10.3f} {o.percent:6.1f}")
        return "\n".join(lines)


def _as_input(x, detail):
    x = np.asarray(x)
    dtype = np.dtype(detail["dtype"])
    if np.issubdtype(dtype, np.integer) and np.issubdtype(x.dtype, np.floating):
        scale, zp = detail["quantization"]
        info = np.iinfo(dtype)
        q = np.floor(np.abs(x / scale) + 0.5) * np.sign(x / scale) + zp  # half away from zero
        x = np.clip(q, info.min, info.max)
    return x.astype(dtype)


def _random_input(detail, rng):
    dtype = np.dtype(detail["dtype"])
    shape = [max(int(d), 1) for d in detail["shape"]]
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -128), min(info.max, 127) + 1, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def profile(model, inputs=None, *, runs: int = 10, warmup: int = 1, numerics: str = "micro",
            experimental_op_resolver_type=None) -> ProfileReport:
    """Profiles `model` (``.tflite`` bytes, a path, or a ``qtflite.lite.Interpreter``) on `inputs`:
    one array or a list of arrays, one per model input, shaped as the input (a leading batch axis
    other than the model's resizes it; float arrays are quantized for integer inputs). Without
    inputs, random ones. `warmup` unprofiled invokes, then `runs` profiled ones."""
    from .interpreter import Interpreter

    if isinstance(model, Interpreter):
        it = model
    else:
        kwargs = {"model_path": model} if isinstance(model, str) else {"model_content": bytes(model)}
        it = Interpreter(**kwargs, numerics=numerics, experimental_op_resolver_type=experimental_op_resolver_type)
    details = it.get_input_details()
    if inputs is None:
        rng = np.random.default_rng(0)
        arrays = [_random_input(d, rng) for d in details]
    else:
        arrays = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(arrays) != len(details):
            raise ValueError(f"the model has {len(details)} input(s), got {len(arrays)} array(s)")
        arrays = [_as_input(a, d) for a, d in zip(arrays, details)]
    for a, d in zip(arrays, details):
        if list(a.shape) != list(d["shape"]):
            it.resize_tensor_input(d["index"], list(a.shape))
    if not it._impl.ready or any(list(a.shape) != list(it._impl.shape(d["index"])) for a, d in zip(arrays, details)):
        it.allocate_tensors()
    for a, d in zip(arrays, details):
        it.set_tensor(d["index"], a)
    was_profiling = it._profiling
    it._impl.set_profiling(False)
    for _ in range(int(warmup)):
        it.invoke()
    it._impl.set_profiling(True)
    try:
        for _ in range(int(runs)):
            it.invoke()
        return ProfileReport._from_core(it._impl.profile())
    finally:
        it._impl.set_profiling(was_profiling)
