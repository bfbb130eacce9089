#include "kernels/reference/prepare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include "quant/fixed_point.h"

namespace qtflite::reference {
namespace {

using fp::QuantizedMultiplier;

constexpr int32_t kInt8Min = std::numeric_limits<int8_t>::min();
constexpr int32_t kInt8Max = std::numeric_limits<int8_t>::max();

void CheckScale(float scale, const char* what) {
  if (!(scale > 0.0f) || !std::isfinite(scale)) {
    throw std::invalid_argument(std::string(what) + ": scale must be positive and finite");
  }
}

// zp + (int)round(value / scale), all in float (TFLite's Quantize lambda and roundf). Both
// runtimes refuse a bound whose round(value / scale) leaves int32
// (no_integer_overflow_from_quantization), as a fused RELU6 on an output scale below 6/2^31 does.
int32_t QuantizeFloatValue(float value, QParams q) {
  const float steps = fp::TfLiteRound(value / q.scale);
  constexpr float kLimit = 2147483648.0f;  // (float)INT32_MAX and -(float)INT32_MIN
  if (!(steps >= -kLimit && steps <= kLimit)) {
    std::ostringstream message;
    message << "activation bound " << value << " is " << steps << " steps of the output scale " << q.scale
            << ", beyond int32";
    throw std::invalid_argument(message.str());
  }
  // zp + steps leaves int32 only at the very edge, where TFLite's signed overflow is undefined.
  const int64_t quantized = q.zero_point + static_cast<int64_t>(steps);
  return static_cast<int32_t>(std::clamp<int64_t>(quantized, fp::kInt32Min, fp::kInt32Max));
}

// Per-channel multipliers M_c = (double)s_in · (double)s_w,c / (double)s_out.
void FillPerChannel(Requant* r, QParams in, const std::vector<float>& weight_scales, int out_channels,
                    QParams out) {
  r->multiplier.resize(out_channels);
  r->shift.resize(out_channels);
  for (int c = 0; c < out_channels; ++c) {
    const float weight_scale = weight_scales.size() == 1 ? weight_scales[0] : weight_scales[c];
    const double real = static_cast<double>(in.scale) * static_cast<double>(weight_scale) /
                        static_cast<double>(out.scale);
    const QuantizedMultiplier q = fp::QuantizeMultiplier(real);
    r->multiplier[c] = q.multiplier;
    r->shift[c] = q.shift;
  }
}

void CheckWeightScales(const std::vector<float>& scales, int out_channels, const char* what) {
  if (out_channels < 1 || !(scales.size() == 1 || scales.size() == static_cast<size_t>(out_channels))) {
    throw std::invalid_argument(std::string(what) + ": need one weight scale or one per output channel");
  }
  // A weight scale may be 0: the converter gives an all-zero output channel scale 0, and both
  // runtimes accept it (that channel's multiplier is 0).
  for (float s : scales) {
    if (!(s >= 0.0f) || !std::isfinite(s)) {
      throw std::invalid_argument(std::string(what) + ": weight scales must be finite and not negative");
    }
  }
}

ReluInt8Params ReluRequantized(QParams in, QParams out, Numerics numerics, float upper_bound,
                               ActivationRange range) {
  ReluInt8Params p;
  p.input_zero_point = in.zero_point;
  p.output_zero_point = out.zero_point;
  const double real = numerics == Numerics::kMicro
                          ? static_cast<double>(in.scale) / static_cast<double>(out.scale)
                          : static_cast<double>(in.scale / out.scale);
  const QuantizedMultiplier q = fp::QuantizeMultiplier(real);
  p.multiplier = q.multiplier;
  p.shift = q.shift;
  p.act.min = std::max(range.min, QuantizeFloatValue(0.0f, out));
  p.act.max = std::isinf(upper_bound) ? range.max : std::min(range.max, QuantizeFloatValue(upper_bound, out));
  return p;
}

}  // namespace

ActivationRange CalculateActivationRangeQuantized(FusedActivation act, QParams out, int32_t qmin, int32_t qmax) {
  CheckScale(out.scale, "activation range");
  ActivationRange r{qmin, qmax};
  switch (act) {
    case FusedActivation::kRelu:
      r.min = std::max(qmin, QuantizeFloatValue(0.0f, out));
      break;
    case FusedActivation::kRelu6:
      r.min = std::max(qmin, QuantizeFloatValue(0.0f, out));
      r.max = std::min(qmax, QuantizeFloatValue(6.0f, out));
      break;
    case FusedActivation::kReluN1To1:
      r.min = std::max(qmin, QuantizeFloatValue(-1.0f, out));
      r.max = std::min(qmax, QuantizeFloatValue(1.0f, out));
      break;
    default:  // NONE; TFLite treats TANH and SIGN_BIT here as no clamp too
      break;
  }
  return r;
}

FloatRange CalculateActivationRangeFloat(FusedActivation act) {
  FloatRange r;
  switch (act) {
    case FusedActivation::kRelu:
      r.min = 0.0f;
      break;
    case FusedActivation::kRelu6:
      r = {0.0f, 6.0f};
      break;
    case FusedActivation::kReluN1To1:
      r = {-1.0f, 1.0f};
      break;
    default:
      break;
  }
  return r;
}

namespace {

// Per-channel (or broadcast per-tensor) requantization of conv-like ops, output range `range`.
Requant PrepareConvPerChannel(QParams in, const std::vector<float>& filter_scales, int out_channels, QParams out,
                              FusedActivation act, ActivationRange range) {
  CheckScale(in.scale, "conv input");
  CheckScale(out.scale, "conv output");
  CheckWeightScales(filter_scales, out_channels, "conv");
  Requant r;
  r.input_offset = -in.zero_point;
  r.output_offset = out.zero_point;
  FillPerChannel(&r, in, filter_scales, out_channels, out);
  r.act = CalculateActivationRangeQuantized(act, out, range.min, range.max);
  return r;
}

void CheckSymmetricInt16(QParams in, QParams out, const char* what) {
  if (in.zero_point != 0 || out.zero_point != 0) {
    throw std::invalid_argument(std::string(what) + ": int16 zero points must be 0");
  }
}

// The int64 MBQM has a 15-bit right shift built in; multipliers beyond 2^14 would shift left.
void CheckInt64MultiplierShifts(const Requant& r, const char* what) {
  for (int shift : r.shift) {
    if (shift > 14) throw std::invalid_argument(std::string(what) + ": rescale factor too large for int16");
  }
}

}  // namespace

Requant PrepareConvInt8(QParams in, const std::vector<float>& filter_scales, int out_channels, QParams out,
                        FusedActivation act) {
  return PrepareConvPerChannel(in, filter_scales, out_channels, out, act, TypeRange<int8_t>());
}

Requant PrepareConvInt16(QParams in, const std::vector<float>& filter_scales, int out_channels, QParams out,
                         FusedActivation act) {
  CheckSymmetricInt16(in, out, "conv");
  Requant r = PrepareConvPerChannel(in, filter_scales, out_channels, out, act, TypeRange<int16_t>());
  CheckInt64MultiplierShifts(r, "conv");
  return r;
}

Requant PrepareConvUInt8(QParams in, QParams filter, QParams out, FusedActivation act) {
  CheckScale(in.scale, "conv input");
  CheckScale(filter.scale, "conv filter");
  CheckScale(out.scale, "conv output");
  Requant r;
  r.input_offset = -in.zero_point;
  r.weights_offset = -filter.zero_point;
  r.output_offset = out.zero_point;
  const float product = in.scale * filter.scale;  // float32 product, as TFLite
  const QuantizedMultiplier q = fp::QuantizeMultiplier(static_cast<double>(product) / static_cast<double>(out.scale));
  r.multiplier = {q.multiplier};
  r.shift = {q.shift};
  r.act = CalculateActivationRangeQuantized(act, out, 0, 255);
  return r;
}

namespace {

Requant PrepareFullyConnected(QParams in, const std::vector<float>& weight_scales, int32_t weight_zero_point,
                              int out_channels, QParams out, FusedActivation act, Numerics numerics,
                              ActivationRange range) {
  CheckScale(in.scale, "fully connected input");
  CheckScale(out.scale, "fully connected output");
  CheckWeightScales(weight_scales, out_channels, "fully connected");
  Requant r;
  r.input_offset = -in.zero_point;
  r.output_offset = out.zero_point;
  r.act = CalculateActivationRangeQuantized(act, out, range.min, range.max);
  const bool per_channel = weight_scales.size() > 1;
  if (per_channel) {
    FillPerChannel(&r, in, weight_scales, out_channels, out);
  } else {
    r.weights_offset = -weight_zero_point;
    const double product = numerics == Numerics::kMicro
                               ? static_cast<double>(in.scale) * static_cast<double>(weight_scales[0])
                               : static_cast<double>(in.scale * weight_scales[0]);
    const QuantizedMultiplier q = fp::QuantizeMultiplier(product / static_cast<double>(out.scale));
    r.multiplier = {q.multiplier};
    r.shift = {q.shift};
  }
  if (numerics == Numerics::kLiteRT) {
    for (float w : weight_scales) {
      r.real_multiplier.push_back(static_cast<double>(in.scale) * static_cast<double>(w) /
                                  static_cast<double>(out.scale));
    }
  }
  return r;
}

}  // namespace

Requant PrepareFullyConnectedInt8(QParams in, const std::vector<float>& weight_scales, int32_t weight_zero_point,
                                  int out_channels, QParams out, FusedActivation act, Numerics numerics) {
  return PrepareFullyConnected(in, weight_scales, weight_zero_point, out_channels, out, act, numerics,
                               TypeRange<int8_t>());
}

Requant PrepareFullyConnectedUInt8(QParams in, QParams weights, QParams out, FusedActivation act, Numerics numerics) {
  return PrepareFullyConnected(in, {weights.scale}, weights.zero_point, 1, out, act, numerics, TypeRange<uint8_t>());
}

Requant PrepareFullyConnectedInt16(QParams in, const std::vector<float>& weight_scales, int32_t weight_zero_point,
                                   int out_channels, QParams out, FusedActivation act, Numerics numerics) {
  CheckSymmetricInt16(in, out, "fully connected");
  Requant r = PrepareFullyConnected(in, weight_scales, weight_zero_point, out_channels, out, act, numerics,
                                    TypeRange<int16_t>());
  CheckInt64MultiplierShifts(r, "fully connected");
  return r;
}

namespace {

// Offsets, activation range and left shift shared by ADD and SUB.
AddSubInt8Params AddSubBase(QParams in1, QParams in2, QParams out, FusedActivation act, int left_shift,
                            ActivationRange range) {
  CheckScale(in1.scale, "add/sub input 1");
  CheckScale(in2.scale, "add/sub input 2");
  CheckScale(out.scale, "add/sub output");
  AddSubInt8Params p;
  p.input1_offset = -in1.zero_point;
  p.input2_offset = -in2.zero_point;
  p.output_offset = out.zero_point;
  p.left_shift = left_shift;
  p.act = CalculateActivationRangeQuantized(act, out, range.min, range.max);
  return p;
}

void SetInputMultipliers(AddSubInt8Params* p, double real1, double real2) {
  const QuantizedMultiplier m1 = fp::QuantizeMultiplierSmallerThanOneExp(real1);
  const QuantizedMultiplier m2 = fp::QuantizeMultiplierSmallerThanOneExp(real2);
  p->input1_multiplier = m1.multiplier;
  p->input1_shift = m1.shift;
  p->input2_multiplier = m2.multiplier;
  p->input2_shift = m2.shift;
}

void SetOutputMultiplier(AddSubInt8Params* p, QuantizedMultiplier mo) {
  p->output_multiplier = mo.multiplier;
  p->output_shift = mo.shift;
}

// ADD (both runtimes) and LiteRT SUB: the real multipliers in double. tm = 2·max(s1, s2) is
// exact in float, and so is 2^20·s_out, so the order of widening does not matter there.
void RealAddSubMultipliersInDouble(QParams in1, QParams in2, QParams out, int left_shift, double* real1,
                                   double* real2, double* real_output) {
  const double twice_max_input_scale = 2 * static_cast<double>(std::max(in1.scale, in2.scale));
  *real1 = static_cast<double>(in1.scale) / twice_max_input_scale;
  *real2 = static_cast<double>(in2.scale) / twice_max_input_scale;
  *real_output = twice_max_input_scale / ((1 << left_shift) * static_cast<double>(out.scale));
}

AddSubInt8Params PrepareAdd(QParams in1, QParams in2, QParams out, FusedActivation act, int left_shift,
                            ActivationRange range) {
  AddSubInt8Params p = AddSubBase(in1, in2, out, act, left_shift, range);
  double real1, real2, real_output;
  RealAddSubMultipliersInDouble(in1, in2, out, p.left_shift, &real1, &real2, &real_output);
  SetInputMultipliers(&p, real1, real2);
  SetOutputMultiplier(&p, fp::QuantizeMultiplierSmallerThanOneExp(real_output));
  return p;
}

AddSubInt8Params PrepareSub(QParams in1, QParams in2, QParams out, FusedActivation act, Numerics numerics,
                            int left_shift, ActivationRange range) {
  AddSubInt8Params p = AddSubBase(in1, in2, out, act, left_shift, range);
  if (numerics == Numerics::kLiteRT) {
    double real1, real2, real_output;
    RealAddSubMultipliersInDouble(in1, in2, out, p.left_shift, &real1, &real2, &real_output);
    SetInputMultipliers(&p, real1, real2);
    SetOutputMultiplier(&p, real_output > 1 ? fp::QuantizeMultiplierGreaterThanOne(real_output)
                                            : fp::QuantizeMultiplierSmallerThanOneExp(real_output));
    return p;
  }
  // TFLite Micro: every division in float32, widened afterwards.
  const float twice_max_input_scale = 2 * std::max(in1.scale, in2.scale);
  const float real1 = in1.scale / twice_max_input_scale;
  const float real2 = in2.scale / twice_max_input_scale;
  const float real_output = twice_max_input_scale / (static_cast<float>(1 << p.left_shift) * out.scale);
  SetInputMultipliers(&p, real1, real2);
  SetOutputMultiplier(&p, fp::QuantizeMultiplierSmallerThanOneExp(real_output));
  return p;
}

MulInt8Params PrepareMul(QParams in1, QParams in2, QParams out, FusedActivation act, Numerics numerics,
                         ActivationRange range) {
  CheckScale(in1.scale, "mul input 1");
  CheckScale(in2.scale, "mul input 2");
  CheckScale(out.scale, "mul output");
  MulInt8Params p;
  p.input1_offset = -in1.zero_point;
  p.input2_offset = -in2.zero_point;
  p.output_offset = out.zero_point;
  double real;
  if (numerics == Numerics::kMicro) {
    real = static_cast<double>(in1.scale) * static_cast<double>(in2.scale) / static_cast<double>(out.scale);
  } else {
    const float real_f = in1.scale * in2.scale / out.scale;
    real = real_f;
  }
  const QuantizedMultiplier q = fp::QuantizeMultiplier(real);
  p.output_multiplier = q.multiplier;
  p.output_shift = q.shift;
  p.act = CalculateActivationRangeQuantized(act, out, range.min, range.max);
  return p;
}

void CheckSymmetricInt16(QParams in1, QParams in2, QParams out, const char* what) {
  if (in1.zero_point != 0 || in2.zero_point != 0 || out.zero_point != 0) {
    throw std::invalid_argument(std::string(what) + ": int16 zero points must be 0");
  }
}

constexpr int kLeftShift8Bit = 20;
constexpr int kLeftShift16Bit = 15;  // 65535·2^15 < 2^31: the sum of two inputs still fits int32

}  // namespace

AddSubInt8Params PrepareAddInt8(QParams in1, QParams in2, QParams out, FusedActivation act) {
  return PrepareAdd(in1, in2, out, act, kLeftShift8Bit, TypeRange<int8_t>());
}

AddSubInt8Params PrepareSubInt8(QParams in1, QParams in2, QParams out, FusedActivation act, Numerics numerics) {
  return PrepareSub(in1, in2, out, act, numerics, kLeftShift8Bit, TypeRange<int8_t>());
}

MulInt8Params PrepareMulInt8(QParams in1, QParams in2, QParams out, FusedActivation act, Numerics numerics) {
  return PrepareMul(in1, in2, out, act, numerics, TypeRange<int8_t>());
}

AddSubInt8Params PrepareAddUInt8(QParams in1, QParams in2, QParams out, FusedActivation act) {
  return PrepareAdd(in1, in2, out, act, kLeftShift8Bit, TypeRange<uint8_t>());
}

AddSubInt8Params PrepareSubUInt8(QParams in1, QParams in2, QParams out, FusedActivation act, Numerics numerics) {
  return PrepareSub(in1, in2, out, act, numerics, kLeftShift8Bit, TypeRange<uint8_t>());
}

MulInt8Params PrepareMulUInt8(QParams in1, QParams in2, QParams out, FusedActivation act, Numerics numerics) {
  return PrepareMul(in1, in2, out, act, numerics, TypeRange<uint8_t>());
}

AddSubInt8Params PrepareAddInt16(QParams in1, QParams in2, QParams out, FusedActivation act) {
  CheckSymmetricInt16(in1, in2, out, "add");
  return PrepareAdd(in1, in2, out, act, kLeftShift16Bit, TypeRange<int16_t>());
}

AddSubInt8Params PrepareSubInt16(QParams in1, QParams in2, QParams out, FusedActivation act, Numerics numerics) {
  CheckSymmetricInt16(in1, in2, out, "sub");
  return PrepareSub(in1, in2, out, act, numerics, kLeftShift16Bit, TypeRange<int16_t>());
}

MulInt8Params PrepareMulInt16(QParams in1, QParams in2, QParams out, FusedActivation act, Numerics numerics) {
  CheckSymmetricInt16(in1, in2, out, "mul");
  return PrepareMul(in1, in2, out, act, numerics, TypeRange<int16_t>());
}

bool CheckedLog2(float x, int* log2_result) {
  // Natural log times 1/ln 2, all in float, as TFLite (not std::log2).
  const float x_log2 = std::log(x) * (1.0f / std::log(2.0f));
  const float x_log2_rounded = fp::TfLiteRound(x_log2);
  *log2_result = static_cast<int>(x_log2_rounded);
  return std::fabs(x_log2 - x_log2_rounded) < 1e-3f;
}

bool AddSubInt16ScalesArePot(QParams in1, QParams in2, QParams out) {
  int e1, e2, eo;
  return CheckedLog2(in1.scale, &e1) && CheckedLog2(in2.scale, &e2) && CheckedLog2(out.scale, &eo);
}

AddSubInt16PotParams PrepareAddSubInt16Pot(QParams in1, QParams in2, QParams out, FusedActivation act) {
  CheckSymmetricInt16(in1, in2, out, "add/sub");
  int e1, e2, eo;
  if (!CheckedLog2(in1.scale, &e1) || !CheckedLog2(in2.scale, &e2) || !CheckedLog2(out.scale, &eo)) {
    throw std::invalid_argument("add/sub: the power-of-two int16 path needs power-of-two scales");
  }
  // The coarser input must match the output; the other is divided down to it.
  const int shift1 = e1 - eo, shift2 = e2 - eo;
  if (!(shift1 == 0 || shift2 == 0) || shift1 > 0 || shift2 > 0) {
    throw std::invalid_argument("add/sub: with power-of-two int16 scales one input must share the output scale "
                                "and the other be finer");
  }
  AddSubInt16PotParams p;
  p.input1_right_shift = -shift1;
  p.input2_right_shift = -shift2;
  p.act = CalculateActivationRangeQuantized(act, out, fp::kInt16Min, fp::kInt16Max);
  return p;
}

namespace {

// The fixed-point SOFTMAX (int8 and uint8): output (1/256, zero_point). TFLite Micro demands the
// scale exactly, LiteRT within 0.1%.
SoftmaxInt8Params PrepareSoftmax8Bit(QParams in, QParams out, float beta, Numerics numerics, int32_t zero_point,
                                     const char* error) {
  CheckScale(in.scale, "softmax input");
  constexpr float kOutputScale = 1.0f / 256.0f;
  const bool scale_ok = numerics == Numerics::kMicro
                            ? out.scale == kOutputScale
                            : std::fabs(out.scale - kOutputScale) <= 0.001f * kOutputScale;
  if (out.zero_point != zero_point || !scale_ok) throw std::invalid_argument(error);
  constexpr int kScaledDiffIntegerBits = 5;
  const double max_real_multiplier = (int64_t{1} << 31) - 1.0;
  const double real = std::min(static_cast<double>(beta) * static_cast<double>(in.scale) *
                                   static_cast<double>(1 << (31 - kScaledDiffIntegerBits)),
                               max_real_multiplier);
  const QuantizedMultiplier q = fp::QuantizeMultiplierGreaterThanOne(real);
  SoftmaxInt8Params p;
  p.input_multiplier = q.multiplier;
  p.input_left_shift = q.shift;
  p.diff_min = -fp::CalculateInputRadius(kScaledDiffIntegerBits, q.shift);
  return p;
}

}  // namespace

SoftmaxInt8Params PrepareSoftmaxInt8(QParams in, QParams out, float beta, Numerics numerics) {
  return PrepareSoftmax8Bit(in, out, beta, numerics, -128,
                            "softmax: int8 output must have scale 1/256 and zero point -128");
}

SoftmaxInt8Params PrepareSoftmaxUInt8(QParams in, QParams out, float beta, Numerics numerics) {
  return PrepareSoftmax8Bit(in, out, beta, numerics, 0, "softmax: uint8 output must have scale 1/256 and zero point 0");
}

SoftmaxInt16Params PrepareSoftmaxInt16(QParams in, QParams out, float beta, Numerics numerics) {
  CheckScale(in.scale, "softmax input");
  constexpr float kOutputScale = 1.0f / 32768.0f;
  if (in.zero_point != 0 || out.zero_point != 0 || !(std::fabs(out.scale - kOutputScale) <= 0.001f * kOutputScale)) {
    throw std::invalid_argument("softmax: int16 zero points must be 0 and the output scale 1/32768");
  }
  // exp LUT on [−10, 0] (input zero point 32767 puts 0 at the top of the int16 range), 1/(1 + x)
  // on [0, 1]; both with the symmetric output range [−1, 1].
  constexpr int32_t kRange = 65535;
  SoftmaxInt16Params p;
  double real;
  if (numerics == Numerics::kLiteRT) {
    p.exp_lut = MakeLut16<double>(10.0 / kRange, 32767, 2.0 / kRange, 0, [](double x) { return std::exp(x); });
    p.one_over_one_plus_x_lut =
        MakeLut16<double>(1.0 / kRange, -32768, 2.0 / kRange, 0, [](double x) { return 1.0 / (1.0 + x); });
    const float scale_beta = in.scale * beta;  // float32 product, as LiteRT
    real = static_cast<double>(scale_beta) / (10.0 / 65535.0);
  } else {
    p.exp_lut = MakeLut16<float>(10.0f / kRange, 32767, 2.0f / kRange, 0, [](float x) { return std::exp(x); });
    p.one_over_one_plus_x_lut =
        MakeLut16<float>(1.0f / kRange, -32768, 2.0f / kRange, 0, [](float x) { return 1.0f / (1.0f + x); });
    real = static_cast<double>(in.scale) * static_cast<double>(beta) / (10.0 / 65535.0);
  }
  const QuantizedMultiplier q = fp::QuantizeMultiplier(real);
  p.input_multiplier = q.multiplier;
  p.input_left_shift = q.shift;
  return p;
}

namespace {

// TFLite Micro's LOGISTIC/TANH Prepare: M = s_in·2^27 split by frexp, without
// QuantizeMultiplier's renormalization (a float scale cannot round q up to 1 anyway).
LogisticTanhInt8Params PrepareFixedPointQ4(QParams in) {
  CheckScale(in.scale, "logistic/tanh input");
  constexpr int kInputIntegerBits = 4;
  const double real = static_cast<double>(in.scale) * static_cast<double>(1 << (31 - kInputIntegerBits));
  LogisticTanhInt8Params p;
  p.input_zero_point = in.zero_point;
  const double fraction = std::frexp(real, &p.input_left_shift);
  p.input_multiplier = static_cast<int32_t>(fp::TfLiteRound(fraction * static_cast<double>(int64_t{1} << 31)));
  p.input_range_radius = fp::CalculateInputRadius(kInputIntegerBits, p.input_left_shift, 31);
  return p;
}

}  // namespace

LogisticTanhInt8Params PrepareLogisticInt8(QParams in, QParams out) {
  if (out.zero_point != -128) throw std::invalid_argument("logistic: int8 output zero point must be -128");
  return PrepareFixedPointQ4(in);
}

LogisticTanhInt8Params PrepareTanhInt8(QParams in) { return PrepareFixedPointQ4(in); }

namespace {

// LiteRT's table functions, in float (std::exp and std::tanh on float call expf and tanhf).
float LogisticOfFloat(float x) { return 1.0f / (1.0f + std::exp(-x)); }
float TanhOfFloat(float x) { return std::tanh(x); }

void CheckLogisticLutParams(QParams in, QParams out) {
  CheckScale(in.scale, "logistic input");
  if (out.scale != 1.0f / 256.0f) throw std::invalid_argument("logistic: output scale must be 1/256");
}

}  // namespace

Lut8 PrepareLogisticLutInt8(QParams in, QParams out) {
  CheckLogisticLutParams(in, out);
  return MakeLut8<int8_t>(in, out, LogisticOfFloat);
}

Lut8 PrepareLogisticLutUInt8(QParams in, QParams out) {
  CheckLogisticLutParams(in, out);
  return MakeLut8<uint8_t>(in, out, LogisticOfFloat);
}

Lut8 PrepareTanhLutInt8(QParams in, QParams out) {
  CheckScale(in.scale, "tanh input");
  CheckScale(out.scale, "tanh output");
  return MakeLut8<int8_t>(in, out, TanhOfFloat);
}

Lut8 PrepareTanhLutUInt8(QParams in, QParams out) {
  CheckScale(in.scale, "tanh input");
  CheckScale(out.scale, "tanh output");
  return MakeLut8<uint8_t>(in, out, TanhOfFloat);
}

namespace {

// int16 LOGISTIC/TANH: the input scale onto the table's 1/(3·4096) units. A power-of-two scale
// whose left shift (12 + log2 s_in) is one of `pot_shifts_allowed` (logistic: 0; tanh: 0 or 1)
// needs no multiplier.
LogisticTanhInt16Params PrepareInt16TableInput(QParams in, QParams out, int max_pot_shift, const char* what) {
  CheckScale(in.scale, what);
  CheckScale(out.scale, what);
  if (in.zero_point != 0 || out.zero_point != 0) {
    throw std::invalid_argument(std::string(what) + ": int16 zero points must be 0");
  }
  constexpr int kInputIntegerBits = 3;
  constexpr int kOutputFractionalBits = 15;
  int output_log2 = 0;
  if (!CheckedLog2(out.scale, &output_log2) || output_log2 != -kOutputFractionalBits) {
    throw std::invalid_argument(std::string(what) + ": int16 output scale must be 2^-15");
  }
  LogisticTanhInt16Params p;
  int input_log2 = 0;
  const bool pot = CheckedLog2(in.scale, &input_log2);
  p.input_left_shift = (15 - kInputIntegerBits) + input_log2;
  if (pot && p.input_left_shift >= 0 && p.input_left_shift <= max_pot_shift) {
    p.input_multiplier = 0;
    return p;
  }
  // s_in·3·4096 doubled (at most 31 times) until it passes 32767/2, then truncated.
  double multiplier = static_cast<double>(in.scale) * 4096.0 * 3.0;
  p.input_left_shift = 0;
  while (multiplier <= 32767.0 / 2.0 && p.input_left_shift <= 30) {
    ++p.input_left_shift;
    multiplier *= 2.0;
  }
  // Beyond 32767 the kernel's x·multiplier could overflow int32; TFLite only DCHECKs this.
  if (multiplier > 32767.0) throw std::invalid_argument(std::string(what) + ": int16 input scale too large");
  p.input_multiplier = static_cast<int32_t>(multiplier);
  return p;
}

}  // namespace

LogisticTanhInt16Params PrepareLogisticInt16(QParams in, QParams out) {
  return PrepareInt16TableInput(in, out, 0, "logistic");
}

LogisticTanhInt16Params PrepareTanhInt16(QParams in, QParams out) { return PrepareInt16TableInput(in, out, 1, "tanh"); }

MeanOrSumInt8Params PrepareMeanOrSumInt8(QParams in, QParams out, bool compute_sum) {
  CheckScale(in.scale, "mean input");
  CheckScale(out.scale, "mean output");
  const QuantizedMultiplier q =
      fp::QuantizeMultiplier(static_cast<double>(in.scale) / static_cast<double>(out.scale));
  MeanOrSumInt8Params p;
  p.input_zero_point = in.zero_point;
  p.output_zero_point = out.zero_point;
  p.multiplier = q.multiplier;
  p.shift = q.shift;
  p.compute_sum = compute_sum;
  return p;
}

RequantizeParams PrepareRequantize(QParams in, QParams out) {
  CheckScale(in.scale, "requantize input");
  CheckScale(out.scale, "requantize output");
  const QuantizedMultiplier q =
      fp::QuantizeMultiplier(static_cast<double>(in.scale) / static_cast<double>(out.scale));
  return {in.zero_point, out.zero_point, q.multiplier, q.shift};
}

ReluInt8Params PrepareReluInt8(QParams in, QParams out, Numerics numerics, ActivationRange type_range) {
  CheckScale(in.scale, "relu input");
  CheckScale(out.scale, "relu output");
  return ReluRequantized(in, out, numerics, std::numeric_limits<float>::infinity(), type_range);
}

ReluInt8Params PrepareRelu6Int8(QParams in, QParams out, Numerics numerics, ActivationRange type_range) {
  CheckScale(in.scale, "relu6 input");
  CheckScale(out.scale, "relu6 output");
  if (numerics == Numerics::kLiteRT) return ReluRequantized(in, out, numerics, 6.0f, type_range);
  ReluInt8Params p;
  p.requantize = false;
  p.input_zero_point = in.zero_point;
  p.output_zero_point = in.zero_point;
  p.act.min = in.zero_point;
  p.act.max = Clamp(QuantizeFloatValue(6.0f, in), type_range.min, type_range.max);
  return p;
}

LeakyReluInt8Params PrepareLeakyReluInt8(QParams in, QParams out, float alpha) {
  CheckScale(in.scale, "leaky relu input");
  CheckScale(out.scale, "leaky relu output");
  const float real_alpha = in.scale * alpha / out.scale;  // float32, as both runtimes
  const float real_identity = in.scale / out.scale;
  const QuantizedMultiplier qa = fp::QuantizeMultiplier(static_cast<double>(real_alpha));
  const QuantizedMultiplier qi = fp::QuantizeMultiplier(static_cast<double>(real_identity));
  LeakyReluInt8Params p;
  p.input_zero_point = in.zero_point;
  p.output_zero_point = out.zero_point;
  p.multiplier_alpha = qa.multiplier;
  p.shift_alpha = qa.shift;
  p.multiplier_identity = qi.multiplier;
  p.shift_identity = qi.shift;
  return p;
}

HardSwishInt8Params PrepareHardSwishInt8(QParams in, QParams out) {
  CheckScale(in.scale, "hard swish input");
  CheckScale(out.scale, "hard swish output");
  const float hires_input_scale = (1.0f / 128.0f) * in.scale;
  const float reluish_scale = 3.0f / 32768.0f;
  const QuantizedMultiplier qo = fp::QuantizeMultiplier(static_cast<double>(hires_input_scale / out.scale));
  const QuantizedMultiplier qr = fp::QuantizeMultiplier(static_cast<double>(hires_input_scale / reluish_scale));
  if (qo.shift > 0) {
    throw std::invalid_argument("hard swish: output multiplier (s_in/128)/s_out must be below 1");
  }
  HardSwishInt8Params p;
  p.input_zero_point = in.zero_point;
  p.output_zero_point = out.zero_point;
  p.output_multiplier_fixedpoint_int16 = fp::DownScaleInt32ToInt16Multiplier(qo.multiplier);
  p.output_multiplier_exponent = qo.shift;
  p.reluish_multiplier_fixedpoint_int16 = fp::DownScaleInt32ToInt16Multiplier(qr.multiplier);
  p.reluish_multiplier_exponent = qr.shift;
  return p;
}

PreluInt8Params PreparePreluInt8(QParams in, QParams alpha, QParams out, Numerics numerics) {
  CheckScale(in.scale, "prelu input");
  CheckScale(alpha.scale, "prelu alpha");
  CheckScale(out.scale, "prelu output");
  double real1, real2;
  if (numerics == Numerics::kMicro) {
    real1 = static_cast<double>(in.scale) / static_cast<double>(out.scale);
    real2 = static_cast<double>(in.scale) * static_cast<double>(alpha.scale) / static_cast<double>(out.scale);
  } else {
    const float real1_f = in.scale / out.scale;
    const float real2_f = in.scale * alpha.scale / out.scale;
    real1 = real1_f;
    real2 = real2_f;
  }
  const QuantizedMultiplier q1 = fp::QuantizeMultiplier(real1);
  const QuantizedMultiplier q2 = fp::QuantizeMultiplier(real2);
  PreluInt8Params p;
  p.input_offset = -in.zero_point;
  p.alpha_offset = -alpha.zero_point;
  p.output_offset = out.zero_point;
  p.multiplier_1 = q1.multiplier;
  p.shift_1 = q1.shift;
  p.multiplier_2 = q2.multiplier;
  p.shift_2 = q2.shift;
  return p;
}

}  // namespace qtflite::reference
