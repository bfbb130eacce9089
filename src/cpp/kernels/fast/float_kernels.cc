#include "kernels/fast/float_kernels.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace qtflite::fast {

PackedFloatWeights PackFloatWeights(const float* w, int n, int k, const float* bias, Isa isa) {
  if (n <= 0 || k <= 0) throw std::invalid_argument("PackFloatWeights: empty weights");
  PackedFloatWeights p;
  p.isa = isa;
  p.n = n;
  p.k = k;
  p.nr = UseAvx2Float(isa) ? avx2::kGemmNr : sse2::kGemmNr;
  const int panels = (n + p.nr - 1) / p.nr;
  p.panels.assign(static_cast<size_t>(panels) * k * p.nr, 0.0f);
  p.bias.assign(static_cast<size_t>(panels) * p.nr, 0.0f);
  for (int j = 0; j < n; ++j) {
    float* dst = p.panels.data() + static_cast<size_t>(j / p.nr) * k * p.nr + j % p.nr;
    const float* src = w + static_cast<size_t>(j) * k;
    for (int kk = 0; kk < k; ++kk) dst[static_cast<size_t>(kk) * p.nr] = src[kk];
    if (bias) p.bias[j] = bias[j];
  }
  return p;
}

void FloatGemm(const float* a, int m, int lda, const PackedFloatWeights& w, float lo, float hi, float* out,
               int ldo, ThreadPool* pool) {
  if (m <= 0) return;
  if (pool && pool->size() > 1 && m > 2) {
    pool->ParallelFor(m, [&](int64_t r0, int64_t r1, int) {
      FloatGemm(a + r0 * lda, static_cast<int>(r1 - r0), lda, w, lo, hi, out + r0 * ldo, ldo);
    });
    return;
  }
  if (UseAvx2Float(w.isa)) {
    avx2::FloatGemm(a, m, lda, w.k, w.n, w.panels.data(), w.bias.data(), lo, hi, out, ldo);
  } else {
    sse2::FloatGemm(a, m, lda, w.k, w.n, w.panels.data(), w.bias.data(), lo, hi, out, ldo);
  }
}

void FloatIndirectGemm(const float* const* rows, int m, int taps, const PackedFloatWeights& w, float lo, float hi,
                       float* out, int ldo) {
  if (m <= 0) return;
  if (taps <= 0 || w.k % taps != 0) throw std::invalid_argument("FloatIndirectGemm: k is not a multiple of taps");
  const int c = w.k / taps;
  if (UseAvx2Float(w.isa)) {
    avx2::FloatIndirectGemm(rows, m, taps, c, w.n, w.panels.data(), w.bias.data(), lo, hi, out, ldo);
  } else {
    sse2::FloatIndirectGemm(rows, m, taps, c, w.n, w.panels.data(), w.bias.data(), lo, hi, out, ldo);
  }
}

void DepthwiseFloat(const DepthwiseFloatParams& p, const float* in, const float* filter, const float* bias,
                    float* out, Isa isa, ThreadPool* pool) {
  if (pool && pool->size() > 1 && p.batches > 1) {
    const int64_t image_in = static_cast<int64_t>(p.in_h) * p.in_w * p.channels;
    const int64_t image_out = static_cast<int64_t>(p.out_h) * p.out_w * p.channels;
    pool->ParallelFor(p.batches, [&](int64_t b0, int64_t b1, int) {
      DepthwiseFloatParams part = p;
      part.batches = static_cast<int>(b1 - b0);
      DepthwiseFloat(part, in + b0 * image_in, filter, bias, out + b0 * image_out, isa);
    });
    return;
  }
  thread_local std::vector<long> taps;  // no allocation per invoke once grown
  if (taps.size() < 2 * static_cast<size_t>(p.kernel_h) * p.kernel_w) taps.resize(2 * static_cast<size_t>(p.kernel_h) * p.kernel_w);
  if (UseAvx2Float(isa)) {
    avx2::DepthwiseFloat(p, in, filter, bias, out, taps.data());
  } else {
    sse2::DepthwiseFloat(p, in, filter, bias, out, taps.data());
  }
}

void BinaryFloat(BinaryFloatOp op, const float* a, const float* b, long n, float lo, float hi, float* out, Isa isa) {
  if (UseAvx2Float(isa)) {
    avx2::BinaryFloat(op, a, b, n, lo, hi, out);
  } else {
    sse2::BinaryFloat(op, a, b, n, lo, hi, out);
  }
}

bool AveragePoolFloat(const PoolFloatParams& p, const float* in, float* out, Isa isa) {
  return UseAvx2Float(isa) ? avx2::AveragePoolFloat(p, in, out) : sse2::AveragePoolFloat(p, in, out);
}

bool MaxPoolFloat(const PoolFloatParams& p, const float* in, float* out, Isa isa) {
  return UseAvx2Float(isa) ? avx2::MaxPoolFloat(p, in, out) : sse2::MaxPoolFloat(p, in, out);
}

void FloatMinMax(const float* x, long n, float* lo, float* hi, Isa isa) {
  if (UseAvx2Float(isa)) {
    avx2::FloatMinMax(x, n, lo, hi);
  } else {
    sse2::FloatMinMax(x, n, lo, hi);
  }
}

}  // namespace qtflite::fast
