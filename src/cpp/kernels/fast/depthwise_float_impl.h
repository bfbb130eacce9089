// The float depthwise microkernel (depth multiplier 1), written once over xsimd batches and
// compiled per ISA (included only by the isa_*.cc files). NHWC keeps channels contiguous, so
// each output pixel is a vector loop over channels with one fused multiply-add per tap. A 3×3
// kernel keeps a batch of channels' nine filter taps in registers and sweeps the row's output
// pixels whose taps all lie inside the image (one load per FMA instead of two); the pixels near
// the edges take the general loop. Both sum bias + taps in (ky, kx) order.
#pragma once

#include <xsimd/xsimd.hpp>

#include "kernels/fast/float_kernels.h"

namespace qtflite::fast {

template <class Arch>
struct DepthwiseFloatKernel {
  using Batch = xsimd::batch<float, Arch>;
  static constexpr int kW = static_cast<int>(Batch::size);

  // Output pixels [x_lo, x_hi) of one row (`rows`: the input row of the first kernel row, every
  // tap inside the image): all channels, the scalar tail included.
  static void Row3x3(const DepthwiseFloatParams& p, const float* rows, const float* filter, const float* bias,
                     float* out_row, int x_lo, int x_hi, Batch vlo, Batch vhi) {
    const long c = p.channels;
    const long dy = p.dilation_h * p.in_w * c, dx = p.dilation_w * c, step = p.stride_w * c;
    long ch = 0;
    for (; ch + kW <= c; ch += kW) {
      const float* f = filter + ch;
      const Batch w0 = Batch::load_unaligned(f), w1 = Batch::load_unaligned(f + c),
                  w2 = Batch::load_unaligned(f + 2 * c), w3 = Batch::load_unaligned(f + 3 * c),
                  w4 = Batch::load_unaligned(f + 4 * c), w5 = Batch::load_unaligned(f + 5 * c),
                  w6 = Batch::load_unaligned(f + 6 * c), w7 = Batch::load_unaligned(f + 7 * c),
                  w8 = Batch::load_unaligned(f + 8 * c);
      const Batch vb = Batch::load_unaligned(bias + ch);
      const float* x = rows + (static_cast<long>(x_lo) * p.stride_w - p.pad_w) * c + ch;
      float* o = out_row + static_cast<long>(x_lo) * c + ch;
      for (int ox = x_lo; ox < x_hi; ++ox, x += step, o += c) {
        Batch acc = xsimd::fma(Batch::load_unaligned(x), w0, vb);
        acc = xsimd::fma(Batch::load_unaligned(x + dx), w1, acc);
        acc = xsimd::fma(Batch::load_unaligned(x + 2 * dx), w2, acc);
        acc = xsimd::fma(Batch::load_unaligned(x + dy), w3, acc);
        acc = xsimd::fma(Batch::load_unaligned(x + dy + dx), w4, acc);
        acc = xsimd::fma(Batch::load_unaligned(x + dy + 2 * dx), w5, acc);
        acc = xsimd::fma(Batch::load_unaligned(x + 2 * dy), w6, acc);
        acc = xsimd::fma(Batch::load_unaligned(x + 2 * dy + dx), w7, acc);
        acc = xsimd::fma(Batch::load_unaligned(x + 2 * dy + 2 * dx), w8, acc);
        xsimd::min(vhi, xsimd::max(vlo, acc)).store_unaligned(o);
      }
    }
    for (; ch < c; ++ch) {  // channels past the last full batch
      const float* x = rows + (static_cast<long>(x_lo) * p.stride_w - p.pad_w) * c + ch;
      float* o = out_row + static_cast<long>(x_lo) * c + ch;
      for (int ox = x_lo; ox < x_hi; ++ox, x += step, o += c) {
        float acc = bias[ch];
        for (int ky = 0; ky < 3; ++ky) {
          for (int kx = 0; kx < 3; ++kx) acc += x[ky * dy + kx * dx] * filter[(ky * 3 + kx) * c + ch];
        }
        *o = acc < p.lo ? p.lo : (acc > p.hi ? p.hi : acc);
      }
    }
  }

  // taps: room for 2 · kernel_h · kernel_w offsets (the caller's, so that this ISA-specific
  // code instantiates no library templates of its own).
  static void Run(const DepthwiseFloatParams& p, const float* in, const float* filter, const float* bias,
                  float* out, long* taps) {
    const Batch vlo(p.lo), vhi(p.hi);
    const int c = p.channels;
    long* in_offsets = taps;
    long* filter_offsets = taps + static_cast<long>(p.kernel_h) * p.kernel_w;
    // Output columns [x_lo, x_hi) have every tap inside the image along x.
    int x_lo = 0, x_hi = 0;
    const bool three = p.kernel_h == 3 && p.kernel_w == 3 && c >= kW;
    if (three) {
      x_lo = (p.pad_w + p.stride_w - 1) / p.stride_w;
      const int last_start = p.in_w - 1 - 2 * p.dilation_w + p.pad_w;  // largest ox·stride with the 3rd tap inside
      x_hi = last_start < 0 ? 0 : last_start / p.stride_w + 1;
      if (x_hi > p.out_w) x_hi = p.out_w;
      if (x_hi < x_lo) x_hi = x_lo;
    }
    for (int b = 0; b < p.batches; ++b) {
      for (int oy = 0; oy < p.out_h; ++oy) {
        const int y0 = oy * p.stride_h - p.pad_h;
        const bool rows_inside = three && y0 >= 0 && y0 + 2 * p.dilation_h < p.in_h;
        if (rows_inside && x_hi > x_lo) {
          Row3x3(p, in + (static_cast<long>(b) * p.in_h + y0) * p.in_w * c, filter, bias,
                 out + (static_cast<long>(b) * p.out_h + oy) * p.out_w * c, x_lo, x_hi, vlo, vhi);
        }
        for (int ox = 0; ox < p.out_w; ++ox) {
          if (rows_inside && ox == x_lo && x_hi > x_lo) {
            ox = x_hi - 1;  // done by Row3x3
            continue;
          }
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
