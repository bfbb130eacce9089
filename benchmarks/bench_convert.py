"""Conversion time: qtflite vs TensorFlow's converter on the same Keras files and, for int8, the
same calibration images (300 MNIST, or CIFAR-10 test images 500-699 for ResNet-8); each in a
fresh process, so `import` counts (what a user waits for), best of ROUNDS, plus qtflite's
in-process time. Prints seconds and the ratio TF / qtflite.

qtflite's modules are byte-compiled first, as `pip install` leaves them (this machine sets
PYTHONDONTWRITEBYTECODE, which would otherwise make every run compile them from source while
TensorFlow's installed modules load compiled)."""
import os
import subprocess
import sys
import time

from bench_util import DATA, best_time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ["keras/mnist_cnn_seed.keras", "keras/mobile_mnist.keras", "mlperf_tiny/resnet8_cifar10/pretrainedResnet.h5"]

QTFLITE_SCRIPT = """
import sys, time, numpy as np
t0 = time.perf_counter()
import qtflite
from qtflite.converter import keras_to_model
from qtflite.frontends.keras_loader import load_keras_file
m = keras_to_model(load_keras_file(sys.argv[1]))
if sys.argv[2] == "int8":
    from qtflite.quantize.full_integer import quantize_full_integer
    x = np.load(sys.argv[3])
    def gen():
        for i in range(len(x)):
            yield [x[i:i + 1]]
    m = quantize_full_integer(m, gen, input_type="int8", output_type="int8", int8_only=True)
data = m.serialize()
print(time.perf_counter() - t0)
"""

TF_SCRIPT = """
import os, sys, time
os.environ["KERAS_BACKEND"] = "tensorflow"; os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
t0 = time.perf_counter()
import numpy as np, tensorflow as tf
path = sys.argv[1]
if path.endswith(".h5"):
    import tf_keras
    model = tf_keras.models.load_model(path, compile=False)
else:
    import keras
    model = keras.models.load_model(path, compile=False)
c = tf.lite.TFLiteConverter.from_keras_model(model)
if sys.argv[2] == "int8":
    x = np.load(sys.argv[3])
    def gen():
        for i in range(len(x)):
            yield [x[i:i + 1]]
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.representative_dataset = gen
    c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    c.inference_input_type = tf.int8
    c.inference_output_type = tf.int8
data = c.convert()
print(time.perf_counter() - t0)
"""


ROUNDS = 3


def run(script, *args):
    """(best wall time over ROUNDS fresh processes, the script's own time in that run)."""
    best = None
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if res.returncode != 0:
            return None, res.stderr.strip().splitlines()[-1] if res.stderr else "failed"
        if best is None or wall < best[0]:
            best = (wall, float(res.stdout.strip().splitlines()[-1]))
    return best


def calibration_file(model_rel, tmp):
    from qtflite.frontends.keras_loader import load_keras_file
    from qtflite.frontends.keras_graph import parse_keras_config
    shape = parse_keras_config(load_keras_file(os.path.join(DATA, model_rel)).config).inputs[0].batch_shape[1:]
    if shape == [28, 28, 1]:
        from qtflite.datasets import load_mnist
        (x, _), _ = load_mnist(os.path.join(DATA, "mnist"))
        x = (x[:300] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1)
    else:
        z = np.load(os.path.join(DATA, "cifar10", "cifar10_test_first1000.npz"))
        x = z["x_test"][500:700].astype(np.float32)  # MLPerf convention: raw 0..255, images 500-699
    path = os.path.join(tmp, os.path.basename(model_rel) + ".npy")
    np.save(path, x)
    return path


def main():
    import compileall
    import tempfile
    import qtflite
    compileall.compile_dir(os.path.dirname(qtflite.__file__), quiet=1)
    have_tf = subprocess.run([sys.executable, "-c", "import tensorflow"], capture_output=True).returncode == 0
    if not have_tf:
        print("peer missing: tensorflow-cpu (pip install tensorflow-cpu tf-keras)")
    print(f"{'model':44s} {'mode':5s} {'qtflite in-proc':>15s} {'qtflite+import':>14s} {'TF+import':>10s} {'ratio':>7s}")
    with tempfile.TemporaryDirectory() as tmp:
        for rel in MODELS:
            path = os.path.join(DATA, rel)
            calib = calibration_file(rel, tmp)
            for mode in ("float", "int8"):
                from qtflite.converter import keras_to_model
                from qtflite.frontends.keras_loader import load_keras_file
                if mode == "float":
                    inproc = best_time(lambda: keras_to_model(load_keras_file(path)).serialize(), rounds=3)
                else:
                    from qtflite.quantize.full_integer import quantize_full_integer
                    x = np.load(calib)

                    def gen():
                        for i in range(len(x)):
                            yield [x[i:i + 1]]
                    inproc = best_time(lambda: quantize_full_integer(keras_to_model(load_keras_file(path)), gen,
                                                                     input_type="int8", output_type="int8",
                                                                     int8_only=True).serialize(), rounds=3)
                ours_wall, _ = run(QTFLITE_SCRIPT, path, mode, calib)
                tf_wall, note = run(TF_SCRIPT, path, mode, calib) if have_tf else (None, "missing")
                ratio = f"{tf_wall / ours_wall:6.1f}x" if tf_wall else "   n/a"
                tf_text = f"{tf_wall:9.2f}s" if tf_wall else f"{'n/a':>10s}"
                print(f"{rel:44s} {mode:5s} {inproc * 1e3:13.1f}ms {ours_wall:13.2f}s {tf_text} {ratio}")


if __name__ == "__main__":
    main()
