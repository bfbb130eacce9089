// The fast float kernels against the scalar reference kernels on randomized shapes, on every
// ISA this CPU supports. Float results may differ by rounding only (another summation order,
// FMA), so each output is compared within a bound proportional to Σ|x·w| of its taps.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "kernels/fast/conv_float.h"
#include "kernels/fast/float_kernels.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/elementwise.h"
#include "kernels/reference/fully_connected.h"
#include "kernels/reference/pooling.h"
#include "kernels/reference/padding.h"

namespace qtflite {
namespace {

namespace ref = qtflite::reference;

std::vector<cpu::Isa> SupportedIsas() { return cpu::SupportedIsas(); }

std::vector<float> Random(std::mt19937& rng, size_t n) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

std::vector<float> Abs(std::vector<float> v) {
  for (float& x : v) x = std::fabs(x);
  return v;
}

// |fast − ref| ≤ 1e-5 · bound, where bound is the same computation on absolute values, so the
// tolerance scales with the magnitude of what was summed.
void ExpectClose(const std::vector<float>& fast, const std::vector<float>& reference,
                 const std::vector<float>& bound, const std::string& what) {
  ASSERT_EQ(fast.size(), reference.size()) << what;
  for (size_t i = 0; i < fast.size(); ++i) {
    ASSERT_LE(std::fabs(fast[i] - reference[i]), 1e-5f * bound[i] + 1e-7f)
        << what << ": element " << i << " fast " << fast[i] << " reference " << reference[i];
  }
}

const ref::FloatRange kNoClamp{};
const ref::FloatRange kRelu6{0.0f, 6.0f};

TEST(FastFloat, GemmMatchesReferenceFullyConnected) {
  std::mt19937 rng(1);
  for (cpu::Isa isa : SupportedIsas()) {
    for (int trial = 0; trial < 200; ++trial) {
      const int m = 1 + rng() % 37, k = 1 + rng() % 70, n = 1 + rng() % 41;
      const ref::FloatRange act = trial % 3 == 0 ? kRelu6 : kNoClamp;
      const bool with_bias = trial % 4 != 0;
      std::vector<float> a = Random(rng, size_t(m) * k), w = Random(rng, size_t(n) * k), bias = Random(rng, n);
      std::vector<float> expected(size_t(m) * n), bound(size_t(m) * n), got(size_t(m) * n);
      ref::FullyConnectedFloat(act, m, k, n, a.data(), w.data(), with_bias ? bias.data() : nullptr, expected.data());
      ref::FullyConnectedFloat(kNoClamp, m, k, n, Abs(a).data(), Abs(w).data(),
                               with_bias ? Abs(bias).data() : nullptr, bound.data());
      auto packed = fast::PackFloatWeights(w.data(), n, k, with_bias ? bias.data() : nullptr, isa);
      fast::FloatGemm(a.data(), m, k, packed, act.min, act.max, got.data(), n);
      ExpectClose(got, expected, bound,
                  std::string(cpu::IsaName(isa)) + " m=" + std::to_string(m) + " k=" + std::to_string(k) +
                      " n=" + std::to_string(n));
    }
  }
}

TEST(FastFloat, GemmRowDoesNotDependOnTheOtherRows) {
  // One or two rows take the multi-panel row path, more take the tiles: the same bits per row.
  std::mt19937 rng(9);
  for (cpu::Isa isa : SupportedIsas()) {
    for (int trial = 0; trial < 30; ++trial) {
      const int m = 3 + rng() % 20, k = 1 + rng() % 90, n = 1 + rng() % 150;
      std::vector<float> a = Random(rng, size_t(m) * k), w = Random(rng, size_t(n) * k), bias = Random(rng, n);
      auto packed = fast::PackFloatWeights(w.data(), n, k, bias.data(), isa);
      std::vector<float> all(size_t(m) * n);
      fast::FloatGemm(a.data(), m, k, packed, -1e30f, 1e30f, all.data(), n);
      for (int rows = 1; rows <= 2; ++rows) {
        for (int i = 0; i + rows <= m; ++i) {
          std::vector<float> part(size_t(rows) * n);
          fast::FloatGemm(a.data() + size_t(i) * k, rows, k, packed, -1e30f, 1e30f, part.data(), n);
          for (int j = 0; j < rows * n; ++j) {
            ASSERT_EQ(part[j], all[size_t(i) * n + j]) << cpu::IsaName(isa) << " m=" << m << " k=" << k << " n=" << n;
          }
        }
      }
    }
  }
}

TEST(FastFloat, GemmHonoursLeadingDimensions) {
  // A strided view of A (lda > k) and an output with room between rows (ldo > n).
  const int m = 5, k = 3, n = 2, lda = 7, ldo = 4;
  std::vector<float> a(size_t(m) * lda, 100.0f), w = {1, 2, 3, -1, 0, 1}, out(size_t(m) * ldo, -7.0f);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < k; ++j) a[i * lda + j] = float(i + j);
  }
  for (cpu::Isa isa : SupportedIsas()) {
    auto packed = fast::PackFloatWeights(w.data(), n, k, nullptr, isa);
    fast::FloatGemm(a.data(), m, lda, packed, -1e30f, 1e30f, out.data(), ldo);
    for (int i = 0; i < m; ++i) {
      EXPECT_EQ(out[i * ldo + 0], 1.0f * i + 2.0f * (i + 1) + 3.0f * (i + 2)) << cpu::IsaName(isa);
      EXPECT_EQ(out[i * ldo + 1], -1.0f * i + 1.0f * (i + 2)) << cpu::IsaName(isa);
      EXPECT_EQ(out[i * ldo + 2], -7.0f) << "wrote past n";
      EXPECT_EQ(out[i * ldo + 3], -7.0f) << "wrote past n";
    }
  }
}

TEST(FastFloat, ClampKeepsNaNAsTheReferenceDoes) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> a = {nan, 1.0f}, w = {1.0f, 1.0f};
  for (cpu::Isa isa : SupportedIsas()) {
    auto packed = fast::PackFloatWeights(w.data(), 1, 1, nullptr, isa);
    std::vector<float> out(2);
    fast::FloatGemm(a.data(), 2, 1, packed, 0.0f, 6.0f, out.data(), 1);
    EXPECT_TRUE(std::isnan(out[0])) << cpu::IsaName(isa);
    EXPECT_EQ(out[1], 1.0f);
  }
}

struct RandomConv {
  ref::ConvGeometry g;
  ref::Shape4 in, filter, out;
  ref::FloatRange act;
};

// A random geometry with SAME or VALID padding, as the CONV_2D operator computes it.
RandomConv MakeRandomConv(std::mt19937& rng, bool depthwise) {
  RandomConv c;
  c.g.stride_h = 1 + rng() % 2;
  c.g.stride_w = 1 + rng() % 3;
  c.g.dilation_h = 1 + rng() % 2;
  c.g.dilation_w = 1;
  const int kh = 1 + rng() % 3, kw = 1 + rng() % 3;
  const int channels = 1 + rng() % 21;
  c.in = {1 + static_cast<int>(rng() % 3), 5 + static_cast<int>(rng() % 9), 5 + static_cast<int>(rng() % 9), channels};
  const ref::Padding padding = rng() % 2 ? ref::Padding::kSame : ref::Padding::kValid;
  auto ph = ref::ComputePadding(padding, c.in.h, kh, c.g.stride_h, c.g.dilation_h);
  auto pw = ref::ComputePadding(padding, c.in.w, kw, c.g.stride_w, c.g.dilation_w);
  c.g.pad_h = ph.pad_before;
  c.g.pad_w = pw.pad_before;
  const int out_c = depthwise ? channels : 1 + static_cast<int>(rng() % 40);
  c.filter = depthwise ? ref::Shape4{1, kh, kw, channels} : ref::Shape4{out_c, kh, kw, channels};
  c.out = {c.in.n, ph.out, pw.out, out_c};
  c.act = rng() % 2 ? kRelu6 : kNoClamp;
  return c;
}

// The fast convolution's parameters for a random case.
fast::ConvFloatParams ConvParams(const RandomConv& c) {
  fast::ConvFloatParams p;
  p.batches = c.in.n, p.in_h = c.in.h, p.in_w = c.in.w, p.in_c = c.in.c;
  p.out_h = c.out.h, p.out_w = c.out.w, p.out_c = c.out.c, p.kernel_h = c.filter.h, p.kernel_w = c.filter.w;
  p.stride_h = c.g.stride_h, p.stride_w = c.g.stride_w, p.dilation_h = c.g.dilation_h;
  p.dilation_w = c.g.dilation_w, p.pad_h = c.g.pad_h, p.pad_w = c.g.pad_w, p.lo = c.act.min, p.hi = c.act.max;
  return p;
}

TEST(FastFloat, ConvMatchesReference) {
  std::mt19937 rng(2);
  for (cpu::Isa isa : SupportedIsas()) {
    cpu::ScopedIsaOverride use(isa);
    for (int trial = 0; trial < 150; ++trial) {
      RandomConv c = MakeRandomConv(rng, false);
      if (trial == 0) c.g = {}, c.filter.h = c.filter.w = 1, c.out = {c.in.n, c.in.h, c.in.w, c.out.c};  // direct 1×1
      auto in = Random(rng, c.in.FlatSize()), filter = Random(rng, c.filter.FlatSize()), bias = Random(rng, c.out.c);
      std::vector<float> expected(c.out.FlatSize()), bound(c.out.FlatSize()), got(c.out.FlatSize());
      ref::ConvFloat(c.g, c.act, c.in, in.data(), c.filter, filter.data(), bias.data(), c.out, expected.data());
      ref::ConvFloat(c.g, kNoClamp, c.in, Abs(in).data(), c.filter, Abs(filter).data(), Abs(bias).data(), c.out,
                     bound.data());
      const fast::ConvFloatParams p = ConvParams(c);
      auto packed = fast::PackFloatWeights(filter.data(), c.filter.n, c.filter.h * c.filter.w * c.filter.c,
                                           bias.data());
      fast::ConvFloat(p, in.data(), packed, got.data());
      ExpectClose(got, expected, bound, std::string(cpu::IsaName(isa)) + " conv trial " + std::to_string(trial));
    }
  }
}

TEST(FastFloat, ConvLargerThanOneBlock) {
  // 2 × 40 × 40 output pixels: several blocks of listed taps per image.
  std::mt19937 rng(3);
  ref::ConvGeometry g;
  g.pad_h = g.pad_w = 1;
  ref::Shape4 is{2, 40, 40, 8}, fs{12, 3, 3, 8}, os{2, 40, 40, 12};
  auto in = Random(rng, is.FlatSize()), filter = Random(rng, fs.FlatSize()), bias = Random(rng, 12);
  std::vector<float> expected(os.FlatSize()), bound(os.FlatSize()), got(os.FlatSize());
  ref::ConvFloat(g, kNoClamp, is, in.data(), fs, filter.data(), bias.data(), os, expected.data());
  ref::ConvFloat(g, kNoClamp, is, Abs(in).data(), fs, Abs(filter).data(), Abs(bias).data(), os, bound.data());
  fast::ConvFloatParams p;
  p.batches = 2, p.in_h = p.in_w = p.out_h = p.out_w = 40, p.in_c = 8, p.out_c = 12, p.kernel_h = p.kernel_w = 3;
  p.pad_h = p.pad_w = 1, p.lo = kNoClamp.min, p.hi = kNoClamp.max;
  fast::ConvFloat(p, in.data(), fast::PackFloatWeights(filter.data(), 12, 72, bias.data()), got.data());
  ExpectClose(got, expected, bound, "blocked conv");
}

TEST(FastFloat, IndirectGemmEqualsGemmBitForBit) {
  // Rows of A split into `taps` segments scattered in memory: the same sums in the same order.
  std::mt19937 rng(5);
  for (cpu::Isa isa : SupportedIsas()) {
    for (int trial = 0; trial < 100; ++trial) {
      const int m = 1 + rng() % 40, taps = 1 + rng() % 5, c = 1 + rng() % 20, n = 1 + rng() % 70;
      const int k = taps * c;
      std::vector<float> a = Random(rng, size_t(m) * k), w = Random(rng, size_t(n) * k), bias = Random(rng, n);
      std::vector<float> scattered(size_t(m) * k * 2, 99.0f);
      std::vector<const float*> rows(size_t(m) * taps);
      for (int i = 0; i < m; ++i) {
        for (int t = 0; t < taps; ++t) {
          const size_t at = (size_t(m) * taps - 1 - (size_t(i) * taps + t)) * c * 2;  // reversed, spaced out
          for (int j = 0; j < c; ++j) scattered[at + j] = a[size_t(i) * k + t * c + j];
          rows[size_t(i) * taps + t] = scattered.data() + at;
        }
      }
      const ref::FloatRange act = trial % 2 ? kRelu6 : kNoClamp;
      auto packed = fast::PackFloatWeights(w.data(), n, k, bias.data(), isa);
      std::vector<float> direct(size_t(m) * n), indirect(size_t(m) * n);
      fast::FloatGemm(a.data(), m, k, packed, act.min, act.max, direct.data(), n);
      fast::FloatIndirectGemm(rows.data(), m, taps, packed, act.min, act.max, indirect.data(), n);
      for (size_t i = 0; i < direct.size(); ++i) {
        ASSERT_EQ(direct[i], indirect[i]) << cpu::IsaName(isa) << " trial " << trial << " element " << i;
      }
    }
  }
}

TEST(FastFloat, ConvWideKernelsDilationAndLargePadding) {
  // Kernel widths up to 5, dilation along x (one segment per tap), explicit padding up to the
  // kernel's reach, non-square inputs: every tap lands in the zero frame somewhere.
  std::mt19937 rng(6);
  for (cpu::Isa isa : SupportedIsas()) {
    cpu::ScopedIsaOverride use(isa);
    for (int trial = 0; trial < 120; ++trial) {
      ref::ConvGeometry g;
      g.stride_h = 1 + rng() % 3, g.stride_w = 1 + rng() % 3;
      g.dilation_h = 1 + rng() % 3, g.dilation_w = 1 + rng() % 3;
      const int kh = 1 + rng() % 5, kw = 1 + rng() % 5, ci = 1 + rng() % 19, co = 1 + rng() % 37;
      const ref::Shape4 is{1 + static_cast<int>(rng() % 3), 1 + static_cast<int>(rng() % 12),
                           1 + static_cast<int>(rng() % 12), ci};
      g.pad_h = static_cast<int>(rng() % ((kh - 1) * g.dilation_h + 1));
      g.pad_w = static_cast<int>(rng() % ((kw - 1) * g.dilation_w + 1));
      const int out_h = (is.h + 2 * g.pad_h - (kh - 1) * g.dilation_h - 1) / g.stride_h + 1;
      const int out_w = (is.w + 2 * g.pad_w - (kw - 1) * g.dilation_w - 1) / g.stride_w + 1;
      if (out_h <= 0 || out_w <= 0) continue;
      const ref::Shape4 fs{co, kh, kw, ci}, os{is.n, out_h, out_w, co};
      const ref::FloatRange act = trial % 3 ? kNoClamp : kRelu6;
      auto in = Random(rng, is.FlatSize()), filter = Random(rng, fs.FlatSize()), bias = Random(rng, co);
      std::vector<float> expected(os.FlatSize()), bound(os.FlatSize()), got(os.FlatSize());
      ref::ConvFloat(g, act, is, in.data(), fs, filter.data(), bias.data(), os, expected.data());
      ref::ConvFloat(g, kNoClamp, is, Abs(in).data(), fs, Abs(filter).data(), Abs(bias).data(), os, bound.data());
      fast::ConvFloatParams p;
      p.batches = is.n, p.in_h = is.h, p.in_w = is.w, p.in_c = ci, p.out_h = out_h, p.out_w = out_w, p.out_c = co;
      p.kernel_h = kh, p.kernel_w = kw, p.stride_h = g.stride_h, p.stride_w = g.stride_w;
      p.dilation_h = g.dilation_h, p.dilation_w = g.dilation_w, p.pad_h = g.pad_h, p.pad_w = g.pad_w;
      p.lo = act.min, p.hi = act.max;
      fast::ConvFloat(p, in.data(), fast::PackFloatWeights(filter.data(), co, kh * kw * ci, bias.data()), got.data());
      ExpectClose(got, expected, bound, std::string(cpu::IsaName(isa)) + " wide conv trial " + std::to_string(trial));
    }
  }
}

TEST(FastFloat, ConvOutputDoesNotDependOnBatchPosition) {
  // An image gives the same bits alone and at any position of a batch (blocks and tiles differ).
  std::mt19937 rng(7);
  for (cpu::Isa isa : SupportedIsas()) {
    cpu::ScopedIsaOverride use(isa);
    fast::ConvFloatParams p;
    p.in_h = p.in_w = p.out_h = p.out_w = 19, p.in_c = 5, p.out_c = 21, p.kernel_h = p.kernel_w = 3;
    p.pad_h = p.pad_w = 1, p.lo = -1e30f, p.hi = 1e30f;
    const long image = 19L * 19 * 5, image_out = 19L * 19 * 21;
    auto filter = Random(rng, 21 * 9 * 5), bias = Random(rng, 21);
    auto packed = fast::PackFloatWeights(filter.data(), 21, 45, bias.data());
    p.batches = 4;
    auto batch = Random(rng, 4 * image);
    std::vector<float> together(4 * image_out);
    fast::ConvFloat(p, batch.data(), packed, together.data());
    p.batches = 1;
    for (int b = 0; b < 4; ++b) {
      std::vector<float> alone(image_out);
      fast::ConvFloat(p, batch.data() + b * image, packed, alone.data());
      for (long i = 0; i < image_out; ++i) ASSERT_EQ(alone[i], together[b * image_out + i]) << b << " " << i;
    }
  }
}

TEST(FastFloat, BinaryEqualsReferenceBitForBit) {
  // ADD, SUB and MUL of one shape with every clamp, NaN and infinities included.
  std::mt19937 rng(8);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  using RefFn = void (*)(ref::FloatRange, const ref::Shape&, const float*, const ref::Shape&, const float*,
                         const ref::Shape&, float*);
  const std::pair<fast::BinaryFloatOp, RefFn> ops[] = {{fast::BinaryFloatOp::kAdd, ref::AddFloat},
                                                       {fast::BinaryFloatOp::kSub, ref::SubFloat},
                                                       {fast::BinaryFloatOp::kMul, ref::MulFloat}};
  for (cpu::Isa isa : SupportedIsas()) {
    for (int trial = 0; trial < 60; ++trial) {
      const int n = 1 + rng() % 77;
      auto a = Random(rng, n), b = Random(rng, n);
      for (float& x : a) x *= 8.0f;
      a[rng() % n] = nan, b[rng() % n] = inf, a[rng() % n] = -inf;
      const ref::FloatRange act = trial % 3 == 0 ? kRelu6 : trial % 3 == 1 ? ref::FloatRange{-1.0f, 1.0f} : kNoClamp;
      for (const auto& [op, reference] : ops) {
        std::vector<float> expected(n), got(n);
        reference(act, {n}, a.data(), {n}, b.data(), {n}, expected.data());
        fast::BinaryFloat(op, a.data(), b.data(), n, act.min, act.max, got.data(), isa);
        for (int i = 0; i < n; ++i) {
          if (std::isnan(expected[i])) {
            ASSERT_TRUE(std::isnan(got[i])) << cpu::IsaName(isa) << " element " << i;
          } else {
            ASSERT_EQ(got[i], expected[i]) << cpu::IsaName(isa) << " element " << i;
          }
        }
      }
    }
  }
}

TEST(FastFloat, PoolingEqualsReferenceBitForBit) {
  std::mt19937 rng(10);
  for (cpu::Isa isa : SupportedIsas()) {
    for (int trial = 0; trial < 100; ++trial) {
      ref::PoolGeometry g;
      g.filter_h = 1 + rng() % 4, g.filter_w = 1 + rng() % 4, g.stride_h = 1 + rng() % 3, g.stride_w = 1 + rng() % 3;
      const ref::Shape4 is{1 + static_cast<int>(rng() % 3), g.filter_h + static_cast<int>(rng() % 9),
                           g.filter_w + static_cast<int>(rng() % 9), 1 + static_cast<int>(rng() % 37)};
      const ref::Padding padding = rng() % 2 ? ref::Padding::kSame : ref::Padding::kValid;
      auto ph = ref::ComputePadding(padding, is.h, g.filter_h, g.stride_h);
      auto pw = ref::ComputePadding(padding, is.w, g.filter_w, g.stride_w);
      g.pad_h = ph.pad_before, g.pad_w = pw.pad_before;
      const ref::Shape4 os{is.n, ph.out, pw.out, is.c};
      const ref::FloatRange act = trial % 2 ? kRelu6 : kNoClamp;
      auto in = Random(rng, is.FlatSize());
      for (float& x : in) x *= 10.0f;
      if (trial % 4 == 0) in[rng() % in.size()] = std::numeric_limits<float>::quiet_NaN();
      if (trial % 4 == 1) in[rng() % in.size()] = -0.0f, in[rng() % in.size()] = 0.0f;
      std::vector<float> expected(os.FlatSize()), got(os.FlatSize()), expected_max(os.FlatSize()), got_max(os.FlatSize());
      ref::AveragePoolFloat(g, act, is, in.data(), os, expected.data());
      ref::MaxPoolFloat(g, act, is, in.data(), os, expected_max.data());
      fast::PoolFloatParams p;
      p.batches = is.n, p.in_h = is.h, p.in_w = is.w, p.channels = is.c, p.out_h = os.h, p.out_w = os.w;
      p.filter_h = g.filter_h, p.filter_w = g.filter_w, p.stride_h = g.stride_h, p.stride_w = g.stride_w;
      p.pad_h = g.pad_h, p.pad_w = g.pad_w, p.lo = act.min, p.hi = act.max;
      ASSERT_TRUE(fast::AveragePoolFloat(p, in.data(), got.data(), isa));
      ASSERT_TRUE(fast::MaxPoolFloat(p, in.data(), got_max.data(), isa));
      for (size_t i = 0; i < got.size(); ++i) {
        if (std::isnan(expected[i])) {
          ASSERT_TRUE(std::isnan(got[i])) << cpu::IsaName(isa) << " average " << i;
        } else {
          ASSERT_EQ(got[i], expected[i]) << cpu::IsaName(isa) << " average " << i;
        }
        ASSERT_EQ(std::signbit(got_max[i]), std::signbit(expected_max[i])) << cpu::IsaName(isa) << " max " << i;
        ASSERT_EQ(got_max[i], expected_max[i]) << cpu::IsaName(isa) << " max " << i;
      }
    }
  }
}

// Threads split rows of the GEMM, blocks of output pixels of the convolution and images of the
// depthwise convolution: the same bits as one thread, for every thread count (more threads than
// rows, batch 1 and tiny layers included).
TEST(FastFloat, EveryThreadCountGivesTheSameBits) {
  std::mt19937 rng(41);
  ThreadPool pools[] = {ThreadPool(2), ThreadPool(3), ThreadPool(8)};
  for (int trial = 0; trial < 120; ++trial) {
    const bool depthwise = trial % 3 == 2;
    RandomConv c = MakeRandomConv(rng, depthwise);
    if (trial % 3 == 1) c.g = {}, c.filter.h = c.filter.w = 1, c.out = {c.in.n, c.in.h, c.in.w, c.out.c};  // GEMM
    auto in = Random(rng, c.in.FlatSize()), filter = Random(rng, c.filter.FlatSize()), bias = Random(rng, c.out.c);
    auto run = [&](ThreadPool* pool) {
      std::vector<float> got(c.out.FlatSize());
      if (depthwise) {
        fast::DepthwiseFloatParams p;
        p.batches = c.in.n, p.in_h = c.in.h, p.in_w = c.in.w, p.channels = c.in.c;
        p.out_h = c.out.h, p.out_w = c.out.w, p.kernel_h = c.filter.h, p.kernel_w = c.filter.w;
        p.stride_h = c.g.stride_h, p.stride_w = c.g.stride_w, p.dilation_h = c.g.dilation_h;
        p.dilation_w = c.g.dilation_w, p.pad_h = c.g.pad_h, p.pad_w = c.g.pad_w, p.lo = c.act.min, p.hi = c.act.max;
        fast::DepthwiseFloat(p, in.data(), filter.data(), bias.data(), got.data(), cpu::ActiveIsa(), pool);
        return got;
      }
      const fast::ConvFloatParams p = ConvParams(c);
      auto packed = fast::PackFloatWeights(filter.data(), c.filter.n, c.filter.h * c.filter.w * c.filter.c,
                                           bias.data());
      fast::ConvFloat(p, in.data(), packed, got.data(), pool);
      return got;
    };
    const std::vector<float> one = run(nullptr);
    for (ThreadPool& pool : pools) {
      const std::vector<float> got = run(&pool);
      ASSERT_EQ(0, std::memcmp(got.data(), one.data(), sizeof(float) * one.size()))
          << "trial " << trial << " threads " << pool.size();
    }
  }
}

TEST(FastFloat, DepthwiseMatchesReference) {
  std::mt19937 rng(4);
  for (cpu::Isa isa : SupportedIsas()) {
    for (int trial = 0; trial < 150; ++trial) {
      RandomConv c = MakeRandomConv(rng, true);
      auto in = Random(rng, c.in.FlatSize()), filter = Random(rng, c.filter.FlatSize()), bias = Random(rng, c.out.c);
      std::vector<float> expected(c.out.FlatSize()), bound(c.out.FlatSize()), got(c.out.FlatSize());
      ref::DepthwiseConvFloat(c.g, c.act, c.in, in.data(), c.filter, filter.data(), bias.data(), c.out,
                              expected.data());
      ref::DepthwiseConvFloat(c.g, kNoClamp, c.in, Abs(in).data(), c.filter, Abs(filter).data(), Abs(bias).data(),
                              c.out, bound.data());
      fast::DepthwiseFloatParams p;
      p.batches = c.in.n, p.in_h = c.in.h, p.in_w = c.in.w, p.channels = c.in.c;
      p.out_h = c.out.h, p.out_w = c.out.w, p.kernel_h = c.filter.h, p.kernel_w = c.filter.w;
      p.stride_h = c.g.stride_h, p.stride_w = c.g.stride_w, p.dilation_h = c.g.dilation_h;
      p.dilation_w = c.g.dilation_w, p.pad_h = c.g.pad_h, p.pad_w = c.g.pad_w, p.lo = c.act.min, p.hi = c.act.max;
      fast::DepthwiseFloat(p, in.data(), filter.data(), bias.data(), got.data(), isa);
      ExpectClose(got, expected, bound, std::string(cpu::IsaName(isa)) + " depthwise trial " + std::to_string(trial));
    }
  }
}

TEST(FastFloat, Depthwise3x3RowsMatchReference) {
  // 3×3 kernels take the register-resident row sweep for interior pixels: strides, dilations
  // along both axes, SAME/VALID, channel counts around the vector width, images from 1 pixel.
  std::mt19937 rng(11);
  for (cpu::Isa isa : SupportedIsas()) {
    for (int trial = 0; trial < 150; ++trial) {
      ref::ConvGeometry g;
      g.stride_h = 1 + rng() % 2, g.stride_w = 1 + rng() % 2, g.dilation_h = 1 + rng() % 2, g.dilation_w = 1 + rng() % 2;
      const int channels = 1 + rng() % 40;
      const ref::Shape4 is{1 + static_cast<int>(rng() % 2), 1 + static_cast<int>(rng() % 15),
                           1 + static_cast<int>(rng() % 15), channels};
      const ref::Padding padding = rng() % 3 ? ref::Padding::kSame : ref::Padding::kValid;
      auto ph = ref::ComputePadding(padding, is.h, 3, g.stride_h, g.dilation_h);
      auto pw = ref::ComputePadding(padding, is.w, 3, g.stride_w, g.dilation_w);
      if (ph.out <= 0 || pw.out <= 0) continue;
      g.pad_h = ph.pad_before, g.pad_w = pw.pad_before;
      const ref::Shape4 fs{1, 3, 3, channels}, os{is.n, ph.out, pw.out, channels};
      const ref::FloatRange act = trial % 2 ? kRelu6 : kNoClamp;
      auto in = Random(rng, is.FlatSize()), filter = Random(rng, fs.FlatSize()), bias = Random(rng, channels);
      std::vector<float> expected(os.FlatSize()), bound(os.FlatSize()), got(os.FlatSize());
      ref::DepthwiseConvFloat(g, act, is, in.data(), fs, filter.data(), bias.data(), os, expected.data());
      ref::DepthwiseConvFloat(g, kNoClamp, is, Abs(in).data(), fs, Abs(filter).data(), Abs(bias).data(), os,
                              bound.data());
      fast::DepthwiseFloatParams p;
      p.batches = is.n, p.in_h = is.h, p.in_w = is.w, p.channels = channels, p.out_h = os.h, p.out_w = os.w;
      p.kernel_h = p.kernel_w = 3, p.stride_h = g.stride_h, p.stride_w = g.stride_w;
      p.dilation_h = g.dilation_h, p.dilation_w = g.dilation_w, p.pad_h = g.pad_h, p.pad_w = g.pad_w;
      p.lo = act.min, p.hi = act.max;
      fast::DepthwiseFloat(p, in.data(), filter.data(), bias.data(), got.data(), isa);
      ExpectClose(got, expected, bound, std::string(cpu::IsaName(isa)) + " depthwise 3x3 trial " + std::to_string(trial));
    }
  }
}

}  // namespace
}  // namespace qtflite
