"""Quantized files that the official runtimes accept, whatever the calibration gave: each case
of quantize/runtime_limits.py (a range that TFLite Micro's or LiteRT's Prepare refuses is widened,
with a QuantizationWarning) converted to full int8 and 16x8, then run in qtflite (both numerics)
and in tflite-micro and LiteRT BUILTIN_REF (each in a child process, since a refused file aborts
it), which must give identical outputs. Where the calibrated parameters would be refused, the test
also shows that they are: qtflite names the operator and tensor, LiteRT aborts."""
import math
import warnings

import numpy as np
import pytest

import qtflite
from qtflite import lite
from qtflite.quantize.arith import activation_params
from qtflite.quantize.runtime_limits import QuantizationWarning
from op_harness import FloatGraph, OfficialRuntimeError, check_against_official, run_official, run_qtflite

pytest.importorskip("ai_edge_litert", reason="test extra ai-edge-litert not installed")
pytest.importorskip("tflite_micro", reason="test extra tflite-micro not installed")

RNG = np.random.default_rng(7)
NONE, RELU6 = 0, 3  # fused activation codes
FC_OPTIONS = ("FullyConnectedOptions", {"fused_activation_function": NONE})


def convert(float_bytes, x, mode):
    """(quantized bytes, QuantizationWarning messages): full int8 or 16x8 with integer I/O,
    calibrated on the rows of x."""
    c = lite.TFLiteConverter.from_tflite(float_bytes)
    c.optimizations = [lite.Optimize.DEFAULT]
    c.representative_dataset = lambda: ([x[i:i + 1]] for i in range(len(x)))
    c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8 if mode == "int8" else
                                   lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    c.inference_input_type = c.inference_output_type = qtflite.int8 if mode == "int8" else qtflite.int16
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quantized = c.convert()
    return quantized, [str(w.message) for w in caught if issubclass(w.category, QuantizationWarning)]


def quantized_input(model_bytes, x):
    """x quantized with the model's (first) input parameters, as its QUANTIZE would."""
    detail = qtflite.lite.Interpreter(model_content=model_bytes).get_input_details()[0]
    scale, zero_point = detail["quantization"]
    info = np.iinfo(detail["dtype"])
    q = np.sign(x / np.float32(scale)) * np.floor(np.abs(x / np.float32(scale)) + 0.5) + zero_point
    return np.clip(q, info.min, info.max).astype(detail["dtype"])


def run_everywhere(model_bytes, x):
    """The model's outputs for float inputs x, equal in qtflite and the official runtimes,
    dequantized."""
    outputs = check_against_official(model_bytes, [quantized_input(model_bytes, x)])
    details = qtflite.lite.Interpreter(model_content=model_bytes).get_output_details()
    return [(y.astype(np.float64) - d["quantization"][1]) * d["quantization"][0] for y, d in zip(outputs, details)]


def tensor(model_bytes, name):
    d = qtflite.load_model(model_bytes).to_dict()
    return next(t for t in d["subgraphs"][0]["tensors"] if t["name"] == name)


def params(model_bytes, name):
    q = tensor(model_bytes, name)["quantization"]
    return np.float32(q["scales"][0]), int(q["zero_points"][0])


def with_params(model_bytes, name, scale, zero_point):
    """The model with tensor `name` given other (per-tensor) parameters."""
    d = qtflite.load_model(model_bytes).to_dict()
    t = next(t for t in d["subgraphs"][0]["tensors"] if t["name"] == name)
    t["quantization"] = dict(t["quantization"], scales=[float(scale)], zero_points=[int(zero_point)])
    return qtflite.Model.from_dict(d).serialize()


def float_range(float_bytes, x, name):
    """The float tensor's calibration range over x, computed by qtflite."""
    d = qtflite.load_model(float_bytes).to_dict()
    g = d["subgraphs"][0]
    index = next(i for i, t in enumerate(g["tensors"]) if t["name"] == name)
    g["outputs"] = [index]
    (y,) = run_qtflite(qtflite.Model.from_dict(d).serialize(), [x])
    return float(y.min()), float(y.max())


def assert_refused(model_bytes, x, match, runtimes=("micro", "litert")):
    """qtflite refuses with an error naming the operator and the tensor, with the numerics of
    each of `runtimes`, and that official runtime aborts or refuses."""
    x = quantized_input(model_bytes, x)
    for runtime in runtimes:
        with pytest.raises(qtflite.ModelError, match=match):
            run_qtflite(model_bytes, [x], numerics=runtime)
        with pytest.raises(OfficialRuntimeError):
            run_official(model_bytes, [x], runtime)


def op_codes(model_bytes):
    return [(op["opcode"], op["version"]) for op in qtflite.inspect(model_bytes)["subgraphs"][0]["operators"]]


# ---------------------------------------------------------------- SOFTMAX input scale


def constant_logits_graph(classes):
    """x (8 features) -> FULLY_CONNECTED with weights of about 1e-10 -> logits of about 0 ->
    SOFTMAX: an untrained classifier's constant logits."""
    g = FloatGraph()
    x = g.input("x", [1, 8])
    w = g.const("w", RNG.normal(size=(classes, 8)) * 1e-10)
    logits = g.op("FULLY_CONNECTED", [x, w, -1], "logits", [1, classes], *FC_OPTIONS)
    probs = g.op("SOFTMAX", [logits], "probs", [1, classes], "SoftmaxOptions", {"beta": 1.0})
    return g.serialize([probs])


def test_softmax_input_scale_is_widened_to_the_smallest_valid_one():
    float_bytes = constant_logits_graph(10)
    x = RNG.uniform(-1, 1, (16, 8)).astype(np.float32)
    quantized, warned = convert(float_bytes, x, "int8")
    assert len(warned) == 1
    assert "tensor 'logits'" in warned[0] and "SOFTMAX operator" in warned[0] and "widened to" in warned[0]
    # beta·s·2^26 > 1, and s is the smallest float32 scale that passes (up to rounding of the range).
    scale, _ = params(quantized, "logits")
    assert scale * 2.0 ** 26 > 1 and scale <= np.float32(2.0 ** -26) * (1 + 2 ** -20)
    run_everywhere(quantized, x[:4])

    # What TensorFlow writes (the calibrated range as it is) every runtime refuses.
    tf_params = activation_params(*float_range(float_bytes, x, "logits"))
    assert tf_params[0] < 2.0 ** -26
    refused = with_params(quantized, "logits", *tf_params)
    assert_refused(refused, x[:1], r"operator \d+ \(SOFTMAX v2\): QuantizeMultiplierGreaterThanOne.*"
                                   r"tensor \d+ 'logits' int8\[1,10\] scale 7\.8\d*e-09")


def test_softmax_16x8_needs_no_widening():
    x = RNG.uniform(-1, 1, (16, 8)).astype(np.float32)
    quantized, warned = convert(constant_logits_graph(10), x, "16x8")
    assert warned == []
    run_everywhere(quantized, x[:4])


def test_softmax_over_512_equal_classes_runs_in_int16():
    # With 512 or more (nearly) equal inputs in a row, the int8 SOFTMAX kernels of both runtimes
    # abort at invoke, whatever the input scale: qtflite computes that softmax in int16.
    float_bytes = constant_logits_graph(600)
    x = RNG.uniform(-1, 1, (16, 8)).astype(np.float32)
    quantized, warned = convert(float_bytes, x, "int8")
    assert len(warned) == 1 and "tensor 'logits'" in warned[0] and "computed in int16" in warned[0]
    assert op_codes(quantized) == [("FULLY_CONNECTED", 4), ("QUANTIZE", 2), ("SOFTMAX", 3), ("QUANTIZE", 2)]
    assert params(quantized, "probs") == (np.float32(1 / 256), -128)
    (probs,) = run_everywhere(quantized, x[:3])
    assert np.all(probs == 0)  # 1/600 rounds to 0 in steps of 1/256

    # The int8 SOFTMAX (with a valid input scale) aborts both official runtimes.
    int8_softmax = _int8_softmax_file(600, 2.0 ** -25)
    for runtime in ("litert", "micro"):
        with pytest.raises(OfficialRuntimeError, match="SIGABRT"):
            run_official(int8_softmax, [np.zeros((1, 600), np.int8)], runtime)


def _int8_softmax_file(classes, input_scale):
    from op_harness import T, single_op_model
    return single_op_model("SOFTMAX", [T("int8", [1, classes], scale=input_scale, zero_point=0)],
                           [T("int8", [1, classes], scale=1 / 256, zero_point=-128)], "SoftmaxOptions", {"beta": 1.0},
                           version=2)


# ---------------------------------------------------------------- ADD / SUB output scale


def cancelling_graph(opcode):
    """x + (−x) (ADD of x and a FULLY_CONNECTED by −I) or x − x (SUB): exactly 0 from operands
    that are not."""
    g = FloatGraph()
    x = g.input("x", [1, 6])
    if opcode == "ADD":
        minus_x = g.op("FULLY_CONNECTED", [x, g.const("minus_identity", -np.eye(6)), -1], "minus_x", [1, 6],
                       *FC_OPTIONS)
        out = g.op("ADD", [x, minus_x], "result", [1, 6], "AddOptions", {"fused_activation_function": NONE})
    else:
        out = g.op("SUB", [x, x], "result", [1, 6], "SubOptions", {"fused_activation_function": NONE})
    return g.serialize([out])


@pytest.mark.parametrize("opcode", ["ADD", "SUB"])
@pytest.mark.parametrize("mode", ["int8", "16x8"])
def test_add_sub_output_scale_is_widened(opcode, mode):
    float_bytes = cancelling_graph(opcode)
    x = RNG.uniform(-2, 2, (16, 6)).astype(np.float32)
    quantized, warned = convert(float_bytes, x, mode)
    assert len(warned) == 1 and "tensor 'result'" in warned[0] and f"{opcode} operator" in warned[0]
    # The output multiplier 2·max(s1, s2)/(2^k·s_out) is now below 1, and only just.
    s_in = params(quantized, "x")[0] if opcode == "SUB" else max(params(quantized, "x")[0],
                                                                  params(quantized, "minus_x")[0])
    s_out = params(quantized, "result")[0]
    left_shift = 20 if mode == "int8" else 15
    real_output = 2 * float(s_in) / (2 ** left_shift * float(s_out))
    assert 0.99 < real_output < 1
    (y,) = run_everywhere(quantized, x[:4])
    assert np.all(np.abs(y) <= 2 * float(s_out))

    tf_params = (activation_params if mode == "int8" else _symmetric)(*float_range(float_bytes, x, "result"))
    dtype = "int8" if mode == "int8" else "int16"
    # LiteRT's SUB takes an output multiplier above 1; TFLite Micro's does not.
    assert_refused(with_params(quantized, "result", *tf_params), x[:1],
                   rf"operator \d+ \({opcode} v\d\): QuantizeMultiplierSmallerThanOneExp.*'result' {dtype}\[1,6\]",
                   runtimes=("micro", "litert") if opcode == "ADD" else ("micro",))


def _symmetric(rmin, rmax):
    from qtflite.quantize.arith import symmetric_activation_params
    return symmetric_activation_params(rmin, rmax)


# ---------------------------------------------------------------- HARD_SWISH output scale


def test_hard_swish_output_scale_is_widened():
    # Inputs in [−10, −3] give exactly 0: a zero-width output range under a wide input one.
    g = FloatGraph()
    x = g.input("x", [1, 5])
    out = g.op("HARD_SWISH", [x], "hard_swish", [1, 5])
    float_bytes = g.serialize([out])
    x = RNG.uniform(-10, -3, (16, 5)).astype(np.float32)
    quantized, warned = convert(float_bytes, x, "int8")
    assert len(warned) == 1 and "tensor 'hard_swish'" in warned[0] and "HARD_SWISH operator" in warned[0]
    s_in, s_out = params(quantized, "x")[0], params(quantized, "hard_swish")[0]
    assert 0.99 < float(s_in) / 128 / float(s_out) < 1
    run_everywhere(quantized, x[:4])
    assert_refused(with_params(quantized, "hard_swish", *activation_params(0.0, 0.0)), x[:1],
                   r"operator \d+ \(HARD_SWISH v1\): hard swish: output multiplier")


# ---------------------------------------------------------------- 16x8 int64 requantization, fused activation bounds


def test_int16_int64_requantization_shift_is_limited():
    # y = x0 − x1 with x0 = x1: exactly 0, so s_in·s_w/s_out is huge. The int64 MBQM of the 16x8
    # FULLY_CONNECTED assumes a shift of at most 7; int8 has no such limit.
    g = FloatGraph()
    x = g.input("x", [1, 2])
    y = g.op("FULLY_CONNECTED", [x, g.const("w", [[1.0, -1.0]]), -1], "difference", [1, 1], *FC_OPTIONS)
    float_bytes = g.serialize([y])
    column = RNG.uniform(-1, 1, (16, 1)).astype(np.float32)
    x = np.concatenate([column, column], axis=1)
    quantized, warned = convert(float_bytes, x, "16x8")
    assert len(warned) == 1 and "tensor 'difference'" in warned[0] and "int64 requantization" in warned[0]
    s_in, s_w, s_out = params(quantized, "x")[0], tensor(quantized, "w")["quantization"]["scales"][0], \
        params(quantized, "difference")[0]
    real = float(s_in) * float(s_w) / float(s_out)
    assert 2 ** 6 < real < 2 ** 7
    run_everywhere(quantized, x[:4])

    quantized, warned = convert(float_bytes, x, "int8")
    assert warned == []
    run_everywhere(quantized, x[:4])


def test_fused_relu6_bound_fits_int32():
    # A dead RELU6 layer (all pre-activations negative): the output range is 0, and in 16x8 6/s_out
    # passes 2^31, which both runtimes refuse. The int8 scale is large enough.
    g = FloatGraph()
    x = g.input("x", [1, 4])
    w = g.const("w", -np.abs(RNG.normal(size=(3, 4))))
    y = g.op("FULLY_CONNECTED", [x, w, g.const("b", [-1.0, -1.0, -1.0])], "dead", [1, 3],
             "FullyConnectedOptions", {"fused_activation_function": RELU6})
    float_bytes = g.serialize([y])
    x = RNG.uniform(0, 1, (16, 4)).astype(np.float32)
    quantized, warned = convert(float_bytes, x, "16x8")
    assert len(warned) == 1 and "tensor 'dead'" in warned[0] and "activation bound 6" in warned[0]
    assert 6 / float(params(quantized, "dead")[0]) < 2.0 ** 31
    run_everywhere(quantized, x[:4])
    assert_refused(with_params(quantized, "dead", *_symmetric(0.0, 0.0)), x[:1],
                   r"operator \d+ \(FULLY_CONNECTED v\d\): activation bound 6 is .* beyond int32")

    quantized, warned = convert(float_bytes, x, "int8")
    assert warned == []
    run_everywhere(quantized, x[:4])


# ---------------------------------------------------------------- cases the runtimes accept as they are


@pytest.mark.parametrize("mode", ["int8", "16x8"])
def test_all_zero_weight_channel(mode):
    # A dead output channel gets weight scale 0 (as in TensorFlow's files); both runtimes accept it.
    g = FloatGraph()
    x = g.input("x", [1, 1, 4, 3])
    w = RNG.normal(size=(4, 3, 3, 3))
    w[2] = 0
    y = g.op("CONV_2D", [x, g.const("w", w), g.const("b", [0.1, -0.2, 0.0, 0.3])], "conv", [1, 1, 4, 4],
             "Conv2DOptions", {"padding": 0, "stride_w": 1, "stride_h": 1, "fused_activation_function": NONE})
    x = RNG.uniform(-1, 1, (16, 1, 4, 3)).astype(np.float32)
    quantized, warned = convert(g.serialize([y]), x, mode)
    assert warned == []
    assert tensor(quantized, "w")["quantization"]["scales"][2] == 0
    (y,) = run_everywhere(quantized, x[:4])
    assert np.all(y[..., 2] == 0)


@pytest.mark.parametrize("mode", ["int8", "16x8"])
def test_logistic_and_tanh_of_a_zero_width_range(mode):
    # TFLite's 1e-6 widening keeps an int8 scale of at least 1e-6/255 > 2^-28, which TFLite
    # Micro's fixed-point LOGISTIC/TANH need (a non-negative input shift): no further widening.
    g = FloatGraph()
    x = g.input("x", [1, 8])
    z = g.op("FULLY_CONNECTED", [x, g.const("w", RNG.normal(size=(5, 8)) * 1e-10), -1], "about_zero", [1, 5],
             *FC_OPTIONS)
    outs = [g.op("LOGISTIC", [z], "logistic", [1, 5]), g.op("TANH", [z], "tanh", [1, 5])]
    x = RNG.uniform(-1, 1, (16, 8)).astype(np.float32)
    quantized, warned = convert(g.serialize(outs), x, mode)
    assert warned == []
    logistic, tanh = run_everywhere(quantized, x[:4])
    np.testing.assert_allclose(logistic, 0.5, atol=1 / 256)
    np.testing.assert_allclose(tanh, 0.0, atol=1 / 128)


@pytest.mark.parametrize("mode", ["int8", "16x8"])
def test_extreme_scale_ratios_flush_multipliers_to_zero(mode):
    # A tensor 10^13 times finer than another: the multipliers that bring it to the coarse scale
    # (ADD's input multiplier, CONCATENATION's requantization) fall below 2^-32 and TFLite
    # flushes them to 0. Both runtimes accept that; the results equal.
    g = FloatGraph()
    x = g.input("x", [1, 4])
    big = g.op("FULLY_CONNECTED", [x, g.const("w_big", np.eye(4) * 1e4), -1], "big", [1, 4], *FC_OPTIONS)
    tiny = g.op("FULLY_CONNECTED", [x, g.const("w_tiny", np.eye(4) * 1e-9), -1], "tiny", [1, 4], *FC_OPTIONS)
    total = g.op("ADD", [big, tiny], "total", [1, 4], "AddOptions", {"fused_activation_function": NONE})
    both = g.op("CONCATENATION", [big, tiny], "both", [1, 8], "ConcatenationOptions",
                {"axis": 1, "fused_activation_function": NONE})
    mean = g.op("MEAN", [tiny, g.const("axis", [1], np.int32)], "mean", [1], "ReducerOptions",
                {"keep_dims": False})
    x = RNG.uniform(-1, 1, (16, 4)).astype(np.float32)
    quantized, warned = convert(g.serialize([total, both, mean]), x, mode)
    assert warned == []
    total, both, _ = run_everywhere(quantized, x[:4])
    np.testing.assert_allclose(total, x[:4] * 1e4, atol=2e4 / 255 if mode == "int8" else 1)


# ---------------------------------------------------------------- the widening factor


def test_widening_factor_is_the_smallest_passing_one():
    from qtflite.quantize.runtime_limits import widening_factor
    threshold = math.pi
    k = widening_factor(lambda f: f >= threshold)
    assert threshold <= k <= threshold * (1 + 2 ** -23)
    assert widening_factor(lambda f: False, limit=2.0 ** 10) is None
