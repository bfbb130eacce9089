// MAX_POOL_2D and AVERAGE_POOL_2D, float32 and int8/uint8/int16 (same scale and zero point in
// and out). Float pooling runs on the fast kernels when the interpreter allows it (the
// reference's bits).
#include "kernels/fast/float_kernels.h"
#include "kernels/ops/common.h"
#include "kernels/ops/elementwise_fast.h"
#include "kernels/ops/ops.h"
#include "kernels/reference/padding.h"
#include "kernels/reference/pooling.h"
#include "kernels/reference/prepare.h"

namespace qtflite {
namespace ops {
namespace {

struct PoolState : OpState {
  ref::PoolGeometry geometry;
  ref::ActivationRange act;
  ref::FloatRange float_act;
};

void Prepare(OpContext& ctx) {
  RtTensor& in = ctx.input(0);
  RtTensor& out = ctx.output(0);
  if (ctx.options().type == 0) ctx.Fail("options are missing");
  const OpOptions& o = ctx.options();
  ref::Shape4 is = RefShape4(ctx, in, "input");
  auto& s = ctx.MakeState<PoolState>();
  auto& g = s.geometry;
  g.filter_h = static_cast<int>(o.Int("filter_height"));
  g.filter_w = static_cast<int>(o.Int("filter_width"));
  g.stride_h = static_cast<int>(o.Int("stride_h"));
  g.stride_w = static_cast<int>(o.Int("stride_w"));
  ctx.Check(g.filter_h > 0 && g.filter_w > 0 && g.stride_h > 0 && g.stride_w > 0,
            "filter sizes and strides must be positive");
  ref::Padding pad = o.Int("padding") == 1 ? ref::Padding::kValid : ref::Padding::kSame;
  auto ph = ref::ComputePadding(pad, is.h, g.filter_h, g.stride_h);
  auto pw = ref::ComputePadding(pad, is.w, g.filter_w, g.stride_w);
  g.pad_h = ph.pad_before;
  g.pad_w = pw.pad_before;
  ctx.Check(ph.out > 0 && pw.out > 0, "the output would be empty");
  ctx.Check(in.dtype == out.dtype, "input and output types differ");
  if (in.dtype == DType::kInt8 || in.dtype == DType::kUInt8 || in.dtype == DType::kInt16) {
    ctx.Check(in.is_quantized() && out.is_quantized(), "quantized tensors must carry quantization parameters");
    ctx.Check(in.scale() == out.scale() && in.zero_point() == out.zero_point(),
              "quantized pooling needs the same scale and zero point in and out");
    ref::ActivationRange range = ref::TypeRange<int8_t>();
    if (in.dtype == DType::kUInt8) range = ref::TypeRange<uint8_t>();
    if (in.dtype == DType::kInt16) {
      ctx.Check(in.zero_point() == 0, "int16 zero points must be 0");
      range = ref::TypeRange<int16_t>();
    }
    s.act = ref::CalculateActivationRangeQuantized(RefActivation(ctx), QP(out), range.min, range.max);
  } else if (in.dtype == DType::kFloat32) {
    s.float_act = ref::CalculateActivationRangeFloat(RefActivation(ctx));
  } else {
    ctx.Unsupported("type " + DTypeName(in.dtype) + " is not supported");
  }
  ctx.SetOutputShape(0, {is.n, ph.out, pw.out, is.c});
}

template <bool kMax>
void Eval(OpContext& ctx) {
  auto& s = ctx.state<PoolState>();
  RtTensor& in = ctx.input(0);
  RtTensor& out = ctx.output(0);
  ref::Shape4 is = RefShape4(ctx, in, "input"), os = RefShape4(ctx, out, "output");
  if (ctx.fast_integer() && FastPool(int8::ActiveElementwiseKernels(), kMax, s.geometry, s.act, in, out,
                                         ctx.thread_pool())) {
    return;
  }
  if (in.dtype == DType::kInt8) {
    if (kMax) ref::MaxPoolInt8(s.geometry, s.act, is, in.as<int8_t>(), os, out.as<int8_t>());
    else ref::AveragePoolInt8(s.geometry, s.act, is, in.as<int8_t>(), os, out.as<int8_t>());
  } else if (in.dtype == DType::kUInt8) {
    if (kMax) ref::MaxPoolUInt8(s.geometry, s.act, is, in.as<uint8_t>(), os, out.as<uint8_t>());
    else ref::AveragePoolUInt8(s.geometry, s.act, is, in.as<uint8_t>(), os, out.as<uint8_t>());
  } else if (in.dtype == DType::kInt16) {
    if (kMax) ref::MaxPoolInt16(s.geometry, s.act, is, in.as<int16_t>(), os, out.as<int16_t>());
    else ref::AveragePoolInt16(s.geometry, s.act, is, in.as<int16_t>(), os, out.as<int16_t>());
  } else {
    if (ctx.fast_float()) {
      fast::PoolFloatParams p;
      p.batches = is.n, p.in_h = is.h, p.in_w = is.w, p.channels = is.c, p.out_h = os.h, p.out_w = os.w;
      p.filter_h = s.geometry.filter_h, p.filter_w = s.geometry.filter_w;
      p.stride_h = s.geometry.stride_h, p.stride_w = s.geometry.stride_w;
      p.pad_h = s.geometry.pad_h, p.pad_w = s.geometry.pad_w, p.lo = s.float_act.min, p.hi = s.float_act.max;
      if (is.n == os.n && is.c == os.c &&
          (kMax ? fast::MaxPoolFloat(p, in.as<float>(), out.as<float>())
                : fast::AveragePoolFloat(p, in.as<float>(), out.as<float>()))) {
        return;
      }
    }
    if (kMax) ref::MaxPoolFloat(s.geometry, s.float_act, is, in.as<float>(), os, out.as<float>());
    else ref::AveragePoolFloat(s.geometry, s.float_act, is, in.as<float>(), os, out.as<float>());
  }
}

}  // namespace

const OpKernel* MaxPool2D() {
  static const OpKernel k{Prepare, Eval<true>};
  return &k;
}

const OpKernel* AveragePool2D() {
  static const OpKernel k{Prepare, Eval<false>};
  return &k;
}

}  // namespace ops
}  // namespace qtflite
