// The non-convolution integer operators on the fast kernels of the active tier
// (kernels/int8/elementwise_kernels.h): each function computes the operator's output exactly as
// the reference kernel does, or returns false when the fast kernels do not take the case (the
// caller then runs the reference kernel). `k` is the tier table to run on: the operators pass
// int8::ActiveElementwiseKernels(), the tests every tier.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/int8/elementwise_kernels.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/pooling.h"
#include "kernels/reference/quantize.h"
#include "kernels/reference/reduce.h"
#include "runtime/tensor.h"
#include "runtime/thread_pool.h"

namespace qtflite::ops {

// How two inputs broadcast to the output, as rows: out[r·inner + i] = op(a[a_row·r + a_step·i],
// b[b_row·r + b_step·i]) for r < outer, i < inner, with steps 0 or 1. Covers equal shapes, a
// scalar, a per-channel vector, and any split of the dimensions into an outer and an inner part
// where each input is either whole or broadcast.
struct BroadcastRows {
  int64_t outer = 1, inner = 1;
  int64_t a_row = 0, b_row = 0;
  int a_step = 0, b_step = 0;
};
bool PlanBroadcastRows(const std::vector<int32_t>& a, const std::vector<int32_t>& b, const std::vector<int32_t>& out,
                       BroadcastRows* plan);

bool FastAddSub(const int8::ElementwiseKernels& k, const reference::AddSubInt8Params& p, bool subtract,
                const RtTensor& a, const RtTensor& b, RtTensor& out, ThreadPool* pool = nullptr);
bool FastMul(const int8::ElementwiseKernels& k, const reference::MulInt8Params& p, const RtTensor& a,
             const RtTensor& b, RtTensor& out, ThreadPool* pool = nullptr);

// Calls fn(i0, i1) over [0, n): on the calling thread when n is small or there is no pool, else
// in chunks (multiples of 64 elements) on the pool's threads. For elementwise kernels, whose
// every element is computed alike wherever a chunk starts.
template <typename Fn>
void ForElementRanges(ThreadPool* pool, int64_t n, Fn&& fn) {
  constexpr int64_t kMinParallel = 16384, kAlign = 64;
  if (!pool || pool->size() == 1 || n < kMinParallel) {
    fn(int64_t{0}, n);
    return;
  }
  const int64_t units = (n + kAlign - 1) / kAlign;
  pool->ParallelFor(units, [&](int64_t u0, int64_t u1, int) { fn(u0 * kAlign, std::min(n, u1 * kAlign)); });
}

// ADD / SUB / MUL of two int8 or uint8 tensors of one shape through a table of all 65,536
// results, out[i] = table[a[i]·256 + b[i]] (a and b as bytes): FastAddSub / FastMul fill the
// table once, on every pair of bytes, so it holds exactly their (the reference's) outputs, and a
// lookup costs a fraction of the fixed-point arithmetic per element. For tensors of at least
// kMinElements (the filling costs as much as 65,536 elements); false otherwise, or when the fast
// kernels do not take the node (then the table stays empty).
class BinaryTable {
 public:
  static constexpr int64_t kMinElements = 4096;
  // `fill(a, b, out)`: the operator on three 65,536-element tensors, as FastAddSub(k, ..., a, b,
  // out); returns whether it computed them.
  // With a pool, ranges of elements are looked up on its threads.
  template <typename Fill>
  bool Eval(const RtTensor& a, const RtTensor& b, RtTensor& out, Fill fill, ThreadPool* pool = nullptr) {
    if (!Applies(a, b, out)) return false;
    if (table_.empty() && !Build(a, b, out, fill)) return false;
    const int64_t n = out.num_elements();
    ForElementRanges(pool, n, [&](int64_t i0, int64_t i1) { Lookup(a.data + i0, b.data + i0, i1 - i0, out.data + i0); });
    return true;
  }

 private:
  static bool Applies(const RtTensor& a, const RtTensor& b, const RtTensor& out);
  template <typename Fill>
  bool Build(const RtTensor& a, const RtTensor& b, RtTensor& out, Fill fill) {
    RtTensor ta = a, tb = b, to = out;
    std::vector<uint8_t> xa(65536), xb(65536), table(65536);
    for (int i = 0; i < 65536; ++i) {
      xa[i] = static_cast<uint8_t>(i >> 8);
      xb[i] = static_cast<uint8_t>(i);
    }
    ta.shape = tb.shape = to.shape = {65536};
    ta.data = xa.data(), tb.data = xb.data(), to.data = table.data();
    ta.bytes = tb.bytes = to.bytes = 65536;
    if (!fill(ta, tb, to)) return false;
    table_ = std::move(table);
    return true;
  }
  void Lookup(const uint8_t* a, const uint8_t* b, int64_t n, uint8_t* out) const;

  std::vector<uint8_t> table_;
};

// QUANTIZE float/int8/uint8 -> int8/uint8 and DEQUANTIZE int8 -> float.
bool FastQuantize(const int8::ElementwiseKernels& k, const reference::RequantizeParams& p, const RtTensor& in,
                  RtTensor& out);
bool FastDequantize(const int8::ElementwiseKernels& k, const RtTensor& in, RtTensor& out);

// MAX_POOL_2D / AVERAGE_POOL_2D on int8 and uint8 NHWC tensors.
// With a pool, MAX_POOL_2D splits the batch over its threads.
bool FastPool(const int8::ElementwiseKernels& k, bool max, const reference::PoolGeometry& g,
              reference::ActivationRange act, const RtTensor& in, RtTensor& out, ThreadPool* pool = nullptr);
// MEAN of an int8/uint8 4-D tensor over axes {1, 2} (global average pooling).
bool FastSpatialMean(const int8::ElementwiseKernels& k, const reference::MeanOrSumInt8Params& p,
                     const std::vector<int>& axes, const RtTensor& in, RtTensor& out);

}  // namespace qtflite::ops
