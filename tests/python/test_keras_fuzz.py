"""Mutation testing of the Keras frontend: truncated or corrupted .keras archives, configs with
missing fields or wrong types, weights that are missing, misshapen, of the wrong dtype or not
finite, unknown and custom layer classes — in .keras archives, legacy .h5 files and
JSON + weights pairs made from the shared Keras files.

Every mutated model must either convert (and the .tflite written must then load and run in
qtflite's interpreter), or raise qtflite.KerasFileError (malformed; the message names the file
part or the layer) or NotImplementedError (well-formed but unsupported). Anything else — a
KeyError or TypeError leaking from the frontend, a crash in h5py, zipfile or the C++ core, a
hang — is a bug, reported with the mutation's name.

The mutations run in a child process, each under a watchdog, so that a crash or a hang is a
test failure naming the mutation instead of a dead test run. Mutation k of a seed file depends
only on (seed file, k), so any one can be replayed alone:

    python tests/python/test_keras_fuzz.py --replay 'mobile_mnist.keras#123'

QTFLITE_KERAS_MUTATIONS sets the total number of mutations (default 1200; e.g. 20000 for a
long local run), QTFLITE_KERAS_FUZZ_SEED other mutations than CI's (their labels end in
"@seed"); `--child --shard 0/2` runs half of them, for running shards side by side.
"""
import faulthandler
import io
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
import subprocess
import warnings
import zipfile

import numpy as np
import pytest

import qtflite
from qtflite import lite

SHARED = os.environ.get(
    "QTFLITE_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
DATA = os.path.join(SHARED, "data")

DEFAULT_SEED = 20250109
# Another seed explores other mutations in a long local run; labels then end in "@seed".
SEED = int(os.environ.get("QTFLITE_KERAS_FUZZ_SEED", DEFAULT_SEED))
DEFAULT_MUTATIONS = 1200
WATCHDOG_SECONDS = 60  # one mutation; a clean conversion of the largest seed takes < 1 s
# (name, kind, files relative to DATA, share of the mutations). Smaller files get more: they
# convert faster and between them hold every layer class of the larger ones.
SEEDS = [
    ("mnist_cnn_seed.keras", "keras", ["keras/mnist_cnn_seed.keras"], 14),
    ("mobile_mnist.keras", "keras", ["keras/mobile_mnist.keras"], 18),
    ("mnist_cnn_gowtham.keras", "keras", ["keras/mnist_cnn_gowtham.keras"], 4),
    ("mnist_cnn_moonflower.keras", "keras", ["keras/mnist_cnn_moonflower.keras"], 4),
    ("cifar10_cnn_sairaj.keras", "keras", ["keras/cifar10_cnn_sairaj.keras"], 3),
    ("kws_cnn.keras", "keras", ["keras/kws_cnn.keras"], 3),
    ("har_lstm.keras", "keras", ["keras/har_lstm.keras"], 3),
    ("mnist_cnn_seed_legacy.h5", "h5", ["keras/mnist_cnn_seed_legacy.h5"], 12),
    ("mnist_cnn_moonflower.h5", "h5", ["keras/mnist_cnn_moonflower.h5"], 4),
    ("kws_cnn.h5", "h5", ["keras/kws_cnn.h5"], 3),
    ("str_ww_ref_model.h5", "h5", ["mlperf_tiny/streaming_wakeword/str_ww_ref_model.h5"], 10),
    ("pretrainedResnet.h5", "h5", ["mlperf_tiny/resnet8_cifar10/pretrainedResnet.h5"], 8),
    ("ad01.h5", "h5", ["mlperf_tiny/anomaly_ad01/ad01.h5"], 4),
    ("mnist_cnn_seed.json", "json", ["keras/mnist_cnn_seed.json", "keras/mnist_cnn_seed.weights.h5"], 10),
]
ACCEPTED = (qtflite.KerasFileError, NotImplementedError)


def mutation_counts(total=None):
    """{seed name: number of mutations}, `total` split by the seeds' shares."""
    if total is None:
        total = int(os.environ.get("QTFLITE_KERAS_MUTATIONS", DEFAULT_MUTATIONS))
    shares = sum(s for _, _, _, s in SEEDS)
    return {name: max(1, round(total * s / shares)) for name, _, _, s in SEEDS}


# ---------------------------------------------------------------- the seed files


class _Seed:
    def __init__(self, name, kind, rels):
        self.name, self.kind = name, kind
        self.paths = [os.path.join(DATA, r) for r in rels]
        with open(self.paths[0], "rb") as f:
            self.data = f.read()
        if kind == "keras":
            with zipfile.ZipFile(io.BytesIO(self.data)) as z:
                self.members = [(i.filename, z.read(i.filename)) for i in z.infolist()]
            self.config = json.loads(dict(self.members)["config.json"])
        elif kind == "json":
            self.config = json.loads(self.data)
            with open(self.paths[1], "rb") as f:
                self.weights = f.read()


_SEED_CACHE = {}


def _seed(name):
    if name not in _SEED_CACHE:
        entry = next(s for s in SEEDS if s[0] == name)
        _SEED_CACHE[name] = _Seed(*entry[:3])
    return _SEED_CACHE[name]


# ---------------------------------------------------------------- JSON (model config) mutations

_BAD_VALUES = [None, "abc", "", "3", -1, 0, 1, 7, 2 ** 31, 2 ** 63, 10 ** 30, 3.5, -0.5, 1e300,
               float("nan"), float("inf"), float("-inf"), True, False, [], {}, [1, 2, 3], [-1, -1],
               [0, 0], [None], "valid", "same", "causal", "relu", "softmax", "channels_first", [[1, 1], [1]]]


def _json_paths(obj, prefix=()):
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for k, v in items:
        yield prefix + (k,)
        yield from _json_paths(v, prefix + (k,))


def _get(obj, path):
    for k in path:
        obj = obj[k]
    return obj


def _layers(cfg, prefix=()):
    """Paths of every layer dict of a model config, nested models' layers included."""
    layers = cfg.get("config", {}).get("layers") if isinstance(cfg.get("config"), dict) else None
    if not isinstance(layers, list):
        return
    for i, layer in enumerate(layers):
        if isinstance(layer, dict):
            path = prefix + ("config", "layers", i)
            yield path
            yield from _layers(layer, path)


def _show(path):
    return "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path).lstrip(".") or "<root>"


def _bad_value(rng, old):
    r = rng.random()
    if isinstance(old, bool) and r < 0.5:
        return [None, 0, 1, "true", not old][int(rng.integers(5))]
    if isinstance(old, int) and not isinstance(old, bool) and r < 0.6:
        return [old + 1, old - 1, -old, old * 2, old * 1000, 0, -1, 2 ** 31 - 1, float(old),
                str(old), old + 0.5][int(rng.integers(11))]
    if isinstance(old, float) and r < 0.5:
        return [-old, old * 10, 0.0, float("nan"), float("inf"), str(old)][int(rng.integers(6))]
    if isinstance(old, str) and r < 0.5:
        return [old + "x", old.upper(), old[:-1], old * 2, 7][int(rng.integers(5))]
    if isinstance(old, list) and r < 0.6:
        k = int(rng.integers(7))
        if k == 0:
            return old[:-1]
        if k == 1:
            return old + old[-1:]
        if k == 2:
            return old[::-1]
        if k == 3:
            return [old]
        if k == 4:
            return {"value": old}
        if k == 5 and old:
            out = list(old)
            out[int(rng.integers(len(out)))] = _BAD_VALUES[int(rng.integers(len(_BAD_VALUES)))]
            return out
        return tuple(old) and old[0]
    if isinstance(old, dict) and r < 0.4:
        return [list(old.values()), {}, [old], "abc"][int(rng.integers(4))]
    return _BAD_VALUES[int(rng.integers(len(_BAD_VALUES)))]


def _custom_class(rng, layer):
    k = int(rng.integers(4))
    if k == 0:
        layer["class_name"] = "FooBarLayer"
        return "class FooBarLayer"
    if k == 1:  # a custom layer as Keras 3 saves it
        layer["class_name"] = "MyConv"
        layer["module"] = "my_project.layers"
        layer["registered_name"] = "my_project>MyConv"
        return "custom class my_project>MyConv"
    if k == 2:  # a custom layer as tf.keras 2 saves it
        layer["class_name"] = "Custom>MyBlock"
        return "custom class Custom>MyBlock"
    other = ["Dense", "Conv2D", "Flatten", "BatchNormalization", "Add", "InputLayer", "Functional",
             "Sequential", "LSTM", "Lambda", "TFOpLambda"][int(rng.integers(11))]
    layer["class_name"] = other
    return f"class -> {other}"


def _layer_names(cfg):
    out = []
    for p in _layers(cfg):
        layer = _get(cfg, p)
        name = layer.get("name") or (layer.get("config") or {}).get("name") if isinstance(layer.get("config", {}), dict) else None
        out.append(name)
    return out


def _structural(rng, cfg):
    """A mutation of the model's structure: classes, names, layer order, connections."""
    layer_paths = list(_layers(cfg))
    if not layer_paths:
        return "no layers"
    path = layer_paths[int(rng.integers(len(layer_paths)))]
    layer = _get(cfg, path)
    parent = _get(cfg, path[:-1])
    k = int(rng.integers(10))
    if k == 9:  # the input's geometry: layers must then fit it, or be refused
        inputs = [p for p in layer_paths if _get(cfg, p).get("class_name") == "InputLayer"]
        cfg_in = _get(cfg, inputs[0])["config"] if inputs else cfg.get("config", {})
        key = next((k for k in ("batch_shape", "batch_input_shape", "build_input_shape") if cfg_in.get(k)), None)
        if key is None or not isinstance(cfg_in[key], list):
            return "no input shape"
        shape = cfg_in[key]
        if len(shape) > 1 and rng.random() < 0.8:
            d = 1 + int(rng.integers(len(shape) - 1))
            shape[d] = [1, 2, 3, 5, 9, 100, 4096][int(rng.integers(7))]
        elif rng.random() < 0.5:
            shape.append(1)
        else:
            shape.pop()
        return f"input {key} = {shape}"
    if k in (0, 1):
        return f"{_show(path)}: {_custom_class(rng, layer)}"
    if k == 2:
        new = ["dense", "conv2d", "", "input_layer", "x/y", None, 3][int(rng.integers(7))]
        layer["name"] = new
        if isinstance(layer.get("config"), dict):
            layer["config"]["name"] = new
        return f"{_show(path)}: renamed to {new!r}"
    if k == 3:
        del parent[path[-1]]
        return f"{_show(path)}: removed"
    if k == 4:
        parent.insert(int(rng.integers(len(parent) + 1)), json.loads(json.dumps(layer)))
        return f"{_show(path)}: duplicated"
    if k == 5:
        j = int(rng.integers(len(parent)))
        parent[path[-1]], parent[j] = parent[j], parent[path[-1]]
        return f"{_show(path)}: swapped with [{j}]"
    if k == 6:  # a connection to another tensor
        hist = [p for p in _json_paths(layer) if p[-1] == "keras_history"]
        names = [n for n in _layer_names(cfg) if n]
        if hist:
            h = _get(layer, hist[int(rng.integers(len(hist)))])
            if isinstance(h, list) and len(h) == 3:
                which = int(rng.integers(3))
                h[which] = (names[int(rng.integers(len(names)))] if which == 0 and names
                            else [1, 5, -1, "0", None][int(rng.integers(5))])
                return f"{_show(path)}: keras_history -> {h}"
        nodes = layer.get("inbound_nodes")
        if isinstance(nodes, list) and nodes:
            nodes.append(nodes[0])
            return f"{_show(path)}: a second inbound node"
        return "no connection to change"
    if k == 7:  # the model's inputs or outputs
        top = cfg.get("config", {})
        key = ["input_layers", "output_layers", "build_input_shape"][int(rng.integers(3))]
        old = top.get(key)
        if old is None or rng.random() < 0.3:
            top.pop(key, None)
            return f"config.{key} removed"
        top[key] = _bad_value(rng, old)
        return f"config.{key} = {json.dumps(top[key])[:60]}"
    # the layer's config replaced by something else entirely
    layer["config"] = [None, [], "abc", {}, {"name": layer.get("name")}][int(rng.integers(5))]
    return f"{_show(path)}.config = {json.dumps(layer['config'])}"


def mutate_config(rng, cfg):
    """Mutates a model config (a JSON tree) in place; returns a description."""
    what = []
    for _ in range(1 if rng.random() < 0.7 else int(rng.integers(2, 4))):
        r = rng.random()
        if r < 0.2:
            what.append(_structural(rng, cfg))
            continue
        layer_paths = list(_layers(cfg))
        if r < 0.8 and layer_paths:
            # A field of one layer's config, most often a top-level one (what lowerings read).
            base = layer_paths[int(rng.integers(len(layer_paths)))] + ("config",)
            try:
                inner = _get(cfg, base)
            except (KeyError, IndexError, TypeError):
                inner = None
            if not isinstance(inner, dict) or not inner:
                what.append(_structural(rng, cfg))
                continue
            if rng.random() < 0.7:
                keys = list(inner)
                paths = [base + (keys[int(rng.integers(len(keys)))],)]
            else:
                paths = [base + p for p in _json_paths(inner)]
        else:
            paths = list(_json_paths(cfg))
        path = paths[int(rng.integers(len(paths)))]
        parent = _get(cfg, path[:-1])
        if rng.random() < 0.3:
            del parent[path[-1]]
            what.append(f"{_show(path)} deleted")
        else:
            parent[path[-1]] = _bad_value(rng, parent[path[-1]])
            what.append(f"{_show(path)} = {json.dumps(parent[path[-1]])[:60]}")
    return "; ".join(what)


def mutate_text(rng, data: bytes):
    """Byte-level damage to a JSON text."""
    b = bytearray(data)
    k = int(rng.integers(4))
    if k == 0:
        n = int(rng.integers(len(b) + 1))
        return bytes(b[:n]), f"text truncated to {n} bytes"
    p = int(rng.integers(max(1, len(b))))
    if k == 1:
        b[p:p + 1] = bytes([int(rng.integers(256))])
        return bytes(b), f"text byte {p} = {b[p]}"
    if k == 2:
        junk = [b"\xff\xfe", b"{", b"]", b'"', b",", b"\x00", b"NaN"][int(rng.integers(7))]
        return bytes(b[:p] + junk + b[p:]), f"text {junk!r} inserted at {p}"
    return [b"", b"null", b"[]", b"{}", b"42", b'"model"'][int(rng.integers(6))], "text replaced"


# ---------------------------------------------------------------- HDF5 (weights) mutations

def _h5_objects(h, root):
    """(datasets, groups) under `root` (an HDF5 path), as paths."""
    import h5py
    datasets, groups = [], []
    if root not in h:
        return datasets, groups

    def visit(name, obj):
        (datasets if isinstance(obj, h5py.Dataset) else groups).append(f"{root}/{name}")
    h[root].visititems(visit)
    return datasets, groups


def _replacement_array(rng, old):
    """A wrong dataset in place of `old`: other shape, other dtype or non-finite values."""
    k = int(rng.integers(6))
    shape = list(old.shape)
    if k == 0:  # another shape
        if shape and rng.random() < 0.6:
            d = int(rng.integers(len(shape)))
            shape[d] = [shape[d] + 1, max(0, shape[d] - 1), shape[d] * 2, 0][int(rng.integers(4))]
        elif shape and rng.random() < 0.5:
            shape = shape[:-1]
        else:
            shape = shape + [1]
        return np.zeros(shape, np.float32) + 0.01, f"shape {tuple(shape)}"
    if k == 1:  # another dtype
        dt = ["int32", "float16", "float64", "int8", "bool", "complex64", "S4", "uint64"][int(rng.integers(8))]
        return old.astype(dt), f"dtype {dt}"
    if k == 2:  # non-finite values
        a = old.astype(np.float32).copy()
        v = [np.nan, np.inf, -np.inf][int(rng.integers(3))]
        if a.size and rng.random() < 0.7:
            a.reshape(-1)[int(rng.integers(a.size))] = v
        else:
            a[...] = v
        return a, f"value {v}"
    if k == 3:  # huge but finite
        return (old.astype(np.float32) * 1e30).astype(np.float32), "values * 1e30"
    if k == 4:  # a scalar
        return np.float32(1.0), "a scalar"
    return np.array(["abc", "de"], dtype=object), "strings"


def mutate_h5(rng, data: bytes, legacy: bool):
    """A structured mutation of an HDF5 weights (or legacy full-model) file, through h5py.
    Returns (new bytes, description)."""
    import h5py
    buf = io.BytesIO(data)
    with h5py.File(buf, "r+") as h:
        root = ("model_weights" if "model_weights" in h else "") if legacy else "layers"
        datasets, groups = _h5_objects(h, root) if root else _h5_objects(h, "")
        if not root:  # a legacy weights-only file keeps layer groups at the top
            datasets, groups = [d.lstrip("/") for d in datasets], [g.lstrip("/") for g in groups]
        k = int(rng.integers(10))
        if k in (7, 8) and not legacy:
            k = 1  # Keras 3 files have no weight_names attributes: replace a dataset instead
        if k <= 3 and datasets:
            d = datasets[int(rng.integers(len(datasets)))]
            if k == 0:
                del h[d]
                what = f"{d} deleted"
            else:
                new, how = _replacement_array(rng, np.asarray(h[d]))
                del h[d]
                if isinstance(new, np.ndarray) and new.dtype == object:
                    h.create_dataset(d, data=new, dtype=h5py.string_dtype())
                else:
                    h[d] = new
                what = f"{d}: {how}"
        elif k == 4 and datasets:
            d = datasets[int(rng.integers(len(datasets)))]
            parent, leaf = d.rsplit("/", 1)
            new = [leaf + "x", "7", "-1", "01", leaf.upper()][int(rng.integers(5))]
            if f"{parent}/{new}" in h:
                del h[f"{parent}/{new}"]
            h.move(d, f"{parent}/{new}")
            what = f"{d} renamed to {new}"
        elif k == 5 and datasets:
            d = datasets[int(rng.integers(len(datasets)))]
            del h[d]
            h.create_group(d)
            what = f"{d} replaced by a group"
        elif k == 6 and groups:
            g = groups[int(rng.integers(len(groups)))]
            if rng.random() < 0.5:
                del h[g]
                what = f"group {g} deleted"
            else:
                n = 0
                while f"{g}/{n}" in h:
                    n += 1
                h[f"{g}/{n}"] = np.ones(3, np.float32)
                what = f"extra dataset {g}/{n}"
        elif k in (7, 8) and legacy:
            what = _mutate_legacy_attrs(rng, h, groups)
        elif root and root in h:
            del h[root]
            h[root] = np.zeros(2, np.float32)
            what = f"{root} replaced by a dataset"
        else:
            what = "no-op"
    return buf.getvalue(), what


def _mutate_legacy_attrs(rng, h, groups):
    """layer_names / weight_names / keras_version attributes of a legacy .h5."""
    top = h["model_weights"] if "model_weights" in h else h
    k = int(rng.integers(4))
    if k == 0:
        names = list(top.attrs.get("layer_names", []))
        if names and rng.random() < 0.5:
            names.pop(int(rng.integers(len(names))))
            top.attrs["layer_names"] = np.array(names, dtype="S") if names else np.array([], "S1")
            return "layer_names: one entry removed"
        if rng.random() < 0.5:
            top.attrs["layer_names"] = np.array([b"no_such_layer"] + [n if isinstance(n, bytes) else str(n).encode()
                                                                      for n in names], dtype="S")
            return "layer_names: unknown name added"
        top.attrs["layer_names"] = np.arange(3)
        return "layer_names = [0, 1, 2]"
    if k == 1:
        layer_groups = [g for g in top if "weight_names" in top[g].attrs and len(top[g].attrs["weight_names"])]
        if not layer_groups:
            return "no weight_names"
        g = top[layer_groups[int(rng.integers(len(layer_groups)))]]
        names = [n if isinstance(n, bytes) else str(n).encode() for n in g.attrs["weight_names"]]
        j = int(rng.integers(4))
        if j == 0:
            names = names[::-1]
            what = "reversed"
        elif j == 1:
            names[int(rng.integers(len(names)))] += b"_missing"
            what = "a name changed"
        elif j == 2:
            names = names[:-1]
            what = "last name removed"
        else:
            g.attrs["weight_names"] = np.array([1.5, 2.5])
            return f"{g.name}: weight_names = [1.5, 2.5]"
        g.attrs["weight_names"] = np.array(names, dtype="S") if names else np.array([], "S1")
        return f"{g.name}: weight_names {what}"
    if k == 2:
        v = [3, b"\xff\xfe", "abc", "", np.array([1, 2])][int(rng.integers(5))]
        h.attrs["keras_version"] = v
        return f"keras_version = {v!r}"
    if "layer_names" in top.attrs:
        del top.attrs["layer_names"]
    return "layer_names deleted"


def mutate_bytes(rng, data: bytes, head=8192):
    """Raw damage: a bit flip, a byte set or a truncation, often in the first `head` bytes
    (where zip local headers and HDF5 superblocks and object headers are)."""
    b = bytearray(data)
    k = int(rng.integers(3))
    if k == 2:
        n = int(rng.integers(len(b)))
        return bytes(b[:n]), f"truncated to {n} bytes"
    region = [(0, min(head, len(b))), (max(0, len(b) - 2048), len(b)), (0, len(b))][int(rng.integers(3))]
    p = int(rng.integers(region[0], region[1]))
    if k == 0:
        bit = int(rng.integers(8))
        b[p] ^= 1 << bit
        return bytes(b), f"bit {bit} of byte {p} flipped"
    b[p] = int([0, 0xFF, 0x7F, 0x80, int(rng.integers(256))][int(rng.integers(5))])
    return bytes(b), f"byte {p} = {b[p]}"


# ---------------------------------------------------------------- whole-file mutations

def _zip(members):
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names, on purpose
        with zipfile.ZipFile(out, "w") as z:
            for name, data in members:
                z.writestr(zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0)), data)  # no clock: replayable
    return out.getvalue()


def _mutate_keras(rng, seed):
    members = list(seed.members)
    index = {n: i for i, (n, _) in enumerate(members)}
    r = rng.random()
    if r < 0.12:
        data, what = mutate_bytes(rng, seed.data, head=256)
        return data, f"archive {what}"
    if r < 0.22:
        k = int(rng.integers(6))
        name = members[int(rng.integers(len(members)))][0]
        if k == 0:
            members = [m for m in members if m[0] != name]
            what = f"member {name} removed"
        elif k == 1:
            new = [name.upper(), name + ".bak", "x/" + name, name.replace(".", "_")][int(rng.integers(4))]
            members = [(new if n == name else n, d) for n, d in members]
            what = f"member {name} renamed to {new}"
        elif k == 2:
            members.append((name, b"{}" if name.endswith(".json") else b"\0" * 16))
            what = f"member {name} duplicated"
        elif k == 3:
            members[index[name]] = (name, b"")
            what = f"member {name} emptied"
        elif k == 4:
            members[index[name]] = (name, bytes(rng.integers(0, 256, 64, dtype=np.uint8)))
            what = f"member {name} replaced by random bytes"
        else:
            members = [(name + "/", b"")] + [m for m in members if m[0] != name]
            what = f"member {name} replaced by a directory"
        return _zip(members), what
    if r < 0.62:
        cfg = json.loads(json.dumps(seed.config))
        what = mutate_config(rng, cfg)
        members[index["config.json"]] = ("config.json", json.dumps(cfg).encode())
        return _zip(members), f"config.json: {what}"
    if r < 0.67:
        data, what = mutate_text(rng, members[index["config.json"]][1])
        members[index["config.json"]] = ("config.json", data)
        return _zip(members), f"config.json: {what}"
    if r < 0.72 and "metadata.json" in index:
        k = int(rng.integers(3))
        if k == 0:
            meta = json.loads(members[index["metadata.json"]][1])
            meta["keras_version"] = [3, None, "abc", "", ["3"], 3.1][int(rng.integers(6))]
            data, what = json.dumps(meta).encode(), f"keras_version = {meta['keras_version']!r}"
        else:
            data, what = mutate_text(rng, members[index["metadata.json"]][1])
        members[index["metadata.json"]] = ("metadata.json", data)
        return _zip(members), f"metadata.json: {what}"
    weights = members[index["model.weights.h5"]][1]
    if r < 0.93:
        data, what = mutate_h5(rng, weights, legacy=False)
    else:
        data, what = mutate_bytes(rng, weights)
    members[index["model.weights.h5"]] = ("model.weights.h5", data)
    return _zip(members), f"model.weights.h5: {what}"


def _mutate_legacy_h5(rng, seed):
    import h5py
    r = rng.random()
    if r < 0.4:
        buf = io.BytesIO(seed.data)
        with h5py.File(buf, "r+") as h:
            raw = h.attrs["model_config"]
            cfg = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
            if rng.random() < 0.9:
                what = mutate_config(rng, cfg)
                h.attrs["model_config"] = json.dumps(cfg)
            else:
                text, what = mutate_text(rng, json.dumps(cfg).encode())
                # HDF5 variable-length strings cannot hold NUL: such text goes in as opaque bytes
                # (which cannot be empty).
                opaque = text and (rng.random() < 0.3 or b"\0" in text)
                h.attrs["model_config"] = np.void(text) if opaque else text
        return buf.getvalue(), f"model_config: {what}"
    if r < 0.45:
        buf = io.BytesIO(seed.data)
        with h5py.File(buf, "r+") as h:
            k = int(rng.integers(3))
            if k == 0:
                del h.attrs["model_config"]
                what = "deleted"
            else:
                h.attrs["model_config"] = [np.arange(4), 42][k - 1]
                what = "not text"
        return buf.getvalue(), f"model_config {what}"
    if r < 0.85:
        return mutate_h5(rng, seed.data, legacy=True)
    return mutate_bytes(rng, seed.data)


def _mutate_json_pair(rng, seed):
    """(architecture text, weights bytes, description)."""
    r = rng.random()
    if r < 0.45:
        cfg = json.loads(json.dumps(seed.config))
        what = mutate_config(rng, cfg)
        return json.dumps(cfg).encode(), seed.weights, f"architecture: {what}"
    if r < 0.5:
        text, what = mutate_text(rng, seed.data)
        return text, seed.weights, f"architecture: {what}"
    if r < 0.9:
        data, what = mutate_h5(rng, seed.weights, legacy=False)
    else:
        data, what = mutate_bytes(rng, seed.weights)
    return seed.data, data, f"weights: {what}"


def make_case(label):
    """The mutation named `label` ("seed file#k", or "seed file#k@seed" for another seed than
    the default): (description, {file name: bytes}). Depends on the label only."""
    name, rest = label.split("#")
    k, _, seed_text = rest.partition("@")
    seed = _seed(name)
    si = [s[0] for s in SEEDS].index(name)
    rng = np.random.default_rng([int(seed_text or DEFAULT_SEED), si, int(k)])
    base = os.path.basename(seed.paths[0])
    if seed.kind == "keras":
        data, what = _mutate_keras(rng, seed)
        return what, {base: data}
    if seed.kind == "h5":
        data, what = _mutate_legacy_h5(rng, seed)
        return what, {base: data}
    arch, weights, what = _mutate_json_pair(rng, seed)
    return what, {base: arch, os.path.basename(seed.paths[1]): weights}


def all_cases(total=None):
    tail = "" if SEED == DEFAULT_SEED else f"@{SEED}"
    for name, count in mutation_counts(total).items():
        for k in range(count):
            yield f"{name}#{k}{tail}"


# ---------------------------------------------------------------- the property

def convert_case(files, workdir):
    paths = []
    for fname, data in files.items():
        p = os.path.join(workdir, fname)
        with open(p, "wb") as f:
            f.write(data)
        paths.append(p)
    if len(paths) == 2:
        return lite.TFLiteConverter.from_keras_json(paths[0], paths[1]).convert()
    return lite.TFLiteConverter.from_keras_file(paths[0]).convert()


def _run(tflite_bytes):
    """The converted file must load and run (unless its tensors would not fit in memory)."""
    model = qtflite.load_model(tflite_bytes)
    tensors = model.to_dict()["subgraphs"][0]["tensors"]
    if sum(int(np.prod(t["shape"])) for t in tensors) > 1 << 26:
        return
    it = lite.Interpreter(model_content=tflite_bytes)
    it.allocate_tensors()
    rng = np.random.default_rng(0)
    for d in it.get_input_details():
        it.set_tensor(d["index"], rng.standard_normal(d["shape"]).astype(d["dtype"]))
    it.invoke()
    for d in it.get_output_details():
        assert list(it.get_tensor(d["index"]).shape) == list(d["shape"]), d


def _names_a_part(message, files):
    parts = ["config.json", "model.weights.h5", "metadata.json", "model_config", "layer '"] + list(files)
    return any(p in message for p in parts)


def check_case(files, workdir):
    """(outcome, failure): outcome 'converted', 'refused' or 'error'; failure None or text."""
    try:
        tflite_bytes = convert_case(files, workdir)
    except ACCEPTED as e:
        msg = str(e)
        if isinstance(e, qtflite.KerasFileError) and not _names_a_part(msg, files):
            return "error", f"KerasFileError names no file part or layer: {msg}"
        if not msg.strip():
            return "error", f"{type(e).__name__} without a message"
        return "refused", None
    except BaseException as e:  # noqa: BLE001 - anything else is the bug we look for
        tb = traceback.format_exc(limit=-4)
        return "error", f"{type(e).__name__}: {e}\n{tb}"
    try:
        _run(tflite_bytes)
    except BaseException as e:  # noqa: BLE001
        return "error", f"converted, but the .tflite does not run: {type(e).__name__}: {e}"
    return "converted", None


def _child_main(shard=0, shards=1):
    faulthandler.enable()
    warnings.simplefilter("ignore")
    workdir = tempfile.mkdtemp(prefix="qtflite_keras_fuzz_")
    counts = {"converted": 0, "refused": 0, "error": 0}
    failures = []
    start = time.time()
    try:
        for n, label in enumerate(all_cases()):
            if n % shards != shard:
                continue
            sys.stdout.write(f"AT {label}\n")
            sys.stdout.flush()
            faulthandler.dump_traceback_later(WATCHDOG_SECONDS, exit=True)
            try:
                what, files = make_case(label)
            except Exception as e:  # noqa: BLE001 - a bug of this test, reported as such
                counts["error"] += 1
                failures.append(f"{label}: the mutation itself failed: {type(e).__name__}: {e}")
                continue
            outcome, failure = check_case(files, workdir)
            faulthandler.cancel_dump_traceback_later()
            counts[outcome] += 1
            if failure:
                failures.append(f"{label} ({what}): {failure}")
                sys.stdout.write("FAIL " + json.dumps(failures[-1]) + "\n")  # seen at once in a long run
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.stdout.write("SUMMARY " + json.dumps({"counts": counts, "failures": failures[:30],
                                              "n_failures": len(failures), "seconds": time.time() - start,
                                              "qtflite": qtflite.__file__}) + "\n")


def _replay(label):
    what, files = make_case(label)
    print(f"{label}: {what}")
    workdir = tempfile.mkdtemp(prefix="qtflite_keras_replay_")
    for fname, data in files.items():
        with open(os.path.join(workdir, fname), "wb") as f:
            f.write(data)
    print(f"files in {workdir}")
    print(check_case(files, workdir))


# ---------------------------------------------------------------- tests

def test_seed_files_convert_or_are_refused_as_unsupported():
    # The mutations start from files that convert (har_lstm: LSTM converts to the fused operator now).
    workdir = tempfile.mkdtemp(prefix="qtflite_keras_seed_")
    try:
        for name, kind, rels, _ in SEEDS:
            seed = _seed(name)
            files = {os.path.basename(p): open(p, "rb").read() for p in seed.paths}
            outcome, failure = check_case(files, workdir)
            assert failure is None, (name, failure)
            assert outcome == "converted", name
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def test_mutations_are_deterministic_and_differ():
    labels = [l for l in all_cases(300)][::7]
    first = [make_case(l) for l in labels]
    again = [make_case(l) for l in labels]
    assert first == again
    assert len({json.dumps(w) for w, _ in first}) > len(first) * 0.8
    assert sum(mutation_counts(DEFAULT_MUTATIONS).values()) >= 1000


def test_mutated_keras_files_convert_or_raise_documented_errors(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    env["QTFLITE_SHARED"] = SHARED
    expected = sum(mutation_counts().values())
    proc = subprocess.run([sys.executable, __file__, "--child"], capture_output=True, text=True, env=env,
                          timeout=max(900, expected))  # ~0.03 s a mutation; a generous bound for slow machines
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or not any(l.startswith("SUMMARY ") for l in lines):
        at = [l.split(" ", 1)[1] for l in lines if l.startswith("AT ")]
        label = at[-1] if at else "?"
        detail = ""
        if at:
            what, files = make_case(label)
            for fname, data in files.items():
                (tmp_path / fname).write_bytes(data)
            detail = f" ({what}); files saved in {tmp_path}"
        pytest.fail(f"the child died (exit code {proc.returncode}) on mutation {label}{detail}; replay with "
                    f"`python {__file__} --replay '{label}'`\nstderr tail:\n{proc.stderr[-3000:]}")
    summary = json.loads(next(l for l in lines if l.startswith("SUMMARY "))[len("SUMMARY "):])
    assert summary["qtflite"] == qtflite.__file__, "the child process imported a different qtflite"
    assert not summary["failures"], f"{summary['n_failures']} failing mutations:\n" + "\n".join(summary["failures"])
    counts = summary["counts"]
    total = sum(counts.values())
    assert total == expected
    # Both outcomes must be common, or the mutations are not testing anything.
    assert counts["converted"] > total // 20, counts
    assert counts["refused"] > total // 3, counts


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        shard, shards = 0, 1
        if sys.argv[2:3] == ["--shard"]:
            shard, shards = (int(x) for x in sys.argv[3].split("/"))
        _child_main(shard, shards)
    elif sys.argv[1:2] == ["--replay"]:
        _replay(sys.argv[2])
