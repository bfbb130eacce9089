"""RESHAPE between intermediate tensors shares its input's memory (no copy at invoke): the
values stay right when the reshaped tensor, chains of RESHAPEs and the original tensor are all
read later in the graph, so that the shared memory must live until the last of them."""
import numpy as np

from qtflite import lite
from qtflite.frontends.graph_builder import GraphBuilder


def _model():
    b = GraphBuilder(dynamic_batch=False)
    x = b.activation("x", [1, 2, 3], batched=False)
    b.inputs.append(x)
    c = b.constant("c", np.array([[[1, 2, 3], [4, 5, 6]]], np.float32))
    a = b.activation("a", [1, 2, 3], batched=False)
    b.op("MUL", [x, c], [a], "MulOptions", {})
    r = b.activation("r", [1, 6], batched=False)
    b.op("RESHAPE", [a, b.constant("shape_r", np.array([1, 6], np.int32))], [r], "ReshapeOptions", {})
    s = b.activation("s", [1, 6], batched=False)
    b.op("ADD", [r, b.constant("one", np.ones((1, 6), np.float32))], [s], "AddOptions", {})
    r2 = b.activation("r2", [6], batched=False)
    b.op("RESHAPE", [r, b.constant("shape_r2", np.array([6], np.int32))], [r2], "ReshapeOptions", {})
    t = b.activation("t", [6], batched=False)
    b.op("SUB", [r2, b.constant("ten", np.full(6, 10, np.float32))], [t], "SubOptions", {})
    m = b.activation("m", [1, 2, 3], batched=False)
    b.op("MUL", [a, a], [m], "MulOptions", {})  # the RESHAPEs' input, read after them
    u = b.activation("u", [1, 6], batched=False)
    b.op("ADD", [s, r], [u], "AddOptions", {})
    b.outputs.extend([t, m, u])
    return b.build([("x", x)], [("t", t), ("m", m), ("u", u)]).serialize()


def test_reshape_shares_memory_and_keeps_values():
    it = lite.Interpreter(model_content=_model())
    it.allocate_tensors()
    for seed in range(3):
        x = np.random.default_rng(seed).standard_normal((1, 2, 3)).astype(np.float32)
        it.set_tensor(it.get_input_details()[0]["index"], x)
        it.invoke()
        a = x * np.array([[[1, 2, 3], [4, 5, 6]]], np.float32)
        got = {d["name"]: it.get_tensor(d["index"]) for d in it.get_output_details()}
        np.testing.assert_array_equal(got["t"], a.reshape(6) - 10)
        np.testing.assert_array_equal(got["m"], a * a)
        np.testing.assert_array_equal(got["u"], (a.reshape(1, 6) + 1) + a.reshape(1, 6))


def test_reshape_output_is_a_view_of_its_input():
    it = lite.Interpreter(model_content=_model())
    it.allocate_tensors()
    index = {d["name"]: d["index"] for d in it.get_tensor_details()}
    address = {n: it.tensor(index[n])().__array_interface__["data"][0] for n in ("a", "r", "r2", "s", "m")}
    assert address["a"] == address["r"] == address["r2"]
    assert len({address["a"], address["s"], address["m"]}) == 3
