// ADD, SUB, MUL (with broadcasting), QUANTIZE (float and integer), DEQUANTIZE, MAX/AVERAGE_POOL_2D
// and the spatial MEAN on the fast elementwise kernels of every tier (each one the CPU has, and
// AVX-512 on SIMDe) against the reference kernels, bit for bit: random shapes with vector tails,
// broadcasts, zero points including the type's extremes, scales over many octaves, fused
// activations, both numerics, int8 and uint8: 10,000 cases per tier for ADD/SUB/MUL and for QUANTIZE/
// DEQUANTIZE, 5,000 for pooling, 3,333 for MEAN.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "elementwise_tiers.h"
#include "ir/model.h"
#include "kernels/ops/elementwise_fast.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/pooling.h"
#include "kernels/reference/prepare.h"
#include "kernels/reference/quantize.h"
#include "kernels/reference/reduce.h"
#include "runtime/tensor.h"

namespace qtflite {
namespace {

namespace ref = qtflite::reference;
using int8::ElemType;

// Random cases per tier and test: 10,000 for the binary operators and QUANTIZE/DEQUANTIZE (each
// case checks all three conversions), fewer for pooling and MEAN, whose cases are larger.
constexpr int kCasesPerTier = 10000;

int Uniform(std::mt19937& rng, int lo, int hi) { return lo + static_cast<int>(rng() % static_cast<uint32_t>(hi - lo + 1)); }

int ZeroPoint(std::mt19937& rng, bool is_uint8) {
  const int lo = is_uint8 ? 0 : -128, hi = is_uint8 ? 255 : 127;
  switch (rng() % 4) {
    case 0: return lo;
    case 1: return hi;
    default: return Uniform(rng, lo, hi);
  }
}

// 2^[lo, hi) with a random mantissa; sometimes an exact power of two (rounding ties).
float Scale(std::mt19937& rng, int lo, int hi) {
  const float e = std::ldexp(1.0f, Uniform(rng, lo, hi - 1));
  return rng() % 4 == 0 ? e : e * (1.0f + static_cast<float>(rng() % 1000) / 1000.0f);
}

ref::FusedActivation Activation(std::mt19937& rng) {
  const ref::FusedActivation acts[] = {ref::FusedActivation::kNone, ref::FusedActivation::kRelu,
                                       ref::FusedActivation::kRelu6, ref::FusedActivation::kReluN1To1};
  return acts[rng() % 4];
}

ref::Shape ToRef(const std::vector<int32_t>& s) {
  ref::Shape r;
  r.rank = static_cast<int>(s.size());
  for (size_t i = 0; i < s.size(); ++i) r.dims[i] = s[i];
  return r;
}

int64_t Count(const std::vector<int32_t>& s) {
  int64_t n = 1;
  for (int32_t d : s) n *= d;
  return n;
}

// A tensor over `bytes` (no quantization parameters: the fast helpers read shape, type, data).
RtTensor Tensor(DType t, std::vector<int32_t> shape, std::vector<uint8_t>& bytes) {
  RtTensor r;
  r.dtype = t;
  r.shape = std::move(shape);
  r.data = bytes.data();
  r.bytes = bytes.size();
  return r;
}

std::vector<uint8_t> RandomBytes(std::mt19937& rng, int64_t n) {
  std::vector<uint8_t> v(static_cast<size_t>(n) + 1);  // never empty
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

// Shapes of a binary operator: equal, scalar, per-channel, per-row, or a general outer/inner split.
void BinaryShapes(std::mt19937& rng, std::vector<int32_t>* a, std::vector<int32_t>* b, std::vector<int32_t>* out) {
  const int rank = Uniform(rng, 1, 4);
  out->resize(rank);
  for (auto& d : *out) d = rng() % 3 == 0 ? Uniform(rng, 1, 3) : Uniform(rng, 1, 9);
  out->back() = Uniform(rng, 1, 70);  // vector tails of every length
  *a = *out;
  *b = *out;
  switch (rng() % 6) {
    case 0: break;  // same shape
    case 1: b->assign(rng() % 2 ? 1 : 0, 1); break;  // scalar
    case 2: *b = {out->back()}; break;  // per channel
    case 3: b->back() = 1; break;  // one value per row
    case 4: for (int d = 0; d < rank; ++d) if (rng() % 2) (*b)[d] = 1; break;  // any broadcast (may fall back)
    default: std::swap(*a, *b); *a = {out->back()}; break;  // the first input broadcast
  }
  if (rng() % 2) std::swap(*a, *b);
}

TEST(Int8Elementwise, AddSubMulEqualTheReference) {
  for (const auto& tier : test_support::TestableElementwiseTiers()) {
    std::mt19937 rng(12345);
    int fast_cases = 0;
    for (int i = 0; i < kCasesPerTier; ++i) {
      const bool u8 = rng() % 3 == 0;
      const int op = static_cast<int>(rng() % 3);  // add, sub, mul
      const auto numerics = rng() % 2 ? ref::Numerics::kMicro : ref::Numerics::kLiteRT;
      const ref::QParams q1{Scale(rng, -10, 0), ZeroPoint(rng, u8)}, q2{Scale(rng, -10, 0), ZeroPoint(rng, u8)};
      const ref::QParams qo{op == 2 ? Scale(rng, -14, 0) : Scale(rng, -9, 1), ZeroPoint(rng, u8)};
      const ref::FusedActivation act = Activation(rng);
      std::vector<int32_t> sa, sb, so;
      BinaryShapes(rng, &sa, &sb, &so);
      std::vector<uint8_t> a = RandomBytes(rng, Count(sa)), b = RandomBytes(rng, Count(sb));
      std::vector<uint8_t> want(static_cast<size_t>(Count(so)) + 1), got(want.size(), 0xA5);
      const DType t = u8 ? DType::kUInt8 : DType::kInt8;
      RtTensor ta = Tensor(t, sa, a), tb = Tensor(t, sb, b), to = Tensor(t, so, got);
      bool ok;
      std::string what = std::string(op == 0 ? "ADD" : op == 1 ? "SUB" : "MUL") + (u8 ? " uint8" : " int8");
      if (op < 2) {
        ref::AddSubInt8Params p;
        if (u8) p = op == 0 ? ref::PrepareAddUInt8(q1, q2, qo, act) : ref::PrepareSubUInt8(q1, q2, qo, act, numerics);
        else p = op == 0 ? ref::PrepareAddInt8(q1, q2, qo, act) : ref::PrepareSubInt8(q1, q2, qo, act, numerics);
        ok = ops::FastAddSub(*tier.kernels, p, op == 1, ta, tb, to);
        if (u8) {
          (op == 0 ? ref::AddUInt8 : ref::SubUInt8)(p, ToRef(sa), a.data(), ToRef(sb), b.data(), ToRef(so), want.data());
        } else {
          (op == 0 ? ref::AddInt8 : ref::SubInt8)(p, ToRef(sa), reinterpret_cast<int8_t*>(a.data()), ToRef(sb),
                                                  reinterpret_cast<int8_t*>(b.data()), ToRef(so),
                                                  reinterpret_cast<int8_t*>(want.data()));
        }
      } else {
        const ref::MulInt8Params p = u8 ? ref::PrepareMulUInt8(q1, q2, qo, act, numerics)
                                        : ref::PrepareMulInt8(q1, q2, qo, act, numerics);
        ok = ops::FastMul(*tier.kernels, p, ta, tb, to);
        if (u8) {
          ref::MulUInt8(p, ToRef(sa), a.data(), ToRef(sb), b.data(), ToRef(so), want.data());
        } else {
          ref::MulInt8(p, ToRef(sa), reinterpret_cast<int8_t*>(a.data()), ToRef(sb), reinterpret_cast<int8_t*>(b.data()),
                       ToRef(so), reinterpret_cast<int8_t*>(want.data()));
        }
      }
      if (!ok) continue;
      ++fast_cases;
      const size_t n = static_cast<size_t>(Count(so));
      for (size_t j = 0; j < n; ++j) {
        ASSERT_EQ(int(got[j]), int(want[j])) << tier.label << " case " << i << " " << what << " element " << j
                                             << " of " << n;
      }
      ASSERT_EQ(got[n], 0xA5) << tier.label << " case " << i << " wrote past the end";
    }
    EXPECT_GT(fast_cases, kCasesPerTier * 8 / 10) << tier.label;
  }
}

TEST(Int8Elementwise, BroadcastPlans) {
  ops::BroadcastRows p;
  ASSERT_TRUE(ops::PlanBroadcastRows({1, 4, 4, 8}, {8}, {1, 4, 4, 8}, &p));
  EXPECT_EQ(p.outer, 16);
  EXPECT_EQ(p.inner, 8);
  EXPECT_EQ(p.a_row, 8);
  EXPECT_EQ(p.a_step, 1);
  EXPECT_EQ(p.b_row, 0);
  EXPECT_EQ(p.b_step, 1);
  ASSERT_TRUE(ops::PlanBroadcastRows({2, 3}, {2, 3}, {2, 3}, &p));
  EXPECT_EQ(p.outer, 1);
  EXPECT_EQ(p.inner, 6);
  ASSERT_TRUE(ops::PlanBroadcastRows({2, 1}, {1, 3}, {2, 3}, &p));
  EXPECT_EQ(p.a_step, 0);
  EXPECT_EQ(p.a_row, 1);
  EXPECT_EQ(p.b_row, 0);
  EXPECT_FALSE(ops::PlanBroadcastRows({2, 1, 3}, {1, 4, 1}, {2, 4, 3}, &p));
}

TEST(Int8Elementwise, QuantizeDequantizeEqualTheReference) {
  for (const auto& tier : test_support::TestableElementwiseTiers()) {
    std::mt19937 rng(777);
    for (int i = 0; i < kCasesPerTier; ++i) {
      const int n = Uniform(rng, 1, 70);
      const bool u8_in = rng() % 2, u8_out = rng() % 2;
      const ref::QParams qi{Scale(rng, -12, 4), ZeroPoint(rng, u8_in)}, qo{Scale(rng, -12, 4), ZeroPoint(rng, u8_out)};
      const std::string label = tier.label + " case " + std::to_string(i);
      // float -> int8/uint8, with ties, huge values, infinities and NaN.
      std::vector<float> f(n);
      for (auto& x : f) {
        switch (rng() % 8) {
          case 0: x = (static_cast<float>(Uniform(rng, -300, 300)) + 0.5f) * qo.scale; break;
          case 1: x = std::ldexp(1.0f, Uniform(rng, 0, 120)) * (rng() % 2 ? 1 : -1); break;
          case 2: x = rng() % 3 == 0 ? NAN : (rng() % 2 ? INFINITY : -INFINITY); break;
          default: x = static_cast<float>(static_cast<int32_t>(rng())) / 2147483648.0f * 200.0f * qo.scale;
        }
      }
      std::vector<uint8_t> got(n + 1, 0xA5), want(n + 1, 0xA5);
      tier.kernels->quantize_float(qo.scale, qo.zero_point, f.data(), n, u8_out ? ElemType::kUInt8 : ElemType::kInt8,
                                   got.data());
      if (u8_out) ref::QuantizeFloatToUInt8(qo, n, f.data(), want.data());
      else ref::QuantizeFloatToInt8(qo, n, f.data(), reinterpret_cast<int8_t*>(want.data()));
      ASSERT_EQ(got, want) << label << " quantize float";
      // int8/uint8 -> int8/uint8.
      std::vector<uint8_t> in = RandomBytes(rng, n);
      const ref::RequantizeParams rp = ref::PrepareRequantize(qi, qo);
      int8::RequantizeParams p{rp.input_zero_point, rp.output_zero_point, rp.multiplier, rp.shift};
      std::fill(got.begin(), got.end(), 0xA5);
      std::fill(want.begin(), want.end(), 0xA5);
      tier.kernels->requantize(p, u8_in ? ElemType::kUInt8 : ElemType::kInt8, in.data(), n,
                               u8_out ? ElemType::kUInt8 : ElemType::kInt8, got.data());
      auto* wi8 = reinterpret_cast<int8_t*>(want.data());
      const auto* ii8 = reinterpret_cast<const int8_t*>(in.data());
      if (!u8_in && !u8_out) ref::RequantizeInt8ToInt8(rp, n, ii8, wi8);
      if (!u8_in && u8_out) ref::RequantizeInt8ToUInt8(rp, n, ii8, want.data());
      if (u8_in && !u8_out) ref::RequantizeUInt8ToInt8(rp, n, in.data(), wi8);
      if (u8_in && u8_out) ref::RequantizeUInt8ToUInt8(rp, n, in.data(), want.data());
      ASSERT_EQ(got, want) << label << " requantize";
      // int8 -> float, bit for bit.
      std::vector<float> fg(n + 1, 1.5f), fw(n + 1, 1.5f);
      const ref::QParams qd{qi.scale, u8_in ? qi.zero_point - 128 : qi.zero_point};
      tier.kernels->dequantize_int8(static_cast<double>(qd.scale), qd.zero_point, ii8, n, fg.data());
      ref::DequantizeInt8ToFloat(qd, n, ii8, fw.data());
      ASSERT_EQ(0, std::memcmp(fg.data(), fw.data(), sizeof(float) * (n + 1))) << label << " dequantize";
    }
  }
}

TEST(Int8Elementwise, PoolingEqualsTheReference) {
  for (const auto& tier : test_support::TestableElementwiseTiers()) {
    std::mt19937 rng(4242);
    for (int i = 0; i < kCasesPerTier / 2; ++i) {
      const bool u8 = rng() % 3 == 0, max = rng() % 2;
      ref::PoolGeometry g;
      g.filter_h = Uniform(rng, 1, 4);
      g.filter_w = Uniform(rng, 1, 4);
      g.stride_h = Uniform(rng, 1, 3);
      g.stride_w = Uniform(rng, 1, 3);
      const ref::Shape4 is{Uniform(rng, 1, 2), Uniform(rng, 1, 9), Uniform(rng, 1, 9), Uniform(rng, 1, 70)};
      const bool same = rng() % 2;
      auto out_size = [&](int in, int k, int s) { return same ? (in + s - 1) / s : (in - k + s) / s; };
      const int oh = out_size(is.h, g.filter_h, g.stride_h), ow = out_size(is.w, g.filter_w, g.stride_w);
      if (oh <= 0 || ow <= 0) continue;
      g.pad_h = same ? std::max(0, ((oh - 1) * g.stride_h + g.filter_h - is.h) / 2) : 0;
      g.pad_w = same ? std::max(0, ((ow - 1) * g.stride_w + g.filter_w - is.w) / 2) : 0;
      const ref::Shape4 os{is.n, oh, ow, is.c};
      const ref::QParams q{0.05f, ZeroPoint(rng, u8)};
      const ref::ActivationRange act = ref::CalculateActivationRangeQuantized(Activation(rng), q, u8 ? 0 : -128,
                                                                            u8 ? 255 : 127);
      std::vector<uint8_t> in = RandomBytes(rng, is.FlatSize());
      std::vector<uint8_t> got(os.FlatSize() + 1, 0xA5), want(os.FlatSize() + 1, 0xA5);
      const DType t = u8 ? DType::kUInt8 : DType::kInt8;
      RtTensor ti = Tensor(t, {is.n, is.h, is.w, is.c}, in), to = Tensor(t, {os.n, os.h, os.w, os.c}, got);
      ASSERT_TRUE(ops::FastPool(*tier.kernels, max, g, act, ti, to));
      auto* w8 = reinterpret_cast<int8_t*>(want.data());
      const auto* i8 = reinterpret_cast<const int8_t*>(in.data());
      if (max && u8) ref::MaxPoolUInt8(g, act, is, in.data(), os, want.data());
      if (max && !u8) ref::MaxPoolInt8(g, act, is, i8, os, w8);
      if (!max && u8) ref::AveragePoolUInt8(g, act, is, in.data(), os, want.data());
      if (!max && !u8) ref::AveragePoolInt8(g, act, is, i8, os, w8);
      ASSERT_EQ(got, want) << tier.label << " case " << i << (max ? " max" : " average") << (u8 ? " uint8" : " int8");
    }
  }
}

TEST(Int8Elementwise, SpatialMeanEqualsTheReference) {
  for (const auto& tier : test_support::TestableElementwiseTiers()) {
    std::mt19937 rng(99);
    for (int i = 0; i < kCasesPerTier / 3; ++i) {
      const bool u8 = rng() % 3 == 0;
      const std::vector<int32_t> shape{Uniform(rng, 1, 2), Uniform(rng, 1, 12), Uniform(rng, 1, 12), Uniform(rng, 1, 70)};
      const ref::QParams qi{Scale(rng, -8, 0), ZeroPoint(rng, u8)}, qo{Scale(rng, -8, 0), ZeroPoint(rng, u8)};
      const ref::MeanOrSumInt8Params p = ref::PrepareMeanOrSumInt8(qi, qo, false);
      const std::vector<int> axes = rng() % 2 ? std::vector<int>{1, 2} : std::vector<int>{2, 1};
      std::vector<uint8_t> in = RandomBytes(rng, Count(shape));
      const int64_t no = int64_t{shape[0]} * shape[3];
      std::vector<uint8_t> got(no + 1, 0xA5), want(no + 1, 0xA5);
      const DType t = u8 ? DType::kUInt8 : DType::kInt8;
      RtTensor ti = Tensor(t, shape, in), to = Tensor(t, {shape[0], shape[3]}, got);
      ASSERT_TRUE(ops::FastSpatialMean(*tier.kernels, p, axes, ti, to));
      if (u8) ref::MeanOrSumUInt8(p, ToRef(shape), in.data(), axes.data(), 2, want.data());
      else ref::MeanOrSumInt8(p, ToRef(shape), reinterpret_cast<const int8_t*>(in.data()), axes.data(), 2,
                              reinterpret_cast<int8_t*>(want.data()));
      ASSERT_EQ(got, want) << tier.label << " case " << i;
    }
  }
}

}  // namespace
}  // namespace qtflite
