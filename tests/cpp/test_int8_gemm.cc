// CONV_2D and FULLY_CONNECTED on the fast integer GEMM of every tier (each one the CPU has, and
// the AVX-512 / AVX-VNNI ones on SIMDe) against reference::ConvInt8 / ConvUInt8 /
// FullyConnectedInt8 / FullyConnectedUInt8, bit for bit, through int8::PackedGemm (what the
// operators run): random cases with odd M, N, K and their tails (K = 1, N = 1), 1×1 (direct),
// k×k (indirect), 1-7 input channels (im2col), strides, SAME/VALID, dilation, batch > 1, zero
// points including the extremes, per-channel and per-tensor weights, weight zero points, fused
// activations, both FULLY_CONNECTED numerics, uint8.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "int8_tiers.h"
#include "kernels/int8/gemm.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/fully_connected.h"
#include "kernels/reference/padding.h"
#include "kernels/reference/prepare.h"

namespace qtflite {
namespace {

namespace ref = qtflite::reference;
using int8::GemmInput;

struct Case {
  int8::GemmSpec spec;
  bool fc = false;
  ref::Requant q;
  std::vector<uint8_t> input, filter;  // raw int8 / uint8 elements
  std::vector<int32_t> bias;
  bool has_bias = true;
  std::string Describe() const;
};

std::string Case::Describe() const {
  const auto& s = spec;
  auto shape = [](const ref::Shape4& x) {
    return std::to_string(x.n) + "x" + std::to_string(x.h) + "x" + std::to_string(x.w) + "x" + std::to_string(x.c);
  };
  return std::string(fc ? "FC " : "conv ") + (s.type == GemmInput::kInt8 ? "int8" : "uint8") + " in " +
         shape(s.input) + " filter " + shape(s.filter) + " out " + shape(s.output) + " stride " +
         std::to_string(s.geometry.stride_h) + "," + std::to_string(s.geometry.stride_w) + " dilation " +
         std::to_string(s.geometry.dilation_h) + "," + std::to_string(s.geometry.dilation_w) + " pad " +
         std::to_string(s.geometry.pad_h) + "," + std::to_string(s.geometry.pad_w) + " zp_in " +
         std::to_string(-q.input_offset) + " zp_w " + std::to_string(-q.weights_offset) + " zp_out " +
         std::to_string(q.output_offset) + " act [" + std::to_string(q.act.min) + "," + std::to_string(q.act.max) +
         "] per-channel " + std::to_string(q.multiplier.size() > 1) + " double " +
         std::to_string(!q.real_multiplier.empty()) + " bias " + std::to_string(has_bias);
}

int Uniform(std::mt19937& rng, int lo, int hi) { return lo + static_cast<int>(rng() % static_cast<uint32_t>(hi - lo + 1)); }

// Mostly small, sometimes around the vector widths (4, 8, 16) and past them; 1 included.
int RandomDepth(std::mt19937& rng) {
  switch (rng() % 8) {
    case 0: case 1: return Uniform(rng, 1, 8);
    case 2: case 3: return Uniform(rng, 9, 24);
    case 4: case 5: return Uniform(rng, 25, 40);
    case 6: return 1;
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

// Scales spanning many shifts (a few left shifts); sometimes powers of two (exact rounding ties).
float RandomScale(std::mt19937& rng, double lo_exp, double hi_exp) {
  std::uniform_real_distribution<double> e(lo_exp, hi_exp);
  const double exponent = e(rng);
  return static_cast<float>(std::exp2(rng() % 4 == 0 ? std::round(exponent) : exponent));
}

void RandomConvShape(std::mt19937& rng, int8::GemmSpec& s) {
  const int kernels[][2] = {{1, 1}, {1, 1}, {3, 3}, {3, 3}, {5, 5}, {2, 2}, {1, 3}, {3, 1}, {7, 7}};
  const auto& k = kernels[rng() % 9];
  s.filter.h = k[0];
  s.filter.w = k[1];
  s.input.c = rng() % 4 == 0 ? Uniform(rng, 1, 7) : RandomDepth(rng);  // 1-7: im2col
  s.output.c = RandomDepth(rng);
  s.input.n = s.output.n = rng() % 5 == 0 ? 2 : 1;
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

Case RandomCase(std::mt19937& rng) {
  Case c;
  auto& s = c.spec;
  c.fc = rng() % 3 == 0;
  s.type = rng() % 4 == 0 ? GemmInput::kUInt8 : GemmInput::kInt8;
  if (c.fc) {
    const int batches = rng() % 3 == 0 ? 1 : Uniform(rng, 1, 23);
    const int k = rng() % 6 == 0 ? 1 : Uniform(rng, 1, rng() % 2 ? 40 : 300);
    s = int8::FullyConnectedSpec(batches, k, RandomDepth(rng), s.type);
  } else {
    RandomConvShape(rng, s);
  }
  const int channels = s.output.c;
  const ref::FusedActivation act = RandomActivation(rng);
  const ref::Numerics numerics = rng() % 2 ? ref::Numerics::kLiteRT : ref::Numerics::kMicro;
  if (s.type == GemmInput::kInt8) {
    const bool per_channel = rng() % 3 != 0;
    std::vector<float> filter_scales(per_channel ? channels : 1);
    const ref::QParams in{RandomScale(rng, -9, -3), RandomZeroPoint(rng, -128, 127)};
    for (float& f : filter_scales) f = RandomScale(rng, -12, -4);
    const ref::QParams out{RandomScale(rng, -12, -2), RandomZeroPoint(rng, -128, 127)};
    if (c.fc) {
      const int zp_w = per_channel || rng() % 2 ? 0 : RandomZeroPoint(rng, -128, 127);
      c.q = ref::PrepareFullyConnectedInt8(in, filter_scales, zp_w, channels, out, act, numerics);
    } else {
      c.q = ref::PrepareConvInt8(in, filter_scales, channels, out, act);
    }
  } else {
    const ref::QParams in{RandomScale(rng, -9, -3), RandomZeroPoint(rng, 0, 255)};
    const ref::QParams filter{RandomScale(rng, -12, -4), RandomZeroPoint(rng, 0, 255)};
    const ref::QParams out{RandomScale(rng, -12, -2), RandomZeroPoint(rng, 0, 255)};
    c.q = c.fc ? ref::PrepareFullyConnectedUInt8(in, filter, out, act, numerics) : ref::PrepareConvUInt8(in, filter, out, act);
  }
  c.input.resize(static_cast<size_t>(s.input.FlatSize()));
  for (uint8_t& b : c.input) b = static_cast<uint8_t>(rng());
  c.filter.resize(static_cast<size_t>(s.filter.FlatSize()));
  for (uint8_t& b : c.filter) b = static_cast<uint8_t>(rng());
  if (rng() % 8 == 0) {  // extreme values everywhere
    for (uint8_t& b : c.filter) b = rng() % 2 ? 0x80 : 0x7F;
    for (uint8_t& b : c.input) b = rng() % 2 ? 0x80 : 0x7F;
  }
  c.has_bias = rng() % 6 != 0;
  c.bias.resize(channels);
  for (int i = 0; i < channels; ++i) {
    c.bias[i] = static_cast<int32_t>(rng() % (1u << 26)) - (1 << 25);
    if (rng() % 10 == 0) c.bias[i] = static_cast<int32_t>(rng() % (1u << 31)) - (1 << 30);
  }
  return c;
}

std::vector<uint8_t> Reference(const Case& c) {
  const auto& s = c.spec;
  std::vector<uint8_t> out(static_cast<size_t>(s.output.FlatSize()));
  const int32_t* bias = c.has_bias ? c.bias.data() : nullptr;
  const auto* in8 = reinterpret_cast<const int8_t*>(c.input.data());
  const auto* w8 = reinterpret_cast<const int8_t*>(c.filter.data());
  auto* out8 = reinterpret_cast<int8_t*>(out.data());
  if (c.fc) {
    const int batches = s.input.w, k = s.input.c, n = s.output.c;
    if (s.type == GemmInput::kInt8) {
      ref::FullyConnectedInt8(c.q, batches, k, n, in8, w8, bias, out8);
    } else {
      ref::FullyConnectedUInt8(c.q, batches, k, n, c.input.data(), c.filter.data(), bias, out.data());
    }
  } else if (s.type == GemmInput::kInt8) {
    ref::ConvInt8(s.geometry, c.q, s.input, in8, s.filter, w8, bias, s.output, out8);
  } else {
    ref::ConvUInt8(s.geometry, c.q, s.input, c.input.data(), s.filter, c.filter.data(), bias, s.output, out.data());
  }
  return out;
}

constexpr uint8_t kGuard = 0xA5;

// Runs on an exactly-sized input (reads past it show under ASan) and an output followed by guard
// bytes (writes past it fail the test).
std::vector<uint8_t> RunPacked(int8::PackedGemm& p, const Case& c, ThreadPool* pool = nullptr) {
  const size_t n = static_cast<size_t>(c.spec.output.FlatSize());
  std::vector<uint8_t> out(n + 64, kGuard);
  std::vector<uint8_t> in(c.input);
  p.Run(in.data(), out.data(), pool);
  for (size_t i = n; i < out.size(); ++i) EXPECT_EQ(out[i], kGuard) << "wrote past the output";
  out.resize(n);
  return out;
}

void ExpectEqual(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want, const Case& c,
                 const std::string& where) {
  ASSERT_EQ(got.size(), want.size());
  if (got == want) return;
  size_t i = 0;
  while (got[i] == want[i]) ++i;
  FAIL() << where << ": " << c.Describe() << ": first difference at output element " << i << " (channel "
         << i % c.spec.output.c << "): " << int(got[i]) << " vs " << int(want[i]);
}

TEST(Int8Gemm, EveryTierEqualsTheReference) {
  const auto tiers = test_support::TestableInt8Tiers();
  std::vector<int> checked(tiers.size(), 0), dot(tiers.size(), 0), tile(tiers.size(), 0);
  std::mt19937 rng(20261205);
  constexpr int kCases = 3000;
  for (int trial = 0; trial < kCases; ++trial) {
    const Case c = RandomCase(rng);
    const std::vector<uint8_t> want = Reference(c);
    for (size_t t = 0; t < tiers.size(); ++t) {
      int8::PackedGemm p;
      const std::string where = tiers[t].label + " trial " + std::to_string(trial);
      ASSERT_TRUE(p.Pack(*tiers[t].kernels, c.spec, c.q, c.filter.data(), c.has_bias ? c.bias.data() : nullptr))
          << where << ": " << c.Describe();
      EXPECT_EQ(p.isa(), tiers[t].kernels->isa);
      ExpectEqual(RunPacked(p, c), want, c, where);
      if (HasFatalFailure()) return;
      ++checked[t];
      dot[t] += p.layout() == int8::GemmLayout::kDot;
      tile[t] += p.layout() == int8::GemmLayout::kTile;
    }
  }
  for (size_t t = 0; t < tiers.size(); ++t) {
    EXPECT_EQ(checked[t], kCases) << tiers[t].label;
    // The VNNI tiers run symmetric int8 on vpdpbusd, everything else on vpmaddwd.
    EXPECT_EQ(dot[t] > 0, tiers[t].kernels->gemm_dot.fn != nullptr) << tiers[t].label;
    // AMX runs the symmetric int8 problems of kGemmTileMinRows rows or more on tdpbssd.
    EXPECT_EQ(tile[t] > 0, tiers[t].kernels->gemm_tile.fn != nullptr) << tiers[t].label;
  }
}

// The AMX tier is among the tested ones exactly when the CPU and the OS allow it; says so if not.
TEST(Int8Gemm, AmxIsTestedWhenTheMachineHasIt) {
  const bool amx = cpu::Supports(cpu::Isa::kAmx);
  bool listed = false;
  for (const auto& tier : test_support::TestableInt8Tiers()) {
    if (tier.kernels->isa == cpu::Isa::kAmx) {
      listed = true;
      EXPECT_NE(tier.kernels->gemm_tile.fn, nullptr);
    }
  }
  EXPECT_EQ(listed, amx);
  if (!amx) {
    const auto& f = cpu::Features();
    std::cout << "[   NOTE   ] AMX tier absent, not tested: amx_tile " << f.amx_tile << " amx_int8 " << f.amx_int8
              << " os_tiles " << f.os_tiles << " tile data permitted " << f.os_tiles_permitted << "\n";
  }
}

// Shapes around the AMX tiles (16 rows, 64 k, 32-column panels of two 16-column tiles) on every
// tier: M, N, K just below, at and past their multiples, K not a multiple of 4, rows in place
// (FULLY_CONNECTED, 1×1) and gathered (k×k), per-channel and per-tensor, both numerics, uint8.
TEST(Int8Gemm, TileEdgeShapesEqualTheReference) {
  std::mt19937 rng(64);
  auto near = [&](int multiple) {
    const int m = multiple * Uniform(rng, 1, 3);
    return std::max(1, m + Uniform(rng, -2, 2));
  };
  for (const auto& tier : test_support::TestableInt8Tiers()) {
    int tiled = 0;
    for (int trial = 0; trial < 150; ++trial) {
      Case c = RandomCase(rng);
      auto& s = c.spec;
      const int k = rng() % 3 == 0 ? Uniform(rng, 1, 200) : near(64);
      const int n = rng() % 3 == 0 ? Uniform(rng, 1, 80) : near(16);
      if (c.fc) {
        s = int8::FullyConnectedSpec(rng() % 4 == 0 ? Uniform(rng, 1, 100) : near(16), k, s.output.c, s.type);
      } else {
        s.input.h = Uniform(rng, 4, 12);
        s.input.w = Uniform(rng, 4, 12);
        s.geometry = {};
        s.filter.h = s.filter.w = rng() % 2 ? 1 : 3;
        s.geometry.pad_h = s.geometry.pad_w = s.filter.h / 2;  // SAME, stride 1
        s.output.h = s.input.h;
        s.output.w = s.input.w;
        s.input.c = s.filter.c = rng() % 4 == 0 ? Uniform(rng, 1, 7) : k;
      }
      s.output.c = s.filter.n = n;
      // Parameters and data for the final shape.
      std::mt19937 data_rng(rng());
      const bool u8 = s.type == GemmInput::kUInt8;
      const ref::Numerics numerics = rng() % 2 ? ref::Numerics::kLiteRT : ref::Numerics::kMicro;
      if (u8) {
        const ref::QParams in{0.02f, Uniform(rng, 0, 255)}, w{0.003f, Uniform(rng, 0, 255)}, out{0.7f, 120};
        c.q = c.fc ? ref::PrepareFullyConnectedUInt8(in, w, out, ref::FusedActivation::kNone, numerics)
                   : ref::PrepareConvUInt8(in, w, out, ref::FusedActivation::kNone);
      } else {
        std::vector<float> scales(rng() % 3 ? n : 1);
        for (float& f : scales) f = RandomScale(rng, -12, -6);
        const ref::QParams in{RandomScale(rng, -8, -4), RandomZeroPoint(rng, -128, 127)};
        const ref::QParams out{RandomScale(rng, -6, -1), RandomZeroPoint(rng, -128, 127)};
        c.q = c.fc ? ref::PrepareFullyConnectedInt8(in, scales, 0, n, out, RandomActivation(rng), numerics)
                   : ref::PrepareConvInt8(in, scales, n, out, RandomActivation(rng));
      }
      c.input.resize(static_cast<size_t>(s.input.FlatSize()));
      for (uint8_t& b : c.input) b = static_cast<uint8_t>(data_rng());
      c.filter.resize(static_cast<size_t>(s.filter.FlatSize()));
      for (uint8_t& b : c.filter) b = static_cast<uint8_t>(data_rng());
      c.bias.resize(n);
      for (int32_t& b : c.bias) b = static_cast<int32_t>(data_rng() % (1u << 24)) - (1 << 23);
      int8::PackedGemm p;
      ASSERT_TRUE(p.Pack(*tier.kernels, s, c.q, c.filter.data(), c.has_bias ? c.bias.data() : nullptr))
          << tier.label << ": " << c.Describe();
      tiled += p.layout() == int8::GemmLayout::kTile;
      ExpectEqual(RunPacked(p, c), Reference(c), c, tier.label + " trial " + std::to_string(trial));
      if (HasFatalFailure()) return;
    }
    EXPECT_EQ(tiled > 0, tier.kernels->gemm_tile.fn != nullptr) << tier.label;
  }
}

// Packed once, run on new inputs (the row-pointer table is rebuilt for a new input buffer).
TEST(Int8Gemm, PackedOnceRunsManyInputs) {
  std::mt19937 rng(11);
  for (const auto& tier : test_support::TestableInt8Tiers()) {
    for (int trial = 0; trial < 40; ++trial) {
      Case c = RandomCase(rng);
      int8::PackedGemm p;
      ASSERT_TRUE(p.Pack(*tier.kernels, c.spec, c.q, c.filter.data(), c.has_bias ? c.bias.data() : nullptr));
      for (int run = 0; run < 3; ++run) {
        for (uint8_t& b : c.input) b = static_cast<uint8_t>(rng());
        ExpectEqual(RunPacked(p, c), Reference(c), c, tier.label + " run " + std::to_string(run));
        if (HasFatalFailure()) return;
      }
    }
  }
}

// Threads split row blocks (and channel panels when rows are few): every thread count, more
// threads than blocks included, gives the reference's output bit for bit.
TEST(Int8Gemm, EveryThreadCountEqualsTheReference) {
  std::mt19937 rng(23);
  ThreadPool pools[] = {ThreadPool(2), ThreadPool(3), ThreadPool(8)};
  const auto tiers = test_support::TestableInt8Tiers();
  for (int trial = 0; trial < 300; ++trial) {
    const Case c = RandomCase(rng);
    const std::vector<uint8_t> want = Reference(c);
    const auto& tier = tiers[static_cast<size_t>(trial) % tiers.size()];
    int8::PackedGemm p;
    ASSERT_TRUE(p.Pack(*tier.kernels, c.spec, c.q, c.filter.data(), c.has_bias ? c.bias.data() : nullptr));
    for (ThreadPool& pool : pools) {
      ExpectEqual(RunPacked(p, c, &pool), want, c,
                  tier.label + " trial " + std::to_string(trial) + " threads " + std::to_string(pool.size()));
      if (HasFatalFailure()) return;
    }
  }
}

// Model-sized layers (more rows than one cache block, wide K and N) on each tier.
TEST(Int8Gemm, LargeLayersEqualTheReference) {
  std::mt19937 rng(3);
  ThreadPool pool(3);
  // in h, w, c; kernel; stride; out c
  const int shapes[][6] = {{26, 26, 1, 3, 1, 16}, {13, 13, 16, 3, 1, 32}, {20, 20, 64, 1, 1, 72},
                           {9, 9, 96, 3, 2, 40},  {30, 30, 3, 3, 2, 24},  {6, 6, 600, 1, 1, 17},
                           {56, 56, 64, 1, 1, 64}, {40, 40, 32, 3, 1, 48}};
  for (const auto& tier : test_support::TestableInt8Tiers()) {
    for (const auto& sh : shapes) {
      Case c;
      auto& s = c.spec;
      s.input = {1, sh[0], sh[1], sh[2]};
      s.filter = {sh[5], sh[3], sh[3], sh[2]};
      s.geometry.stride_h = s.geometry.stride_w = sh[4];
      const auto ph = ref::ComputePadding(ref::Padding::kSame, sh[0], sh[3], sh[4]);
      const auto pw = ref::ComputePadding(ref::Padding::kSame, sh[1], sh[3], sh[4]);
      s.geometry.pad_h = ph.pad_before;
      s.geometry.pad_w = pw.pad_before;
      s.output = {1, ph.out, pw.out, sh[5]};
      std::vector<float> scales(sh[5]);
      for (float& f : scales) f = RandomScale(rng, -9, -6);
      c.q = ref::PrepareConvInt8({0.0235f, -128}, scales, sh[5], {0.05f, 3}, ref::FusedActivation::kRelu6);
      c.input.resize(static_cast<size_t>(s.input.FlatSize()));
      for (uint8_t& b : c.input) b = static_cast<uint8_t>(rng());
      c.filter.resize(static_cast<size_t>(s.filter.FlatSize()));
      for (uint8_t& b : c.filter) b = static_cast<uint8_t>(rng());
      c.bias.resize(sh[5]);
      for (int32_t& b : c.bias) b = static_cast<int32_t>(rng() % 40001) - 20000;
      int8::PackedGemm p;
      ASSERT_TRUE(p.Pack(*tier.kernels, s, c.q, c.filter.data(), c.bias.data()));
      const std::vector<uint8_t> want = Reference(c);
      ExpectEqual(RunPacked(p, c), want, c, tier.label);
      // Threaded on the same packing: each thread's own scratch (im2col rows, AMX tile rows).
      ExpectEqual(RunPacked(p, c, &pool), want, c, tier.label + " threads 3");
      if (HasFatalFailure()) return;
    }
  }
}

// First layers (1-7 input channels, im2col) on images large enough that most windows lie inside,
// where the gather copies each kernel row's span in 8-byte words (spans up to 16 bytes) and the
// others tap by tap: kernels 1x3 to 10x4, strides, SAME and VALID, dilation (in h: the word path;
// in w: the tap path), batch 2, int8 and uint8.
TEST(Int8Gemm, FirstLayersOnLargeImagesEqualTheReference) {
  std::mt19937 rng(17);
  const int kernels[][2] = {{3, 3}, {3, 3}, {10, 4}, {5, 5}, {1, 3}, {7, 2}, {3, 6}};
  for (const auto& tier : test_support::TestableInt8Tiers()) {
    for (int trial = 0; trial < 24; ++trial) {
      Case c;
      auto& s = c.spec;
      const auto& k = kernels[rng() % 7];
      const bool u8 = rng() % 4 == 0;
      s.type = u8 ? int8::GemmInput::kUInt8 : int8::GemmInput::kInt8;
      s.input = {rng() % 3 == 0 ? 2 : 1, Uniform(rng, 12, 30), Uniform(rng, 10, 30), Uniform(rng, 1, 7)};
      s.filter = {Uniform(rng, 1, 40), k[0], k[1], s.input.c};
      auto& g = s.geometry;
      g = {};
      g.stride_h = Uniform(rng, 1, 2);
      g.stride_w = rng() % 2 ? g.stride_h : Uniform(rng, 1, 2);
      g.dilation_h = rng() % 4 == 0 ? 2 : 1;
      g.dilation_w = rng() % 6 == 0 ? 2 : 1;
      const ref::Padding padding = rng() % 2 ? ref::Padding::kSame : ref::Padding::kValid;
      const auto ph = ref::ComputePadding(padding, s.input.h, s.filter.h, g.stride_h, g.dilation_h);
      const auto pw = ref::ComputePadding(padding, s.input.w, s.filter.w, g.stride_w, g.dilation_w);
      if (ph.out < 1 || pw.out < 1) {  // a VALID window larger than the image: draw again
        --trial;
        continue;
      }
      g.pad_h = ph.pad_before;
      g.pad_w = pw.pad_before;
      s.output = {s.input.n, ph.out, pw.out, s.filter.n};
      std::vector<float> scales(u8 ? 1 : s.filter.n);
      for (float& f : scales) f = RandomScale(rng, -9, -6);
      if (u8) {
        c.q = ref::PrepareConvUInt8({0.0235f, 119}, {scales[0], 131}, {0.05f, 77}, ref::FusedActivation::kNone);
      } else {
        c.q = ref::PrepareConvInt8({0.0235f, -128}, scales, s.filter.n, {0.05f, 3}, ref::FusedActivation::kRelu);
      }
      c.input.resize(static_cast<size_t>(s.input.FlatSize()));
      for (uint8_t& b : c.input) b = static_cast<uint8_t>(rng());
      c.filter.resize(static_cast<size_t>(s.filter.FlatSize()));
      for (uint8_t& b : c.filter) b = static_cast<uint8_t>(rng());
      c.bias.resize(s.filter.n);
      for (int32_t& b : c.bias) b = static_cast<int32_t>(rng() % 40001) - 20000;
      int8::PackedGemm p;
      ASSERT_TRUE(p.Pack(*tier.kernels, s, c.q, c.filter.data(), c.bias.data())) << c.Describe();
      ExpectEqual(RunPacked(p, c), Reference(c), c, tier.label);
      if (HasFatalFailure()) return;
    }
  }
}

// What the fast GEMM leaves to the reference: grouped convolution.
TEST(Int8Gemm, GroupedConvolutionIsLeftToTheReference) {
  int8::GemmSpec s;
  s.input = {1, 4, 4, 8};
  s.filter = {8, 3, 3, 4};
  s.output = {1, 4, 4, 8};
  const ref::Requant q = ref::PrepareConvInt8({0.1f, 0}, {0.01f}, 8, {0.1f, 0}, ref::FusedActivation::kNone);
  std::vector<int8_t> filter(static_cast<size_t>(s.filter.FlatSize()), 1);
  for (const auto& tier : test_support::TestableInt8Tiers()) {
    int8::PackedGemm p;
    EXPECT_FALSE(p.Pack(*tier.kernels, s, q, filter.data(), nullptr)) << tier.label;
    EXPECT_FALSE(p.packed());
  }
}


// The AMX tier keeps the layers its tiles measured slower on (16 output channels, shallow
// gathered rows) on the VNNI microkernel, and tiles the others; forced, it tiles them all.
TEST(Int8Gemm, AmxTilesOnlyWhereFaster) {
  if (!cpu::Supports(cpu::Isa::kAmx)) GTEST_SKIP() << "AMX tier absent on this machine";
  auto layout = [](const int8::Int8Kernels& kernels, int in_c, int kernel, int out_c) {
    int8::GemmSpec s;
    s.input = {1, 16, 16, in_c};
    s.filter = {out_c, kernel, kernel, in_c};
    s.geometry.pad_h = s.geometry.pad_w = kernel / 2;
    s.output = {1, 16, 16, out_c};
    std::vector<float> scales(out_c, 0.01f);
    const ref::Requant q = ref::PrepareConvInt8({0.02f, 3}, scales, out_c, {0.1f, -2}, ref::FusedActivation::kNone);
    std::vector<uint8_t> filter(static_cast<size_t>(s.filter.FlatSize()), 1);
    int8::PackedGemm p;
    EXPECT_TRUE(p.Pack(kernels, s, q, filter.data(), nullptr));
    return p.layout();
  };
  const int8::Int8Kernels& amx = int8::KernelsFor(cpu::Isa::kAmx);
  int8::Int8Kernels everywhere = amx;
  everywhere.gemm_tile_everywhere = true;
  EXPECT_EQ(layout(amx, 16, 3, 16), int8::GemmLayout::kDot);   // 16 channels
  EXPECT_EQ(layout(amx, 16, 3, 32), int8::GemmLayout::kDot);   // gathered depth 144
  EXPECT_EQ(layout(amx, 32, 3, 32), int8::GemmLayout::kTile);  // gathered depth 288
  EXPECT_EQ(layout(amx, 16, 1, 96), int8::GemmLayout::kTile);  // 1×1
  EXPECT_EQ(layout(everywhere, 16, 3, 16), int8::GemmLayout::kTile);
}

}  // namespace
}  // namespace qtflite
