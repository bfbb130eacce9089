// Running minimum and maximum of a float array, NaN skipped: a NaN lane compares false and
// keeps the old value. Written once over xsimd batches, compiled per ISA.
#pragma once

#include <xsimd/xsimd.hpp>

namespace qtflite::fast {

template <class Arch>
struct MinMaxKernel {
  using Batch = xsimd::batch<float, Arch>;
  static constexpr int kW = static_cast<int>(Batch::size);

  static void Run(const float* x, long n, float* lo, float* hi) {
    float l = *lo, h = *hi;
    long i = 0;
    if (n >= kW) {
      Batch vl(l), vh(h);
      for (; i + kW <= n; i += kW) {
        const Batch v = Batch::load_unaligned(x + i);
        vl = xsimd::select(v < vl, v, vl);
        vh = xsimd::select(v > vh, v, vh);
      }
      alignas(64) float tl[kW], th[kW];
      vl.store_aligned(tl);
      vh.store_aligned(th);
      for (int j = 0; j < kW; ++j) {
        l = tl[j] < l ? tl[j] : l;
        h = th[j] > h ? th[j] : h;
      }
    }
    for (; i < n; ++i) {
      l = x[i] < l ? x[i] : l;
      h = x[i] > h ? x[i] : h;
    }
    *lo = l;
    *hi = h;
  }
};

}  // namespace qtflite::fast
