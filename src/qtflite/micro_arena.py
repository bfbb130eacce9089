"""The tensor arena a TensorFlow Lite Micro interpreter needs for a model, computed without
running it.

TFLite Micro splits its arena in two:

* the *head* (non-persistent): every activation tensor (not a constant, not a variable, not
  empty) and every per-operator scratch buffer, placed by its GreedyMemoryPlanner. qtflite
  reproduces that planner here: the same lifetimes (graph inputs and outputs created before the
  first operator, an operator's outputs created at its step, last use at the last step that
  reads them, graph outputs alive to the end), the same sizes (elements x type size rounded up
  to 16 bytes) and the same placement (buffers by decreasing size, ties in reverse order of
  addition, each at the lowest offset where it fits between the simultaneously live buffers
  already placed). For a single-subgraph model without offline-planned offsets, whose kernels
  request no scratch buffers, the head is exactly tflite-micro's (the tests check this against
  tflite-micro's RecordingMicroAllocator). Scratch buffers are the kernels' choice; the sizes
  used here (SCRATCH) are those of TFLite Micro's reference kernels as far as qtflite knows
  them and are an estimate for optimized kernel libraries (CMSIS-NN requests more).
* while planning, temporary bookkeeping (an AllocationInfo per tensor, the planner's arrays) sits
  beside the tail; for small models it, not the head, sets the arena size (planning_estimate).
* the *tail* (persistent): per-tensor and per-operator runtime structs, the kernels' OpData,
  per-channel requantization multipliers and the allocator's own objects. Their sizes depend on
  the pointer width and on each kernel's private structs, so qtflite only *estimates* them
  (PersistentModel); the estimate is calibrated to be at least tflite-micro's figure on 64-bit
  hosts for the models the tests use, and the 32-bit figure is scaled from the same structs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ArenaPlan", "plan_arena", "greedy_plan", "ALIGNMENT"]

ALIGNMENT = 16  # MicroArenaBufferAlignment()

_DTYPE_BYTES = {"float32": 4, "float16": 2, "float64": 8, "int8": 1, "uint8": 1, "int16": 2, "uint16": 2,
                "int32": 4, "uint32": 4, "int64": 8, "uint64": 8, "bool": 1, "complex64": 8, "int4": 1}


def _align(n, a=ALIGNMENT):
    return (n + a - 1) // a * a


def greedy_plan(buffers):
    """Offsets and total size for buffers [(size, first_step, last_step)], placed as TFLite
    Micro's GreedyMemoryPlanner places online-planned buffers. Returns (offsets, total)."""
    n = len(buffers)
    if n == 0:
        return [], 0
    # Added in order, copied from the back, then a stable sort by decreasing size: equal sizes
    # end up in reverse order of addition.
    order = sorted(reversed(range(n)), key=lambda i: -buffers[i][0])
    offsets = [None] * n
    placed = []  # (offset, buffer id), kept sorted by offset; ties keep insertion order
    for k, b in enumerate(order):
        size, first, last = buffers[b]
        candidate = 0
        if k > 0:
            for off, other in placed:
                o_size, o_first, o_last = buffers[other]
                if o_first > last or first > o_last:
                    continue  # not alive at the same time
                if off - candidate >= size:
                    break
                candidate = max(candidate, off + o_size)
        offsets[b] = candidate
        # Insert after every entry whose offset is <= candidate (the planner's list insertion),
        # except that a new smallest offset goes first.
        pos = 0
        if placed and placed[0][0] > candidate:
            pos = 0
        else:
            while pos < len(placed) and placed[pos][0] <= candidate:
                pos += 1
        placed.insert(pos, (candidate, b))
    total = max(offsets[i] + buffers[i][0] for i in range(n))
    return offsets, total


def tensor_bytes(t):
    """Bytes of a tensor as TfLiteEvalTensorByteLength counts them (the shape in the file)."""
    size = _DTYPE_BYTES.get(t["dtype"])
    if size is None:
        return 0
    return int(np.prod(t["shape"], dtype=np.int64)) * size if t["shape"] else size


# Scratch buffers TFLite Micro's reference kernels request in Prepare, in bytes, by operator:
# f(op, tensors) -> [bytes]. Operators not listed request none.
def _mean_scratch(op, tensors):
    out = tensors[op["outputs"][0]]
    if out["dtype"] in ("int8", "int16", "uint8"):
        return [4 * max(1, int(np.prod(out["shape"], dtype=np.int64)))]
    return []


def _transpose_conv_scratch(op, tensors):
    out = tensors[op["outputs"][0]]
    n = int(np.prod(out["shape"], dtype=np.int64))
    if out["dtype"] == "int8":
        return [4 * n]
    if out["dtype"] == "int16":
        return [8 * n]
    return []


SCRATCH = {"MEAN": _mean_scratch, "SUM": _mean_scratch, "TRANSPOSE_CONV": _transpose_conv_scratch}


@dataclass
class ArenaPlan:
    """TFLite Micro's arena for one model: `head_bytes` (activations and scratch buffers, the
    greedy plan), `tail_bytes` (persistent structs, estimated), `arena_bytes` (their sum: the
    size to give the interpreter, in a buffer declared `alignas(16)`), for `pointer_bytes` 8
    (64-bit host, as tflite-micro's Python interpreter) or 4 (32-bit microcontrollers)."""
    head_bytes: int
    tail_bytes: int
    pointer_bytes: int
    buffers: list = field(default_factory=list)  # [(tensor name, size, first, last, offset)]
    tail_parts: dict = field(default_factory=dict)

    planning_bytes: int = 0  # temporary memory of the planning step (beside the tail)

    @property
    def arena_bytes(self):
        """The arena to give TFLite Micro: the planned head beside the persistent tail, or, when
        larger, the temporary bookkeeping of the planning step beside the tail."""
        return self.tail_bytes + max(self.head_bytes, self.planning_bytes)

    def __repr__(self):
        return (f"ArenaPlan(arena_bytes={self.arena_bytes:,}: head {self.head_bytes:,} (activation plan, "
                f"{len(self.buffers)} buffers) + tail {self.tail_bytes:,} (persistent, estimated), planning "
                f"{self.planning_bytes:,}; {8 * self.pointer_bytes}-bit)")

    def to_dict(self):
        return {"arena_bytes": self.arena_bytes, "head_bytes": self.head_bytes, "tail_bytes": self.tail_bytes,
                "planning_bytes": self.planning_bytes,
                "pointer_bytes": self.pointer_bytes, "tail_parts": dict(self.tail_parts),
                "buffers": [dict(zip(("tensor", "bytes", "first_step", "last_step", "offset"), b))
                            for b in self.buffers]}


def _lifetimes(g):
    """{tensor index: [first, last]} by TFLite Micro's AllocationInfoBuilder for one subgraph
    (steps: 0 before the first operator, k+1 for operator k)."""
    life = {}
    for i in list(g["inputs"]) + list(g["outputs"]):
        life[i] = [0, 0]
    step = 0
    for op in g["operators"]:
        step += 1
        for o in op["outputs"]:
            life[o] = [step, step]
        for i in op["inputs"]:
            if i >= 0:
                if i in life:
                    life[i][1] = step
                else:
                    life[i] = [-1, step]
        for o in op["outputs"]:
            life[o][1] = step
    for o in g["outputs"]:
        life[o][1] = step
    return life


def head_plan(d):
    """(head bytes, [(name, size, first, last, offset)]) for model dict `d` (first subgraph)."""
    g = d["subgraphs"][0]
    tensors = g["tensors"]
    life = _lifetimes(g)
    entries, buffers = [], []
    for i, t in enumerate(tensors):
        nbytes = tensor_bytes(t)
        if t["data"] is not None or t.get("is_variable") or nbytes == 0:
            continue
        first, last = life.get(i, (-1, -1))  # never referenced: planned at step -1, as TFLM does
        buffers.append((_align(nbytes), first, last))
        entries.append(t["name"])
    for k, op in enumerate(g["operators"]):
        for nbytes in SCRATCH.get(op["opcode"], lambda *_: [])(op, tensors):
            buffers.append((_align(nbytes), k + 1, k + 1))
            entries.append(f"scratch of operator {k} ({op['opcode']})")
    offsets, total = greedy_plan(buffers)
    return total, [(n, b[0], b[1], b[2], o) for n, b, o in zip(entries, buffers, offsets)]


# ---- the persistent tail (an estimate)

# Bytes each kernel of TFLite Micro's reference library allocates persistently (its OpData, from
# Init/Prepare) on a 64-bit host, as measured with tflite-micro's RecordingMicroAllocator on the
# shared models; per-channel kernels add two int32 arrays (multipliers, shifts) per output
# channel. Operators not listed get DEFAULT_OP_DATA, which is a guess, not a measurement.
OP_DATA_64 = {"FULLY_CONNECTED": 72, "CONV_2D": 80, "DEPTHWISE_CONV_2D": 80, "SOFTMAX": 80, "AVERAGE_POOL_2D": 32,
              "MAX_POOL_2D": 32, "ADD": 64, "SUB": 64, "MUL": 64, "RESHAPE": 0, "QUANTIZE": 32, "DEQUANTIZE": 32,
              "UNIDIRECTIONAL_SEQUENCE_LSTM": 688}
DEFAULT_OP_DATA = 128
# Model-level persistent allocations besides the per-operator ones (64-bit, measured).
BASE_OP_DATA_64 = 16
# What tflite-micro's report leaves out of its sections (the allocator's and planner's own
# objects): 584 bytes for 3-4 operators up to 1352 for 31 on the shared models; bounded here by
# ALLOCATOR_BASE + ALLOCATOR_PER_OP x operators, with 40 bytes to spare on every shared model
# (and room for the arena start's alignment to 16 bytes, which TFLite Micro takes off a
# buffer that is not aligned).
ALLOCATOR_BASE = 600
ALLOCATOR_PER_OP = 26


def _per_channel_arrays(op, tensors):
    """Bytes of the per-channel multiplier and shift arrays a kernel allocates."""
    name = op["opcode"]
    if name not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV") or len(op["inputs"]) < 2:
        return 0
    w = tensors[op["inputs"][1]]
    if not w["shape"]:
        return 0
    channels = w["shape"][-1] if name == "DEPTHWISE_CONV_2D" else w["shape"][0]
    if name == "FULLY_CONNECTED":
        scales = (w.get("quantization") or {}).get("scales", [])
        if len(scales) <= 1:
            return 0  # per-tensor: no arrays
    return 2 * _align(4 * channels)


def tail_estimate(d, pointer_bytes=8):
    """The persistent part of the arena, estimated: {part: bytes}. For pointer_bytes=4 the
    interpreter's own structs take their 32-bit sizes; kernel data and allocator overhead keep
    the 64-bit measurements (structs do not grow on 32-bit targets: an upper bound there)."""
    g = d["subgraphs"][0]
    tensors = g["tensors"]
    wide = pointer_bytes == 8
    eval_tensor, node, lite_tensor, quant = (24, 64, 64, 32) if wide else (12, 32, 40, 24)
    io = list(g["inputs"]) + list(g["outputs"])
    quantized_io = sum(1 for i in io if len((tensors[i].get("quantization") or {}).get("scales", [])) > 0)
    op_data = BASE_OP_DATA_64
    for op in g["operators"]:
        op_data += _align(OP_DATA_64.get(op["opcode"], DEFAULT_OP_DATA)) + _per_channel_arrays(op, tensors)
    return {
        "eval tensors": _align(eval_tensor * len(tensors)),
        "nodes": _align(node * len(g["operators"])),
        "input/output tensors": _align(lite_tensor * len(io)),
        "input/output quantization": quantized_io * quant,
        "operator data": op_data,
        "variable tensors": sum(_align(tensor_bytes(t)) for t in tensors if t.get("is_variable")),
        "allocator": ALLOCATOR_BASE + ALLOCATOR_PER_OP * len(g["operators"]),
    }


def planning_estimate(d, n_buffers, pointer_bytes=8):
    """Temporary bytes TFLite Micro holds while it plans (an estimate): an AllocationInfo per
    tensor (32 bytes on 64-bit hosts, 24 on 32-bit), the planner's 40 bytes per buffer, and
    alignment. For small models whose activations are smaller than this, it, not the plan,
    sets the arena size (ad01_int8: 4632 bytes needed for a 768-byte plan)."""
    tensors = sum(len(g["tensors"]) for g in d["subgraphs"])
    info = 32 if pointer_bytes == 8 else 24
    return _align(info * tensors + 8 * len(d["subgraphs"])) + 40 * n_buffers + 64


def plan_arena(model, pointer_bytes=8):
    """The ArenaPlan of a model (bytes, path or model dict)."""
    if not isinstance(model, dict):
        from . import _core
        from .model import read_bytes
        model = _core.read_model(read_bytes(model)).to_dict()
    head, buffers = head_plan(model)
    parts = tail_estimate(model, pointer_bytes)
    return ArenaPlan(head_bytes=head, tail_bytes=sum(parts.values()), pointer_bytes=pointer_bytes, buffers=buffers,
                     tail_parts=parts, planning_bytes=planning_estimate(model, len(buffers), pointer_bytes))
