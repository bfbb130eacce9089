// Element-wise activations: LOGISTIC, TANH, RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU, HARD_SWISH
// (float32 and int8) and PRELU (broadcast alpha); LOGISTIC, TANH, RELU, RELU6 and LEAKY_RELU
// also for uint8 and int16 (zero points 0).
//
// int8 LOGISTIC/TANH differ between the runtimes: TFLite Micro evaluates them in gemmlowp fixed
// point, LiteRT (BUILTIN and BUILTIN_REF) reads a 256-entry table computed in float. uint8 has
// only the table form (TFLite Micro has no uint8 kernel).
#include <array>
#include <cmath>
#include <exception>

#include "ir/builtin_ops.h"
#include "kernels/ops/common.h"
#include "kernels/ops/ops.h"
#include "kernels/reference/activations.h"
#include "kernels/reference/logistic.h"
#include "kernels/reference/prepare.h"

namespace qtflite {
namespace ops {
namespace {

struct ActState : OpState {
  ref::LogisticTanhInt8Params logistic_tanh;
  bool use_lut = false;  // int8 LOGISTIC/TANH read `lut` (LiteRT); uint8 always does
  ref::Lut8 lut{};
  ref::LogisticTanhInt16Params logistic_tanh_int16;
  ref::ReluInt8Params relu;
  ref::LeakyReluInt8Params leaky;
  ref::HardSwishInt8Params hard_swish;
  ref::PreluInt8Params prelu;
  float alpha = 0.0f;
  // int8/uint8 operators other than PRELU: the output is a function of the input byte alone, so
  // Prepare runs the reference kernel once on all 256 values and the fast path (the default)
  // reads this table, bit-exact by construction.
  bool has_table = false;
  std::array<uint8_t, 256> table{};
};

// The reference kernel of an int8 or uint8 operator other than PRELU on n raw bytes.
void EvalReference8(const ActState& s, int32_t code, DType type, int64_t n, const uint8_t* x, uint8_t* y) {
  if (type == DType::kUInt8) {
    switch (code) {
      case op::kLogistic:
      case op::kTanh: ref::LookupTable8(s.lut, n, x, y); break;
      case op::kRelu:
      case op::kRelu6: ref::ReluUInt8(s.relu, n, x, y); break;
      case op::kLeakyRelu: ref::LeakyReluUInt8(s.leaky, n, x, y); break;
    }
    return;
  }
  const auto* xi = reinterpret_cast<const int8_t*>(x);
  auto* yi = reinterpret_cast<int8_t*>(y);
  switch (code) {
    case op::kLogistic:
      if (s.use_lut) ref::LookupTable8(s.lut, n, xi, yi);
      else ref::LogisticInt8(s.logistic_tanh, n, xi, yi);
      break;
    case op::kTanh:
      if (s.use_lut) ref::LookupTable8(s.lut, n, xi, yi);
      else ref::TanhInt8(s.logistic_tanh, n, xi, yi);
      break;
    case op::kRelu:
    case op::kRelu6:
    case op::kReluN1To1: ref::ReluInt8(s.relu, n, xi, yi); break;
    case op::kLeakyRelu: ref::LeakyReluInt8(s.leaky, n, xi, yi); break;
    case op::kHardSwish: ref::HardSwishInt8(s.hard_swish, n, xi, yi); break;
  }
}

void BuildTable(ActState& s, int32_t code, DType type) {
  std::array<uint8_t, 256> all;
  for (int v = 0; v < 256; ++v) all[v] = static_cast<uint8_t>(v);
  try {
    EvalReference8(s, code, type, 256, all.data(), s.table.data());
    s.has_table = true;
  } catch (const std::exception&) {
    s.has_table = false;  // the reference kernel reports the problem at invoke, as without the table
  }
}

// uint8 and int16: LOGISTIC, TANH, RELU, RELU6, LEAKY_RELU.
void PrepareUInt8OrInt16(OpContext& ctx, ActState& s, const RtTensor& in, const RtTensor& out, int32_t code) {
  const bool is_int16 = in.dtype == DType::kInt16;
  ctx.Check(in.is_quantized() && out.is_quantized(), "quantized tensors must carry quantization parameters");
  const ref::ActivationRange range = is_int16 ? ref::TypeRange<int16_t>() : ref::TypeRange<uint8_t>();
  if (is_int16 && code != op::kLogistic && code != op::kTanh) {
    // LOGISTIC/TANH check this in their Prepare.
    ctx.Check(in.zero_point() == 0 && out.zero_point() == 0, "int16 zero points must be 0");
  }
  switch (code) {
    case op::kLogistic:
      if (is_int16) s.logistic_tanh_int16 = ref::PrepareLogisticInt16(QP(in), QP(out));
      else s.lut = ref::PrepareLogisticLutUInt8(QP(in), QP(out));
      break;
    case op::kTanh:
      if (is_int16) s.logistic_tanh_int16 = ref::PrepareTanhInt16(QP(in), QP(out));
      else s.lut = ref::PrepareTanhLutUInt8(QP(in), QP(out));
      break;
    case op::kRelu: s.relu = ref::PrepareReluInt8(QP(in), QP(out), RefNumerics(ctx), range); break;
    case op::kRelu6: s.relu = ref::PrepareRelu6Int8(QP(in), QP(out), RefNumerics(ctx), range); break;
    case op::kLeakyRelu: s.leaky = ref::PrepareLeakyReluInt8(QP(in), QP(out), s.alpha); break;
    default: ctx.Unsupported("type " + DTypeName(in.dtype) + " is not supported for this operator");
  }
}

void Prepare(OpContext& ctx) {
  RtTensor& in = ctx.input(0);
  RtTensor& out = ctx.output(0);
  ctx.Check(in.dtype == out.dtype, "input and output types differ");
  const int32_t code = ctx.op().builtin_code;
  auto& s = ctx.MakeState<ActState>();
  if (code == op::kLeakyRelu) s.alpha = ctx.options().type ? static_cast<float>(ctx.options().Float("alpha")) : 0.0f;
  if (code == op::kPrelu) {
    ctx.SetOutputShape(0, BroadcastShapes(ctx, in.shape, ctx.input(1).shape));
    RefShape(ctx, out);
    ctx.Check(ctx.input(1).dtype == in.dtype, "alpha must have the input's type");
  } else {
    ctx.SetOutputShape(0, in.shape);
  }
  if (in.dtype == DType::kFloat32) return;
  if (in.dtype == DType::kUInt8 || in.dtype == DType::kInt16) {
    PrepareUInt8OrInt16(ctx, s, in, out, code);
    if (in.dtype == DType::kUInt8) BuildTable(s, code, in.dtype);
    return;
  }
  if (in.dtype != DType::kInt8) ctx.Unsupported("type " + DTypeName(in.dtype) + " is not supported");
  ctx.Check(in.is_quantized() && out.is_quantized(), "int8 tensors must carry quantization parameters");
  const bool litert = ctx.numerics() == Numerics::kLiteRT;
  switch (code) {
    case op::kLogistic:
      if (litert) {
        s.lut = ref::PrepareLogisticLutInt8(QP(in), QP(out));
        s.use_lut = true;
      } else {
        s.logistic_tanh = ref::PrepareLogisticInt8(QP(in), QP(out));
      }
      break;
    case op::kTanh:
      if (litert) {
        s.lut = ref::PrepareTanhLutInt8(QP(in), QP(out));
        s.use_lut = true;
      } else {
        s.logistic_tanh = ref::PrepareTanhInt8(QP(in));
      }
      break;
    case op::kRelu: s.relu = ref::PrepareReluInt8(QP(in), QP(out), RefNumerics(ctx)); break;
    case op::kRelu6: s.relu = ref::PrepareRelu6Int8(QP(in), QP(out), RefNumerics(ctx)); break;
    case op::kReluN1To1: {
      // RELU's requantization with the clamp moved to [-1, 1] in output units.
      s.relu = ref::PrepareReluInt8(QP(in), QP(out), ref::Numerics::kLiteRT);
      s.relu.requantize = true;
      const int32_t zp = out.zero_point();
      s.relu.act.min = std::max(-128, zp + static_cast<int32_t>(std::round(-1.0f / out.scale())));
      s.relu.act.max = std::min(127, zp + static_cast<int32_t>(std::round(1.0f / out.scale())));
      break;
    }
    case op::kLeakyRelu: s.leaky = ref::PrepareLeakyReluInt8(QP(in), QP(out), s.alpha); break;
    case op::kHardSwish: s.hard_swish = ref::PrepareHardSwishInt8(QP(in), QP(out)); break;
    case op::kPrelu: s.prelu = ref::PreluInt8Params(ref::PreparePreluInt8(QP(in), QP(ctx.input(1)), QP(out), RefNumerics(ctx))); break;
    default: ctx.Unsupported("int8 is not supported for this operator");
  }
  if (code != op::kPrelu) BuildTable(s, code, in.dtype);
}

void Eval(OpContext& ctx) {
  auto& s = ctx.state<ActState>();
  RtTensor& in = ctx.input(0);
  RtTensor& out = ctx.output(0);
  const int64_t n = in.num_elements();
  const int32_t code = ctx.op().builtin_code;
  if (in.dtype == DType::kUInt8 || (in.dtype == DType::kInt8 && code != op::kPrelu)) {
    const uint8_t* x = in.as<uint8_t>();
    uint8_t* y = out.as<uint8_t>();
    if (ctx.fast_integer() && s.has_table) {
      for (int64_t i = 0; i < n; ++i) y[i] = s.table[x[i]];
    } else {
      EvalReference8(s, code, in.dtype, n, x, y);
    }
    return;
  }
  if (in.dtype == DType::kInt16) {
    const int16_t* x = in.as<int16_t>();
    int16_t* y = out.as<int16_t>();
    switch (code) {
      case op::kLogistic: ref::LogisticInt16(s.logistic_tanh_int16, n, x, y); break;
      case op::kTanh: ref::TanhInt16(s.logistic_tanh_int16, n, x, y); break;
      case op::kRelu:
      case op::kRelu6: ref::ReluInt16(s.relu, n, x, y); break;
      case op::kLeakyRelu: ref::LeakyReluInt16(s.leaky, n, x, y); break;
    }
    return;
  }
  if (in.dtype == DType::kInt8) {  // PRELU
    ref::PreluInt8(s.prelu, RefShape(ctx, in), in.as<int8_t>(), RefShape(ctx, ctx.input(1)), ctx.input(1).as<int8_t>(),
                   RefShape(ctx, out), out.as<int8_t>());
    return;
  }
  const float* x = in.as<float>();
  float* y = out.as<float>();
  switch (code) {
    case op::kLogistic: ref::LogisticFloat(n, x, y); break;
    case op::kTanh: ref::TanhFloat(n, x, y); break;
    case op::kRelu: ref::ReluFloat(n, x, y); break;
    case op::kRelu6: ref::Relu6Float(n, x, y); break;
    case op::kReluN1To1: ref::ReluN1To1Float(n, x, y); break;
    case op::kLeakyRelu: ref::LeakyReluFloat(s.alpha, n, x, y); break;
    case op::kHardSwish: ref::HardSwishFloat(n, x, y); break;
    case op::kPrelu:
      ref::PreluFloat(RefShape(ctx, in), x, RefShape(ctx, ctx.input(1)), ctx.input(1).as<float>(), RefShape(ctx, out), y);
      break;
  }
}

}  // namespace

const OpKernel* Activation() {
  static const OpKernel k{Prepare, Eval};
  return &k;
}

}  // namespace ops
}  // namespace qtflite
