"""Float32 models on qtflite's fast float kernels (the Interpreter's default, AUTO) beside
ai-edge-litert's default CPU path (XNNPACK) on the same .tflite files and inputs, one thread
each, at batch 1 and batch 100: thread CPU time per image, median of rounds taken in turns, and
the ratio XNNPACK time / qtflite time (above 1: qtflite is faster). `--profile` adds qtflite's
per-operator times (the fastest of many single invokes). QTFLITE_ISA=<tier> times another tier."""
import argparse
import os
import time

import numpy as np

from bench_util import DATA

from qtflite import lite

MODELS = {  # name: (file, input scale)
    "resnet8": ("mlperf_tiny/resnet8_cifar10/pretrainedResnet.tflite", 255.0),
    "kws": ("mlperf_tiny/kws_dscnn/kws_ref_model_float32.tflite", 1.0),  # hybrid: int8 weights (reference kernels)
    "ad01": ("mlperf_tiny/anomaly_ad01/ad01_fp32.tflite", 1.0),
    "kws_cnn": ("keras/kws_cnn_float_by_tf.tflite", 1.0),
    "hello_world": ("tflite/hello_world/hello_world_float.tflite", 1.0),
}


def prepared(it, x):
    d = it.get_input_details()[0]
    it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()

    def call():
        it.set_tensor(d["index"], x)
        it.invoke()
    return call


def cpu_seconds(fn, min_seconds):
    n, start = 0, time.thread_time()
    while True:
        fn()
        n += 1
        elapsed = time.thread_time() - start
        if elapsed >= min_seconds:
            return elapsed / n


def per_operator(path, x, reps=40):
    import qtflite
    it = lite.Interpreter(model_path=path)
    best = {}
    qtflite.profile(it, x, runs=1)
    for _ in range(reps):
        for o in qtflite.profile(it, x, runs=1, warmup=0).operators:
            if o.calls:
                key = (o.index, o.opcode)
                best[key] = min(best.get(key, float("inf")), o.total_ms)
    for (index, opcode), ms in best.items():
        print(f"    {index:3d} {opcode:24s} {ms * 1e3 / x.shape[0]:9.1f} us/img")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="*", default=["resnet8"], choices=sorted(MODELS))
    ap.add_argument("--batches", default="1,100")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    try:
        from ai_edge_litert.interpreter import Interpreter as Peer
    except ImportError:
        Peer = None
        print("peer missing: ai-edge-litert (pip install ai-edge-litert)")
    from qtflite import _core
    print(f"qtflite tier: {_core.active_isa()}")
    print(f"{'model':10s} {'batch':>5s} {'qtflite/img':>12s} {'xnnpack/img':>12s} {'xnnpack/qtflite':>16s}")
    for name in args.models:
        rel, scale = MODELS[name]
        path = os.path.join(DATA, rel)
        shape = lite.Interpreter(model_path=path).get_input_details()[0]["shape"][1:]
        for batch in [int(b) for b in args.batches.split(",")]:
            x = (np.random.default_rng(0).uniform(0, 1, [batch] + list(shape)) * scale).astype(np.float32)
            ours = prepared(lite.Interpreter(model_path=path), x)
            peer = prepared(Peer(model_path=path, num_threads=1), x) if Peer else None
            t_ours, t_peer = [], []
            for _ in range(args.rounds):  # in turns, so that both see the same machine load
                t_ours.append(cpu_seconds(ours, 0.2) / batch)
                if peer:
                    t_peer.append(cpu_seconds(peer, 0.2) / batch)
            a = float(np.median(t_ours))
            row = f"{name:10s} {batch:5d} {a * 1e6:9.1f} us"
            if peer:
                b = float(np.median(t_peer))
                row += f" {b * 1e6:9.1f} us {b / a:15.2f}x"
            print(row, flush=True)
            if args.profile:
                per_operator(path, x)


if __name__ == "__main__":
    main()
