// Requantization of sixteen int32 accumulators at once with AVX-512 (F, BW, DQ, VL): the
// arithmetic of requant_avx2_impl.h (see there) on zmm registers. Included by tier translation
// units after kernels/cpu/simd.h; internal linkage.
#pragma once

#include <cstdint>

#include "kernels/int8/int8_kernels.h"
#include "kernels/int8/requant.h"

namespace qtflite::int8 {
namespace {

struct FixedParams16 {
  __m512i multiplier, left_shift, right_shift, remainder_mask;
};

inline FixedParams16 LoadFixedParams16(const RequantView& q, int c) {
  return {_mm512_loadu_si512(q.multiplier + c), _mm512_loadu_si512(q.left_shift + c),
          _mm512_loadu_si512(q.right_shift + c), _mm512_loadu_si512(q.remainder_mask + c)};
}

inline __m512i ScaleFixed16(__m512i acc, const FixedParams16& p) {
  const __m512i x = _mm512_sllv_epi32(acc, p.left_shift);
  const __m512i nudge = _mm512_set1_epi64(int64_t{1} << 30);
  const __m512i even = _mm512_add_epi64(_mm512_mul_epi32(x, p.multiplier), nudge);
  const __m512i odd = _mm512_add_epi64(
      _mm512_mul_epi32(_mm512_srli_epi64(x, 32), _mm512_srli_epi64(p.multiplier, 32)), nudge);
  const __m512i t = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 31), _mm512_slli_epi64(odd, 1));
  const __m512i remainder = _mm512_and_si512(t, p.remainder_mask);
  const __m512i threshold = _mm512_sub_epi32(_mm512_srai_epi32(p.remainder_mask, 1), _mm512_srai_epi32(t, 31));
  const __m512i shifted = _mm512_srav_epi32(t, p.right_shift);
  const __mmask16 up = _mm512_cmpgt_epi32_mask(remainder, threshold);
  return _mm512_mask_add_epi32(shifted, up, shifted, _mm512_set1_epi32(1));
}

// Eight lanes of round(acc · m) in double, saturated to int32.
inline __m256i ScaleDouble8x512(__m256i acc, const double* m) {
  const __m512d v = _mm512_mul_pd(_mm512_cvtepi32_pd(acc), _mm512_loadu_pd(m));
  // Truncation (imm 3; SIMDe 0.7 misreads the no-exceptions bit, and a precision flag is harmless).
  __m512d t = _mm512_roundscale_pd(v, _MM_FROUND_TO_ZERO);
  const __m512d frac = _mm512_abs_pd(_mm512_sub_pd(v, t));  // exact
  const __mmask8 away = _mm512_cmp_pd_mask(frac, _mm512_set1_pd(0.5), _CMP_GE_OQ);
  const __m512d step = _mm512_castsi512_pd(_mm512_or_si512(
      _mm512_and_si512(_mm512_castpd_si512(v), _mm512_set1_epi64(INT64_MIN)), _mm512_castpd_si512(_mm512_set1_pd(1.0))));
  t = _mm512_mask_add_pd(t, away, t, step);
  t = _mm512_min_pd(_mm512_max_pd(t, _mm512_set1_pd(-2147483648.0)), _mm512_set1_pd(2147483647.0));
  return _mm512_cvttpd_epi32(t);
}

inline __m512i ScaleDouble16(__m512i acc, const double* m) {
  const __m256i lo = ScaleDouble8x512(_mm512_castsi512_si256(acc), m);
  const __m256i hi = ScaleDouble8x512(_mm512_extracti64x4_epi64(acc, 1), m + 8);
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

inline __m512i OffsetAndClamp16(__m512i x, const RequantView& q) {
  x = _mm512_add_epi32(x, _mm512_set1_epi32(q.output_offset));
  return _mm512_min_epi32(_mm512_max_epi32(x, _mm512_set1_epi32(q.act_min)), _mm512_set1_epi32(q.act_max));
}

// Channels c..c+15: the output values as int32 (offset added, clamped).
inline __m512i Requantize16(__m512i acc, const RequantView& q, int c) {
  const __m512i scaled =
      q.real_multiplier ? ScaleDouble16(acc, q.real_multiplier + c) : ScaleFixed16(acc, LoadFixedParams16(q, c));
  return OffsetAndClamp16(scaled, q);
}

// Stores the first n (<= 16) lanes of clamped int32 values (masked stores: no tail loop).
inline void StoreInt8x16(__m512i x, int8_t* out, int n) {
  _mm_mask_storeu_epi8(out, static_cast<__mmask16>((1u << n) - 1), _mm512_cvtsepi32_epi8(x));
}

inline void StoreUInt8x16(__m512i x, uint8_t* out, int n) {
  _mm_mask_storeu_epi8(out, static_cast<__mmask16>((1u << n) - 1), _mm512_cvtusepi32_epi8(x));
}

inline void StoreInt16x16(__m512i x, int16_t* out, int n) {
  _mm256_mask_storeu_epi16(out, static_cast<__mmask16>((1u << n) - 1), _mm512_cvtsepi32_epi16(x));
}

// Int8Kernels::requantize_rows on sixteen channels at a time (masked loads and stores for tails).
inline void RequantizeRows16(const int32_t* acc, int rows, int channels, const RequantView& q, OutType type,
                             void* out) {
  for (int r = 0; r < rows; ++r) {
    const int64_t base = static_cast<int64_t>(r) * channels;
    for (int c = 0; c < channels; c += 16) {
      const int n = channels - c < 16 ? channels - c : 16;
      const __mmask16 k = static_cast<__mmask16>((1u << n) - 1);
      const __m512i v = Requantize16(_mm512_maskz_loadu_epi32(k, acc + base + c), q, c);
      if (type == OutType::kInt8) {
        StoreInt8x16(v, static_cast<int8_t*>(out) + base + c, n);
      } else if (type == OutType::kUInt8) {
        StoreUInt8x16(v, static_cast<uint8_t*>(out) + base + c, n);
      } else {
        StoreInt16x16(v, static_cast<int16_t*>(out) + base + c, n);
      }
    }
  }
}

}  // namespace
}  // namespace qtflite::int8
