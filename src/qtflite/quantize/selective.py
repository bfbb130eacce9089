"""Selective quantization: the operators a user keeps in float32 (TensorFlow QuantizationDebugger's
`denylisted_nodes` / `denylisted_ops`), found in the float model before quantizing.

A node is named by the name of an operator's output tensor (as TensorFlow's debugger names it)
or, for a model converted from Keras, by a layer name (all operators that layer became). An op is
named by its TFLite builtin name ("CONV_2D"). The quantizer then gives those operators float
inputs and outputs, with DEQUANTIZE before and QUANTIZE after where their neighbours are integer.
"""
from __future__ import annotations

__all__ = ["as_names", "denied_operators"]


def as_names(value, what):
    """A list of names from a string or an iterable of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        names = list(value)
    except TypeError:
        raise TypeError(f"{what} must be a list of names, got {type(value).__name__}") from None
    bad = [n for n in names if not isinstance(n, str)]
    if bad:
        raise TypeError(f"{what} must hold names (str), got {type(bad[0]).__name__}")
    return names


def _preview(names, limit=40):
    names = list(dict.fromkeys(names))
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


def denied_operators(d, nodes=(), ops=(), layer_ops=None):
    """Indices of the operators of model dict `d` (first subgraph) to keep in float: those whose
    opcode is in `ops`, and those named by `nodes` (an output tensor name, or a key of
    `layer_ops`, {layer name: [output tensor names]}). Unknown names raise ValueError naming the
    known ones."""
    g = d["subgraphs"][0]
    tensors = g["tensors"]
    by_tensor = {}
    for k, op in enumerate(g["operators"]):
        for o in op["outputs"]:
            by_tensor[tensors[o]["name"]] = k
    opcodes = [op["opcode"] for op in g["operators"]]
    denied = set()
    unknown_ops = [n for n in ops if n.upper() not in opcodes]
    if unknown_ops:
        raise ValueError(f"experimental_denylisted_ops: the model has no operator {unknown_ops[0]!r}; its operators "
                         f"are {_preview(opcodes)}")
    wanted = {n.upper() for n in ops}
    denied.update(k for k, c in enumerate(opcodes) if c in wanted)
    layer_ops = layer_ops or {}
    for name in nodes:
        if name in layer_ops:
            found = {by_tensor[t] for t in layer_ops[name] if t in by_tensor}
            if not found:
                raise ValueError(f"experimental_denylisted_nodes: layer {name!r} has no operator of its own in the "
                                 "converted model (it was folded into its neighbours or is only data movement)")
            denied.update(found)
        elif name in by_tensor:
            denied.add(by_tensor[name])
        else:
            layers = [n for n, ts in layer_ops.items() if any(t in by_tensor for t in ts)]
            known = (f"layers {_preview(layers)}; " if layers else "") + f"operator output tensors {_preview(by_tensor)}"
            raise ValueError(f"experimental_denylisted_nodes: no layer or operator output tensor named {name!r}; "
                             f"known names: {known}")
    return denied
