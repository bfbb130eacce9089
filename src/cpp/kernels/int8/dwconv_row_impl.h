// The row loop every tier's depthwise microkernel shares (kernels/int8/depthwise_kernel.h): for
// each output pixel of the row, the input pointer of every tap (the zero-point row where the tap
// falls outside the image), then the tier's Pixel over all channel groups. Included by tier
// translation units after kernels/cpu/simd.h; internal linkage, so each tier keeps its own copy.
//
// A microkernel policy provides kGroup, kSlot, kAllInputs (false: int8 inputs only) and
//   template <typename In, int kSlots> static void Pixel(const DepthwiseRowArgs&,
//                                                        const In* const* taps, int slots, int ox);
// kSlots is the slot count when it is known at compile time (3x3 and 5x5 kernels), else 0.
#pragma once

#include <cstdint>

#include "kernels/int8/depthwise_kernel.h"

namespace qtflite::int8 {
namespace {

template <class Kernel, typename In, int kSlots>
void DepthwiseRowLoop(const DepthwiseRowArgs& a, int slots) {
  const In** taps = reinterpret_cast<const In**>(a.taps);
  const In* zero = static_cast<const In*>(a.zero_row);
  const int num_taps = a.kernel_h * a.kernel_w;
  for (int t = num_taps; t < slots * Kernel::kSlot; ++t) taps[t] = zero;  // zero weights there
  const int64_t pixel = a.channels;
  // Output pixels whose horizontal taps all fall inside the image: [ox_lo, ox_hi).
  const int span = (a.kernel_w - 1) * a.dilation_w;
  int ox_lo = a.pad_w <= 0 ? 0 : (a.pad_w + a.stride_w - 1) / a.stride_w;
  int ox_hi = a.in_w - span + a.pad_w <= 0 ? 0 : (a.in_w - span + a.pad_w - 1) / a.stride_w + 1;
  if (ox_hi > a.out_w) ox_hi = a.out_w;
  if (ox_lo > ox_hi) ox_lo = ox_hi;
  for (int ox = 0; ox < a.out_w; ++ox) {
    const int ix0 = ox * a.stride_w - a.pad_w;
    const bool inside = ox >= ox_lo && ox < ox_hi;
    int t = 0;
    for (int ky = 0; ky < a.kernel_h; ++ky) {
      const In* row = static_cast<const In*>(a.rows[ky]);
      if (row == nullptr) {
        for (int kx = 0; kx < a.kernel_w; ++kx) taps[t++] = zero;
      } else if (inside) {
        const In* p = row + ix0 * pixel;
        for (int kx = 0; kx < a.kernel_w; ++kx) taps[t++] = p + kx * a.dilation_w * pixel;
      } else {
        for (int kx = 0; kx < a.kernel_w; ++kx) {
          const int ix = ix0 + kx * a.dilation_w;
          taps[t++] = ix >= 0 && ix < a.in_w ? row + ix * pixel : zero;
        }
      }
    }
    Kernel::template Pixel<In, kSlots>(a, taps, slots, ox);
  }
}

template <class Kernel, typename In>
void DepthwiseRowAs(const DepthwiseRowArgs& a) {
  constexpr int k3x3 = (9 + Kernel::kSlot - 1) / Kernel::kSlot, k5x5 = (25 + Kernel::kSlot - 1) / Kernel::kSlot;
  const int slots = (a.kernel_h * a.kernel_w + Kernel::kSlot - 1) / Kernel::kSlot;
  if (slots == k3x3) {
    DepthwiseRowLoop<Kernel, In, k3x3>(a, slots);
  } else if (slots == k5x5) {
    DepthwiseRowLoop<Kernel, In, k5x5>(a, slots);
  } else {
    DepthwiseRowLoop<Kernel, In, 0>(a, slots);
  }
}

template <class Kernel>
void DepthwiseRow(const DepthwiseRowArgs& a) {
  if (a.input == DepthwiseInput::kInt8) {
    DepthwiseRowAs<Kernel, int8_t>(a);
  } else if constexpr (Kernel::kAllInputs) {
    if (a.input == DepthwiseInput::kUInt8) {
      DepthwiseRowAs<Kernel, uint8_t>(a);
    } else {
      DepthwiseRowAs<Kernel, int16_t>(a);
    }
  }
}

// Number of channel groups of `channels`.
inline int DepthwiseGroups(int channels, int group) { return (channels + group - 1) / group; }

}  // namespace
}  // namespace qtflite::int8
