"""Reading Keras models without Keras: a `.keras` archive, a legacy full-model `.h5`, a
`to_json()` architecture plus a weights file, or a live model object (duck typing only).
Every source ends as a KerasModelSource: the model config (a dict as `get_config()` gives it)
and each layer's weights in `get_weights()` order, keyed by the layer's path of names."""
from __future__ import annotations

import io
import json
import re
import os
import zipfile
from dataclasses import dataclass, field

import numpy as np

from .keras_graph import is_operation_node

__all__ = ["KerasModelSource", "load_keras_file", "load_keras_json", "from_keras_object"]


@dataclass
class KerasModelSource:
    config: dict  # {"class_name": ..., "config": {...}} of the top model
    weights: dict = field(default_factory=dict)  # ("outer", "inner", layer_name) -> [np.ndarray]
    origin: str = ""
    keras_version: str = ""  # of the Keras that wrote it, when known

    @property
    def keras3(self) -> bool:
        """Keras 3 wrote it: from the recorded version, else from its config's spelling
        (Keras 3 names each layer's module)."""
        if self.keras_version:
            return self.keras_version.split(".")[0] >= "3"
        layers = self.config.get("config", {}).get("layers", [])
        return any("module" in l for l in layers) or "module" in self.config

    def layer_weights(self, path):
        return self.weights.get(tuple(path), [])


def _h5py():
    import h5py
    return h5py


def _natural_key(name: str):
    return int(name) if name.isdigit() else name


# ---------------------------------------------------------------- Keras 3 `.weights.h5`

def _snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _rekey_keras3(config: dict, raw: dict) -> dict:
    """Keras 3 names a model's weight groups after each layer's class, numbered in layer
    order ('conv2d', 'conv2d_1', ...), not after the layer's name; map them back to names."""
    out = {}

    def walk(model_cfg, h5_path, name_path):
        counters = {}
        for layer in model_cfg.get("config", {}).get("layers", []):
            if is_operation_node(layer):
                continue  # keras.ops nodes are not layers: they have no weight group
            base = _snake_case(layer["class_name"])
            n = counters.get(base, 0)
            counters[base] = n + 1
            h5 = h5_path + (base if n == 0 else f"{base}_{n}",)
            name = name_path + (layer.get("name") or layer.get("config", {}).get("name"),)
            if "layers" in layer.get("config", {}):
                walk(layer, h5, name)
            elif h5 in raw:
                out[name] = raw[h5]
            elif name in raw:
                out[name] = raw[name]

    walk(config, (), ())
    return out


def _read_keras3_weights(h5file, config: dict) -> dict:
    """Keras 3 stores each layer's variables under layers/<group>/vars/<i>; nested models
    under layers/<model>/layers/<group>/...; some layers keep sub-objects (LSTM: cell/vars)."""
    weights = {}

    def collect(group, path):
        arrays = []
        if "vars" in group:
            vars_ = group["vars"]
            arrays.extend(np.asarray(vars_[k]) for k in sorted(vars_.keys(), key=_natural_key))
        for sub in sorted(group.keys()):
            if sub in ("vars", "layers"):
                continue
            obj = group[sub]
            if hasattr(obj, "keys") and "vars" in obj:  # a sub-object such as an LSTM cell
                arrays.extend(np.asarray(obj["vars"][k]) for k in sorted(obj["vars"].keys(), key=_natural_key))
        if arrays:
            weights[tuple(path)] = arrays
        if "layers" in group:
            for name in group["layers"].keys():
                collect(group["layers"][name], path + [name])

    if "layers" in h5file:
        for name in h5file["layers"].keys():
            collect(h5file["layers"][name], [name])
    return _rekey_keras3(config, weights)


# ---------------------------------------------------------------- legacy `.h5`

def _read_legacy_weights(group) -> dict:
    """Legacy (Keras 2 and Keras 3 `save(..h5)`) weights: per layer a group whose
    `weight_names` attribute lists the datasets in get_weights() order."""
    weights = {}

    def names_of(attr):
        return [n.decode() if isinstance(n, bytes) else str(n) for n in attr]

    for layer_name in names_of(group.attrs.get("layer_names", [])):
        g = group[layer_name]
        weight_names = names_of(g.attrs.get("weight_names", []))
        arrays = [np.asarray(g[w]) for w in weight_names]
        if arrays:
            # A nested model saves its layers' weights under its own name; split them by
            # the inner layer named at the start of each weight path.
            weights[(layer_name,)] = arrays
            for w, a in zip(weight_names, arrays):
                parts = w.split("/")
                if len(parts) >= 2 and parts[0] != layer_name:
                    weights.setdefault((layer_name, parts[0]), []).append(a)
    return weights


def _model_config_from_attr(raw) -> dict:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    return json.loads(raw)


# ---------------------------------------------------------------- entry points

def load_keras_file(path) -> KerasModelSource:
    """A `.keras` archive or a legacy full-model `.h5`."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such Keras model file: '{path}'")
    with open(path, "rb") as f:
        magic = f.read(8)
    if magic[:4] == b"PK\x03\x04":
        return _load_keras_archive(path)
    if magic == b"\x89HDF\r\n\x1a\n":
        return _load_legacy_h5(path)
    raise ValueError(f"'{path}' is neither a Keras .keras archive (zip) nor an HDF5 .h5 file")


def _load_keras_archive(path) -> KerasModelSource:
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if "config.json" not in names:
                raise ValueError(f"'{path}' is a zip file without config.json: not a Keras archive")
            config = json.loads(z.read("config.json"))
            version = json.loads(z.read("metadata.json")).get("keras_version", "") if "metadata.json" in names else ""
            weights = {}
            if "model.weights.h5" in names:
                with _h5py().File(io.BytesIO(z.read("model.weights.h5")), "r") as h:
                    weights = _read_keras3_weights(h, config)
    except zipfile.BadZipFile as e:
        raise ValueError(f"'{path}' is a corrupt Keras archive: {e}") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"'{path}': config.json is not valid JSON: {e}") from None
    except OSError as e:
        raise ValueError(f"'{path}': cannot read model.weights.h5: {e}") from None
    return KerasModelSource(config, weights, origin=path, keras_version=version)


def _load_legacy_h5(path) -> KerasModelSource:
    try:
        with _h5py().File(path, "r") as h:
            if "model_config" not in h.attrs:
                raise ValueError(f"'{path}' holds weights only (no model_config); pass the architecture "
                                 "too: from_keras_json(json, weights_path)")
            config = _model_config_from_attr(h.attrs["model_config"])
            version = h.attrs.get("keras_version", "")
            version = version.decode() if isinstance(version, bytes) else str(version)
            group = h["model_weights"] if "model_weights" in h else h
            weights = _read_legacy_weights(group)
    except OSError as e:
        raise ValueError(f"'{path}' is not a readable HDF5 file: {e}") from None
    return KerasModelSource(config, weights, origin=path, keras_version=version)


def load_keras_json(architecture, weights_path=None) -> KerasModelSource:
    """`model.to_json()` (a string, or a path to a file holding it) plus a weights file: a
    Keras 3 `.weights.h5` or a legacy weights `.h5`."""
    text = architecture
    if isinstance(architecture, (str, os.PathLike)) and os.path.exists(os.fspath(architecture)):
        with open(os.fspath(architecture)) as f:
            text = f.read()
    try:
        config = json.loads(text) if isinstance(text, str) else dict(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"the architecture is not valid JSON: {e}") from None
    weights = {}
    if weights_path is not None:
        weights_path = os.fspath(weights_path)
        if not os.path.exists(weights_path):
            raise FileNotFoundError(f"no such weights file: '{weights_path}'")
        try:
            with _h5py().File(weights_path, "r") as h:
                if "layers" in h:
                    weights = _read_keras3_weights(h, config)
                else:
                    weights = _read_legacy_weights(h["model_weights"] if "model_weights" in h else h)
        except OSError as e:
            raise ValueError(f"'{weights_path}' is not a readable HDF5 weights file: {e}") from None
    return KerasModelSource(config, weights, origin=str(weights_path or "json"))


def from_keras_object(model) -> KerasModelSource:
    """A live Keras 3 or tf.keras 2 model, used through `get_config()` and its layers'
    `get_weights()` only (no Keras import here)."""
    if not hasattr(model, "get_config") or not hasattr(model, "layers"):
        raise TypeError(f"expected a Keras model (with get_config() and layers), got {type(model).__name__}")
    config = {"class_name": type(model).__name__, "config": model.get_config()}
    if config["class_name"] not in ("Sequential", "Functional", "Model"):
        # A subclassed model keeps its structure in Python code, not in its config.
        if not isinstance(config["config"], dict) or "layers" not in config["config"]:
            raise NotImplementedError(
                f"{type(model).__name__} is a subclassed model whose structure is not in its config; "
                "build it as a Sequential or functional model to convert it")
        config["class_name"] = "Functional"
    weights = {}

    def collect(obj, path):
        for layer in getattr(obj, "layers", []):
            p = path + [layer.name]
            if hasattr(layer, "layers") and layer.__class__.__name__ in ("Sequential", "Functional", "Model"):
                collect(layer, p)
            else:
                ws = [np.asarray(w) for w in layer.get_weights()]
                if ws:
                    weights[tuple(p)] = ws

    collect(model, [])
    module = type(model).__module__
    # tf.keras 2 (keras.src.engine..., tf_keras.src.engine...) vs Keras 3 (keras.src.models...).
    version = "2" if ".engine" in module else "3"
    return KerasModelSource(config, weights, origin=type(model).__name__, keras_version=version)
