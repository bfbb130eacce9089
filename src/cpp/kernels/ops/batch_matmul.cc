// BATCH_MATMUL (BatchMatMulOptions adj_x, adj_y): float32, int8 and int16 (zero points 0),
// operands of rank 2..5 with broadcast batch dimensions; the rhs may be a constant or an
// activation. TFLite and TFLite Micro share the reference arithmetic (reference/batch_matmul.h).
#include "kernels/ops/common.h"
#include "kernels/ops/ops.h"
#include "kernels/reference/batch_matmul.h"

namespace qtflite {
namespace ops {
namespace {

struct BatchMatMulState : OpState {
  bool adj_x = false, adj_y = false;
  ref::BatchMatMulQuantParams quant;
};

void Prepare(OpContext& ctx) {
  RtTensor& lhs = ctx.input(0);
  RtTensor& rhs = ctx.input(1);
  RtTensor& out = ctx.output(0);
  auto& s = ctx.MakeState<BatchMatMulState>();
  if (ctx.options().type) {
    s.adj_x = ctx.options().Bool("adj_x");
    s.adj_y = ctx.options().Bool("adj_y");
  }
  for (const RtTensor* t : {&lhs, &rhs}) {
    if (t->rank() < 2 || t->rank() > ref::kBatchMatMulMaxRank) {
      ctx.Fail("operands must have rank 2..5, got " + ShapeString(t->shape));
    }
  }
  ref::Shape os;
  try {
    os = ref::BatchMatMulOutputShape(RefShape(ctx, lhs), RefShape(ctx, rhs), s.adj_x, s.adj_y);
  } catch (const std::invalid_argument&) {
    ctx.Fail("shapes " + ShapeString(lhs.shape) + " and " + ShapeString(rhs.shape) + " (adj_x=" +
             std::to_string(s.adj_x) + ", adj_y=" + std::to_string(s.adj_y) + ") do not multiply");
  }
  ctx.SetOutputShape(0, std::vector<int32_t>(os.dims.begin(), os.dims.begin() + os.rank));

  if (lhs.dtype == DType::kFloat32 && rhs.dtype == DType::kFloat32 && out.dtype == DType::kFloat32) return;
  const bool int8 = lhs.dtype == DType::kInt8 && rhs.dtype == DType::kInt8 && out.dtype == DType::kInt8;
  const bool int16 = lhs.dtype == DType::kInt16 && rhs.dtype == DType::kInt16 && out.dtype == DType::kInt16;
  if (!int8 && !int16) ctx.Unsupported("types " + TypesOf(ctx) + " are not supported");
  for (const RtTensor* t : {&lhs, &rhs, &out}) {
    ctx.Check(t->is_quantized(), "quantized tensors must carry quantization parameters");
    if (t->is_per_channel()) ctx.Unsupported("per-channel quantization is not supported (TFLite is per-tensor)");
  }
  if (int16) {
    ctx.Check(lhs.zero_point() == 0 && rhs.zero_point() == 0 && out.zero_point() == 0,
              "int16 BATCH_MATMUL needs zero points of 0");
  }
  try {
    s.quant = ref::PrepareBatchMatMulQuant(QP(lhs), QP(rhs), QP(out),
                                           int8 ? ref::TypeRange<int8_t>() : ref::TypeRange<int16_t>(),
                                           RefNumerics(ctx));
  } catch (const std::invalid_argument& e) {
    ctx.Fail(std::string("invalid scales: ") + e.what());
  }
}

void Eval(OpContext& ctx) {
  auto& s = ctx.state<BatchMatMulState>();
  RtTensor& lhs = ctx.input(0);
  RtTensor& rhs = ctx.input(1);
  RtTensor& out = ctx.output(0);
  const ref::Shape ls = RefShape(ctx, lhs), rs = RefShape(ctx, rhs);
  switch (lhs.dtype) {
    case DType::kFloat32:
      ref::BatchMatMulFloat(ls, lhs.as<float>(), rs, rhs.as<float>(), s.adj_x, s.adj_y, out.as<float>());
      break;
    case DType::kInt8:
      ref::BatchMatMulQuantized<int8_t, int32_t>(s.quant, ls, lhs.as<int8_t>(), rs, rhs.as<int8_t>(), s.adj_x,
                                                 s.adj_y, out.as<int8_t>());
      break;
    case DType::kInt16:
      ref::BatchMatMulQuantized<int16_t, int64_t>(s.quant, ls, lhs.as<int16_t>(), rs, rhs.as<int16_t>(), s.adj_x,
                                                  s.adj_y, out.as<int16_t>());
      break;
    default: ctx.Unsupported("type " + DTypeName(lhs.dtype));
  }
}

}  // namespace

const OpKernel* BatchMatMul() {
  static const OpKernel k{Prepare, Eval};
  return &k;
}

}  // namespace ops
}  // namespace qtflite
