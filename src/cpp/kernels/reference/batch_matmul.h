// BATCH_MATMUL reference kernels: out[..., a, c] = Σ_k L[..., a, k] · R[..., k, c], where
// L = adj_x ? lhsᵀ : lhs and R = adj_y ? rhsᵀ : rhs (transposes of the last two dimensions).
// Operands have rank 2..5; their leading (batch) dimensions broadcast NumPy-style (a 1
// stretches), as TFLite's reference_ops::BatchMatMul does after extending both to 5-D.
//
// Float: each output is a float32 sum over k in increasing order starting from 0.0f.
// Quantized (TFLite's reference_ops::BatchMatMul<T, AccumT>, shared by TFLite and TFLite Micro):
//   acc:AccumT = Σ_k (R + rhs_offset)·(L + lhs_offset), offsets = −zero_point;
//   out = clamp(MBQM(acc, m, shift) + zp_out, type range) — the int32 MBQM for int8 (int32
//   accumulator), the int64 (16-bit multiplier) MBQM for int16 (int64 accumulator).
#pragma once

#include <cstdint>

#include "kernels/reference/common.h"
#include "kernels/reference/shape.h"

namespace qtflite::reference {

constexpr int kBatchMatMulMaxRank = 5;

// Output shape: broadcast batch dims (rank = max of the two ranks) + [rows of L, cols of R].
// Throws std::invalid_argument for ranks outside 2..5, batch dims that do not broadcast, or
// mismatched contraction dims.
Shape BatchMatMulOutputShape(const Shape& lhs, const Shape& rhs, bool adj_x, bool adj_y);

struct BatchMatMulQuantParams {
  int32_t lhs_offset = 0;  // −zp_lhs (TFLite's input_offset)
  int32_t rhs_offset = 0;  // −zp_rhs (TFLite's weights_offset)
  int32_t output_offset = 0;
  int32_t multiplier = 0;
  int shift = 0;
  ActivationRange act;  // the output type's range (BATCH_MATMUL has no fused activation)
};

// M = s_lhs·s_rhs / s_out, then QuantizeMultiplier (M may exceed 1): LiteRT takes the product in
// float32 and widens it (its GetQuantizedConvolutionMultipler), TFLite Micro takes it in double
// (measured against tflite-micro). `range` = the output type's range.
BatchMatMulQuantParams PrepareBatchMatMulQuant(QParams lhs, QParams rhs, QParams out, ActivationRange range,
                                               Numerics numerics);

void BatchMatMulFloat(const Shape& lhs_shape, const float* lhs, const Shape& rhs_shape, const float* rhs, bool adj_x,
                      bool adj_y, float* out);

// T = int8_t (Acc = int32_t) or int16_t (Acc = int64_t), explicitly instantiated.
template <typename T, typename Acc>
void BatchMatMulQuantized(const BatchMatMulQuantParams& q, const Shape& lhs_shape, const T* lhs,
                          const Shape& rhs_shape, const T* rhs, bool adj_x, bool adj_y, T* out);

}  // namespace qtflite::reference
