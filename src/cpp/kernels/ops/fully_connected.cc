// FULLY_CONNECTED: out[b, n] = act(sum_k in[b, k] * w[n, k] + bias[n]), float32 or int8.
// Float runs on the fast GEMM when the interpreter allows it (ctx.fast_float()), int8, uint8 and
// int16 (16x8) on the fast integer GEMMs (ctx.fast_integer()).
// Output shape: [batches, N], or the input's leading dims + [N] with keep_num_dims.
// Quantized: int8, uint8 (TF1, per-tensor asymmetric weights) and int16 activations with int8
// weights (16x8, int32 or int64 bias). They follow the selected numerics: TFLite Micro's
// fixed-point requantization, or LiteRT's reference kernel, which requantizes in double
// (tflite-facts.md §C.0b).
#include "kernels/ops/common.h"
#include "kernels/ops/float_weight_cache.h"
#include "kernels/ops/gemm16_fast.h"
#include "kernels/ops/gemm_fast.h"
#include "kernels/ops/ops.h"
#include "kernels/reference/fully_connected.h"
#include "kernels/reference/hybrid.h"
#include "kernels/reference/prepare.h"

namespace qtflite {
namespace ops {
namespace {

enum class Arithmetic { kFloat, kInt8, kUInt8, kInt16, kHybrid };

struct FcState : OpState {
  int batches = 0, in_depth = 0, out_depth = 0;
  ref::FloatRange float_act;
  ref::Requant requant;
  Arithmetic arithmetic = Arithmetic::kFloat;
  bool asymmetric_inputs = false;
  FloatWeightCache float_weights;  // float on the fast kernels
  GemmIntegerFast gemm_integer;    // int8 / uint8 on the fast kernels
  Gemm16Fast gemm16;               // int16 (16x8) on the fast kernels
};

// The node as the fast integer GEMM sees it; false for float, hybrid and int16.
bool FastGemmSpec(const FcState& s, int8::GemmSpec* spec) {
  if (s.arithmetic != Arithmetic::kInt8 && s.arithmetic != Arithmetic::kUInt8) return false;
  *spec = int8::FullyConnectedSpec(s.batches, s.in_depth, s.out_depth,
                                   s.arithmetic == Arithmetic::kInt8 ? int8::GemmInput::kInt8 : int8::GemmInput::kUInt8);
  return true;
}

// The int16 (16x8) node as the fast 16x8 GEMM sees it; false for other arithmetic.
bool FastGemm16Spec(const FcState& s, const RtTensor* bias, int8::Gemm16Spec* spec) {
  if (s.arithmetic != Arithmetic::kInt16) return false;
  *spec = int8::FullyConnected16Spec(s.batches, s.in_depth, s.out_depth, bias && bias->dtype == DType::kInt32);
  return true;
}

void PrepareFast(OpContext& ctx, FcState& s) {
  int8::GemmSpec spec;
  if (ctx.fast_integer() && FastGemmSpec(s, &spec)) {
    s.gemm_integer.Prepare(spec, s.requant, ctx.input(1), ctx.has_input(2) ? &ctx.input(2) : nullptr);
  }
  const RtTensor* bias = ctx.has_input(2) ? &ctx.input(2) : nullptr;
  int8::Gemm16Spec spec16;
  if (ctx.fast_integer() && FastGemm16Spec(s, bias, &spec16)) s.gemm16.Prepare(spec16, s.requant, ctx.input(1), bias);
}

void Prepare(OpContext& ctx) {
  RtTensor& in = ctx.input(0);
  RtTensor& w = ctx.input(1);
  RtTensor& out = ctx.output(0);
  ctx.Check(w.rank() == 2, "weights must be 2-D, got " + ShapeString(w.shape));
  auto& s = ctx.MakeState<FcState>();
  s.out_depth = w.dim(0);
  s.in_depth = w.dim(1);
  ctx.Check(s.in_depth > 0 && in.num_elements() % s.in_depth == 0,
            "input " + ShapeString(in.shape) + " does not fit weights " + ShapeString(w.shape));
  s.batches = static_cast<int>(in.num_elements() / s.in_depth);
  const RtTensor* bias = ctx.has_input(2) ? &ctx.input(2) : nullptr;
  ctx.Check(!bias || bias->num_elements() == s.out_depth, "bias size must equal the number of outputs");
  bool keep = ctx.options().type != 0 && ctx.options().Bool("keep_num_dims");
  if (keep) {
    ctx.Check(in.rank() >= 1 && in.dim(-1) == s.in_depth, "keep_num_dims needs input depth == weights depth");
    std::vector<int32_t> shape = in.shape;
    shape.back() = s.out_depth;
    ctx.SetOutputShape(0, shape);
  } else {
    ctx.SetOutputShape(0, {s.batches, s.out_depth});
  }
  if (in.dtype == DType::kFloat32 && w.dtype == DType::kFloat32 && out.dtype == DType::kFloat32) {
    ctx.Check(!bias || bias->dtype == DType::kFloat32, "float FULLY_CONNECTED needs a float32 bias");
    s.float_act = ref::CalculateActivationRangeFloat(RefActivation(ctx));
    return;
  }
  if (in.dtype == DType::kInt8 && w.dtype == DType::kInt8 && out.dtype == DType::kInt8) {
    ctx.Check(!bias || bias->dtype == DType::kInt32, "int8 FULLY_CONNECTED needs an int32 bias");
    ctx.Check(in.is_quantized() && w.is_quantized() && out.is_quantized(),
              "int8 tensors must carry quantization parameters");
    const auto& ws = w.quant().scales;
    ctx.Check(ws.size() == 1 || static_cast<int>(ws.size()) == s.out_depth,
              "weights have " + std::to_string(ws.size()) + " scales for " + std::to_string(s.out_depth) + " outputs");
    s.requant = ref::PrepareFullyConnectedInt8(QP(in), ws, w.zero_point(), s.out_depth, QP(out), RefActivation(ctx),
                                               RefNumerics(ctx));
    s.arithmetic = Arithmetic::kInt8;
    PrepareFast(ctx, s);
    return;
  }
  if (in.dtype == DType::kUInt8 && w.dtype == DType::kUInt8 && out.dtype == DType::kUInt8) {
    ctx.Check(!bias || bias->dtype == DType::kInt32, "uint8 FULLY_CONNECTED needs an int32 bias");
    ctx.Check(in.is_quantized() && w.is_quantized() && out.is_quantized(),
              "uint8 tensors must carry quantization parameters");
    if (w.is_per_channel()) ctx.Unsupported("uint8 FULLY_CONNECTED supports per-tensor weights only (as TFLite)");
    s.requant = ref::PrepareFullyConnectedUInt8(QP(in), QP(w), QP(out), RefActivation(ctx), RefNumerics(ctx));
    s.arithmetic = Arithmetic::kUInt8;
    PrepareFast(ctx, s);
    return;
  }
  if (in.dtype == DType::kInt16 && w.dtype == DType::kInt8 && out.dtype == DType::kInt16) {
    ctx.Check(!bias || bias->dtype == DType::kInt32 || bias->dtype == DType::kInt64,
              "int16 FULLY_CONNECTED needs an int32 or int64 bias");
    ctx.Check(in.is_quantized() && w.is_quantized() && out.is_quantized(),
              "int16 tensors must carry quantization parameters");
    const auto& ws = w.quant().scales;
    ctx.Check(ws.size() == 1 || static_cast<int>(ws.size()) == s.out_depth,
              "weights have " + std::to_string(ws.size()) + " scales for " + std::to_string(s.out_depth) + " outputs");
    s.requant = ref::PrepareFullyConnectedInt16(QP(in), ws, w.zero_point(), s.out_depth, QP(out), RefActivation(ctx),
                                                RefNumerics(ctx));
    s.arithmetic = Arithmetic::kInt16;
    PrepareFast(ctx, s);
    return;
  }
  if (in.dtype == DType::kFloat32 && w.dtype == DType::kInt8 && out.dtype == DType::kFloat32) {
    ctx.Check(!bias || bias->dtype == DType::kFloat32, "hybrid FULLY_CONNECTED needs a float32 bias");
    ctx.Check(w.is_quantized(), "int8 weights must carry quantization parameters");
    const auto& ws = w.quant().scales;
    ctx.Check(ws.size() == 1 || static_cast<int>(ws.size()) == s.out_depth,
              "weights have " + std::to_string(ws.size()) + " scales for " + std::to_string(s.out_depth) + " outputs");
    s.asymmetric_inputs = ctx.options().type != 0 && ctx.options().Bool("asymmetric_quantize_inputs");
    s.float_act = ref::CalculateActivationRangeFloat(RefActivation(ctx));
    s.arithmetic = Arithmetic::kHybrid;
    return;
  }
  ctx.Unsupported("types " + TypesOf(ctx) + " are not supported");
}

void Eval(OpContext& ctx) {
  auto& s = ctx.state<FcState>();
  RtTensor& out = ctx.output(0);
  int8::GemmSpec spec;
  if (ctx.fast_integer() && FastGemmSpec(s, &spec) &&
      s.gemm_integer.Eval(spec, s.requant, ctx.input(0), ctx.input(1), ctx.has_input(2) ? &ctx.input(2) : nullptr, out,
                                                     ctx.thread_pool())) {
    return;
  }
  const RtTensor* bias16 = ctx.has_input(2) ? &ctx.input(2) : nullptr;
  int8::Gemm16Spec spec16;
  if (ctx.fast_integer() && FastGemm16Spec(s, bias16, &spec16) &&
      s.gemm16.Eval(spec16, s.requant, ctx.input(0), ctx.input(1), bias16, out)) {
    return;
  }
  if (s.arithmetic == Arithmetic::kHybrid) {
    const RtTensor& w = ctx.input(1);
    const float* bias = ctx.has_input(2) ? ctx.input(2).as<float>() : nullptr;
    ref::HybridFullyConnected(s.asymmetric_inputs, s.float_act, s.batches, s.in_depth, s.out_depth,
                              ctx.input(0).as<float>(), w.as<int8_t>(), w.quant().scales.data(), w.is_per_channel(),
                              bias, out.as<float>());
  } else if (s.arithmetic == Arithmetic::kInt8) {
    const int32_t* bias = ctx.has_input(2) ? ctx.input(2).as<int32_t>() : nullptr;
    ref::FullyConnectedInt8(s.requant, s.batches, s.in_depth, s.out_depth, ctx.input(0).as<int8_t>(),
                            ctx.input(1).as<int8_t>(), bias, out.as<int8_t>());
  } else if (s.arithmetic == Arithmetic::kUInt8) {
    const int32_t* bias = ctx.has_input(2) ? ctx.input(2).as<int32_t>() : nullptr;
    ref::FullyConnectedUInt8(s.requant, s.batches, s.in_depth, s.out_depth, ctx.input(0).as<uint8_t>(),
                             ctx.input(1).as<uint8_t>(), bias, out.as<uint8_t>());
  } else if (s.arithmetic == Arithmetic::kInt16) {
    // The accumulator has the bias's type, as in TFLite; no bias accumulates in int64.
    const RtTensor* bias = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    if (bias && bias->dtype == DType::kInt32) {
      ref::FullyConnectedInt16<int32_t>(s.requant, s.batches, s.in_depth, s.out_depth, ctx.input(0).as<int16_t>(),
                                        ctx.input(1).as<int8_t>(), bias->as<int32_t>(), out.as<int16_t>());
    } else {
      ref::FullyConnectedInt16<int64_t>(s.requant, s.batches, s.in_depth, s.out_depth, ctx.input(0).as<int16_t>(),
                                        ctx.input(1).as<int8_t>(), bias ? bias->as<int64_t>() : nullptr,
                                        out.as<int16_t>());
    }
  } else if (ctx.fast_float()) {
    const RtTensor* bias = ctx.has_input(2) ? &ctx.input(2) : nullptr;
    const auto& packed = s.float_weights.Get(ctx.input(1), bias, s.out_depth, s.in_depth);
    fast::FloatGemm(ctx.input(0).as<float>(), s.batches, s.in_depth, packed, s.float_act.min, s.float_act.max,
                    out.as<float>(), s.out_depth, ctx.thread_pool());
  } else {
    const float* bias = ctx.has_input(2) ? ctx.input(2).as<float>() : nullptr;
    ref::FullyConnectedFloat(s.float_act, s.batches, s.in_depth, s.out_depth, ctx.input(0).as<float>(),
                             ctx.input(1).as<float>(), bias, out.as<float>());
  }
}

}  // namespace

const OpKernel* FullyConnected() {
  static const OpKernel k{Prepare, Eval};
  return &k;
}

}  // namespace ops
}  // namespace qtflite
