// The 16x8 GEMM microkernels of one instruction-set tier (CONV_2D and FULLY_CONNECTED with int16
// activations and int8 weights), as plain data in and out (kernels/cpu/simd.h): a microkernel
// computes the raw int32 sums of an MR × NR tile over one range of k, from MR activation rows it
// reaches through pointers and one packed panel of NR output channels. kernels/int8/gemm16.h
// packs the weights, keeps every range's sums within int32, widens them to int64 where the
// reference accumulates in int64, adds the bias and requantizes.
//
// Arithmetic: sum[i][c] = Σ_k w'[c][k] · x[i][k] with w' = w + weights_offset as int16 and x the
// int16 activations; products are paired by vpmaddwd (or vpdpwssd), which is exact as long as
// every partial sum fits int32 (the driver chooses the k ranges so that it does, or wraps as the
// reference's own int32 accumulator).
#pragma once

#include <cstdint>

namespace qtflite::int8 {

struct Gemm16Args {
  // MR row pointers (rows past the valid ones repeat a valid row); each reaches k0 + k elements.
  const int16_t* const* a = nullptr;
  int k0 = 0;  // first k of the range (even)
  int k = 0;   // elements in the range (the last pair may be a single element)
  // The panel at k0: pairs of k as int16 (w'[c][2p], w'[c][2p + 1]) for each of the NR columns,
  // pair after pair; the second weight of a lone last element is zero.
  const int16_t* w = nullptr;
  int32_t* sums = nullptr;  // MR × NR int32, row-major (all of it is written)
};

using Gemm16Fn = void (*)(const Gemm16Args& args);

// The int64 requantization of 16x8 accumulators to int16 (the reference's int64
// MultiplyByQuantizedMultiplier, with its multiplier already rounded to 16 bits):
//   out = clamp((int32)((acc · multiplier + round) >> shift) + output_offset, act_min, act_max)
// with acc = sum + bias (int64). Arrays per channel, from the first channel handed over, readable
// in whole groups of 8 channels.
struct Requant16View {
  const int64_t* bias = nullptr;
  const int64_t* multiplier = nullptr;  // 0..32767
  const int64_t* round = nullptr;       // 2^(shift − 1)
  const int64_t* shift = nullptr;       // 1..62
  const int64_t* offset = nullptr;      // 2^63 >> shift (a logical shift of acc + 2^63, less this, is >> shift)
  int32_t output_offset = 0, act_min = -32768, act_max = 32767;
};

// out[j], j < n, of sums32[j] (or sums64[j] when sums32 is null) + bias[j].
using Requant16Fn = void (*)(const int32_t* sums32, const int64_t* sums64, int n, const Requant16View& q,
                             int16_t* out);

struct Gemm16Microkernel {
  Gemm16Fn fn = nullptr;   // null: the tier has none
  int mr = 0, nr = 0;
  Gemm16Fn fn1 = nullptr;  // the same for one-row tiles (batch-1 FULLY_CONNECTED)
  Requant16Fn requant = nullptr;
};

}  // namespace qtflite::int8
