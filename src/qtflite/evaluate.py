"""``qtflite.evaluate``: accuracy of a .tflite model on a labelled data set in batched calls,
quantizing float inputs itself when the model takes integers (as a user's loop would)."""
from __future__ import annotations

import numpy as np

from .interpreter import Interpreter, OpResolverType

__all__ = ["evaluate"]


def _quantize(x, dtype, scale, zero_point):
    info = np.iinfo(dtype)
    q = np.floor(np.abs(x / scale) + 0.5) * np.sign(x / scale) + zero_point  # round half away from zero
    return np.clip(q, info.min, info.max).astype(dtype)


def evaluate(model, x, y, batch_size=1000, numerics="micro"):
    """Top-1 accuracy of `model` (bytes or path) on inputs `x` (float, shaped as the model's
    input without or with the batch axis) and integer labels `y`. Returns a dict with the
    accuracy, the number of samples and the predictions."""
    content = model if isinstance(model, (bytes, bytearray)) else open(model, "rb").read()
    # Float layers on the fast kernels (accuracy is what is measured here; integer arithmetic
    # is the reference arithmetic either way).
    it = Interpreter(model_content=bytes(content), numerics=numerics,
                     experimental_op_resolver_type=OpResolverType.AUTO)
    inp = it.get_input_details()[0]
    out = it.get_output_details()[0]
    x = np.asarray(x)
    y = np.asarray(y).reshape(-1)
    sample_shape = list(inp["shape"][1:])
    x = x.reshape([-1] + sample_shape)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} samples but y has {y.shape[0]} labels")
    predictions = np.empty(y.shape[0], np.int64)
    current = None
    for start in range(0, x.shape[0], batch_size):
        xb = x[start:start + batch_size]
        if current != xb.shape[0]:
            it.resize_tensor_input(inp["index"], [xb.shape[0]] + sample_shape)
            it.allocate_tensors()
            current = xb.shape[0]
        if np.issubdtype(inp["dtype"], np.integer):
            scale, zp = inp["quantization"]
            xb = _quantize(xb.astype(np.float32), inp["dtype"], scale, zp)
        it.set_tensor(inp["index"], xb.astype(inp["dtype"]))
        it.invoke()
        predictions[start:start + xb.shape[0]] = np.argmax(it.get_tensor(out["index"]).reshape(xb.shape[0], -1), axis=1)
    return {"accuracy": float(np.mean(predictions == y)), "samples": int(y.shape[0]), "predictions": predictions}
