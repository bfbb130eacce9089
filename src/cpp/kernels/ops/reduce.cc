// MEAN and SUM over constant axes, float32 and int8/uint8/int16 (TFLite's QuantizedMeanOrSum
// arithmetic; int16 needs zero points 0). Float MEAN over H and W runs on the fast pooling kernel
// when the interpreter allows it (the reference's bits).
#include <algorithm>
#include <limits>

#include "ir/builtin_ops.h"
#include "kernels/fast/float_kernels.h"
#include "kernels/ops/common.h"
#include "kernels/ops/elementwise_fast.h"
#include "kernels/ops/ops.h"
#include "kernels/reference/prepare.h"
#include "kernels/reference/reduce.h"

namespace qtflite {
namespace ops {
namespace {

struct ReduceState : OpState {
  std::vector<int> axes;
  ref::MeanOrSumInt8Params int8;
};

void Prepare(OpContext& ctx) {
  RtTensor& in = ctx.input(0);
  RtTensor& out = ctx.output(0);
  const RtTensor& axes = ctx.input(1);
  if (!axes.known) ctx.Unsupported("the axes must be a constant");
  ctx.Check(axes.dtype == DType::kInt32, "axes must be int32");
  auto& s = ctx.MakeState<ReduceState>();
  std::vector<bool> reduced(in.rank(), false);
  for (int64_t i = 0; i < axes.num_elements(); ++i) {
    int a = axes.as<int32_t>()[i];
    if (a < 0) a += in.rank();
    ctx.Check(a >= 0 && a < in.rank(), "axis " + std::to_string(axes.as<int32_t>()[i]) + " out of range");
    reduced[a] = true;
    s.axes.push_back(a);
  }
  bool keep = ctx.options().type && ctx.options().Bool("keep_dims");
  std::vector<int32_t> shape;
  for (int d = 0; d < in.rank(); ++d) {
    if (!reduced[d]) shape.push_back(in.shape[d]);
    else if (keep) shape.push_back(1);
  }
  ctx.SetOutputShape(0, shape);
  RefShape(ctx, in);
  ctx.Check(in.dtype == out.dtype, "input and output types differ");
  if (in.dtype == DType::kInt8 || in.dtype == DType::kUInt8 || in.dtype == DType::kInt16) {
    ctx.Check(in.is_quantized() && out.is_quantized(), "quantized tensors must carry quantization parameters");
    ctx.Check(in.dtype != DType::kInt16 || (in.zero_point() == 0 && out.zero_point() == 0),
              "int16 zero points must be 0");
    s.int8 = ref::PrepareMeanOrSumInt8(QP(in), QP(out), ctx.op().builtin_code == op::kSum);
  } else if (in.dtype != DType::kFloat32) {
    ctx.Unsupported("type " + DTypeName(in.dtype) + " is not supported");
  }
}

// Float MEAN over H and W of an NHWC tensor is an average pool whose window is the whole image:
// the same sums in the same order (from 0.0f, row by row) and the same division, so the fast
// pooling kernel gives the reference's bits. False for any other reduction.
bool FastSpatialMeanFloat(const std::vector<int>& axes, const RtTensor& in, RtTensor& out) {
  if (in.rank() != 4 || out.dtype != DType::kFloat32) return false;
  bool h = false, w = false;
  for (int a : axes) {
    if (a == 1) h = true;
    else if (a == 2) w = true;
    else return false;
  }
  if (!h || !w || in.shape[1] <= 0 || in.shape[2] <= 0 || in.num_elements() == 0) return false;
  if (static_cast<int64_t>(in.shape[1]) * in.shape[2] > (1 << 24)) return false;  // count exact in float
  fast::PoolFloatParams p;
  p.batches = in.shape[0], p.in_h = p.filter_h = in.shape[1], p.in_w = p.filter_w = in.shape[2];
  p.channels = in.shape[3];
  p.lo = -std::numeric_limits<float>::infinity(), p.hi = std::numeric_limits<float>::infinity();
  return fast::AveragePoolFloat(p, in.as<float>(), out.as<float>());
}

void Eval(OpContext& ctx) {
  auto& s = ctx.state<ReduceState>();
  RtTensor& in = ctx.input(0);
  RtTensor& out = ctx.output(0);
  ref::Shape shape = RefShape(ctx, in);
  const int n = static_cast<int>(s.axes.size());
  if (ctx.fast_integer() && ctx.op().builtin_code == op::kMean &&
      FastSpatialMean(int8::ActiveElementwiseKernels(), s.int8, s.axes, in, out)) {
    return;
  }
  if (ctx.fast_float() && in.dtype == DType::kFloat32 && ctx.op().builtin_code == op::kMean &&
      FastSpatialMeanFloat(s.axes, in, out)) {
    return;
  }
  if (in.dtype == DType::kInt8) {
    ref::MeanOrSumInt8(s.int8, shape, in.as<int8_t>(), s.axes.data(), n, out.as<int8_t>());
  } else if (in.dtype == DType::kUInt8) {
    ref::MeanOrSumUInt8(s.int8, shape, in.as<uint8_t>(), s.axes.data(), n, out.as<uint8_t>());
  } else if (in.dtype == DType::kInt16) {
    ref::MeanOrSumInt16(s.int8, shape, in.as<int16_t>(), s.axes.data(), n, out.as<int16_t>());
  } else if (ctx.op().builtin_code == op::kSum) {
    ref::SumFloat(shape, in.as<float>(), s.axes.data(), n, out.as<float>());
  } else {
    ref::MeanFloat(shape, in.as<float>(), s.axes.data(), n, out.as<float>());
  }
}

}  // namespace

const OpKernel* MeanOrSum() {
  static const OpKernel k{Prepare, Eval};
  return &k;
}

}  // namespace ops
}  // namespace qtflite
