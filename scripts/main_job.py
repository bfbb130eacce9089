"""The main job: the seed workflow without TensorFlow.

Convert the MNIST CNN (../shared/data/keras/mnist_cnn_seed.keras, trained by Keras) to a
float32 and a full-integer int8 .tflite (300 calibration images, int8 input and output),
evaluate both on the 10,000 MNIST test images, and write the two files and summary.json.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

import qtflite
from qtflite import lite
from qtflite.datasets import load_mnist

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("QTFLITE_SHARED", os.path.join(HERE, "..", "..", "shared"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.path.join(SHARED, "data", "keras", "mnist_cnn_seed.keras"))
    parser.add_argument("--mnist", default=os.path.join(SHARED, "data", "mnist"),
                        help="folder with the MNIST idx files (downloaded when absent)")
    parser.add_argument("--out", default="out")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    (x_train, _), (x_test, y_test) = load_mnist(args.mnist if os.path.isdir(args.mnist) else None)
    x_test = (x_test / 255.0).astype(np.float32).reshape(-1, 28, 28, 1)
    calibration = (x_train[:300] / 255.0).astype(np.float32).reshape(-1, 28, 28, 1)

    summary = {"model": os.path.abspath(args.model), "test_images": int(len(y_test))}
    t0 = time.perf_counter()
    float_bytes = lite.TFLiteConverter.from_keras_file(args.model).convert()
    t1 = time.perf_counter()

    def representative_dataset():
        for i in range(len(calibration)):
            yield [calibration[i:i + 1]]

    converter = lite.TFLiteConverter.from_keras_file(args.model)
    converter.optimizations = [lite.Optimize.DEFAULT]
    converter.representative_dataset = representative_dataset
    converter.target_spec.supported_ops = [lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = qtflite.int8
    converter.inference_output_type = qtflite.int8
    int8_bytes = converter.convert()
    t2 = time.perf_counter()

    for kind, data, seconds in (("float32", float_bytes, t1 - t0), ("int8", int8_bytes, t2 - t1)):
        path = os.path.join(args.out, f"mnist_cnn_{kind}.tflite")
        with open(path, "wb") as f:
            f.write(data)
        t = time.perf_counter()
        result = qtflite.evaluate(data, x_test, y_test)
        eval_seconds = time.perf_counter() - t
        details = lite.Interpreter(model_content=data).get_input_details()[0]
        summary[kind] = {
            "file": path, "bytes": len(data), "convert_seconds": round(seconds, 4),
            "accuracy": result.accuracy, "evaluate_seconds": round(eval_seconds, 3),
            "input": {"dtype": np.dtype(details["dtype"]).name, "quantization": list(details["quantization"])},
        }
        print(f"{kind:7s}: {len(data):6,d} bytes, converted in {seconds * 1e3:6.1f} ms, "
              f"accuracy {result.accuracy:.4f} on {result.samples:,} images ({eval_seconds:.2f} s)")
    summary["accuracy_drop_pp"] = round(100 * (summary["float32"]["accuracy"] - summary["int8"]["accuracy"]), 3)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(f"int8 vs float32: {summary['accuracy_drop_pp']:+.2f} percentage points; summary: "
          f"{os.path.join(args.out, 'summary.json')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
