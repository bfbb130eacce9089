"""qtflite.lite.Interpreter's API against ai-edge-litert's on the same files."""
import os

import numpy as np
import pytest

import qtflite
from qtflite import lite
from conftest import LITERT_REJECTS, TFLITE_FILES, model_id
from op_harness import T, single_op_model

litert = pytest.importorskip("ai_edge_litert", reason="test extra ai-edge-litert not installed")
from ai_edge_litert.interpreter import Interpreter as LitertInterpreter  # noqa: E402

PARITY_FILES = [p for p in TFLITE_FILES if os.path.basename(p) not in LITERT_REJECTS]


def _assert_details_equal(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert set(a) == set(b)
        for key in ("name", "index", "dtype", "quantization"):
            assert a[key] == b[key], key
            assert type(a[key]) is type(b[key]), key
        for key in ("shape", "shape_signature"):
            assert a[key].dtype == b[key].dtype == np.int32
            np.testing.assert_array_equal(a[key], b[key])
        qa, qb = a["quantization_parameters"], b["quantization_parameters"]
        assert set(qa) == set(qb)
        for key in ("scales", "zero_points"):
            assert qa[key].dtype == qb[key].dtype, key
            np.testing.assert_array_equal(qa[key], qb[key])
        assert qa["quantized_dimension"] == qb["quantized_dimension"]
        assert a["sparsity_parameters"] == b["sparsity_parameters"]


@pytest.mark.parametrize("path", PARITY_FILES, ids=model_id)
def test_details_match_litert(path):
    ours = lite.Interpreter(model_path=path)
    theirs = LitertInterpreter(model_path=path)
    _assert_details_equal(ours.get_input_details(), theirs.get_input_details())
    _assert_details_equal(ours.get_output_details(), theirs.get_output_details())
    assert ours.get_signature_list() == theirs.get_signature_list()


@pytest.mark.parametrize("path", PARITY_FILES, ids=model_id)
def test_tensor_details_match_litert(path):
    ours = lite.Interpreter(model_path=path).get_tensor_details()
    theirs = {d["index"]: d for d in LitertInterpreter(model_path=path).get_tensor_details()}
    # LiteRT leaves out tensors it has no use for; compare the ones it lists.
    _assert_details_equal([ours[i] for i in sorted(theirs)], [theirs[i] for i in sorted(theirs)])


def _fc_model():
    return single_op_model(
        "FULLY_CONNECTED",
        [T("float32", [1, 3]), T("float32", data=np.arange(6, dtype=np.float32).reshape(2, 3)),
         T("float32", data=[0.5, -1.0])],
        [T("float32", [1, 2])], "FullyConnectedOptions", {})


def test_invoke_before_allocate():
    it = lite.Interpreter(model_content=_fc_model())
    with pytest.raises(RuntimeError, match="not ready"):
        it.invoke()
    with pytest.raises(RuntimeError, match="allocate_tensors"):
        it.get_tensor(0)


def test_bad_index_and_arguments():
    it = lite.Interpreter(model_content=_fc_model())
    it.allocate_tensors()
    with pytest.raises(ValueError, match="Invalid tensor index 99 exceeds max tensor index"):
        it.get_tensor(99)
    with pytest.raises(ValueError, match="Invalid tensor index -1"):
        it.set_tensor(-1, np.zeros(1))
    with pytest.raises(ValueError, match="Exactly one of model_path and model_content"):
        lite.Interpreter()
    with pytest.raises(ValueError, match="numerics must be 'micro' or 'litert'"):
        lite.Interpreter(model_content=_fc_model(), numerics="fast")
    with pytest.raises(ValueError, match="not an input"):
        it.resize_tensor_input(3, [2, 2])


def test_set_tensor_messages_match_tensorflow():
    model = _fc_model()
    ours = lite.Interpreter(model_content=model)
    theirs = LitertInterpreter(model_content=model)
    ours.allocate_tensors()
    theirs.allocate_tensors()
    for bad in (np.zeros((1, 3), np.int8), np.zeros((2, 3), np.float32), np.zeros((3,), np.float32)):
        with pytest.raises(ValueError) as e_theirs:
            theirs.set_tensor(0, bad)
        with pytest.raises(ValueError) as e_ours:
            ours.set_tensor(0, bad)
        assert str(e_ours.value).strip() == str(e_theirs.value).strip().split("\n")[0].strip()


def test_get_tensor_copies_and_tensor_views():
    it = lite.Interpreter(model_content=_fc_model())
    it.allocate_tensors()
    it.set_tensor(0, np.array([[1, 2, 3]], np.float32))
    it.invoke()
    out_index = it.get_output_details()[0]["index"]
    y = it.get_tensor(out_index)
    np.testing.assert_array_equal(y, [[0 + 2 + 6 + 0.5, 3 + 8 + 15 - 1.0]])
    y[...] = 0
    assert it.get_tensor(out_index)[0, 0] == 8.5  # a copy
    view = it.tensor(0)
    view()[...] = np.array([[1, 0, 0]], np.float32)  # writes the input in place
    it.invoke()
    np.testing.assert_array_equal(it.get_tensor(out_index), [[0.5, 2.0]])
    held = it.tensor(out_index)()
    it.allocate_tensors()  # the old view stays readable memory (kept alive), not a crash
    assert held.shape == (1, 2)


def test_unimplemented_operator_names_it():
    d = qtflite.load_model(_fc_model()).to_dict()
    op = d["subgraphs"][0]["operators"][0]
    op.update(opcode="CUSTOM", builtin_code=32, custom_code="MyFancyOp", options_type=None, options={})
    model = qtflite.Model.from_dict(d).serialize()
    it = lite.Interpreter(model_content=model)
    with pytest.raises(NotImplementedError, match=r"operator 0 \(MyFancyOp version 1\) is not implemented"):
        it.allocate_tensors()


def test_prepare_errors_name_the_operator_and_tensors():
    # β·s_in·2^26 = 0.53 < 1: the arithmetic helper (QuantizeMultiplierGreaterThanOne) refuses, as
    # every runtime does; the error names the operator, its version and its tensors.
    model = single_op_model("SOFTMAX", [T("int8", [1, 10], scale=7.84e-9, zero_point=0, name="logits")],
                            [T("int8", [1, 10], scale=1 / 256, zero_point=-128, name="probs")], "SoftmaxOptions",
                            {"beta": 1.0}, version=2)
    for numerics in ("micro", "litert"):
        with pytest.raises(qtflite.ModelError) as e:
            lite.Interpreter(model_content=model, numerics=numerics).allocate_tensors()
        assert isinstance(e.value, ValueError)
        message = str(e.value)
        assert message.startswith("operator 0 (SOFTMAX v2): QuantizeMultiplierGreaterThanOne: multiplier 0.52")
        assert "[inputs: tensor 0 'logits' int8[1,10] scale 7.84e-09 zero point 0; " \
               "outputs: tensor 1 'probs' int8[1,10] scale 0.00390625 zero point -128]" in message
    # An error the operator's kernel raises itself is labelled once and keeps its type.
    model = single_op_model("SOFTMAX", [T("int8", [1, 10], scale=0.1, zero_point=0)],
                            [T("int8", [1, 10], scale=0.01, zero_point=-128)], "SoftmaxOptions", {"beta": 1.0},
                            version=2)
    with pytest.raises(qtflite.ModelError, match=r"^operator 0 \(SOFTMAX v2\): softmax: int8 output must have "
                                                 r"scale 1/256 .*\[inputs: tensor 0 'in0' int8\[1,10\]") as e:
        lite.Interpreter(model_content=model).allocate_tensors()
    assert str(e.value).count("operator 0") == 1
    model = single_op_model("SOFTMAX", [T("int32", [1, 10], scale=1.0, zero_point=0)],
                            [T("int32", [1, 10], scale=1.0, zero_point=0)], "SoftmaxOptions", {"beta": 1.0})
    with pytest.raises(NotImplementedError, match=r"^operator 0 \(SOFTMAX v1\): type int32 is not supported \["):
        lite.Interpreter(model_content=model).allocate_tensors()


def test_resize_and_batch_rows_equal_single_runs():
    model = _fc_model()
    x = np.random.default_rng(0).standard_normal((64, 3)).astype(np.float32)
    it = lite.Interpreter(model_content=model)
    it.resize_tensor_input(0, [64, 3])
    it.allocate_tensors()
    it.set_tensor(0, x)
    it.invoke()
    batch = it.get_tensor(it.get_output_details()[0]["index"])
    assert batch.shape == (64, 2)
    single = lite.Interpreter(model_content=model)
    single.allocate_tensors()
    for r in range(64):
        single.set_tensor(0, x[r:r + 1])
        single.invoke()
        np.testing.assert_array_equal(single.get_tensor(3), batch[r:r + 1])


def test_strict_resize():
    path = [p for p in TFLITE_FILES if p.endswith("hello_world_float.tflite")][0]
    it = lite.Interpreter(model_path=path)
    it.resize_tensor_input(0, [8, 1], strict=True)
    with pytest.raises(ValueError, match="only allows mutating unknown dimensions"):
        it.resize_tensor_input(0, [8, 2], strict=True)


def test_signature_runner_hello_world():
    path = [p for p in TFLITE_FILES if p.endswith("hello_world_float.tflite")][0]
    ours = lite.Interpreter(model_path=path).get_signature_runner()
    theirs = LitertInterpreter(model_path=path).get_signature_runner()
    x = np.linspace(0, 6, 16, dtype=np.float32).reshape(16, 1)
    a, b = ours(dense_input=x), theirs(dense_input=x)
    assert set(a) == set(b) == {"dense_2"}
    np.testing.assert_allclose(a["dense_2"], b["dense_2"], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="Invalid Input name"):
        ours(wrong=x)


def test_constant_weights_view_the_model_bytes():
    """Weights are read in place from the model's bytes (no copy while they stay alive)."""
    import sys
    path = [p for p in TFLITE_FILES if p.endswith("pretrainedResnet_quant.tflite")][0]
    data = open(path, "rb").read()
    before = sys.getrefcount(data)
    model = qtflite.load_model(data)
    assert sys.getrefcount(data) == before + 1  # the model holds the bytes object itself
    d = model.to_dict()
    weights = next(t["data"] for t in d["subgraphs"][0]["tensors"] if t["data"] is not None and t["data"].nbytes > 1000)
    base = np.frombuffer(data, np.uint8)
    start = weights.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    assert 0 <= start < len(data)  # the array points into the file's bytes
    np.testing.assert_array_equal(base[start:start + weights.nbytes], weights)
    del model, d, weights, base
    assert sys.getrefcount(data) == before  # released with the model


def test_set_tensor_checks_again_after_resize():
    """set_tensor remembers the dtype and shape it accepted; resizing forgets them."""
    model = single_op_model("ADD", [T("float32", [2, 3]), T("float32", [2, 3])], [T("float32", [2, 3])],
                            "AddOptions", {"fused_activation_function": 0})
    it = lite.Interpreter(model_content=model)
    it.allocate_tensors()
    a, b = [d["index"] for d in it.get_input_details()]
    out = it.get_output_details()[0]["index"]
    for _ in range(2):  # the second time through the remembered check
        it.set_tensor(a, np.ones((2, 3), np.float32))
        it.set_tensor(b, np.full((2, 3), 2, np.float32))
        with pytest.raises(ValueError, match="Dimension mismatch"):
            it.set_tensor(a, np.ones((2, 4), np.float32))
        with pytest.raises(ValueError, match="type FLOAT64"):
            it.set_tensor(a, np.ones((2, 3), np.float64))
    it.invoke()
    np.testing.assert_array_equal(it.get_tensor(out), np.full((2, 3), 3, np.float32))
    it.resize_tensor_input(a, [4, 3])
    it.resize_tensor_input(b, [4, 3])
    with pytest.raises(RuntimeError, match="not allocated"):
        it.set_tensor(a, np.ones((2, 3), np.float32))
    it.allocate_tensors()
    with pytest.raises(ValueError, match="Dimension mismatch"):
        it.set_tensor(a, np.ones((2, 3), np.float32))
    it.set_tensor(a, np.ones((4, 3), np.float32))
    it.set_tensor(b, np.ones((4, 3), np.float32)[::-1])  # a reversed view: copied contiguous
    it.invoke()
    np.testing.assert_array_equal(it.get_tensor(out), np.full((4, 3), 2, np.float32))


@pytest.mark.parametrize("path", TFLITE_FILES, ids=model_id)
def test_inputs_survive_invoke(path):
    """As in tf.lite, a graph input set once keeps its value through invoke (its memory is not
    reused for intermediates), so invoking again gives the same outputs."""
    it = lite.Interpreter(model_path=path)
    it.allocate_tensors()
    rng = np.random.default_rng(0)
    given = []
    for d in it.get_input_details():
        info = np.iinfo(d["dtype"]) if np.issubdtype(d["dtype"], np.integer) else None
        x = (rng.integers(info.min, info.max, d["shape"], endpoint=True) if info else rng.random(d["shape"]))
        given.append((d["index"], x.astype(d["dtype"])))
        it.set_tensor(*given[-1])
    outs = [d["index"] for d in it.get_output_details()]
    it.invoke()
    first = [it.get_tensor(o).copy() for o in outs]
    for index, x in given:
        np.testing.assert_array_equal(it.get_tensor(index), x)
    it.reset_all_variables()
    it.invoke()
    for o, y in zip(outs, first):
        np.testing.assert_array_equal(it.get_tensor(o), y)
