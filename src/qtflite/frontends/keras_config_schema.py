"""Checks a Keras model config before anything reads it: the structure the graph parser walks
(layers, names, connections, input shapes) and, per layer class, the fields its lowering
uses (types, ranges, required fields). A config that fails raises KerasFileError naming the
file part, the JSON path and the layer, e.g.

    model.keras: config.json: config.layers[1].config.filters (layer 'conv2d', Conv2D):
    expected a positive integer, got "abc"

Classes without a schema here are not checked field by field (their lowering reads what it
needs); fields a lowering ignores (initializers, regularizers, ...) are never checked."""
from __future__ import annotations

import json
import math
import numbers as _numbers

import numpy as np

from ..errors import KerasFileError
from .keras_graph import is_operation_node

__all__ = ["check_model_config", "is_nested_model", "LAYER_SCHEMAS", "MODEL_CLASSES"]

MODEL_CLASSES = ("Sequential", "Functional", "Model")
INT32_MAX = 2 ** 31 - 1


def _is_int(v):  # NumPy integers too: live models' get_config() may hold them
    return isinstance(v, _numbers.Integral) and not isinstance(v, (bool, np.bool_))


def _is_number(v):
    return isinstance(v, _numbers.Real) and not isinstance(v, (bool, np.bool_))


def _utf8(text: str) -> bool:
    """Names become tensor names in the .tflite: they must be encodable (no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def show(value) -> str:
    """A config value as JSON, shortened."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- field specs


class Spec:
    """What one config field may hold: `test(value)` and the words for it."""

    def __init__(self, test, expected, required=False, nullable=False):
        self.test, self.expected, self.required, self.nullable = test, expected, required, nullable

    def ok(self, value) -> bool:
        return (value is None and self.nullable) or (value is not None and self.test(value))

    def req(self):
        return Spec(self.test, self.expected, True, self.nullable)

    def or_null(self):
        return Spec(self.test, self.expected + " or null", self.required, True)


def integer(lo=1, hi=INT32_MAX):
    words = {1: "a positive integer", 0: "a non-negative integer"}.get(lo, f"an integer >= {lo}")
    return Spec(lambda v: _is_int(v) and lo <= v <= hi, words)


def any_integer():
    return Spec(lambda v: _is_int(v) and -INT32_MAX <= v <= INT32_MAX, "an integer")


def ints(n, lo=1):
    """An integer or a list of n integers (kernel_size, strides, ...)."""
    one = integer(lo).test
    words = {1: "positive", 0: "non-negative"}.get(lo, f">= {lo}")
    return Spec(lambda v: one(v) or (isinstance(v, (list, tuple)) and len(v) == n and all(one(x) for x in v)),
                f"a {words} integer or a list of {n} of them")


def boolean():
    # tf.keras 2 files sometimes hold 0/1 (e.g. BatchNormalization's scale).
    return Spec(lambda v: isinstance(v, (bool, np.bool_)) or (_is_int(v) and v in (0, 1)), "true or false")


def one_of(*values):
    return Spec(lambda v: isinstance(v, str) and v in values, "one of " + ", ".join(f'"{v}"' for v in values))


def string():
    return Spec(lambda v: isinstance(v, str), "a string")


def number(lo=None):
    return Spec(lambda v: _is_number(v) and math.isfinite(v) and (lo is None or v >= lo),
                "a finite number" + (f" >= {lo}" if lo is not None else ""))


def _finite_numbers(v):
    if isinstance(v, (list, tuple)):
        return len(v) > 0 and all(_finite_numbers(x) for x in v)
    return _is_number(v) and math.isfinite(v)


def _array_of_numbers(v):
    if not _finite_numbers(v):
        return False
    try:
        np.asarray(v, np.float64)  # nested lists must be rectangular
    except ValueError:
        return False
    return True


def numbers():
    """A number or a (nested, rectangular) list of numbers: Rescaling's scale, Normalization's mean."""
    return Spec(_array_of_numbers, "a finite number or an array of them")


def axes():
    return Spec(lambda v: any_integer().test(v) or (isinstance(v, (list, tuple)) and len(v) > 0
                                                    and all(any_integer().test(x) for x in v)),
                "an integer axis or a list of them")


def int_list(lo=1):
    return Spec(lambda v: isinstance(v, (list, tuple)) and all(integer(lo).test(x) for x in v),
                "a list of positive integers" if lo == 1 else f"a list of integers >= {lo}")


def target_shape():
    def test(v):
        return (isinstance(v, (list, tuple)) and len(v) > 0 and all(_is_int(d) and (d == -1 or 1 <= d <= INT32_MAX)
                                                                  for d in v) and sum(d == -1 for d in v) <= 1)
    return Spec(test, "a list of positive integers (one of them may be -1)")


def pads(rank):
    """ZeroPadding/Cropping: an integer, one (before, after) pair per spatial dimension or an
    integer per dimension; 1-D layers take (before, after) directly."""
    n = integer(0).test

    def test(v):
        if n(v):
            return True
        if not isinstance(v, (list, tuple)):
            return False
        if rank == 1:
            return len(v) == 2 and all(n(x) for x in v)
        return len(v) == rank and all(n(p) or (isinstance(p, (list, tuple)) and len(p) == 2 and all(n(x) for x in p))
                                      for p in v)
    return Spec(test, "a non-negative integer or one (before, after) pair per dimension")


def activation():
    # A name, or Keras 3's serialized function {"class_name": "function", "config": "relu", ...}.
    return Spec(lambda v: isinstance(v, str) or (isinstance(v, dict) and isinstance(v.get("class_name"), str)),
                "an activation name").or_null()


DATA_FORMAT = one_of("channels_last", "channels_first").or_null()


def _conv(rank, filters=True, causal=False):
    spec = {"kernel_size": ints(rank).req(), "strides": ints(rank), "dilation_rate": ints(rank),
            "padding": one_of("valid", "same", *(("causal",) if causal else ())), "data_format": DATA_FORMAT,
            "use_bias": boolean(), "activation": activation()}
    if filters:
        spec["filters"] = integer().req()
    return spec


def _pool(rank):
    return {"pool_size": ints(rank), "strides": ints(rank).or_null(), "padding": one_of("valid", "same"),
            "data_format": DATA_FORMAT}


_GLOBAL_POOL = {"keepdims": boolean(), "data_format": DATA_FORMAT}
_BN = {"axis": axes(), "epsilon": number(0), "center": boolean(), "scale": boolean()}

LAYER_SCHEMAS = {
    "Conv2D": dict(_conv(2), groups=integer()),
    "Conv1D": dict(_conv(1, causal=True), groups=integer()),
    "DepthwiseConv2D": dict(_conv(2, filters=False), depth_multiplier=integer()),
    "DepthwiseConv1D": dict(_conv(1, filters=False, causal=True), depth_multiplier=integer()),
    "SeparableConv2D": dict(_conv(2), depth_multiplier=integer()),
    "SeparableConv1D": dict(_conv(1, causal=True), depth_multiplier=integer()),
    "Conv2DTranspose": dict(_conv(2), output_padding=ints(2, lo=0).or_null()),
    "Dense": {"units": integer().req(), "use_bias": boolean(), "activation": activation()},
    "BatchNormalization": _BN,
    "LayerNormalization": _BN,
    "MaxPooling2D": _pool(2), "AveragePooling2D": _pool(2), "MaxPooling1D": _pool(1), "AveragePooling1D": _pool(1),
    "GlobalAveragePooling2D": _GLOBAL_POOL, "GlobalAveragePooling1D": _GLOBAL_POOL,
    "GlobalMaxPooling2D": _GLOBAL_POOL, "GlobalMaxPooling1D": _GLOBAL_POOL,
    "Flatten": {"data_format": DATA_FORMAT},
    "Reshape": {"target_shape": target_shape().req()},
    "Permute": {"dims": int_list().req()},
    "RepeatVector": {"n": integer().req()},
    "ZeroPadding2D": {"padding": pads(2), "data_format": DATA_FORMAT},
    "ZeroPadding1D": {"padding": pads(1)},
    "Cropping2D": {"cropping": pads(2), "data_format": DATA_FORMAT},
    "Cropping1D": {"cropping": pads(1)},
    "CenterCrop": {"height": integer().req(), "width": integer().req()},
    "UpSampling2D": {"size": ints(2), "interpolation": string(), "data_format": DATA_FORMAT},
    "UpSampling1D": {"size": integer()},
    "Resizing": {"height": integer().req(), "width": integer().req(), "interpolation": string(),
                 "crop_to_aspect_ratio": boolean(), "pad_to_aspect_ratio": boolean()},
    "Rescaling": {"scale": numbers(), "offset": numbers()},
    "Normalization": {"axis": axes().or_null(), "mean": numbers().or_null(), "variance": numbers().or_null(),
                      "invert": boolean()},
    "Activation": {"activation": activation().req()},
    "ReLU": {"max_value": number(0).or_null(), "negative_slope": number(0).or_null(), "threshold": number().or_null()},
    "LeakyReLU": {"negative_slope": number(), "alpha": number()},
    "PReLU": {"shared_axes": int_list().or_null()},
    "ELU": {"alpha": number()},
    "Softmax": {"axis": axes()},
    "Concatenate": {"axis": any_integer()},
}
for _alias, _name in {"Convolution2D": "Conv2D", "Convolution1D": "Conv1D", "SeparableConvolution2D": "SeparableConv2D",
                      "SeparableConvolution1D": "SeparableConv1D", "Convolution2DTranspose": "Conv2DTranspose",
                      "MaxPool2D": "MaxPooling2D", "AvgPool2D": "AveragePooling2D", "MaxPool1D": "MaxPooling1D",
                      "AvgPool1D": "AveragePooling1D", "GlobalAvgPool2D": "GlobalAveragePooling2D",
                      "GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D",
                      "GlobalMaxPool1D": "GlobalMaxPooling1D"}.items():
    LAYER_SCHEMAS[_alias] = LAYER_SCHEMAS[_name]


# ---------------------------------------------------------------- the walk

def is_nested_model(layer: dict) -> bool:
    """A layer of a model config that is itself a model (its layers are inlined), as the
    graph parser decides it."""
    cls, cfg = layer.get("class_name"), layer.get("config") or {}
    return cls in MODEL_CLASSES or ("layers" in cfg and ("input_layers" in cfg or cls == "Sequential"))


class _Checker:
    def __init__(self, where: str):
        self.where = where

    def fail(self, path, what, layer=None):
        at = f" (layer '{layer[0]}', {layer[1]})" if layer else ""
        raise KerasFileError(f"{self.where}: {path}{at}: {what}")

    def expect(self, ok, path, value, expected, layer=None):
        if not ok:
            self.fail(path, f"expected {expected}, got {show(value)}", layer)

    # ---- shapes and dtypes

    def dims(self, path, value, layer):
        dim = integer().test
        self.expect(isinstance(value, (list, tuple)) and len(value) > 0 and all(d is None or dim(d) for d in value),
                    path, value, "a list of positive integers (null for unknown sizes)", layer)

    def dtype(self, path, value, layer):
        if isinstance(value, dict):  # Keras 3 DTypePolicy
            cfg = value.get("config")
            self.expect(isinstance(cfg, dict) and isinstance(cfg.get("name"), str), path, value,
                        'a dtype name or a DTypePolicy {"config": {"name": ...}}', layer)
        else:
            self.expect(value is None or isinstance(value, str), path, value, "a dtype name", layer)

    # ---- one model (Sequential or functional), recursively

    def model(self, model: dict, path: str):
        self.expect(isinstance(model, dict), path or "<top>", model, "a model object")
        cls = model.get("class_name")
        self.expect(isinstance(cls, str), f"{path}.class_name".lstrip("."), cls, "a class name")
        cfg = model.get("config")
        self.expect(isinstance(cfg, dict), f"{path}.config".lstrip("."), cfg, "an object")
        if cls not in MODEL_CLASSES and "layers" not in cfg:
            return  # not a model; the converter says it cannot convert it
        self.body(cls, cfg, f"{path}.config".lstrip("."))

    def body(self, cls, cfg, path):
        layers = cfg.get("layers")
        self.expect(isinstance(layers, list), f"{path}.layers", layers, "a list of layers")
        if cfg.get("name") is not None:
            self.expect(isinstance(cfg["name"], str), f"{path}.name", cfg["name"], "a string")
        if cfg.get("build_input_shape") is not None:
            self.dims(f"{path}.build_input_shape", cfg["build_input_shape"], None)
        functional = cls != "Sequential" and "input_layers" in cfg
        names, classes = {}, {}
        for i, layer in enumerate(layers):
            lpath = f"{path}.layers[{i}]"
            name = self.layer(layer, lpath, functional)
            if name in names:
                self.fail(lpath, f"a second layer named '{name}' (the first is {names[name]})")
            names[name], classes[name] = lpath, layer["class_name"]
        if functional:
            for key in ("input_layers", "output_layers"):
                specs = self.history_list(cfg.get(key), f"{path}.{key}")
                if not specs:
                    self.fail(f"{path}.{key}", f"the model has no {key.split('_')[0]}s")
                for name, _, _ in specs:
                    if name not in names:
                        self.fail(f"{path}.{key}", f"names layer '{name}', which is not in {path}.layers")
                    if key == "input_layers" and classes[name] != "InputLayer":
                        self.fail(f"{path}.{key}", f"names layer '{name}' ({classes[name]}), which is not an "
                                  "InputLayer")

    def history(self, value, path, kwargs=False):
        """[layer name, node index, tensor index]; Keras 2 calls may add the call's kwargs."""
        ok = (isinstance(value, (list, tuple)) and len(value) in ((3, 4) if kwargs else (3,))
              and isinstance(value[0], str) and integer(0).test(value[1]) and integer(0).test(value[2]))
        self.expect(ok, path, value, "[layer name, node index, tensor index]" + (" (+ kwargs)" if kwargs else ""))
        return value[0], value[1], value[2]

    def history_list(self, spec, path):
        """input_layers/output_layers: one [name, node, index] or a list of them."""
        self.expect(isinstance(spec, (list, tuple)), path, spec, "a list of [layer name, node index, tensor index]")
        if spec and isinstance(spec[0], str):
            return [self.history(spec, path)]
        return [self.history(s, f"{path}[{k}]") for k, s in enumerate(spec)]

    def layer(self, layer, path, functional):
        self.expect(isinstance(layer, dict), path, layer, "a layer object")
        cls = layer.get("class_name")
        self.expect(isinstance(cls, str) and cls != "", f"{path}.class_name", cls, "a class name")
        cfg = layer.get("config")
        self.expect(isinstance(cfg, dict), f"{path}.config", cfg, "an object")
        name = layer.get("name") or cfg.get("name")
        self.expect(isinstance(name, str) and name != "" and _utf8(name), f"{path}.name", name, "a layer name")
        who = (name, cls)
        # Input shapes: an InputLayer's, or the first layer's of a Sequential model.
        shape_keys = [k for k in ("batch_shape", "batch_input_shape", "input_shape", "shape")
                      if cfg.get(k) is not None and (k != "shape" or cls == "InputLayer" or not functional)]
        for key in shape_keys:
            self.dims(f"{path}.config.{key}", cfg[key], who)
        if cls == "InputLayer" and not shape_keys:
            self.fail(f"{path}.config", "the input layer has no shape (batch_shape)", who)
        if "dtype" in cfg:
            self.dtype(f"{path}.config.dtype", cfg["dtype"], who)
        if functional and cls != "InputLayer":
            self.inbound_nodes(layer.get("inbound_nodes"), f"{path}.inbound_nodes", who)
        if is_nested_model(layer):
            self.body(cls, cfg, f"{path}.config")
        elif not is_operation_node(layer):  # keras.ops nodes: their lowerings check their arguments
            self.fields(cls, cfg, f"{path}.config", who)
        return name

    def inbound_nodes(self, nodes, path, who):
        self.expect(isinstance(nodes, list), path, nodes, "a list of calls", who)
        for n, node in enumerate(nodes):
            npath = f"{path}[{n}]"
            if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
                self.expect(isinstance(node.get("args", []), (list, tuple)), f"{npath}.args", node.get("args"),
                            "a list", who)
                self.expect(isinstance(node.get("kwargs") or {}, dict), f"{npath}.kwargs", node.get("kwargs"),
                            "an object", who)
                self.tensors(node.get("args", []), f"{npath}.args")
                self.tensors(node.get("kwargs") or {}, f"{npath}.kwargs")
            else:  # Keras 2: [[name, node, index, kwargs], ...]
                self.expect(isinstance(node, list), npath, node, "a call (an object or a list of inputs)", who)
                for e, entry in enumerate(node):
                    self.history(entry, f"{npath}[{e}]", kwargs=True)
                    if len(entry) > 3:
                        self.expect(entry[3] is None or isinstance(entry[3], dict), f"{npath}[{e}][3]", entry[3],
                                    "the call's keyword arguments (an object)", who)

    def tensors(self, obj, path):
        """Keras 3 call arguments: every __keras_tensor__ must say where it comes from."""
        if isinstance(obj, dict):
            if obj.get("class_name") == "__keras_tensor__":
                cfg = obj.get("config")
                self.expect(isinstance(cfg, dict), f"{path}.config", cfg, "an object")
                self.history(cfg.get("keras_history"), f"{path}.config.keras_history")
                return
            for k, v in obj.items():
                self.tensors(v, f"{path}.{k}")
        elif isinstance(obj, (list, tuple)):
            for k, v in enumerate(obj):
                self.tensors(v, f"{path}[{k}]")

    def fields(self, cls, cfg, path, who):
        for field, spec in LAYER_SCHEMAS.get(cls, {}).items():
            if field not in cfg:
                if spec.required:
                    self.fail(path, f"missing '{field}'", who)
                continue
            self.expect(spec.ok(cfg[field]), f"{path}.{field}", cfg[field], spec.expected, who)


def check_model_config(config, where: str) -> None:
    """Raises KerasFileError (naming `where`, e.g. "model.keras: config.json") at the first
    part of the model config the converter could not read."""
    _Checker(where).model(config, "")
