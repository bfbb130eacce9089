// Depthwise microkernel "pairs" on AVX2 (kernels/int8/depthwise_kernel.h): 16 channels per group,
// inputs widened to int16 and two taps interleaved per channel, so that one vpmaddwd multiplies
// and adds two taps exactly into int32 (|w'·x| <= 255·32768: no int16 saturation anywhere).
// Requantization fused per pixel. Included by tier translation units after kernels/cpu/simd.h.
#pragma once

#include <cstdint>

#include "kernels/int8/depthwise_kernel.h"
#include "kernels/int8/dwconv_row_impl.h"
#include "kernels/int8/requant_avx2_impl.h"

namespace qtflite::int8 {
namespace {

// Sixteen input elements as int16.
inline __m256i DwWiden16(const int8_t* p) { return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
inline __m256i DwWiden16(const uint8_t* p) { return _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
inline __m256i DwWiden16(const int16_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// The first n < 16 elements through a zero-padded copy (a tail group may end at the tensor's end).
template <typename In>
inline __m256i DwWiden16Tail(const In* p, int n) {
  alignas(32) In buf[16] = {};
  for (int i = 0; i < n; ++i) buf[i] = p[i];
  return DwWiden16(buf);
}

// Requantized int32 lanes of 16 channels (two vectors in packed order: lane l of r0 holds
// channels 8l..8l+3, of r1 8l+4..8l+7) stored in channel order as int8 or uint8: vpackssdw
// interleaves them back per lane. Values are already clamped into the output type.
inline void DwStore16(__m256i r0, __m256i r1, DepthwiseOutput type, uint8_t* out, int n) {
  const __m256i w = _mm256_packs_epi32(r0, r1);
  const __m128i lo = _mm256_castsi256_si128(w), hi = _mm256_extracti128_si256(w, 1);
  const __m128i b = type == DepthwiseOutput::kUInt8 ? _mm_packus_epi16(lo, hi) : _mm_packs_epi16(lo, hi);
  if (n == 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), b);
  } else {
    alignas(16) uint8_t tmp[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), b);
    for (int i = 0; i < n; ++i) out[i] = tmp[i];
  }
}

struct DwPairs256 {
  static constexpr int kGroup = 16, kSlot = 2;
  static constexpr bool kAllInputs = true;

  template <typename In, bool kTail>
  static void Accumulate(const In* const* taps, int slots, int c0, int n, const int16_t* w, const int32_t* bias,
                         __m256i& acc0, __m256i& acc1) {
    __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias));
    __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 8));
    for (int s = 0; s < slots; ++s, w += 32) {
      const __m256i x0 = kTail ? DwWiden16Tail(taps[2 * s] + c0, n) : DwWiden16(taps[2 * s] + c0);
      const __m256i x1 = kTail ? DwWiden16Tail(taps[2 * s + 1] + c0, n) : DwWiden16(taps[2 * s + 1] + c0);
      a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1),
                                                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w))));
      a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1),
                                                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16))));
    }
    acc0 = a0;
    acc1 = a1;
  }

  template <typename In>
  static void Pixel(const DepthwiseRowArgs& a, const In* const* taps, int slots, int ox) {
    const int channels = a.channels;
    const int groups = DepthwiseGroups(channels, kGroup);
    const int16_t* w = static_cast<const int16_t*>(a.weights);
    const int64_t group_weights = static_cast<int64_t>(slots) * kGroup * kSlot;
    for (int g = 0; g < groups; ++g) {
      const int c0 = g * kGroup;
      const int n = channels - c0 < kGroup ? channels - c0 : kGroup;
      __m256i acc0, acc1;
      if (n == kGroup) {
        Accumulate<In, false>(taps, slots, c0, n, w + g * group_weights, a.bias + c0, acc0, acc1);
      } else {
        Accumulate<In, true>(taps, slots, c0, n, w + g * group_weights, a.bias + c0, acc0, acc1);
      }
      if (a.output == DepthwiseOutput::kAcc32) {
        int32_t* o = static_cast<int32_t*>(a.out) + static_cast<int64_t>(ox) * groups * kGroup + c0;
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), acc0);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 8), acc1);
      } else {
        DwStore16(Requantize8(acc0, a.q, c0), Requantize8(acc1, a.q, c0 + 8), a.output,
                  static_cast<uint8_t*>(a.out) + static_cast<int64_t>(ox) * channels + c0, n);
      }
    }
  }
};

}  // namespace
}  // namespace qtflite::int8
