// Depthwise microkernel "quads" on AVX-VNNI (kernels/int8/depthwise_kernel.h): 32 channels per
// group, four taps' bytes interleaved per channel so that one vpdpbusd multiplies and adds four
// taps into each int32 lane. vpdpbusd takes unsigned activations: the int8 inputs are read as
// x + 128 (the sign bit flipped) and the packed bias subtracts 128·Σw'. Included by the avxvnni
// tier's translation unit after kernels/cpu/simd.h.
#pragma once

#include <cstdint>

#include "kernels/int8/depthwise_kernel.h"
#include "kernels/int8/dwconv_avx2_impl.h"
#include "kernels/int8/dwconv_row_impl.h"
#include "kernels/int8/requant_avx2_impl.h"

namespace qtflite::int8 {
namespace {

// 32 int8 inputs as unsigned x + 128.
inline __m256i DwBiased32(const int8_t* p) {
  return _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), _mm256_set1_epi8(-128));
}

inline __m256i DwBiased32Tail(const int8_t* p, int n) {
  alignas(32) int8_t buf[32] = {};
  for (int i = 0; i < n; ++i) buf[i] = p[i];
  return DwBiased32(buf);
}

struct DwQuads256 {
  static constexpr int kGroup = 32, kSlot = 4;
  static constexpr bool kAllInputs = false;

  template <bool kTail, int kSlots>
  static void Accumulate(const int8_t* const* taps, int slots, int c0, int n, const int8_t* w, const int32_t* bias,
                         __m256i* acc) {
    __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias));
    __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 8));
    __m256i a2 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 16));
    __m256i a3 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 24));
    for (int s = 0; s < (kSlots > 0 ? kSlots : slots); ++s, w += 128) {
      const int8_t* const* t = taps + 4 * s;
      const __m256i x0 = kTail ? DwBiased32Tail(t[0] + c0, n) : DwBiased32(t[0] + c0);
      const __m256i x1 = kTail ? DwBiased32Tail(t[1] + c0, n) : DwBiased32(t[1] + c0);
      const __m256i x2 = kTail ? DwBiased32Tail(t[2] + c0, n) : DwBiased32(t[2] + c0);
      const __m256i x3 = kTail ? DwBiased32Tail(t[3] + c0, n) : DwBiased32(t[3] + c0);
      const __m256i lo01 = _mm256_unpacklo_epi8(x0, x1), hi01 = _mm256_unpackhi_epi8(x0, x1);
      const __m256i lo23 = _mm256_unpacklo_epi8(x2, x3), hi23 = _mm256_unpackhi_epi8(x2, x3);
      const __m256i* wv = reinterpret_cast<const __m256i*>(w);
      a0 = QTFLITE_DPBUSD_AVX_EPI32(a0, _mm256_unpacklo_epi16(lo01, lo23), _mm256_loadu_si256(wv));
      a1 = QTFLITE_DPBUSD_AVX_EPI32(a1, _mm256_unpackhi_epi16(lo01, lo23), _mm256_loadu_si256(wv + 1));
      a2 = QTFLITE_DPBUSD_AVX_EPI32(a2, _mm256_unpacklo_epi16(hi01, hi23), _mm256_loadu_si256(wv + 2));
      a3 = QTFLITE_DPBUSD_AVX_EPI32(a3, _mm256_unpackhi_epi16(hi01, hi23), _mm256_loadu_si256(wv + 3));
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
  }

  template <typename In, int kSlots>
  static void Pixel(const DepthwiseRowArgs& a, const In* const* taps, int slots, int ox) {
    static_assert(sizeof(In) == 1, "quads take int8 inputs");
    const int8_t* const* t8 = reinterpret_cast<const int8_t* const*>(taps);
    const int channels = a.channels;
    const int groups = DepthwiseGroups(channels, kGroup);
    const int8_t* w = static_cast<const int8_t*>(a.weights);
    const int64_t group_weights = static_cast<int64_t>(slots) * kGroup * kSlot;
    for (int g = 0; g < groups; ++g) {
      const int c0 = g * kGroup;
      const int n = channels - c0 < kGroup ? channels - c0 : kGroup;
      __m256i acc[4];
      if (n == kGroup) {
        Accumulate<false, kSlots>(t8, slots, c0, n, w + g * group_weights, a.bias + c0, acc);
      } else {
        Accumulate<true, kSlots>(t8, slots, c0, n, w + g * group_weights, a.bias + c0, acc);
      }
      if (a.output == DepthwiseOutput::kAcc32) {
        int32_t* o = static_cast<int32_t*>(a.out) + static_cast<int64_t>(ox) * groups * kGroup + c0;
        for (int j = 0; j < 4; ++j) _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 8 * j), acc[j]);
        continue;
      }
      // Packed order: lane l of acc[j] holds channels 16l + 4j .. 16l + 4j + 3; two rounds of
      // packing interleave them back into channel order.
      __m256i r[4];
      for (int j = 0; j < 4; ++j) {
        r[j] = a.bounded ? DwRequantizeBounded8(acc[j], *a.bounded, c0 + 8 * j) : Requantize8(acc[j], a.q, c0 + 8 * j);
      }
      const __m256i w01 = _mm256_packs_epi32(r[0], r[1]);
      const __m256i w23 = _mm256_packs_epi32(r[2], r[3]);
      const __m256i b = a.output == DepthwiseOutput::kUInt8 ? _mm256_packus_epi16(w01, w23) : _mm256_packs_epi16(w01, w23);
      uint8_t* o = static_cast<uint8_t*>(a.out) + static_cast<int64_t>(ox) * channels + c0;
      if (n == kGroup) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), b);
      } else {
        alignas(32) uint8_t tmp[32];
        _mm256_store_si256(reinterpret_cast<__m256i*>(tmp), b);
        for (int i = 0; i < n; ++i) o[i] = tmp[i];
      }
    }
  }
};

}  // namespace
}  // namespace qtflite::int8
