"""``from qtflite import lite`` mirrors ``tf.lite``."""
from .converter import TFLiteConverter
from .interpreter import Interpreter, OpResolverType, SignatureRunner
from .lite_options import Optimize, OpsSet, RepresentativeDataset, TargetSpec

__all__ = ["Interpreter", "OpResolverType", "Optimize", "OpsSet", "RepresentativeDataset", "SignatureRunner", "TargetSpec",
           "TFLiteConverter"]
