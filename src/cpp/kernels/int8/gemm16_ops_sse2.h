// 16x8 GEMM vector operations on baseline x86-64 (SSE2, 4 int32 lanes) for gemm16_impl.h.
#pragma once

#include <emmintrin.h>

#include <cstdint>
#include <cstring>

#include "kernels/int8/gemm16_impl.h"

namespace qtflite::int8 {
namespace {

struct Gemm16Ops128 {
  using V = __m128i;
  static constexpr int kLanes = 4;
  static V Zero() { return _mm_setzero_si128(); }
  static V Load(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
  static V Bcast(int32_t x) { return _mm_set1_epi32(x); }
  static V BcastLoad(const void* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm_set1_epi32(v);
  }
  static V MaddAdd(V acc, V a, V b) { return _mm_add_epi32(acc, _mm_madd_epi16(a, b)); }
  static void Store(int32_t* p, V v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }
};

}  // namespace
}  // namespace qtflite::int8
