// Depthwise microkernel "pairs" on AVX2 (kernels/int8/depthwise_kernel.h): 16 channels per group
// in channel order, two taps interleaved per channel and widened to int16, so that one vpmaddwd
// multiplies and adds two taps exactly into int32 (|w'·x| <= 255·32768: no int16 saturation).
// Requantization fused per pixel. Included by tier translation units after kernels/cpu/simd.h.
#pragma once

#include <cstdint>

#include "kernels/int8/depthwise_kernel.h"
#include "kernels/int8/dwconv_row_impl.h"
#include "kernels/int8/requant_avx2_impl.h"

namespace qtflite::int8 {
namespace {

// Two taps' 16 channels as int16 pairs in channel order, for vpmaddwd: lo holds channels 0..7,
// hi channels 8..15, each channel's two taps adjacent. Bytes are interleaved before widening
// (one 128-bit unpack per half instead of two 256-bit ones after).
inline void DwPairs16(const int8_t* a, const int8_t* b, __m256i& lo, __m256i& hi) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
  const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
  lo = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(x, y));
  hi = _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(x, y));
}
inline void DwPairs16(const uint8_t* a, const uint8_t* b, __m256i& lo, __m256i& hi) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
  const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
  lo = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(x, y));
  hi = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(x, y));
}
inline void DwPairs16(const int16_t* a, const int16_t* b, __m256i& lo, __m256i& hi) {
  // Quadwords 0 2 1 3: the in-lane unpacks then see channels 0..3 | 4..7 and 8..11 | 12..15.
  const __m256i x = _mm256_permute4x64_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a)), 0xD8);
  const __m256i y = _mm256_permute4x64_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)), 0xD8);
  lo = _mm256_unpacklo_epi16(x, y);
  hi = _mm256_unpackhi_epi16(x, y);
}

// The first n < 16 channels through zero-padded copies (a tail group may end at the tensor's end).
template <typename In>
inline void DwPairs16Tail(const In* a, const In* b, int n, __m256i& lo, __m256i& hi) {
  alignas(32) In x[16] = {}, y[16] = {};
  for (int i = 0; i < n; ++i) {
    x[i] = a[i];
    y[i] = b[i];
  }
  DwPairs16(x, y, lo, hi);
}

// Two taps' first 8 channels as int16 pairs in channel order (the lo half of DwPairs16), reading
// 8 elements per tap: groups of 8 channels or fewer (the last of a tensor) stay vector work.
inline __m256i DwPairs8(const int8_t* a, const int8_t* b) {
  const __m128i x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(a));
  const __m128i y = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b));
  return _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(x, y));
}
inline __m256i DwPairs8(const uint8_t* a, const uint8_t* b) {
  const __m128i x = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(a));
  const __m128i y = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b));
  return _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(x, y));
}
inline __m256i DwPairs8(const int16_t* a, const int16_t* b) {
  const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
  const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
  return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_unpacklo_epi16(x, y)), _mm_unpackhi_epi16(x, y), 1);
}

template <typename In>
inline __m256i DwPairs8Tail(const In* a, const In* b, int n) {
  alignas(16) In x[8] = {}, y[8] = {};
  for (int i = 0; i < n; ++i) {
    x[i] = a[i];
    y[i] = b[i];
  }
  return DwPairs8(x, y);
}

// DepthwiseBoundedRequant on packed positions c..c+7: the output values as int32 (offset added,
// clamped). SRDHM as in requant_avx2_impl.h; then the overflow-free rounding shift it allows.
inline __m256i DwRequantizeBounded8(__m256i acc, const DepthwiseBoundedRequant& b, int c) {
  const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.multiplier + c));
  const __m256i m_odd = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.multiplier + c + 1));
  const __m256i nudge = _mm256_set1_epi64x(int64_t{1} << 30);
  const __m256i even = _mm256_add_epi64(_mm256_mul_epi32(acc, m), nudge);
  const __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(acc, 32), m_odd), nudge);
  const __m256i t = _mm256_blend_epi32(_mm256_srli_epi64(even, 31), _mm256_slli_epi64(odd, 1), 0xAA);
  const __m256i down = _mm256_and_si256(_mm256_srai_epi32(t, 31),
                                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.round_down + c)));
  const __m256i up = _mm256_add_epi32(t, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.rounding + c)));
  __m256i x = _mm256_srav_epi32(_mm256_add_epi32(up, down),
                                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.right_shift + c)));
  x = _mm256_add_epi32(x, _mm256_set1_epi32(b.output_offset));
  return _mm256_min_epi32(_mm256_max_epi32(x, _mm256_set1_epi32(b.act_min)), _mm256_set1_epi32(b.act_max));
}

// Requantized int32 lanes of channels 0..7 (r0) and 8..15 (r1), stored as int8 or uint8. Values
// are already clamped into the output type, so the saturating packs are exact.
inline void DwStore16(__m256i r0, __m256i r1, DepthwiseOutput type, uint8_t* out, int n) {
  const __m128i w0 = _mm_packs_epi32(_mm256_castsi256_si128(r0), _mm256_extracti128_si256(r0, 1));
  const __m128i w1 = _mm_packs_epi32(_mm256_castsi256_si128(r1), _mm256_extracti128_si256(r1, 1));
  const __m128i b = type == DepthwiseOutput::kUInt8 ? _mm_packus_epi16(w0, w1) : _mm_packs_epi16(w0, w1);
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

  template <typename In, bool kTail, int kSlots>
  static void Accumulate(const In* const* taps, int slots, int c0, int n, const int16_t* w, const int32_t* bias,
                         __m256i& acc0, __m256i& acc1) {
    __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias));
    __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 8));
    for (int s = 0; s < (kSlots > 0 ? kSlots : slots); ++s, w += 32) {
      __m256i lo, hi;
      if (kTail) {
        DwPairs16Tail(taps[2 * s] + c0, taps[2 * s + 1] + c0, n, lo, hi);
      } else {
        DwPairs16(taps[2 * s] + c0, taps[2 * s + 1] + c0, lo, hi);
      }
      a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(lo, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w))));
      a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(hi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16))));
    }
    acc0 = a0;
    acc1 = a1;
  }

  // Channels c0..c0+n-1, n <= 8: the first half of a group's weights and biases.
  template <typename In, bool kTail, int kSlots>
  static __m256i AccumulateHalf(const In* const* taps, int slots, int c0, int n, const int16_t* w,
                                const int32_t* bias) {
    __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias));
    for (int s = 0; s < (kSlots > 0 ? kSlots : slots); ++s, w += 32) {
      const __m256i x = kTail ? DwPairs8Tail(taps[2 * s] + c0, taps[2 * s + 1] + c0, n)
                              : DwPairs8(taps[2 * s] + c0, taps[2 * s + 1] + c0);
      a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(x, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w))));
    }
    return a0;
  }

  template <typename In, int kSlots>
  static void PixelHalf(const DepthwiseRowArgs& a, const In* const* taps, int slots, int ox, int c0, int n,
                        const int16_t* w, int groups) {
    const __m256i acc = n == 8 ? AccumulateHalf<In, false, kSlots>(taps, slots, c0, n, w, a.bias + c0)
                               : AccumulateHalf<In, true, kSlots>(taps, slots, c0, n, w, a.bias + c0);
    if (a.output == DepthwiseOutput::kAcc32) {
      int32_t* o = static_cast<int32_t*>(a.out) + static_cast<int64_t>(ox) * groups * kGroup + c0;
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), acc);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 8), _mm256_setzero_si256());
      return;
    }
    const __m256i r = a.bounded ? DwRequantizeBounded8(acc, *a.bounded, c0) : Requantize8(acc, a.q, c0);
    uint8_t* o = static_cast<uint8_t*>(a.out) + static_cast<int64_t>(ox) * a.channels + c0;
    if (a.output == DepthwiseOutput::kUInt8) {
      StoreUInt8x8(r, o, n);
    } else {
      StoreInt8x8(r, reinterpret_cast<int8_t*>(o), n);
    }
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
      if (n <= 8) {  // the last group of a tensor: half a group of work
        PixelHalf<In, kSlots>(a, taps, slots, ox, c0, n, w + g * group_weights, groups);
        continue;
      }
      __m256i acc0, acc1;
      if (n == kGroup) {
        Accumulate<In, false, kSlots>(taps, slots, c0, n, w + g * group_weights, a.bias + c0, acc0, acc1);
      } else {
        Accumulate<In, true, kSlots>(taps, slots, c0, n, w + g * group_weights, a.bias + c0, acc0, acc1);
      }
      if (a.output == DepthwiseOutput::kAcc32) {
        int32_t* o = static_cast<int32_t*>(a.out) + static_cast<int64_t>(ox) * groups * kGroup + c0;
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), acc0);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 8), acc1);
      } else if (a.bounded) {
        DwStore16(DwRequantizeBounded8(acc0, *a.bounded, c0), DwRequantizeBounded8(acc1, *a.bounded, c0 + 8),
                  a.output, static_cast<uint8_t*>(a.out) + static_cast<int64_t>(ox) * channels + c0, n);
      } else {
        DwStore16(Requantize8(acc0, a.q, c0), Requantize8(acc1, a.q, c0 + 8), a.output,
                  static_cast<uint8_t*>(a.out) + static_cast<int64_t>(ox) * channels + c0, n);
      }
    }
  }
};

}  // namespace
}  // namespace qtflite::int8
