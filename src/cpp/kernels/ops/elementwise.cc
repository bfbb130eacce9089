// ADD, SUB and MUL with broadcasting: float32, int8, uint8 and int16 (zero points 0). Float
// operands of one shape run on the fast kernels when the interpreter allows it (same bits). int16
// ADD/SUB use the general-scale path (left shift 15), except that LiteRT takes its
// power-of-two path when the op's pot_scale_int16 is set and every scale is a power of two
// (TFLite Micro has only the general path).
#include "kernels/fast/float_kernels.h"
#include "kernels/ops/common.h"
#include "kernels/ops/elementwise_fast.h"
#include "kernels/ops/ops.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/prepare.h"

namespace qtflite {
namespace ops {
namespace {

enum class Binary { kAdd, kSub, kMul };

struct BinaryState : OpState {
  ref::FloatRange float_act;
  ref::AddSubInt8Params add_sub;  // int8, uint8 and general-scale int16
  ref::MulInt8Params mul;
  ref::AddSubInt16PotParams add_sub_pot;
  bool pot_int16 = false;
  BinaryTable table;  // int8 / uint8 on the fast kernels, equal shapes
};

// LiteRT's choice of its power-of-two int16 ADD/SUB path.
bool UsesPotInt16Path(OpContext& ctx, const RtTensor& a, const RtTensor& b, const RtTensor& out) {
  if (ctx.numerics() != Numerics::kLiteRT || ctx.options().type == 0) return false;
  if (!ctx.options().Has("pot_scale_int16") || !ctx.options().Bool("pot_scale_int16")) return false;
  return ref::AddSubInt16ScalesArePot(QP(a), QP(b), QP(out));
}

template <Binary kOp>
void Prepare(OpContext& ctx) {
  RtTensor& a = ctx.input(0);
  RtTensor& b = ctx.input(1);
  RtTensor& out = ctx.output(0);
  ctx.SetOutputShape(0, BroadcastShapes(ctx, a.shape, b.shape));
  RefShape(ctx, out);
  auto& s = ctx.MakeState<BinaryState>();
  ctx.Check(a.dtype == b.dtype && a.dtype == out.dtype, "types " + TypesOf(ctx) + " differ");
  if (a.dtype == DType::kFloat32) {
    s.float_act = ref::CalculateActivationRangeFloat(RefActivation(ctx));
  } else if (a.dtype == DType::kInt8 || a.dtype == DType::kUInt8 || a.dtype == DType::kInt16) {
    ctx.Check(a.is_quantized() && b.is_quantized() && out.is_quantized(),
              "quantized tensors must carry quantization parameters");
    const ref::FusedActivation act = RefActivation(ctx);
    const ref::Numerics numerics = RefNumerics(ctx);
    if (a.dtype == DType::kInt8) {
      if (kOp == Binary::kAdd) s.add_sub = ref::PrepareAddInt8(QP(a), QP(b), QP(out), act);
      if (kOp == Binary::kSub) s.add_sub = ref::PrepareSubInt8(QP(a), QP(b), QP(out), act, numerics);
      if (kOp == Binary::kMul) s.mul = ref::PrepareMulInt8(QP(a), QP(b), QP(out), act, numerics);
    } else if (a.dtype == DType::kUInt8) {
      if (kOp == Binary::kAdd) s.add_sub = ref::PrepareAddUInt8(QP(a), QP(b), QP(out), act);
      if (kOp == Binary::kSub) s.add_sub = ref::PrepareSubUInt8(QP(a), QP(b), QP(out), act, numerics);
      if (kOp == Binary::kMul) s.mul = ref::PrepareMulUInt8(QP(a), QP(b), QP(out), act, numerics);
    } else if (kOp != Binary::kMul && UsesPotInt16Path(ctx, a, b, out)) {
      // LiteRT's power-of-two ADD reads both inputs flat: it has no broadcasting form.
      if (kOp == Binary::kAdd && a.shape != b.shape) {
        ctx.Unsupported("LiteRT's power-of-two int16 ADD (pot_scale_int16) does not broadcast");
      }
      s.add_sub_pot = ref::PrepareAddSubInt16Pot(QP(a), QP(b), QP(out), act);
      s.pot_int16 = true;
    } else {
      if (kOp == Binary::kAdd) s.add_sub = ref::PrepareAddInt16(QP(a), QP(b), QP(out), act);
      if (kOp == Binary::kSub) s.add_sub = ref::PrepareSubInt16(QP(a), QP(b), QP(out), act, numerics);
      if (kOp == Binary::kMul) s.mul = ref::PrepareMulInt16(QP(a), QP(b), QP(out), act, numerics);
    }
  } else {
    ctx.Unsupported("type " + DTypeName(a.dtype) + " is not supported");
  }
}

// The quantized kernel for element type T.
template <Binary kOp, typename T, typename AddSub, typename Mul>
void EvalQuantized(BinaryState& s, const ref::Shape& sa, const T* a, const ref::Shape& sb, const T* b,
                   const ref::Shape& so, T* out, AddSub add, AddSub sub, Mul mul) {
  if (kOp == Binary::kAdd) add(s.add_sub, sa, a, sb, b, so, out);
  if (kOp == Binary::kSub) sub(s.add_sub, sa, a, sb, b, so, out);
  if (kOp == Binary::kMul) mul(s.mul, sa, a, sb, b, so, out);
}

template <Binary kOp>
void Eval(OpContext& ctx) {
  auto& s = ctx.state<BinaryState>();
  RtTensor& a = ctx.input(0);
  RtTensor& b = ctx.input(1);
  RtTensor& out = ctx.output(0);
  if (ctx.fast_integer() && (a.dtype == DType::kInt8 || a.dtype == DType::kUInt8)) {
    const auto& k = int8::ActiveElementwiseKernels();
    ThreadPool* pool = ctx.thread_pool();
    auto fast = [&](const RtTensor& x, const RtTensor& y, RtTensor& z) {
      return kOp == Binary::kMul ? FastMul(k, s.mul, x, y, z, pool)
                                 : FastAddSub(k, s.add_sub, kOp == Binary::kSub, x, y, z, pool);
    };
    if (s.table.Eval(a, b, out, fast, pool) || fast(a, b, out)) return;
  }
  if (ctx.fast_float() && a.dtype == DType::kFloat32 && a.shape == b.shape && a.shape == out.shape) {
    const fast::BinaryFloatOp op = kOp == Binary::kAdd   ? fast::BinaryFloatOp::kAdd
                                   : kOp == Binary::kSub ? fast::BinaryFloatOp::kSub
                                                         : fast::BinaryFloatOp::kMul;
    fast::BinaryFloat(op, a.as<float>(), b.as<float>(), out.num_elements(), s.float_act.min, s.float_act.max,
                      out.as<float>());
    return;
  }
  ref::Shape sa = RefShape(ctx, a), sb = RefShape(ctx, b), so = RefShape(ctx, out);
  switch (a.dtype) {
    case DType::kInt8:
      EvalQuantized<kOp>(s, sa, a.as<int8_t>(), sb, b.as<int8_t>(), so, out.as<int8_t>(), ref::AddInt8, ref::SubInt8,
                         ref::MulInt8);
      break;
    case DType::kUInt8:
      EvalQuantized<kOp>(s, sa, a.as<uint8_t>(), sb, b.as<uint8_t>(), so, out.as<uint8_t>(), ref::AddUInt8,
                         ref::SubUInt8, ref::MulUInt8);
      break;
    case DType::kInt16:
      if (s.pot_int16) {
        if (kOp == Binary::kAdd) ref::AddInt16Pot(s.add_sub_pot, sa, a.as<int16_t>(), sb, b.as<int16_t>(), so, out.as<int16_t>());
        if (kOp == Binary::kSub) ref::SubInt16Pot(s.add_sub_pot, sa, a.as<int16_t>(), sb, b.as<int16_t>(), so, out.as<int16_t>());
      } else {
        EvalQuantized<kOp>(s, sa, a.as<int16_t>(), sb, b.as<int16_t>(), so, out.as<int16_t>(), ref::AddInt16,
                           ref::SubInt16, ref::MulInt16);
      }
      break;
    default:
      if (kOp == Binary::kAdd) ref::AddFloat(s.float_act, sa, a.as<float>(), sb, b.as<float>(), so, out.as<float>());
      if (kOp == Binary::kSub) ref::SubFloat(s.float_act, sa, a.as<float>(), sb, b.as<float>(), so, out.as<float>());
      if (kOp == Binary::kMul) ref::MulFloat(s.float_act, sa, a.as<float>(), sb, b.as<float>(), so, out.as<float>());
      break;
  }
}

}  // namespace

const OpKernel* Add() {
  static const OpKernel k{Prepare<Binary::kAdd>, Eval<Binary::kAdd>};
  return &k;
}
const OpKernel* Sub() {
  static const OpKernel k{Prepare<Binary::kSub>, Eval<Binary::kSub>};
  return &k;
}
const OpKernel* Mul() {
  static const OpKernel k{Prepare<Binary::kMul>, Eval<Binary::kMul>};
  return &k;
}

}  // namespace ops
}  // namespace qtflite
