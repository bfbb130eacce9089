"""int8 CONV_2D and FULLY_CONNECTED layers one at a time: qtflite's fast integer GEMM beside
ai-edge-litert's default (XNNPACK delegate), one thread each, on the same single-operator
.tflite files (written by qtflite) and inputs, in the same run.

Layers: the GEMM shapes of ../shared/bench/shapes.json as FULLY_CONNECTED (M = batch rows; this
includes the 1024^3 GEMM), MNIST's two FULLY_CONNECTED layers at batch 10000, and its
non-grouped conv shapes as CONV_2D (per-channel weights, fused RELU6 for conv). Times are thread
CPU time per invoke, the median of rounds taken in turns (bench_depthwise.median_cpu_times); GOPS
counts 2 ops per multiply-accumulate. "%peak" is qtflite's GOPS over the int8 peak measured in
the same run: a tight loop of the active tier's widest multiply-add (vpmaddwd on AVX2 /
AVX-512BW, vpdpbusd on the VNNI tiers; qtflite._core.int8_peak_gops). Ratio = XNNPACK time /
qtflite time (above 1: qtflite is faster). Each qtflite output is checked equal to its
reference kernels (BUILTIN_REF) unless --no-check.

  [QTFLITE_ISA=avx2] python benchmarks/bench_int8_kernels.py [--rounds 7] [--filter SUBSTRING] [--no-peer]
"""
import argparse
import json
import os

import numpy as np

from bench_depthwise import median_cpu_times, prepared, tensor
from bench_util import SHARED

import qtflite
from qtflite import _core, lite

EXTRA_GEMM = [{"name": "mnist_fc1_b10000", "M": 10000, "N": 16, "K": 1352},
              {"name": "mnist_fc2_b10000", "M": 10000, "N": 10, "K": 16}]


def model_dict(opcode, options_type, options, tensors, version):
    return {"version": 3, "description": "qtflite int8 GEMM benchmark",
            "subgraphs": [{"name": "main", "tensors": tensors, "inputs": [0], "outputs": [3],
                           "operators": [{"opcode": opcode, "version": version, "inputs": [0, 1, 2], "outputs": [3],
                                          "options_type": options_type, "options": options}]}],
            "signature_defs": [], "metadata": []}


def fc_model(m, n, k, seed=0):
    """int8 FULLY_CONNECTED, per-tensor symmetric weights (what the converter writes)."""
    r = np.random.default_rng(seed)
    s_in, s_w, s_out = 0.02, 0.004, 0.5
    weights = r.integers(-127, 128, (n, k)).astype(np.int8)
    bias = r.integers(-20000, 20000, n).astype(np.int32)
    tensors = [tensor("input", "int8", [m, k], s_in, -3), tensor("weights", "int8", [n, k], s_w, 0, data=weights),
               tensor("bias", "int32", [n], np.float32(s_in) * np.float32(s_w), 0, data=bias),
               tensor("output", "int8", [m, n], s_out, 5)]
    options = {"fused_activation_function": 0, "weights_format": 0, "keep_num_dims": False,
               "asymmetric_quantize_inputs": False}
    x = r.integers(-128, 128, (m, k)).astype(np.int8)
    d = model_dict("FULLY_CONNECTED", "FullyConnectedOptions", options, tensors, 4)
    return qtflite.Model.from_dict(d).serialize(), x, 2 * m * n * k


def conv_model(c, seed=0):
    """int8 CONV_2D: per-channel weights, RELU6, SAME when shapes.json pads, else VALID."""
    r = np.random.default_rng(seed)
    n, h, w, ci, co, kh, kw, stride = c["N"], c["H"], c["W"], c["Cin"], c["Cout"], c["KH"], c["KW"], c["stride"]
    same = any(c["pad"])
    oh = -(-h // stride) if same else (h - kh) // stride + 1
    ow = -(-w // stride) if same else (w - kw) // stride + 1
    s_in = s_out = 6.0 / 255.0
    s_w = r.uniform(0.002, 0.02, co).astype(np.float32)
    weights = r.integers(-127, 128, (co, kh, kw, ci)).astype(np.int8)
    bias = r.integers(-20000, 20000, co).astype(np.int32)
    tensors = [tensor("input", "int8", [n, h, w, ci], s_in, -128),
               tensor("weights", "int8", weights.shape, s_w, 0, axis=0, data=weights),
               tensor("bias", "int32", [co], (np.float32(s_in) * s_w).astype(np.float32), 0, data=bias),
               tensor("output", "int8", [n, oh, ow, co], s_out, -128)]
    options = {"padding": 0 if same else 1, "stride_w": stride, "stride_h": stride, "fused_activation_function": 3,
               "dilation_w_factor": 1, "dilation_h_factor": 1}
    x = r.integers(-128, 128, (n, h, w, ci)).astype(np.int8)
    d = model_dict("CONV_2D", "Conv2DOptions", options, tensors, 3)
    return qtflite.Model.from_dict(d).serialize(), x, 2 * n * oh * ow * kh * kw * ci * co


def layers():
    with open(os.path.join(SHARED, "bench", "shapes.json")) as f:
        shapes = json.load(f)
    for g in shapes["gemm"] + EXTRA_GEMM:
        yield ("fc_" + g["name"], lambda g=g: fc_model(g["M"], g["N"], g["K"]))
    for c in shapes["conv"]:
        if c["groups"] == 1:
            yield ("conv_" + c["name"], lambda c=c: conv_model(c))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--filter", default="")
    ap.add_argument("--no-peer", action="store_true", help="time qtflite only")
    ap.add_argument("--no-check", action="store_true", help="skip the comparison with the reference kernels")
    args = ap.parse_args()
    Peer = None
    if not args.no_peer:
        try:
            from ai_edge_litert.interpreter import Interpreter as Peer
        except ImportError:
            print("peer missing: ai-edge-litert (pip install ai-edge-litert)")
    peak = _core.int8_peak_gops(1.0)
    print(f"qtflite integer tier: {qtflite.cpu_info()['active']}; int8 peak of this tier (tight multiply-add loop, "
          f"one thread): {peak:.1f} GOPS")
    print(f"{'layer':32s} {'MOPs':>8s} {'qtflite':>10s} {'GOPS':>6s} {'%peak':>6s} {'xnnpack':>10s} {'GOPS':>6s} "
          f"{'ratio':>6s}  exact")
    ratios = []
    for name, make in layers():
        if args.filter not in name:
            continue
        model, x, ops = make()
        ours, o = prepared(lite.Interpreter(model_content=model), x)
        exact = "-"
        if not args.no_check:
            ref, ro = prepared(lite.Interpreter(model_content=model,
                                                experimental_op_resolver_type=lite.OpResolverType.BUILTIN_REF), x)
            ours.invoke()
            ref.invoke()
            exact = "yes" if np.array_equal(ours.get_tensor(o), ref.get_tensor(ro)) else "NO"
        invokes = [ours.invoke]
        if Peer is not None:
            peer, _ = prepared(Peer(model_content=model, num_threads=1), x)
            invokes.append(peer.invoke)
        times = median_cpu_times(invokes, args.rounds)
        t_ours = times[0]
        gops = ops / t_ours / 1e9
        row = f"{name:32s} {ops / 1e6:8.2f} {t_ours * 1e6:8.1f}us {gops:6.2f} {100 * gops / peak:5.1f}%"
        if Peer is not None:
            t_peer = times[1]
            ratios.append(t_peer / t_ours)
            row += f" {t_peer * 1e6:8.1f}us {ops / t_peer / 1e9:6.2f} {t_peer / t_ours:5.2f}x"
        else:
            row += f" {'':>10s} {'':>6s} {'':>6s}"
        print(row + f"  {exact}", flush=True)
    if ratios:
        print(f"geometric mean ratio: {float(np.exp(np.mean(np.log(ratios)))):.2f}x; min {min(ratios):.2f}x")


if __name__ == "__main__":
    main()
