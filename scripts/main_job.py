"""The main job: the seed workflow without TensorFlow.

Convert the MNIST CNN (../shared/data/keras/mnist_cnn_seed.keras, trained by Keras) to a
float32 and a full-integer int8 .tflite (300 calibration images, int8 input and output),
evaluate both on the 10,000 MNIST test images, measure sizes (and a microcontroller's tensor
arena), the int8 model's per-layer error, and write the two files, the int8 model as a C array
and summary.json.
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

    models = {}
    for kind, data, seconds in (("float32", float_bytes, t1 - t0), ("int8", int8_bytes, t2 - t1)):
        path = os.path.join(args.out, f"mnist_cnn_{kind}.tflite")
        with open(path, "wb") as f:
            f.write(data)
        t = time.perf_counter()
        result = qtflite.evaluate(data, x_test, y_test, progress=False)
        eval_seconds = time.perf_counter() - t
        details = lite.Interpreter(model_content=data).get_input_details()[0]
        models[kind] = data
        summary[kind] = {
            "file": path, "bytes": len(data), "convert_seconds": round(seconds, 4),
            "accuracy": result.accuracy, "top5_accuracy": result.top_k_accuracy,
            "evaluate_seconds": round(eval_seconds, 3),
            "input": {"dtype": np.dtype(details["dtype"]).name, "quantization": list(details["quantization"])},
        }
    summary["accuracy_drop_pp"] = round(100 * (summary["float32"]["accuracy"] - summary["int8"]["accuracy"]), 3)

    # Sizes: the Keras file, both .tflite files, and what a microcontroller needs for each.
    sizes = qtflite.analyze_size(args.model, models["float32"], models["int8"], names=["float32", "int8"])
    rows = {r["model"]: r for r in sizes.to_dict()["models"]}
    summary["keras_bytes"] = rows[os.path.basename(args.model)]["bytes"]
    summary["compression_ratio"] = round(summary["keras_bytes"] / len(models["int8"]), 3)
    summary["compression_ratio_vs_float32"] = round(len(models["float32"]) / len(models["int8"]), 3)
    for kind in ("float32", "int8"):
        summary[kind]["mcu_arena_bytes"] = rows[kind]["arena_bytes"]

    # Where int8 loses precision: per-layer error on the first 1,000 test images, worst first.
    comparison = qtflite.compare(models["float32"], models["int8"], x_test[:1000], progress=False)
    layers = comparison.to_dict()["layers"]
    summary["per_layer_error"] = [{k: layer[k] for k in ("tensor_name", "op_name", "rmse/scale", "sqnr")}
                                  for layer in layers if layer["op_name"] != "INPUT"]
    summary["output_sqnr_db"] = round(comparison.to_dict()["model"]["output_sqnr"], 2)

    # The int8 model as a C array for TensorFlow Lite Micro.
    c_path = os.path.join(args.out, "mnist_cnn_int8_model_data.cc")
    qtflite.to_c_source(models["int8"], name="g_mnist_cnn_int8").save(c_path)
    summary["c_array"] = c_path

    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)

    print(f"{'model':8s} {'bytes':>8s} {'convert':>9s} {'accuracy':>9s} {'top-5':>7s} {'evaluate':>9s} {'MCU arena':>10s}")
    for kind in ("float32", "int8"):
        r = summary[kind]
        print(f"{kind:8s} {r['bytes']:8,d} {r['convert_seconds'] * 1e3:7.0f} ms {r['accuracy']:9.4f} "
              f"{r['top5_accuracy']:7.4f} {r['evaluate_seconds']:7.2f} s {r['mcu_arena_bytes']:10,d}")
    worst = summary["per_layer_error"][0]
    print(f"int8 vs float32: {-summary['accuracy_drop_pp']:+.2f} pp accuracy, {summary['compression_ratio']:.1f}x smaller "
          f"than the Keras file ({summary['compression_ratio_vs_float32']:.2f}x than float32), output SQNR "
          f"{summary['output_sqnr_db']:.1f} dB; largest per-layer error: {worst['tensor_name']} ({worst['op_name']}) "
          f"rmse/scale {worst['rmse/scale']:.2f}")
    print(f"written: {args.out}/mnist_cnn_float32.tflite, mnist_cnn_int8.tflite, "
          f"{os.path.basename(c_path)} (+ .h), summary.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
