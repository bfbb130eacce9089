"""``qtflite eval MODEL --data mnist|FILE.npz`` and ``qtflite compare FLOAT QUANT --data ...``:
qtflite.evaluate and qtflite.compare from the command line (``--json`` for machine-readable
output). Errors are one line on stderr and exit code 2."""
from __future__ import annotations

import json
import os
import sys

import numpy as np

__all__ = ["add_commands", "run"]

COMMANDS = ("eval", "compare")


def _data_arguments(p, default_samples=None):
    p.add_argument("--data", required=True,
                   help="'mnist' (the 10,000 MNIST test images, scaled to [0, 1]) or FILE.npz with arrays "
                        "x and y (or x_test and y_test)")
    p.add_argument("--mnist-dir", default=None,
                   help="folder with the four MNIST idx .gz files (default: $QTFLITE_DATA/mnist, downloaded once)")
    p.add_argument("--samples", type=int, default=default_samples, help="use the first N samples only")
    p.add_argument("--batch-size", type=int, default=None, help="samples per invoke (default: automatic)")
    p.add_argument("--numerics", choices=["micro", "litert"], default="micro")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def add_commands(sub):
    p = sub.add_parser("eval", help="accuracy of a .tflite model on MNIST or an .npz data set")
    p.add_argument("model")
    _data_arguments(p)
    p.add_argument("--top-k", type=int, default=5, help="k of the top-k accuracy (default 5)")
    p = sub.add_parser("compare", help="per-tensor quantization error of a quantized model against its float model")
    p.add_argument("float_model")
    p.add_argument("quantized_model")
    _data_arguments(p, default_samples=1000)
    p.add_argument("--csv", default=None, help="also write the layer statistics as QuantizationDebugger's CSV")
    p.add_argument("--error", choices=["model", "layer"], default="model",
                   help="float reference: the float model's tensor (accumulated error, default) or each float "
                        "operator on the quantized model's dequantized inputs (QuantizationDebugger's)")


def load_data(spec: str, mnist_dir=None, samples=None, need_labels=True):
    """(x, y) of --data: 'mnist' or an .npz file."""
    if spec == "mnist":
        from .datasets import load_mnist

        _, (x, y) = load_mnist(mnist_dir)
        x = (x / 255.0).astype(np.float32)
    else:
        if not spec.endswith(".npz"):
            raise ValueError(f"--data must be 'mnist' or a .npz file, got '{spec}'")
        if not os.path.exists(spec):
            raise FileNotFoundError(f"no such data file: '{spec}'")
        with np.load(spec, allow_pickle=False) as f:
            keys = set(f.files)
            x_key = next((k for k in ("x", "x_test") if k in keys), None)
            y_key = next((k for k in ("y", "y_test") if k in keys), None)
            if x_key is None:
                raise ValueError(f"'{spec}' has no array 'x' or 'x_test' (it has {sorted(keys)})")
            x = f[x_key]
            y = f[y_key] if y_key else None
        if need_labels and y is None:
            raise ValueError(f"'{spec}' has no labels: an array 'y' or 'y_test'")
    if samples is not None:
        if samples < 1:
            raise ValueError(f"--samples must be positive, got {samples}")
        x = x[:samples]
        y = None if y is None else y[:samples]
    return x, y


def _fit_to_model(x, model_path):
    """Reshapes x to the model's sample shape when only the layout differs (MNIST's (N, 28, 28)
    for a model taking (N, 784))."""
    from ._model_io import as_interpreter

    detail = as_interpreter(model_path).get_input_details()[0]
    sample = [int(d) for d in detail["shape_signature"][1:]]
    if x.ndim >= 1 and all(d > 0 for d in sample) and int(np.prod(sample)) == int(np.prod(x.shape[1:])):
        return x.reshape((x.shape[0],) + tuple(sample))
    return x


def run(args) -> int:
    from . import _core

    try:
        if args.command == "eval":
            return _eval(args)
        return _compare(args)
    except (OSError, ValueError, TypeError, KeyError, ImportError, RuntimeError, NotImplementedError,
            _core.ModelError) as e:
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"qtflite: error: {message}", file=sys.stderr)
        return 2


def _eval(args) -> int:
    from .evaluate import evaluate

    x, y = load_data(args.data, args.mnist_dir, args.samples)
    x = _fit_to_model(x, args.model)
    result = evaluate(args.model, x, y, batch_size=args.batch_size, top_k=args.top_k, numerics=args.numerics)
    if args.json:
        print(json.dumps(dict(model=args.model, data=args.data, **result.to_dict(predictions=False)), indent=1))
    else:
        print(f"{args.model} on {args.data}:")
        print(repr(result))
    return 0


def _compare(args) -> int:
    from .compare import compare

    x, _ = load_data(args.data, args.mnist_dir, args.samples, need_labels=False)
    x = _fit_to_model(x, args.float_model)
    result = compare(args.float_model, args.quantized_model, x, batch_size=args.batch_size, numerics=args.numerics,
                     error=args.error)
    if args.csv:
        result.to_csv(args.csv)
    if args.json:
        print(json.dumps(dict(float_model=args.float_model, quantized_model=args.quantized_model, data=args.data,
                              **result.to_dict()), indent=1))
    else:
        print(repr(result))
    return 0
