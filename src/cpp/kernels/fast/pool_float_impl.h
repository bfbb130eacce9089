// Float AVERAGE_POOL_2D and MAX_POOL_2D, written once over xsimd batches and compiled per ISA
// (included only by the isa_*.cc files). NHWC keeps channels contiguous: each output pixel
// reduces its in-image window a batch of channels at a time, in the reference's order (rows,
// then columns): a sum from 0.0f divided by the window's size, or a running max from the lowest
// float that skips NaN as std::max(max, v) does: the reference's bits.
#pragma once

#include <limits>

#include <xsimd/xsimd.hpp>

#include "kernels/fast/float_kernels.h"

namespace qtflite::fast {

template <class Arch>
struct PoolFloatKernel {
  using Batch = xsimd::batch<float, Arch>;
  static constexpr int kW = static_cast<int>(Batch::size);

  static Batch Clamp(Batch v, Batch lo, Batch hi) {  // v < lo ? lo : (v > hi ? hi : v)
    return xsimd::select(v < lo, lo, xsimd::select(v > hi, hi, v));
  }

  template <bool kMax>
  static bool Run(const PoolFloatParams& p, const float* in, float* out) {
    const float lowest = std::numeric_limits<float>::lowest();
    const Batch vlo(p.lo), vhi(p.hi);
    const int c = p.channels;
    for (int b = 0; b < p.batches; ++b) {
      const float* image = in + static_cast<long>(b) * p.in_h * p.in_w * c;
      for (int oy = 0; oy < p.out_h; ++oy) {
        const int wy = oy * p.stride_h - p.pad_h;
        const int y0 = wy > 0 ? wy : 0, y1 = wy + p.filter_h < p.in_h ? wy + p.filter_h : p.in_h;
        for (int ox = 0; ox < p.out_w; ++ox) {
          const int wx = ox * p.stride_w - p.pad_w;
          const int x0 = wx > 0 ? wx : 0, x1 = wx + p.filter_w < p.in_w ? wx + p.filter_w : p.in_w;
          if (y1 <= y0 || x1 <= x0) return false;  // the reference reports it
          const float count = static_cast<float>((y1 - y0) * (x1 - x0));
          float* o = out + ((static_cast<long>(b) * p.out_h + oy) * p.out_w + ox) * c;
          int ch = 0;
          for (; ch + kW <= c; ch += kW) {
            Batch acc(kMax ? lowest : 0.0f);
            for (int y = y0; y < y1; ++y) {
              const float* row = image + static_cast<long>(y) * p.in_w * c + ch;
              for (int x = x0; x < x1; ++x) {
                const Batch v = Batch::load_unaligned(row + static_cast<long>(x) * c);
                acc = kMax ? xsimd::select(acc < v, v, acc) : acc + v;
              }
            }
            Clamp(kMax ? acc : acc / Batch(count), vlo, vhi).store_unaligned(o + ch);
          }
          for (; ch < c; ++ch) {
            float acc = kMax ? lowest : 0.0f;
            for (int y = y0; y < y1; ++y) {
              for (int x = x0; x < x1; ++x) {
                const float v = image[(static_cast<long>(y) * p.in_w + x) * c + ch];
                acc = kMax ? (acc < v ? v : acc) : acc + v;
              }
            }
            const float v = kMax ? acc : acc / count;
            o[ch] = v < p.lo ? p.lo : (v > p.hi ? p.hi : v);
          }
        }
      }
    }
    return true;
  }
};

}  // namespace qtflite::fast
