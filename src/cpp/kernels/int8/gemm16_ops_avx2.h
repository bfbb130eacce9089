// 16x8 GEMM vector operations on AVX2 (8 int32 lanes) for gemm16_impl.h, and on AVX-VNNI
// (vpdpwssd on ymm) when QTFLITE_GEMM16_AVXVNNI is defined. Included by the int16_avx2 and
// int16_avxvnni tiers after kernels/cpu/simd.h.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/int8/gemm16_impl.h"

// AVX-VNNI's VEX-encoded vpdpwssd (SIMDe spells it as the AVX512_VNNI+VL ymm form).
#ifdef QTFLITE_SIMD_EMULATED
#define QTFLITE_DPWSSD_AVX_EPI32(acc, a, b) _mm256_dpwssd_epi32(acc, a, b)
#else
#define QTFLITE_DPWSSD_AVX_EPI32(acc, a, b) _mm256_dpwssd_avx_epi32(acc, a, b)
#endif

namespace qtflite::int8 {
namespace {

struct Gemm16Ops256 {
  using V = __m256i;
  static constexpr int kLanes = 8;
  static V Zero() { return _mm256_setzero_si256(); }
  static V Load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
  static V Bcast(int32_t x) { return _mm256_set1_epi32(x); }
  // Four bytes at p in every lane; p need not be 4-byte aligned (memcpy, not a typed load).
  static V BcastLoad(const void* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
  }
#ifdef QTFLITE_GEMM16_AVXVNNI
  static V MaddAdd(V acc, V a, V b) { return QTFLITE_DPWSSD_AVX_EPI32(acc, a, b); }
#else
  static V MaddAdd(V acc, V a, V b) { return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b)); }
#endif
  static void Store(int32_t* p, V v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
};

}  // namespace
}  // namespace qtflite::int8
