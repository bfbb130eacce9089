"""Weights-only quantization (dynamic range "hybrid" int8, float16) against TensorFlow 2.21's
converter, which runs in a subprocess (tf_reference.py).

Two comparisons per model and mode:

1. The pass alone: qtflite's weights_only.dynamic_range / float16 applied to TensorFlow's own
   float .tflite must give TensorFlow's quantized file: every operator, version and option,
   and every operand tensor (dtype, shape, quantization, bytes, constant names), metadata and
   tensor count, bit for bit. Only the numbering of tensors and the order inside the leading
   block of float16 DEQUANTIZE operators may differ: TensorFlow's follow MLIR's internal order
   of constants, which is not the same even between TensorFlow's float and quantized files.
2. The whole converter from the Keras file. The float graphs differ where test_tf_parity.py
   documents it (dynamic Flatten, Normalization folding in kws_cnn, branch order in
   mobile_mnist) and in the zoo models (TensorFlow writes dilated depthwise convolutions as
   SPACE_TO_BATCH_ND/BATCH_TO_SPACE_ND, Dense on 3-D inputs as RESHAPE + FULLY_CONNECTED,
   LayerNormalization as MEAN/SQUARED_DIFFERENCE/RSQRT, Dense without bias with an absent
   bias, and in zoo_ties it moves the bias of a Dense without activation into the next Dense).
   Deliberate/known differences, asserted as such below:
   - BatchNormalization folding: TensorFlow folds with its own rsqrt, which is not correctly
     rounded (the CPU's approximate rsqrt plus a Newton step, so the bits depend on the CPU),
     so folded float weights differ by about one ulp (resnet8, mobile_mnist, ad01).
     Quantized values of those weights may then differ by one step; everything else about
     them (dtype, shape, axis, scale count) is the same.
   - TensorFlow's float files also carry a CONVERSION_METADATA entry; qtflite writes none.
   - Outputs: hybrid kernels quantize activations at run time, so an ulp of float difference
     upstream can move one activation across a rounding step. Such outputs are compared with
     a 1e-3 relative tolerance; identical graphs must agree within 1e-5.

The zoo models (tf_reference.make_weight_zoo) cover what the shared models do not: depthwise,
grouped and transposed convolutions, Dense without bias, PReLU, weights just below and at the
1024-element threshold, all-zero channels, and weights placed exactly on rounding ties (they
show that TensorFlow quantizes in double, w / (max|w| / 127), ties away from zero, and not with
the float32 multiply-by-inverse of TFLite's runtime quantizer)."""
import functools
import importlib.util
import os
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

import qtflite
from qtflite import lite
from qtflite.quantize import weights_only
from tf_ops import DYNAMIC_FLATTEN, normalise_tf
from conftest import DATA
from op_harness import run_litert, run_qtflite

if importlib.util.find_spec("tensorflow") is None:  # not imported here: see tf_reference.py
    pytest.skip("test extra tensorflow-cpu not installed", allow_module_level=True)

HERE = os.path.dirname(__file__)
SHARED_MODELS = {
    "mnist_cnn_seed": "keras/mnist_cnn_seed.keras",
    "mnist_cnn_gowtham": "keras/mnist_cnn_gowtham.keras",
    "mobile_mnist": "keras/mobile_mnist.keras",
    "kws_cnn": "keras/kws_cnn.keras",
    "resnet8": "mlperf_tiny/resnet8_cifar10/pretrainedResnet.h5",
    "ad01": "mlperf_tiny/anomaly_ad01/ad01.h5",
}
ZOO_MODELS = ["zoo_conv", "zoo_dense", "zoo_ties"]
MODELS = list(SHARED_MODELS) + ZOO_MODELS
MODES = ["drq", "drq-per-tensor", "drq-dense-per-tensor", "fp16"]
CASES = [(m, mode) for m in MODELS for mode in MODES]
CASE_IDS = [f"{m}-{mode}" for m, mode in CASES]

# Models whose float weights TensorFlow folds from BatchNormalization with a different rsqrt.
BN_FOLDED = {"resnet8", "mobile_mnist", "ad01"}
# Models whose float graph (operators) qtflite writes differently from TensorFlow.
GRAPH_DIFFERS = {"zoo_conv", "zoo_dense"}
# ... and those whose float constants differ in number: kws_cnn (Normalization folded by
# TensorFlow), zoo_ties (TensorFlow folds dense_6's bias into dense_7's: b6·W7 + b7).
CONSTANTS_DIFFER = GRAPH_DIFFERS | {"kws_cnn", "zoo_ties"}
WEIGHT_OPS = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV"}
# Operator versions that differ because the float graphs differ (model, mode, operator).
VERSION_DIFFERENCES = {
    # qtflite keeps the dilation in DEPTHWISE_CONV_2D (version 2); TensorFlow rewrites it to
    # SPACE_TO_BATCH_ND + DEPTHWISE_CONV_2D (version 1). Hybrid versions (6, 4) hide this.
    ("zoo_conv", "fp16", "DEPTHWISE_CONV_2D"),
    # qtflite's Dense on a 3-D input is FULLY_CONNECTED keep_num_dims (version 5); TensorFlow
    # reshapes around a version-1 one. Hybrid versions (12, 9) hide this, except that the
    # per-tensor hybrid version of a keep_num_dims FULLY_CONNECTED is 5, below 9.
    ("zoo_dense", "fp16", "FULLY_CONNECTED"),
}
RUNTIME_VERSION_DIFFERENCES = {("zoo_dense", "fp16")}  # FULLY_CONNECTED v5 -> "2.0.0"


def _configure(converter, mode):
    converter.optimizations = [lite.Optimize.DEFAULT]
    if mode == "drq-per-tensor":
        converter._experimental_disable_per_channel = True
    elif mode == "drq-dense-per-tensor":
        converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    elif mode == "fp16":
        converter.target_spec.supported_types = [qtflite.float16]
    return converter


@pytest.fixture(scope="module")
def tf_files(tmp_path_factory):
    """{model id: path of the Keras file}, plus TensorFlow's conversions in every mode, made
    once per session in two TensorFlow subprocesses."""
    root = tmp_path_factory.mktemp("tf_weights_only")
    env = dict(os.environ, KERAS_BACKEND="tensorflow")
    script = os.path.join(HERE, "tf_reference.py")
    res = subprocess.run([sys.executable, script, "make-weight-zoo", str(root)], capture_output=True, text=True,
                         env=env, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    paths = {m: os.path.join(DATA, p) for m, p in SHARED_MODELS.items()}
    paths.update({m: os.path.join(str(root), m + ".keras") for m in ZOO_MODELS})
    res = subprocess.run([sys.executable, script, "convert-many", str(root), ",".join(["float"] + MODES)]
                         + [paths[m] for m in MODELS], capture_output=True, text=True, env=env, timeout=1800)
    assert res.returncode == 0, res.stderr[-3000:]
    return {"root": str(root), "keras": paths}


def tf_file(tf_files, model, mode) -> bytes:
    path = os.path.join(tf_files["root"], f"{os.path.basename(tf_files['keras'][model])}.{mode}.tflite")
    with open(path, "rb") as f:
        return f.read()


@functools.lru_cache(maxsize=None)
def _ours(path, mode) -> bytes:
    converter = lite.TFLiteConverter.from_keras_file(path)
    if mode != "float":
        _configure(converter, mode)
    return converter.convert()


def ours(tf_files, model, mode) -> bytes:
    return _ours(tf_files["keras"][model], mode)


def apply_pass(model_dict, mode):
    if mode == "fp16":
        return weights_only.float16(model_dict)
    return weights_only.dynamic_range(model_dict, per_channel=mode != "drq-per-tensor",
                                      per_channel_dense=mode != "drq-dense-per-tensor")


# ---------------------------------------------------------------- canonical graph form

def canonical(model_bytes, values=True):
    """A file's single subgraph with operands described by content instead of tensor index,
    and the leading float16 DEQUANTIZE block folded into the operands that read it.
    values=False leaves out constant bytes and scale values (for files of other weights)."""
    d = qtflite.load_model(model_bytes).to_dict()
    g = d["subgraphs"][0]
    tensors, ops = g["tensors"], g["operators"]
    n_dq = 0
    dequantized = {}
    while (n_dq < len(ops) and ops[n_dq]["opcode"] == "DEQUANTIZE"
           and tensors[ops[n_dq]["inputs"][0]]["data"] is not None):
        dequantized[ops[n_dq]["outputs"][0]] = ops[n_dq]
        n_dq += 1
    producer = {}
    for k, o in enumerate(ops[n_dq:]):
        for j, t in enumerate(o["outputs"]):
            producer[t] = (k, j)

    def constant(t):
        q = t["quantization"]
        name = t["name"]
        if name.startswith("arith.constant"):  # MLIR numbers these per file
            name = "arith.constant"
        scales = np.asarray(q["scales"], np.float32)
        return (name, t["dtype"], tuple(t["shape"]), scales.tobytes() if values else len(scales),
                tuple(np.asarray(q["zero_points"]).tolist()),
                int(q["quantized_dimension"]) if len(scales) else None,
                bytes(t["data"]) if values else None)

    def operand(i):
        if i < 0:
            return None
        t = tensors[i]
        if i in dequantized:
            o = dequantized[i]
            return ("DEQUANTIZE", o["version"], operand(o["inputs"][0]), t["dtype"], tuple(t["shape"]))
        if i in producer:
            return ("activation", producer[i], t["dtype"], tuple(t["shape"]), tuple(t["shape_signature"] or ()))
        if t["data"] is not None and len(t["data"]):
            return constant(t)
        return ("input", t["name"], t["dtype"], tuple(t["shape"]), tuple(t["shape_signature"] or ()))

    return {
        "operators": [(o["opcode"], o["version"], tuple(sorted(o["options"].items())),
                       tuple(operand(i) for i in o["inputs"]), tuple(operand(i) for i in o["outputs"]))
                      for o in ops[n_dq:]],
        "graph_inputs": [operand(i) for i in g["inputs"]],
        "graph_outputs": [operand(i) for i in g["outputs"]],
        "dequantize_count": n_dq,
        "tensor_count": len(tensors),
        "metadata": [(m["name"], m["data"]) for m in d["metadata"] if m["name"] != "CONVERSION_METADATA"],
        "signatures": [(s["key"], [n for n, _ in s["inputs"]], [n for n, _ in s["outputs"]])
                       for s in d["signature_defs"]],
    }


def first_difference(a, b):
    for key in a:
        if a[key] == b[key]:
            continue
        if key == "operators":
            for k, (x, y) in enumerate(zip(a[key], b[key])):
                if x != y:
                    return f"operator {k}: qtflite {str(x)[:600]}\n  TensorFlow {str(y)[:600]}"
            return f"operator count {len(a[key])} != {len(b[key])}"
        return f"{key}: qtflite {str(a[key])[:600]}\n  TensorFlow {str(b[key])[:600]}"
    return None


@pytest.mark.parametrize("model,mode", CASES, ids=CASE_IDS)
def test_pass_on_tensorflow_float_file_gives_tensorflow_file(model, mode, tf_files):
    float_dict = qtflite.load_model(tf_file(tf_files, model, "float")).to_dict()
    before = canonical(qtflite.Model.from_dict(float_dict).serialize())
    mine = canonical(qtflite.Model.from_dict(apply_pass(float_dict, mode)).serialize())
    theirs = canonical(tf_file(tf_files, model, mode))
    assert first_difference(mine, theirs) is None, first_difference(mine, theirs)
    # The input dict is left as it was.
    assert canonical(qtflite.Model.from_dict(float_dict).serialize()) == before


# ---------------------------------------------------------------- from the Keras file

def _graph(model_bytes):
    d = qtflite.load_model(model_bytes).to_dict()
    return d, d["subgraphs"][0]


def _value(t):
    return np.asarray(t["data"]).view(np.dtype(t["dtype"])).reshape(t["shape"])


def _weight_ops(g):
    """[(operator, weight tensor)] of CONV/DEPTHWISE/FULLY_CONNECTED/TRANSPOSE_CONV, the weight
    read through its float16 DEQUANTIZE where there is one."""
    deq = {o["outputs"][0]: o["inputs"][0] for o in g["operators"] if o["opcode"] == "DEQUANTIZE"}
    out = []
    for o in g["operators"]:
        if o["opcode"] in WEIGHT_OPS:
            t = o["inputs"][1]
            out.append((o, g["tensors"][deq.get(t, t)]))
    return out


def _match_weight_ops(float_ours, float_tf):
    """Pairs (our index, TensorFlow's index) of weight operators: same kind and weight shape,
    nearest float weights (independent branches may come in another order)."""
    a, b = _weight_ops(float_ours), _weight_ops(float_tf)
    assert Counter((o["opcode"], tuple(t["shape"])) for o, t in a) == \
        Counter((o["opcode"], tuple(t["shape"])) for o, t in b)
    pairs, used = [], set()
    for j, (o, t) in enumerate(b):
        cands = [i for i, (p, s) in enumerate(a) if i not in used and p["opcode"] == o["opcode"]
                 and s["shape"] == t["shape"]]
        i = min(cands, key=lambda i: float(np.max(np.abs(_value(a[i][1]) - _value(t)))))
        used.add(i)
        pairs.append((i, j))
    return pairs


def _operator_list(g):
    return [o["opcode"] for o in g["operators"] if o["opcode"] != "DEQUANTIZE"]




@pytest.mark.parametrize("model,mode", CASES, ids=CASE_IDS)
def test_keras_conversion_matches_tensorflow(model, mode, tf_files):
    d_ours, g_ours = _graph(ours(tf_files, model, mode))
    d_tf, g_tf = _graph(tf_file(tf_files, model, mode))
    _, f_ours = _graph(ours(tf_files, model, "float"))
    _, f_tf = _graph(tf_file(tf_files, model, "float"))

    # Operators.
    mine, theirs = _operator_list(g_ours), normalise_tf(_operator_list(g_tf))
    if model == "kws_cnn":  # TensorFlow folds the Normalization's SUB/MUL into the weights
        assert mine[1:3] == ["SUB", "MUL"]
        mine = mine[:1] + mine[3:]
    if model in GRAPH_DIFFERS:
        mine, theirs = [o for o in mine if o in WEIGHT_OPS], [o for o in theirs if o in WEIGHT_OPS]
    if model == "mobile_mnist":
        assert Counter(mine) == Counter(theirs)
    else:
        assert mine == theirs
    n_deq = [sum(o["opcode"] == "DEQUANTIZE" for o in g["operators"]) for g in (g_ours, g_tf)]
    if mode == "fp16":
        assert all(o["opcode"] == "DEQUANTIZE" and o["version"] == 3 for o in g_ours["operators"][:n_deq[0]])
        assert n_deq[0] == sum(t["dtype"] == "float16" for t in g_ours["tensors"])
        assert (n_deq[0] == n_deq[1]) == (model not in CONSTANTS_DIFFER)
    else:
        assert n_deq == [0, 0]

    # Versions of the operators both files have.
    v_ours = {o["opcode"]: o["version"] for o in g_ours["operators"]}
    v_tf = {o["opcode"]: o["version"] for o in g_tf["operators"]}
    differing = {op for op in set(v_ours) & set(v_tf) if v_ours[op] != v_tf[op]}
    assert differing == {op for m, md, op in VERSION_DIFFERENCES if (m, md) == (model, mode)}, (v_ours, v_tf)
    for g in (g_ours, g_tf):  # one version per operator kind
        assert len({(o["opcode"], o["version"]) for o in g["operators"]}) == len({o["opcode"] for o in g["operators"]})

    # min_runtime_version (qtflite writes it first, as TensorFlow does) and the other metadata.
    names = [m["name"] for m in d_ours["metadata"]]
    assert names == [m["name"] for m in d_tf["metadata"] if m["name"] != "CONVERSION_METADATA"]
    if (model, mode) not in RUNTIME_VERSION_DIFFERENCES:
        assert d_ours["metadata"][0] == d_tf["metadata"][0]

    # Weights: layout always the same; values bit for bit unless the float weights differ.
    assert sum(t["dtype"] == "int8" for t in g_ours["tensors"]) == sum(t["dtype"] == "int8" for t in g_tf["tensors"])
    w_ours, w_tf = _weight_ops(g_ours), _weight_ops(g_tf)
    wf_ours, wf_tf = _weight_ops(f_ours), _weight_ops(f_tf)
    float_differs = False
    for i, j in _match_weight_ops(f_ours, f_tf):
        (o1, t1), (o2, t2) = w_ours[i], w_tf[j]
        q1, q2 = t1["quantization"], t2["quantization"]
        assert (t1["dtype"], t1["shape"], len(q1["scales"]), int(q1["quantized_dimension"])) == \
            (t2["dtype"], t2["shape"], len(q2["scales"]), int(q2["quantized_dimension"]))
        assert list(q1["zero_points"]) == list(q2["zero_points"])
        assert o1["options"].get("asymmetric_quantize_inputs") == o2["options"].get("asymmetric_quantize_inputs")
        if np.array_equal(_value(wf_ours[i][1]), _value(wf_tf[j][1])):
            assert bytes(t1["data"]) == bytes(t2["data"]), f"{o1['opcode']} {t1['shape']}: weights differ"
            assert np.asarray(q1["scales"], np.float32).tobytes() == np.asarray(q2["scales"], np.float32).tobytes()
        else:  # one step of the stored type at most
            float_differs = True
            a, b = _value(t1), _value(t2)
            step = 1 if t1["dtype"] == "int8" else 4 * np.spacing(np.abs(b))
            assert np.all(np.abs(a.astype(np.float64) - b.astype(np.float64)) <= step)
            np.testing.assert_allclose(q1["scales"], q2["scales"], rtol=1e-6)
    # Only folded batch norms may differ; which of their weights do depends on the CPU (the
    # approximate rsqrt is rsqrtps plus a Newton step, whose bits differ between vendors).
    assert not float_differs or model in BN_FOLDED


# ---------------------------------------------------------------- outputs

def _inputs(model_bytes, count=4):
    d = lite.Interpreter(model_content=model_bytes).get_input_details()[0]
    return [np.random.default_rng(seed).standard_normal([1] + list(d["shape"][1:])).astype(np.float32)
            for seed in range(count)]


def _relative(a, b):
    return float(np.max(np.abs(a - b))) / max(1.0, float(np.max(np.abs(b))))


def _check_close(errors, tol, what, flips=False):
    """All within `tol`. flips: the tolerance is there for isolated rounding-step flips of
    hybrid kernels, so most inputs must still agree within 1e-5."""
    assert max(errors) <= tol, f"{what}: relative errors {errors}"
    if flips:
        assert sum(e <= 1e-5 for e in errors) >= len(errors) / 2, f"{what}: relative errors {errors}"


@pytest.mark.parametrize("model,mode", CASES, ids=CASE_IDS)
def test_outputs_match_tensorflow_and_litert(model, mode, tf_files):
    mine, theirs = ours(tf_files, model, mode), tf_file(tf_files, model, mode)
    xs = _inputs(mine)
    if (model, mode) == ("zoo_conv", "drq-per-tensor"):
        # TensorFlow writes per-tensor hybrid DEPTHWISE_CONV_2D (version 4), which TFLite's
        # kernel refuses ("scale->size != filter->dims"): both files fail alike.
        for data in (mine, theirs):
            with pytest.raises(RuntimeError, match="scale->size"):
                run_litert(data, [xs[0]])
        with pytest.raises(Exception, match="per-channel"):
            run_qtflite(mine, [xs[0]])
        return
    hybrid = mode != "fp16"
    same_graph = model not in BN_FOLDED | GRAPH_DIFFERS
    errors = [_relative(run_litert(mine, [x])[0], run_litert(theirs, [x])[0]) for x in xs]
    _check_close(errors, 1e-5 if same_graph else 1e-3, "litert: qtflite's file vs TensorFlow's", flips=hybrid)

    if model == "zoo_conv" and hybrid:
        # qtflite's interpreter has no hybrid TRANSPOSE_CONV kernel yet (TFLite has one).
        with pytest.raises(Exception, match="hybrid TRANSPOSE_CONV"):
            run_qtflite(mine, [xs[0]])
        return
    errors = [_relative(run_qtflite(mine, [x])[0], run_litert(mine, [x])[0]) for x in xs]
    _check_close(errors, 1e-3 if hybrid else 1e-5, "qtflite's interpreter vs litert BUILTIN_REF", flips=hybrid)


# ---------------------------------------------------------------- the real DRQ file in ../shared/data

def test_real_tensorflow_drq_file(tf_files):
    """keras/mnist_cnn_gowtham_dynamic_range_by_tf.tflite was made by TensorFlow (FULLY_CONNECTED
    v12, min_runtime_version 2.17.0: TF >= 2.17) from a model with the same architecture as
    keras/mnist_cnn_gowtham.keras but other weights (another training run: the float weights
    are uncorrelated). So its structure is compared exactly, its weights only for consistency."""
    with open(os.path.join(DATA, "keras", "mnist_cnn_gowtham_dynamic_range_by_tf.tflite"), "rb") as f:
        real = f.read()
    float_dict = qtflite.load_model(tf_file(tf_files, "mnist_cnn_gowtham", "float")).to_dict()
    mine = canonical(qtflite.Model.from_dict(weights_only.dynamic_range(float_dict)).serialize(), values=False)
    assert first_difference(mine, canonical(real, values=False)) is None

    # From the Keras file: same operators (after the dynamic Flatten), versions, layout.
    _, g_real = _graph(real)
    d_ours, g_ours = _graph(ours(tf_files, "mnist_cnn_gowtham", "drq"))
    assert _operator_list(g_ours) == normalise_tf(_operator_list(g_real))
    assert [o["version"] for o in g_ours["operators"]] == [
        o["version"] for o in g_real["operators"] if o["opcode"] not in DYNAMIC_FLATTEN[:3]]
    assert d_ours["metadata"][0]["data"].rstrip(b"\0") == b"2.17.0"
    (_, w_real), = [(o, t) for o, t in _weight_ops(g_real) if t["dtype"] == "int8"]
    (_, w_ours), = [(o, t) for o, t in _weight_ops(g_ours) if t["dtype"] == "int8"]
    assert (w_ours["shape"], len(w_ours["quantization"]["scales"])) == (w_real["shape"], w_real["shape"][0])
    assert bytes(w_ours["data"]) != bytes(w_real["data"])  # other weights (see above)
    # The real file's int8 weights are what this quantizer makes of their own dequantized values.
    q = _value(w_real)
    deq = (q.astype(np.float32) * np.asarray(w_real["quantization"]["scales"], np.float32)[:, None]).astype(np.float32)
    q2, s2 = weights_only.symmetric_int8(deq, 0)
    assert np.array_equal(q2, q)
    assert np.max(np.abs(q), axis=1).tolist() == [127] * q.shape[0]
    np.testing.assert_allclose(s2, w_real["quantization"]["scales"], rtol=1e-6)


# ---------------------------------------------------------------- options and mode selection

SEED = os.path.join(DATA, "keras", "mnist_cnn_seed.keras")


def _converter(**attrs):
    c = lite.TFLiteConverter.from_keras_file(SEED)
    for k, v in attrs.items():
        setattr(c, k, v)
    return c


def _dataset():
    for _ in range(2):
        yield [np.zeros((1, 28, 28, 1), np.float32)]


def test_mode_selection_follows_tensorflow():
    mode = lambda **a: _converter(**a)._quantization_mode()  # noqa: E731
    D = [lite.Optimize.DEFAULT]
    assert mode() == "float"
    assert mode(optimizations=D) == "dynamic_range"
    assert mode(optimizations=[lite.Optimize.OPTIMIZE_FOR_SIZE]) == "dynamic_range"
    assert mode(optimizations={lite.Optimize.OPTIMIZE_FOR_LATENCY}) == "dynamic_range"
    assert mode(optimizations=["DEFAULT"]) == "dynamic_range"
    c = _converter(optimizations=D)
    c.target_spec.supported_types = [np.float16]
    assert c._quantization_mode() == "float16"
    c.target_spec.supported_types = ["float16", qtflite.float32]
    assert c._quantization_mode() == "float16"
    c.target_spec.supported_types = [qtflite.float32]  # smallest type float32: no quantization
    assert c._quantization_mode() == "float"
    c.target_spec.supported_types = [qtflite.float16, qtflite.int8]  # smallest int8
    assert c._quantization_mode() == "dynamic_range"
    c = _converter(optimizations=D, representative_dataset=_dataset)
    assert c._quantization_mode() == "int8"
    c.target_spec.supported_types = [qtflite.float16]  # the dataset is not used for float16
    assert c._quantization_mode() == "float16"
    c = _converter(optimizations=D, representative_dataset=_dataset)
    c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
    assert c._quantization_mode() == "int8_only"
    c.target_spec.supported_ops = {lite.OpsSet.TFLITE_BUILTINS_INT8, lite.OpsSet.TFLITE_BUILTINS}
    assert c._quantization_mode() == "int8"
    c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS]
    c.target_spec.supported_types = [qtflite.int8]  # int8-only too, as in TensorFlow
    assert c._quantization_mode() == "int8_only"
    c.target_spec.supported_types = []
    c.target_spec.supported_ops = [lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    assert c._quantization_mode() == "int16x8"
    c = _converter(representative_dataset=_dataset)  # a dataset without optimizations: float
    assert c._quantization_mode() == "float"


def test_tensorflow_enum_members_are_accepted_by_name():
    class FakeTfEnum:  # what tf.lite.Optimize.DEFAULT / tf.lite.OpsSet.X / tf.float16 look like
        def __init__(self, name):
            self.name = name
    c = _converter(optimizations=[FakeTfEnum("DEFAULT")])
    c.target_spec.supported_types = [FakeTfEnum("float16")]
    assert c._quantization_mode() == "float16"
    assert lite.Optimize.DEFAULT.value == "DEFAULT" and str(lite.OpsSet.TFLITE_BUILTINS_INT8) == "TFLITE_BUILTINS_INT8"
    assert qtflite.as_dtype(FakeTfEnum("int8")) is qtflite.int8
    assert qtflite.float16 == np.float16 and qtflite.int8 == "int8" and qtflite.uint8 != np.int8
    assert qtflite.float16.size == 2 and qtflite.int16.as_numpy_dtype is np.int16


def test_option_errors():
    with pytest.raises(ValueError, match="representative_dataset"):
        c = _converter(optimizations=[lite.Optimize.DEFAULT])
        c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
        c.convert()
    with pytest.raises(ValueError, match="representative_dataset"):  # checked even without optimizations
        c = _converter()
        c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
        c.convert()
    with pytest.raises(ValueError, match="representative_dataset"):
        c = _converter(optimizations=[lite.Optimize.DEFAULT])
        c.target_spec.supported_types = [qtflite.int8]
        c.convert()
    with pytest.raises(ValueError, match="supported_types"):
        c = _converter(optimizations=[lite.Optimize.DEFAULT], representative_dataset=_dataset)
        c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
        c.target_spec.supported_types = [qtflite.float16]
        c.convert()
    with pytest.raises(ValueError, match="optimization 'FASTEST'"):
        _converter(optimizations=["FASTEST"]).convert()
    with pytest.raises(ValueError, match="optimization 3"):
        _converter(optimizations=[3]).convert()
    with pytest.raises(TypeError, match="list or set"):
        _converter(optimizations=lite.Optimize.DEFAULT).convert()
    with pytest.raises(ValueError, match="operator set"):
        c = _converter(optimizations=[lite.Optimize.DEFAULT])
        c.target_spec.supported_ops = ["TFLITE_BUILTINS_INT4"]
        c.convert()
    with pytest.raises(ValueError, match="supported_types"):
        c = _converter(optimizations=[lite.Optimize.DEFAULT])
        c.target_spec.supported_types = ["float8"]
        c.convert()
    for mode_attrs in ({}, {"optimizations": [lite.Optimize.DEFAULT]}):
        with pytest.raises(ValueError, match="must be float32"):
            _converter(inference_input_type=qtflite.int8, **mode_attrs).convert()
        with pytest.raises(ValueError, match="must be float32"):
            _converter(inference_output_type=np.uint8, **mode_attrs).convert()
    with pytest.raises(ValueError, match="must be in"):
        _converter(optimizations=[lite.Optimize.DEFAULT], representative_dataset=_dataset,
                   inference_input_type=np.int32).convert()
    with pytest.raises(NotImplementedError, match="SPARSITY"):
        _converter(optimizations=[lite.Optimize.EXPERIMENTAL_SPARSITY]).convert()
    # 16x8 converts (int16 activations) and, as in TensorFlow, takes float32 or int16 I/O only.
    c = _converter(optimizations=[lite.Optimize.DEFAULT], representative_dataset=_dataset)
    c.target_spec.supported_ops = [lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    dtypes_written = {t["dtype"] for t in qtflite.load_model(c.convert()).to_dict()["subgraphs"][0]["tensors"]}
    assert "int16" in dtypes_written and "int64" in dtypes_written
    with pytest.raises(ValueError, match="must be in"):
        c.inference_input_type = qtflite.int8
        c.convert()


def test_float32_io_types_are_accepted_in_every_spelling():
    for t in (qtflite.float32, np.float32, "float32", None):
        c = _converter(optimizations=[lite.Optimize.DEFAULT], inference_input_type=t, inference_output_type=t)
        assert c._quantization_mode() == "dynamic_range"


# ---------------------------------------------------------------- the passes on hand-made graphs

def _fc_graph(out_features, in_features, share=False):
    """input -> FULLY_CONNECTED -> FULLY_CONNECTED (sharing the first weights when `share`)."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((out_features, in_features)).astype(np.float32)
    t = lambda name, shape, data=None, dtype="float32": {  # noqa: E731
        "name": name, "dtype": dtype, "shape": list(shape),
        "data": None if data is None else np.ascontiguousarray(data).view(np.uint8).ravel()}
    tensors = [t("x", [1, in_features]), t("w", w.shape, w), t("b", [out_features], np.zeros(out_features, np.float32)),
               t("y", [1, out_features])]
    ops = [{"opcode": "FULLY_CONNECTED", "version": 1, "inputs": [0, 1, 2], "outputs": [3],
            "options_type": "FullyConnectedOptions", "options": {}}]
    if share:
        tensors.append(t("z", [1, out_features]))
        ops.append({"opcode": "MUL", "version": 1, "inputs": [3, 1], "outputs": [4], "options_type": "MulOptions",
                    "options": {}})
    d = {"version": 3, "description": "t",
         "subgraphs": [{"name": "main", "tensors": tensors, "inputs": [0], "outputs": [len(tensors) - 1],
                        "operators": ops}],
         "signature_defs": [], "metadata": []}
    return qtflite.Model.from_dict(d).to_dict()


def test_dynamic_range_threshold_is_1024_elements():
    small = weights_only.dynamic_range(_fc_graph(31, 33))  # 1023 elements
    big = weights_only.dynamic_range(_fc_graph(32, 32))  # 1024
    assert small["subgraphs"][0]["tensors"][1]["dtype"] == "float32"
    assert small["subgraphs"][0]["operators"][0]["version"] == 1
    assert not small["subgraphs"][0]["operators"][0]["options"]["asymmetric_quantize_inputs"]
    assert small["metadata"] == [{"name": "min_runtime_version", "data": b"1.5.0".ljust(16, b"\0")}]
    g = big["subgraphs"][0]
    assert g["tensors"][1]["dtype"] == "int8" and len(g["tensors"][1]["quantization"]["scales"]) == 32
    assert g["operators"][0]["version"] == 12 and g["operators"][0]["options"]["asymmetric_quantize_inputs"]
    assert big["metadata"][0]["data"].rstrip(b"\0") == b"2.17.0"
    g = weights_only.dynamic_range(_fc_graph(32, 32), per_channel_dense=False)["subgraphs"][0]
    assert len(g["tensors"][1]["quantization"]["scales"]) == 1 and g["operators"][0]["version"] == 9


def test_shared_weight_read_by_an_op_without_hybrid_kernel_keeps_a_float_copy():
    d = _fc_graph(32, 32, share=True)
    g = weights_only.dynamic_range(d)["subgraphs"][0]
    fc, mul = g["operators"]
    assert g["tensors"][mul["inputs"][1]]["dtype"] == "float32" and mul["inputs"][1] == 1
    assert g["tensors"][fc["inputs"][1]]["dtype"] == "int8" and fc["inputs"][1] == len(g["tensors"]) - 1
    assert d["subgraphs"][0]["tensors"][1]["dtype"] == "float32"  # input untouched
    qtflite.Model.from_dict(weights_only.dynamic_range(d)).serialize()


def test_symmetric_int8_edge_cases():
    u = 2.0 ** -7  # the scale of the last row: exact ties at k + 0.5
    w = np.array([[0, 0, 0, 0], [1e-9, -1e-9, 0, 0], [-0.25, -0.25, -0.25, -0.25],
                  [127 * u, 2.5 * u, -0.5 * u, 1.5 * u]], np.float32)
    q, s = weights_only.symmetric_int8(w, 0)
    # Ties away from zero (half-to-even would give 2, 0, 2).
    np.testing.assert_array_equal(q, [[0, 0, 0, 0], [0, 0, 0, 0], [-127] * 4, [127, 3, -1, 2]])
    assert s[0] == s[1] == np.float32(1e-6 / 254)  # widened to a 1e-6 range, as MLIR does
    assert s[2] == np.float32(0.25 / 127) and s[3] == np.float32(u)
    # float32 multiply-by-inverse would round this one up: 0.005f / 0.01 is 0.49999999 in double.
    q, s = weights_only.symmetric_int8(np.array([1.27, 0.005], np.float32), None)
    np.testing.assert_array_equal(q, [127, 0])
    q, s = weights_only.symmetric_int8(w, None)
    assert s.shape == (1,) and q[3, 0] == 127 and q[2, 0] == -32 and q.shape == w.shape


def test_float16_clamps_and_keeps_io_float32():
    d = _fc_graph(4, 3)
    g = d["subgraphs"][0]
    w = np.array([[7e4, -7e4, 1 + 2 ** -11], [65519.0, 2 ** -25, 3 * 2 ** -26], [0.1, -0.0, 1.0], [1, 2, 3]], np.float32)
    g["tensors"][1]["data"] = w.view(np.uint8).ravel()
    out = weights_only.float16(d)
    g2 = out["subgraphs"][0]
    assert [o["opcode"] for o in g2["operators"]] == ["DEQUANTIZE", "DEQUANTIZE", "FULLY_CONNECTED"]
    assert [o["inputs"][0] for o in g2["operators"][:2]] == [2, 1]  # descending constant index
    half = np.asarray(g2["tensors"][1]["data"]).view(np.float16).reshape(4, 3)
    np.testing.assert_array_equal(half[0], np.array([65504, -65504, 1], np.float16))
    assert half[1, 0] == 65504 and half[1, 1] == 0 and half[1, 2] == np.float16(2 ** -24)
    assert g2["tensors"][0]["dtype"] == "float32" and g2["tensors"][3]["dtype"] == "float32"
    assert [t["name"] for t in g2["tensors"][4:]] == ["b1", "w1"]
    assert [m["name"] for m in out["metadata"]] == ["min_runtime_version", "reduced_precision_support"]
    assert out["metadata"][0]["data"].rstrip(b"\0") == b"1.15.0"
    y = run_qtflite(qtflite.Model.from_dict(out).serialize(), [np.ones((1, 3), np.float32)])[0]
    np.testing.assert_allclose(y, (half.astype(np.float32) @ np.ones(3, np.float32))[None], rtol=1e-6)
