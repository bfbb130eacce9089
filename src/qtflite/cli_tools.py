"""The command line's model tools: ``convert`` (Keras or float .tflite to .tflite, with any
quantization), ``size`` (qtflite.analyze_size) and ``c-array`` (qtflite.to_c_source).

Errors print one line, ``qtflite: error: ...``, and exit with status 2; output files are written
to a temporary file and renamed, so a failed command never leaves a partial file."""
from __future__ import annotations

import json
import os
import re
import sys
import time

QUANTIZE_CHOICES = ["none", "float16", "dynamic", "int8", "16x8"]
IO_TYPES = ["float32", "int8", "uint8", "int16"]
_OP_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


class CommandError(Exception):
    """Bad input to a command: printed as one line."""


def add_commands(sub):
    p = sub.add_parser("convert", help="convert a Keras model (.keras/.h5) or float .tflite to .tflite")
    p.add_argument("model", help="MODEL.keras, MODEL.h5 or a float32 MODEL.tflite")
    p.add_argument("-o", "--output", required=True, help="the .tflite file to write")
    p.add_argument("--quantize", choices=QUANTIZE_CHOICES, default="none",
                   help="float16 weights, dynamic-range int8 weights, full int8, or 16x8 (int16 activations)")
    p.add_argument("--calibration", help="representative data for int8/16x8: DATA.npy, or DATA.npz (array 'x', or "
                                         "its only array), samples along the first axis, preprocessed as the model "
                                         "expects")
    p.add_argument("--samples", type=int, default=300, help="calibration samples to use (default 300)")
    p.add_argument("--input-type", choices=IO_TYPES, default="float32", help="inference input type (int8/16x8)")
    p.add_argument("--output-type", choices=IO_TYPES, default="float32", help="inference output type (int8/16x8)")
    p.add_argument("--denylist", nargs="+", default=[], metavar="NAME",
                   help="keep these in float32 (int8/16x8): layer or operator output tensor names, or TFLite "
                        "operator names in capitals (CONV_2D)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--json", action="store_true", help="print the result as JSON")

    p = sub.add_parser("size", help="sizes of a Keras file and .tflite models, and their TFLite Micro flash/arena")
    p.add_argument("files", nargs="+", help="[MODEL.keras|MODEL.h5] MODEL.tflite ...")
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = sub.add_parser("c-array", help="write a .tflite as a C++ array (.cc and .h) for TensorFlow Lite Micro")
    p.add_argument("file", help="MODEL.tflite")
    p.add_argument("-o", "--output", required=True, help="the .cc file to write (the .h goes beside it)")
    p.add_argument("--name", default="g_model", help="the array's name (default g_model)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


COMMANDS = ("convert", "size", "c-array")


def run(args) -> int:
    from ._core import ModelError
    handlers = {"convert": _convert, "size": _size, "c-array": _c_array}
    try:
        return handlers[args.command](args)
    except (CommandError, OSError, ValueError, TypeError, NotImplementedError, ModelError, RuntimeError) as e:
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if isinstance(e, OSError) and e.filename and e.strerror:
            message = f"{e.strerror}: '{e.filename}'"
        print(f"qtflite: error: {message}", file=sys.stderr)
        return 2


def _load_calibration(path, samples):
    import numpy as np
    if not os.path.isfile(path):
        raise CommandError(f"no such calibration file: '{path}'")
    try:
        data = np.load(path, allow_pickle=False)
    except Exception as e:
        raise CommandError(f"'{path}' is not a NumPy .npy/.npz file ({e})") from None
    if isinstance(data, np.lib.npyio.NpzFile):
        keys = list(data.keys())
        key = "x" if "x" in keys else (keys[0] if len(keys) == 1 else None)
        if key is None:
            raise CommandError(f"'{path}' holds arrays {keys}; name the calibration array 'x'")
        data = data[key]
    if data.ndim < 1 or data.shape[0] == 0:
        raise CommandError(f"'{path}' holds no samples (shape {list(data.shape)})")
    if not (np.issubdtype(data.dtype, np.floating) or np.issubdtype(data.dtype, np.integer)):
        raise CommandError(f"'{path}' holds {data.dtype} data; calibration needs numbers")
    if samples < 1:
        raise CommandError("--samples must be at least 1")
    return data[:samples].astype(np.float32)


def _converter_for(path):
    from .lite import TFLiteConverter
    if not os.path.exists(path):
        raise CommandError(f"no such model file: '{path}'")
    ext = os.path.splitext(path)[1].lower()
    if ext in (".keras", ".h5", ".hdf5"):
        return TFLiteConverter.from_keras_file(path)
    if ext == ".tflite":
        return TFLiteConverter.from_tflite(path)
    raise CommandError(f"'{path}': expected a .keras, .h5 or .tflite model")


def _input_shape(converter):
    """The float model's per-sample input shape (for reshaping calibration samples)."""
    model, _ = converter._float_model_and_dataset()
    g = model.to_dict()["subgraphs"][0]
    if len(g["inputs"]) != 1:
        raise CommandError(f"the model has {len(g['inputs'])} inputs; --calibration supports one-input models")
    return list(g["tensors"][g["inputs"][0]]["shape"][1:])


def _convert(args) -> int:
    import numpy as np

    from .c_source import write_atomic
    from .lite import Optimize, OpsSet
    from .size_report import model_kind
    from . import _core

    start = time.perf_counter()
    conv = _converter_for(args.model)
    q = args.quantize
    integer = q in ("int8", "16x8")
    if args.calibration and not integer:
        raise CommandError(f"--calibration is for --quantize int8 or 16x8, not {q}")
    if integer and not args.calibration:
        raise CommandError(f"--quantize {q} needs --calibration DATA.npy|.npz (representative samples)")
    if not integer and (args.input_type != "float32" or args.output_type != "float32"):
        raise CommandError("--input-type/--output-type other than float32 need --quantize int8 or 16x8")
    if args.denylist and not integer:
        raise CommandError("--denylist needs --quantize int8 or 16x8")
    conv.progress = False if args.no_progress else None
    if q != "none":
        conv.optimizations = [Optimize.DEFAULT]
    if q == "float16":
        conv.target_spec.supported_types = [np.float16]
    if integer:
        x = _load_calibration(args.calibration, args.samples)
        shape = _input_shape(conv)
        per_sample = int(np.prod(shape))
        if int(np.prod(x.shape[1:])) != per_sample:
            raise CommandError(f"calibration samples have shape {list(x.shape[1:])}; the model's input is {shape}")
        x = x.reshape([-1] + shape)
        conv.representative_dataset = lambda: ([x[i:i + 1]] for i in range(x.shape[0]))
        conv.inference_input_type = args.input_type
        conv.inference_output_type = args.output_type
        if q == "16x8":
            ops = [OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
            if args.denylist:
                ops.append(OpsSet.TFLITE_BUILTINS)
            conv.target_spec.supported_ops = ops
        conv.experimental_denylisted_ops = [n for n in args.denylist if _OP_NAME.match(n)]
        conv.experimental_denylisted_nodes = [n for n in args.denylist if not _OP_NAME.match(n)]
    data = conv.convert()
    write_atomic(args.output, data)
    kind = model_kind(_core.read_model(data).to_dict())
    result = {"output": args.output, "bytes": len(data), "kind": kind,
              "seconds": round(time.perf_counter() - start, 3)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"wrote {args.output}: {len(data):,} bytes, {kind} ({result['seconds']:.2f} s)")
    return 0


def _size(args) -> int:
    from .size_report import analyze_size
    keras = [f for f in args.files if os.path.splitext(f)[1].lower() in (".keras", ".h5", ".hdf5")]
    if len(keras) > 1:
        raise CommandError(f"give at most one Keras file, got {len(keras)}")
    tflite = [f for f in args.files if f not in keras]
    for f in args.files:
        if not os.path.isfile(f):
            raise CommandError(f"no such file: '{f}'")
    report = analyze_size(keras[0] if keras else None, *tflite)
    print(json.dumps(report.to_dict(), indent=1) if args.json else repr(report))
    return 0


def _c_array(args) -> int:
    from .c_source import to_c_source
    if not os.path.isfile(args.file):
        raise CommandError(f"no such file: '{args.file}'")
    src = to_c_source(args.file, name=args.name)
    cc, h = src.save(args.output)
    if args.json:
        print(json.dumps({"source": cc, "header": h, "name": src.name, "bytes": src.size}))
    else:
        print(f"wrote {cc} and {h}: {src.name}[{src.size}] ({src.name}_size)")
    return 0
