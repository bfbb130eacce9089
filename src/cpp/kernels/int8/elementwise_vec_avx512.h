// ElementwiseKernels' vector type for AVX-512 (F, BW, DQ, VL): sixteen int32 lanes, the
// arithmetic of elementwise_vec_avx2.h on zmm registers. Included after kernels/cpu/simd.h by
// the avx512bw tier's translation unit (also compiled on SIMDe for the tests); internal linkage.
#pragma once

#include <cstdint>

namespace qtflite::int8 {
namespace {

struct VecAvx512 {
  using I = __m512i;
  static constexpr int kLanes = 16;

  static I LoadI8(const int8_t* p) { return _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static I LoadU8(const uint8_t* p) { return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static I LoadI32(const int32_t* p) { return _mm512_loadu_si512(p); }
  // Values are within the type's range: the low byte of each lane is the value.
  static void StoreI8(int8_t* p, I v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8(v)); }
  static void StoreU8(uint8_t* p, I v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8(v)); }
  static void StoreI32(int32_t* p, I v) { _mm512_storeu_si512(p, v); }
  static I Set(int32_t v) { return _mm512_set1_epi32(v); }

  // 64 raw bytes, compared as int8 (kSigned) or uint8.
  using B = __m512i;
  static constexpr int kBytes = 64;
  static B LoadB(const uint8_t* p) { return _mm512_loadu_si512(p); }
  static void StoreB(uint8_t* p, B v) { _mm512_storeu_si512(p, v); }
  static B SetB(int32_t v) { return _mm512_set1_epi8(static_cast<char>(v)); }
  template <bool kSigned>
  static B MaxB(B a, B b) { return kSigned ? _mm512_max_epi8(a, b) : _mm512_max_epu8(a, b); }
  template <bool kSigned>
  static B MinB(B a, B b) { return kSigned ? _mm512_min_epi8(a, b) : _mm512_min_epu8(a, b); }
  static I Add(I a, I b) { return _mm512_add_epi32(a, b); }
  static I Sub(I a, I b) { return _mm512_sub_epi32(a, b); }
  static I Mul(I a, I b) { return _mm512_mullo_epi32(a, b); }
  static I Min(I a, I b) { return _mm512_min_epi32(a, b); }
  static I Max(I a, I b) { return _mm512_max_epi32(a, b); }
  static I ShiftLeft(I a, int s) { return _mm512_sll_epi32(a, _mm_cvtsi32_si128(s)); }

  struct Fixed {
    I multiplier, mask, half_mask;  // multiplier: m in every dword, so also in each qword's low half
    __m128i left, right;
  };
  static Fixed MakeFixed(int32_t m, int shift) {
    const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    const int32_t mask = static_cast<int32_t>((int64_t{1} << right) - 1);
    return {_mm512_set1_epi32(m), _mm512_set1_epi32(mask), _mm512_set1_epi32(mask >> 1),
            _mm_cvtsi32_si128(left), _mm_cvtsi32_si128(right)};
  }
  static I Mbqm(I x, const Fixed& f) {
    x = _mm512_sll_epi32(x, f.left);
    const __m512i nudge = _mm512_set1_epi64(int64_t{1} << 30);
    const __m512i even = _mm512_add_epi64(_mm512_mul_epi32(x, f.multiplier), nudge);
    const __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), f.multiplier), nudge);
    const __m512i t = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 31), _mm512_slli_epi64(odd, 1));
    const __m512i remainder = _mm512_and_si512(t, f.mask);
    const __m512i threshold = _mm512_sub_epi32(f.half_mask, _mm512_srai_epi32(t, 31));
    const __m512i shifted = _mm512_sra_epi32(t, f.right);
    const __mmask16 up = _mm512_cmpgt_epi32_mask(remainder, threshold);
    return _mm512_mask_add_epi32(shifted, up, shifted, _mm512_set1_epi32(1));
  }

  static I RoundedQuotient(const float* x, float scale) {
    const __m512 v = _mm512_div_ps(_mm512_loadu_ps(x), _mm512_set1_ps(scale));
    __m512 t = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO);
    const __m512 frac = _mm512_abs_ps(_mm512_sub_ps(v, t));  // exact
    const __mmask16 away = _mm512_cmp_ps_mask(frac, _mm512_set1_ps(0.5f), _CMP_GE_OQ);
    const __m512 step = _mm512_castsi512_ps(_mm512_or_si512(
        _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(INT32_MIN)), _mm512_castps_si512(_mm512_set1_ps(1.0f))));
    t = _mm512_mask_add_ps(t, away, t, step);
    const __m512 bound = _mm512_set1_ps(16777216.0f);
    const __m512 low = _mm512_set1_ps(-16777216.0f);
    t = _mm512_min_ps(_mm512_max_ps(t, low), bound);
    t = _mm512_mask_mov_ps(t, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), low);  // NaN
    return _mm512_cvttps_epi32(t);
  }
  static void ScaleToFloat(I x, double scale, float* out) {
    const __m512d s = _mm512_set1_pd(scale);
    const __m256 lo = _mm512_cvtpd_ps(_mm512_mul_pd(s, _mm512_cvtepi32_pd(_mm512_castsi512_si256(x))));
    const __m256 hi = _mm512_cvtpd_ps(_mm512_mul_pd(s, _mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(x, 1))));
    _mm256_storeu_ps(out, lo);
    _mm256_storeu_ps(out + 8, hi);
  }
  static I RoundedDivide(I s, int32_t n) {
    const __m512i half = _mm512_set1_epi32(n / 2);
    const __mmask16 positive = _mm512_cmpgt_epi32_mask(s, _mm512_setzero_si512());
    const __m512i adj = _mm512_mask_add_epi32(_mm512_sub_epi32(s, half), positive, s, half);
    const __m512d d = _mm512_set1_pd(n);
    const __m256i lo = _mm512_cvttpd_epi32(_mm512_div_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(adj)), d));
    const __m256i hi = _mm512_cvttpd_epi32(_mm512_div_pd(_mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(adj, 1)), d));
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
  }
};

}  // namespace
}  // namespace qtflite::int8
