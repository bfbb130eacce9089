"""Calibration methods: how a tensor's quantization range follows from what calibration saw.

"minmax" is TensorFlow's rule (the global min and max over every sample) and the default, so
that existing scripts give TensorFlow's files. "percentile" is robust to outlier *samples*:
calibration records each sample's own [min, max] per tensor (in the C++ pass, see
Interpreter::SetPerSampleRanges), and the range is the p-th percentile of the per-sample maxima
and the (100 - p)-th of the per-sample minima. A percentile over all elements would keep a few
wild samples, because their values are a few percent of all values; a percentile over samples
drops them while clean samples keep their full range.

"mse" and "entropy" work on each tensor's value histogram, collected in the same pass (C++
CalibrationHistogram): "mse" shrinks the range by the factor that minimizes the expected
squared quantization error (rounding inside, clipping outside) of the observed values;
"entropy" picks the threshold whose 8-bit quantized distribution is closest in KL divergence to
the observed one, as TensorRT's entropy calibrator. Both look at elements, so wild samples that
are a few percent of all values still weigh on them (issue #14's note); "percentile" is the
method for outlier samples."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Calibration", "as_calibration", "METHODS"]

METHODS = ("minmax", "percentile", "mse", "entropy")


@dataclass(frozen=True)
class Calibration:
    """A calibration method and its options, for converter.experimental_calibration.

    `method`: "minmax" (TensorFlow's, the default), "percentile", "mse" or "entropy".
    `percentile`: which percentile of the per-sample maxima (and, mirrored, minima) bounds the
    range (the nearest sample's, no interpolation); 100 is the global min/max. For "percentile"
    it is the range (default 99: up to 1 % of the samples may be wild at each end); for "mse"
    and "entropy" it bounds their search (default 100: plain histogram methods; below 100 they
    are robust to outlier samples too)."""
    method: str = "minmax"
    percentile: float | None = None

    def __post_init__(self):
        if not isinstance(self.method, str) or self.method not in METHODS:
            raise ValueError(f"unknown calibration method {self.method!r}; choose one of {list(METHODS)}")
        p = self.percentile
        if p is None:
            return
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating, np.integer)) or not 50.0 <= p <= 100.0:
            raise ValueError(f"Calibration percentile must be a number in [50, 100], got {p!r}")

    @property
    def bound(self) -> float:
        """The percentile in effect (see the class docstring)."""
        if self.percentile is not None:
            return float(self.percentile)
        return 99.0 if self.method == "percentile" else 100.0

    @property
    def per_sample(self) -> bool:
        """Whether the calibration pass must record per-sample ranges."""
        return self.method == "percentile" or (self.histograms and self.bound < 100.0)

    @property
    def histograms(self) -> bool:
        """Whether the calibration pass must record value histograms."""
        return self.method in ("mse", "entropy")

    def ranges(self, global_ranges, sample_ranges=None, histograms=None):
        """{tensor index: (min, max)} from the pass's global ranges and, as the method needs,
        its {tensor index: (per-sample mins, per-sample maxes)} or {tensor index: (negative
        counts, positive counts, bin width)}."""
        if self.method == "minmax":
            return dict(global_ranges)
        out = dict(global_ranges)
        for t, (mins, maxs) in (sample_ranges or {}).items():
            if len(mins) == 0 or int(t) not in out:
                continue
            # The nearest sample at or inside the percentile, not an interpolation towards the
            # next (possibly wild) one: p=99 drops exactly the 1 % most extreme samples.
            lo = float(np.percentile(mins, 100.0 - self.bound, method="higher"))
            hi = float(np.percentile(maxs, self.bound, method="lower"))
            out[int(t)] = (min(lo, hi), max(lo, hi))
        if self.histograms:
            pick = _mse_range if self.method == "mse" else _entropy_range
            for t, (negative, positive, width) in (histograms or {}).items():
                if int(t) in out and width > 0:
                    out[int(t)] = pick(out[int(t)], np.asarray(negative), np.asarray(positive), float(width))
        return out


def _coarse(negative, positive, width, bins=256):
    """The histograms merged down to about `bins` bins over their used extent: the range
    searches need no finer resolution and stay cheap."""
    used = max(int(np.nonzero(negative)[0][-1]) + 1 if negative.any() else 0,
               int(np.nonzero(positive)[0][-1]) + 1 if positive.any() else 0, 1)
    merge = max(1, -(-used // bins))
    n = -(-used // merge) * merge
    shrink = lambda h: np.pad(h[:n], (0, max(0, n - len(h)))).reshape(-1, merge).sum(axis=1)  # noqa: E731
    return shrink(negative), shrink(positive), width * merge


def _values_and_counts(negative, positive, width):
    negative, positive, width = _coarse(negative, positive, width)
    centers = (np.arange(len(positive)) + 0.5) * width
    return np.concatenate([-centers[::-1], centers]), np.concatenate([negative[::-1], positive]).astype(np.float64)


def _mse_range(global_range, negative, positive, width):
    """The range (global, or a percentile bound) shrunk by the factor (0.05..1) with the least expected squared error:
    uniform rounding noise step**2 / 12 inside, the distance to the clipped end outside."""
    lo, hi = global_range
    values, counts = _values_and_counts(negative, positive, width)
    keep = counts > 0
    values, counts = values[keep], counts[keep]
    factors = np.linspace(0.05, 1.0, 64)[:, None]
    c_lo, c_hi = min(lo, 0.0) * factors, max(hi, 0.0) * factors
    step = (c_hi - c_lo) / 255.0
    clipped = np.maximum(values - c_hi, 0.0) + np.maximum(c_lo - values, 0.0)
    inside = clipped == 0.0
    error = ((clipped ** 2 + inside * step ** 2 / 12.0) * counts).sum(axis=1)
    best = float(factors[int(np.argmin(error)), 0])
    return lo * best, hi * best


def _entropy_range(global_range, negative, positive, width):
    """TensorRT's entropy calibration on the magnitude histogram: the threshold whose
    quantized distribution (128 levels a side, 256 for a one-sided tensor) has the least KL
    divergence from the observed one, outliers folded into the last bin."""
    lo, hi = global_range
    negative, positive, width = _coarse(negative, positive, width, bins=512)
    h = (negative + positive).astype(np.float64)
    used = int(np.nonzero(h)[0][-1]) + 1 if h.any() else 0
    used = min(used, int(np.ceil(max(-lo, hi) / width)))  # within the range (maybe a percentile bound)
    levels = 256 if lo >= 0.0 or hi <= 0.0 else 128
    if used <= levels:
        return global_range
    best, best_kl = used, np.inf
    for i in np.unique(np.geomspace(levels, used, 16).astype(int)):
        p = h[:i].copy()
        p[-1] += h[i:].sum()
        edges = np.linspace(0, i, levels + 1).astype(int)
        chunk = np.repeat(np.arange(levels), np.diff(edges))
        nonzero = h[:i] > 0
        totals = np.bincount(chunk, weights=h[:i], minlength=levels)
        spread = np.bincount(chunk, weights=nonzero, minlength=levels)
        q = np.where(nonzero, totals[chunk] / np.maximum(spread[chunk], 1), 0.0)
        p, q = p / p.sum(), q / max(q.sum(), 1e-300)
        mask = p > 0
        kl = float(np.sum(p[mask] * np.log(p[mask] / np.maximum(q[mask], 1e-12))))
        if kl < best_kl:
            best, best_kl = int(i), kl
    threshold = best * width
    return max(lo, -threshold), min(hi, threshold)


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
