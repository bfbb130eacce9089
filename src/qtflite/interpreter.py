"""``qtflite.lite.Interpreter``: the same API as ``tf.lite.Interpreter`` (names, arguments,
detail-dict keys and value types, error messages), running qtflite's own kernels.

``numerics="micro"`` (default) reproduces TensorFlow Lite Micro's reference kernels bit for
bit; ``numerics="litert"`` reproduces current TFLite / LiteRT's reference kernels (they differ
only in FULLY_CONNECTED's int8 requantization).

Kernels follow ``tf.lite.Interpreter``'s resolver types. By default (AUTO) every operator runs on
qtflite's fast SIMD kernels where it has them: integer results are bit-exact either way, float
CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED are equal to the reference up to float rounding
(summation order). ``experimental_op_resolver_type=OpResolverType.BUILTIN_REF`` runs the scalar
reference kernels instead, whose float outputs equal LiteRT's BUILTIN_REF bit for bit.
"""
from __future__ import annotations

import enum

import numpy as np

from . import _core
from .model import read_bytes

__all__ = ["Interpreter", "OpResolverType", "SignatureRunner"]


class OpResolverType(enum.Enum):
    """The names of ``tf.lite.experimental.OpResolverType``; TensorFlow's and ai-edge-litert's
    enums are accepted as well (by name)."""
    AUTO = 0
    BUILTIN = 1
    BUILTIN_REF = 2
    BUILTIN_WITHOUT_DEFAULT_DELEGATES = 3


def _uses_fast_float_kernels(resolver) -> bool:
    if resolver is None:
        return True  # AUTO, as tf.lite.Interpreter's default
    name = getattr(resolver, "name", resolver)
    if name not in OpResolverType.__members__:
        raise ValueError(f"experimental_op_resolver_type {resolver!r} is not one of "
                         f"{list(OpResolverType.__members__)}")
    return name != "BUILTIN_REF"

def _is_builtin_ref(resolver) -> bool:
    return getattr(resolver, "name", resolver) == "BUILTIN_REF"


_TF_TYPE_NAMES = {
    np.dtype(np.float32): "FLOAT32", np.dtype(np.float16): "FLOAT16", np.dtype(np.float64): "FLOAT64",
    np.dtype(np.int8): "INT8", np.dtype(np.uint8): "UINT8", np.dtype(np.int16): "INT16",
    np.dtype(np.uint16): "UINT16", np.dtype(np.int32): "INT32", np.dtype(np.uint32): "UINT32",
    np.dtype(np.int64): "INT64", np.dtype(np.uint64): "UINT64", np.dtype(np.bool_): "BOOL",
    np.dtype(np.complex64): "COMPLEX64", np.dtype(np.complex128): "COMPLEX128",
}


def _np_type(name: str):
    if name == "bool":
        return np.bool_
    if name == "string":
        return np.object_
    return np.dtype(name).type


def _tf_type_name(dtype) -> str:
    return _TF_TYPE_NAMES.get(np.dtype(dtype), str(np.dtype(dtype)).upper())


class Interpreter:
    """Drop-in for ``tf.lite.Interpreter`` / ``ai_edge_litert.interpreter.Interpreter``."""

    def __init__(self, model_path=None, model_content=None, experimental_delegates=None,
                 num_threads=None, experimental_op_resolver_type=None,
                 experimental_preserve_all_tensors=False, *, numerics="micro", experimental_profile=False,
                 **unused):
        if (model_path is None) == (model_content is None):
            raise ValueError("Exactly one of model_path and model_content must be given")
        if num_threads is not None and (not isinstance(num_threads, int) or isinstance(num_threads, bool)
                                        or num_threads == 0 or num_threads < -1):
            raise ValueError("num_threads should be >= 1 or -1 (all cores)")
        if experimental_delegates:
            raise ValueError("qtflite's Interpreter does not take delegates")
        source = model_path if model_path is not None else model_content
        self._content = read_bytes(source)
        self._model = _core.read_model(self._content)
        self._dict = self._model.to_dict()
        self._graph = self._dict["subgraphs"][0]
        self._impl = _core.Interpreter(self._model, numerics)
        self._impl.set_fast_float_kernels(_uses_fast_float_kernels(experimental_op_resolver_type))
        self._impl.set_fast_integer_kernels(not _is_builtin_ref(experimental_op_resolver_type))
        # As in TensorFlow: with the flag every intermediate tensor keeps its value after invoke();
        # without it intermediates share arena memory and get_tensor() of one returns whatever a
        # later operator left there.
        self._impl.set_preserve_all_tensors(bool(experimental_preserve_all_tensors))
        self._resolver = experimental_op_resolver_type
        self._numerics = numerics
        self._num_threads = num_threads
        # As tf.lite.Interpreter: None is its default (one thread here, as TFLite's kernels
        # without a delegate), -1 all cores. Results do not depend on the count.
        self._impl.set_num_threads(1 if num_threads is None else num_threads)
        self._profiling = bool(experimental_profile)
        self._impl.set_profiling(self._profiling)
        self._set_checked = {}  # tensor index: (dtype, shape) that set_tensor accepted since allocation

    # ---- details

    def _detail(self, index: int) -> dict:
        t = self._graph["tensors"][index]
        q = t["quantization"]
        scales = np.asarray(q["scales"], dtype=np.float32)
        zero_points = np.asarray(q["zero_points"], dtype=np.int32)
        if zero_points.size == 0 and scales.size:
            zero_points = np.zeros(scales.size, np.int32)
        quant = (float(scales[0]), int(zero_points[0])) if scales.size == 1 else (0.0, 0)
        shape = np.asarray(self._impl.shape(index), dtype=np.int32)
        sig = t["shape_signature"]
        signature = np.asarray(sig if sig is not None else t["shape"], dtype=np.int32)
        if sig is None and not np.array_equal(shape, signature):
            signature = shape.copy()
        return {
            "name": t["name"],
            "index": index,
            "shape": shape,
            "shape_signature": signature,
            "dtype": _np_type(t["dtype"]),
            "quantization": quant,
            "quantization_parameters": {
                "scales": scales, "zero_points": zero_points,
                "quantized_dimension": int(q["quantized_dimension"]), "block_size": 0,
            },
            "sparsity_parameters": {},
        }

    def get_input_details(self):
        return [self._detail(i) for i in self._graph["inputs"]]

    def get_output_details(self):
        return [self._detail(i) for i in self._graph["outputs"]]

    def get_tensor_details(self, subgraph_index=0):
        if subgraph_index != 0:
            raise ValueError("qtflite runs subgraph 0 only")
        return [self._detail(i) for i in range(len(self._graph["tensors"]))]

    # ---- lifecycle

    def allocate_tensors(self):
        self._set_checked.clear()
        self._impl.allocate_tensors()

    def invoke(self):
        self._impl.invoke()

    def get_profile(self):
        """The per-operator profile (``qtflite.ProfileReport``) of the invokes since profiling began
        or the last ``allocate_tensors()``/``reset_profile()``; needs ``experimental_profile=True``."""
        from .profile import ProfileReport
        if not self._profiling:
            raise RuntimeError("this Interpreter does not profile: create it with experimental_profile=True")
        return ProfileReport._from_core(self._impl.profile())

    def reset_profile(self):
        self._impl.reset_profile()

    def resize_tensor_input(self, input_index, tensor_size, strict=False):
        self._check_index(input_index)
        if input_index not in self._graph["inputs"]:
            raise ValueError(f"Tensor {input_index} is not an input of the model")
        shape = np.asarray(tensor_size)
        if shape.ndim != 1 or not np.issubdtype(shape.dtype, np.integer):
            raise ValueError(f"tensor_size must be a 1-D list of integers, got {tensor_size!r}")
        if strict:
            sig = self._detail(input_index)["shape_signature"]
            if len(sig) != len(shape) or any(s != -1 and s != n for s, n in zip(sig, shape)):
                raise ValueError(
                    f"ResizeInputTensorStrict only allows mutating unknown dimensions identified by -1 "
                    f"(signature {sig.tolist()}, requested {shape.tolist()})")
        self._set_checked.clear()
        self._impl.resize_input(int(input_index), [int(d) for d in shape])

    # ---- tensor access

    def _check_index(self, index):
        n = len(self._graph["tensors"])
        if not isinstance(index, (int, np.integer)) or index < 0 or index >= n:
            raise ValueError(f"Invalid tensor index {index} exceeds max tensor index {n}")

    def _require_ready(self):
        if not self._impl.ready:
            raise RuntimeError("Tensors are not allocated: call allocate_tensors() first")

    def set_tensor(self, tensor_index, value):
        # Fast path: an array of the dtype and shape this tensor accepted since the last allocation.
        checked = self._set_checked.get(tensor_index) if type(tensor_index) is int else None
        if (checked is not None and type(value) is np.ndarray and value.dtype == checked[0]
                and value.shape == checked[1] and self._impl.ready):
            self._impl.set(tensor_index, value)
            return
        self._check_index(tensor_index)
        self._require_ready()
        # Only the dtype, name and shape: building the whole detail dict would cost more than
        # copying a small input.
        t = self._graph["tensors"][tensor_index]
        value = np.asarray(value)
        want = np.dtype(_np_type(t["dtype"]))
        if value.dtype != want:
            raise ValueError(
                f"Cannot set tensor: Got value of type {_tf_type_name(value.dtype)} but expected type "
                f"{_tf_type_name(want)} for input {tensor_index}, name: {t['name']} ")
        shape = self._impl.shape(tensor_index)
        if value.ndim != len(shape):
            raise ValueError(
                f"Cannot set tensor: Dimension mismatch. Got {value.ndim} but expected {len(shape)} "
                f"for input {tensor_index}.")
        for dim, (got, expected) in enumerate(zip(value.shape, shape)):
            if got != expected:
                raise ValueError(
                    f"Cannot set tensor: Dimension mismatch. Got {got} but expected {expected} for "
                    f"dimension {dim} of input {tensor_index}.")
        self._impl.set(int(tensor_index), np.ascontiguousarray(value))
        if type(tensor_index) is int:
            self._set_checked[tensor_index] = (want, tuple(value.shape))

    def get_tensor(self, tensor_index, subgraph_index=0):
        self._check_index(tensor_index)
        self._require_ready()
        return self._impl.get(int(tensor_index))

    def tensor(self, tensor_index):
        """A callable returning a zero-copy NumPy view of the tensor (valid until the next
        allocate_tensors or resize)."""
        self._check_index(tensor_index)
        return lambda: self._impl.view(int(tensor_index))

    # ---- signatures

    def get_signature_list(self):
        return {s["key"]: {"inputs": [n for n, _ in s["inputs"]], "outputs": [n for n, _ in s["outputs"]]}
                for s in self._dict["signature_defs"]}

    def get_signature_runner(self, signature_key=None):
        sigs = self._dict["signature_defs"]
        if not sigs:
            raise ValueError("This model has no signature defs; use set_tensor/invoke/get_tensor")
        if signature_key is None:
            if len(sigs) > 1:
                raise ValueError("SignatureDef signature_key is None and model has "
                                 f"{len(sigs)} Signatures. None is only allowed when the model has 1 SignatureDef")
            sig = sigs[0]
        else:
            matches = [s for s in sigs if s["key"] == signature_key]
            if not matches:
                raise ValueError(f"Invalid signature_key provided: '{signature_key}'")
            sig = matches[0]
        if sig["subgraph_index"] != 0:
            raise ValueError("qtflite runs subgraph 0 only")
        return SignatureRunner(self, sig)

    def _get_ops_details(self):
        out = []
        for k, o in enumerate(self._graph["operators"]):
            out.append({
                "index": k, "op_name": o["opcode"], "inputs": np.asarray(o["inputs"], np.int32),
                "outputs": np.asarray(o["outputs"], np.int32),
                "operand_types": [_np_type(self._graph["tensors"][i]["dtype"]) for i in o["inputs"] if i >= 0],
                "result_types": [_np_type(self._graph["tensors"][i]["dtype"]) for i in o["outputs"]],
            })
        return out

    def num_subgraphs(self):
        return len(self._dict["subgraphs"])

    def reset_all_variables(self):
        """Sets the variable tensors (LSTM state) to their initial value, as TFLite: zero, or the
        zero point of an int8 tensor. Between resets the state carries over from invoke to invoke."""
        if self._impl.ready:  # else allocate_tensors() will start them at their initial value
            self._impl.reset_variables()


class SignatureRunner:
    """``interpreter.get_signature_runner()``: call with keyword inputs, get a dict of outputs."""

    def __init__(self, interpreter: Interpreter, sig: dict):
        self._interp = interpreter
        self._inputs = dict(sig["inputs"])
        self._outputs = dict(sig["outputs"])

    def get_input_details(self):
        return {n: self._interp._detail(i) for n, i in self._inputs.items()}

    def get_output_details(self):
        return {n: self._interp._detail(i) for n, i in self._outputs.items()}

    def __call__(self, **kwargs):
        unknown = set(kwargs) - set(self._inputs)
        if unknown:
            raise ValueError(f"Invalid Input name ({sorted(unknown)[0]}) for SignatureDef")
        missing = set(self._inputs) - set(kwargs)
        if missing:
            raise ValueError(f"Missing input(s) {sorted(missing)} for SignatureDef")
        it = self._interp
        arrays = {n: np.asarray(v) for n, v in kwargs.items()}
        for name, arr in arrays.items():
            index = self._inputs[name]
            if list(it._impl.shape(index)) != list(arr.shape):
                it.resize_tensor_input(index, list(arr.shape))
        if not it._impl.ready:
            it.allocate_tensors()
        for name, arr in arrays.items():
            it.set_tensor(self._inputs[name], arr)
        it.invoke()
        return {name: it.get_tensor(index) for name, index in self._outputs.items()}
