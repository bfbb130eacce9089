"""Whole integer models, qtflite's fast kernels (the default) beside ai-edge-litert's default
XNNPACK on the same .tflite file and inputs, one thread each: thread CPU time per invoke, the
median of rounds taken in turns (qtflite, XNNPACK, qtflite, ...), so that load from other
processes hits both alike. Also checks that qtflite's output equals its reference kernels'.

Models: ResNet-8 and KWS DS-CNN (MLPerf Tiny), MobileNet v1 0.25 128 uint8 (TF1, Coral), batch 1;
MobileNetV2 1.0 224 int8 (converted by qtflite, cached: benchmarks/bench_ops.py), batch 1; the
seed MNIST CNN converted to int8 by qtflite (cached), the 10,000 test images in one invoke;
ResNet-8 at batch 100 (resnet8_b100: large-batch GEMMs, where the AMX tier pays).
Usage: [QTFLITE_ISA=amx] python benchmarks/bench_models.py [--rounds N] [resnet8 kws mobilenet_v1 mobilenet_v2 mnist resnet8_b100]
The ratio is XNNPACK time / qtflite time: above 1, qtflite is faster."""
import argparse
import os
import time

import numpy as np

from bench_util import DATA

import qtflite
from qtflite import lite

CACHE = os.environ.get("QTFLITE_BENCH_CACHE", "/tmp")


def mnist_seed():
    path = os.path.join(CACHE, "qtflite_bench_mnist_seed_int8.tflite")
    if not os.path.exists(path):
        from qtflite.datasets import load_mnist
        (x_train, _), _ = load_mnist(os.path.join(DATA, "mnist"))
        cal = (x_train[:300] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1)
        c = lite.TFLiteConverter.from_keras_file(os.path.join(DATA, "keras", "mnist_cnn_seed.keras"))
        c.optimizations = [lite.Optimize.DEFAULT]
        c.representative_dataset = lambda: ([cal[i:i + 1]] for i in range(len(cal)))
        c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
        c.inference_input_type = qtflite.int8
        c.inference_output_type = qtflite.int8
        with open(path, "wb") as f:
            f.write(c.convert())
    return path


def mnist_images(detail):
    from qtflite.datasets import load_mnist
    _, (x_test, _) = load_mnist(os.path.join(DATA, "mnist"))
    s, z = detail["quantization"]
    x = (x_test / 255.0).astype(np.float32).reshape(-1, 28, 28, 1)
    return np.clip(np.floor(x / s + 0.5) + z, -128, 127).astype(np.int8)


def mobilenet_v2():
    from bench_ops import mobilenet_v2 as build
    return build()


MODELS = {  # name: (path, batch)
    "resnet8": (lambda: os.path.join(DATA, "mlperf_tiny", "resnet8_cifar10", "pretrainedResnet_quant.tflite"), 1),
    "kws": (lambda: os.path.join(DATA, "mlperf_tiny", "kws_dscnn", "kws_ref_model.tflite"), 1),
    "mobilenet_v1": (lambda: os.path.join(DATA, "tflite", "coral", "mobilenet_v1_0.25_128_quant.tflite"), 1),
    "mobilenet_v2": (mobilenet_v2, 1),
    "mnist": (mnist_seed, 10000),
    "resnet8_b100": (lambda: os.path.join(DATA, "mlperf_tiny", "resnet8_cifar10", "pretrainedResnet_quant.tflite"), 100),
}


def prepared(it, x):
    d = it.get_input_details()[0]
    if list(d["shape"]) != list(x.shape):
        it.resize_tensor_input(d["index"], list(x.shape))
    it.allocate_tensors()
    it.set_tensor(d["index"], x)
    return it


def cpu_seconds_per_invoke(it, target_seconds):
    """Thread CPU time per invoke over repeated invokes lasting about target_seconds."""
    n, start = 0, time.thread_time()
    while True:
        it.invoke()
        n += 1
        spent = time.thread_time() - start
        if spent >= target_seconds:
            return spent / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="*", default=list(MODELS))
    ap.add_argument("--rounds", type=int, default=11)
    ap.add_argument("--seconds", type=float, default=0.1, help="CPU seconds per runtime per round")
    args = ap.parse_args()
    from ai_edge_litert.interpreter import Interpreter as Peer
    print(f"qtflite tier: {qtflite.cpu_info()['active']}; thread CPU time per invoke, median of "
          f"{args.rounds} interleaved rounds")
    print(f"{'model':14s} {'batch':>5s} {'qtflite':>10s} {'xnnpack':>10s} {'xnn/qtf':>8s} {'spread':>7s}  bit-exact")
    for name in args.models:
        path_fn, batch = MODELS[name]
        path = path_fn()
        ours = lite.Interpreter(model_path=path)
        d = ours.get_input_details()[0]
        if name == "mnist":
            x = mnist_images(d)
        else:
            shape = [batch] + list(d["shape"][1:])
            rng = np.random.default_rng(0)
            if np.issubdtype(d["dtype"], np.integer):
                info = np.iinfo(d["dtype"])
                x = rng.integers(info.min, info.max + 1, shape).astype(d["dtype"])
            else:
                x = rng.uniform(-1, 1, shape).astype(d["dtype"])
        ours = prepared(ours, x)
        peer = prepared(Peer(model_path=path, num_threads=1), x)
        ref = prepared(lite.Interpreter(model_path=path, experimental_op_resolver_type="BUILTIN_REF"), x)
        ours.invoke(), peer.invoke(), ref.invoke()
        o = ours.get_output_details()[0]["index"]
        exact = np.array_equal(ours.get_tensor(o), ref.get_tensor(ref.get_output_details()[0]["index"]))
        t_ours, t_peer = [], []
        for _ in range(args.rounds):
            t_ours.append(cpu_seconds_per_invoke(ours, args.seconds))
            t_peer.append(cpu_seconds_per_invoke(peer, args.seconds))
        a, b = float(np.median(t_ours)), float(np.median(t_peer))
        ratios = np.array(t_peer) / np.array(t_ours)
        spread = (np.percentile(ratios, 75) - np.percentile(ratios, 25)) / np.median(ratios)
        unit, scale = ("ms", 1e3) if max(a, b) >= 1e-3 else ("us", 1e6)
        print(f"{name:14s} {batch:5d} {a * scale:7.3f} {unit} {b * scale:7.3f} {unit} {b / a:7.2f}x {spread * 100:6.1f}%  {exact}")


if __name__ == "__main__":
    main()
