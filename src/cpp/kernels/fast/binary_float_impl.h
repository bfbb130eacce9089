// Float ADD, SUB and MUL of two same-shape arrays with the fused activation's clamp, written once
// over xsimd batches and compiled per ISA (included only by the isa_*.cc files). One IEEE
// operation per element, as the reference: the results are the reference's, bit for bit.
#pragma once

#include <xsimd/xsimd.hpp>

#include "kernels/fast/float_kernels.h"

namespace qtflite::fast {

template <class Arch>
struct BinaryFloatKernel {
  using Batch = xsimd::batch<float, Arch>;
  static constexpr int kW = static_cast<int>(Batch::size);

  template <class Op>
  static void Loop(const float* a, const float* b, long n, float lo, float hi, float* out, Op op) {
    const Batch vlo(lo), vhi(hi);
    long i = 0;
    for (; i + kW <= n; i += kW) {
      const Batch v = op(Batch::load_unaligned(a + i), Batch::load_unaligned(b + i));
      // The reference's v < lo ? lo : (v > hi ? hi : v): a NaN passes through.
      xsimd::select(v < vlo, vlo, xsimd::select(v > vhi, vhi, v)).store_unaligned(out + i);
    }
    for (; i < n; ++i) {
      const float v = op(a[i], b[i]);
      out[i] = v < lo ? lo : (v > hi ? hi : v);
    }
  }

  static void Run(BinaryFloatOp op, const float* a, const float* b, long n, float lo, float hi, float* out) {
    switch (op) {
      case BinaryFloatOp::kAdd: Loop(a, b, n, lo, hi, out, [](auto x, auto y) { return x + y; }); break;
      case BinaryFloatOp::kSub: Loop(a, b, n, lo, hi, out, [](auto x, auto y) { return x - y; }); break;
      case BinaryFloatOp::kMul: Loop(a, b, n, lo, hi, out, [](auto x, auto y) { return x * y; }); break;
    }
  }
};

}  // namespace qtflite::fast
