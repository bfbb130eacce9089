// GEMM vector operations on AVX2 (8 int32 lanes) for gemm_impl.h, and on AVX-VNNI (vpdpbusd on
// ymm) when QTFLITE_GEMM_AVXVNNI is defined. Included by the avx2 and avxvnni tiers after
// kernels/cpu/simd.h.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/int8/gemm_impl.h"
#include "kernels/int8/requant_avx2_impl.h"

namespace qtflite::int8 {
namespace {

struct GemmOps256 {
  using V = __m256i;
  static constexpr int kLanes = 8;
  static V Load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
  static V Bcast(int32_t x) { return _mm256_set1_epi32(x); }
  // Four bytes at p in every lane; p need not be 4-byte aligned (memcpy, not a typed load).
  static V BcastLoad(const void* p) {
    int32_t v;
    std::memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
  }
  static V Xor(V a, V b) { return _mm256_xor_si256(a, b); }
  static V Add(V a, V b) { return _mm256_add_epi32(a, b); }
  static V Madd(V a, V b) { return _mm256_madd_epi16(a, b); }
  static V SextEven(V x) { return _mm256_srai_epi16(_mm256_slli_epi16(x, 8), 8); }
  static V SextOdd(V x) { return _mm256_srai_epi16(x, 8); }
  static V ZextEven(V x) { return _mm256_and_si256(x, _mm256_set1_epi16(0xFF)); }
  static V ZextOdd(V x) { return _mm256_srli_epi16(x, 8); }
  static V ShiftLeft16By8(V x) { return _mm256_slli_epi16(x, 8); }
  static V ShiftRight32By8(V x) { return _mm256_srai_epi32(x, 8); }
#ifdef QTFLITE_GEMM_AVXVNNI
  static V Dot(V acc, V u8, V s8) { return QTFLITE_DPBUSD_AVX_EPI32(acc, u8, s8); }
#endif
  static void Store(int32_t* p, V v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  // GemmEpilogue's tile path: fixed-point requantization of whole panels (nr = NV·8).
  static constexpr bool kRequantTile = true;
  template <int MR, int NV>
  static bool RequantTile(const V (&acc)[MR][NV], const GemmArgs& g) {
    if (g.q.real_multiplier || g.nr != NV * 8) return false;
    if (g.q.left_shifts) {
      g.out_uint8 ? RequantTileAs<MR, NV, true, true>(acc, g) : RequantTileAs<MR, NV, true, false>(acc, g);
    } else {
      g.out_uint8 ? RequantTileAs<MR, NV, false, true>(acc, g) : RequantTileAs<MR, NV, false, false>(acc, g);
    }
    return true;
  }
  template <int MR, int NV, bool kLeftShift, bool kUInt8>
  static void RequantTileAs(const V (&acc)[MR][NV], const GemmArgs& g) {
    const RequantView& q = g.q;
    const __m256i offset = _mm256_set1_epi32(q.output_offset);
    const __m256i lo = _mm256_set1_epi32(q.act_min), hi = _mm256_set1_epi32(q.act_max);
    uint8_t* out = static_cast<uint8_t*>(g.out);
    QTFLITE_GEMM_UNROLL
    for (int j = 0; j < NV; ++j) {
      const FixedParams8 p = LoadFixedParams8(q, g.c0 + 8 * j);
      QTFLITE_GEMM_UNROLL
      for (int i = 0; i < MR; ++i) {
        if (i >= g.mr) break;
        const __m256i s = ScaleFixed8<kLeftShift>(acc[i][j], p);
        const __m256i v = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(s, offset), lo), hi);
        const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
        const __m128i b = kUInt8 ? _mm_packus_epi16(w, w) : _mm_packs_epi16(w, w);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(out + g.out_stride * i + 8 * j), b);
      }
    }
  }
  // acc holds whole vectors (lanes past n are computed and dropped).
  static void RequantRow(const int32_t* acc, int n, const RequantView& q, int c0, bool u8, void* out) {
    for (int c = 0; c < n; c += 8) {
      const int m = n - c < 8 ? n - c : 8;
      const __m256i v = Requantize8(Load(acc + c), q, c0 + c);
      if (u8) {
        StoreUInt8x8(v, static_cast<uint8_t*>(out) + c, m);
      } else {
        StoreInt8x8(v, static_cast<int8_t*>(out) + c, m);
      }
    }
  }
};

}  // namespace
}  // namespace qtflite::int8
