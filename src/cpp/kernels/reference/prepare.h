// Prepare helpers: the per-op integer parameters computed from float scales, with exactly the
// float/double precision of the official runtimes (tflite-facts.md §B.3, §C.4). Where TFLite
// Micro and LiteRT compute differently, `numerics` picks one; the differences are noted per
// function. Invalid parameters (where the runtimes refuse or abort) throw std::invalid_argument.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/reference/activations.h"
#include "kernels/reference/common.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/logistic.h"
#include "kernels/reference/lut.h"
#include "kernels/reference/quantize.h"
#include "kernels/reference/reduce.h"
#include "kernels/reference/softmax.h"

namespace qtflite::reference {

// Clamp range of a fused activation on the quantized output: Quantize(f) = zp +
// (int)round(f / scale) in float; RELU: [max(qmin, Q(0)), qmax]; RELU6: [max(qmin, Q(0)),
// min(qmax, Q(6))]; RELU_N1_TO_1: [max(qmin, Q(−1)), min(qmax, Q(1))]; others: [qmin, qmax].
ActivationRange CalculateActivationRangeQuantized(FusedActivation act, QParams out, int32_t qmin = -128,
                                                  int32_t qmax = 127);
// The float twin: RELU [0, max], RELU6 [0, 6], RELU_N1_TO_1 [−1, 1], others [lowest, max].
FloatRange CalculateActivationRangeFloat(FusedActivation act);

// CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV: M_c = s_in·s_w,c/s_out in double, one per output
// channel (a single filter scale is broadcast).
Requant PrepareConvInt8(QParams in, const std::vector<float>& filter_scales, int out_channels, QParams out,
                        FusedActivation act);

// uint8 CONV_2D / DEPTHWISE_CONV_2D (TF1): one filter scale and zero point; M = (s_in·s_w in
// float32)/s_out in double (TFLite's GetQuantizedConvolutionMultipler), weights_offset = −zp_w.
Requant PrepareConvUInt8(QParams in, QParams filter, QParams out, FusedActivation act);
// int16 CONV_2D / DEPTHWISE_CONV_2D (16x8): as int8, with the int16 output range; zero points
// must be 0.
Requant PrepareConvInt16(QParams in, const std::vector<float>& filter_scales, int out_channels, QParams out,
                         FusedActivation act);

// FULLY_CONNECTED. Per-channel (more than one weight scale): as conv, weight zero point ignored.
// Per-tensor: M = s_in·s_w/s_out and weights_offset = −zp_w; LiteRT takes the product in float32
// and widens it, TFLite Micro takes it in double (measured against tflite-micro).
// LiteRT additionally rescales in double (Requant::real_multiplier = s_in·s_w/s_out in double).
Requant PrepareFullyConnectedInt8(QParams in, const std::vector<float>& weight_scales, int32_t weight_zero_point,
                                  int out_channels, QParams out, FusedActivation act, Numerics numerics);

// uint8 FULLY_CONNECTED: as the int8 per-tensor case with the uint8 output range (LiteRT
// rescales in double here too).
Requant PrepareFullyConnectedUInt8(QParams in, QParams weights, QParams out, FusedActivation act, Numerics numerics);
// int16 FULLY_CONNECTED (16x8): as int8 with the int16 output range; zero points of the input
// and output must be 0.
Requant PrepareFullyConnectedInt16(QParams in, const std::vector<float>& weight_scales, int32_t weight_zero_point,
                                   int out_channels, QParams out, FusedActivation act, Numerics numerics);

// ADD: left shift 20; tm = 2·max(s1, s2); M1 = s1/tm, M2 = s2/tm, Mo = tm/(2^20·s_out), in
// double, all "smaller than one".
AddSubInt8Params PrepareAddInt8(QParams in1, QParams in2, QParams out, FusedActivation act);
// SUB: as ADD for LiteRT (plus Mo > 1 allowed); TFLite Micro divides in float32.
AddSubInt8Params PrepareSubInt8(QParams in1, QParams in2, QParams out, FusedActivation act, Numerics numerics);
// MUL: M = s1·s2/s_out; TFLite Micro in double, LiteRT in float32.
MulInt8Params PrepareMulInt8(QParams in1, QParams in2, QParams out, FusedActivation act, Numerics numerics);

// uint8 ADD/SUB/MUL: the int8 arithmetic with the uint8 output range.
AddSubInt8Params PrepareAddUInt8(QParams in1, QParams in2, QParams out, FusedActivation act);
AddSubInt8Params PrepareSubUInt8(QParams in1, QParams in2, QParams out, FusedActivation act, Numerics numerics);
MulInt8Params PrepareMulUInt8(QParams in1, QParams in2, QParams out, FusedActivation act, Numerics numerics);
// int16 ADD/SUB general-scale path: left shift 15, int16 range; zero points must be 0. MUL as
// int8 with the int16 range.
AddSubInt8Params PrepareAddInt16(QParams in1, QParams in2, QParams out, FusedActivation act);
AddSubInt8Params PrepareSubInt16(QParams in1, QParams in2, QParams out, FusedActivation act, Numerics numerics);
MulInt8Params PrepareMulInt16(QParams in1, QParams in2, QParams out, FusedActivation act, Numerics numerics);

// TFLite's CheckedLog2: true if x is within 1e-3 (in log2) of a power of two, whose exponent is
// stored; computed in float as TFLite.
bool CheckedLog2(float x, int* log2_result);
// LiteRT's power-of-two int16 ADD/SUB, used when the op's pot_scale_int16 is true and all three
// scales are powers of two (AddSubInt16ScalesArePot). One input may be finer than the output;
// the other must match it.
bool AddSubInt16ScalesArePot(QParams in1, QParams in2, QParams out);
AddSubInt16PotParams PrepareAddSubInt16Pot(QParams in1, QParams in2, QParams out, FusedActivation act);

// SOFTMAX int8 -> int8: output must be (1/256, −128) (Micro: exactly; LiteRT: within 0.1%).
SoftmaxInt8Params PrepareSoftmaxInt8(QParams in, QParams out, float beta, Numerics numerics);
// uint8 SOFTMAX: output (1/256, 0), the same checks per numerics.
SoftmaxInt8Params PrepareSoftmaxUInt8(QParams in, QParams out, float beta, Numerics numerics);
// int16 SOFTMAX: zero points 0, output scale 1/32768 (within 0.1%). M = s_in·β/(10/65535);
// LiteRT multiplies s_in·β in float32 and builds the LUTs in double, TFLite Micro computes M in
// double and builds the LUTs in float.
SoftmaxInt16Params PrepareSoftmaxInt16(QParams in, QParams out, float beta, Numerics numerics);

// LOGISTIC (output zero point must be −128) and TANH, TFLite Micro's fixed-point path.
LogisticTanhInt8Params PrepareLogisticInt8(QParams in, QParams out);
LogisticTanhInt8Params PrepareTanhInt8(QParams in);
// LiteRT's int8/uint8 LOGISTIC and TANH tables: f in float at every input value. LOGISTIC needs
// an output scale of exactly 1/256.
Lut8 PrepareLogisticLutInt8(QParams in, QParams out);
Lut8 PrepareLogisticLutUInt8(QParams in, QParams out);
Lut8 PrepareTanhLutInt8(QParams in, QParams out);
Lut8 PrepareTanhLutUInt8(QParams in, QParams out);
// int16 LOGISTIC / TANH (both runtimes): zero points 0, output scale 2^−15. A power-of-two input
// scale with the right exponent (logistic: 2^−12; tanh: 2^−12 or 2^−11) takes the multiplier-free
// path; otherwise M = s_in·3·4096 is doubled until it exceeds 32767/2 (at most 31 times), and
// truncated.
LogisticTanhInt16Params PrepareLogisticInt16(QParams in, QParams out);
LogisticTanhInt16Params PrepareTanhInt16(QParams in, QParams out);

// MEAN / SUM: M = s_in/s_out in double.
MeanOrSumInt8Params PrepareMeanOrSumInt8(QParams in, QParams out, bool compute_sum);
// QUANTIZE int8 <-> int8/uint8: M = s_in/s_out in double.
RequantizeParams PrepareRequantize(QParams in, QParams out);

// Standalone RELU: M = s_in/s_out (Micro: double, LiteRT: float32), clamp to
// [max(qmin, zp_out + round(0/s_out)), qmax]; [qmin, qmax] is the type's range (default int8).
ReluInt8Params PrepareReluInt8(QParams in, QParams out, Numerics numerics,
                               ActivationRange type_range = TypeRange<int8_t>());
// Standalone RELU6. LiteRT: as RELU with upper bound zp_out + round(6/s_out). TFLite Micro does
// not requantize: it clamps the raw input to [zp_in, zp_in + round(6/s_in)].
ReluInt8Params PrepareRelu6Int8(QParams in, QParams out, Numerics numerics,
                                ActivationRange type_range = TypeRange<int8_t>());
// LEAKY_RELU: M_α = s_in·α/s_out and M_id = s_in/s_out in float32.
LeakyReluInt8Params PrepareLeakyReluInt8(QParams in, QParams out, float alpha);
// HARD_SWISH: hires = s_in/128; M_out = hires/s_out, M_relu = hires/(3/32768) in float32, then
// QuantizeMultiplier and rounded to int16. Requires M_out's exponent <= 0.
HardSwishInt8Params PrepareHardSwishInt8(QParams in, QParams out);
// PRELU: M1 = s_in/s_out, M2 = s_in·s_α/s_out; Micro in double, LiteRT in float32.
PreluInt8Params PreparePreluInt8(QParams in, QParams alpha, QParams out, Numerics numerics);

}  // namespace qtflite::reference
