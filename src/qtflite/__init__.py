"""qtflite: convert Keras models to TensorFlow Lite and run them bit-exactly, without TensorFlow.

``from qtflite import lite`` mirrors ``tf.lite``.
"""
from ._core import ModelError
from .errors import KerasFileError, UnsupportedLayerError
from .model import load_model, Model
from .inspect import inspect
from .dtypes import DType, as_dtype, float16, float32, int8, int16, int32, int64, uint8
from . import lite
from .evaluate import evaluate

ModelError.__module__ = "qtflite"

__version__ = "0.1.0"

__all__ = ["ModelError", "KerasFileError", "UnsupportedLayerError", "Model", "load_model", "inspect", "lite", "evaluate", "__version__", "DType", "as_dtype",
           "float16", "float32", "int8", "int16", "int32", "int64", "uint8"]
