// Depthwise microkernel "pairs" on baseline x86-64 (SSE2; kernels/int8/depthwise_kernel.h): 8
// channels per group, inputs widened to int16 and two taps interleaved per channel for pmaddwd,
// in channel order (one 128-bit lane); scalar requantization. Included by the sse2 tier.
#pragma once

#include <emmintrin.h>

#include <cstdint>

#include "kernels/int8/depthwise_kernel.h"
#include "kernels/int8/dwconv_row_impl.h"
#include "kernels/int8/requant.h"

namespace qtflite::int8 {
namespace {

// Eight input elements as int16.
inline __m128i DwWiden8(const int8_t* p) {
  const __m128i x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return _mm_srai_epi16(_mm_unpacklo_epi8(x, x), 8);
}
inline __m128i DwWiden8(const uint8_t* p) {
  return _mm_unpacklo_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)), _mm_setzero_si128());
}
inline __m128i DwWiden8(const int16_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

template <typename In>
inline __m128i DwWiden8Tail(const In* p, int n) {
  alignas(16) In buf[8] = {};
  for (int i = 0; i < n; ++i) buf[i] = p[i];
  return DwWiden8(buf);
}

struct DwPairs128 {
  static constexpr int kGroup = 8, kSlot = 2;
  static constexpr bool kAllInputs = true;

  template <typename In, bool kTail, int kSlots>
  static void Accumulate(const In* const* taps, int slots, int c0, int n, const int16_t* w, const int32_t* bias,
                         __m128i& acc0, __m128i& acc1) {
    __m128i a0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bias));
    __m128i a1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bias + 4));
    for (int s = 0; s < (kSlots > 0 ? kSlots : slots); ++s, w += 16) {
      const __m128i x0 = kTail ? DwWiden8Tail(taps[2 * s] + c0, n) : DwWiden8(taps[2 * s] + c0);
      const __m128i x1 = kTail ? DwWiden8Tail(taps[2 * s + 1] + c0, n) : DwWiden8(taps[2 * s + 1] + c0);
      a0 = _mm_add_epi32(a0, _mm_madd_epi16(_mm_unpacklo_epi16(x0, x1), _mm_loadu_si128(reinterpret_cast<const __m128i*>(w))));
      a1 = _mm_add_epi32(a1, _mm_madd_epi16(_mm_unpackhi_epi16(x0, x1), _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 8))));
    }
    acc0 = a0;
    acc1 = a1;
  }

  template <typename In, int kSlots>
  static void Pixel(const DepthwiseRowArgs& a, const In* const* taps, int slots, int ox) {
    const int channels = a.channels;
    const int groups = DepthwiseGroups(channels, kGroup);
    const int16_t* w = static_cast<const int16_t*>(a.weights);
    const int64_t group_weights = static_cast<int64_t>(slots) * kGroup * kSlot;
    for (int g = 0; g < groups; ++g) {
      const int c0 = g * kGroup;
      const int n = channels - c0 < kGroup ? channels - c0 : kGroup;
      alignas(16) int32_t acc[8];
      __m128i acc0, acc1;
      if (n == kGroup) {
        Accumulate<In, false, kSlots>(taps, slots, c0, n, w + g * group_weights, a.bias + c0, acc0, acc1);
      } else {
        Accumulate<In, true, kSlots>(taps, slots, c0, n, w + g * group_weights, a.bias + c0, acc0, acc1);
      }
      if (a.output == DepthwiseOutput::kAcc32) {
        int32_t* o = static_cast<int32_t*>(a.out) + static_cast<int64_t>(ox) * groups * kGroup + c0;
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o), acc0);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(o + 4), acc1);
        continue;
      }
      _mm_store_si128(reinterpret_cast<__m128i*>(acc), acc0);
      _mm_store_si128(reinterpret_cast<__m128i*>(acc + 4), acc1);
      const int64_t base = static_cast<int64_t>(ox) * channels + c0;
      if (a.output == DepthwiseOutput::kUInt8) {
        uint8_t* o = static_cast<uint8_t*>(a.out) + base;
        for (int i = 0; i < n; ++i) o[i] = static_cast<uint8_t>(RequantizeOne(acc[i], a.q, c0 + i));
      } else {
        int8_t* o = static_cast<int8_t*>(a.out) + base;
        for (int i = 0; i < n; ++i) o[i] = static_cast<int8_t>(RequantizeOne(acc[i], a.q, c0 + i));
      }
    }
  }
};

}  // namespace
}  // namespace qtflite::int8
