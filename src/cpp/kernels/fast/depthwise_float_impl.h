// The float depthwise microkernel (depth multiplier 1), written once over xsimd batches and
// compiled per ISA (included only by the isa_*.cc files). NHWC keeps channels contiguous, so
// each output pixel is a vector loop over channels with one fused multiply-add per tap.
#pragma once

#include <xsimd/xsimd.hpp>

#include "kernels/fast/float_kernels.h"

namespace qtflite::fast {

template <class Arch>
struct DepthwiseFloatKernel {
  using Batch = xsimd::batch<float, Arch>;
  static constexpr int kW = static_cast<int>(Batch::size);

  // taps: room for 2 · kernel_h · kernel_w offsets (the caller's, so that this ISA-specific
  // code instantiates no library templates of its own).
  static void Run(const DepthwiseFloatParams& p, const float* in, const float* filter, const float* bias,
                  float* out, long* taps) {
    const Batch vlo(p.lo), vhi(p.hi);
    const int c = p.channels;
    long* in_offsets = taps;
    long* filter_offsets = taps + static_cast<long>(p.kernel_h) * p.kernel_w;
    for (int b = 0; b < p.batches; ++b) {
      for (int oy = 0; oy < p.out_h; ++oy) {
        for (int ox = 0; ox < p.out_w; ++ox) {
          // The in-image taps of this output pixel, found once for all its channels.
          const int y0 = oy * p.stride_h - p.pad_h, x0 = ox * p.stride_w - p.pad_w;
          int num_taps = 0;
          for (int ky = 0; ky < p.kernel_h; ++ky) {
            const int iy = y0 + ky * p.dilation_h;
            if (iy < 0 || iy >= p.in_h) continue;
            for (int kx = 0; kx < p.kernel_w; ++kx) {
              const int ix = x0 + kx * p.dilation_w;
              if (ix < 0 || ix >= p.in_w) continue;
              in_offsets[num_taps] = ((static_cast<long>(b) * p.in_h + iy) * p.in_w + ix) * c;
              filter_offsets[num_taps] = (static_cast<long>(ky) * p.kernel_w + kx) * c;
              ++num_taps;
            }
          }
          float* o = out + ((static_cast<long>(b) * p.out_h + oy) * p.out_w + ox) * c;
          int ch = 0;
          for (; ch + 2 * kW <= c; ch += 2 * kW) {  // two batches of channels per pass over the taps
            Batch acc0 = Batch::load_unaligned(bias + ch), acc1 = Batch::load_unaligned(bias + ch + kW);
            for (int t = 0; t < num_taps; ++t) {
              const float* x = in + in_offsets[t] + ch;
              const float* w = filter + filter_offsets[t] + ch;
              acc0 = xsimd::fma(Batch::load_unaligned(x), Batch::load_unaligned(w), acc0);
              acc1 = xsimd::fma(Batch::load_unaligned(x + kW), Batch::load_unaligned(w + kW), acc1);
            }
            xsimd::min(vhi, xsimd::max(vlo, acc0)).store_unaligned(o + ch);
            xsimd::min(vhi, xsimd::max(vlo, acc1)).store_unaligned(o + ch + kW);
          }
          for (; ch + kW <= c; ch += kW) {
            Batch acc = Batch::load_unaligned(bias + ch);
            for (int t = 0; t < num_taps; ++t) {
              acc = xsimd::fma(Batch::load_unaligned(in + in_offsets[t] + ch),
                               Batch::load_unaligned(filter + filter_offsets[t] + ch), acc);
            }
            xsimd::min(vhi, xsimd::max(vlo, acc)).store_unaligned(o + ch);
          }
          for (; ch < c; ++ch) {  // channels past the last full batch
            float acc = bias[ch];
            for (int t = 0; t < num_taps; ++t) acc += in[in_offsets[t] + ch] * filter[filter_offsets[t] + ch];
            o[ch] = acc < p.lo ? p.lo : (acc > p.hi ? p.hi : acc);
          }
        }
      }
    }
  }
};

}  // namespace qtflite::fast
