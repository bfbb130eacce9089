"""Calibration methods: how a tensor's quantization range follows from what calibration saw.

"minmax" is TensorFlow's rule (the global min and max over every sample) and the default, so
that existing scripts give TensorFlow's files. "percentile" is robust to outlier *samples*:
calibration records each sample's own [min, max] per tensor (in the C++ pass, see
Interpreter::SetPerSampleRanges), and the range is the p-th percentile of the per-sample maxima
and the (100 - p)-th of the per-sample minima. A percentile over all elements would keep a few
wild samples, because their values are a few percent of all values; a percentile over samples
drops them while clean samples keep their full range."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Calibration", "as_calibration", "METHODS"]

METHODS = ("minmax", "percentile")


@dataclass(frozen=True)
class Calibration:
    """A calibration method and its options, for converter.experimental_calibration.

    `method`: "minmax" (TensorFlow's, the default) or "percentile". `percentile`: for
    "percentile", which percentile of the per-sample maxima (and, mirrored, minima) becomes the
    range (the nearest sample's, no interpolation); 100 equals "minmax". The default, 99, lets
    up to 1 % of the samples be wild at each end."""
    method: str = "minmax"
    percentile: float = 99.0

    def __post_init__(self):
        if not isinstance(self.method, str) or self.method not in METHODS:
            raise ValueError(f"unknown calibration method {self.method!r}; choose one of {list(METHODS)}")
        p = self.percentile
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating, np.integer)) or not 50.0 <= p <= 100.0:
            raise ValueError(f"Calibration percentile must be a number in [50, 100], got {p!r}")

    @property
    def per_sample(self) -> bool:
        """Whether the calibration pass must record per-sample ranges."""
        return self.method != "minmax"

    def ranges(self, global_ranges, sample_ranges):
        """{tensor index: (min, max)} from the pass's global ranges and, for the robust methods,
        its {tensor index: (per-sample mins, per-sample maxes)}."""
        if self.method == "minmax":
            return dict(global_ranges)
        out = dict(global_ranges)
        for t, (mins, maxs) in sample_ranges.items():
            if len(mins) == 0:
                continue
            # The nearest sample at or inside the percentile, not an interpolation towards the
            # next (possibly wild) one: p=99 drops exactly the 1 % most extreme samples.
            lo = float(np.percentile(mins, 100.0 - self.percentile, method="higher"))
            hi = float(np.percentile(maxs, self.percentile, method="lower"))
            out[int(t)] = (min(lo, hi), max(lo, hi))
        return out


def as_calibration(value) -> Calibration:
    """converter.experimental_calibration as a Calibration: a method name or a Calibration."""
    if value is None:
        return Calibration()
    if isinstance(value, Calibration):
        return value
    if isinstance(value, str):
        return Calibration(method=value)
    raise ValueError(f"experimental_calibration must be a method name {list(METHODS)} or a qtflite.Calibration, "
                     f"got {type(value).__name__}")
