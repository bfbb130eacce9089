// Depthwise microkernel "quads" on AVX-512 VNNI (kernels/int8/depthwise_kernel.h): the AVX-VNNI
// quads (dwconv_avxvnni_impl.h) on zmm registers, 64 channels per group; masked loads and stores
// for a last partial group. Included by the avx512vnni tier's translation unit after
// kernels/cpu/simd.h.
#pragma once

#include <cstdint>

#include "kernels/int8/depthwise_kernel.h"
#include "kernels/int8/dwconv_avx512_impl.h"
#include "kernels/int8/dwconv_row_impl.h"
#include "kernels/int8/requant_avx512_impl.h"

namespace qtflite::int8 {
namespace {

struct DwQuads512 {
  static constexpr int kGroup = 64, kSlot = 4;
  static constexpr bool kAllInputs = false;

  template <bool kTail, int kSlots>
  static void Accumulate(const int8_t* const* taps, int slots, int c0, __mmask64 k, const int8_t* w,
                         const int32_t* bias, __m512i* acc) {
    const __m512i flip = _mm512_set1_epi8(-128);
    __m512i a0 = _mm512_loadu_si512(bias);
    __m512i a1 = _mm512_loadu_si512(bias + 16);
    __m512i a2 = _mm512_loadu_si512(bias + 32);
    __m512i a3 = _mm512_loadu_si512(bias + 48);
    for (int s = 0; s < (kSlots > 0 ? kSlots : slots); ++s, w += 256) {
      const int8_t* const* t = taps + 4 * s;
      // x + 128 as unsigned bytes; masked-off bytes are 0 (any value: their weights are 0).
      const __m512i x0 = _mm512_xor_si512(kTail ? _mm512_maskz_loadu_epi8(k, t[0] + c0) : _mm512_loadu_si512(t[0] + c0), flip);
      const __m512i x1 = _mm512_xor_si512(kTail ? _mm512_maskz_loadu_epi8(k, t[1] + c0) : _mm512_loadu_si512(t[1] + c0), flip);
      const __m512i x2 = _mm512_xor_si512(kTail ? _mm512_maskz_loadu_epi8(k, t[2] + c0) : _mm512_loadu_si512(t[2] + c0), flip);
      const __m512i x3 = _mm512_xor_si512(kTail ? _mm512_maskz_loadu_epi8(k, t[3] + c0) : _mm512_loadu_si512(t[3] + c0), flip);
      const __m512i lo01 = _mm512_unpacklo_epi8(x0, x1), hi01 = _mm512_unpackhi_epi8(x0, x1);
      const __m512i lo23 = _mm512_unpacklo_epi8(x2, x3), hi23 = _mm512_unpackhi_epi8(x2, x3);
      a0 = _mm512_dpbusd_epi32(a0, _mm512_unpacklo_epi16(lo01, lo23), _mm512_loadu_si512(w));
      a1 = _mm512_dpbusd_epi32(a1, _mm512_unpackhi_epi16(lo01, lo23), _mm512_loadu_si512(w + 64));
      a2 = _mm512_dpbusd_epi32(a2, _mm512_unpacklo_epi16(hi01, hi23), _mm512_loadu_si512(w + 128));
      a3 = _mm512_dpbusd_epi32(a3, _mm512_unpackhi_epi16(hi01, hi23), _mm512_loadu_si512(w + 192));
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
      const __mmask64 k = DwMask64(n);
      __m512i acc[4];
      if (n == kGroup) {
        Accumulate<false, kSlots>(t8, slots, c0, k, w + g * group_weights, a.bias + c0, acc);
      } else {
        Accumulate<true, kSlots>(t8, slots, c0, k, w + g * group_weights, a.bias + c0, acc);
      }
      if (a.output == DepthwiseOutput::kAcc32) {
        int32_t* o = static_cast<int32_t*>(a.out) + static_cast<int64_t>(ox) * groups * kGroup + c0;
        for (int j = 0; j < 4; ++j) _mm512_storeu_si512(o + 16 * j, acc[j]);
        continue;
      }
      // Lane l of acc[j] holds channels 16l + 4j .. 16l + 4j + 3: two rounds of packing
      // interleave them back into channel order.
      const __m512i w01 = _mm512_packs_epi32(Requantize16(acc[0], a.q, c0), Requantize16(acc[1], a.q, c0 + 16));
      const __m512i w23 = _mm512_packs_epi32(Requantize16(acc[2], a.q, c0 + 32), Requantize16(acc[3], a.q, c0 + 48));
      const __m512i b = a.output == DepthwiseOutput::kUInt8 ? _mm512_packus_epi16(w01, w23) : _mm512_packs_epi16(w01, w23);
      _mm512_mask_storeu_epi8(static_cast<uint8_t*>(a.out) + static_cast<int64_t>(ox) * channels + c0, k, b);
    }
  }
};

}  // namespace
}  // namespace qtflite::int8
