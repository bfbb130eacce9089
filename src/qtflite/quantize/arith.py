"""The converter's quantization arithmetic (tflite-facts.md §B.2), with its float32-versus-
double details, so that scales, zero points and quantized weights come out bit for bit."""
from __future__ import annotations

import numpy as np

__all__ = ["round_half_away", "effective_range", "activation_params", "symmetric_activation_params", "quantize_weights",
           "quantize_weights_16x8",
           "quantize_bias", "quantize_constant_asymmetric"]

F32 = np.float32


def round_half_away(x):
    """std::round: ties away from zero. Done in float64, exact for float32 inputs."""
    x = np.asarray(x, np.float64)
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def effective_range(rmin: float, rmax: float):
    """The range the converter quantizes for a calibrated [rmin, rmax]: it always holds 0, and
    one narrower than 1e-6 (a tensor that was constant, e.g. 0) is widened by 1e-6 each side."""
    rmin, rmax = min(float(rmin), 0.0), max(float(rmax), 0.0)
    if abs(rmax - rmin) < 1e-6:
        rmin -= 1e-6
        rmax += 1e-6
    return rmin, rmax


def activation_params(rmin: float, rmax: float, qmin: int = -128, qmax: int = 127):
    """(scale, zero point) of an int8 activation from its calibrated range (MLIR quantizer,
    legacy float scale): the range always holds 0; scale in float32; zero point from the
    minimum, rounded half away from zero and clamped."""
    rmin, rmax = effective_range(rmin, rmax)
    scale = (F32(rmax) - F32(rmin)) / F32(qmax - qmin)
    zp_f = F32(qmin - rmin / float(scale))
    if zp_f < qmin:
        zp = qmin
    elif zp_f > qmax:
        zp = qmax
    else:
        zp = int(round_half_away(zp_f))
    return F32(scale), zp


def symmetric_activation_params(rmin: float, rmax: float, qmax: int = 32767):
    """16x8 activations: symmetric, zero point 0, scale = max|r| / 32767 (float)."""
    rmin, rmax = effective_range(rmin, rmax)  # an all-zero range is widened as in the int8 path
    return F32(max(abs(F32(rmin)), abs(F32(rmax))) / F32(qmax)), 0


def quantize_weights(w, axis=None):
    """Symmetric int8 weights in [-127, 127]: per channel along `axis`, or per tensor when
    axis is None. Returns (int8 array, float32 scales)."""
    w = np.asarray(w, F32)
    if axis is None:
        rng = F32(max(abs(F32(min(w.min(), 0))), abs(F32(max(w.max(), 0))))) if w.size else F32(0)
        if rng == 0:
            return np.zeros(w.shape, np.int8), np.array([1.0], F32)
        scale = rng / F32(127)
        inv = F32(127) / rng
        q = np.clip(round_half_away((w * inv).astype(F32)), -127, 127).astype(np.int8)
        return q, np.array([scale], F32)
    moved = np.moveaxis(w, axis, 0)
    flat = moved.reshape(moved.shape[0], -1)
    mn = np.minimum(flat.min(axis=1), F32(0)) if flat.shape[1] else np.zeros(flat.shape[0], F32)
    mx = np.maximum(flat.max(axis=1), F32(0)) if flat.shape[1] else np.zeros(flat.shape[0], F32)
    absmax = np.maximum(np.abs(mn), np.abs(mx)).astype(F32)
    scales = (F32(2) * absmax / F32(254)).astype(F32)
    with np.errstate(divide="ignore"):
        inv = np.where(scales == 0, F32(0), (1.0 / scales.astype(np.float64)).astype(F32)).astype(F32)
    q = np.clip(round_half_away((flat * inv[:, None]).astype(F32)), -127, 127).astype(np.int8)
    return np.moveaxis(q.reshape(moved.shape), 0, axis), scales


def quantize_weights_16x8(w, axis):
    """The 16x8 path's weights (TensorFlow's older quantizer): per channel, scale =
    max|w|/127 and the inverse computed directly as 127/max|w| (both float32)."""
    w = np.asarray(w, F32)
    moved = np.moveaxis(w, axis, 0)
    flat = moved.reshape(moved.shape[0], -1)
    absmax = np.maximum(np.abs(np.minimum(flat.min(axis=1), F32(0))), np.abs(np.maximum(flat.max(axis=1), F32(0)))).astype(F32)
    scales = (absmax / F32(127)).astype(F32)
    with np.errstate(divide="ignore"):
        inv = np.where(absmax == 0, F32(0), (F32(127) / absmax)).astype(F32)
    q = np.clip(round_half_away((flat * inv[:, None]).astype(F32)), -127, 127).astype(np.int8)
    return np.moveaxis(q.reshape(moved.shape), 0, axis), scales


def quantize_bias(b, input_scale, weight_scales, bits=32):
    """int32 (or int64 for 16x8) bias with scale s_in·s_w per channel: the product in double
    from the float32 scales, rounded to float32; q = round(b · (float)(1/s_b)) in float32."""
    b = np.asarray(b, F32)
    s_w = np.asarray(weight_scales, F32)
    scales = (np.float64(F32(input_scale)) * s_w.astype(np.float64)).astype(F32)
    scales_b = np.broadcast_to(scales, b.shape) if scales.size == 1 else scales
    with np.errstate(divide="ignore"):
        inv = np.where(scales_b == 0, F32(0), (1.0 / scales_b.astype(np.float64)).astype(F32)).astype(F32)
    limit = 2 ** (bits - 1) - 1
    q = np.clip(round_half_away((b * inv).astype(F32)), -limit, limit)
    return q.astype(np.int32 if bits == 32 else np.int64), scales


def quantize_constant_asymmetric(value):
    """A float constant fed to a quantized ADD/MUL/...: quantized like an activation over the
    range of its own values."""
    v = np.asarray(value, F32)
    scale, zp = activation_params(float(v.min()) if v.size else 0.0, float(v.max()) if v.size else 0.0)
    q = np.clip(round_half_away((v / scale).astype(F32)) + zp, -128, 127).astype(np.int8)
    return q, scale, zp
