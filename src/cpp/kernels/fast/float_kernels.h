// Fast float32 kernels behind run-time ISA dispatch: a packed-weight GEMM (FULLY_CONNECTED,
// 1×1 convolutions) and its indirect form (every other convolution, through pointers to its
// taps), a depthwise convolution, same-shape ADD/SUB/MUL and AVERAGE_POOL_2D. GEMM and
// convolutions equal the reference kernels up to float rounding (another summation order, FMA);
// the elementwise and pooling kernels equal them bit for bit. Float calibration and float
// inference use them, quantized arithmetic never does.
#pragma once

#include <vector>

#include "kernels/cpu/isa.h"
#include "runtime/thread_pool.h"

namespace qtflite::fast {

using cpu::Isa;
using cpu::ActiveIsa;

// Every tier above kSse2 has AVX2+FMA, which is as far as the float kernels go.
inline bool UseAvx2Float(Isa isa) { return isa != Isa::kSse2; }

// Weights w[n][k] (one row per output) packed for one tier's GEMM tile: ceil(n / nr) panels of
// k × nr floats, output-fastest, zero past n; the bias padded the same way (zeros if none).
struct PackedFloatWeights {
  Isa isa = Isa::kSse2;
  int n = 0, k = 0, nr = 0;
  std::vector<float> panels;
  std::vector<float> bias;
};

PackedFloatWeights PackFloatWeights(const float* w, int n, int k, const float* bias, Isa isa = ActiveIsa());

// out[i][j] = clamp(bias[j] + Σ_k a[i·lda + k] · w[j][k], lo, hi) for i < m, j < w.n; rows of
// out are ldo floats apart. With a pool, rows are split over its threads (a row's result does
// not depend on the block it falls in, so neither on the thread count).
void FloatGemm(const float* a, int m, int lda, const PackedFloatWeights& w, float lo, float hi, float* out, int ldo,
               ThreadPool* pool = nullptr);

// FloatGemm with row i of A gathered from rows[i·taps .. i·taps + taps), pointers to w.k / taps
// floats each (a convolution's taps: pixels of the input, or a zero row for padding).
void FloatIndirectGemm(const float* const* rows, int m, int taps, const PackedFloatWeights& w, float lo, float hi,
                       float* out, int ldo);

struct DepthwiseFloatParams {
  int batches = 1, in_h = 1, in_w = 1, channels = 1;
  int out_h = 1, out_w = 1, kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, pad_h = 0, pad_w = 0;
  float lo = 0, hi = 0;
};

// Depthwise convolution with depth multiplier 1: in NHWC, filter [kh, kw, channels], bias
// [channels] (required: pass zeros for none), out NHWC. With a pool, images of the batch are
// split over its threads.
void DepthwiseFloat(const DepthwiseFloatParams& p, const float* in, const float* filter, const float* bias,
                    float* out, Isa isa = ActiveIsa(), ThreadPool* pool = nullptr);

struct PoolFloatParams {
  int batches = 1, in_h = 1, in_w = 1, channels = 1, out_h = 1, out_w = 1;
  int filter_h = 1, filter_w = 1, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  float lo = 0, hi = 0;
};

// AVERAGE_POOL_2D / MAX_POOL_2D over NHWC as the reference computes them (bit for bit); false,
// with the output partly written, if a window lies entirely in the padding (the reference then
// reports it).
bool AveragePoolFloat(const PoolFloatParams& p, const float* in, float* out, Isa isa = ActiveIsa());
bool MaxPoolFloat(const PoolFloatParams& p, const float* in, float* out, Isa isa = ActiveIsa());

enum class BinaryFloatOp { kAdd, kSub, kMul };

// out[i] = clamp(a[i] op b[i], lo, hi) for i < n, as the reference computes it (bit for bit).
void BinaryFloat(BinaryFloatOp op, const float* a, const float* b, long n, float lo, float hi, float* out,
                 Isa isa = ActiveIsa());

// Widens [*lo, *hi] to cover x[0..n), skipping NaN (calibration's range of a tensor).
void FloatMinMax(const float* x, long n, float* lo, float* hi, Isa isa = ActiveIsa());

// The per-ISA entry points (isa_sse2.cc, isa_avx2.cc).
namespace sse2 {
constexpr int kGemmNr = 8;
void FloatGemm(const float* a, int m, int lda, int k, int n, const float* panels, const float* bias, float lo,
               float hi, float* out, int ldo);
void FloatIndirectGemm(const float* const* rows, int m, int taps, int c, int n, const float* panels,
                       const float* bias, float lo, float hi, float* out, int ldo);
void DepthwiseFloat(const DepthwiseFloatParams& p, const float* in, const float* filter, const float* bias,
                    float* out, long* taps);
void FloatMinMax(const float* x, long n, float* lo, float* hi);
void BinaryFloat(BinaryFloatOp op, const float* a, const float* b, long n, float lo, float hi, float* out);
bool AveragePoolFloat(const PoolFloatParams& p, const float* in, float* out);
bool MaxPoolFloat(const PoolFloatParams& p, const float* in, float* out);
}  // namespace sse2
namespace avx2 {
constexpr int kGemmNr = 16;
void FloatGemm(const float* a, int m, int lda, int k, int n, const float* panels, const float* bias, float lo,
               float hi, float* out, int ldo);
void FloatIndirectGemm(const float* const* rows, int m, int taps, int c, int n, const float* panels,
                       const float* bias, float lo, float hi, float* out, int ldo);
void DepthwiseFloat(const DepthwiseFloatParams& p, const float* in, const float* filter, const float* bias,
                    float* out, long* taps);
void FloatMinMax(const float* x, long n, float* lo, float* hi);
void BinaryFloat(BinaryFloatOp op, const float* a, const float* b, long n, float lo, float hi, float* out);
bool AveragePoolFloat(const PoolFloatParams& p, const float* in, float* out);
bool MaxPoolFloat(const PoolFloatParams& p, const float* in, float* out);
}  // namespace avx2

}  // namespace qtflite::fast
