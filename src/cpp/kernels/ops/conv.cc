// CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV: geometry and multipliers in Prepare, the
// arithmetic in the reference kernels: float32; int8 with per-channel int32 bias; uint8 (TF1,
// CONV_2D and DEPTHWISE only) with per-tensor asymmetric weights; int16 activations with int8
// weights and int32 or int64 bias (16x8, CONV_2D and DEPTHWISE only). Float CONV_2D and
// DEPTHWISE_CONV_2D run on the fast kernels when the interpreter allows it (ctx.fast_float()); so
// do integer DEPTHWISE_CONV_2D and (not grouped, int8 / uint8 / int16) CONV_2D
// (ctx.fast_integer()).
#include "ir/builtin_ops.h"
#include "kernels/fast/conv_float.h"
#include "kernels/ops/common.h"
#include "kernels/ops/depthwise_fast.h"
#include "kernels/ops/gemm16_fast.h"
#include "kernels/ops/gemm_fast.h"
#include "kernels/ops/float_weight_cache.h"
#include "kernels/ops/ops.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/hybrid.h"
#include "kernels/reference/padding.h"
#include "kernels/reference/prepare.h"

namespace qtflite {
namespace ops {
namespace {

enum class ConvKind { kConv, kDepthwise, kTranspose };

enum class Arithmetic { kFloat, kInt8, kUInt8, kInt16, kHybrid };

struct ConvState : OpState {
  ref::ConvGeometry geometry;
  ref::Requant requant;
  ref::FloatRange float_act;
  Arithmetic arithmetic = Arithmetic::kFloat;
  bool per_channel = false;
  FloatWeightCache float_weights;  // CONV_2D on the fast kernels
  std::vector<float> zero_bias;    // DEPTHWISE_CONV_2D on the fast kernels, without a bias
  DepthwiseIntegerFast depthwise_integer;  // integer DEPTHWISE_CONV_2D on the fast kernels
  GemmIntegerFast gemm_integer;            // integer CONV_2D on the fast kernels
  Gemm16Fast gemm16;                       // int16 (16x8) CONV_2D on the fast kernels
};

// The node as the fast integer GEMM sees it; false for float, hybrid, int16 and grouped CONV_2D.
bool FastGemmSpec(const ConvState& s, const ref::Shape4& is, const ref::Shape4& fs, const ref::Shape4& os,
                  int8::GemmSpec* spec) {
  if (s.arithmetic == Arithmetic::kInt8) {
    spec->type = int8::GemmInput::kInt8;
  } else if (s.arithmetic == Arithmetic::kUInt8) {
    spec->type = int8::GemmInput::kUInt8;
  } else {
    return false;
  }
  if (fs.c != is.c) return false;
  spec->geometry = s.geometry;
  spec->input = is;
  spec->filter = fs;
  spec->output = os;
  return true;
}

// The int16 (16x8) node as the fast 16x8 GEMM sees it; false for other arithmetic and grouped
// CONV_2D.
bool FastGemm16Spec(const ConvState& s, const ref::Shape4& is, const ref::Shape4& fs, const ref::Shape4& os,
                    const RtTensor* bias, int8::Gemm16Spec* spec) {
  if (s.arithmetic != Arithmetic::kInt16 || fs.c != is.c) return false;
  spec->geometry = s.geometry;
  spec->input = is;
  spec->filter = fs;
  spec->output = os;
  spec->bias32 = bias && bias->dtype == DType::kInt32;
  return true;
}

// The node as the fast integer depthwise kernels see it; false for float and hybrid arithmetic.
bool FastDepthwiseSpec(const ConvState& s, const ref::Shape4& is, const ref::Shape4& fs, const ref::Shape4& os,
                       int8::DepthwiseSpec* spec) {
  if (s.arithmetic == Arithmetic::kInt8) {
    spec->type = int8::DepthwiseInput::kInt8;
  } else if (s.arithmetic == Arithmetic::kUInt8) {
    spec->type = int8::DepthwiseInput::kUInt8;
  } else if (s.arithmetic == Arithmetic::kInt16) {
    spec->type = int8::DepthwiseInput::kInt16;
  } else {
    return false;
  }
  spec->geometry = s.geometry;
  spec->input = is;
  spec->filter = fs;
  spec->output = os;
  return true;
}

// Float CONV_2D (not grouped) and DEPTHWISE_CONV_2D (depth multiplier 1) on the fast kernels;
// false when the operator has another form, which the reference kernels then compute.
bool EvalFastFloat(OpContext& ctx, ConvState& s, bool depthwise, const ref::Shape4& is, const ref::Shape4& fs,
                   const ref::Shape4& os, const RtTensor& in, const RtTensor& filter, const RtTensor* bias,
                   RtTensor& out) {
  const ref::ConvGeometry& g = s.geometry;
  ThreadPool* pool = ctx.thread_pool();
  if (depthwise) {
    if (os.c != is.c) return false;
    fast::DepthwiseFloatParams p;
    p.batches = is.n, p.in_h = is.h, p.in_w = is.w, p.channels = is.c;
    p.out_h = os.h, p.out_w = os.w, p.kernel_h = fs.h, p.kernel_w = fs.w;
    p.stride_h = g.stride_h, p.stride_w = g.stride_w, p.dilation_h = g.dilation_h, p.dilation_w = g.dilation_w;
    p.pad_h = g.pad_h, p.pad_w = g.pad_w, p.lo = s.float_act.min, p.hi = s.float_act.max;
    if (!bias) s.zero_bias.assign(static_cast<size_t>(is.c), 0.0f);
    fast::DepthwiseFloat(p, in.as<float>(), filter.as<float>(), bias ? bias->as<float>() : s.zero_bias.data(),
                         out.as<float>(), fast::ActiveIsa(), pool);
    return true;
  }
  if (fs.c != is.c) return false;
  fast::ConvFloatParams p;
  p.batches = is.n, p.in_h = is.h, p.in_w = is.w, p.in_c = is.c;
  p.out_h = os.h, p.out_w = os.w, p.out_c = os.c, p.kernel_h = fs.h, p.kernel_w = fs.w;
  p.stride_h = g.stride_h, p.stride_w = g.stride_w, p.dilation_h = g.dilation_h, p.dilation_w = g.dilation_w;
  p.pad_h = g.pad_h, p.pad_w = g.pad_w, p.lo = s.float_act.min, p.hi = s.float_act.max;
  const auto& packed = s.float_weights.Get(filter, bias, fs.n, fs.h * fs.w * fs.c);
  fast::ConvFloat(p, in.as<float>(), packed, out.as<float>(), pool);
  return true;
}

ref::Padding PaddingOf(const OpContext& ctx) {
  return ctx.options().Int("padding") == 1 ? ref::Padding::kValid : ref::Padding::kSame;
}

// Checks the types and fills the requantization (int8) or the float clamp range.
void PrepareArithmetic(OpContext& ctx, ConvState& s, const RtTensor& in, const RtTensor& filter,
                       const RtTensor* bias, int out_channels) {
  const RtTensor& out = ctx.output(0);
  if (in.dtype == DType::kFloat32 && filter.dtype == DType::kFloat32 && out.dtype == DType::kFloat32) {
    ctx.Check(!bias || bias->dtype == DType::kFloat32, "float convolution needs a float32 bias");
    s.float_act = ref::CalculateActivationRangeFloat(RefActivation(ctx));
    return;
  }
  if (in.dtype == DType::kInt8 && filter.dtype == DType::kInt8 && out.dtype == DType::kInt8) {
    ctx.Check(!bias || bias->dtype == DType::kInt32, "int8 convolution needs an int32 bias");
    ctx.Check(in.is_quantized() && filter.is_quantized() && out.is_quantized(),
              "int8 tensors must carry quantization parameters");
    const auto& fs = filter.quant().scales;
    ctx.Check(fs.size() == 1 || static_cast<int>(fs.size()) == out_channels,
              "filter has " + std::to_string(fs.size()) + " scales for " + std::to_string(out_channels) + " output channels");
    s.requant = ref::PrepareConvInt8(QP(in), fs, out_channels, QP(out), RefActivation(ctx));
    s.arithmetic = Arithmetic::kInt8;
    return;
  }
  const bool transpose = ctx.op().builtin_code == op::kTransposeConv;
  if (in.dtype == DType::kUInt8 && filter.dtype == DType::kUInt8 && out.dtype == DType::kUInt8 && !transpose) {
    ctx.Check(!bias || bias->dtype == DType::kInt32, "uint8 convolution needs an int32 bias");
    ctx.Check(in.is_quantized() && filter.is_quantized() && out.is_quantized(),
              "uint8 tensors must carry quantization parameters");
    if (filter.is_per_channel()) ctx.Unsupported("uint8 convolution supports per-tensor weights only (as TFLite)");
    s.requant = ref::PrepareConvUInt8(QP(in), QP(filter), QP(out), RefActivation(ctx));
    s.arithmetic = Arithmetic::kUInt8;
    return;
  }
  if (in.dtype == DType::kInt16 && filter.dtype == DType::kInt8 && out.dtype == DType::kInt16 && !transpose) {
    const bool depthwise = ctx.op().builtin_code == op::kDepthwiseConv2D;
    // TFLite's int16 depthwise kernel exists only with an int64 bias.
    ctx.Check(!bias || bias->dtype == DType::kInt64 || (!depthwise && bias->dtype == DType::kInt32),
              depthwise ? "int16 DEPTHWISE_CONV_2D needs an int64 bias" : "int16 convolution needs an int32 or int64 bias");
    ctx.Check(in.is_quantized() && filter.is_quantized() && out.is_quantized(),
              "int16 tensors must carry quantization parameters");
    const auto& fs = filter.quant().scales;
    ctx.Check(fs.size() == 1 || static_cast<int>(fs.size()) == out_channels,
              "filter has " + std::to_string(fs.size()) + " scales for " + std::to_string(out_channels) + " output channels");
    s.requant = ref::PrepareConvInt16(QP(in), fs, out_channels, QP(out), RefActivation(ctx));
    s.arithmetic = Arithmetic::kInt16;
    return;
  }
  if (in.dtype == DType::kFloat32 && filter.dtype == DType::kInt8 && out.dtype == DType::kFloat32) {
    ctx.Check(!bias || bias->dtype == DType::kFloat32, "hybrid convolution needs a float32 bias");
    ctx.Check(filter.is_quantized(), "int8 weights must carry quantization parameters");
    const auto& fs = filter.quant().scales;
    ctx.Check(fs.size() == 1 || static_cast<int>(fs.size()) == out_channels,
              "filter has " + std::to_string(fs.size()) + " scales for " + std::to_string(out_channels) + " output channels");
    if (ctx.op().builtin_code == op::kTransposeConv) ctx.Unsupported("hybrid TRANSPOSE_CONV is not supported");
    s.per_channel = fs.size() > 1 || ctx.op().builtin_code == op::kDepthwiseConv2D;
    if (ctx.op().builtin_code == op::kDepthwiseConv2D && fs.size() != static_cast<size_t>(out_channels)) {
      ctx.Unsupported("hybrid DEPTHWISE_CONV_2D needs per-channel weights");
    }
    s.float_act = ref::CalculateActivationRangeFloat(RefActivation(ctx));
    s.arithmetic = Arithmetic::kHybrid;
    return;
  }
  ctx.Unsupported("types " + TypesOf(ctx) + " are not supported");
}

template <ConvKind kKind>
void Prepare(OpContext& ctx) {
  const int data = kKind == ConvKind::kTranspose ? 2 : 0;
  const int weights = 1;
  RtTensor& in = ctx.input(data);
  RtTensor& filter = ctx.input(weights);
  const RtTensor* bias = nullptr;
  int bias_index = kKind == ConvKind::kTranspose ? 3 : 2;
  if (ctx.has_input(bias_index)) bias = &ctx.input(bias_index);
  if (ctx.options().type == 0) ctx.Fail("options are missing");
  ref::Shape4 is = RefShape4(ctx, in, "input");
  ref::Shape4 fs = RefShape4(ctx, filter, "filter");
  auto& s = ctx.MakeState<ConvState>();
  const OpOptions& o = ctx.options();
  s.geometry.stride_h = static_cast<int>(o.Int("stride_h"));
  s.geometry.stride_w = static_cast<int>(o.Int("stride_w"));
  if (kKind != ConvKind::kTranspose) {
    s.geometry.dilation_h = static_cast<int>(o.Int("dilation_h_factor"));
    s.geometry.dilation_w = static_cast<int>(o.Int("dilation_w_factor"));
  }
  ctx.Check(s.geometry.stride_h > 0 && s.geometry.stride_w > 0, "strides must be positive");
  ctx.Check(s.geometry.dilation_h > 0 && s.geometry.dilation_w > 0, "dilations must be positive");
  int out_channels = 0;
  int out_h = 0, out_w = 0;
  if (kKind == ConvKind::kTranspose) {
    const RtTensor& shape = ctx.input(0);
    if (!shape.known) ctx.Unsupported("the output shape must be a constant");
    ctx.Check(shape.dtype == DType::kInt32 && shape.num_elements() == 4, "output_shape must be int32[4]");
    const int32_t* os = shape.as<int32_t>();
    ctx.Check(os[0] == is.n && os[3] == fs.n && fs.c == is.c, "output_shape, filter and input disagree");
    out_channels = fs.n;
    out_h = os[1];
    out_w = os[2];
    // Padding is that of the forward convolution from the output back to the input.
    s.geometry.pad_h = ref::ComputePadding(PaddingOf(ctx), out_h, fs.h, s.geometry.stride_h).pad_before;
    s.geometry.pad_w = ref::ComputePadding(PaddingOf(ctx), out_w, fs.w, s.geometry.stride_w).pad_before;
  } else {
    auto ph = ref::ComputePadding(PaddingOf(ctx), is.h, fs.h, s.geometry.stride_h, s.geometry.dilation_h);
    auto pw = ref::ComputePadding(PaddingOf(ctx), is.w, fs.w, s.geometry.stride_w, s.geometry.dilation_w);
    s.geometry.pad_h = ph.pad_before;
    s.geometry.pad_w = pw.pad_before;
    out_h = ph.out;
    out_w = pw.out;
    if (kKind == ConvKind::kConv) {
      ctx.Check(fs.c > 0 && is.c % fs.c == 0, "input depth " + std::to_string(is.c) +
                                                 " is not a multiple of the filter depth " + std::to_string(fs.c));
      out_channels = fs.n;
      ctx.Check(out_channels % (is.c / fs.c) == 0, "output channels are not a multiple of the groups");
    } else {
      ctx.Check(fs.n == 1, "depthwise filter must have shape [1, h, w, channels]");
      out_channels = fs.c;
      ctx.Check(is.c > 0 && out_channels % is.c == 0, "depthwise output channels must be a multiple of the input's");
    }
  }
  ctx.Check(out_h > 0 && out_w > 0, "the output would be empty");
  ctx.Check(!bias || bias->num_elements() == out_channels, "bias size must equal the output channels");
  PrepareArithmetic(ctx, s, in, filter, bias, out_channels);
  ctx.SetOutputShape(0, {is.n, out_h, out_w, out_channels});
  int8::DepthwiseSpec fast_spec;
  if (kKind == ConvKind::kDepthwise && ctx.fast_integer() &&
      FastDepthwiseSpec(s, is, fs, {is.n, out_h, out_w, out_channels}, &fast_spec)) {
    s.depthwise_integer.Prepare(fast_spec, s.requant, filter, bias);
  }
  int8::GemmSpec gemm_spec;
  if (kKind == ConvKind::kConv && ctx.fast_integer() &&
      FastGemmSpec(s, is, fs, {is.n, out_h, out_w, out_channels}, &gemm_spec)) {
    s.gemm_integer.Prepare(gemm_spec, s.requant, filter, bias);
  }
  int8::Gemm16Spec gemm16_spec;
  if (kKind == ConvKind::kConv && ctx.fast_integer() &&
      FastGemm16Spec(s, is, fs, {is.n, out_h, out_w, out_channels}, bias, &gemm16_spec)) {
    s.gemm16.Prepare(gemm16_spec, s.requant, filter, bias);
  }
}

template <ConvKind kKind>
void Eval(OpContext& ctx) {
  auto& s = ctx.state<ConvState>();
  const int data = kKind == ConvKind::kTranspose ? 2 : 0;
  const int bias_index = kKind == ConvKind::kTranspose ? 3 : 2;
  RtTensor& in = ctx.input(data);
  RtTensor& filter = ctx.input(1);
  RtTensor& out = ctx.output(0);
  ref::Shape4 is = RefShape4(ctx, in, "input"), fs = RefShape4(ctx, filter, "filter"),
              os = RefShape4(ctx, out, "output");
  int8::DepthwiseSpec fast_spec;
  if (kKind == ConvKind::kDepthwise && ctx.fast_integer() && FastDepthwiseSpec(s, is, fs, os, &fast_spec) &&
      s.depthwise_integer.Eval(fast_spec, s.requant, in, filter, ctx.has_input(bias_index) ? &ctx.input(bias_index) : nullptr,
                               out, ctx.thread_pool())) {
    return;
  }
  int8::GemmSpec gemm_spec;
  if (kKind == ConvKind::kConv && ctx.fast_integer() && FastGemmSpec(s, is, fs, os, &gemm_spec) &&
      s.gemm_integer.Eval(gemm_spec, s.requant, in, filter, ctx.has_input(bias_index) ? &ctx.input(bias_index) : nullptr,
                          out, ctx.thread_pool())) {
    return;
  }
  int8::Gemm16Spec gemm16_spec;
  if (kKind == ConvKind::kConv && ctx.fast_integer()) {
    const RtTensor* bias = ctx.has_input(bias_index) ? &ctx.input(bias_index) : nullptr;
    if (FastGemm16Spec(s, is, fs, os, bias, &gemm16_spec) &&
        s.gemm16.Eval(gemm16_spec, s.requant, in, filter, bias, out)) {
      return;
    }
  }
  if (s.arithmetic == Arithmetic::kHybrid) {
    const float* bias = ctx.has_input(bias_index) ? ctx.input(bias_index).as<float>() : nullptr;
    const float* scales = filter.quant().scales.data();
    if (kKind == ConvKind::kConv) {
      ref::HybridConv(s.geometry, s.float_act, is, in.as<float>(), fs, filter.as<int8_t>(), scales, s.per_channel, bias,
                      os, out.as<float>());
    } else {
      ref::HybridDepthwiseConv(s.geometry, s.float_act, is, in.as<float>(), fs, filter.as<int8_t>(), scales, bias, os,
                               out.as<float>());
    }
  } else if (s.arithmetic == Arithmetic::kInt8) {
    const int32_t* bias = ctx.has_input(bias_index) ? ctx.input(bias_index).as<int32_t>() : nullptr;
    if (kKind == ConvKind::kConv) {
      ref::ConvInt8(s.geometry, s.requant, is, in.as<int8_t>(), fs, filter.as<int8_t>(), bias, os, out.as<int8_t>());
    } else if (kKind == ConvKind::kDepthwise) {
      ref::DepthwiseConvInt8(s.geometry, s.requant, is, in.as<int8_t>(), fs, filter.as<int8_t>(), bias, os, out.as<int8_t>());
    } else {
      ref::TransposeConvInt8(s.geometry, s.requant, is, in.as<int8_t>(), fs, filter.as<int8_t>(), bias, os, out.as<int8_t>());
    }
  } else if (s.arithmetic == Arithmetic::kUInt8) {
    const int32_t* bias = ctx.has_input(bias_index) ? ctx.input(bias_index).as<int32_t>() : nullptr;
    if (kKind == ConvKind::kConv) {
      ref::ConvUInt8(s.geometry, s.requant, is, in.as<uint8_t>(), fs, filter.as<uint8_t>(), bias, os, out.as<uint8_t>());
    } else {
      ref::DepthwiseConvUInt8(s.geometry, s.requant, is, in.as<uint8_t>(), fs, filter.as<uint8_t>(), bias, os,
                              out.as<uint8_t>());
    }
  } else if (s.arithmetic == Arithmetic::kInt16) {
    const RtTensor* bias = ctx.has_input(bias_index) ? &ctx.input(bias_index) : nullptr;
    if (kKind == ConvKind::kDepthwise) {
      ref::DepthwiseConvInt16(s.geometry, s.requant, is, in.as<int16_t>(), fs, filter.as<int8_t>(),
                              bias ? bias->as<int64_t>() : nullptr, os, out.as<int16_t>());
    } else if (bias && bias->dtype == DType::kInt32) {
      ref::ConvInt16<int32_t>(s.geometry, s.requant, is, in.as<int16_t>(), fs, filter.as<int8_t>(), bias->as<int32_t>(),
                              os, out.as<int16_t>());
    } else {
      ref::ConvInt16<int64_t>(s.geometry, s.requant, is, in.as<int16_t>(), fs, filter.as<int8_t>(),
                              bias ? bias->as<int64_t>() : nullptr, os, out.as<int16_t>());
    }
  } else {
    const RtTensor* bias_tensor = ctx.has_input(bias_index) ? &ctx.input(bias_index) : nullptr;
    if (kKind != ConvKind::kTranspose && ctx.fast_float() &&
        EvalFastFloat(ctx, s, kKind == ConvKind::kDepthwise, is, fs, os, in, filter, bias_tensor, out)) {
      return;
    }
    const float* bias = bias_tensor ? bias_tensor->as<float>() : nullptr;
    if (kKind == ConvKind::kConv) {
      ref::ConvFloat(s.geometry, s.float_act, is, in.as<float>(), fs, filter.as<float>(), bias, os, out.as<float>());
    } else if (kKind == ConvKind::kDepthwise) {
      ref::DepthwiseConvFloat(s.geometry, s.float_act, is, in.as<float>(), fs, filter.as<float>(), bias, os, out.as<float>());
    } else {
      ref::TransposeConvFloat(s.geometry, s.float_act, is, in.as<float>(), fs, filter.as<float>(), bias, os, out.as<float>());
    }
  }
}

}  // namespace

const OpKernel* Conv2D() {
  static const OpKernel k{Prepare<ConvKind::kConv>, Eval<ConvKind::kConv>};
  return &k;
}

const OpKernel* DepthwiseConv2D() {
  static const OpKernel k{Prepare<ConvKind::kDepthwise>, Eval<ConvKind::kDepthwise>};
  return &k;
}

const OpKernel* TransposeConv() {
  static const OpKernel k{Prepare<ConvKind::kTranspose>, Eval<ConvKind::kTranspose>};
  return &k;
}

}  // namespace ops
}  // namespace qtflite
