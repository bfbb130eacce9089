// int16 DEPTHWISE_CONV_2D (16x8: int16 activations, int8 weights, int64 bias) on the fast kernels
// of every tier (each one the CPU has, and the AVX-512 / AVX-VNNI ones on SIMDe) against
// reference::DepthwiseConvInt16, bit for bit, through int8::PackedDepthwise (what the operator
// runs; int32 sums in the tier's microkernel, then the tier's vector int64 requantization):
// 10,000 random cases per tier with odd sizes and channel tails, strides, SAME/VALID, dilation,
// depth multipliers, per-channel and per-tensor weights, fused activations, batch > 1, no bias,
// input and weight extremes, and rescale factors from tiny to the largest int16 allows.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "int8_tiers.h"
#include "kernels/int8/depthwise.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/padding.h"
#include "kernels/reference/prepare.h"

namespace qtflite {
namespace {

namespace ref = qtflite::reference;

struct Case {
  int8::DepthwiseSpec spec;
  ref::Requant q;
  std::vector<int16_t> input;
  std::vector<int8_t> filter;
  std::vector<int64_t> bias;
  bool has_bias = true;
  std::string Describe() const {
    const auto& s = spec;
    auto shape = [](const ref::Shape4& x) {
      return std::to_string(x.n) + "x" + std::to_string(x.h) + "x" + std::to_string(x.w) + "x" + std::to_string(x.c);
    };
    return "in " + shape(s.input) + " filter " + shape(s.filter) + " out " + shape(s.output) + " stride " +
           std::to_string(s.geometry.stride_h) + "," + std::to_string(s.geometry.stride_w) + " dilation " +
           std::to_string(s.geometry.dilation_h) + "," + std::to_string(s.geometry.dilation_w) + " pad " +
           std::to_string(s.geometry.pad_h) + "," + std::to_string(s.geometry.pad_w) + " act [" +
           std::to_string(q.act.min) + "," + std::to_string(q.act.max) + "] per-channel " +
           std::to_string(q.multiplier.size() > 1) + " bias " + std::to_string(has_bias);
  }
};

int Uniform(std::mt19937& rng, int lo, int hi) { return lo + static_cast<int>(rng() % static_cast<uint32_t>(hi - lo + 1)); }

float RandomScale(std::mt19937& rng, double lo_exp, double hi_exp) {
  std::uniform_real_distribution<double> e(lo_exp, hi_exp);
  const double exponent = e(rng);
  return static_cast<float>(std::exp2(rng() % 4 == 0 ? std::round(exponent) : exponent));
}

Case RandomCase(std::mt19937& rng) {
  Case c;
  auto& s = c.spec;
  s.type = int8::DepthwiseInput::kInt16;
  const int in_c = rng() % 6 == 0 ? Uniform(rng, 60, 72) : Uniform(rng, 1, 40);
  const int multiplier = rng() % 4 == 0 ? Uniform(rng, 2, 3) : 1;
  s.input.n = s.output.n = rng() % 5 == 0 ? Uniform(rng, 2, 3) : 1;
  s.input.c = in_c;
  s.output.c = in_c * multiplier;
  s.filter = {1, Uniform(rng, 1, 5), Uniform(rng, 1, 5), s.output.c};
  if (rng() % 3 == 0) s.filter.w = s.filter.h = 3;
  auto& g = s.geometry;
  g = {};
  if (rng() % 2) {
    g.stride_h = Uniform(rng, 1, 3);
    g.stride_w = rng() % 2 ? g.stride_h : Uniform(rng, 1, 3);
  }
  if (rng() % 5 == 0) {
    g.dilation_h = Uniform(rng, 1, 3);
    g.dilation_w = Uniform(rng, 1, 3);
  }
  ref::Padding padding = rng() % 2 ? ref::Padding::kSame : ref::Padding::kValid;
  for (int attempt = 0;; ++attempt) {
    if (attempt == 20) padding = ref::Padding::kSame;
    s.input.h = Uniform(rng, 1, 8);
    s.input.w = Uniform(rng, 1, 11);
    const auto ph = ref::ComputePadding(padding, s.input.h, s.filter.h, g.stride_h, g.dilation_h);
    const auto pw = ref::ComputePadding(padding, s.input.w, s.filter.w, g.stride_w, g.dilation_w);
    if (ph.out < 1 || pw.out < 1) continue;
    g.pad_h = ph.pad_before;
    g.pad_w = pw.pad_before;
    s.output.h = ph.out;
    s.output.w = pw.out;
    break;
  }
  const ref::FusedActivation acts[] = {ref::FusedActivation::kNone, ref::FusedActivation::kRelu,
                                       ref::FusedActivation::kRelu6, ref::FusedActivation::kReluN1To1};
  const ref::FusedActivation act = acts[rng() % 4];
  const bool per_channel = rng() % 4 != 0;
  for (;;) {
    std::vector<float> filter_scales(per_channel ? s.output.c : 1);
    for (float& f : filter_scales) f = RandomScale(rng, -12, -4);
    const ref::QParams in{RandomScale(rng, -15, -6), 0}, out{RandomScale(rng, -14, -2), 0};
    try {
      c.q = ref::PrepareConvInt16(in, filter_scales, s.output.c, out, act);
      break;
    } catch (const std::invalid_argument&) {
      // a rescale factor too large for int16: draw again
    }
  }
  const int mode = static_cast<int>(rng() % 6);
  c.input.resize(static_cast<size_t>(s.input.FlatSize()));
  for (int16_t& x : c.input) {
    x = static_cast<int16_t>(rng());
    if (mode == 0) x = rng() % 2 ? -32768 : 32767;
    if (mode == 1) x = static_cast<int16_t>(Uniform(rng, -200, 200));
  }
  c.filter.resize(static_cast<size_t>(s.filter.FlatSize()));
  for (int8_t& w : c.filter) {
    w = static_cast<int8_t>(rng());
    if (mode == 0) w = rng() % 2 ? -128 : 127;
  }
  c.has_bias = rng() % 6 != 0;
  c.bias.resize(static_cast<size_t>(s.output.c));
  for (int64_t& b : c.bias) {
    b = static_cast<int64_t>(rng() % (1u << 26)) - (1 << 25);
    if (rng() % 8 == 0) b = (static_cast<int64_t>(rng()) << 6) - (int64_t{1} << 37);
  }
  return c;
}

std::vector<int16_t> Reference(const Case& c) {
  const auto& s = c.spec;
  std::vector<int16_t> out(static_cast<size_t>(s.output.FlatSize()));
  ref::DepthwiseConvInt16(s.geometry, c.q, s.input, c.input.data(), s.filter, c.filter.data(),
                          c.has_bias ? c.bias.data() : nullptr, s.output, out.data());
  return out;
}

TEST(Int16Depthwise, EveryTierEqualsTheReference) {
  const auto tiers = test_support::TestableInt8Tiers();
  std::vector<int> checked(tiers.size(), 0);
  std::mt19937 rng(1612);
  constexpr int kCases = 10000;
  constexpr int16_t kGuard = 0x5A5A;
  for (int trial = 0; trial < kCases; ++trial) {
    const Case c = RandomCase(rng);
    const std::vector<int16_t> want = Reference(c);
    for (size_t t = 0; t < tiers.size(); ++t) {
      const std::string where = tiers[t].label + " trial " + std::to_string(trial) + ": " + c.Describe();
      int8::PackedDepthwise p;
      ASSERT_TRUE(p.Pack(*tiers[t].kernels, c.spec, c.q, c.filter.data(), c.has_bias ? c.bias.data() : nullptr))
          << where;
      std::vector<int16_t> got(want.size() + 32, kGuard);
      p.Run(c.input.data(), got.data());
      for (size_t i = want.size(); i < got.size(); ++i) ASSERT_EQ(got[i], kGuard) << where << ": wrote past the output";
      got.resize(want.size());
      if (got != want) {
        size_t i = 0;
        while (got[i] == want[i]) ++i;
        FAIL() << where << ": first difference at element " << i << " (channel " << i % c.spec.output.c
               << "): " << got[i] << " vs " << want[i];
      }
      ++checked[t];
    }
  }
  for (size_t t = 0; t < tiers.size(); ++t) EXPECT_EQ(checked[t], kCases) << tiers[t].label;
}

}  // namespace
}  // namespace qtflite
