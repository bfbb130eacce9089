// 16x8 GEMM vector operations on AVX-512BW (16 int32 lanes) for gemm16_impl.h, and on
// AVX512-VNNI (vpdpwssd on zmm) when QTFLITE_GEMM16_AVX512VNNI is defined. Included by the
// int16_avx512bw and int16_avx512vnni tiers after kernels/cpu/simd.h.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/int8/gemm16_impl.h"

namespace qtflite::int8 {
namespace {

struct Gemm16Ops512 {
  using V = __m512i;
  static constexpr int kLanes = 16;
  static V Zero() { return _mm512_setzero_si512(); }
  static V Load(const void* p) { return _mm512_loadu_si512(p); }
  static V Bcast(int32_t x) { return _mm512_set1_epi32(x); }
  static V BcastLoad(const void* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
  }
#ifdef QTFLITE_GEMM16_AVX512VNNI
  static V MaddAdd(V acc, V a, V b) { return _mm512_dpwssd_epi32(acc, a, b); }
#else
  static V MaddAdd(V acc, V a, V b) { return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b)); }
#endif
  static void Store(int32_t* p, V v) { _mm512_storeu_si512(p, v); }
};

}  // namespace
}  // namespace qtflite::int8
