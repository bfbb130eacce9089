"""``qtflite.lite.TFLiteConverter``: TensorFlow's converter API without TensorFlow.

    converter = lite.TFLiteConverter.from_keras_model(model)   # or from_keras_file(path)
    tflite_bytes = converter.convert()
"""
from __future__ import annotations

import logging

from . import _core, dtypes
from ._core import Model
from .frontends.graph_builder import GraphBuilder
from .errors import KerasFileError, UnsupportedLayerError
from .frontends.keras_graph import parse_keras_config
from .frontends.keras_layer_checks import check_layer_inputs, check_new_tensors
from .frontends.keras_layers import LOWERINGS, SUPPORTED_LAYERS, LoweringContext
from .frontends.keras_loader import KerasModelSource, from_keras_object, load_keras_file, load_keras_json
from .lite_options import Optimize, OpsSet, TargetSpec, as_ops_set, as_optimization

__all__ = ["TFLiteConverter", "keras_to_model"]


# Models with at least this many layer calls get a progress bar while they are lowered.
LARGE_MODEL_LAYERS = 100


def keras_to_model(source: KerasModelSource, layer_tensors: dict | None = None, layer_ops: dict | None = None,
                   progress=None):
    """Lower a Keras model to qtflite's float32 IR (a qtflite.Model). `layer_tensors`, when
    given, receives {Keras layer or input name: IR tensor name} for cutting sub-models;
    `layer_ops` receives {Keras layer name: [output tensor names of the operators its lowering
    wrote]} (operators later folded away keep their names there but are gone from the model)."""
    try:
        graph = parse_keras_config(source.config)
    except KerasFileError as e:  # the parser knows the model, not which file part held it
        raise KerasFileError(f"{source.config_part}: {e}") from None
    keras3 = source.keras3
    dynamic_batch = all(mi.batch_shape[0] is None for mi in graph.inputs)
    b = GraphBuilder(dynamic_batch=dynamic_batch)
    tensors = {}
    for mi in graph.inputs:
        shape = [1 if d is None else int(d) for d in mi.batch_shape]
        if any(d is None for d in mi.batch_shape[1:]):
            raise NotImplementedError(f"input '{mi.name}' has unknown non-batch dimensions {mi.batch_shape}; "
                                      "give the model a fixed input shape")
        if mi.dtype not in ("float32", "float"):
            raise NotImplementedError(f"input '{mi.name}' has dtype {mi.dtype}; only float32 inputs are supported")
        t = b.activation(f"serving_default_{mi.name}:0", shape, batched=mi.batch_shape[0] is None)
        check_new_tensors(f"{source.config_part}: input '{mi.name}'", [b.tensors[t]],
                          why=f"more than TFLite's {2 ** 31 - 1} elements")
        b.inputs.append(t)
        tensors[mi.tensor] = t
    consumers = {}
    for call in graph.calls:
        for t in call.inputs:
            consumers[t] = consumers.get(t, 0) + 1
    ctx = LoweringContext(b, source, consumers, set(graph.outputs), keras3)
    from .progress import progress_bar
    large = len(graph.calls) >= LARGE_MODEL_LAYERS
    with progress_bar(len(graph.calls), "converting layers", progress if large else False, unit="layer") as bar:
        _lower_calls(graph, source, b, ctx, tensors, layer_tensors, layer_ops, bar)
    return _finish(graph, b, tensors, layer_tensors, layer_ops, keras3, source)


def _lower_calls(graph, source, b, ctx, tensors, layer_tensors, layer_ops, bar):
    for call in graph.calls:
        bar.update(1)
        lower = LOWERINGS.get(call.class_name)
        if lower is None:
            raise _unsupported(source.config, call, ctx.label(call))
        ins = [tensors[t] for t in call.inputs]
        check_layer_inputs(call, ctx.label(call), [b.shape(t) for t in ins])
        first_new = len(b.tensors)
        first_op = len(b.ops)
        outs = lower(ctx, call, ins)
        if layer_ops is not None:
            layer_ops.setdefault(call.name, []).extend(o for op in b.ops[first_op:] for o in op["outputs"])
        check_new_tensors(ctx.label(call), b.tensors[first_new:])
        for kt, t in zip(call.outputs, outs):
            tensors[kt] = t
        if layer_tensors is not None and outs:
            layer_tensors[call.name] = outs[0]


def _finish(graph, b, tensors, layer_tensors, layer_ops, keras3, source):
    missing = [t for t in graph.outputs if t not in tensors]
    if missing:
        raise KerasFileError(f"{source.config_part}: model '{graph.name}': output_layers names '{missing[0]}' "
                             "(layer:node:tensor), which no layer call produces")
    outputs = [tensors[t] for t in graph.outputs]
    # An output that is also an input (or appears twice) gets its own copy, as TFLite needs
    # distinct output tensors.
    for k, t in enumerate(outputs):
        b.tensors[t]["name"] = "StatefulPartitionedCall:0" if len(outputs) == 1 else f"StatefulPartitionedCall:{k}"
    b.outputs = outputs
    out_names = [f"output_{k}" for k in range(len(outputs))] if keras3 else graph.output_names
    if layer_tensors is not None:
        for mi in graph.inputs:
            layer_tensors[mi.name] = tensors[mi.tensor]
        for name, t in list(layer_tensors.items()):
            layer_tensors[name] = b.tensors[t]["name"]  # names survive the builder's renumbering
    if layer_ops is not None:
        for name, ts in list(layer_ops.items()):
            layer_ops[name] = [b.tensors[t]["name"] for t in ts]
    return b.build([(mi.name, tensors[mi.tensor]) for mi in graph.inputs], list(zip(out_names, outputs)))


def _layer_entry(model_config, layer_config):
    """The layer object of the model config whose "config" is `layer_config` (nested models
    searched too), for what the call does not keep: its module and registered name."""
    cfg = model_config.get("config") if isinstance(model_config, dict) else None
    for layer in (cfg.get("layers") or []) if isinstance(cfg, dict) else []:
        if layer.get("config") is layer_config:
            return layer
        found = _layer_entry(layer, layer_config)
        if found is not None:
            return found
    return None


def _unsupported(model_config, call, label):
    """The error for a layer class without a lowering, saying when it is a custom layer (whose
    code is not in the file) rather than a Keras layer qtflite does not support yet."""
    entry = _layer_entry(model_config, call.config) or {}
    module, registered = entry.get("module"), entry.get("registered_name")
    custom = []
    if isinstance(module, str) and module.split(".")[0] not in ("keras", "tf_keras", "tensorflow"):
        custom.append(f"module '{module}'")
    if isinstance(registered, str) and ">" in registered and not registered.startswith("keras"):
        custom.append(f"registered as '{registered}'")
    elif ">" in call.class_name:
        custom.append(f"registered as '{call.class_name}'")
    supported = (f"Supported layers: {', '.join(n for n in SUPPORTED_LAYERS if not n.startswith('ops.'))}; "
                 f"keras.ops operations: {', '.join(n for n in SUPPORTED_LAYERS if n.startswith('ops.'))}")
    if custom:
        why = (f"it is a custom layer ({', '.join(custom)}): its computation is Python code, which is not saved "
               "in the model file")
    elif call.class_name in ("Lambda", "TFOpLambda"):
        why = "it runs Python code (a function), which qtflite cannot translate"
    elif call.class_name.startswith("ops."):
        why = "qtflite's converter has no lowering for this keras.ops operation"
    else:
        why = "qtflite's converter has no lowering for this Keras layer class"
    return UnsupportedLayerError(f"{label} is not supported: {why}. {supported}", call.name, call.class_name)


def _names(items):
    """Layer names from names, Keras layers or Keras tensors."""
    if items is None:
        return []
    if isinstance(items, (str,)) or not isinstance(items, (list, tuple)):
        items = [items]
    out = []
    for it in items:
        if isinstance(it, str):
            out.append(it)
        elif hasattr(it, "_keras_history"):
            out.append(it._keras_history[0].name)
        elif hasattr(it, "name"):
            out.append(it.name)
        else:
            raise TypeError(f"expected a layer name, layer or Keras tensor, got {type(it).__name__}")
    return out


def _tensor_for(name, layer_tensors):
    if layer_tensors is None:
        return name  # converting a .tflite: cut points are tensor names
    if name not in layer_tensors:
        raise ValueError(f"no layer named '{name}' in the model; layers: {', '.join(layer_tensors)}")
    return layer_tensors[name]


def _dataset_at(dataset, full, graph_inputs, cut_inputs, sub):
    """The representative dataset as the sub-model sees it: samples given for the sub-model's
    own inputs pass through; samples for the whole model's inputs run through the part of the
    float model before the cut (batched, in qtflite's interpreter)."""
    import numpy as np
    from .interpreter import Interpreter
    from .quantize.calibrate import collect_samples
    from .submodel import cut_model

    sub_g = sub.to_dict()["subgraphs"][0]
    sub_shapes = [sub_g["tensors"][i]["shape"][1:] for i in sub_g["inputs"]]
    gen = getattr(dataset, "input_gen", dataset)

    def adapted():
        samples = list(gen())
        if not samples:
            return
        first = samples[0][1] if isinstance(samples[0], tuple) else samples[0]
        values = list(first.values()) if isinstance(first, dict) else list(first)
        if len(values) == len(sub_shapes) and all(list(np.shape(v))[-len(s):] == list(s) if s else True
                                                  for v, s in zip(values, sub_shapes)):
            yield from samples
            return
        full_g = full.to_dict()["subgraphs"][0]
        spec = [(full_g["tensors"][i]["name"], full_g["tensors"][i]["shape"]) for i in full_g["inputs"]]
        names = {t: n for n, t in full.to_dict()["signature_defs"][0]["inputs"]} if full.to_dict()["signature_defs"] else {}
        spec = [(names.get(i, n), s) for (n, s), i in zip(spec, full_g["inputs"])]
        stacked = collect_samples(lambda: iter(samples), spec)
        prefix = cut_model(full, graph_inputs, cut_inputs).serialize()
        it = Interpreter(model_content=prefix)
        for d, x in zip(it.get_input_details(), stacked):
            it.resize_tensor_input(d["index"], list(x.shape))
        it.allocate_tensors()
        for d, x in zip(it.get_input_details(), stacked):
            it.set_tensor(d["index"], x)
        it.invoke()
        outs = [it.get_tensor(d["index"]) for d in it.get_output_details()]
        for k in range(outs[0].shape[0]):
            yield [o[k:k + 1] for o in outs]
    return adapted


class TFLiteConverter:
    """Mirrors tf.lite.TFLiteConverter. Create it with a from_* class method."""

    def __init__(self, source: KerasModelSource | None, float_model: Model | None = None, inputs=None, outputs=None):
        self._source = source
        self._float_model = float_model
        self._cut = (_names(inputs), _names(outputs)) if inputs is not None or outputs is not None else None
        self.optimizations = set()
        self.representative_dataset = None
        self.target_spec = TargetSpec()
        self.inference_input_type = dtypes.float32
        self.inference_output_type = dtypes.float32
        self.allow_custom_ops = False
        self.experimental_new_converter = True
        self.experimental_new_quantizer = True
        self.experimental_new_dynamic_range_quantizer = True
        self.exclude_conversion_metadata = False
        self._experimental_disable_per_channel = False
        self._experimental_new_quantizer = True  # accepted for TF scripts; qtflite has one quantizer
        self._experimental_disable_per_channel_quantization_for_dense_layers = False
        # Selective quantization (TensorFlow QuantizationDebugOptions' denylisted_nodes/_ops):
        # layer or operator output tensor names, and TFLite operator names, kept in float32.
        self.experimental_denylisted_nodes = []
        # qtflite's calibration methods (quantize/calibration_methods.py): "minmax" (TensorFlow's),
        # "percentile", or a qtflite.Calibration with options.
        self.experimental_calibration = "minmax"
        # Empirical bias correction (quantize/bias_correction.py): off, as TensorFlow.
        self.experimental_bias_correction = False
        self.experimental_denylisted_ops = []
        self.progress = None  # progress bars: None = when the output is a terminal or notebook
        # Threads of the calibration pass (the representative dataset through qtflite's
        # interpreter): -1 = all cores, or n >= 1. The ranges do not depend on it.
        self.num_threads = -1
        self._layer_ops = None  # {layer name: operator output tensor names} of the last lowering

    @classmethod
    def from_keras_model(cls, model, inputs=None, outputs=None):
        """A live Keras 3 (any backend) or tf.keras 2 model; read through get_config() and
        its layers' weights only."""
        return cls(from_keras_object(model), inputs=inputs, outputs=outputs)

    @classmethod
    def from_keras_file(cls, path, inputs=None, outputs=None):
        """A Keras 3 `.keras` archive or a legacy full-model `.h5` file; Keras is not needed."""
        return cls(load_keras_file(path), inputs=inputs, outputs=outputs)

    @classmethod
    def from_tflite(cls, model):
        """An existing float32 .tflite (bytes or path) to re-quantize with the same options."""
        from .model import read_bytes
        float_model = _core.read_model(read_bytes(model))
        d = float_model.to_dict()
        g = d["subgraphs"][0]
        quantized = [t["name"] for t in g["tensors"] if t["dtype"] in ("int8", "uint8", "int16")
                     and t["data"] is None]
        if quantized:
            raise ValueError(f"from_tflite expects a float model; tensor '{quantized[0]}' is already "
                             f"{next(t['dtype'] for t in g['tensors'] if t['name'] == quantized[0])}")
        if not d["signature_defs"]:
            # Name inputs and outputs as TensorFlow's signature would, for representative data dicts.
            d["signature_defs"] = [{"key": "serving_default", "subgraph_index": 0,
                                    "inputs": [(g["tensors"][i]["name"], i) for i in g["inputs"]],
                                    "outputs": [(g["tensors"][i]["name"], i) for i in g["outputs"]]}]
            float_model = Model.from_dict(d)
        return cls(None, float_model=float_model)

    @classmethod
    def from_keras_json(cls, architecture, weights_path=None, inputs=None, outputs=None):
        """`model.to_json()` (string or file) plus a `.weights.h5` / legacy weights `.h5`."""
        return cls(load_keras_json(architecture, weights_path), inputs=inputs, outputs=outputs)

    # TensorFlow's debugger passes these as private converter options; both spellings work.
    _experimental_denylisted_nodes = property(lambda self: self.experimental_denylisted_nodes,
                                              lambda self, v: setattr(self, "experimental_denylisted_nodes", v))
    _experimental_denylisted_ops = property(lambda self: self.experimental_denylisted_ops,
                                            lambda self, v: setattr(self, "experimental_denylisted_ops", v))

    def _denylist(self, mode, model):
        """Indices of the float model's operators to keep in float (selective quantization)."""
        from .quantize.selective import as_names, denied_operators
        nodes = as_names(self.experimental_denylisted_nodes, "experimental_denylisted_nodes")
        ops = as_names(self.experimental_denylisted_ops, "experimental_denylisted_ops")
        if not nodes and not ops:
            return set()
        if mode in ("dynamic_range", "float16"):
            raise ValueError("experimental_denylisted_nodes/_ops select operators to keep in float during full-integer "
                             "quantization; set a representative_dataset (this conversion is "
                             f"{'dynamic-range' if mode == 'dynamic_range' else 'float16'} quantization)")
        if mode == "float":
            return set()
        ops_set = {as_ops_set(o) for o in (self.target_spec.supported_ops or ())}
        if mode == "int8_only" or (mode == "int16x8" and OpsSet.TFLITE_BUILTINS not in ops_set):
            raise ValueError("experimental_denylisted_nodes/_ops keep operators in float32, which "
                             "target_spec.supported_ops without TFLITE_BUILTINS does not allow (integer-only "
                             "operators); add lite.OpsSet.TFLITE_BUILTINS to supported_ops")
        return denied_operators(model.to_dict(), nodes, ops, self._layer_ops)

    def convert(self) -> bytes:
        from .quantize.calibration_methods import as_calibration
        calibration = as_calibration(self.experimental_calibration)  # bad names fail before any work
        mode = self._quantization_mode()
        model, dataset = self._float_model_and_dataset()
        denylist = self._denylist(mode, model)
        per_channel = not self._experimental_disable_per_channel
        per_channel_dense = not self._experimental_disable_per_channel_quantization_for_dense_layers
        if mode == "float":
            return model.serialize()
        if mode in ("dynamic_range", "float16"):
            from .quantize import weights_only
            d = model.to_dict()
            d = (weights_only.dynamic_range(d, per_channel, per_channel_dense) if mode == "dynamic_range"
                 else weights_only.float16(d))
            return Model.from_dict(d).serialize()
        from .quantize.full_integer import quantize_full_integer
        ops = {as_ops_set(o) for o in (self.target_spec.supported_ops or ())}
        # 16x8 falls back to float only when TFLITE_BUILTINS is allowed too (§B.7).
        int_only = mode == "int8_only" or (mode == "int16x8" and OpsSet.TFLITE_BUILTINS not in ops)
        return quantize_full_integer(
            model, dataset, input_type=self._io_type("inference_input_type").name,
            output_type=self._io_type("inference_output_type").name, int8_only=int_only,
            per_channel=per_channel, per_channel_dense=per_channel_dense,
            activation_bits=16 if mode == "int16x8" else 8, denylist=denylist,
            progress=self.progress, calibration=calibration,
            bias_correction=bool(self.experimental_bias_correction),
            num_threads=self.num_threads).serialize()

    @property
    def disable_per_channel(self) -> bool:
        """Quantize conv/depthwise/dense weights per tensor instead of per channel (the public
        name of TensorFlow's `_experimental_disable_per_channel`)."""
        return self._experimental_disable_per_channel

    @disable_per_channel.setter
    def disable_per_channel(self, value: bool):
        self._experimental_disable_per_channel = bool(value)

    # ---- sub-models and segments

    def _layer_tensors(self):
        if self._source is None:
            return None, self._float_model
        layer_tensors = {}
        self._layer_ops = {}
        return layer_tensors, keras_to_model(self._source, layer_tensors, self._layer_ops)

    def _float_model_and_dataset(self):
        self._layer_ops = None
        if self._cut is None:
            if self._float_model is not None:
                return self._float_model, self.representative_dataset
            self._layer_ops = {}
            model = keras_to_model(self._source, layer_ops=self._layer_ops, progress=self.progress)
            return model, self.representative_dataset
        from .submodel import cut_model
        layer_tensors, full = self._layer_tensors()
        g = full.to_dict()["subgraphs"][0]
        graph_in = [g["tensors"][i]["name"] for i in g["inputs"]]
        graph_out = [g["tensors"][i]["name"] for i in g["outputs"]]
        ins, outs = self._cut
        in_tensors = [_tensor_for(n, layer_tensors) for n in ins] if ins else graph_in
        out_tensors = [_tensor_for(n, layer_tensors) for n in outs] if outs else graph_out
        sub = cut_model(full, in_tensors, out_tensors, signature_inputs=ins or None, signature_outputs=outs or None)
        dataset = self.representative_dataset
        if dataset is not None and in_tensors != graph_in:
            dataset = _dataset_at(dataset, full, graph_in, in_tensors, sub)
        return sub, dataset

    def convert_segments(self, boundaries):
        """The converted model (with the current options) split at the outputs of the named
        layers into consecutive .tflite files; segment k's output tensor is segment k+1's input
        tensor, with the same dtype and quantization, so the pieces chain exactly."""
        from .submodel import cut_model
        if self._cut is not None:
            raise ValueError("convert_segments works on the whole model; create the converter without inputs/outputs")
        if not boundaries:
            raise ValueError("give at least one boundary layer")
        layer_tensors, _ = self._layer_tensors()
        whole = _core.read_model(self.convert())
        g = whole.to_dict()["subgraphs"][0]
        points = [[g["tensors"][i]["name"] for i in g["inputs"]]]
        points += [[_tensor_for(b, layer_tensors)] for b in boundaries]
        points += [[g["tensors"][i]["name"] for i in g["outputs"]]]
        return [cut_model(whole, points[k], points[k + 1]).serialize() for k in range(len(points) - 1)]

    # ---- option validation and mode selection (TensorFlow's lite.QuantizationMode)

    def _io_type(self, attr):
        value = getattr(self, attr)
        try:
            return dtypes.float32 if value is None else dtypes.as_dtype(value)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{attr}: {e}") from None

    def _quantization_mode(self) -> str:
        """'float', 'dynamic_range', 'float16', 'int8' (float fallback), 'int8_only' or 'int16x8',
        chosen from the options exactly as tf.lite.TFLiteConverter chooses."""
        optimizations = self.optimizations or ()
        if isinstance(optimizations, (str, Optimize)):
            raise TypeError("optimizations must be a list or set, e.g. [lite.Optimize.DEFAULT]")
        optimizations = {as_optimization(o) for o in optimizations}
        for deprecated in (Optimize.OPTIMIZE_FOR_SIZE, Optimize.OPTIMIZE_FOR_LATENCY):
            if deprecated in optimizations:
                logging.getLogger("qtflite").warning(
                    "Optimization option %s is deprecated, please use optimizations=[Optimize.DEFAULT] instead.",
                    deprecated)
        if Optimize.EXPERIMENTAL_SPARSITY in optimizations:
            raise NotImplementedError("Optimize.EXPERIMENTAL_SPARSITY (sparse weights) is not supported by qtflite")
        spec = self.target_spec
        ops = {as_ops_set(o) for o in (spec.supported_ops or ())}
        if OpsSet.EXPERIMENTAL_STABLEHLO_OPS in ops:
            raise NotImplementedError("OpsSet.EXPERIMENTAL_STABLEHLO_OPS is not supported by qtflite")
        try:
            types = {dtypes.as_dtype(t) for t in (spec.supported_types or ())}
        except (TypeError, ValueError) as e:
            raise ValueError(f"target_spec.supported_types: {e}") from None
        dataset = self.representative_dataset

        int8_required = OpsSet.TFLITE_BUILTINS_INT8 in ops or types == {dtypes.int8}
        if int8_required:
            if ops == {OpsSet.TFLITE_BUILTINS_INT8} and types not in (set(), {dtypes.int8}):
                raise ValueError("As full integer quantization has been enabled by setting "
                                 "`target_spec.supported_ops`={lite.OpsSet.TFLITE_BUILTINS_INT8}, thus "
                                 "`target_spec.supported_types` should be left uninitialized or set to {qtflite.int8}.")
            if types == {dtypes.int8}:
                ops = {OpsSet.TFLITE_BUILTINS_INT8}
            if not dataset:
                raise ValueError("For full integer quantization, a `representative_dataset` must be specified.")

        enabled = bool(optimizations & {Optimize.DEFAULT, Optimize.OPTIMIZE_FOR_SIZE, Optimize.OPTIMIZE_FOR_LATENCY})
        smallest = min(types, key=lambda t: t.size) if types else dtypes.int8
        int16x8 = OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8 in ops
        allow_float = OpsSet.TFLITE_BUILTINS in ops or OpsSet.SELECT_TF_OPS in ops
        mode = "float"
        if enabled and dataset is not None:
            if int16x8:
                mode = "int16x8"
            elif not allow_float and int8_required:
                mode = "int8_only"
            elif allow_float and smallest == dtypes.int8:
                mode = "int8"
        if mode == "float" and enabled:
            if dataset is None and smallest == dtypes.int8:
                mode = "dynamic_range"
            elif smallest.size == 2 and dtypes.float16 in types:
                mode = "float16"

        io_allowed = [dtypes.float32]
        if mode == "int16x8":
            io_allowed.append(dtypes.int16)
        elif mode in ("int8", "int8_only"):
            io_allowed += [dtypes.int8, dtypes.uint8, dtypes.int16]
        if any(self._io_type(a) not in io_allowed for a in ("inference_input_type", "inference_output_type")):
            if len(io_allowed) == 1:
                raise ValueError("The inference_input_type and inference_output_type must be float32 "
                                 "(integer input/output needs full-integer quantization).")
            raise ValueError("The inference_input_type and inference_output_type must be in "
                             f"{[t.name for t in io_allowed]}.")
        return mode
