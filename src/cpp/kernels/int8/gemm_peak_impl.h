// The benchmarks' int8 peak: a tight loop of the tier's widest multiply-add (vpmaddwd, or
// vpdpbusd where O has Dot) into independent accumulators, reporting the int8 operations it did
// (2 per multiply-add). Included by tier translation units after gemm_<isa>_impl.h.
#pragma once

#include <cstdint>

namespace qtflite::int8 {
namespace {

// Keeps the compiler from hoisting the loop-invariant products (no instruction is emitted).
#ifdef QTFLITE_SIMD_EMULATED
#define QTFLITE_GEMM_OPAQUE(v) (void)(v)
#else
#define QTFLITE_GEMM_OPAQUE(v) __asm__ volatile("" : "+x"(v))
#endif

template <class O, bool kDot>
int64_t GemmPeakLoop(int64_t iterations) {
  using V = typename O::V;
  constexpr int kChains = 8;
  V acc[kChains], x[kChains];
  const V w = O::Bcast(0x01020304);
  for (int j = 0; j < kChains; ++j) {
    acc[j] = O::Bcast(0);
    x[j] = O::Bcast(j + 1);
  }
  for (int64_t i = 0; i < iterations; ++i) {
    for (int j = 0; j < kChains; ++j) {
      QTFLITE_GEMM_OPAQUE(x[j]);
      if constexpr (kDot) {
        acc[j] = O::Dot(acc[j], x[j], w);
      } else {
        acc[j] = O::Add(acc[j], O::Madd(x[j], w));
      }
    }
  }
  alignas(64) int32_t sink[O::kLanes];
  V total = acc[0];
  for (int j = 1; j < kChains; ++j) total = O::Add(total, acc[j]);
  O::Store(sink, total);
  volatile int32_t keep = sink[0];
  (void)keep;
  // vpmaddwd: 2 multiply-adds per int32 lane; vpdpbusd: 4.
  return iterations * kChains * O::kLanes * (kDot ? 4 : 2) * 2;
}

}  // namespace
}  // namespace qtflite::int8
