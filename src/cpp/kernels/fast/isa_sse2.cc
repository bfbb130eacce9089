// The fast float kernels for baseline x86-64 (SSE2), compiled with the project's default flags.
#include "kernels/fast/binary_float_impl.h"
#include "kernels/fast/depthwise_float_impl.h"
#include "kernels/fast/float_gemm_impl.h"
#include "kernels/fast/float_kernels.h"
#include "kernels/fast/minmax_impl.h"
#include "kernels/fast/pool_float_impl.h"

namespace qtflite::fast::sse2 {

using Arch = xsimd::sse2;
static_assert(FloatGemmKernel<Arch>::kNr == kGemmNr, "packing and kernel disagree");

void FloatGemm(const float* a, int m, int lda, int k, int n, const float* panels, const float* bias, float lo,
               float hi, float* out, int ldo) {
  FloatGemmKernel<Arch>::Run(a, m, lda, k, n, panels, bias, lo, hi, out, ldo);
}

void FloatIndirectGemm(const float* const* rows, int m, int taps, int c, int n, const float* panels,
                       const float* bias, float lo, float hi, float* out, int ldo) {
  FloatGemmKernel<Arch>::RunIndirect(rows, m, taps, c, n, panels, bias, lo, hi, out, ldo);
}

void DepthwiseFloat(const DepthwiseFloatParams& p, const float* in, const float* filter, const float* bias,
                    float* out, long* taps) {
  DepthwiseFloatKernel<Arch>::Run(p, in, filter, bias, out, taps);
}

void FloatMinMax(const float* x, long n, float* lo, float* hi) { MinMaxKernel<Arch>::Run(x, n, lo, hi); }

void BinaryFloat(BinaryFloatOp op, const float* a, const float* b, long n, float lo, float hi, float* out) {
  BinaryFloatKernel<Arch>::Run(op, a, b, n, lo, hi, out);
}

bool AveragePoolFloat(const PoolFloatParams& p, const float* in, float* out) {
  return PoolFloatKernel<Arch>::Run<false>(p, in, out);
}

bool MaxPoolFloat(const PoolFloatParams& p, const float* in, float* out) {
  return PoolFloatKernel<Arch>::Run<true>(p, in, out);
}

}  // namespace qtflite::fast::sse2
