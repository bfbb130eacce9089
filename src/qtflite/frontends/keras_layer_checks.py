"""Checks made while lowering each layer call, once its input shapes are known: the number and
ranks of its inputs, config values that must agree with them (groups and channels, axes,
permutations, reshape sizes), the weights its config implies, and the shapes of the tensors
its lowering made. A failure raises KerasFileError naming the layer (and the weight dataset)."""
from __future__ import annotations

import numpy as np

from ..errors import KerasFileError

__all__ = ["check_layer_inputs", "check_new_tensors", "checked_weights", "INPUT_RANKS"]

MAX_DIM = 2 ** 31 - 1  # TFLite shapes and element counts are int32

_ANY = tuple(range(2, 7))  # batch + 1..5 dimensions
# Input ranks (batch included) of the single-input layers; None: any rank.
INPUT_RANKS = {}
for _names, _ranks in [
    (("Conv2D", "Convolution2D", "DepthwiseConv2D", "SeparableConv2D", "SeparableConvolution2D", "Conv2DTranspose",
      "Convolution2DTranspose", "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D", "GlobalAveragePooling2D",
      "GlobalAvgPool2D", "GlobalMaxPooling2D", "GlobalMaxPool2D", "ZeroPadding2D", "Cropping2D", "CenterCrop",
      "UpSampling2D", "Resizing"), (4,)),
    (("Conv1D", "Convolution1D", "DepthwiseConv1D", "SeparableConv1D", "SeparableConvolution1D", "MaxPooling1D",
      "MaxPool1D", "AveragePooling1D", "AvgPool1D", "GlobalAveragePooling1D", "GlobalAvgPool1D", "GlobalMaxPooling1D",
      "GlobalMaxPool1D", "ZeroPadding1D", "Cropping1D", "UpSampling1D"), (3,)),
    (("RepeatVector",), (2,)),
    (("Dense", "Flatten", "BatchNormalization", "LayerNormalization", "Permute", "PReLU", "Softmax", "Normalization"),
     _ANY),
    (("Reshape", "Rescaling", "Activation", "ReLU", "LeakyReLU", "ELU", "Dropout", "SpatialDropout1D",
      "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
      "ActivityRegularization", "Identity", "Masking"), None),
]:
    INPUT_RANKS.update(dict.fromkeys(_names, _ranks))

MERGES = {"Add", "Subtract", "Multiply", "Maximum", "Minimum", "Average"}


def _axes(value):
    return [value] if isinstance(value, int) else list(value or [])


def _check_axes(label, field, value, rank):
    for a in _axes(value):
        if not -rank <= a < rank:
            raise KerasFileError(f"{label}: {field} {a} is out of range for an input of rank {rank}")
        if a % rank == 0:
            raise NotImplementedError(f"{label}: {field} {a} is the batch axis; qtflite converts layers that work "
                                      "on each sample")


def _broadcast(a, b):
    """The broadcast of two shapes, or None if they do not broadcast."""
    out = []
    for x, y in zip(([1] * (len(b) - len(a)) + a), ([1] * (len(a) - len(b)) + b)):
        if x != y and 1 not in (x, y):
            return None
        out.append(max(x, y))
    return out


def check_layer_inputs(call, label: str, shapes: list) -> None:
    """Before lowering `call`: its inputs (their shapes, batch included) fit its class and config."""
    cls, cfg = call.class_name, call.config
    if cls in MERGES or cls == "Concatenate":
        least = 1 if cls == "Concatenate" else 2
        if len(shapes) < least or (cls == "Subtract" and len(shapes) != 2):
            raise KerasFileError(f"{label}: called on {len(shapes)} input(s), needs "
                                 f"{'exactly 2' if cls == 'Subtract' else f'at least {least}'}")
        if cls == "Concatenate":
            rank = len(shapes[0])
            axis = cfg.get("axis", -1)
            _check_axes(label, "axis", axis, rank)
            for s in shapes[1:]:
                if len(s) != rank or any(x != y for d, (x, y) in enumerate(zip(s, shapes[0])) if d != axis % rank):
                    raise KerasFileError(f"{label}: cannot concatenate shapes {shapes[0]} and {s} on axis {axis}")
        else:
            out = shapes[0]
            for s in shapes[1:]:
                out = _broadcast(out, s)
                if out is None:
                    raise KerasFileError(f"{label}: input shapes {' and '.join(map(str, shapes))} do not match")
        return
    if cls not in INPUT_RANKS:
        return
    if len(shapes) != 1:
        raise KerasFileError(f"{label}: takes one input, called on {len(shapes)}")
    shape, ranks = shapes[0], INPUT_RANKS[cls]
    rank = len(shape)
    if ranks is not None and rank not in ranks:
        want = ranks[0] if len(ranks) == 1 else f"{ranks[0]} to {ranks[-1]}"
        raise KerasFileError(f"{label}: needs an input of rank {want} (batch included), got shape {shape}")
    extra = _EXTRA_CHECKS.get(cls)
    if extra is not None:
        extra(label, cfg, shape)


def _conv_groups(label, cfg, shape):
    groups = cfg.get("groups", 1) or 1
    if shape[-1] % groups or cfg["filters"] % groups:
        raise KerasFileError(f"{label}: groups={groups} does not divide both the input depth {shape[-1]} and "
                             f"filters={cfg['filters']}")


def _permute(label, cfg, shape):
    if sorted(cfg["dims"]) != list(range(1, len(shape))):
        raise KerasFileError(f"{label}: dims {cfg['dims']} is not a permutation of 1..{len(shape) - 1}")


def _reshape(label, cfg, shape):
    target = list(cfg["target_shape"])
    total = int(np.prod(shape[1:], dtype=np.int64))
    known = int(np.prod([d for d in target if d != -1], dtype=np.int64))
    if (total % known if -1 in target else total != known):
        raise KerasFileError(f"{label}: cannot reshape {shape[1:]} ({total} values) to {target}")


def _prelu(label, cfg, shape):
    for a in cfg.get("shared_axes") or []:
        if not 1 <= a < len(shape):
            raise KerasFileError(f"{label}: shared_axes {a} is out of range for an input of rank {len(shape)}")


def _rescaling(label, cfg, shape):
    for field in ("scale", "offset"):
        vshape = list(np.shape(cfg.get(field, 0.0)))
        if _broadcast(list(shape[1:]), vshape) != list(shape[1:]):
            raise KerasFileError(f"{label}: {field} of shape {vshape} does not fit the input {shape}")


_EXTRA_CHECKS = {
    "Conv2D": _conv_groups, "Convolution2D": _conv_groups, "Conv1D": _conv_groups, "Convolution1D": _conv_groups,
    "BatchNormalization": lambda label, cfg, shape: _check_axes(label, "axis", cfg.get("axis", -1), len(shape)),
    "LayerNormalization": lambda label, cfg, shape: _check_axes(label, "axis", cfg.get("axis", -1), len(shape)),
    "Normalization": lambda label, cfg, shape: _check_axes(label, "axis", cfg.get("axis", -1), len(shape)),
    "Softmax": lambda label, cfg, shape: _check_axes(label, "axis", cfg.get("axis", -1), len(shape)),
    "Permute": _permute,
    "Reshape": _reshape,
    "PReLU": _prelu,
    "Rescaling": _rescaling,
}


def check_new_tensors(label: str, tensors, why="its configuration (kernel, pool or crop sizes, strides, "
                                                "padding) does not fit its input") -> None:
    """After lowering: every activation tensor made has a shape TFLite can hold."""
    for t in tensors:
        if t.get("data") is not None:
            continue
        shape = t["shape"]
        if any(d < 1 or d > MAX_DIM for d in shape) or int(np.prod(shape, dtype=np.float64)) > MAX_DIM:
            raise KerasFileError(f"{label}: would make tensor '{t['name']}' of shape {shape}: {why}")


# ---------------------------------------------------------------- weights

def _weight_rules(call, k, n):
    """(test, words) for array k of n of this layer class, beyond its shape."""
    if call.class_name == "BatchNormalization" and k == n - 1:  # moving_variance
        eps = float(call.config.get("epsilon", 1e-3))
        return (lambda a: a + np.float32(eps) > 0), "the moving variance (+ epsilon) must be positive"
    return None


def checked_weights(source, call, label: str, expected_shapes) -> list:
    """The layer's weight arrays as float32, checked against the count and shapes its config
    implies (None: any shape); errors name the dataset each array came from."""
    ws = source.layer_weights(call.weight_path)
    path = tuple(call.weight_path)
    names = source.weight_names.get(path) or [f"weight {k}" for k in range(len(ws))]
    part = f"{source.weights_part}: " if source.weights_part else ""
    n = len(expected_shapes)
    if len(ws) != n:
        group = source.weight_groups.get(path)
        want = ", ".join(str(tuple(s)) if s is not None else "any" for s in expected_shapes)
        if group is None:
            where = source.weights_part or "the model"
            raise KerasFileError(f"{label}: {where} has no weights for this layer, expected {n} arrays of shapes {want}")
        held = "no weight arrays" if not ws else f"{len(ws)} weight array{'s' if len(ws) > 1 else ''} ({', '.join(names)})"
        raise KerasFileError(f"{label}: {part}{group} holds {held}, expected {n} of shapes {want}")
    out = []
    for k, (w, name, shape) in enumerate(zip(ws, names, expected_shapes)):
        w = np.asarray(w, dtype=np.float32)
        if shape is not None and list(w.shape) != [int(d) for d in shape]:
            raise KerasFileError(f"{label}: {part}{name} has shape {tuple(w.shape)}, expected "
                                 f"{tuple(int(d) for d in shape)}")
        if not np.all(np.isfinite(w)):  # e.g. float64 weights beyond float32's range
            raise KerasFileError(f"{label}: {part}{name} has values beyond float32's range")
        rule = _weight_rules(call, k, n)
        if rule is not None and not np.all(rule[0](w)):
            raise KerasFileError(f"{label}: {part}{name}: {rule[1]}")
        out.append(w)
    return out
