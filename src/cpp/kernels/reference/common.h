// Types shared by the reference kernels and their Prepare helpers.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "quant/fixed_point.h"

namespace qtflite::reference {

// Per-tensor affine quantization: real = scale · (q − zero_point).
struct QParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// TFLite's ActivationFunctionType values.
enum class FusedActivation : int {
  kNone = 0,
  kRelu = 1,
  kReluN1To1 = 2,
  kRelu6 = 3,
  kTanh = 4,
  kSignBit = 5,
};

// Which official runtime's numerics to reproduce where they differ (tflite-facts.md §C.0b):
// TensorFlow Lite Micro, or the current TFLite/LiteRT reference kernels.
enum class Numerics { kMicro, kLiteRT };

// Clamp range of a fused activation on quantized values (default: the int8 range).
struct ActivationRange {
  int32_t min = std::numeric_limits<int8_t>::min();
  int32_t max = std::numeric_limits<int8_t>::max();
};

// Clamp range of a fused activation on float values.
struct FloatRange {
  float min = std::numeric_limits<float>::lowest();
  float max = std::numeric_limits<float>::max();
};

// Requantization of an accumulator (conv, depthwise, transpose conv, fully connected) to a
// quantized output: out = clamp(MBQM(acc, multiplier[c], shift[c]) + output_offset).
struct Requant {
  int32_t input_offset = 0;    // −zp_in, added to every input value
  int32_t weights_offset = 0;  // −zp_w; only per-tensor FULLY_CONNECTED and uint8 conv use it
  int32_t output_offset = 0;   // +zp_out
  std::vector<int32_t> multiplier;  // one per output channel (size 1 = per-tensor)
  std::vector<int> shift;
  ActivationRange act;
  // LiteRT's reference FULLY_CONNECTED rescales in double instead:
  // out = (int32)round(acc · real_multiplier[c]) + zp_out. Empty = fixed-point path.
  std::vector<double> real_multiplier;

  int32_t MultiplierFor(int channel) const { return multiplier.size() == 1 ? multiplier[0] : multiplier[channel]; }
  int ShiftFor(int channel) const { return shift.size() == 1 ? shift[0] : shift[channel]; }
};

// Kernels check the consistency of what they are handed and throw instead of reading out of
// bounds: Prepare and shape inference upstream are meant to make these never fire.
inline void Require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

inline int32_t Clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : (v > hi ? hi : v); }
// a + b modulo 2^32. TFLite adds the output zero point to the scaled accumulator in int32, which
// wraps on every target it runs on (as do SIMD adds); written this way it is not undefined in C++.
inline int32_t WrappingAdd(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
// TFLite's ActivationFunctionWithMinMax (a NaN passes through).
inline float ClampFloat(float v, FloatRange r) { return v < r.min ? r.min : (v > r.max ? r.max : v); }

// The clamp range [min, max] of a quantized type.
template <typename T>
constexpr ActivationRange TypeRange() {
  return {std::numeric_limits<T>::min(), std::numeric_limits<T>::max()};
}

// LiteRT's double rescale: round(acc·m) half away from zero, saturated to int32 (which keeps
// the cast defined for absurd products).
inline int32_t RoundedProductToInt32(double acc, double m) {
  const double r = std::round(acc * m);
  return r <= -2147483648.0 ? fp::kInt32Min : (r >= 2147483647.0 ? fp::kInt32Max : static_cast<int32_t>(r));
}

// acc·M_channel as an int32: the fixed-point MBQM (TFLite's int32 overload for int32
// accumulators, its 16-bit-multiplier int64 overload for int64 ones), or, when
// q.real_multiplier is set, LiteRT's double rescale round(acc·M) (half away from zero).
template <typename Acc>
int32_t ScaleAccumulator(const Requant& q, Acc acc, int channel) {
  static_assert(std::is_same_v<Acc, int32_t> || std::is_same_v<Acc, int64_t>, "int32 or int64 accumulator");
  if (q.real_multiplier.empty()) {
    return fp::MultiplyByQuantizedMultiplier(acc, q.MultiplierFor(channel), q.ShiftFor(channel));
  }
  const double m = q.real_multiplier.size() == 1 ? q.real_multiplier[0] : q.real_multiplier[channel];
  return RoundedProductToInt32(static_cast<double>(acc), m);
}

// The quantized output (int8, uint8 or int16) of an accumulator for output channel `channel`.
template <typename Out, typename Acc>
Out RequantizeAccumulator(const Requant& q, Acc acc, int channel) {
  return static_cast<Out>(Clamp(WrappingAdd(ScaleAccumulator(q, acc, channel), q.output_offset), q.act.min, q.act.max));
}

// Throws unless q holds one multiplier/shift pair, or one per channel.
inline void CheckRequant(const Requant& q, int channels) {
  const size_t n = q.multiplier.size();
  Require(n == q.shift.size() && (n == 1 || n == static_cast<size_t>(channels)),
          "requant: need one multiplier and shift, or one per output channel");
  Require(q.real_multiplier.empty() || q.real_multiplier.size() == 1 ||
              q.real_multiplier.size() == static_cast<size_t>(channels),
          "requant: need one real multiplier, or one per output channel");
}


}  // namespace qtflite::reference
