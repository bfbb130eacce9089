// The non-convolution integer operators on the fast kernels of the active tier
// (kernels/int8/elementwise_kernels.h): each function computes the operator's output exactly as
// the reference kernel does, or returns false when the fast kernels do not take the case (the
// caller then runs the reference kernel). `k` is the tier table to run on: the operators pass
// int8::ActiveElementwiseKernels(), the tests every tier.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/int8/elementwise_kernels.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/pooling.h"
#include "kernels/reference/quantize.h"
#include "kernels/reference/reduce.h"
#include "runtime/tensor.h"

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
                const RtTensor& a, const RtTensor& b, RtTensor& out);
bool FastMul(const int8::ElementwiseKernels& k, const reference::MulInt8Params& p, const RtTensor& a,
             const RtTensor& b, RtTensor& out);

// QUANTIZE float/int8/uint8 -> int8/uint8 and DEQUANTIZE int8 -> float.
bool FastQuantize(const int8::ElementwiseKernels& k, const reference::RequantizeParams& p, const RtTensor& in,
                  RtTensor& out);
bool FastDequantize(const int8::ElementwiseKernels& k, const RtTensor& in, RtTensor& out);

// MAX_POOL_2D / AVERAGE_POOL_2D on int8 and uint8 NHWC tensors.
bool FastPool(const int8::ElementwiseKernels& k, bool max, const reference::PoolGeometry& g,
              reference::ActivationRange act, const RtTensor& in, RtTensor& out);
// MEAN of an int8/uint8 4-D tensor over axes {1, 2} (global average pooling).
bool FastSpatialMean(const int8::ElementwiseKernels& k, const reference::MeanOrSumInt8Params& p,
                     const std::vector<int>& axes, const RtTensor& in, RtTensor& out);

}  // namespace qtflite::ops
