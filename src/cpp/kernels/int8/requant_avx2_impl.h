// Requantization of eight int32 accumulators at once with AVX2, bit-exact with the reference
// (kernels/reference/common.h). Included by tier translation units after kernels/cpu/simd.h;
// internal linkage, so each tier keeps its own copy.
//
// Fixed point, per lane (channel c): x = acc << l (wrapping, as TFLite's plain int32 shift), then
//   SRDHM(x, m) = (x·m + 2^30) >> 31 (floor), exact for the m >= 0 QuantizeMultiplier gives;
//   RDBPOT(t, r) = (t >> r) + ((t & mask) > (mask >> 1) + (t < 0)), mask = 2^r − 1 (the reference's
//   formula, which cannot overflow).
// Double (LiteRT's FULLY_CONNECTED): round(acc · M) half away from zero as std::round, saturated
// to int32.
#pragma once

#include <cstdint>

#include "kernels/int8/int8_kernels.h"
#include "kernels/int8/requant.h"

namespace qtflite::int8 {
namespace {

// Per-channel parameters of eight channels, loaded once where a kernel reuses them across rows.
struct FixedParams8 {
  __m256i multiplier, left_shift, right_shift, remainder_mask;
};

inline FixedParams8 LoadFixedParams8(const RequantView& q, int c) {
  return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(q.multiplier + c)),
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q.left_shift + c)),
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q.right_shift + c)),
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q.remainder_mask + c))};
}

template <bool kLeftShift = true>
inline __m256i ScaleFixed8(__m256i acc, const FixedParams8& p) {
  const __m256i x = kLeftShift ? _mm256_sllv_epi32(acc, p.left_shift) : acc;
  const __m256i nudge = _mm256_set1_epi64x(int64_t{1} << 30);
  const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(x, p.multiplier), nudge);
  const __m256i odd = _mm256_add_epi64(
      _mm256_mul_epi32(_mm256_srli_epi64(x, 32), _mm256_srli_epi64(p.multiplier, 32)), nudge);
  // Bits 31..62 of each 64-bit product: the low dword after >> 31 (even lanes), the high dword
  // after << 1 (odd lanes).
  const __m256i t = _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0xAA);
  const __m256i remainder = _mm256_and_si256(t, p.remainder_mask);
  const __m256i threshold = _mm256_sub_epi32(_mm256_srai_epi32(p.remainder_mask, 1), _mm256_srai_epi32(t, 31));
  return _mm256_sub_epi32(_mm256_srav_epi32(t, p.right_shift), _mm256_cmpgt_epi32(remainder, threshold));
}

// Four lanes of round(acc · m) in double, saturated to int32.
inline __m128i ScaleDouble4(__m128i acc, const double* m) {
  const __m256d v = _mm256_mul_pd(_mm256_cvtepi32_pd(acc), _mm256_loadu_pd(m));
  const __m256d sign = _mm256_set1_pd(-0.0);
  __m256d t = _mm256_round_pd(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256d frac = _mm256_andnot_pd(sign, _mm256_sub_pd(v, t));  // exact
  const __m256d away = _mm256_cmp_pd(frac, _mm256_set1_pd(0.5), _CMP_GE_OQ);
  t = _mm256_add_pd(t, _mm256_and_pd(away, _mm256_or_pd(_mm256_and_pd(v, sign), _mm256_set1_pd(1.0))));
  t = _mm256_min_pd(_mm256_max_pd(t, _mm256_set1_pd(-2147483648.0)), _mm256_set1_pd(2147483647.0));
  return _mm256_cvttpd_epi32(t);
}

inline __m256i ScaleDouble8(__m256i acc, const double* m) {
  const __m128i lo = ScaleDouble4(_mm256_castsi256_si128(acc), m);
  const __m128i hi = ScaleDouble4(_mm256_extracti128_si256(acc, 1), m + 4);
  return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
}

inline __m256i OffsetAndClamp8(__m256i x, const RequantView& q) {
  x = _mm256_add_epi32(x, _mm256_set1_epi32(q.output_offset));
  return _mm256_min_epi32(_mm256_max_epi32(x, _mm256_set1_epi32(q.act_min)), _mm256_set1_epi32(q.act_max));
}

// Channels c..c+7: the output values as int32 (offset added, clamped).
inline __m256i Requantize8(__m256i acc, const RequantView& q, int c) {
  if (q.real_multiplier) return OffsetAndClamp8(ScaleDouble8(acc, q.real_multiplier + c), q);
  const FixedParams8 p = LoadFixedParams8(q, c);
  const __m256i scaled = q.left_shifts ? ScaleFixed8<true>(acc, p) : ScaleFixed8<false>(acc, p);
  return OffsetAndClamp8(scaled, q);
}

// Stores the first n (<= 8) lanes of clamped int32 values as int8, uint8 or int16.
inline void StoreInt8x8(__m256i x, int8_t* out, int n) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
  const __m128i b = _mm_packs_epi16(w, w);
  if (n == 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), b);
  } else {
    alignas(16) int8_t tmp[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), b);
    for (int i = 0; i < n; ++i) out[i] = tmp[i];
  }
}

inline void StoreUInt8x8(__m256i x, uint8_t* out, int n) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
  const __m128i b = _mm_packus_epi16(w, w);
  if (n == 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), b);
  } else {
    alignas(16) uint8_t tmp[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), b);
    for (int i = 0; i < n; ++i) out[i] = tmp[i];
  }
}

inline void StoreInt16x8(__m256i x, int16_t* out, int n) {
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
  if (n == 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), w);
  } else {
    alignas(16) int16_t tmp[8];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), w);
    for (int i = 0; i < n; ++i) out[i] = tmp[i];
  }
}

// Int8Kernels::requantize_rows on eight channels at a time.
inline void RequantizeRows8(const int32_t* acc, int rows, int channels, const RequantView& q, OutType type,
                            void* out) {
  for (int r = 0; r < rows; ++r) {
    const int32_t* row = acc + static_cast<int64_t>(r) * channels;
    const int64_t base = static_cast<int64_t>(r) * channels;
    for (int c = 0; c < channels; c += 8) {
      const int n = channels - c < 8 ? channels - c : 8;
      alignas(32) int32_t tail[8] = {};
      const int32_t* src = row + c;
      if (n < 8) {
        for (int i = 0; i < n; ++i) tail[i] = src[i];
        src = tail;
      }
      const __m256i v = Requantize8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)), q, c);
      if (type == OutType::kInt8) {
        StoreInt8x8(v, static_cast<int8_t*>(out) + base + c, n);
      } else if (type == OutType::kUInt8) {
        StoreUInt8x8(v, static_cast<uint8_t*>(out) + base + c, n);
      } else {
        StoreInt16x8(v, static_cast<int16_t*>(out) + base + c, n);
      }
    }
  }
}

}  // namespace
}  // namespace qtflite::int8
