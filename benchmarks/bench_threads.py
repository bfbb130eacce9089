"""Threads: wall time per invoke of qtflite with 1 and N threads beside ai-edge-litert's XNNPACK
with the same counts, on the same .tflite file and inputs: MobileNetV2 1.0 224 int8 batch 1
(converted by qtflite, cached: benchmarks/bench_ops.py) and the seed MNIST CNN int8 over the
10,000 test images in one invoke (bench_models.py), plus ResNet-8 batch 100. Wall time is the
median of rounds taken in turns over the runtimes, so that load from other processes hits all
alike; the load average is printed, as several threads on a shared machine measure the
machine as much as the code. Also checks that every thread count gives the same output bits.
Usage: python benchmarks/bench_threads.py [--threads N] [--rounds R] [mobilenet_v2 mnist resnet8]"""
import argparse
import os
import time

import numpy as np

import bench_models
from bench_util import DATA

import qtflite
from qtflite import lite

MODELS = {  # name: (path, batch)
    "mobilenet_v2": (bench_models.mobilenet_v2, 1),
    "mnist": (bench_models.mnist_seed, 10000),
    "resnet8": (lambda: os.path.join(DATA, "mlperf_tiny", "resnet8_cifar10", "pretrainedResnet_quant.tflite"), 100),
}


def inputs_for(name, detail, batch):
    if name == "mnist":
        return bench_models.mnist_images(detail)
    shape = [batch] + list(detail["shape"][1:])
    rng = np.random.default_rng(0)
    if not np.issubdtype(detail["dtype"], np.integer):  # float interface (MobileNetV2 as converted)
        return rng.uniform(-1, 1, shape).astype(detail["dtype"])
    info = np.iinfo(detail["dtype"])
    return rng.integers(info.min, info.max + 1, shape).astype(detail["dtype"])


def wall_seconds_per_invoke(it, x, target_seconds):
    """Wall time per set_tensor + invoke over repeated calls lasting about target_seconds."""
    index = it.get_input_details()[0]["index"]
    n, start = 0, time.perf_counter()
    while True:
        it.set_tensor(index, x)
        it.invoke()
        n += 1
        spent = time.perf_counter() - start
        if spent >= target_seconds:
            return spent / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="*", default=list(MODELS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=0.3, help="wall seconds per runtime per round")
    args = ap.parse_args()
    from ai_edge_litert.interpreter import Interpreter as Peer
    n = args.threads
    print(f"qtflite tier: {qtflite.cpu_info()['active']}; cores available: {len(os.sched_getaffinity(0))}; "
          f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"wall time per invoke, median of {args.rounds} interleaved rounds; speed-up = 1 thread / {n} threads")
    print(f"{'model':13s} {'batch':>5s} {'qtf x1':>9s} {f'qtf x{n}':>9s} {'speedup':>7s} "
          f"{'xnn x1':>9s} {f'xnn x{n}':>9s} {'speedup':>7s} {f'xnn/qtf x{n}':>11s}  same bits")
    for name in args.models:
        path_fn, batch = MODELS[name]
        path = path_fn()
        probe = lite.Interpreter(model_path=path)
        d = probe.get_input_details()[0]
        x = inputs_for(name, d, batch)
        runtimes = {}
        for label, make in (("qtf1", lambda: lite.Interpreter(model_path=path, num_threads=1)),
                            ("qtfn", lambda: lite.Interpreter(model_path=path, num_threads=n)),
                            ("xnn1", lambda: Peer(model_path=path, num_threads=1)),
                            ("xnnn", lambda: Peer(model_path=path, num_threads=n))):
            it = make()
            if list(it.get_input_details()[0]["shape"]) != list(x.shape):
                it.resize_tensor_input(it.get_input_details()[0]["index"], list(x.shape))
            it.allocate_tensors()
            it.set_tensor(it.get_input_details()[0]["index"], x)
            it.invoke()
            runtimes[label] = it
        outs = {k: runtimes[k].get_tensor(runtimes[k].get_output_details()[0]["index"]) for k in ("qtf1", "qtfn")}
        same = outs["qtf1"].tobytes() == outs["qtfn"].tobytes()
        times = {k: [] for k in runtimes}
        for _ in range(args.rounds):
            for k, it in runtimes.items():
                times[k].append(wall_seconds_per_invoke(it, x, args.seconds))
        t = {k: float(np.median(v)) for k, v in times.items()}
        print(f"{name:13s} {batch:5d} {t['qtf1'] * 1e3:6.2f} ms {t['qtfn'] * 1e3:6.2f} ms {t['qtf1'] / t['qtfn']:6.2f}x "
              f"{t['xnn1'] * 1e3:6.2f} ms {t['xnnn'] * 1e3:6.2f} ms {t['xnn1'] / t['xnnn']:6.2f}x "
              f"{t['xnnn'] / t['qtfn']:10.2f}x  {same}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
