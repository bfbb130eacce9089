// SOFTMAX over the last dimension: float32; int8 and uint8 by the fixed-point reference path
// (output scale 1/256, zero point -128 or 0); int16 by the LUT path (zero points 0, output
// scale 1/32768).
#include <algorithm>
#include <array>
#include <limits>

#include "kernels/ops/common.h"
#include "kernels/ops/ops.h"
#include "kernels/reference/prepare.h"
#include "kernels/reference/softmax.h"
#include "quant/fixed_point.h"

namespace qtflite {
namespace ops {
namespace {

struct SoftmaxState : OpState {
  float beta = 1.0f;
  ref::SoftmaxInt8Params int8;  // int8 and uint8
  ref::SoftmaxInt16Params int16;
  // int8/uint8 on the fast path: exp(β·s_in·d) in Q0.31 and its Q12.19 rescaling for every row
  // difference d = x − max = −k (k < 256), computed once here by the reference's arithmetic;
  // `live[k]` says d >= diff_min (else the element contributes 0 and outputs the minimum).
  std::array<int32_t, 256> exp{}, exp_q12{};
  std::array<bool, 256> live{};
};

constexpr int kScaledDiffIntegerBits = 5;
constexpr int kAccumulationIntegerBits = 12;

void BuildExpTables(SoftmaxState& s) {
  for (int k = 0; k < 256; ++k) {
    const int32_t diff = -k;
    s.live[k] = diff >= s.int8.diff_min;
    if (!s.live[k]) continue;
    const int32_t scaled = fp::MultiplyByQuantizedMultiplierGreaterThanOne(diff, s.int8.input_multiplier,
                                                                            s.int8.input_left_shift);
    s.exp[k] = fp::ExpOnNegativeValues<kScaledDiffIntegerBits>(scaled);
    s.exp_q12[k] = fp::Rescale<kAccumulationIntegerBits, 0>(s.exp[k]);
  }
}

// reference::SoftmaxInt8/UInt8 with the exponentials read from the tables.
template <typename T>
void SoftmaxFast(const SoftmaxState& s, const RtTensor& in, RtTensor& out) {
  constexpr int32_t kMin = std::numeric_limits<T>::min();
  constexpr int32_t kMax = std::numeric_limits<T>::max();
  const int depth = in.shape.back();
  const int64_t rows = depth == 0 ? 0 : in.num_elements() / depth;
  for (int64_t r = 0; r < rows; ++r) {
    const T* x = in.as<T>() + r * depth;
    T* y = out.as<T>() + r * depth;
    int32_t max = kMin;
    for (int c = 0; c < depth; ++c) max = std::max<int32_t>(max, x[c]);
    int64_t sum = 0;
    for (int c = 0; c < depth; ++c) {
      const int k = max - x[c];
      if (s.live[k]) sum += s.exp_q12[k];
    }
    if (sum >= (int64_t{1} << 28)) {
      std::fill(y, y + depth, static_cast<T>(kMin));
      continue;
    }
    int bits = 0;
    const int32_t reciprocal = fp::GetReciprocal(static_cast<int32_t>(sum), kAccumulationIntegerBits, &bits);
    const int exponent = bits + 31 - 8;
    for (int c = 0; c < depth; ++c) {
      const int k = max - x[c];
      int32_t value = kMin;
      if (s.live[k]) {
        value = fp::RoundingDivideByPOT(fp::SaturatingRoundingDoublingHighMul(reciprocal, s.exp[k]), exponent) + kMin;
      }
      y[c] = static_cast<T>(value < kMin ? kMin : (value > kMax ? kMax : value));
    }
  }
}

void Prepare(OpContext& ctx) {
  RtTensor& in = ctx.input(0);
  RtTensor& out = ctx.output(0);
  ctx.Check(in.rank() >= 1, "input must have at least one dimension");
  auto& s = ctx.MakeState<SoftmaxState>();
  s.beta = ctx.options().type ? static_cast<float>(ctx.options().Float("beta")) : 1.0f;
  ctx.Check(in.dtype == out.dtype, "input and output types differ");
  if (in.dtype != DType::kFloat32) {
    ctx.Check(in.is_quantized() && out.is_quantized(), "quantized tensors must carry quantization parameters");
  }
  if (in.dtype == DType::kInt8) {
    s.int8 = ref::PrepareSoftmaxInt8(QP(in), QP(out), s.beta, RefNumerics(ctx));
  } else if (in.dtype == DType::kUInt8) {
    s.int8 = ref::PrepareSoftmaxUInt8(QP(in), QP(out), s.beta, RefNumerics(ctx));
  } else if (in.dtype == DType::kInt16) {
    s.int16 = ref::PrepareSoftmaxInt16(QP(in), QP(out), s.beta, RefNumerics(ctx));
  } else if (in.dtype != DType::kFloat32) {
    ctx.Unsupported("type " + DTypeName(in.dtype) + " is not supported");
  }
  if (in.dtype == DType::kInt8 || in.dtype == DType::kUInt8) BuildExpTables(s);
  RefShape(ctx, in);
  ctx.SetOutputShape(0, in.shape);
}

void Eval(OpContext& ctx) {
  auto& s = ctx.state<SoftmaxState>();
  RtTensor& in = ctx.input(0);
  RtTensor& out = ctx.output(0);
  if (ctx.fast_integer() && in.dtype == DType::kInt8) return SoftmaxFast<int8_t>(s, in, out);
  if (ctx.fast_integer() && in.dtype == DType::kUInt8) return SoftmaxFast<uint8_t>(s, in, out);
  switch (in.dtype) {
    case DType::kInt8: ref::SoftmaxInt8(s.int8, RefShape(ctx, in), in.as<int8_t>(), out.as<int8_t>()); break;
    case DType::kUInt8: ref::SoftmaxUInt8(s.int8, RefShape(ctx, in), in.as<uint8_t>(), out.as<uint8_t>()); break;
    case DType::kInt16: ref::SoftmaxInt16(s.int16, RefShape(ctx, in), in.as<int16_t>(), out.as<int16_t>()); break;
    default: ref::SoftmaxFloat(s.beta, RefShape(ctx, in), in.as<float>(), out.as<float>()); break;
  }
}

}  // namespace

const OpKernel* Softmax() {
  static const OpKernel k{Prepare, Eval};
  return &k;
}

}  // namespace ops
}  // namespace qtflite
