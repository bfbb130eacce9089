// ElementwiseKernels' vector type for AVX2: eight int32 lanes. Included after kernels/cpu/simd.h
// by the avx2 tier's translation unit; internal linkage. The fixed-point steps are the
// reference's (tflite-facts.md §C.3): SRDHM as floor((x·m + 2^30) / 2^31), exact for m >= 0;
// RDBPOT with the reference's remainder/threshold formula.
#pragma once

#include <cstdint>

namespace qtflite::int8 {
namespace {

struct VecAvx2 {
  using I = __m256i;
  static constexpr int kLanes = 8;

  static I LoadI8(const int8_t* p) { return _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))); }
  static I LoadU8(const uint8_t* p) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))); }
  static I LoadI32(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static __m128i Pack16(I v) { return _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)); }
  static void StoreI8(int8_t* p, I v) {
    const __m128i w = Pack16(v);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packs_epi16(w, w));
  }
  static void StoreU8(uint8_t* p, I v) {
    const __m128i w = Pack16(v);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi16(w, w));
  }
  static void StoreI32(int32_t* p, I v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  static I Set(int32_t v) { return _mm256_set1_epi32(v); }

  // 32 raw bytes, compared as int8 (kSigned) or uint8.
  using B = __m256i;
  static constexpr int kBytes = 32;
  static B LoadB(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static void StoreB(uint8_t* p, B v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  static B SetB(int32_t v) { return _mm256_set1_epi8(static_cast<char>(v)); }
  template <bool kSigned>
  static B MaxB(B a, B b) { return kSigned ? _mm256_max_epi8(a, b) : _mm256_max_epu8(a, b); }
  template <bool kSigned>
  static B MinB(B a, B b) { return kSigned ? _mm256_min_epi8(a, b) : _mm256_min_epu8(a, b); }
  static I Add(I a, I b) { return _mm256_add_epi32(a, b); }
  static I Sub(I a, I b) { return _mm256_sub_epi32(a, b); }
  static I Mul(I a, I b) { return _mm256_mullo_epi32(a, b); }
  static I Min(I a, I b) { return _mm256_min_epi32(a, b); }
  static I Max(I a, I b) { return _mm256_max_epi32(a, b); }
  static I ShiftLeft(I a, int s) { return _mm256_sll_epi32(a, _mm_cvtsi32_si128(s)); }

  struct Fixed {
    I multiplier, mask, half_mask;  // multiplier: m in every dword, so also in each qword's low half
    __m128i left, right;
  };
  static Fixed MakeFixed(int32_t m, int shift) {
    const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    const int32_t mask = static_cast<int32_t>((int64_t{1} << right) - 1);
    return {_mm256_set1_epi32(m), _mm256_set1_epi32(mask), _mm256_set1_epi32(mask >> 1),
            _mm_cvtsi32_si128(left), _mm_cvtsi32_si128(right)};
  }
  static I Mbqm(I x, const Fixed& f) {
    x = _mm256_sll_epi32(x, f.left);
    const __m256i nudge = _mm256_set1_epi64x(int64_t{1} << 30);
    const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(x, f.multiplier), nudge);
    const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), f.multiplier), nudge);
    const __m256i t = _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0xAA);
    const __m256i remainder = _mm256_and_si256(t, f.mask);
    const __m256i threshold = _mm256_sub_epi32(f.half_mask, _mm256_srai_epi32(t, 31));
    return _mm256_sub_epi32(_mm256_sra_epi32(t, f.right), _mm256_cmpgt_epi32(remainder, threshold));
  }

  static I RoundedQuotient(const float* x, float scale) {
    const __m256 v = _mm256_div_ps(_mm256_loadu_ps(x), _mm256_set1_ps(scale));
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 frac = _mm256_andnot_ps(sign, _mm256_sub_ps(v, t));  // exact
    const __m256 away = _mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ);
    t = _mm256_add_ps(t, _mm256_and_ps(away, _mm256_or_ps(_mm256_and_ps(v, sign), _mm256_set1_ps(1.0f))));
    const __m256 bound = _mm256_set1_ps(16777216.0f);
    t = _mm256_min_ps(_mm256_max_ps(t, _mm256_sub_ps(_mm256_setzero_ps(), bound)), bound);
    t = _mm256_blendv_ps(t, _mm256_set1_ps(-16777216.0f), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));  // NaN
    return _mm256_cvttps_epi32(t);
  }
  static void ScaleToFloat(I x, double scale, float* out) {
    const __m256d s = _mm256_set1_pd(scale);
    const __m128 lo = _mm256_cvtpd_ps(_mm256_mul_pd(s, _mm256_cvtepi32_pd(_mm256_castsi256_si128(x))));
    const __m128 hi = _mm256_cvtpd_ps(_mm256_mul_pd(s, _mm256_cvtepi32_pd(_mm256_extracti128_si256(x, 1))));
    _mm_storeu_ps(out, lo);
    _mm_storeu_ps(out + 4, hi);
  }
  // (s > 0 ? s + n/2 : s − n/2) / n, truncating: the double quotient truncates to the same integer.
  static I RoundedDivide(I s, int32_t n) {
    const __m256i half = _mm256_set1_epi32(n / 2);
    const __m256i positive = _mm256_cmpgt_epi32(s, _mm256_setzero_si256());
    const __m256i adj = _mm256_blendv_epi8(_mm256_sub_epi32(s, half), _mm256_add_epi32(s, half), positive);
    const __m256d d = _mm256_set1_pd(n);
    const __m128i lo = _mm256_cvttpd_epi32(_mm256_div_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(adj)), d));
    const __m128i hi = _mm256_cvttpd_epi32(_mm256_div_pd(_mm256_cvtepi32_pd(_mm256_extracti128_si256(adj, 1)), d));
    return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
  }
};

}  // namespace
}  // namespace qtflite::int8
