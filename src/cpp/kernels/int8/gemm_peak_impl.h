// The benchmarks' int8 peak: a tight loop of the tier's widest multiply-add (vpmaddwd, or
// vpdpbusd where O has Dot) into independent accumulators, reporting the int8 operations it did
// (2 per multiply-add). Included by tier translation units after gemm_<isa>_impl.h.
#pragma once

#include <cstdint>

namespace qtflite::int8 {
namespace {

// Hides a value from the compiler (no instruction is emitted).
#ifdef QTFLITE_SIMD_EMULATED
#define QTFLITE_GEMM_OPAQUE(v) (void)(v)
#else
#define QTFLITE_GEMM_OPAQUE(v) __asm__ volatile("" : "+x"(v))
#endif

template <class O, bool kDot>
inline typename O::V GemmPeakStep(typename O::V acc, typename O::V x, typename O::V w) {
  if constexpr (kDot) {
    return O::Dot(acc, x, w);
  } else {
    return O::Add(acc, O::Madd(x, w));
  }
}

// Six independent chains in named variables (an array would live in memory; more would spill).
template <class O, bool kDot>
int64_t GemmPeakLoop(int64_t iterations) {
  using V = typename O::V;
  V x0 = O::Bcast(1), x1 = O::Bcast(2), x2 = O::Bcast(3), x3 = O::Bcast(4), x4 = O::Bcast(5), x5 = O::Bcast(6);
  V a0 = O::Bcast(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  // w changes every round (by xor with a zero the compiler cannot see), so that no product can be
  // hoisted: one vpxor per six multiply-adds.
  V zero = O::Bcast(0);
  QTFLITE_GEMM_OPAQUE(zero);
  V w = O::Bcast(0x01020304);
  for (int64_t i = 0; i < iterations; ++i) {
    w = O::Xor(w, zero);
    a0 = GemmPeakStep<O, kDot>(a0, x0, w);
    a1 = GemmPeakStep<O, kDot>(a1, x1, w);
    a2 = GemmPeakStep<O, kDot>(a2, x2, w);
    a3 = GemmPeakStep<O, kDot>(a3, x3, w);
    a4 = GemmPeakStep<O, kDot>(a4, x4, w);
    a5 = GemmPeakStep<O, kDot>(a5, x5, w);
  }
  alignas(64) int32_t sink[O::kLanes];
  O::Store(sink, O::Add(O::Add(O::Add(a0, a1), O::Add(a2, a3)), O::Add(a4, a5)));
  volatile int32_t keep = sink[0];
  (void)keep;
  // vpmaddwd: 2 multiply-adds per int32 lane; vpdpbusd: 4.
  return iterations * 6 * O::kLanes * (kDot ? 4 : 2) * 2;
}

}  // namespace
}  // namespace qtflite::int8
