// gemmlowp's fixed-point σ and tanh on int16 raw values, as TFLite's integer LSTM evaluates its
// gates (tensor_utils ApplySigmoid / ApplyTanh). The same algorithms as the int32 ones in
// quant/fixed_point.h (exp by a Taylor series on [-1/4, 0) and a barrel of exp(-2^k) factors,
// 1/(1+x) by Newton-Raphson), but every operation is done in int16: the constants are the int32
// ones rounded to 16 bits, additions wrap, products are the int16 rounding doubling high mul.
#include "kernels/reference/lstm.h"

namespace qtflite::reference {
namespace {

using fp::kInt16Max;
using fp::kInt16Min;

int16_t Wrap(int32_t v) { return static_cast<int16_t>(v); }
int16_t Mul(int16_t a, int16_t b) { return fp::SaturatingRoundingDoublingHighMul(a, b); }
int16_t SaturatingAdd(int16_t a, int16_t b) {
  const int32_t s = int32_t{a} + b;
  return static_cast<int16_t>(s > kInt16Max ? kInt16Max : (s < kInt16Min ? kInt16Min : s));
}
// An int32 gemmlowp constant as the int16 one: rounded right shift by 16.
int16_t Constant16(int32_t c) { return static_cast<int16_t>(fp::RoundingDivideByPOT(c, 16)); }

// x·2^exponent keeping the format: saturating left shift, or rounding right shift.
int16_t MulByPOT(int16_t x, int exponent) {
  if (exponent > 0) {
    const int32_t threshold = (1 << (15 - exponent)) - 1;
    if (x > threshold) return kInt16Max;
    if (x < -threshold) return kInt16Min;
    return Wrap(int32_t{x} * (1 << exponent));
  }
  if (exponent < 0) return fp::RoundingDivideByPOT(x, -exponent);
  return x;
}

int16_t RoundingHalfSum(int16_t a, int16_t b) {
  const int32_t sum = int32_t{a} + b;
  return static_cast<int16_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
}

// exp(a), a in [-1/4, 0) in Q0.15: Taylor series around -1/8.
int16_t ExpOnQuarterInterval(int16_t a) {
  const int16_t constant_term = Constant16(1895147668);  // exp(-1/8)
  const int16_t one_third = Constant16(715827883);
  const int16_t x = Wrap(a + (1 << 12));  // a + 1/8
  const int16_t x2 = Mul(x, x);
  const int16_t x3 = Mul(x2, x);
  const int16_t x4 = Mul(x2, x2);
  const int16_t x4_over_4 = MulByPOT(x4, -2);
  const int16_t poly = MulByPOT(Wrap(Mul(Wrap(x4_over_4 + x3), one_third) + x2), -1);
  return SaturatingAdd(constant_term, Mul(constant_term, Wrap(x + poly)));
}

// exp(a) for a <= 0 in Q(integer_bits), result Q0.15.
int16_t ExpOnNegativeValues(int integer_bits, int16_t a) {
  const int frac_bits = 15 - integer_bits;
  const int16_t one_quarter = static_cast<int16_t>(1 << (frac_bits - 2));
  const int16_t mask = static_cast<int16_t>(one_quarter - 1);
  const int16_t a_mod_quarter_minus_quarter = Wrap((a & mask) - one_quarter);
  int16_t result = ExpOnQuarterInterval(MulByPOT(a_mod_quarter_minus_quarter, integer_bits));
  const int16_t remainder = Wrap(a_mod_quarter_minus_quarter - a);
  static constexpr int32_t kExpOfMinusPowerOfTwo[7] = {1672461947, 1302514674, 790015084, 290630308,
                                                       39332535,   720401,     242};
  for (int k = -2; k <= 4; ++k) {
    if (integer_bits <= k) continue;
    if (remainder & (1 << (frac_bits + k))) result = Mul(result, Constant16(kExpOfMinusPowerOfTwo[k + 2]));
  }
  if (integer_bits > 5) {
    const int16_t minus_32 = Constant16(-(1 << (36 - integer_bits)));
    if (a < minus_32) result = 0;
  }
  if (a == 0) result = kInt16Max;
  return result;
}

// Newton-Raphson for 1 / half_denominator in Q2.13, half_denominator = (1 + a)/2, a in Q0.15.
int16_t ReciprocalOfHalfDenominator(int16_t a) {
  const int16_t half_denominator = RoundingHalfSum(a, kInt16Max);
  const int16_t c48_17 = Constant16(1515870810);
  const int16_t c_neg32_17 = Constant16(-1010580540);
  int16_t x = Wrap(c48_17 + Mul(half_denominator, c_neg32_17));
  for (int i = 0; i < 3; ++i) {
    const int16_t one_minus = Wrap((1 << 13) - Mul(half_denominator, x));
    x = Wrap(x + MulByPOT(Mul(x, one_minus), 2));
  }
  return x;
}

int16_t OneOverOnePlusX(int16_t a) { return MulByPOT(ReciprocalOfHalfDenominator(a), 1); }
int16_t OneMinusXOverOnePlusX(int16_t a) { return MulByPOT(Wrap(ReciprocalOfHalfDenominator(a) - (1 << 13)), 2); }

}  // namespace

int16_t GemmlowpLogisticQ3(int16_t x) {
  if (x == 0) return 1 << 14;
  const int16_t abs_x = x > 0 ? x : Wrap(-int32_t{x});
  const int16_t positive = OneOverOnePlusX(ExpOnNegativeValues(3, Wrap(-int32_t{abs_x})));
  return x > 0 ? positive : Wrap(kInt16Max - positive);
}

int16_t GemmlowpTanh(int integer_bits, int16_t x) {
  if (x == 0) return 0;
  const int16_t minus_abs = x < 0 ? x : Wrap(-int32_t{x});
  // The same raw value read with one more integer bit is 2x: exp(-2|x|).
  const int16_t t = OneMinusXOverOnePlusX(ExpOnNegativeValues(integer_bits + 1, minus_abs));
  return x < 0 ? Wrap(-int32_t{t}) : t;
}

}  // namespace qtflite::reference
