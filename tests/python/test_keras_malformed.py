"""Malformed Keras input, one test per kind of damage: each raises qtflite.KerasFileError (a
ValueError) naming the file part and the layer, or NotImplementedError / UnsupportedLayerError
for what is well-formed but not supported. test_keras_fuzz.py covers the same ground at random.
Keras itself is not needed: the files are edited copies of the shared seed model."""
import io
import json
import os
import shutil
import zipfile

import h5py
import numpy as np
import pytest

import qtflite
from qtflite import lite
from conftest import DATA

SEED_KERAS = os.path.join(DATA, "keras", "mnist_cnn_seed.keras")
SEED_H5 = os.path.join(DATA, "keras", "mnist_cnn_seed_legacy.h5")
SEED_JSON = os.path.join(DATA, "keras", "mnist_cnn_seed.json")
SEED_WEIGHTS = os.path.join(DATA, "keras", "mnist_cnn_seed.weights.h5")
# mnist_cnn_seed: input_layer -> conv2d (3x3, 8) -> max_pooling2d -> flatten -> dense (16) -> dense_1 (10)


def _archive_with(tmp_path, edit_config=None, edit_weights=None, members=None, name="seed.keras"):
    """A copy of the seed .keras with its config and/or weights edited in place by callbacks."""
    with zipfile.ZipFile(SEED_KERAS) as z:
        files = {n: z.read(n) for n in z.namelist()}
    if edit_config:
        cfg = json.loads(files["config.json"])
        edit_config(cfg)
        files["config.json"] = json.dumps(cfg).encode()
    if edit_weights:
        buf = io.BytesIO(files["model.weights.h5"])
        with h5py.File(buf, "a") as h:
            edit_weights(h)
        files["model.weights.h5"] = buf.getvalue()
    if members:
        members(files)
    out = tmp_path / name
    with zipfile.ZipFile(out, "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    return str(out)


def _h5_with(tmp_path, edit, src=SEED_H5, name="seed.h5"):
    out = tmp_path / name
    shutil.copyfile(src, out)
    os.chmod(out, 0o644)
    with h5py.File(out, "a") as h:
        edit(h)
    return str(out)


def _layer(cfg, name):
    return next(l for l in cfg["config"]["layers"] if l["config"]["name"] == name)


def _convert(path):
    return lite.TFLiteConverter.from_keras_file(path).convert()


def _raises(exc, pattern, path):
    with pytest.raises(exc, match=pattern) as info:
        _convert(path)
    return info.value


# ---------------------------------------------------------------- the file itself


def test_truncated_archive(tmp_path):
    p = tmp_path / "broken.keras"
    data = open(SEED_KERAS, "rb").read()
    p.write_bytes(data[: len(data) // 3])
    with pytest.raises(qtflite.KerasFileError, match="broken.keras' is a corrupt Keras archive"):
        lite.TFLiteConverter.from_keras_file(str(p))


def test_corrupt_member_names_the_member(tmp_path):
    # One flipped byte inside config.json: the archive opens but the member fails its CRC.
    data = bytearray(open(SEED_KERAS, "rb").read())
    with zipfile.ZipFile(SEED_KERAS) as z:
        info = z.getinfo("config.json")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 100] ^= 0x01
    p = tmp_path / "crc.keras"
    p.write_bytes(bytes(data))
    _raises(qtflite.KerasFileError, r"crc.keras: config.json: cannot be read from the archive \(Bad CRC-32", str(p))


def test_not_a_keras_file(tmp_path):
    p = tmp_path / "x.keras"
    p.write_bytes(b"hello")
    with pytest.raises(qtflite.KerasFileError, match="neither a Keras .keras archive"):
        lite.TFLiteConverter.from_keras_file(str(p))
    with pytest.raises(FileNotFoundError):
        lite.TFLiteConverter.from_keras_file(str(tmp_path / "missing.keras"))


def test_archive_without_config(tmp_path):
    path = _archive_with(tmp_path, members=lambda files: files.pop("config.json"))
    _raises(qtflite.KerasFileError, r"seed.keras: the archive has no config.json \(it holds metadata.json, "
            r"model.weights.h5\)", path)


def test_config_that_is_not_json(tmp_path):
    def damage(files):
        files["config.json"] = files["config.json"][:500]
    path = _archive_with(tmp_path, members=damage)
    _raises(qtflite.KerasFileError, r"seed.keras: config.json: not valid JSON: Unterminated string .*\(char 498\)", path)


def test_metadata_with_a_wrong_version_type(tmp_path):
    def damage(files):
        files["metadata.json"] = json.dumps({"keras_version": 3.1}).encode()
    path = _archive_with(tmp_path, members=damage)
    _raises(qtflite.KerasFileError, r"seed.keras: metadata.json: keras_version should be a string, got 3.1", path)


def test_weights_member_that_is_not_hdf5(tmp_path):
    def damage(files):
        files["model.weights.h5"] = b"\0" * 64
    path = _archive_with(tmp_path, members=damage)
    _raises(qtflite.KerasFileError, r"seed.keras: model.weights.h5: not a readable HDF5 file", path)


def test_weights_only_h5_needs_architecture():
    with pytest.raises(qtflite.KerasFileError, match="holds weights only"):
        lite.TFLiteConverter.from_keras_file(SEED_WEIGHTS)


# ---------------------------------------------------------------- the config


def test_missing_config_field(tmp_path):
    path = _archive_with(tmp_path, edit_config=lambda cfg: _layer(cfg, "conv2d")["config"].pop("filters"))
    _raises(qtflite.KerasFileError,
            r"seed.keras: config.json: config.layers\[1\].config \(layer 'conv2d', Conv2D\): missing 'filters'", path)


def test_config_field_of_the_wrong_type(tmp_path):
    def edit(cfg):
        _layer(cfg, "dense")["config"]["units"] = "abc"
    path = _archive_with(tmp_path, edit_config=edit)
    _raises(qtflite.KerasFileError, r"seed.keras: config.json: config.layers\[4\].config.units \(layer 'dense', Dense\): "
            r'expected a positive integer, got "abc"', path)


@pytest.mark.parametrize("field,value,expected", [
    ("kernel_size", [3, -3], "a positive integer or a list of 2 of them"),
    ("strides", [1, 1, 1], "a positive integer or a list of 2 of them"),
    ("padding", "full", 'one of "valid", "same"'),
    ("use_bias", None, "true or false"),
    ("filters", 2 ** 40, "a positive integer"),
    ("filters", 8.0, "a positive integer"),
])
def test_wrong_config_values(tmp_path, field, value, expected):
    def edit(cfg):
        _layer(cfg, "conv2d")["config"][field] = value
    path = _archive_with(tmp_path, edit_config=edit)
    err = _raises(qtflite.KerasFileError, rf"config.layers\[1\].config.{field} \(layer 'conv2d', Conv2D\): ", path)
    assert f"expected {expected}, got {json.dumps(value)}" in str(err)


def test_config_structure(tmp_path):
    cases = [
        (lambda cfg: cfg["config"].__setitem__("layers", {}), r"config.layers: expected a list of layers, got \{\}"),
        (lambda cfg: cfg["config"]["layers"].__setitem__(2, None), r"config.layers\[2\]: expected a layer object"),
        (lambda cfg: _layer(cfg, "dense").__setitem__("class_name", 5), r"config.layers\[4\].class_name: expected a "
                                                                         "class name, got 5"),
        (lambda cfg: _layer(cfg, "flatten")["config"].__setitem__("name", "dense") or
         _layer(cfg, "dense").__setitem__("name", "dense"), r"config.layers\[4\]: a second layer named 'dense'"),
        (lambda cfg: cfg["config"].__setitem__("output_layers", [["nothing", 0, 0]]),
         r"config.output_layers: names layer 'nothing', which is not in config.layers"),
        (lambda cfg: cfg["config"].__setitem__("input_layers", ["input_layer", 0, 0, 0]),
         r'config.input_layers: expected \[layer name, node index, tensor index\], got \["input_layer", 0, 0, 0\]'),
        (lambda cfg: cfg["config"].__setitem__("input_layers", [["conv2d", 0, 0]]),
         r"config.input_layers: names layer 'conv2d' \(Conv2D\), which is not an InputLayer"),
        (lambda cfg: _layer(cfg, "input_layer")["config"].__setitem__("batch_shape", [None, 28, -28, 1]),
         r"config.layers\[0\].config.batch_shape \(layer 'input_layer', InputLayer\): expected a list of positive "
         r"integers \(null for unknown sizes\), got \[null, 28, -28, 1\]"),
    ]
    for k, (edit, pattern) in enumerate(cases):
        path = _archive_with(tmp_path, edit_config=edit, name=f"s{k}.keras")
        _raises(qtflite.KerasFileError, rf"s{k}.keras: config.json: {pattern}", path)


def test_connection_to_a_missing_tensor(tmp_path):
    def edit(cfg):
        _layer(cfg, "dense")["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["flatten", 3, 0]
    path = _archive_with(tmp_path, edit_config=edit)
    _raises(qtflite.KerasFileError, r"seed.keras: config.json: model 'mnist_cnn': the inputs \['flatten:3:0'\] "
            r"\(layer:node:tensor\) of layer 'dense' \(Dense\) come from no layer call", path)


def test_config_that_does_not_fit_the_input(tmp_path):
    # A 3x3 convolution on a 2x2 image: the config is well typed, but the layer cannot exist.
    def edit(cfg):
        _layer(cfg, "input_layer")["config"]["batch_shape"] = [None, 2, 2, 1]
    _raises(qtflite.KerasFileError, r"layer 'conv2d' \(Conv2D\): would make tensor 'conv2d' of shape \[1, 0, 0, 8\]",
            _archive_with(tmp_path, edit_config=edit))


def test_input_of_the_wrong_rank(tmp_path):
    def edit(cfg):
        _layer(cfg, "input_layer")["config"]["batch_shape"] = [None, 784]
    _raises(qtflite.KerasFileError, r"layer 'conv2d' \(Conv2D\): needs an input of rank 4 \(batch included\), got "
            r"shape \[1, 784\]", _archive_with(tmp_path, edit_config=edit))


def test_merge_of_mismatched_shapes():
    # Checked before lowering, on the shapes the inputs have.
    from qtflite.frontends.keras_layer_checks import check_layer_inputs
    from qtflite.frontends.keras_graph import LayerCall
    call = LayerCall("add", "Add", {}, ("add",), ["a", "b"], ["c"])
    with pytest.raises(qtflite.KerasFileError, match=r"layer 'add' \(Add\): input shapes \[1, 14, 14, 8\] and "
                                                     r"\[1, 7, 7, 8\] do not match"):
        check_layer_inputs(call, "layer 'add' (Add)", [[1, 14, 14, 8], [1, 7, 7, 8]])
    check_layer_inputs(call, "layer 'add' (Add)", [[1, 14, 14, 8], [1, 1, 1, 8]])  # broadcasts


# ---------------------------------------------------------------- the weights


def test_missing_weight_dataset(tmp_path):
    path = _archive_with(tmp_path, edit_weights=lambda h: h.__delitem__("layers/dense/vars/1"))
    _raises(qtflite.KerasFileError, r"layer 'dense' \(Dense\): seed.keras: model.weights.h5: layers/dense holds 1 "
            r"weight array \(layers/dense/vars/0\), expected 2 of shapes \(1352, 16\), \(16,\)", path)


def test_missing_layer_group(tmp_path):
    path = _archive_with(tmp_path, edit_weights=lambda h: h.__delitem__("layers/dense_1"))
    _raises(qtflite.KerasFileError, r"layer 'dense_1' \(Dense\): seed.keras: model.weights.h5: layers/dense_1 holds "
            r"no weight arrays, expected 2 of shapes \(16, 10\), \(10,\)", path)


def test_dangling_link_in_weights(tmp_path):
    def edit(h):
        del h["layers/dense_1"]
        h["layers/dense_1"] = h5py.SoftLink("/nowhere")
    _raises(qtflite.KerasFileError, r"seed.keras: model.weights.h5: layers/dense_1: cannot be opened",
            _archive_with(tmp_path, edit_weights=edit))


def test_gap_in_numbered_weights(tmp_path):
    path = _archive_with(tmp_path, edit_weights=lambda h: h.move("layers/dense/vars/1", "layers/dense/vars/5"))
    _raises(qtflite.KerasFileError, r"seed.keras: model.weights.h5: layers/dense/vars: holds \['0', '5'\], expected "
            r"datasets named 0, 1, ... 1", path)


def _replace(name, value):
    def edit(h):
        del h[name]
        h[name] = value
    return edit


def test_weight_of_the_wrong_shape(tmp_path):
    path = _archive_with(tmp_path, edit_weights=_replace("layers/dense_1/vars/0", np.zeros((16, 11), np.float32)))
    _raises(qtflite.KerasFileError, r"layer 'dense_1' \(Dense\): seed.keras: model.weights.h5: layers/dense_1/vars/0 "
            r"has shape \(16, 11\), expected \(16, 10\)", path)


def test_weight_of_the_wrong_dtype(tmp_path):
    path = _archive_with(tmp_path, edit_weights=_replace("layers/conv2d/vars/1", np.array([b"abcd"] * 8)))
    _raises(qtflite.KerasFileError, r"seed.keras: model.weights.h5: layers/conv2d/vars/1: has dtype \|S4, expected "
            "numbers", path)
    # Numbers of another type are converted, as Keras does when it assigns them.
    path = _archive_with(tmp_path, edit_weights=_replace("layers/conv2d/vars/1", np.arange(8, dtype=np.int32)),
                         name="int.keras")
    assert qtflite.load_model(_convert(path)) is not None


def test_weight_that_is_not_finite(tmp_path):
    w = np.ones((16, 10), np.float32)
    w[3, 4] = np.nan
    path = _archive_with(tmp_path, edit_weights=_replace("layers/dense_1/vars/0", w))
    _raises(qtflite.KerasFileError, r"seed.keras: model.weights.h5: layers/dense_1/vars/0: holds 1 NaN or infinite "
            r"value \(of 160\)", path)


def test_legacy_h5_weights(tmp_path):
    cases = [
        (lambda h: h.__delitem__("model_weights/dense/dense/bias"),
         r"seed.h5: model_weights/dense: weight_names lists 'dense/bias', which is missing"),
        (_replace("model_weights/dense/dense/kernel", np.zeros((1352, 17), np.float32)),
         r"layer 'dense' \(Dense\): seed.h5: model_weights/dense/dense/kernel has shape \(1352, 17\), expected "
         r"\(1352, 16\)"),
        (lambda h: h["model_weights"].attrs.__delitem__("layer_names"),
         r"seed.h5: model_weights: has no 'layer_names' attribute"),
        (lambda h: h.attrs.__setitem__("model_config", "{not json"), r"seed.h5: model_config: not valid JSON"),
    ]
    for edit, pattern in cases:
        _raises(qtflite.KerasFileError, pattern, _h5_with(tmp_path, edit))


def test_legacy_h5_config_field(tmp_path):
    def edit(h):
        cfg = json.loads(h.attrs["model_config"])
        _layer(cfg, "dense")["config"]["units"] = -16
        h.attrs["model_config"] = json.dumps(cfg)
    _raises(qtflite.KerasFileError, r"seed.h5: model_config: config.layers\[4\].config.units \(layer 'dense', Dense\): "
            "expected a positive integer, got -16", _h5_with(tmp_path, edit))


def test_batch_norm_with_a_negative_variance(tmp_path):
    src = os.path.join(DATA, "mlperf_tiny", "resnet8_cifar10", "pretrainedResnet.h5")
    name = "model_weights/batch_normalization/batch_normalization/moving_variance:0"

    def edit(h):
        v = np.asarray(h[name]).copy()
        v[2] = -1.0
        h[name][...] = v
    _raises(qtflite.KerasFileError, r"layer 'batch_normalization' \(BatchNormalization\): resnet.h5: "
            rf"{name}: the moving variance \(\+ epsilon\) must be positive", _h5_with(tmp_path, edit, src, "resnet.h5"))


def test_json_and_weights(tmp_path):
    arch = json.loads(open(SEED_JSON).read())
    _layer(arch, "dense_1")["config"]["units"] = 12
    (tmp_path / "arch.json").write_text(json.dumps(arch))
    with pytest.raises(qtflite.KerasFileError, match=r"layer 'dense_1' \(Dense\): mnist_cnn_seed.weights.h5: "
                                                     r"layers/dense_1/vars/0 has shape \(16, 10\), expected \(16, 12\)"):
        lite.TFLiteConverter.from_keras_json(str(tmp_path / "arch.json"), SEED_WEIGHTS).convert()
    with pytest.raises(qtflite.KerasFileError, match=r"the architecture JSON: not valid JSON"):
        lite.TFLiteConverter.from_keras_json("{oops", SEED_WEIGHTS)


# ---------------------------------------------------------------- layer classes


def test_unknown_layer_class(tmp_path):
    def edit(cfg):
        _layer(cfg, "flatten")["class_name"] = "Flattenn"
    err = _raises(qtflite.UnsupportedLayerError, r"layer 'flatten' \(Flattenn\) is not supported: qtflite's converter "
                  r"has no lowering for this Keras layer class. Supported layers: .*Flatten", _archive_with(tmp_path, edit))
    assert isinstance(err, NotImplementedError)
    assert (err.layer, err.class_name) == ("flatten", "Flattenn")


def test_custom_layer_class(tmp_path):
    def edit(cfg):
        layer = _layer(cfg, "dense")
        layer.update(class_name="MyDense", module="my_project.layers", registered_name="my_project>MyDense")
    _raises(qtflite.UnsupportedLayerError, r"layer 'dense' \(MyDense\) is not supported: it is a custom layer "
            r"\(module 'my_project.layers', registered as 'my_project>MyDense'\): its computation is Python code, "
            "which is not saved in the model file", _archive_with(tmp_path, edit))


def test_lambda_layer(tmp_path):
    def add_lambda(cfg):
        layer = cfg["config"]["layers"][3]
        layer["class_name"] = "Lambda"
        layer["config"]["name"] = layer["name"] = "my_lambda"
        cfg["config"]["layers"][4]["inbound_nodes"][0]["args"][0]["config"]["keras_history"][0] = "my_lambda"
    _raises(qtflite.UnsupportedLayerError, r"layer 'my_lambda' \(Lambda\) is not supported: it runs Python code.*"
            "Supported layers: .*Dense", _archive_with(tmp_path, add_lambda))
