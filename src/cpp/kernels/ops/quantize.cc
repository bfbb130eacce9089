// QUANTIZE (float -> int8/uint8/int16; requantization int8 -> int8/uint8/int16, uint8 ->
// int8/uint8, int16 -> int8/int16) and DEQUANTIZE (int8, uint8, int16, float16 -> float32).
#include <cstring>

#include "kernels/ops/common.h"
#include "kernels/ops/elementwise_fast.h"
#include "kernels/ops/ops.h"
#include "kernels/reference/prepare.h"
#include "kernels/reference/quantize.h"

namespace qtflite {
namespace ops {
namespace {

struct QuantState : OpState {
  ref::RequantizeParams requant;
};

bool IsQuantizedInteger(DType t) { return t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16; }

void QuantizePrepare(OpContext& ctx) {
  RtTensor& in = ctx.input(0);
  RtTensor& out = ctx.output(0);
  ctx.SetOutputShape(0, in.shape);
  ctx.Check(out.is_quantized() && !out.is_per_channel(), "the output must be quantized per tensor");
  auto& s = ctx.MakeState<QuantState>();
  const std::string what = "QUANTIZE " + DTypeName(in.dtype) + " -> " + DTypeName(out.dtype);
  if (in.dtype == DType::kFloat32 && IsQuantizedInteger(out.dtype)) return;
  // The integer pairs both runtimes requantize between (uint8 <-> int16 has no kernel).
  const bool supported = IsQuantizedInteger(in.dtype) && IsQuantizedInteger(out.dtype) &&
                         !(in.dtype == DType::kUInt8 && out.dtype == DType::kInt16) &&
                         !(in.dtype == DType::kInt16 && out.dtype == DType::kUInt8);
  if (!supported) ctx.Unsupported(what + " is not supported");
  ctx.Check(in.is_quantized(), "the input must be quantized");
  if (in.dtype == DType::kInt16 && out.dtype == DType::kInt16) {
    ctx.Check(in.zero_point() == 0 && out.zero_point() == 0, "int16 zero points must be 0");
  }
  s.requant = ref::PrepareRequantize(QP(in), QP(out));
}

void QuantizeEval(OpContext& ctx) {
  auto& s = ctx.state<QuantState>();
  RtTensor& in = ctx.input(0);
  RtTensor& out = ctx.output(0);
  const int64_t n = in.num_elements();
  const DType from = in.dtype, to = out.dtype;
  if (ctx.fast_integer() && FastQuantize(int8::ActiveElementwiseKernels(), s.requant, in, out)) return;
  if (from == DType::kFloat32) {
    if (to == DType::kInt8) ref::QuantizeFloatToInt8(QP(out), n, in.as<float>(), out.as<int8_t>());
    if (to == DType::kUInt8) ref::QuantizeFloatToUInt8(QP(out), n, in.as<float>(), out.as<uint8_t>());
    if (to == DType::kInt16) ref::QuantizeFloatToInt16(QP(out), n, in.as<float>(), out.as<int16_t>());
  } else if (from == DType::kInt8) {
    if (to == DType::kInt8) ref::RequantizeInt8ToInt8(s.requant, n, in.as<int8_t>(), out.as<int8_t>());
    if (to == DType::kUInt8) ref::RequantizeInt8ToUInt8(s.requant, n, in.as<int8_t>(), out.as<uint8_t>());
    if (to == DType::kInt16) ref::RequantizeInt8ToInt16(s.requant, n, in.as<int8_t>(), out.as<int16_t>());
  } else if (from == DType::kUInt8) {
    if (to == DType::kInt8) ref::RequantizeUInt8ToInt8(s.requant, n, in.as<uint8_t>(), out.as<int8_t>());
    if (to == DType::kUInt8) ref::RequantizeUInt8ToUInt8(s.requant, n, in.as<uint8_t>(), out.as<uint8_t>());
  } else {
    if (to == DType::kInt8) ref::RequantizeInt16ToInt8(s.requant, n, in.as<int16_t>(), out.as<int8_t>());
    if (to == DType::kInt16) ref::RequantizeInt16ToInt16(s.requant, n, in.as<int16_t>(), out.as<int16_t>());
  }
}

// IEEE binary16 -> binary32, exact (every half is a float).
float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000 | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal half: normalise
    exp = 113;
    while (!(mant & 0x400)) {
      mant <<= 1;
      --exp;
    }
    bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

void DequantizePrepare(OpContext& ctx) {
  RtTensor& in = ctx.input(0);
  ctx.SetOutputShape(0, in.shape);
  ctx.Check(ctx.output(0).dtype == DType::kFloat32, "the output must be float32");
  switch (in.dtype) {
    case DType::kFloat16: return;
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kInt16:
      ctx.Check(in.is_quantized(), "the input must be quantized");
      if (in.is_per_channel()) ctx.Unsupported("per-channel DEQUANTIZE is not supported yet");
      return;
    default: ctx.Unsupported("DEQUANTIZE from " + DTypeName(in.dtype) + " is not supported");
  }
}

void DequantizeEval(OpContext& ctx) {
  RtTensor& in = ctx.input(0);
  float* y = ctx.output(0).as<float>();
  const int64_t n = in.num_elements();
  const double scale = in.scale();
  const int32_t zp = in.zero_point();
  if (ctx.fast_integer() && FastDequantize(int8::ActiveElementwiseKernels(), in, ctx.output(0))) return;
  switch (in.dtype) {
    case DType::kFloat16:
      for (int64_t i = 0; i < n; ++i) y[i] = HalfToFloat(in.as<uint16_t>()[i]);
      break;
    case DType::kInt8: ref::DequantizeInt8ToFloat(QP(in), n, in.as<int8_t>(), y); break;
    case DType::kUInt8:  // same arithmetic: the product in double
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(scale * (in.as<uint8_t>()[i] - zp));
      break;
    default:
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(scale * (in.as<int16_t>()[i] - zp));
      break;
  }
}

}  // namespace

const OpKernel* Quantize() {
  static const OpKernel k{QuantizePrepare, QuantizeEval};
  return &k;
}

const OpKernel* Dequantize() {
  static const OpKernel k{DequantizePrepare, DequantizeEval};
  return &k;
}

}  // namespace ops
}  // namespace qtflite
