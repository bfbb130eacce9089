// The int64 requantization of 16x8 accumulators (gemm16_kernel.h's Requant16View), one channel
// at a time: the baseline tier's, and every tier's tail.
#pragma once

#include <cstdint>

#include "kernels/int8/gemm16_kernel.h"

namespace qtflite::int8 {
namespace {

inline int16_t Requant16One(int64_t acc, const Requant16View& q, int j) {
  int32_t v = static_cast<int32_t>((acc * q.multiplier[j] + q.round[j]) >> q.shift[j]) + q.output_offset;
  v = v < q.act_min ? q.act_min : (v > q.act_max ? q.act_max : v);
  return static_cast<int16_t>(v);
}

inline void Requant16Scalar(const int32_t* sums32, const int64_t* sums64, int n, const Requant16View& q, int16_t* out) {
  for (int j = 0; j < n; ++j) {
    const int64_t sum = sums32 ? sums32[j] : sums64[j];
    out[j] = Requant16One(sum + q.bias[j], q, j);
  }
}

}  // namespace
}  // namespace qtflite::int8
