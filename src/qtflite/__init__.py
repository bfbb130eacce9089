"""qtflite: convert Keras models to TensorFlow Lite and run them bit-exactly, without TensorFlow.

``from qtflite import lite`` mirrors ``tf.lite``.
"""
from ._core import ModelError, isa_info as _isa_info
from .errors import KerasFileError, UnsupportedLayerError
from .model import load_model, Model
from .inspect import inspect
from .dtypes import DType, as_dtype, float16, float32, int8, int16, int32, int64, uint8
from . import lite
from .evaluate import evaluate, EvaluationResult
from .compare import compare, ComparisonResult
from .profile import profile, ProfileReport, OperatorTiming
from .quantize.runtime_limits import QuantizationWarning
from .quantize.calibration_methods import Calibration

ModelError.__module__ = "qtflite"
QuantizationWarning.__module__ = "qtflite"

__version__ = "0.1.0"


def cpu_info() -> dict:
    """The CPU qtflite runs on: ``vendor``, ``brand``, ``features`` (CPUID flags), the
    instruction-set tiers its kernels can use here (``supported``) and the one in use
    (``active``; the environment variable QTFLITE_ISA, read at import, forces one)."""
    return _isa_info()


__all__ = ["ModelError", "QuantizationWarning", "KerasFileError", "UnsupportedLayerError", "Model", "load_model",
           "inspect", "lite", "evaluate", "EvaluationResult", "compare", "ComparisonResult", "profile", "ProfileReport", "OperatorTiming", "cpu_info", "__version__", "DType", "as_dtype",
           "float16", "float32", "int8", "int16", "int32", "int64", "uint8"]

# Model tools: size table and TFLite Micro arena, C arrays for microcontrollers.
from .size_report import analyze_size, SizeReport
from .c_source import to_c_source, CSource
from .quantize_auto import quantize_auto, AutoQuantizationReport
__all__ += ["Calibration", "quantize_auto", "AutoQuantizationReport"]
__all__ += ["analyze_size", "SizeReport", "to_c_source", "CSource"]
