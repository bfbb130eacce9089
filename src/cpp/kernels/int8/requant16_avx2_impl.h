// The int64 requantization of 16x8 accumulators (gemm16_kernel.h's Requant16View) on AVX2, eight
// channels at a time. Included by tier translation units after kernels/cpu/simd.h.
//
// Per 64-bit lane: acc·m is exact from acc's halves, hi·m·2^32 + lo·m (m < 2^15, |acc| < 2^47 as
// the reference requires); the arithmetic shift AVX2 lacks is a logical shift of the value + 2^63
// less 2^63 >> shift; the low dword is the reference's int32 cast.
#pragma once

#include <cstdint>

#include "kernels/int8/requant16_scalar_impl.h"

namespace qtflite::int8 {
namespace {

inline __m256i Requant16Load(const int64_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// Four channels: the low dwords of the scaled int64 lanes.
inline __m256i Requant16Scale4(__m256i acc, const Requant16View& q, int j) {
  const __m256i m = Requant16Load(q.multiplier + j);
  const __m256i lo = _mm256_mul_epu32(acc, m);
  const __m256i hi = _mm256_slli_epi64(_mm256_mul_epi32(_mm256_srli_epi64(acc, 32), m), 32);
  __m256i v = _mm256_add_epi64(_mm256_add_epi64(lo, hi), Requant16Load(q.round + j));
  v = _mm256_xor_si256(v, _mm256_set1_epi64x(static_cast<int64_t>(uint64_t{1} << 63)));
  v = _mm256_srlv_epi64(v, Requant16Load(q.shift + j));
  return _mm256_sub_epi64(v, Requant16Load(q.offset + j));
}

// Eight channels from int64 accumulators (two vectors of four).
inline __m128i Requant16Eight(__m256i acc_lo, __m256i acc_hi, const Requant16View& q, int j) {
  const __m256i a = Requant16Scale4(acc_lo, q, j);
  const __m256i b = Requant16Scale4(acc_hi, q, j + 4);
  // Low dwords of a then b, in channel order.
  const __m256i pick = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  const __m256i a32 = _mm256_permutevar8x32_epi32(a, pick);
  const __m256i b32 = _mm256_permutevar8x32_epi32(b, pick);
  __m256i v = _mm256_permute2x128_si256(a32, b32, 0x20);
  v = _mm256_add_epi32(v, _mm256_set1_epi32(q.output_offset));
  v = _mm256_max_epi32(v, _mm256_set1_epi32(q.act_min));
  v = _mm256_min_epi32(v, _mm256_set1_epi32(q.act_max));
  // In the int16 range after the clamp: the saturating pack is exact.
  return _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

inline void Requant16Avx2(const int32_t* sums32, const int64_t* sums64, int n, const Requant16View& q, int16_t* out) {
  int j = 0;
  for (; j + 8 <= n; j += 8) {
    __m256i lo, hi;
    if (sums32) {
      const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sums32 + j));
      lo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(s));
      hi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(s, 1));
    } else {
      lo = Requant16Load(sums64 + j);
      hi = Requant16Load(sums64 + j + 4);
    }
    lo = _mm256_add_epi64(lo, Requant16Load(q.bias + j));
    hi = _mm256_add_epi64(hi, Requant16Load(q.bias + j + 4));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + j), Requant16Eight(lo, hi, q, j));
  }
  for (; j < n; ++j) {
    const int64_t sum = sums32 ? sums32[j] : sums64[j];
    out[j] = Requant16One(sum + q.bias[j], q, j);
  }
}

}  // namespace
}  // namespace qtflite::int8
