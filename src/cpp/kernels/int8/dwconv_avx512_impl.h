// Depthwise microkernel "pairs" on AVX-512BW (kernels/int8/depthwise_kernel.h): the AVX2 pairs
// (dwconv_avx2_impl.h) on zmm registers, 32 channels per group; masked loads and stores for a
// last partial group. Included by tier translation units after kernels/cpu/simd.h.
#pragma once

#include <cstdint>

#include "kernels/int8/depthwise_kernel.h"
#include "kernels/int8/dwconv_row_impl.h"
#include "kernels/int8/requant_avx512_impl.h"

namespace qtflite::int8 {
namespace {

// The first n <= 32 of 32 input elements as int16 (masked: nothing past them is read).
inline __m512i DwWiden32(const int8_t* p, __mmask32 k) { return _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(k, p)); }
inline __m512i DwWiden32(const uint8_t* p, __mmask32 k) { return _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(k, p)); }
inline __m512i DwWiden32(const int16_t* p, __mmask32 k) { return _mm512_maskz_loadu_epi16(k, p); }
inline __m512i DwWiden32(const int8_t* p) { return _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
inline __m512i DwWiden32(const uint8_t* p) { return _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
inline __m512i DwWiden32(const int16_t* p) { return _mm512_loadu_si512(p); }

inline __mmask32 DwMask32(int n) { return n >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((uint32_t{1} << n) - 1); }
inline __mmask64 DwMask64(int n) { return n >= 64 ? ~__mmask64{0} : static_cast<__mmask64>((uint64_t{1} << n) - 1); }

struct DwPairs512 {
  static constexpr int kGroup = 32, kSlot = 2;
  static constexpr bool kAllInputs = true;

  template <typename In, bool kTail, int kSlots>
  static void Accumulate(const In* const* taps, int slots, int c0, __mmask32 k, const int16_t* w,
                         const int32_t* bias, __m512i& acc0, __m512i& acc1) {
    __m512i a0 = _mm512_loadu_si512(bias);
    __m512i a1 = _mm512_loadu_si512(bias + 16);
    for (int s = 0; s < (kSlots > 0 ? kSlots : slots); ++s, w += 64) {
      const __m512i x0 = kTail ? DwWiden32(taps[2 * s] + c0, k) : DwWiden32(taps[2 * s] + c0);
      const __m512i x1 = kTail ? DwWiden32(taps[2 * s + 1] + c0, k) : DwWiden32(taps[2 * s + 1] + c0);
      a0 = _mm512_add_epi32(a0, _mm512_madd_epi16(_mm512_unpacklo_epi16(x0, x1), _mm512_loadu_si512(w)));
      a1 = _mm512_add_epi32(a1, _mm512_madd_epi16(_mm512_unpackhi_epi16(x0, x1), _mm512_loadu_si512(w + 32)));
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
      const __mmask32 k = DwMask32(n);
      __m512i acc0, acc1;
      if (n == kGroup) {
        Accumulate<In, false, kSlots>(taps, slots, c0, k, w + g * group_weights, a.bias + c0, acc0, acc1);
      } else {
        Accumulate<In, true, kSlots>(taps, slots, c0, k, w + g * group_weights, a.bias + c0, acc0, acc1);
      }
      if (a.output == DepthwiseOutput::kAcc32) {
        int32_t* o = static_cast<int32_t*>(a.out) + static_cast<int64_t>(ox) * groups * kGroup + c0;
        _mm512_storeu_si512(o, acc0);
        _mm512_storeu_si512(o + 16, acc1);
        continue;
      }
      // vpackssdw interleaves the two packed-order vectors back into channel order per lane;
      // the values are already clamped into the output type, so vpmovwb's truncation is exact.
      const __m512i w16 = _mm512_packs_epi32(Requantize16(acc0, a.q, c0), Requantize16(acc1, a.q, c0 + 16));
      _mm256_mask_storeu_epi8(static_cast<uint8_t*>(a.out) + static_cast<int64_t>(ox) * channels + c0, k,
                              _mm512_cvtepi16_epi8(w16));
    }
  }
};

}  // namespace
}  // namespace qtflite::int8
