// GEMM vector operations on AVX-512BW (16 int32 lanes) for gemm_impl.h, and on AVX512-VNNI
// (vpdpbusd on zmm) when QTFLITE_GEMM_AVX512VNNI is defined. Included by the avx512bw and
// avx512vnni tiers after kernels/cpu/simd.h.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/int8/gemm_impl.h"
#include "kernels/int8/requant_avx512_impl.h"

namespace qtflite::int8 {
namespace {

struct GemmOps512 {
  using V = __m512i;
  static constexpr int kLanes = 16;
  static V Load(const void* p) { return _mm512_loadu_si512(p); }
  static V Bcast(int32_t x) { return _mm512_set1_epi32(x); }
  // Four bytes at p in every lane (vpbroadcastd from memory).
  static V BcastLoad(const void* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
  }
  static V Xor(V a, V b) { return _mm512_xor_si512(a, b); }
  static V Add(V a, V b) { return _mm512_add_epi32(a, b); }
  static V Madd(V a, V b) { return _mm512_madd_epi16(a, b); }
  static V SextEven(V x) { return _mm512_srai_epi16(_mm512_slli_epi16(x, 8), 8); }
  static V SextOdd(V x) { return _mm512_srai_epi16(x, 8); }
  static V ZextEven(V x) { return _mm512_and_si512(x, _mm512_set1_epi16(0xFF)); }
  static V ZextOdd(V x) { return _mm512_srli_epi16(x, 8); }
#ifdef QTFLITE_GEMM_AVX512VNNI
  static V Dot(V acc, V u8, V s8) { return _mm512_dpbusd_epi32(acc, u8, s8); }
#endif
  static void Store(int32_t* p, V v) { _mm512_storeu_si512(p, v); }
  static void RequantRow(const int32_t* acc, int n, const RequantView& q, int c0, bool u8, void* out) {
    const __m512i v = Requantize16(Load(acc), q, c0);
    if (u8) {
      StoreUInt8x16(v, static_cast<uint8_t*>(out), n);
    } else {
      StoreInt8x16(v, static_cast<int8_t*>(out), n);
    }
  }
};

}  // namespace
}  // namespace qtflite::int8
