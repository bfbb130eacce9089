// The DEPTHWISE_CONV_2D microkernels of one instruction-set tier, as plain data in and out (the
// rules of kernels/cpu/simd.h): a tier computes one output row from the input rows it is handed.
// kernels/int8/depthwise.h packs the weights for a microkernel and drives it row by row.
//
// Arithmetic (bit-exact with reference::DepthwiseConv*): out-of-image taps read a row of the
// input zero point, which contributes exactly what the reference's skipped taps do (nothing,
// once the zero point's share is folded into the bias), so every output pixel sums all
// kernel_h·kernel_w taps:
//   acc[c] = packed_bias[c] + Σ_t w'[c][t] · x[t][c]      (int32, wrapping as TFLite's int32 sum)
// where w' = w + weights_offset and packed_bias = bias − zp_in·Σ_t w' (pairs), or, for the
// VNNI quads that read x + 128 as unsigned bytes, bias − (zp_in + 128)·Σ_t w'.
#pragma once

#include <cstdint>

#include "kernels/int8/requant.h"

namespace qtflite::int8 {

enum class DepthwiseInput : int { kInt8, kUInt8, kInt16 };

// What a row kernel writes per output pixel: requantized int8 or uint8 values (channels in
// order), or the raw int32 sums without bias in the microkernel's packed channel order (whole
// groups; the int16 path adds its int64 bias and requantizes outside the tier code).
enum class DepthwiseOutput : int { kInt8, kUInt8, kAcc32 };

// A cheaper exact form of the fixed-point requantization for nodes where Pack proved every
// channel's shift <= 0 and every accumulator within ±2^29: then SRDHM's result t stays within
// ±2^29 and RDBPOT(t, r) = (t + 2^(r−1) − (t < 0)) >> r (r > 0) cannot overflow. Arrays in packed
// channel order; `multiplier` has 8 entries of padding, so that the odd lanes of 8 load theirs
// from position + 1.
struct DepthwiseBoundedRequant {
  const int32_t* multiplier = nullptr;
  const int32_t* rounding = nullptr;     // 2^(r−1), 0 where r = 0
  const int32_t* round_down = nullptr;   // -1 where r > 0 (negative t rounds its ties down), else 0
  const int32_t* right_shift = nullptr;  // r
  int32_t output_offset = 0, act_min = -128, act_max = 127;
};

struct DepthwiseRowArgs {
  DepthwiseInput input = DepthwiseInput::kInt8;
  DepthwiseOutput output = DepthwiseOutput::kInt8;
  // kernel_h input rows of in_w pixels × channels elements (int8, uint8 or int16); null where the
  // row is outside the image.
  const void* const* rows = nullptr;
  // `channels` elements (rounded up to whole groups) of the input zero point: out-of-image taps.
  const void* zero_row = nullptr;
  int in_w = 0, channels = 0, out_w = 0;
  int kernel_h = 0, kernel_w = 0, stride_w = 1, dilation_w = 1, pad_w = 0;
  // Packed by PackDepthwiseWeights for this microkernel: groups × slots × group × slot elements
  // (int16 for pairs, int8 for quads) and groups × group int32 biases, in packed channel order.
  const void* weights = nullptr;
  const int32_t* bias = nullptr;
  // Requantization parameters in packed channel order (kOutput kInt8 / kUInt8), and the cheaper
  // bounded form when it applies (null otherwise; tiers may ignore it).
  RequantView q;
  const DepthwiseBoundedRequant* bounded = nullptr;
  // out_w pixels of `channels` values (kInt8, kUInt8), or of groups × group int32 (kAcc32).
  void* out = nullptr;
  // Scratch for kernel_h·kernel_w tap pointers, rounded up to a whole slot.
  const void** taps = nullptr;
};

using DepthwiseRowFn = void (*)(const DepthwiseRowArgs& args);

// One tier's depthwise microkernel. Pairs (slot 2): int16 weights, two taps per int32 lane
// (vpmaddwd), int8/uint8/int16 inputs. Quads (slot 4): int8 weights, four taps per int32 lane
// (vpdpbusd on the input + 128), int8 inputs with symmetric weights only.
//
// Packed channel order within a group of `group` channels: channel order when `in_order` (the
// taps' bytes are interleaved before widening), else vector j (0 <= j < slot) of the group's
// accumulators holds, in its 128-bit lane l, channels 4·slot·l + 4·j + p for p = 0..3 — the order
// in which unpacking `slot` taps' inputs in 128-bit lanes leaves them: position
// j·(group/slot) + 4·l + p.
struct DepthwiseMicrokernel {
  DepthwiseRowFn row = nullptr;  // null: the tier has no such microkernel
  int group = 0;                 // channels per group
  int slot = 0;                  // taps per int32 lane: 2 or 4
  bool in_order = false;
};

// The channel (0 <= channel < group) at `position` of a group in the packed order above.
constexpr int DepthwisePackedChannel(const DepthwiseMicrokernel& k, int position) {
  if (k.in_order) return position;
  const int per_vector = k.group / k.slot;
  const int j = position / per_vector, l = (position % per_vector) / 4, p = position % 4;
  return 4 * k.slot * l + 4 * j + p;
}

}  // namespace qtflite::int8
