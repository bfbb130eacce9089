// DEPTHWISE_CONV_2D on the fast integer kernels of every tier (each one the CPU has, and the
// AVX-512 / AVX-VNNI ones on SIMDe) against reference::DepthwiseConvInt8 / UInt8 / Int16, bit for
// bit, through int8::PackedDepthwise (what the operator runs): 10,000 random small cases per tier
// with odd sizes and channel tails, strides, SAME/VALID, dilation, depth multipliers, every zero
// point including -128 and 127, per-channel and per-tensor weights, fused activations, batch > 1,
// uint8 and int16 (16x8) activations.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
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
using int8::DepthwiseInput;

struct Case {
  int8::DepthwiseSpec spec;
  ref::Requant q;
  std::vector<uint8_t> input, filter;  // raw elements (int16 inputs: 2 bytes each)
  std::vector<int32_t> bias32;
  std::vector<int64_t> bias64;
  bool has_bias = true;
  std::string Describe() const;
};

std::string Case::Describe() const {
  const auto& s = spec;
  const char* type = s.type == DepthwiseInput::kInt8 ? "int8" : s.type == DepthwiseInput::kUInt8 ? "uint8" : "int16";
  return std::string(type) + " in " + std::to_string(s.input.n) + "x" + std::to_string(s.input.h) + "x" +
         std::to_string(s.input.w) + "x" + std::to_string(s.input.c) + " kernel " + std::to_string(s.filter.h) + "x" +
         std::to_string(s.filter.w) + " out_c " + std::to_string(s.output.c) + " stride " +
         std::to_string(s.geometry.stride_h) + "," + std::to_string(s.geometry.stride_w) + " dilation " +
         std::to_string(s.geometry.dilation_h) + "," + std::to_string(s.geometry.dilation_w) + " pad " +
         std::to_string(s.geometry.pad_h) + "," + std::to_string(s.geometry.pad_w) + " zp_in " +
         std::to_string(-q.input_offset) + " zp_w " + std::to_string(-q.weights_offset) + " zp_out " +
         std::to_string(q.output_offset) + " act [" + std::to_string(q.act.min) + "," + std::to_string(q.act.max) +
         "] per-channel " + std::to_string(q.multiplier.size() > 1) + " bias " + std::to_string(has_bias);
}

int Uniform(std::mt19937& rng, int lo, int hi) { return lo + static_cast<int>(rng() % static_cast<uint32_t>(hi - lo + 1)); }

// Mostly small, sometimes around the vector group sizes (8, 16, 32, 64) and past them.
int RandomChannels(std::mt19937& rng) {
  switch (rng() % 8) {
    case 0: case 1: case 2: return Uniform(rng, 1, 8);
    case 3: case 4: return Uniform(rng, 9, 24);
    case 5: case 6: return Uniform(rng, 25, 40);
    default: return Uniform(rng, 60, 72);
  }
}

int RandomZeroPoint(std::mt19937& rng, int lo, int hi) {
  switch (rng() % 4) {
    case 0: return lo;
    case 1: return hi;
    default: return Uniform(rng, lo, hi);
  }
}

ref::FusedActivation RandomActivation(std::mt19937& rng) {
  const ref::FusedActivation acts[] = {ref::FusedActivation::kNone, ref::FusedActivation::kRelu,
                                       ref::FusedActivation::kRelu6, ref::FusedActivation::kReluN1To1};
  return acts[rng() % 4];
}

// A scale whose combination M = s_in·s_w/s_out spans many shifts (including a few left shifts);
// sometimes a power of two, which makes exact rounding ties in both rounding steps.
float RandomScale(std::mt19937& rng, double lo_exp, double hi_exp) {
  std::uniform_real_distribution<double> e(lo_exp, hi_exp);
  const double exponent = e(rng);
  return static_cast<float>(std::exp2(rng() % 4 == 0 ? std::round(exponent) : exponent));
}

Case RandomCase(std::mt19937& rng) {
  Case c;
  auto& s = c.spec;
  const int kind = rng() % 10;
  s.type = kind < 6 ? DepthwiseInput::kInt8 : kind < 8 ? DepthwiseInput::kUInt8 : DepthwiseInput::kInt16;
  const int kernels[][2] = {{3, 3}, {3, 3}, {3, 3}, {5, 5}, {5, 5}, {1, 1}, {2, 2}, {1, 3}, {3, 1}, {4, 2}, {7, 7}};
  const auto& k = kernels[rng() % 11];
  s.filter.h = k[0];
  s.filter.w = k[1];
  const int multiplier = rng() % 4 == 0 ? Uniform(rng, 2, 4) : 1;
  s.input.c = RandomChannels(rng);
  if (multiplier > 1 && s.input.c > 24) s.input.c = Uniform(rng, 1, 24);
  s.output.c = s.input.c * multiplier;
  s.input.n = s.output.n = rng() % 5 == 0 ? 2 : 1;
  auto& g = s.geometry;
  g.stride_h = rng() % 3 == 0 ? Uniform(rng, 1, 3) : Uniform(rng, 1, 2);
  g.stride_w = rng() % 3 == 0 ? Uniform(rng, 1, 3) : g.stride_h;
  g.dilation_h = rng() % 5 == 0 ? Uniform(rng, 2, 3) : 1;
  g.dilation_w = rng() % 5 == 0 ? Uniform(rng, 2, 3) : 1;
  ref::Padding padding = rng() % 2 ? ref::Padding::kSame : ref::Padding::kValid;
  // Small images, so that a case stays cheap on the emulated tiers; VALID needs the kernel to fit
  // (a dilated kernel larger than any image here falls back to SAME).
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
  s.filter.n = 1;
  s.filter.c = s.output.c;
  const int channels = s.output.c;
  const bool per_channel = s.type != DepthwiseInput::kUInt8 && rng() % 3 != 0;
  std::vector<float> filter_scales(per_channel ? channels : 1);
  const ref::FusedActivation act = RandomActivation(rng);
  if (s.type == DepthwiseInput::kInt8) {
    const ref::QParams in{RandomScale(rng, -9, -3), RandomZeroPoint(rng, -128, 127)};
    for (float& f : filter_scales) f = RandomScale(rng, -12, -4);
    const ref::QParams out{RandomScale(rng, -12, -2), RandomZeroPoint(rng, -128, 127)};
    c.q = ref::PrepareConvInt8(in, filter_scales, channels, out, act);
  } else if (s.type == DepthwiseInput::kUInt8) {
    const ref::QParams in{RandomScale(rng, -9, -3), RandomZeroPoint(rng, 0, 255)};
    const ref::QParams filter{RandomScale(rng, -12, -4), RandomZeroPoint(rng, 0, 255)};
    const ref::QParams out{RandomScale(rng, -12, -2), RandomZeroPoint(rng, 0, 255)};
    c.q = ref::PrepareConvUInt8(in, filter, out, act);
  } else {
    const ref::QParams in{RandomScale(rng, -16, -8), 0};
    for (float& f : filter_scales) f = RandomScale(rng, -12, -4);
    const ref::QParams out{RandomScale(rng, -18, -6), 0};
    c.q = ref::PrepareConvInt16(in, filter_scales, channels, out, act);
  }
  const int elem = s.type == DepthwiseInput::kInt16 ? 2 : 1;
  c.input.resize(static_cast<size_t>(s.input.FlatSize()) * elem);
  for (uint8_t& b : c.input) b = static_cast<uint8_t>(rng());
  if (s.type == DepthwiseInput::kInt16 && rng() % 3 == 0) {  // also the int16 extremes
    for (size_t i = 0; i < c.input.size(); i += 2) {
      const int16_t v = rng() % 2 ? -32768 : 32767;
      std::memcpy(&c.input[i], &v, 2);
    }
  }
  c.filter.resize(static_cast<size_t>(s.filter.FlatSize()));
  for (uint8_t& b : c.filter) b = static_cast<uint8_t>(rng());  // every int8 / uint8 value, -128 included
  if (rng() % 8 == 0) {  // extreme weights everywhere
    for (uint8_t& b : c.filter) b = rng() % 2 ? 0x80 : 0x7F;
  }
  c.has_bias = rng() % 6 != 0;
  c.bias32.resize(channels);
  c.bias64.resize(channels);
  for (int i = 0; i < channels; ++i) {
    c.bias32[i] = static_cast<int32_t>(rng() % (1u << 26)) - (1 << 25);
    if (rng() % 10 == 0) c.bias32[i] = static_cast<int32_t>(rng() % (1u << 31)) - (1 << 30);
    c.bias64[i] = static_cast<int64_t>(static_cast<int32_t>(rng())) * (rng() % 4 == 0 ? 64 : 1);
  }
  return c;
}

// The reference's output as raw bytes.
std::vector<uint8_t> Reference(const Case& c) {
  const auto& s = c.spec;
  const size_t n = static_cast<size_t>(s.output.FlatSize());
  if (s.type == DepthwiseInput::kInt8) {
    std::vector<uint8_t> out(n);
    ref::DepthwiseConvInt8(s.geometry, c.q, s.input, reinterpret_cast<const int8_t*>(c.input.data()), s.filter,
                           reinterpret_cast<const int8_t*>(c.filter.data()), c.has_bias ? c.bias32.data() : nullptr,
                           s.output, reinterpret_cast<int8_t*>(out.data()));
    return out;
  }
  if (s.type == DepthwiseInput::kUInt8) {
    std::vector<uint8_t> out(n);
    ref::DepthwiseConvUInt8(s.geometry, c.q, s.input, c.input.data(), s.filter, c.filter.data(),
                            c.has_bias ? c.bias32.data() : nullptr, s.output, out.data());
    return out;
  }
  std::vector<int16_t> out(n);
  std::vector<int16_t> in(c.input.size() / 2);
  std::memcpy(in.data(), c.input.data(), c.input.size());
  ref::DepthwiseConvInt16(s.geometry, c.q, s.input, in.data(), s.filter, reinterpret_cast<const int8_t*>(c.filter.data()),
                          c.has_bias ? c.bias64.data() : nullptr, s.output, out.data());
  std::vector<uint8_t> bytes(n * 2);
  std::memcpy(bytes.data(), out.data(), bytes.size());
  return bytes;
}

const void* BiasOf(const Case& c) {
  if (!c.has_bias) return nullptr;
  return c.spec.type == DepthwiseInput::kInt16 ? static_cast<const void*>(c.bias64.data()) : c.bias32.data();
}

constexpr uint8_t kGuard = 0xA5;

// Runs a packed node on exactly-sized input (so that any read past it is caught by ASan) and an
// output followed by guard bytes (so that any write past it fails the test).
std::vector<uint8_t> RunPacked(int8::PackedDepthwise& p, const Case& c, ThreadPool* pool = nullptr) {
  const size_t out_bytes = static_cast<size_t>(c.spec.output.FlatSize()) * (c.spec.type == DepthwiseInput::kInt16 ? 2 : 1);
  std::vector<uint8_t> out(out_bytes + 64, kGuard);
  std::vector<uint8_t> in(c.input);  // its own allocation of exactly the input's size
  // int16 data must be 2-byte aligned: vector storage is.
  p.Run(in.data(), out.data(), pool);
  for (size_t i = out_bytes; i < out.size(); ++i) EXPECT_EQ(out[i], kGuard) << "wrote past the output";
  out.resize(out_bytes);
  return out;
}

// Output rows split over threads (more threads than rows included; depth multiplier > 1 stays on
// one thread): the reference's output bit for bit for every count.
TEST(Int8Depthwise, EveryThreadCountEqualsTheReference) {
  const auto tiers = test_support::TestableInt8Tiers();
  ThreadPool pools[] = {ThreadPool(2), ThreadPool(3), ThreadPool(8)};
  std::mt19937 rng(31);
  for (int trial = 0; trial < 600; ++trial) {
    const Case c = RandomCase(rng);
    const std::vector<uint8_t> want = Reference(c);
    const auto& tier = tiers[static_cast<size_t>(trial) % tiers.size()];
    int8::PackedDepthwise p;
    ASSERT_TRUE(p.Pack(*tier.kernels, c.spec, c.q, c.filter.data(), BiasOf(c)));
    for (ThreadPool& pool : pools) {
      ASSERT_TRUE(RunPacked(p, c, &pool) == want)
          << tier.label << " trial " << trial << " threads " << pool.size() << ": " << c.Describe();
    }
  }
}

TEST(Int8Depthwise, EveryTierEqualsTheReference) {
  const auto tiers = test_support::TestableInt8Tiers();
  std::vector<int> checked(tiers.size(), 0), quads(tiers.size(), 0);
  int bounded = 0;
  std::mt19937 rng(20260101);
  constexpr int kCases = 10000;
  for (int trial = 0; trial < kCases; ++trial) {
    const Case c = RandomCase(rng);
    const std::vector<uint8_t> want = Reference(c);
    for (size_t t = 0; t < tiers.size(); ++t) {
      int8::PackedDepthwise p;
      ASSERT_TRUE(p.Pack(*tiers[t].kernels, c.spec, c.q, c.filter.data(), BiasOf(c)))
          << tiers[t].label << " trial " << trial << ": " << c.Describe();
      EXPECT_EQ(p.isa(), tiers[t].kernels->isa);
      const std::vector<uint8_t> got = RunPacked(p, c);
      ASSERT_EQ(got.size(), want.size());
      if (got != want) {
        size_t i = 0;
        while (got[i] == want[i]) ++i;
        const size_t elem = c.spec.type == DepthwiseInput::kInt16 ? 2 : 1;
        FAIL() << tiers[t].label << " trial " << trial << " (" << (p.slot() == 4 ? "quads" : "pairs") << "): "
               << c.Describe() << ": first difference at output element " << i / elem << " (channel "
               << (i / elem) % c.spec.output.c << ")";
      }
      ++checked[t];
      quads[t] += p.slot() == 4;
      if (t == 0) bounded += p.bounded_requant();
    }
  }
  // Both requantization forms ran: the bounded one and the general one (large biases, left shifts).
  EXPECT_GT(bounded, kCases / 4);
  EXPECT_LT(bounded, kCases - kCases / 10);
  for (size_t t = 0; t < tiers.size(); ++t) {
    EXPECT_EQ(checked[t], kCases) << tiers[t].label;
    // The VNNI tiers run int8 inputs on their quads, everything else on pairs.
    EXPECT_EQ(quads[t] > 0, tiers[t].kernels->depthwise_quads.row != nullptr) << tiers[t].label;
  }
}

// The same node packed once and run on new inputs gives the reference's output each time (no
// state leaks from one run, or one batch image, into the next: the depth-multiplier ring).
TEST(Int8Depthwise, PackedOnceRunsManyInputs) {
  std::mt19937 rng(7);
  for (const auto& tier : test_support::TestableInt8Tiers()) {
    for (int trial = 0; trial < 40; ++trial) {
      Case c = RandomCase(rng);
      int8::PackedDepthwise p;
      ASSERT_TRUE(p.Pack(*tier.kernels, c.spec, c.q, c.filter.data(), BiasOf(c)));
      for (int run = 0; run < 3; ++run) {
        for (uint8_t& b : c.input) b = static_cast<uint8_t>(rng());
        ASSERT_EQ(RunPacked(p, c), Reference(c)) << tier.label << " trial " << trial << " run " << run;
      }
    }
  }
}

// MobileNet-sized layers (wide channel counts, 3x3 stride 1 and 2, 5x5) on each tier.
TEST(Int8Depthwise, WideLayersEqualTheReference) {
  std::mt19937 rng(99);
  const int shapes[][5] = {{12, 12, 32, 3, 1}, {11, 9, 96, 3, 2}, {9, 9, 144, 3, 1}, {7, 7, 960, 3, 1},
                           {8, 8, 120, 5, 1}, {9, 9, 72, 5, 2}};
  for (const auto& tier : test_support::TestableInt8Tiers()) {
    for (const auto& sh : shapes) {
      Case c = RandomCase(rng);
      auto& s = c.spec;
      s.type = DepthwiseInput::kInt8;
      s.input = {1, sh[0], sh[1], sh[2]};
      s.filter = {1, sh[3], sh[3], sh[2]};
      s.geometry = {};
      s.geometry.stride_h = s.geometry.stride_w = sh[4];
      const auto ph = ref::ComputePadding(ref::Padding::kSame, sh[0], sh[3], sh[4]);
      const auto pw = ref::ComputePadding(ref::Padding::kSame, sh[1], sh[3], sh[4]);
      s.geometry.pad_h = ph.pad_before;
      s.geometry.pad_w = pw.pad_before;
      s.output = {1, ph.out, pw.out, sh[2]};
      const std::vector<float> scales(sh[2], 0.01f);
      c.q = ref::PrepareConvInt8({0.0235f, -128}, scales, sh[2], {0.0235f, -128}, ref::FusedActivation::kRelu6);
      c.input.resize(static_cast<size_t>(s.input.FlatSize()));
      for (uint8_t& b : c.input) b = static_cast<uint8_t>(rng());
      c.filter.resize(static_cast<size_t>(s.filter.FlatSize()));
      for (uint8_t& b : c.filter) b = static_cast<uint8_t>(rng());
      c.bias32.resize(sh[2]);
      for (int32_t& b : c.bias32) b = static_cast<int32_t>(rng() % 40001) - 20000;
      c.has_bias = true;
      int8::PackedDepthwise p;
      ASSERT_TRUE(p.Pack(*tier.kernels, s, c.q, c.filter.data(), c.bias32.data()));
      ASSERT_EQ(RunPacked(p, c), Reference(c)) << tier.label << ": " << c.Describe();
    }
  }
}

// int16 sums are kept in int32 inside the kernels: a node whose sums could leave int32 is left to
// the reference (Pack says no), one just inside runs fast and exactly.
TEST(Int8Depthwise, Int16SumsThatCouldOverflowStayOnTheReference) {
  std::mt19937 rng(5);
  for (const auto& tier : test_support::TestableInt8Tiers()) {
    for (int taps : {511, 600}) {
      Case c;
      auto& s = c.spec;
      s.type = DepthwiseInput::kInt16;
      s.input = {1, 1, taps, 2};
      s.filter = {1, 1, taps, 2};
      s.output = {1, 1, 1, 2};
      c.q = ref::PrepareConvInt16({1.0f / 4096, 0}, {0.001f, 0.002f}, 2, {1.0f / 64, 0}, ref::FusedActivation::kNone);
      c.input.resize(static_cast<size_t>(taps) * 2 * 2);
      for (size_t i = 0; i < c.input.size(); i += 2) {
        const int16_t v = -32768;
        std::memcpy(&c.input[i], &v, 2);
      }
      c.filter.assign(static_cast<size_t>(taps) * 2, 0x80);  // -128: the largest magnitude
      c.bias64 = {12345, -678};
      int8::PackedDepthwise p;
      const bool packed = p.Pack(*tier.kernels, s, c.q, c.filter.data(), c.bias64.data());
      // 511 · 128 · 32768 < 2^31 <= 600 · 128 · 32768.
      EXPECT_EQ(packed, taps == 511) << tier.label;
      if (packed) {
        EXPECT_EQ(RunPacked(p, c), Reference(c)) << tier.label;
      }
    }
  }
}

TEST(Int8Depthwise, InconsistentNodesAreLeftToTheReference) {
  const auto& k = int8::KernelsFor(cpu::Isa::kSse2);
  int8::DepthwiseSpec s;
  s.input = {1, 4, 4, 3};
  s.filter = {1, 3, 3, 4};  // not a multiple of the input depth
  s.output = {1, 4, 4, 4};
  ref::Requant q = ref::PrepareConvInt8({0.1f, 0}, {0.1f}, 4, {0.1f, 0}, ref::FusedActivation::kNone);
  const std::vector<int8_t> filter(36, 1);
  int8::PackedDepthwise p;
  EXPECT_FALSE(p.Pack(k, s, q, filter.data(), nullptr));
  EXPECT_FALSE(p.packed());
  s.input.c = 4;
  q.input_offset = 300;  // a zero point int8 cannot hold
  EXPECT_FALSE(p.Pack(k, s, q, filter.data(), nullptr));
  q.input_offset = 5;
  EXPECT_TRUE(p.Pack(k, s, q, filter.data(), nullptr));
}

}  // namespace
}  // namespace qtflite
