"""Whole-model inference: qtflite beside ai-edge-litert (reference kernels, and its default
XNNPACK delegate) on the same files and inputs, one thread each. qtflite runs its reference
kernels (the default), and for float models also its fast float kernels (OpResolverType.AUTO)."""
import json
import os

import numpy as np

from bench_util import DATA, SHARED, best_time, fmt_time

from qtflite import lite

CASES = [  # (golden case, batch, qtflite's op resolver)
    ("resnet8_cifar10_int8", 100, None),
    ("resnet8_cifar10_float", 100, None),
    ("resnet8_cifar10_float", 100, "AUTO"),
    ("kws_dscnn_int8", 64, None),
    ("anomaly_ad01_int8", 64, None),
    ("hello_world_int8", 64, None),
]


def load_case(name):
    with open(os.path.join(SHARED, "golden", "index.json")) as f:
        case = next(c for c in json.load(f)["cases"] if c["name"] == name)
    z = np.load(os.path.join(SHARED, "golden", name + ".npz"))
    return case, z["input_0"]


def run_batched(make, x, batch):
    it = make()
    d = it.get_input_details()[0]
    it.resize_tensor_input(d["index"], [batch] + list(d["shape"][1:]))
    it.allocate_tensors()
    xb = x[:batch].reshape([batch] + list(d["shape"][1:])).astype(d["dtype"])

    def call():
        it.set_tensor(d["index"], xb)
        it.invoke()
    return call


def main():
    try:
        from ai_edge_litert.interpreter import Interpreter as Peer, OpResolverType
    except ImportError:
        Peer = None
        print("peer missing: ai-edge-litert (pip install ai-edge-litert)")
    print(f"{'case':30s} {'batch':>5s} {'qtflite/img':>12s} {'litert ref/img':>15s} {'ratio':>6s} {'litert xnnpack/img':>19s} {'ratio':>6s}")
    for name, batch, resolver in CASES:
        case, x = load_case(name)
        path = os.path.join(DATA, case["model"])
        batch = min(batch, x.shape[0])
        t_ours = best_time(run_batched(lambda: lite.Interpreter(model_path=path, experimental_op_resolver_type=resolver),
                                       x, batch), rounds=3) / batch
        label = name + (f" ({resolver})" if resolver else "")
        row = f"{label:30s} {batch:5d} {fmt_time(t_ours):>12s}"
        if Peer is not None:
            t_ref = best_time(run_batched(lambda: Peer(model_path=path, num_threads=1,
                              experimental_op_resolver_type=OpResolverType.BUILTIN_REF), x, batch), rounds=3) / batch
            t_xnn = best_time(run_batched(lambda: Peer(model_path=path, num_threads=1), x, batch), rounds=3) / batch
            row += f" {fmt_time(t_ref):>15s} {t_ref / t_ours:5.2f}x {fmt_time(t_xnn):>19s} {t_xnn / t_ours:5.2f}x"
        print(row)


if __name__ == "__main__":
    main()
