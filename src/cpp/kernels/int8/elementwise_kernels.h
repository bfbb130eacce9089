// The fast integer kernels of the operators other than the convolutions (ADD, SUB, MUL,
// QUANTIZE, DEQUANTIZE, MAX_POOL_2D, AVERAGE_POOL_2D, MEAN), one table of function pointers per
// instruction-set tier, kept apart from int8_kernels.h (the GEMM and depthwise tables). Each
// tier's table is defined in elementwise_<tier>.cc, compiled with that tier's flags, from the
// same algorithms (elementwise_impl.h) over that tier's vector type (elementwise_vec_*.h). Every
// entry computes exactly what the reference kernels (kernels/reference) compute.
#pragma once

#include <cstdint>

#include "kernels/cpu/isa.h"

namespace qtflite::int8 {

enum class ElemType : int { kInt8, kUInt8 };

// ADD / SUB of int8 or uint8 (reference::AddSubInt8Params, plain data): with x' = x + offset,
//   a = RDBPOT(SRDHM(x1' << left_shift, m1), -s1), b likewise (s1, s2 <= 0),
//   out = clamp(MBQM(a ± b, mo, so) + output_offset, act_min, act_max).
struct AddSubParams {
  int32_t input1_offset = 0, input2_offset = 0, output_offset = 0;
  int32_t left_shift = 20;
  int32_t input1_multiplier = 0, input2_multiplier = 0, output_multiplier = 0;
  int32_t input1_shift = 0, input2_shift = 0, output_shift = 0;  // TFLite's: < 0 shifts right
  int32_t act_min = -128, act_max = 127;
  bool subtract = false;
};

// MUL: out = clamp(MBQM((x1 + o1)·(x2 + o2), m, s) + output_offset, act_min, act_max).
struct MulParams {
  int32_t input1_offset = 0, input2_offset = 0, output_offset = 0;
  int32_t multiplier = 0, shift = 0;
  int32_t act_min = -128, act_max = 127;
};

// QUANTIZE between int8 and uint8: out = clamp(MBQM(x − zp_in, m, s) + zp_out) to the output type.
struct RequantizeParams {
  int32_t input_zero_point = 0, output_zero_point = 0;
  int32_t multiplier = 0, shift = 0;
};

// MAX_POOL_2D over an NHWC tensor: windows clipped to the image (none empty). `scratch` holds
// 2 · in_w · channels bytes for the kernel's use.
struct PoolArgs {
  int batch = 1, in_h = 1, in_w = 1, channels = 1, out_h = 1, out_w = 1;
  int filter_h = 1, filter_w = 1, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  int32_t act_min = -128, act_max = 127;
  uint8_t* scratch = nullptr;
};

struct ElementwiseKernels {
  cpu::Isa isa = cpu::Isa::kSse2;
  const char* name = "";

  // out[i] = op(a[i·a_step], b[i·b_step]) for i < n, each step 0 (one value broadcast) or 1;
  // a, b and out are all of `type`.
  void (*add_sub)(const AddSubParams& p, ElemType type, const void* a, int a_step, const void* b, int b_step,
                  int64_t n, void* out) = nullptr;
  void (*mul)(const MulParams& p, ElemType type, const void* a, int a_step, const void* b, int b_step, int64_t n,
              void* out) = nullptr;
  void (*requantize)(const RequantizeParams& p, ElemType in_type, const void* in, int64_t n, ElemType out_type,
                     void* out) = nullptr;
  // QUANTIZE float -> int8/uint8: clamp((int)round_half_away(x / scale) + zp) (a float division).
  void (*quantize_float)(float scale, int32_t zero_point, const float* in, int64_t n, ElemType out_type,
                         void* out) = nullptr;
  // DEQUANTIZE int8 -> float: (float)((double)scale · (q − zp)).
  void (*dequantize_int8)(double scale, int32_t zero_point, const int8_t* in, int64_t n, float* out) = nullptr;

  // MAX_POOL_2D: each output the clamped maximum of its window's raw values, on bytes.
  void (*max_pool)(const PoolArgs& a, ElemType type, const void* in, void* out) = nullptr;
  // Pooling over `num_taps` rows of `channels` values (taps[t] points at one pixel's channels):
  // sums[c] = Σ_t taps[t][c] (int32, wrapping as TFLite's int32 sums).
  void (*sum_taps)(const void* const* taps, int num_taps, int channels, ElemType type, int32_t* sums) = nullptr;
  // AVERAGE_POOL's rounding: out[c] = clamp((s > 0 ? s + count/2 : s − count/2) / count) (truncating).
  void (*average)(const int32_t* sums, int channels, int32_t count, int32_t act_min, int32_t act_max, ElemType type,
                  void* out) = nullptr;
};

// The table of `isa`'s kernels (the VNNI tiers share their base tier's); throws
// std::invalid_argument if this build has none.
const ElementwiseKernels& ElementwiseKernelsFor(cpu::Isa isa);
// The active tier's (cpu::ActiveIsa()).
const ElementwiseKernels& ActiveElementwiseKernels();

// One function per tier (elementwise_<tier>.cc); the tests also link avx512bw_emulated.
namespace sse2 { const ElementwiseKernels& Elementwise(); }
namespace avx2 { const ElementwiseKernels& Elementwise(); }
namespace avx512bw { const ElementwiseKernels& Elementwise(); }

}  // namespace qtflite::int8
