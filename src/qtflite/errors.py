"""qtflite's exception classes (besides ModelError, which the C++ reader raises for a
malformed .tflite).

A malformed Keras file raises KerasFileError, whose message names the file part at fault (an
archive member, a config path, an HDF5 dataset or attribute) and the layer when there is one.
A well-formed model that qtflite cannot convert raises NotImplementedError; for a layer class
it does not know (including custom layers, whose code is not in the file) the subclass
UnsupportedLayerError, which also carries the layer's name and class."""
from __future__ import annotations

__all__ = ["KerasFileError", "UnsupportedLayerError"]


class KerasFileError(ValueError):
    """A Keras model file (or architecture + weights) that is truncated, corrupt or
    inconsistent: the message says which part and what is wrong with it."""


class UnsupportedLayerError(NotImplementedError):
    """A layer class the converter has no lowering for."""

    def __init__(self, message: str, layer: str = "", class_name: str = ""):
        super().__init__(message)
        self.layer = layer
        self.class_name = class_name
