// GEMM vector operations on baseline x86-64 (SSE2, 4 int32 lanes) for gemm_impl.h, with scalar
// requantization. Included by the sse2 tier.
#pragma once

#include <emmintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/int8/gemm_impl.h"
#include "kernels/int8/requant.h"

namespace qtflite::int8 {
namespace {

struct GemmOps128 {
  using V = __m128i;
  static constexpr int kLanes = 4;
  static V Load(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
  static V Bcast(int32_t x) { return _mm_set1_epi32(x); }
  static V BcastLoad(const void* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm_set1_epi32(v);
  }
  static V Xor(V a, V b) { return _mm_xor_si128(a, b); }
  static V Add(V a, V b) { return _mm_add_epi32(a, b); }
  static V Madd(V a, V b) { return _mm_madd_epi16(a, b); }
  static V SextEven(V x) { return _mm_srai_epi16(_mm_slli_epi16(x, 8), 8); }
  static V SextOdd(V x) { return _mm_srai_epi16(x, 8); }
  static V ZextEven(V x) { return _mm_and_si128(x, _mm_set1_epi16(0xFF)); }
  static V ZextOdd(V x) { return _mm_srli_epi16(x, 8); }
  static void Store(int32_t* p, V v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
  static void RequantRow(const int32_t* acc, int n, const RequantView& q, int c0, bool u8, void* out) {
    for (int c = 0; c < n; ++c) {
      const int32_t v = RequantizeOne(acc[c], q, c0 + c);
      if (u8) {
        static_cast<uint8_t*>(out)[c] = static_cast<uint8_t>(v);
      } else {
        static_cast<int8_t*>(out)[c] = static_cast<int8_t>(v);
      }
    }
  }
};

}  // namespace
}  // namespace qtflite::int8
