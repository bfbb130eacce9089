// The per-channel parameters of the vector int64 requantization of 16x8 accumulators
// (gemm16_kernel.h's Requant16View, computed by a tier's Requant16Fn), as the reference's int64
// MultiplyByQuantizedMultiplier derives them from a Requant: shared by the 16x8 GEMM and the
// int16 depthwise kernels.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/int8/gemm16_kernel.h"
#include "kernels/reference/common.h"

namespace qtflite::int8 {

class Requant16Table {
 public:
  // Fills `padded` (>= channels, a multiple of 8) channels from q (fixed point) and `bias`
  // (int64 per channel, null = none). False, leaving this empty, when the vector form does not
  // reproduce the reference: a double rescale (q.real_multiplier), a negative multiplier, or a
  // total shift outside 1..62.
  bool Build(const reference::Requant& q, const int64_t* bias, int channels, int padded);
  bool empty() const { return arrays_.empty(); }
  // The parameters from channel c0 on.
  Requant16View View(int c0) const;

 private:
  std::vector<int64_t> arrays_;  // bias, multiplier, round, shift, offset: padded each
  int64_t padded_ = 0;
  int32_t output_offset_ = 0, act_min_ = 0, act_max_ = 0;
};

}  // namespace qtflite::int8
