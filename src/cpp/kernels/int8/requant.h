// Requantization of int32 accumulators as the fast integer kernels read it: every parameter
// expanded to one entry per output channel (a per-tensor value repeated) and padded to a whole
// number of the widest vector, so that vector code loads parameters as it loads outputs. The
// arithmetic is the reference's (kernels/reference/common.h: ScaleAccumulator, RequantizeAccumulator),
// bit for bit.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/reference/common.h"

namespace qtflite::int8 {

// Parameter arrays hold a multiple of this many entries (16 int32 lanes: one zmm register).
constexpr int kChannelPadding = 16;

// What a tier's kernel reads: plain data only (see kernels/cpu/simd.h). For channel c,
//   fixed point: out = clamp(RDBPOT(SRDHM(acc << left_shift[c], multiplier[c]), right_shift[c]) + output_offset)
//   double:      out = clamp(saturate_int32(round(acc · real_multiplier[c])) + output_offset)
// where clamp is to [act_min, act_max] (the fused activation within the output type's range).
struct RequantView {
  const int32_t* multiplier = nullptr;      // Q0.31, >= 0
  const int32_t* left_shift = nullptr;      // max(shift, 0)
  const int32_t* right_shift = nullptr;     // max(-shift, 0)
  const int32_t* remainder_mask = nullptr;  // 2^right_shift - 1
  const double* real_multiplier = nullptr;  // LiteRT's FULLY_CONNECTED; null = fixed point
  bool left_shifts = true;                  // false: every left_shift is 0 (kernels may skip it)
  int32_t output_offset = 0;
  int32_t act_min = -128, act_max = 127;
};

class ChannelRequant {
 public:
  ChannelRequant() = default;
  // `q` holds one multiplier (and real multiplier) or one per channel.
  ChannelRequant(const reference::Requant& q, int channels);

  int channels() const { return channels_; }
  // Points into this object: valid while it lives and is not modified.
  RequantView view() const;

 private:
  int channels_ = 0;
  std::vector<int32_t> multiplier_, left_shift_, right_shift_, remainder_mask_;
  std::vector<double> real_multiplier_;
  int32_t output_offset_ = 0;
  reference::ActivationRange act_;
};

// The scalar form of RequantView's formula for one accumulator of channel c (the baseline tier's
// kernels, and tails). Equal to reference::RequantizeAccumulator's int32 value.
int32_t RequantizeOne(int32_t acc, const RequantView& q, int c);

// Padded length of a per-channel array for `channels` channels.
constexpr int PaddedChannels(int channels) {
  return (channels + kChannelPadding - 1) / kChannelPadding * kChannelPadding;
}

}  // namespace qtflite::int8
