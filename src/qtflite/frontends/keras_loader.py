"""Reading Keras models without Keras: a `.keras` archive, a legacy full-model `.h5`, a
`to_json()` architecture plus a weights file, or a live model object (duck typing only).
Every source ends as a KerasModelSource: the model config (a dict as `get_config()` gives it,
checked by keras_config_schema) and each layer's weights in `get_weights()` order, keyed by
the layer's path of names, with the name of the dataset each array came from.

A damaged file raises KerasFileError naming the archive member, HDF5 object or attribute at
fault; h5py's and zipfile's own exceptions never escape."""
from __future__ import annotations

import io
import json
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field

import numpy as np

from ..errors import KerasFileError
from .keras_config_schema import check_model_config, is_nested_model
from .keras_graph import is_operation_node

__all__ = ["KerasModelSource", "load_keras_file", "load_keras_json", "from_keras_object"]

# The largest weight array qtflite reads: a .tflite file cannot hold more than 2 GiB.
MAX_WEIGHT_BYTES = 2 ** 31


@dataclass
class KerasModelSource:
    config: dict  # {"class_name": ..., "config": {...}} of the top model
    weights: dict = field(default_factory=dict)  # ("outer", "inner", layer_name) -> [np.ndarray]
    origin: str = ""
    keras_version: str = ""  # of the Keras that wrote it, when known
    config_part: str = "the model config"  # where the config is, for messages: "m.keras: config.json"
    weights_part: str = ""   # where the weights are, for messages: "m.keras: model.weights.h5"
    weight_names: dict = field(default_factory=dict)   # layer path -> [dataset name of each array]
    weight_groups: dict = field(default_factory=dict)  # layer path -> group its weights belong in

    @property
    def keras3(self) -> bool:
        """Keras 3 wrote it: from the recorded version, else from its config's spelling
        (Keras 3 names each layer's module)."""
        major = re.match(r"\s*(\d+)", self.keras_version or "")
        if major:
            return int(major.group(1)) >= 3
        layers = self.config.get("config", {}).get("layers", [])
        return any(isinstance(l, dict) and "module" in l for l in layers) or "module" in self.config

    def layer_weights(self, path):
        return self.weights.get(tuple(path), [])


def _h5py():
    import h5py
    return h5py


# ---------------------------------------------------------------- reading HDF5 defensively

# What h5py raises for a damaged object: OSError for unreadable data, KeyError for an object
# header it cannot open, TypeError/ValueError for a datatype with no NumPy equivalent.
_H5_ERRORS = (OSError, KeyError, ValueError, TypeError, RuntimeError)


class _H5Reader:
    """h5py access for one file part (e.g. "m.keras: model.weights.h5"), turning h5py's errors
    into KerasFileError naming the object."""

    def __init__(self, part: str):
        self.part = part

    def fail(self, name, what):
        raise KerasFileError(f"{self.part}: {name or '/'}: {what}")

    def child(self, parent, key, name):
        """parent[key], or None when there is no such link."""
        try:
            return parent.get(key)
        except _H5_ERRORS as e:
            self.fail(name, f"cannot be opened ({e})")

    def group(self, parent, key, name):
        obj = self.child(parent, key, name)
        if obj is not None and not isinstance(obj, _h5py().Group):
            self.fail(name, "is a dataset, expected a group")
        return obj

    def keys(self, group, name):
        try:
            return list(group.keys())
        except _H5_ERRORS as e:
            self.fail(name, f"cannot be listed ({e})")

    def attr(self, obj, key, name):
        try:
            return obj.attrs.get(key)
        except _H5_ERRORS as e:
            self.fail(name, f"attribute '{key}' cannot be read ({e})")

    def text_attr(self, obj, key, name):
        """A string attribute (h5py gives str or bytes), or None when absent."""
        raw = self.attr(obj, key, name)
        if raw is None:
            return None
        if isinstance(raw, np.ndarray) and raw.size == 1 and raw.dtype.kind in "SUO":
            raw = raw.reshape(-1)[0]
        if isinstance(raw, (bytes, np.bytes_)):
            try:
                return bytes(raw).decode("utf-8")
            except UnicodeDecodeError as e:
                self.fail(name, f"attribute '{key}' is not UTF-8 text ({e})")
        if not isinstance(raw, str):
            self.fail(name, f"attribute '{key}' should be text, got {type(raw).__name__}")
        try:
            raw.encode("utf-8")  # h5py keeps undecodable bytes as lone surrogates
        except UnicodeEncodeError as e:
            self.fail(name, f"attribute '{key}' is not UTF-8 text ({e})")
        return str(raw)

    def names_attr(self, obj, key, name):
        """A list-of-names attribute (layer_names, weight_names); h5py stores [] as float64."""
        raw = self.attr(obj, key, name)
        if raw is None:
            self.fail(name, f"has no '{key}' attribute")
        if isinstance(raw, np.ndarray) and raw.size == 0:
            return []
        if not isinstance(raw, np.ndarray) or raw.ndim != 1 or raw.dtype.kind not in "SUO":
            self.fail(name, f"attribute '{key}' should be a list of names, got {_describe(raw)}")
        out = []
        for n in raw:
            if isinstance(n, (bytes, np.bytes_)):
                try:
                    n = bytes(n).decode("utf-8")
                except UnicodeDecodeError:
                    self.fail(name, f"attribute '{key}' holds a name that is not UTF-8 text: {bytes(n)!r}")
            if not isinstance(n, str) or not n:
                self.fail(name, f"attribute '{key}' holds {n!r}, not a name")
            out.append(str(n))
        return out

    def array(self, parent, key, name):
        """The dataset parent[key] as a NumPy array of numbers, finite where floating point."""
        ds = self.child(parent, key, name)
        if ds is None:
            self.fail(name, "is missing")
        if not isinstance(ds, _h5py().Dataset):
            self.fail(name, "is a group, expected a weight dataset")
        try:
            dtype, shape = ds.dtype, ds.shape
        except _H5_ERRORS as e:
            self.fail(name, f"cannot be read ({e})")
        if dtype.kind not in "fiu":
            self.fail(name, f"has dtype {dtype}, expected numbers")
        if shape is None:
            self.fail(name, "holds no data (empty dataspace)")
        nbytes = int(np.prod(shape, dtype=np.float64)) * dtype.itemsize
        if nbytes > MAX_WEIGHT_BYTES:
            self.fail(name, f"has shape {shape}: larger than a .tflite file can hold")
        try:  # uncompressed data must be in the file: a damaged shape must not cost memory first
            contiguous = ds.chunks is None and ds.compression is None
            file_size = ds.file.id.get_filesize()
        except _H5_ERRORS as e:
            self.fail(name, f"cannot be read ({e})")
        if contiguous and nbytes > file_size:
            self.fail(name, f"has shape {shape} ({nbytes} bytes), more than the file holds")
        try:
            a = np.asarray(ds[()])
        except _H5_ERRORS as e:
            self.fail(name, f"cannot be read ({e})")
        return _checked_array(a, self.part, name)


def _describe(v):
    if isinstance(v, np.ndarray):
        return f"an array of {v.dtype} with shape {v.shape}"
    return type(v).__name__


def _checked_array(a, part, name):
    if a.dtype.kind not in "fiu":
        raise KerasFileError(f"{part + ': ' if part else ''}{name}: has dtype {a.dtype}, expected numbers")
    if a.dtype.kind == "f":
        bad = a.size - int(np.count_nonzero(np.isfinite(a)))
        if bad:
            raise KerasFileError(f"{part + ': ' if part else ''}{name}: holds {bad} NaN or infinite value"
                                 f"{'s' if bad > 1 else ''} (of {a.size})")
    return a


def _open_h5(source, part):
    try:
        return _h5py().File(source, "r")
    except _H5_ERRORS as e:
        raise KerasFileError(f"{part}: not a readable HDF5 file ({e})") from None


# ---------------------------------------------------------------- Keras 3 `.weights.h5`

def _snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def _rekey_keras3(config: dict, raw: dict, raw_names: dict, source: KerasModelSource):
    """Keras 3 names a model's weight groups after each layer's class, numbered in layer
    order ('conv2d', 'conv2d_1', ...), not after the layer's name; map them back to names."""

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
            if is_nested_model(layer):
                walk(layer, h5, name)
                continue
            source.weight_groups[name] = "layers/" + "/layers/".join(h5)
            for key in (h5, name):
                if key in raw:
                    source.weights[name] = raw[key]
                    source.weight_names[name] = raw_names[key]
                    break

    walk(config, (), ())


def _read_keras3_weights(h5file, config: dict, part: str, source: KerasModelSource):
    """Keras 3 stores each layer's variables under layers/<group>/vars/<i>; nested models
    under layers/<model>/layers/<group>/...; some layers keep sub-objects (LSTM: cell/vars)."""
    r = _H5Reader(part)
    raw, raw_names = {}, {}

    def read_vars(group, name, arrays, names):
        keys = r.keys(group, name)
        if sorted(keys) != sorted(str(i) for i in range(len(keys))):
            r.fail(name, f"holds {sorted(keys)[:8]}, expected datasets named 0, 1, ... {len(keys) - 1}")
        for i in range(len(keys)):
            arrays.append(r.array(group, str(i), f"{name}/{i}"))
            names.append(f"{name}/{i}")

    def sub_objects(group, name, arrays, names, depth=0):
        # Sub-objects such as an LSTM's cell, or a Bidirectional's forward_layer/cell and
        # backward_layer/cell: their variables follow in get_weights() order (forward first).
        if depth > 4:
            r.fail(name, "nests sub-objects deeper than any Keras layer does")
        for sub in sorted(r.keys(group, name), key=lambda k: (k != "forward_layer", k)):
            if sub in ("vars", "layers"):
                continue
            obj = r.child(group, sub, f"{name}/{sub}")
            if isinstance(obj, _h5py().Group):
                sub_vars = r.group(obj, "vars", f"{name}/{sub}/vars")
                if sub_vars is not None:
                    read_vars(sub_vars, f"{name}/{sub}/vars", arrays, names)
                sub_objects(obj, f"{name}/{sub}", arrays, names, depth + 1)

    def collect(group, name, path):
        arrays, names = [], []
        vars_ = r.group(group, "vars", f"{name}/vars")
        if vars_ is not None:
            read_vars(vars_, f"{name}/vars", arrays, names)
        sub_objects(group, name, arrays, names)
        if arrays:
            raw[tuple(path)] = arrays
            raw_names[tuple(path)] = names
        inner = r.group(group, "layers", f"{name}/layers")
        if inner is not None:
            walk(inner, f"{name}/layers", path)

    def walk(layers, name, path):
        for key in r.keys(layers, name):
            g = r.group(layers, key, f"{name}/{key}")
            if g is None:  # listed, but its link leads nowhere
                r.fail(f"{name}/{key}", "cannot be opened")
            collect(g, f"{name}/{key}", path + [key])

    layers = r.group(h5file, "layers", "layers")
    if layers is not None:
        walk(layers, "layers", [])
    source.weights_part = part
    _rekey_keras3(config, raw, raw_names, source)


# ---------------------------------------------------------------- legacy `.h5`

def _read_legacy_weights(group, name, part, source: KerasModelSource):
    """Legacy (Keras 2 and Keras 3 `save(..h5)`) weights: per layer a group whose
    `weight_names` attribute lists the datasets in get_weights() order."""
    r = _H5Reader(part)
    prefix = f"{name}/" if name else ""
    source.weights_part = part
    for layer_name in r.names_attr(group, "layer_names", name):
        gname = f"{prefix}{layer_name}"
        g = r.group(group, layer_name, gname)
        if g is None:
            r.fail(name, f"layer_names lists '{layer_name}', which has no group")
        source.weight_groups[(layer_name,)] = gname
        weight_names = r.names_attr(g, "weight_names", gname)
        for w in weight_names:
            if r.child(g, w, f"{gname}/{w}") is None:
                r.fail(gname, f"weight_names lists '{w}', which is missing")
        arrays = [r.array(g, w, f"{gname}/{w}") for w in weight_names]
        if arrays:
            source.weights[(layer_name,)] = arrays
            source.weight_names[(layer_name,)] = [f"{gname}/{w}" for w in weight_names]
            # A nested model saves its layers' weights under its own name; split them by
            # the inner layer named at the start of each weight path.
            for w, a in zip(weight_names, arrays):
                parts = w.split("/")
                if len(parts) >= 2 and parts[0] != layer_name:
                    source.weights.setdefault((layer_name, parts[0]), []).append(a)
                    source.weight_names.setdefault((layer_name, parts[0]), []).append(f"{gname}/{w}")
                    source.weight_groups[(layer_name, parts[0])] = gname


# ---------------------------------------------------------------- JSON parts

def _parse_json(data, where: str) -> dict:
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as e:
            raise KerasFileError(f"{where}: not UTF-8 text ({e})") from None
    try:
        obj = json.loads(data)
    except json.JSONDecodeError as e:
        raise KerasFileError(f"{where}: not valid JSON: {e}") from None
    except RecursionError:
        raise KerasFileError(f"{where}: JSON nested too deeply") from None
    if not isinstance(obj, dict):
        raise KerasFileError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    return obj


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
    raise KerasFileError(f"'{path}' is neither a Keras .keras archive (zip) nor an HDF5 .h5 file")


# What zipfile raises for a damaged archive or member (a compression method or encryption it
# does not support included).
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, OSError, NotImplementedError,
               RuntimeError, ValueError)


def _load_keras_archive(path) -> KerasModelSource:
    name = os.path.basename(path)
    try:
        z = zipfile.ZipFile(path)
    except _ZIP_ERRORS as e:
        raise KerasFileError(f"'{path}' is a corrupt Keras archive: {e}") from None

    def member(m):
        try:
            return z.read(m)
        except _ZIP_ERRORS as e:
            raise KerasFileError(f"{name}: {m}: cannot be read from the archive ({e})") from None

    with z:
        names = z.namelist()
        if "config.json" not in names:
            raise KerasFileError(f"{name}: the archive has no config.json (it holds {', '.join(names[:6]) or 'nothing'}):"
                                 " not a Keras archive")
        config = _parse_json(member("config.json"), f"{name}: config.json")
        version = ""
        if "metadata.json" in names:
            meta = _parse_json(member("metadata.json"), f"{name}: metadata.json")
            version = meta.get("keras_version", "")
            if not isinstance(version, str):
                raise KerasFileError(f"{name}: metadata.json: keras_version should be a string, got {version!r}")
        check_model_config(config, f"{name}: config.json")
        source = KerasModelSource(config, origin=path, keras_version=version, config_part=f"{name}: config.json",
                                  weights_part=f"{name}: model.weights.h5 (missing from the archive)")
        if "model.weights.h5" in names:
            part = f"{name}: model.weights.h5"
            with _open_h5(io.BytesIO(member("model.weights.h5")), part) as h:
                _read_keras3_weights(h, config, part, source)
    return source


def _load_legacy_h5(path) -> KerasModelSource:
    name = os.path.basename(path)
    with _open_h5(path, f"'{path}'") as h:
        r = _H5Reader(name)
        text = r.text_attr(h, "model_config", "/")
        if text is None:
            raise KerasFileError(f"'{path}' holds weights only (no model_config); pass the architecture "
                                 "too: from_keras_json(json, weights_path)")
        config = _parse_json(text, f"{name}: model_config")
        version = r.text_attr(h, "keras_version", "/") or ""
        check_model_config(config, f"{name}: model_config")
        source = KerasModelSource(config, origin=path, keras_version=version, config_part=f"{name}: model_config")
        group = r.group(h, "model_weights", "model_weights")
        if group is None:
            _read_legacy_weights(h, "", name, source)
        else:
            _read_legacy_weights(group, "model_weights", name, source)
    return source


def load_keras_json(architecture, weights_path=None) -> KerasModelSource:
    """`model.to_json()` (a string, or a path to a file holding it) plus a weights file: a
    Keras 3 `.weights.h5` or a legacy weights `.h5`."""
    where = "the architecture JSON"
    if isinstance(architecture, (str, os.PathLike)) and os.path.exists(os.fspath(architecture)):
        where = os.path.basename(os.fspath(architecture))
        with open(os.fspath(architecture), "rb") as f:
            architecture = f.read()
    if isinstance(architecture, (str, bytes, bytearray)):
        config = _parse_json(architecture, where)
    elif isinstance(architecture, dict):
        config = architecture
    else:
        raise TypeError(f"expected the architecture as JSON text, a path or a dict, got {type(architecture).__name__}")
    check_model_config(config, where)
    source = KerasModelSource(config, origin=where, config_part=where)
    if weights_path is not None:
        weights_path = os.fspath(weights_path)
        if not os.path.exists(weights_path):
            raise FileNotFoundError(f"no such weights file: '{weights_path}'")
        part = os.path.basename(weights_path)
        with _open_h5(weights_path, f"'{weights_path}'") as h:
            if _H5Reader(part).child(h, "layers", "layers") is not None:
                _read_keras3_weights(h, config, part, source)
            else:
                group = _H5Reader(part).group(h, "model_weights", "model_weights")
                if group is None:
                    _read_legacy_weights(h, "", part, source)
                else:
                    _read_legacy_weights(group, "model_weights", part, source)
        source.origin = weights_path
    return source


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
    where = f"{type(model).__name__}.get_config()"
    check_model_config(config, where)
    module = type(model).__module__
    # tf.keras 2 (keras.src.engine..., tf_keras.src.engine...) vs Keras 3 (keras.src.models...).
    version = "2" if ".engine" in module else "3"
    source = KerasModelSource(config, origin=type(model).__name__, keras_version=version, config_part=where)

    def collect(obj, path):
        for layer in getattr(obj, "layers", []):
            p = path + [layer.name]
            if hasattr(layer, "layers") and layer.__class__.__name__ in ("Sequential", "Functional", "Model"):
                collect(layer, p)
                continue
            ws = layer.get_weights()
            names = [f"layer '{'/'.join(p)}'.get_weights()[{k}]" for k in range(len(ws))]
            ws = [_checked_array(np.asarray(w), "", n) for w, n in zip(ws, names)]
            if ws:
                source.weights[tuple(p)] = ws
                source.weight_names[tuple(p)] = names

    collect(model, [])
    return source
