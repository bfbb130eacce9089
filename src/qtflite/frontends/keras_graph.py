"""A Keras model config (Sequential or functional, Keras 2 or Keras 3 spelling, nested models
inlined) as a flat, topologically ordered list of layer calls on named tensors."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import KerasFileError

__all__ = ["LayerCall", "KerasGraph", "TensorArg", "parse_keras_config"]

MODEL_CLASSES = ("Sequential", "Functional", "Model")
# Keras 3 serialises a keras.ops call inside a functional model (x + 3.0, ops.mean(x, 1), ...)
# as a node whose class is the operation, from one of these modules. Their class names can
# clash with layers (ops Add vs layers.Add), so their calls are named "ops.<Class>".
OPERATION_MODULES = ("keras.src.ops.", "keras.ops.")
OPERATION_PREFIX = "ops."


@dataclass
class LayerCall:
    name: str            # the layer's name (nested layers: "outer/inner")
    class_name: str
    config: dict
    weight_path: tuple   # key into KerasModelSource.weights
    inputs: list         # tensor ids
    outputs: list        # tensor ids
    call_kwargs: dict = field(default_factory=dict)
    # keras.ops calls only: the positional arguments and keyword arguments as the config
    # gives them, with each Keras tensor replaced by a TensorArg (its position in `inputs`).
    op_args: list = None
    op_kwargs: dict = None

    @property
    def is_operation(self) -> bool:
        return self.class_name.startswith(OPERATION_PREFIX)


@dataclass(frozen=True)
class TensorArg:
    index: int           # position in LayerCall.inputs


@dataclass
class ModelInput:
    tensor: str
    name: str
    batch_shape: list    # None for unknown dimensions
    dtype: str


@dataclass
class KerasGraph:
    name: str
    inputs: list         # [ModelInput]
    outputs: list        # tensor ids
    calls: list          # [LayerCall] in execution order
    output_names: list   # names for the outputs (Keras output layer names)


def _cfg(layer: dict) -> dict:
    return layer.get("config", {}) or {}


def _layer_name(layer: dict) -> str:
    return layer.get("name") or _cfg(layer).get("name")


def _input_shape_of(layer_cfg: dict):
    for key in ("batch_shape", "batch_input_shape"):
        if layer_cfg.get(key) is not None:
            return list(layer_cfg[key])
    if layer_cfg.get("input_shape") is not None:
        return [None] + list(layer_cfg["input_shape"])
    if layer_cfg.get("shape") is not None:
        return [None] + list(layer_cfg["shape"])
    return None


def _dtype_of(layer_cfg: dict) -> str:
    d = layer_cfg.get("dtype", "float32")
    if isinstance(d, dict):  # Keras 3 DTypePolicy
        d = d.get("config", {}).get("name", "float32")
    return d or "float32"


class _Builder:
    def __init__(self):
        self.calls = []

    def tensor(self, prefix, layer, node, index):
        return f"{prefix}{layer}:{node}:{index}"

    # ---- Sequential

    def sequential(self, config: dict, prefix: str, path: tuple, inputs):
        layers = config.get("layers", [])
        model_inputs = []
        current = inputs[0] if inputs else None
        for k, layer in enumerate(layers):
            cls, lcfg, name = layer["class_name"], _cfg(layer), _layer_name(layer)
            if cls == "InputLayer":
                if current is None:
                    shape = _input_shape_of(lcfg)
                    current = self.tensor(prefix, name, 0, 0)
                    model_inputs.append(ModelInput(current, name, shape, _dtype_of(lcfg)))
                continue
            if current is None:
                shape = _input_shape_of(lcfg) or _input_shape_of(config)
                if shape is None and config.get("build_input_shape") is not None:
                    shape = list(config["build_input_shape"])
                if shape is None:
                    raise KerasFileError(f"Sequential model '{config.get('name')}' does not say its input shape "
                                         "(no InputLayer, batch_input_shape or build_input_shape)")
                current = self.tensor(prefix, "input", 0, 0)
                model_inputs.append(ModelInput(current, config.get("name", "input") + "_input", shape, _dtype_of(lcfg)))
            out = self.layer_call(layer, prefix, path, [current], 0, {})
            current = out[0]
        return model_inputs, [current]

    # ---- Functional

    @staticmethod
    def _history_list(spec):
        """Normalise input_layers/output_layers to a list of [name, node, index]."""
        if not spec:
            return []
        if isinstance(spec[0], str):
            return [spec]
        return [list(s) for s in spec]

    def _keras3_args(self, obj, prefix, out):
        if isinstance(obj, dict) and obj.get("class_name") == "__keras_tensor__":
            name, node, index = obj["config"]["keras_history"]
            out.append(self.tensor(prefix, name, node, index))
        elif isinstance(obj, (list, tuple)):
            for o in obj:
                self._keras3_args(o, prefix, out)
        elif isinstance(obj, dict):
            for o in obj.values():
                self._keras3_args(o, prefix, out)

    def _keras3_template(self, obj, prefix, out):
        """obj with each Keras tensor replaced by a TensorArg; the tensors go to `out` in the
        order _keras3_args visits them."""
        if isinstance(obj, dict) and obj.get("class_name") == "__keras_tensor__":
            name, node, index = obj["config"]["keras_history"]
            out.append(self.tensor(prefix, name, node, index))
            return TensorArg(len(out) - 1)
        if isinstance(obj, (list, tuple)):
            return [self._keras3_template(o, prefix, out) for o in obj]
        if isinstance(obj, dict):
            return {k: self._keras3_template(o, prefix, out) for k, o in obj.items()}
        return obj

    def functional(self, config: dict, prefix: str, path: tuple, inputs):
        layers = config.get("layers", [])
        by_name = {_layer_name(l): l for l in layers}
        input_specs = self._history_list(config.get("input_layers"))
        model_inputs = []
        alias = {}
        for k, (name, node, index) in enumerate(input_specs):
            tid = self.tensor(prefix, name, node, index)
            if inputs:
                alias[tid] = inputs[k]
            else:
                lcfg = _cfg(by_name[name])
                model_inputs.append(ModelInput(tid, name, _input_shape_of(lcfg), _dtype_of(lcfg)))
        pending = []
        for layer in layers:
            if layer["class_name"] == "InputLayer":
                continue
            for node_index, node in enumerate(layer.get("inbound_nodes", [])):
                ins, kwargs = [], {}
                if isinstance(node, dict) and is_operation_node(layer):
                    args = self._keras3_template(node.get("args", []), prefix, ins)
                    kwargs = self._keras3_template(node.get("kwargs") or {}, prefix, ins)
                    kwargs = {"__op_args__": args, "__op_kwargs__": kwargs}
                elif isinstance(node, dict):  # Keras 3
                    self._keras3_args(node.get("args", []), prefix, ins)
                    kwargs = {k: v for k, v in (node.get("kwargs") or {}).items()
                              if not (isinstance(v, dict) and v.get("class_name") == "__keras_tensor__")}
                    self._keras3_args(node.get("kwargs", {}), prefix, ins)
                else:  # Keras 2: [[name, node, index, kwargs], ...]
                    for entry in node:
                        ins.append(self.tensor(prefix, entry[0], entry[1], entry[2]))
                        if len(entry) > 3 and isinstance(entry[3], dict):
                            kwargs.update(entry[3])
                pending.append((layer, node_index, ins, kwargs))
        # Emit in dependency order (configs list layers in creation order, which is usually
        # but not always call order).
        available = set(alias) | {mi.tensor for mi in model_inputs}
        resolved = dict(alias)
        while pending:
            progress = False
            rest = []
            for layer, node_index, ins, kwargs in pending:
                if all(t in available for t in ins):
                    outs = self.layer_call(layer, prefix, path, [resolved.get(t, t) for t in ins], node_index, kwargs)
                    name = _layer_name(layer)
                    for i, t in enumerate(outs):
                        tid = self.tensor(prefix, name, node_index, i)
                        resolved[tid] = t
                        available.add(tid)
                    progress = True
                else:
                    rest.append((layer, node_index, ins, kwargs))
            if not progress:
                layer, _, ins, _ = rest[0]
                missing = [t for t in ins if t not in available]
                raise KerasFileError(f"model '{config.get('name')}': the inputs {missing[:5]} (layer:node:tensor) of "
                                     f"layer '{_layer_name(layer)}' ({layer['class_name']}) come from no layer call "
                                     "(a missing layer, a wrong keras_history or a cycle)")
            pending = rest
        outputs = [resolved.get(self.tensor(prefix, n, nd, i), self.tensor(prefix, n, nd, i))
                   for n, nd, i in self._history_list(config.get("output_layers"))]
        return model_inputs, outputs

    # ---- one layer call (nested models are inlined)

    def layer_call(self, layer, prefix, path, inputs, node_index, kwargs):
        cls, lcfg, name = layer["class_name"], _cfg(layer), _layer_name(layer)
        if cls in MODEL_CLASSES or (cls not in ("InputLayer",) and "layers" in lcfg and
                                    ("input_layers" in lcfg or cls == "Sequential")):
            inner_prefix = f"{prefix}{name}/"
            if cls == "Sequential" or "input_layers" not in lcfg:
                _, outs = self.sequential(lcfg, inner_prefix, path + (name,), inputs)
            else:
                _, outs = self.functional(lcfg, inner_prefix, path + (name,), inputs)
            return outs
        outs = [self.tensor(prefix, name, node_index, 0)]
        if is_operation_node(layer):
            self.calls.append(LayerCall(f"{prefix}{name}", OPERATION_PREFIX + cls, lcfg, path + (name,), list(inputs),
                                        outs, {}, kwargs.get("__op_args__", []), kwargs.get("__op_kwargs__", {})))
            return outs
        self.calls.append(LayerCall(f"{prefix}{name}", cls, lcfg, path + (name,), list(inputs), outs, kwargs))
        return outs


def is_operation_node(layer: dict) -> bool:
    return str(layer.get("module") or "").startswith(OPERATION_MODULES)


def parse_keras_config(model_config: dict) -> KerasGraph:
    cls = model_config.get("class_name")
    cfg = model_config.get("config", {})
    if cls not in MODEL_CLASSES:
        raise NotImplementedError(f"cannot convert a Keras '{cls}': expected a Sequential or functional model")
    b = _Builder()
    if cls == "Sequential" or "input_layers" not in cfg:
        inputs, outputs = b.sequential(cfg, "", (), [])
        output_names = [b.calls[-1].name.split("/")[-1]] if b.calls else []
    else:
        inputs, outputs = b.functional(cfg, "", (), [])
        output_names = [n for n, _, _ in b._history_list(cfg.get("output_layers"))]
    for mi in inputs:
        if mi.batch_shape is None:
            raise KerasFileError(f"input '{mi.name}' has no known shape")
    return KerasGraph(cfg.get("name", "model"), inputs, outputs, b.calls, output_names)
