// CONV_2D and FULLY_CONNECTED with int16 activations and int8 weights (16x8) on the fast GEMM of
// every tier (each one the CPU has, and the AVX-512 / AVX-VNNI ones on SIMDe) against
// reference::ConvInt16 / FullyConnectedInt16, bit for bit, through int8::PackedGemm16 (what the
// operators run): random cases with odd M, N, K and their tails (K = 1, N = 1), 1×1 (direct) and
// k×k (im2col), strides, SAME/VALID, dilation, batch > 1, per-channel and per-tensor weights,
// weight zero points, int64 / int32 / no bias, fused activations, both FULLY_CONNECTED numerics;
// and large K whose sums leave int32 (the int64 accumulator's ranges).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cpu/isa.h"
#include "kernels/int8/gemm16.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/fully_connected.h"
#include "kernels/reference/padding.h"
#include "kernels/reference/prepare.h"

namespace qtflite {
namespace int8 {
namespace avx512bw_emulated { const Int16Kernels& Int16Table(); }
namespace avxvnni_emulated { const Int16Kernels& Int16Table(); }
namespace avx512vnni_emulated { const Int16Kernels& Int16Table(); }
}  // namespace int8

namespace {

namespace ref = qtflite::reference;

struct Tier {
  std::string label;
  const int8::Int16Kernels* kernels;
};

std::vector<Tier> Tiers() {
  std::vector<Tier> tiers;
  for (cpu::Isa isa : cpu::SupportedIsas()) {
    if (isa == cpu::Isa::kAmx) continue;
    tiers.push_back({cpu::IsaName(isa), &int8::Int16KernelsFor(isa)});
  }
  tiers.push_back({"avx512bw (emulated)", &int8::avx512bw_emulated::Int16Table()});
  tiers.push_back({"avxvnni (emulated)", &int8::avxvnni_emulated::Int16Table()});
  tiers.push_back({"avx512vnni (emulated)", &int8::avx512vnni_emulated::Int16Table()});
  return tiers;
}

enum class BiasKind { kNone, kInt64, kInt32 };

struct Case {
  int8::Gemm16Spec spec;
  bool fc = false;
  ref::Requant q;
  std::vector<int16_t> input;
  std::vector<int8_t> filter;
  std::vector<int64_t> bias64;
  std::vector<int32_t> bias32;
  BiasKind bias = BiasKind::kInt64;
  const void* Bias() const {
    return bias == BiasKind::kInt64 ? static_cast<const void*>(bias64.data())
                                    : (bias == BiasKind::kInt32 ? static_cast<const void*>(bias32.data()) : nullptr);
  }
  std::string Describe() const;
};

std::string Case::Describe() const {
  const auto& s = spec;
  auto shape = [](const ref::Shape4& x) {
    return std::to_string(x.n) + "x" + std::to_string(x.h) + "x" + std::to_string(x.w) + "x" + std::to_string(x.c);
  };
  return std::string(fc ? "FC" : "conv") + " in " + shape(s.input) + " filter " + shape(s.filter) + " out " +
         shape(s.output) + " stride " + std::to_string(s.geometry.stride_h) + "," +
         std::to_string(s.geometry.stride_w) + " dilation " + std::to_string(s.geometry.dilation_h) + "," +
         std::to_string(s.geometry.dilation_w) + " pad " + std::to_string(s.geometry.pad_h) + "," +
         std::to_string(s.geometry.pad_w) + " zp_w " + std::to_string(-q.weights_offset) + " act [" +
         std::to_string(q.act.min) + "," + std::to_string(q.act.max) + "] per-channel " +
         std::to_string(q.multiplier.size() > 1) + " double " + std::to_string(!q.real_multiplier.empty()) +
         " bias " + std::to_string(static_cast<int>(bias));
}

int Uniform(std::mt19937& rng, int lo, int hi) { return lo + static_cast<int>(rng() % static_cast<uint32_t>(hi - lo + 1)); }

// Mostly small, sometimes around the vector widths (8, 16, 32) and past them; 1 included.
int RandomDepth(std::mt19937& rng) {
  switch (rng() % 8) {
    case 0: case 1: return Uniform(rng, 1, 8);
    case 2: case 3: return Uniform(rng, 9, 24);
    case 4: case 5: return Uniform(rng, 25, 40);
    case 6: return 1;
    default: return Uniform(rng, 60, 72);
  }
}

ref::FusedActivation RandomActivation(std::mt19937& rng) {
  const ref::FusedActivation acts[] = {ref::FusedActivation::kNone, ref::FusedActivation::kRelu,
                                       ref::FusedActivation::kRelu6, ref::FusedActivation::kReluN1To1};
  return acts[rng() % 4];
}

// Scales spanning many shifts; sometimes powers of two (exact rounding ties).
float RandomScale(std::mt19937& rng, double lo_exp, double hi_exp) {
  std::uniform_real_distribution<double> e(lo_exp, hi_exp);
  const double exponent = e(rng);
  return static_cast<float>(std::exp2(rng() % 4 == 0 ? std::round(exponent) : exponent));
}

void RandomConvShape(std::mt19937& rng, int8::Gemm16Spec& s, int max_c) {
  const int kernels[][2] = {{1, 1}, {1, 1}, {3, 3}, {3, 3}, {5, 5}, {2, 2}, {1, 3}, {3, 1}, {7, 7}};
  const auto& k = kernels[rng() % 9];
  s.filter.h = k[0];
  s.filter.w = k[1];
  s.input.c = std::min(max_c, rng() % 4 == 0 ? Uniform(rng, 1, 7) : RandomDepth(rng));
  s.output.c = RandomDepth(rng);
  s.input.n = s.output.n = rng() % 5 == 0 ? Uniform(rng, 2, 3) : 1;
  auto& g = s.geometry;
  g = {};
  if (rng() % 3 != 0) {
    g.stride_h = rng() % 3 == 0 ? Uniform(rng, 1, 3) : Uniform(rng, 1, 2);
    g.stride_w = rng() % 3 == 0 ? Uniform(rng, 1, 3) : g.stride_h;
    g.dilation_h = rng() % 5 == 0 ? Uniform(rng, 2, 3) : 1;
    g.dilation_w = rng() % 5 == 0 ? Uniform(rng, 2, 3) : 1;
  }
  ref::Padding padding = rng() % 2 ? ref::Padding::kSame : ref::Padding::kValid;
  for (int attempt = 0;; ++attempt) {
    if (attempt == 20) padding = ref::Padding::kSame;
    s.input.h = Uniform(rng, 1, 7);
    s.input.w = Uniform(rng, 1, 9);
    const auto ph = ref::ComputePadding(padding, s.input.h, s.filter.h, g.stride_h, g.dilation_h);
    const auto pw = ref::ComputePadding(padding, s.input.w, s.filter.w, g.stride_w, g.dilation_w);
    if (ph.out < 1 || pw.out < 1) continue;
    g.pad_h = ph.pad_before;
    g.pad_w = pw.pad_before;
    s.output.h = ph.out;
    s.output.w = pw.out;
    break;
  }
  s.filter.n = s.output.c;
  s.filter.c = s.input.c;
}

// Fills the values: random, sometimes all at the extremes (sums far beyond int32 for large K).
void RandomValues(std::mt19937& rng, Case& c, bool extremes) {
  const auto& s = c.spec;
  c.input.resize(static_cast<size_t>(s.input.FlatSize()));
  c.filter.resize(static_cast<size_t>(s.filter.FlatSize()));
  const int mode = extremes ? 0 : static_cast<int>(rng() % 8);
  for (int16_t& x : c.input) {
    x = static_cast<int16_t>(rng());
    if (mode == 0) x = rng() % 2 ? -32768 : 32767;
    if (mode == 1) x = static_cast<int16_t>(Uniform(rng, -300, 300));
  }
  const bool same_sign = extremes && rng() % 2;  // every product at its largest magnitude
  for (size_t i = 0; i < c.filter.size(); ++i) {
    int8_t& w = c.filter[i];
    w = static_cast<int8_t>(rng());
    if (mode == 0) w = rng() % 2 ? -128 : 127;
    if (same_sign) {
      w = -128;
      c.input[i % c.input.size()] = -32768;
    }
  }
  if (same_sign) {
    for (int16_t& x : c.input) x = -32768;
  }
  const int channels = s.output.c;
  c.bias64.resize(channels);
  c.bias32.resize(channels);
  for (int i = 0; i < channels; ++i) {
    c.bias64[i] = static_cast<int64_t>(rng() % (1u << 30)) - (1 << 29);
    if (rng() % 10 == 0) c.bias64[i] = (static_cast<int64_t>(rng()) << 8) - (int64_t{1} << 39);
    c.bias32[i] = static_cast<int32_t>(rng() % (1u << 28)) - (1 << 27);
  }
}

Case RandomCase(std::mt19937& rng, bool large_k) {
  Case c;
  auto& s = c.spec;
  c.fc = rng() % 3 == 0;
  if (c.fc) {
    const int batches = rng() % 3 == 0 ? 1 : Uniform(rng, 1, 23);
    const int k = large_k ? Uniform(rng, 2000, 12000) : (rng() % 6 == 0 ? 1 : Uniform(rng, 1, rng() % 2 ? 40 : 300));
    s = int8::FullyConnected16Spec(batches, k, large_k ? Uniform(rng, 1, 40) : RandomDepth(rng), false);
  } else {
    RandomConvShape(rng, s, 72);
    if (large_k) {  // deep inputs, small images: K = 300..6300
      s.input.c = s.filter.c = Uniform(rng, 300, 700);
      s.input.n = s.output.n = 1;
      s.filter.h = Uniform(rng, 1, 3);
      s.filter.w = 3;
      s.output.c = s.filter.n = Uniform(rng, 1, 40);
      s.geometry = {};
      s.input.h = Uniform(rng, 1, 4);
      s.input.w = Uniform(rng, 1, 5);
      const auto ph = ref::ComputePadding(ref::Padding::kSame, s.input.h, s.filter.h, 1, 1);
      const auto pw = ref::ComputePadding(ref::Padding::kSame, s.input.w, s.filter.w, 1, 1);
      s.geometry.pad_h = ph.pad_before;
      s.geometry.pad_w = pw.pad_before;
      s.output.h = ph.out;
      s.output.w = pw.out;
    }
  }
  const int roll = static_cast<int>(rng() % 8);
  c.bias = roll == 0 ? BiasKind::kNone : (roll == 1 && !large_k ? BiasKind::kInt32 : BiasKind::kInt64);
  s.bias32 = c.bias == BiasKind::kInt32;
  const int channels = s.output.c;
  const ref::FusedActivation act = RandomActivation(rng);
  const ref::Numerics numerics = rng() % 2 ? ref::Numerics::kLiteRT : ref::Numerics::kMicro;
  const bool per_channel = rng() % 3 != 0;
  for (;;) {
    std::vector<float> filter_scales(per_channel ? channels : 1);
    const ref::QParams in{RandomScale(rng, -15, -6), 0};
    for (float& f : filter_scales) f = RandomScale(rng, -12, -4);
    const ref::QParams out{RandomScale(rng, large_k ? -6 : -12, large_k ? 2 : -2), 0};
    try {
      if (c.fc) {
        const int zp_w = per_channel || rng() % 2 ? 0 : Uniform(rng, -128, 127);
        c.q = ref::PrepareFullyConnectedInt16(in, filter_scales, zp_w, channels, out, act, numerics);
      } else {
        c.q = ref::PrepareConvInt16(in, filter_scales, channels, out, act);
      }
      break;
    } catch (const std::invalid_argument&) {
      // a rescale factor too large for int16: draw again
    }
  }
  RandomValues(rng, c, large_k && rng() % 2);
  return c;
}

std::vector<int16_t> Reference(const Case& c) {
  const auto& s = c.spec;
  std::vector<int16_t> out(static_cast<size_t>(s.output.FlatSize()));
  if (c.fc) {
    const int batches = s.input.w, k = s.input.c, n = s.output.c;
    if (c.bias == BiasKind::kInt32) {
      ref::FullyConnectedInt16<int32_t>(c.q, batches, k, n, c.input.data(), c.filter.data(), c.bias32.data(),
                                        out.data());
    } else {
      ref::FullyConnectedInt16<int64_t>(c.q, batches, k, n, c.input.data(), c.filter.data(),
                                        c.bias == BiasKind::kNone ? nullptr : c.bias64.data(), out.data());
    }
  } else if (c.bias == BiasKind::kInt32) {
    ref::ConvInt16<int32_t>(s.geometry, c.q, s.input, c.input.data(), s.filter, c.filter.data(), c.bias32.data(),
                            s.output, out.data());
  } else {
    ref::ConvInt16<int64_t>(s.geometry, c.q, s.input, c.input.data(), s.filter, c.filter.data(),
                            c.bias == BiasKind::kNone ? nullptr : c.bias64.data(), s.output, out.data());
  }
  return out;
}

constexpr int16_t kGuard = 0x5A5A;

// Runs on an exactly-sized input (reads past it show under ASan) and an output followed by guard
// elements (writes past it fail the test).
std::vector<int16_t> RunPacked(int8::PackedGemm16& p, const Case& c) {
  const size_t n = static_cast<size_t>(c.spec.output.FlatSize());
  std::vector<int16_t> out(n + 64, kGuard);
  std::vector<int16_t> in(c.input);
  p.Run(in.data(), out.data());
  for (size_t i = n; i < out.size(); ++i) EXPECT_EQ(out[i], kGuard) << "wrote past the output";
  out.resize(n);
  return out;
}

void ExpectEqual(const std::vector<int16_t>& got, const std::vector<int16_t>& want, const Case& c,
                 const std::string& where) {
  ASSERT_EQ(got.size(), want.size());
  if (got == want) return;
  size_t i = 0;
  while (got[i] == want[i]) ++i;
  FAIL() << where << ": " << c.Describe() << ": first difference at output element " << i << " (channel "
         << i % c.spec.output.c << "): " << got[i] << " vs " << want[i];
}

void CheckCases(int cases, bool large_k, uint32_t seed) {
  const auto tiers = Tiers();
  std::vector<int> checked(tiers.size(), 0), ranged(tiers.size(), 0);
  std::mt19937 rng(seed);
  for (int trial = 0; trial < cases; ++trial) {
    const Case c = RandomCase(rng, large_k);
    const std::vector<int16_t> want = Reference(c);
    for (size_t t = 0; t < tiers.size(); ++t) {
      int8::PackedGemm16 p;
      const std::string where = tiers[t].label + " trial " + std::to_string(trial);
      ASSERT_TRUE(p.Pack(*tiers[t].kernels, c.spec, c.q, c.filter.data(), c.Bias())) << where << ": " << c.Describe();
      EXPECT_EQ(p.isa(), tiers[t].kernels->isa);
      ExpectEqual(RunPacked(p, c), want, c, where);
      if (::testing::Test::HasFatalFailure()) return;
      ++checked[t];
      ranged[t] += p.range() < c.spec.filter.h * c.spec.filter.w * c.spec.filter.c;
    }
  }
  for (size_t t = 0; t < tiers.size(); ++t) {
    EXPECT_EQ(checked[t], cases) << tiers[t].label;
    // Large K must have exercised the int64 sum of int32 ranges.
    if (large_k) {
      EXPECT_GT(ranged[t], cases / 4) << tiers[t].label;
    }
  }
}

TEST(Int16Gemm, EveryTierEqualsTheReference) { CheckCases(10000, false, 20261205); }

TEST(Int16Gemm, LargeKBeyondInt32EqualsTheReference) { CheckCases(120, true, 7); }

// Packed once, run on new inputs.
TEST(Int16Gemm, PackedOnceRunsManyInputs) {
  std::mt19937 rng(11);
  for (const auto& tier : Tiers()) {
    for (int trial = 0; trial < 40; ++trial) {
      Case c = RandomCase(rng, false);
      int8::PackedGemm16 p;
      ASSERT_TRUE(p.Pack(*tier.kernels, c.spec, c.q, c.filter.data(), c.Bias()));
      for (int run = 0; run < 3; ++run) {
        for (int16_t& x : c.input) x = static_cast<int16_t>(rng());
        ExpectEqual(RunPacked(p, c), Reference(c), c, tier.label + " run " + std::to_string(run));
        if (HasFatalFailure()) return;
      }
    }
  }
}

// What the reference refuses, or the fast path cannot reproduce, is left to the reference.
TEST(Int16Gemm, DeclinesWhatItCannotCompute) {
  std::mt19937 rng(3);
  Case c = RandomCase(rng, false);
  int8::PackedGemm16 p;
  for (const auto& tier : Tiers()) {
    ref::Requant q = c.q;
    q.input_offset = 5;
    EXPECT_FALSE(p.Pack(*tier.kernels, c.spec, q, c.filter.data(), c.Bias())) << tier.label;
    EXPECT_FALSE(p.packed());
    int8::Gemm16Spec grouped = c.spec;
    grouped.input.c *= 2;  // filter depth = half the input depth: grouped
    EXPECT_FALSE(p.Pack(*tier.kernels, grouped, c.q, c.filter.data(), c.Bias())) << tier.label;
  }
}

}  // namespace
}  // namespace qtflite
