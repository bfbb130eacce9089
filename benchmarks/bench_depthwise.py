"""int8 DEPTHWISE_CONV_2D layers one at a time: qtflite's fast integer kernels beside
ai-edge-litert's default (XNNPACK delegate), one thread each, on the same single-operator
.tflite files (written by qtflite) and inputs, in the same run.

Layers: every distinct depthwise layer of MobileNetV2 1.0 224 (3x3, SAME, RELU6, per-channel
weights) and the depthwise shapes of ../shared/bench/shapes.json. Times are thread CPU time
(time.thread_time) per invoke, the median of several rounds taken in turns; GOPS counts 2 ops per
multiply-accumulate. Ratio = XNNPACK time / qtflite time (above 1: qtflite is faster). Each
qtflite output is also checked equal to qtflite's reference kernels (BUILTIN_REF).

  [QTFLITE_ISA=avx2] python benchmarks/bench_depthwise.py [--rounds 7] [--filter SUBSTRING] [--no-peer]
"""
import argparse
import json
import os
import statistics
import time

import numpy as np

from bench_util import SHARED

import qtflite
from qtflite import lite

# (name, H, W, C, stride): MobileNetV2 1.0 224's depthwise layers, each distinct shape once.
MOBILENET_V2 = [
    ("mbv2_112x32_s1", 112, 112, 32, 1),
    ("mbv2_112x96_s2", 112, 112, 96, 2),
    ("mbv2_56x144_s1", 56, 56, 144, 1),
    ("mbv2_56x144_s2", 56, 56, 144, 2),
    ("mbv2_28x192_s1", 28, 28, 192, 1),
    ("mbv2_28x192_s2", 28, 28, 192, 2),
    ("mbv2_14x384_s1", 14, 14, 384, 1),
    ("mbv2_14x576_s1", 14, 14, 576, 1),
    ("mbv2_14x576_s2", 14, 14, 576, 2),
    ("mbv2_7x960_s1", 7, 7, 960, 1),
]


def shared_shapes():
    path = os.path.join(SHARED, "bench", "shapes.json")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        convs = json.load(f)["conv"]
    out = []
    for c in convs:
        if c["groups"] > 1 and c["groups"] == c["Cin"] == c["Cout"] and c["KH"] == c["KW"] == 3:
            out.append((c["name"], c["H"], c["W"], c["Cin"], c["stride"]))
    return out


def tensor(name, dtype, shape, scales=None, zero_points=None, axis=0, data=None):
    q = {"scales": [], "zero_points": [], "quantized_dimension": 0}
    if scales is not None:
        scales = np.atleast_1d(np.asarray(scales, np.float32))
        zps = np.broadcast_to(np.atleast_1d(np.asarray(zero_points, np.int64)), scales.shape)
        q = {"scales": scales.tolist(), "zero_points": zps.tolist(), "quantized_dimension": axis}
    return {"name": name, "dtype": dtype, "shape": list(shape), "quantization": q,
            "data": None if data is None else np.ascontiguousarray(data).view(np.uint8).ravel()}


def depthwise_model(h, w, c, stride, k=3, seed=0):
    """A one-operator int8 MobileNetV2-style depthwise layer: SAME padding, fused RELU6, inputs
    and outputs in RELU6's range (zero point -128), per-channel weight scales."""
    r = np.random.default_rng(seed)
    oh, ow = -(-h // stride), -(-w // stride)
    s_in = s_out = 6.0 / 255.0
    s_w = r.uniform(0.005, 0.05, c).astype(np.float32)
    weights = r.integers(-127, 128, (1, k, k, c)).astype(np.int8)
    bias = r.integers(-20000, 20000, c).astype(np.int32)
    tensors = [
        tensor("input", "int8", [1, h, w, c], s_in, -128),
        tensor("weights", "int8", weights.shape, s_w, 0, axis=3, data=weights),
        tensor("bias", "int32", [c], (np.float32(s_in) * s_w).astype(np.float32), 0, data=bias),
        tensor("output", "int8", [1, oh, ow, c], s_out, -128),
    ]
    options = {"padding": 0, "stride_w": stride, "stride_h": stride, "depth_multiplier": 1,
               "fused_activation_function": 3, "dilation_w_factor": 1, "dilation_h_factor": 1}
    d = {"version": 3, "description": "qtflite depthwise benchmark",
         "subgraphs": [{"name": "main", "tensors": tensors, "inputs": [0], "outputs": [3],
                        "operators": [{"opcode": "DEPTHWISE_CONV_2D", "version": 3, "inputs": [0, 1, 2],
                                       "outputs": [3], "options_type": "DepthwiseConv2DOptions",
                                       "options": options}]}],
         "signature_defs": [], "metadata": []}
    x = r.integers(-128, 128, (1, h, w, c)).astype(np.int8)
    return qtflite.Model.from_dict(d).serialize(), x, 2 * oh * ow * c * k * k


def prepared(interp, x):
    interp.allocate_tensors()
    i = interp.get_input_details()[0]["index"]
    o = interp.get_output_details()[0]["index"]
    interp.set_tensor(i, x)
    return interp, o


def median_cpu_times(invokes, rounds, min_seconds=0.02):
    """Thread CPU seconds per call of each callable: the median of `rounds`, each repeating it
    for about min_seconds. The callables take turns round by round, so that a change in the
    machine's load touches all of them alike."""
    reps = []
    for invoke in invokes:
        invoke()
        start = time.thread_time()
        invoke()
        reps.append(max(1, int(min_seconds / max(time.thread_time() - start, 1e-6))))
    samples = [[] for _ in invokes]
    for _ in range(rounds):
        for k, invoke in enumerate(invokes):
            start = time.thread_time()
            for _ in range(reps[k]):
                invoke()
            samples[k].append((time.thread_time() - start) / reps[k])
    return [statistics.median(s) for s in samples]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--filter", default="")
    ap.add_argument("--no-peer", action="store_true", help="time qtflite only")
    args = ap.parse_args()
    Peer = None
    if not args.no_peer:
        try:
            from ai_edge_litert.interpreter import Interpreter as Peer
        except ImportError:
            print("peer missing: ai-edge-litert (pip install ai-edge-litert)")
    print(f"qtflite integer tier: {qtflite.cpu_info()['active']}")
    print(f"{'layer':26s} {'MOPs':>7s} {'qtflite':>10s} {'GOPS':>6s} {'xnnpack':>10s} {'GOPS':>6s} {'ratio':>6s}  exact")
    ratios = []
    for name, h, w, c, stride in MOBILENET_V2 + shared_shapes():
        if args.filter not in name:
            continue
        model, x, ops = depthwise_model(h, w, c, stride)
        ours, o = prepared(lite.Interpreter(model_content=model), x)
        ref, ro = prepared(lite.Interpreter(model_content=model,
                                            experimental_op_resolver_type=lite.OpResolverType.BUILTIN_REF), x)
        ours.invoke()
        ref.invoke()
        exact = np.array_equal(ours.get_tensor(o), ref.get_tensor(ro))
        invokes = [ours.invoke]
        if Peer is not None:
            peer, _ = prepared(Peer(model_content=model, num_threads=1), x)
            invokes.append(peer.invoke)
        times = median_cpu_times(invokes, args.rounds)
        t_ours = times[0]
        row = f"{name:26s} {ops / 1e6:7.2f} {t_ours * 1e6:8.1f}us {ops / t_ours / 1e9:6.2f}"
        if Peer is not None:
            t_peer = times[1]
            ratios.append(t_peer / t_ours)
            row += f" {t_peer * 1e6:8.1f}us {ops / t_peer / 1e9:6.2f} {t_peer / t_ours:5.2f}x"
        else:
            row += f" {'':>10s} {'':>6s} {'':>6s}"
        print(row + f"  {'yes' if exact else 'NO'}", flush=True)
    if ratios:
        print(f"geometric mean ratio: {float(np.exp(np.mean(np.log(ratios)))):.2f}x; min {min(ratios):.2f}x")


if __name__ == "__main__":
    main()
