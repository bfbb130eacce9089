"""Per-operator time of int8 models, qtflite's fast kernels (the default) beside its scalar
reference kernels (BUILTIN_REF), from qtflite.profile: ms per invoke per opcode and the ratio.
Models: ResNet-8 and KWS DS-CNN (MLPerf Tiny, shared data) and a MobileNetV2 1.0 224 int8 that
qtflite converts from keras.applications.MobileNetV2(weights=None) (needs keras; cached in
$QTFLITE_BENCH_CACHE, default /tmp). Usage: python benchmarks/bench_ops.py [resnet8 kws mobilenet_v2]"""
import os
import sys

import numpy as np

from bench_util import DATA

import qtflite

CACHE = os.environ.get("QTFLITE_BENCH_CACHE", "/tmp")


def mobilenet_v2():
    path = os.path.join(CACHE, "qtflite_bench_mobilenet_v2_int8.tflite")
    if not os.path.exists(path):
        os.environ.setdefault("KERAS_BACKEND", "torch")
        import warnings

        import keras
        from qtflite import lite
        cal = np.random.default_rng(0).uniform(-1, 1, (4, 224, 224, 3)).astype(np.float32)
        c = lite.TFLiteConverter.from_keras_model(keras.applications.MobileNetV2(weights=None))
        c.optimizations = [lite.Optimize.DEFAULT]
        c.representative_dataset = lambda: ([cal[i:i + 1]] for i in range(len(cal)))
        c.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = c.convert()
        with open(path, "wb") as f:
            f.write(data)
    return path


MODELS = {
    "resnet8": lambda: os.path.join(DATA, "mlperf_tiny", "resnet8_cifar10", "pretrainedResnet_quant.tflite"),
    "kws": lambda: os.path.join(DATA, "mlperf_tiny", "kws_dscnn", "kws_ref_model.tflite"),
    "mobilenet_v2": mobilenet_v2,
}


def main(names):
    print(f"active tier: {qtflite.cpu_info()['active']}")
    for name in names:
        path = MODELS[name]()
        runs = 3 if name == "mobilenet_v2" else 30
        fast = qtflite.profile(path, runs=runs)
        ref = qtflite.profile(path, runs=runs, experimental_op_resolver_type="BUILTIN_REF")
        print(f"\n{name}: {fast.ms_per_invoke:.3f} ms per invoke (reference kernels {ref.ms_per_invoke:.3f} ms)")
        print(f"  {'opcode':24s} {'ops':>4s} {'fast ms':>9s} {'%':>6s} {'ref ms':>9s} {'%':>6s} {'speedup':>8s}")
        rb = ref.by_opcode()
        for op, e in fast.by_opcode().items():
            r = rb.get(op, {"total_ms": 0.0, "percent": 0.0})
            f_ms, r_ms = e["total_ms"] / fast.invokes, r["total_ms"] / ref.invokes
            print(f"  {op:24s} {e['count']:4d} {f_ms:9.3f} {e['percent']:6.1f} {r_ms:9.3f} {r['percent']:6.1f} "
                  f"{r_ms / f_ms if f_ms else float('nan'):7.1f}x")


if __name__ == "__main__":
    main(sys.argv[1:] or list(MODELS))
