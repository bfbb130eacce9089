// The precision rules of the Prepare helpers (tflite-facts.md §B.3, §C.4). With awkward scales
// (0.3f, 0.7f, ...) a float32 and a double computation of the same real multiplier differ in
// the last bits of the Q0.31 multiplier, so each case pins which one the runtime uses. The
// expected values were worked out with an independent NumPy float32/float64 model of
// QuantizeMultiplier (frexp, round half away from zero).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "kernels/reference/prepare.h"

namespace qtflite::reference {
namespace {

TEST(ActivationRange, Quantized) {
  const QParams out{0.5f, -10};
  auto range = [&](FusedActivation a) { return CalculateActivationRangeQuantized(a, out); };
  // Q(f) = -10 + round(f / 0.5).
  EXPECT_EQ(range(FusedActivation::kNone).min, -128);
  EXPECT_EQ(range(FusedActivation::kNone).max, 127);
  EXPECT_EQ(range(FusedActivation::kRelu).min, -10);
  EXPECT_EQ(range(FusedActivation::kRelu).max, 127);
  EXPECT_EQ(range(FusedActivation::kRelu6).min, -10);
  EXPECT_EQ(range(FusedActivation::kRelu6).max, 2);
  EXPECT_EQ(range(FusedActivation::kReluN1To1).min, -12);
  EXPECT_EQ(range(FusedActivation::kReluN1To1).max, -8);
  EXPECT_EQ(range(FusedActivation::kTanh).min, -128);  // no clamp for the others
  // Q(6) beyond the type range is clamped: 6/0.01 = 600.
  EXPECT_EQ(CalculateActivationRangeQuantized(FusedActivation::kRelu6, {0.01f, 0}).max, 127);
  // Ties round away from zero: 1/2 = 0.5 -> 1 and -1/2 -> -1.
  const ActivationRange n1 = CalculateActivationRangeQuantized(FusedActivation::kReluN1To1, {2.0f, 0});
  EXPECT_EQ(n1.min, -1);
  EXPECT_EQ(n1.max, 1);
  // Other integer ranges (int16 activations).
  EXPECT_EQ(CalculateActivationRangeQuantized(FusedActivation::kNone, {1.0f, 0}, -32768, 32767).min, -32768);
  EXPECT_THROW(CalculateActivationRangeQuantized(FusedActivation::kRelu, {0.0f, 0}), std::invalid_argument);
}

// Both runtimes refuse a bound whose round(f / scale) leaves int32 (no_integer_overflow_from_
// quantization): RELU6 on an int16 output scale of 2.7e-9 (6/2.7e-9 = 2.22e9 > 2^31), while 2.8e-9
// (2.14e9) passes; RELU's bound 0 always fits.
TEST(ActivationRange, BoundsBeyondInt32AreRefused) {
  EXPECT_THROW(CalculateActivationRangeQuantized(FusedActivation::kRelu6, {2.7e-9f, 0}, -32768, 32767),
               std::invalid_argument);
  EXPECT_EQ(CalculateActivationRangeQuantized(FusedActivation::kRelu6, {2.8e-9f, 0}, -32768, 32767).max, 32767);
  EXPECT_THROW(CalculateActivationRangeQuantized(FusedActivation::kReluN1To1, {1e-10f, 0}), std::invalid_argument);
  EXPECT_EQ(CalculateActivationRangeQuantized(FusedActivation::kRelu, {1e-30f, 3}).min, 3);
}

TEST(ActivationRange, Float) {
  EXPECT_EQ(CalculateActivationRangeFloat(FusedActivation::kRelu).min, 0.0f);
  EXPECT_EQ(CalculateActivationRangeFloat(FusedActivation::kRelu).max, std::numeric_limits<float>::max());
  EXPECT_EQ(CalculateActivationRangeFloat(FusedActivation::kRelu6).max, 6.0f);
  EXPECT_EQ(CalculateActivationRangeFloat(FusedActivation::kReluN1To1).min, -1.0f);
  EXPECT_EQ(CalculateActivationRangeFloat(FusedActivation::kNone).min, std::numeric_limits<float>::lowest());
}

// s_in 0.1f, s_w 0.3f, s_out 0.7f:
//   double (double)s_in·(double)s_w/(double)s_out -> (1472560321, -4)
//   float product, double division                 -> (1472560299, -4)
//   all float32                                    -> (1472560256, -4)
TEST(PrepareConvInt8, PerChannelInDouble) {
  const Requant r = PrepareConvInt8({0.1f, 0}, {0.3f, 0.3f}, 2, {0.7f, 0}, FusedActivation::kNone);
  EXPECT_EQ(r.multiplier, (std::vector<int32_t>{1472560321, 1472560321}));
  EXPECT_EQ(r.shift, (std::vector<int>{-4, -4}));
  // A single (per-tensor) scale is broadcast to every output channel.
  EXPECT_EQ(PrepareConvInt8({0.1f, 0}, {0.3f}, 3, {0.7f, 0}, FusedActivation::kNone).multiplier.size(), 3u);
  EXPECT_THROW(PrepareConvInt8({0.1f, 0}, {0.3f, 0.3f}, 3, {0.7f, 0}, FusedActivation::kNone),
               std::invalid_argument);
}

TEST(PrepareFullyConnectedInt8, PerTensorProductMicroInDoubleLiteRTInFloat) {
  // TFLite Micro multiplies s_in·s_w in double (measured with tflite-micro: a per-tensor FC whose
  // float32 and double products quantize differently gives the double one's outputs).
  const Requant micro = PrepareFullyConnectedInt8({0.1f, 0}, {0.3f}, 0, 4, {0.7f, 0}, FusedActivation::kNone,
                                                  Numerics::kMicro);
  EXPECT_EQ(micro.multiplier, std::vector<int32_t>{1472560321});
  EXPECT_EQ(micro.shift, std::vector<int>{-4});
  EXPECT_TRUE(micro.real_multiplier.empty());
  // LiteRT multiplies in float32 and widens (and also keeps the real multiplier in double).
  const Requant litert = PrepareFullyConnectedInt8({0.1f, 0}, {0.3f}, 0, 4, {0.7f, 0}, FusedActivation::kNone,
                                                   Numerics::kLiteRT);
  EXPECT_EQ(litert.multiplier, std::vector<int32_t>{1472560299});
  EXPECT_EQ(litert.shift, std::vector<int>{-4});
  EXPECT_EQ(litert.real_multiplier.size(), 1u);
  // Per-channel is computed like conv, in double.
  const Requant pc = PrepareFullyConnectedInt8({0.1f, 0}, {0.3f, 0.3f}, 0, 2, {0.7f, 0}, FusedActivation::kNone,
                                               Numerics::kMicro);
  EXPECT_EQ(pc.multiplier[0], 1472560321);
}

TEST(PrepareMulInt8, MicroInDoubleLiteRTInFloat) {
  const MulInt8Params micro = PrepareMulInt8({0.1f, 0}, {0.3f, 0}, {0.7f, 0}, FusedActivation::kNone,
                                             Numerics::kMicro);
  EXPECT_EQ(micro.output_multiplier, 1472560321);
  const MulInt8Params litert = PrepareMulInt8({0.1f, 0}, {0.3f, 0}, {0.7f, 0}, FusedActivation::kNone,
                                              Numerics::kLiteRT);
  EXPECT_EQ(litert.output_multiplier, 1472560256);
  EXPECT_EQ(litert.output_shift, -4);
}

// ADD/SUB with s1 0.3f, s2 0.7f, s_out 0.9f: tm = 1.4f; M1 = 0.3/1.4, M2 = 0.5,
// Mo = 1.4/(2^20·0.9).
//   double: (1840700374, -2), (2^30, 0), (1670265075, -19)
//   float:  (1840700416, -2), (2^30, 0), (1670265088, -19)
TEST(PrepareAddSubInt8, AddInDoubleSubDependsOnNumerics) {
  const AddSubInt8Params add = PrepareAddInt8({0.3f, 0}, {0.7f, 0}, {0.9f, 0}, FusedActivation::kNone);
  EXPECT_EQ(add.input1_multiplier, 1840700374);
  EXPECT_EQ(add.input1_shift, -2);
  EXPECT_EQ(add.input2_multiplier, 1 << 30);
  EXPECT_EQ(add.input2_shift, 0);
  EXPECT_EQ(add.output_multiplier, 1670265075);
  EXPECT_EQ(add.output_shift, -19);

  const AddSubInt8Params sub_micro =
      PrepareSubInt8({0.3f, 0}, {0.7f, 0}, {0.9f, 0}, FusedActivation::kNone, Numerics::kMicro);
  EXPECT_EQ(sub_micro.input1_multiplier, 1840700416);
  EXPECT_EQ(sub_micro.output_multiplier, 1670265088);
  const AddSubInt8Params sub_litert =
      PrepareSubInt8({0.3f, 0}, {0.7f, 0}, {0.9f, 0}, FusedActivation::kNone, Numerics::kLiteRT);
  EXPECT_EQ(sub_litert.input1_multiplier, 1840700374);
  EXPECT_EQ(sub_litert.output_multiplier, 1670265075);
}

TEST(PrepareAddSubInt8, OutputMultiplierAboveOne) {
  // s1 = s2 = 1, s_out = 2^-21: Mo = 2/(2^20·2^-21) = 4. Only LiteRT SUB accepts it (2^30, 3).
  const QParams tiny{1.0f / (1 << 21), 0};
  EXPECT_THROW(PrepareAddInt8({1.0f, 0}, {1.0f, 0}, tiny, FusedActivation::kNone), std::invalid_argument);
  EXPECT_THROW(PrepareSubInt8({1.0f, 0}, {1.0f, 0}, tiny, FusedActivation::kNone, Numerics::kMicro),
               std::invalid_argument);
  const AddSubInt8Params p = PrepareSubInt8({1.0f, 0}, {1.0f, 0}, tiny, FusedActivation::kNone, Numerics::kLiteRT);
  EXPECT_EQ(p.output_multiplier, 1 << 30);
  EXPECT_EQ(p.output_shift, 3);
  // Equal inputs give 0; a difference of 1 is 2^21 output units and saturates.
  const std::vector<int8_t> a{5, 6, 4}, b{5, 5, 5};
  std::vector<int8_t> out(3);
  SubInt8(p, {3}, a.data(), {3}, b.data(), {3}, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{0, 127, -128}));
}

TEST(PrepareReluPreluLeaky, Precision) {
  // RELU s_in 0.3f -> s_out 0.7f: double (1840700374, -1), float (1840700416, -1).
  EXPECT_EQ(PrepareReluInt8({0.3f, 0}, {0.7f, 0}, Numerics::kMicro).multiplier, 1840700374);
  EXPECT_EQ(PrepareReluInt8({0.3f, 0}, {0.7f, 0}, Numerics::kLiteRT).multiplier, 1840700416);
  // PRELU with alpha scale 0.02f: M2 double (1178048213, -6), float (1178048256, -6).
  const PreluInt8Params micro = PreparePreluInt8({0.3f, 0}, {0.02f, 0}, {0.7f, 0}, Numerics::kMicro);
  EXPECT_EQ(micro.multiplier_1, 1840700374);
  EXPECT_EQ(micro.multiplier_2, 1178048213);
  EXPECT_EQ(micro.shift_2, -6);
  const PreluInt8Params litert = PreparePreluInt8({0.3f, 0}, {0.02f, 0}, {0.7f, 0}, Numerics::kLiteRT);
  EXPECT_EQ(litert.multiplier_1, 1840700416);
  EXPECT_EQ(litert.multiplier_2, 1178048256);
  // LEAKY_RELU α = 0.2 is float32 in both runtimes: (1472560256, -3) and (1840700416, -1).
  const LeakyReluInt8Params leaky = PrepareLeakyReluInt8({0.3f, 0}, {0.7f, 0}, 0.2f);
  EXPECT_EQ(leaky.multiplier_alpha, 1472560256);
  EXPECT_EQ(leaky.shift_alpha, -3);
  EXPECT_EQ(leaky.multiplier_identity, 1840700416);
  EXPECT_EQ(leaky.shift_identity, -1);
}

TEST(PrepareOther, MeanRequantizeHardSwishLogistic) {
  // s_in/s_out in double for MEAN and requantize: 0.3f/0.7f -> (1840700374, -1).
  EXPECT_EQ(PrepareMeanOrSumInt8({0.3f, 0}, {0.7f, 0}, false).multiplier, 1840700374);
  EXPECT_EQ(PrepareRequantize({0.3f, 0}, {0.7f, 0}).multiplier, 1840700374);
  // HARD_SWISH s_in 0.3f, s_out 0.7f: M_out (1840700416, -8) -> 28087; M_relu (1717986944, 5)
  // -> 26214 (the int16 rounding hides the float/double difference here).
  const HardSwishInt8Params hs = PrepareHardSwishInt8({0.3f, 0}, {0.7f, 0});
  EXPECT_EQ(hs.output_multiplier_fixedpoint_int16, 28087);
  EXPECT_EQ(hs.output_multiplier_exponent, -8);
  EXPECT_EQ(hs.reluish_multiplier_fixedpoint_int16, 26214);
  EXPECT_EQ(hs.reluish_multiplier_exponent, 5);
  // LOGISTIC s_in 0.3f: 0.3f·2^27 -> frexp (0.6, 26) -> 1288490240; radius 15·2^27/2^26 = 30.
  const LogisticTanhInt8Params lg = PrepareLogisticInt8({0.3f, 0}, {1.0f / 256, -128});
  EXPECT_EQ(lg.input_multiplier, 1288490240);
  EXPECT_EQ(lg.input_left_shift, 26);
  EXPECT_EQ(lg.input_range_radius, 30);
}

// An all-zero output channel has weight scale 0 in the converter's files; both runtimes accept
// it with a zero multiplier.
TEST(PrepareConvInt8, ZeroWeightScaleGivesZeroMultiplier) {
  const Requant r = PrepareConvInt8({0.1f, 0}, {0.3f, 0.0f}, 2, {0.7f, 0}, FusedActivation::kNone);
  EXPECT_EQ(r.multiplier, (std::vector<int32_t>{1472560321, 0}));
  EXPECT_EQ(r.shift, (std::vector<int>{-4, 0}));
  const Requant fc = PrepareFullyConnectedInt8({0.1f, 0}, {0.0f, 0.3f}, 0, 2, {0.7f, 0}, FusedActivation::kNone,
                                               Numerics::kLiteRT);
  EXPECT_EQ(fc.multiplier[0], 0);
  EXPECT_EQ(fc.real_multiplier[0], 0.0);
  EXPECT_THROW(PrepareConvInt8({0.1f, 0}, {-0.3f}, 1, {0.7f, 0}, FusedActivation::kNone), std::invalid_argument);
  EXPECT_THROW(PrepareConvInt8({0.1f, 0}, {NAN}, 1, {0.7f, 0}, FusedActivation::kNone), std::invalid_argument);
}

TEST(PrepareOther, RejectsBadScales) {
  EXPECT_THROW(PrepareConvInt8({0.0f, 0}, {1.0f}, 1, {1.0f, 0}, FusedActivation::kNone), std::invalid_argument);
  EXPECT_THROW(PrepareMulInt8({1.0f, 0}, {-1.0f, 0}, {1.0f, 0}, FusedActivation::kNone, Numerics::kMicro),
               std::invalid_argument);
  EXPECT_THROW(PrepareRequantize({1.0f, 0}, {INFINITY, 0}), std::invalid_argument);
}

}  // namespace
}  // namespace qtflite::reference
