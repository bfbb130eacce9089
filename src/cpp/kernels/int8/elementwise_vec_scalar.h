// ElementwiseKernels' vector type for the baseline tier: one int32 lane, plain C++ with the
// reference's formulas (tflite-facts.md §C.1, §C.3) written out here.
#pragma once

#include <cmath>
#include <cstdint>

namespace qtflite::int8 {
namespace {

struct VecScalar {
  using I = int32_t;
  static constexpr int kLanes = 1;

  static I LoadI8(const int8_t* p) { return *p; }
  static I LoadU8(const uint8_t* p) { return *p; }
  static I LoadI32(const int32_t* p) { return *p; }
  static void StoreI8(int8_t* p, I v) { *p = static_cast<int8_t>(v); }
  static void StoreU8(uint8_t* p, I v) { *p = static_cast<uint8_t>(v); }
  static void StoreI32(int32_t* p, I v) { *p = v; }
  static I Set(int32_t v) { return v; }

  // One raw byte, compared as int8 (kSigned) or uint8.
  using B = uint8_t;
  static constexpr int kBytes = 1;
  static B LoadB(const uint8_t* p) { return *p; }
  static void StoreB(uint8_t* p, B v) { *p = v; }
  static B SetB(int32_t v) { return static_cast<uint8_t>(v); }
  template <bool kSigned>
  static B MaxB(B a, B b) {
    return kSigned ? (static_cast<int8_t>(a) > static_cast<int8_t>(b) ? a : b) : (a > b ? a : b);
  }
  template <bool kSigned>
  static B MinB(B a, B b) {
    return kSigned ? (static_cast<int8_t>(a) < static_cast<int8_t>(b) ? a : b) : (a < b ? a : b);
  }
  static I Add(I a, I b) { return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b)); }
  static I Sub(I a, I b) { return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b)); }
  static I Mul(I a, I b) { return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b)); }
  static I Min(I a, I b) { return a < b ? a : b; }
  static I Max(I a, I b) { return a > b ? a : b; }
  static I ShiftLeft(I a, int s) { return static_cast<int32_t>(static_cast<uint32_t>(a) << s); }

  struct Fixed {
    int32_t multiplier;
    int left, right;
  };
  static Fixed MakeFixed(int32_t m, int shift) { return {m, shift > 0 ? shift : 0, shift > 0 ? 0 : -shift}; }
  // RDBPOT(SRDHM(x << left, m), right).
  static I Mbqm(I x, const Fixed& f) {
    const int32_t a = ShiftLeft(x, f.left);
    int32_t high;
    if (a == INT32_MIN && f.multiplier == INT32_MIN) {
      high = INT32_MAX;
    } else {
      const int64_t p = static_cast<int64_t>(a) * f.multiplier;
      const int64_t nudge = p >= 0 ? (int64_t{1} << 30) : 1 - (int64_t{1} << 30);
      high = static_cast<int32_t>((p + nudge) / (int64_t{1} << 31));
    }
    const int32_t mask = static_cast<int32_t>((int64_t{1} << f.right) - 1);
    const int32_t remainder = high & mask;
    const int32_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
    return (high >> f.right) + (remainder > threshold ? 1 : 0);
  }

  // round_half_away(x / scale) as int32, bounded to ±2^24; NaN gives −2^24.
  static I RoundedQuotient(const float* x, float scale) {
    const float r = std::round(*x / scale);
    if (r != r) return -16777216;
    return static_cast<int32_t>(r < -16777216.0f ? -16777216.0f : (r > 16777216.0f ? 16777216.0f : r));
  }
  static void ScaleToFloat(I x, double scale, float* out) { *out = static_cast<float>(scale * x); }
  static I RoundedDivide(I s, int32_t n) { return s > 0 ? (s + n / 2) / n : (s - n / 2) / n; }
};

}  // namespace
}  // namespace qtflite::int8
