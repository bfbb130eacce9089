"""Reader and writer on every real .tflite file, checked against the official runtimes: a file
qtflite writes back gives the original's outputs in ai-edge-litert and in TensorFlow Lite Micro
(both in child processes, since a written file may be bad)."""
import os

import numpy as np
import pytest

import qtflite
from qtflite import lite
from conftest import LITERT_REJECTS, TFLITE_FILES, model_id
from op_harness import RuntimeRefused, micro_refusal, run_litert, run_micro


def test_shared_models_present():
    assert len(TFLITE_FILES) >= 15, TFLITE_FILES


def _strip_added_runtime_version(d_orig, d_written):
    """The writer appends min_runtime_version when a file lacks it; nothing else may differ."""
    names_orig = [m["name"] for m in d_orig["metadata"]]
    names_written = [m["name"] for m in d_written["metadata"]]
    if "min_runtime_version" not in names_orig:
        assert names_written == names_orig + ["min_runtime_version"]
        return True
    return False


@pytest.mark.parametrize("path", TFLITE_FILES, ids=model_id)
def test_round_trip(path):
    data = open(path, "rb").read()
    model = qtflite.load_model(path)
    written = model.serialize()
    assert written == model.serialize(), "writing twice must give identical bytes"
    again = qtflite.load_model(written)
    equal, diff = again.equals(model)
    if not equal:
        assert _strip_added_runtime_version(model.to_dict(), again.to_dict()), diff
        assert diff == "number of metadata entries"
    # A second cycle is a fixed point, byte for byte.
    assert qtflite.load_model(again.serialize()).equals(again)[0]
    assert again.serialize() == written
    assert written[4:8] == b"TFL3"
    assert len(written) <= len(data) * 1.01 + 64


@pytest.mark.parametrize("path", TFLITE_FILES, ids=model_id)
def test_dict_round_trip(path):
    model = qtflite.load_model(path)
    rebuilt = qtflite.Model.from_dict(model.to_dict())
    equal, diff = rebuilt.equals(model)
    assert equal, diff
    assert rebuilt.serialize() == model.serialize()


def _random_inputs(path, seed):
    rng = np.random.default_rng(seed)
    feeds = []
    for d in lite.Interpreter(model_path=path).get_input_details():
        if np.issubdtype(d["dtype"], np.floating):
            x = rng.standard_normal(d["shape"]).astype(d["dtype"])
        else:
            info = np.iinfo(d["dtype"])
            x = rng.integers(info.min, info.max, d["shape"], endpoint=True).astype(d["dtype"])
        feeds.append(x)
    return feeds


def _assert_same(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("path", TFLITE_FILES, ids=model_id)
def test_written_file_runs_in_official_runtime(path):
    pytest.importorskip("ai_edge_litert", reason="test extra ai-edge-litert not installed")
    original = open(path, "rb").read()
    written = qtflite.load_model(original).serialize()
    runs = [_random_inputs(path, seed) for seed in range(2)]
    got = run_litert(written, runs, batched=True)
    if os.path.basename(path) in LITERT_REJECTS:
        # The original cannot load in TFLite; ours must (the writer never emits the
        # out-of-range quantized_dimension), and must give finite, shaped outputs.
        with pytest.raises(Exception):
            run_litert(original, runs, batched=True)
        assert all(o.size > 0 for outputs in got for o in outputs)
    else:
        for g, w in zip(got, run_litert(original, runs, batched=True)):
            _assert_same(g, w)


@pytest.mark.parametrize("path", TFLITE_FILES, ids=model_id)
def test_written_file_runs_in_tflite_micro(path):
    """TFLite Micro runs the written file exactly as the original, or refuses both alike, as
    op_harness.micro_refusal expects (hybrid graphs: float inputs with int8 weights)."""
    pytest.importorskip("tflite_micro", reason="test extra tflite-micro not installed")
    original = open(path, "rb").read()
    written = qtflite.load_model(original).serialize()
    runs = [_random_inputs(path, seed) for seed in range(2)]
    refusal = micro_refusal(original)
    if refusal is not None:
        for data in (original, written):
            with pytest.raises(RuntimeRefused, match=refusal):
                run_micro(data, runs, batched=True)
        return
    want = run_micro(original, runs, batched=True)
    for g, w in zip(run_micro(written, runs, batched=True), want):
        _assert_same(g, w)


def test_person_detect_reads_like_tflite_micro():
    path = [p for p in TFLITE_FILES if p.endswith("person_detect.tflite")][0]
    d = qtflite.load_model(path).to_dict()
    per_channel_rank1 = [t for t in d["subgraphs"][0]["tensors"]
                         if len(t["shape"]) == 1 and len(t["quantization"]["scales"]) > 1]
    assert per_channel_rank1, "expected per-channel biases"
    assert all(t["quantization"]["quantized_dimension"] == 0 for t in per_channel_rank1)


def test_constants_are_views_of_the_file():
    path = [p for p in TFLITE_FILES if p.endswith("pretrainedResnet_quant.tflite")][0]
    d = qtflite.load_model(path).to_dict()
    consts = [t for t in d["subgraphs"][0]["tensors"] if t["data"] is not None]
    assert consts
    for t in consts:
        assert not t["data"].flags.writeable
        n = int(np.prod(t["shape"])) * np.dtype(t["dtype"]).itemsize
        assert t["data"].nbytes == n


# ---- bad inputs: clear exceptions


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such model file"):
        qtflite.load_model(str(tmp_path / "nope.tflite"))


def test_directory(tmp_path):
    with pytest.raises(IsADirectoryError):
        qtflite.load_model(str(tmp_path))


def test_empty_file(tmp_path):
    p = tmp_path / "empty.tflite"
    p.write_bytes(b"")
    with pytest.raises(qtflite.ModelError, match="empty"):
        qtflite.load_model(str(p))


def test_png_renamed(tmp_path):
    p = tmp_path / "picture.tflite"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    with pytest.raises(qtflite.ModelError, match="PNG"):
        qtflite.load_model(str(p))


def test_wrong_identifier():
    data = bytearray(open(TFLITE_FILES[0], "rb").read())
    data[4:8] = b"ABCD"
    with pytest.raises(qtflite.ModelError, match="TFL3.*ABCD"):
        qtflite.load_model(bytes(data))


def test_truncated():
    data = open(TFLITE_FILES[0], "rb").read()
    with pytest.raises(qtflite.ModelError, match="truncated or corrupt"):
        qtflite.load_model(data[: len(data) // 2])


def test_model_error_is_value_error():
    assert issubclass(qtflite.ModelError, ValueError)
    assert qtflite.ModelError.__module__ == "qtflite"


def test_wrong_type():
    with pytest.raises(TypeError, match="path or bytes"):
        qtflite.load_model(12345)


# ---- semantic checks, by editing a real graph


def _hello_world_dict():
    path = [p for p in TFLITE_FILES if p.endswith("hello_world_float.tflite")][0]
    return qtflite.load_model(path).to_dict()


def test_buffer_size_mismatch_names_tensor():
    d = _hello_world_dict()
    g = d["subgraphs"][0]
    t = next(t for t in g["tensors"] if t["data"] is not None)
    t["data"] = np.zeros(t["data"].nbytes + 4, np.uint8)
    written = qtflite.Model.from_dict(d).serialize()
    with pytest.raises(qtflite.ModelError, match=f"'{t['name']}'.*holds {t['data'].nbytes} bytes"):
        qtflite.load_model(written)


def test_per_channel_count_mismatch():
    d = _hello_world_dict()
    t = next(t for t in d["subgraphs"][0]["tensors"] if len(t["shape"]) == 2)
    t["quantization"] = {"scales": [0.1, 0.2, 0.3], "zero_points": [0, 0, 0],
                         "quantized_dimension": 0}
    with pytest.raises(qtflite.ModelError, match="3 quantization scales but dimension 0 has size"):
        qtflite.load_model(qtflite.Model.from_dict(d).serialize())


def test_bad_options_type_for_operator():
    d = _hello_world_dict()
    op = d["subgraphs"][0]["operators"][0]
    assert op["opcode"] == "FULLY_CONNECTED"
    op["options_type"] = "Conv2DOptions"
    op["options"] = {}
    with pytest.raises(qtflite.ModelError, match="operator 0 \\(FULLY_CONNECTED\\) carries Conv2DOptions"):
        qtflite.load_model(qtflite.Model.from_dict(d).serialize())


def test_wrong_input_count():
    d = _hello_world_dict()
    d["subgraphs"][0]["operators"][0]["inputs"] = [0]
    with pytest.raises(qtflite.ModelError, match="has 1 inputs; it takes 2 to 3"):
        qtflite.load_model(qtflite.Model.from_dict(d).serialize())


def test_writer_refuses_out_of_range_index():
    d = _hello_world_dict()
    d["subgraphs"][0]["operators"][0]["outputs"] = [999]
    with pytest.raises(ValueError, match="refers to tensor 999, out of range"):
        qtflite.Model.from_dict(d).serialize()


def test_unknown_option_field():
    d = _hello_world_dict()
    d["subgraphs"][0]["operators"][0]["options"]["no_such_field"] = 1
    with pytest.raises(ValueError, match="FullyConnectedOptions has no field 'no_such_field'"):
        qtflite.Model.from_dict(d)


def test_min_runtime_version_computed_when_absent():
    d = _hello_world_dict()
    d["metadata"] = [m for m in d["metadata"] if m["name"] != "min_runtime_version"]
    written = qtflite.Model.from_dict(d).serialize()
    report = qtflite.inspect(written)
    assert report["min_runtime_version"] == "1.5.0"  # FULLY_CONNECTED v1 only
