// Requantization in every integer tier (each one the CPU has, and the AVX-512 / AVX-VNNI ones on
// SIMDe) against the reference's RequantizeAccumulator, bit for bit: random multipliers over the
// whole shift range, per-tensor and per-channel, both numerics (fixed point, LiteRT's double
// rescale), exact ties, extreme accumulators, every output type and fused clamp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "int8_tiers.h"
#include "kernels/cpu/isa.h"
#include "kernels/int8/requant.h"
#include "kernels/reference/common.h"
#include "quant/fixed_point.h"

namespace qtflite {
namespace {

namespace ref = qtflite::reference;
using int8::OutType;

struct Case {
  ref::Requant q;
  int rows = 1, channels = 1;
  OutType type = OutType::kInt8;
  std::vector<int32_t> acc;
};

int32_t RandomAccumulator(std::mt19937& rng) {
  switch (rng() % 4) {
    case 0: return static_cast<int32_t>(rng());  // the whole int32 range
    case 1: return static_cast<int32_t>(rng() % 2001) - 1000;
    case 2: return static_cast<int32_t>(rng() % 200001) - 100000;
    default: {
      const int32_t edges[] = {0, 1, -1, fp::kInt32Max, fp::kInt32Min, fp::kInt32Min + 1, 1 << 30, -(1 << 30)};
      return edges[rng() % 8];
    }
  }
}

double RandomRealMultiplier(std::mt19937& rng) {
  // log-uniform over 2^-34 .. 2^8: flushes to zero, every right shift, and left shifts.
  std::uniform_real_distribution<double> e(-34.0, 8.0);
  return std::exp2(e(rng));
}

Case RandomCase(std::mt19937& rng) {
  Case c;
  c.rows = 1 + static_cast<int>(rng() % 4);
  c.channels = 1 + static_cast<int>(rng() % 40);
  c.type = static_cast<OutType>(rng() % 3);
  const bool per_channel = rng() % 2;
  const bool real = rng() % 4 == 0;
  const int n = per_channel ? c.channels : 1;
  for (int i = 0; i < n; ++i) {
    const double m = RandomRealMultiplier(rng);
    const fp::QuantizedMultiplier qm = fp::QuantizeMultiplier(m);
    c.q.multiplier.push_back(qm.multiplier);
    c.q.shift.push_back(qm.shift);
    // Halves and quarters make exact ties in the double rescale.
    if (real) c.q.real_multiplier.push_back(rng() % 3 == 0 ? 0.5 / (1 + rng() % 2) : m);
  }
  ref::ActivationRange type_range = c.type == OutType::kInt8    ? ref::TypeRange<int8_t>()
                                    : c.type == OutType::kUInt8 ? ref::TypeRange<uint8_t>()
                                                                : ref::TypeRange<int16_t>();
  const int32_t span = type_range.max - type_range.min;
  c.q.output_offset = type_range.min + static_cast<int32_t>(rng() % (span + 1));
  if (c.type == OutType::kInt16) c.q.output_offset = 0;
  c.q.act = type_range;
  if (rng() % 3 == 0) {  // a fused activation's narrower clamp
    c.q.act.min = std::max(type_range.min, c.q.output_offset);
    c.q.act.max = std::min(type_range.max, c.q.output_offset + static_cast<int32_t>(rng() % (span + 1)));
  }
  c.acc.resize(static_cast<size_t>(c.rows) * c.channels);
  for (int32_t& a : c.acc) a = RandomAccumulator(rng);
  return c;
}

// The reference adds the output offset in plain int32 (as TFLite): keep the cases where that is
// defined.
bool OffsetOverflows(const Case& c, int32_t acc, int channel) {
  const int64_t scaled = ref::ScaleAccumulator(c.q, acc, channel);
  const int64_t sum = scaled + c.q.output_offset;
  return sum > fp::kInt32Max || sum < fp::kInt32Min;
}

template <typename Out>
std::vector<int32_t> Expected(const Case& c) {
  std::vector<int32_t> out(c.acc.size());
  for (size_t i = 0; i < c.acc.size(); ++i) {
    out[i] = ref::RequantizeAccumulator<Out>(c.q, c.acc[i], static_cast<int>(i % c.channels));
  }
  return out;
}

std::vector<int32_t> RunTier(const int8::Int8Kernels& k, const Case& c, const int8::RequantView& v) {
  const size_t n = c.acc.size();
  std::vector<int32_t> out(n);
  if (c.type == OutType::kInt8) {
    std::vector<int8_t> o(n + 16, 0x55);
    k.requantize_rows(c.acc.data(), c.rows, c.channels, v, c.type, o.data());
    for (size_t i = 0; i < n; ++i) out[i] = o[i];
    for (size_t i = n; i < o.size(); ++i) EXPECT_EQ(o[i], 0x55) << "wrote past the end";
  } else if (c.type == OutType::kUInt8) {
    std::vector<uint8_t> o(n + 16, 0x55);
    k.requantize_rows(c.acc.data(), c.rows, c.channels, v, c.type, o.data());
    for (size_t i = 0; i < n; ++i) out[i] = o[i];
    for (size_t i = n; i < o.size(); ++i) EXPECT_EQ(o[i], 0x55) << "wrote past the end";
  } else {
    std::vector<int16_t> o(n + 16, 0x5555);
    k.requantize_rows(c.acc.data(), c.rows, c.channels, v, c.type, o.data());
    for (size_t i = 0; i < n; ++i) out[i] = o[i];
    for (size_t i = n; i < o.size(); ++i) EXPECT_EQ(o[i], 0x5555) << "wrote past the end";
  }
  return out;
}

TEST(Int8Requant, EveryTierEqualsTheReference) {
  for (const auto& tier : test_support::TestableInt8Tiers()) {
    std::mt19937 rng(1234);
    int checked = 0;
    for (int trial = 0; trial < 10000; ++trial) {
      Case c = RandomCase(rng);
      for (size_t i = 0; i < c.acc.size(); ++i) {
        while (OffsetOverflows(c, c.acc[i], static_cast<int>(i % c.channels))) c.acc[i] /= 2;
      }
      const std::vector<int32_t> want = c.type == OutType::kInt8    ? Expected<int8_t>(c)
                                        : c.type == OutType::kUInt8 ? Expected<uint8_t>(c)
                                                                    : Expected<int16_t>(c);
      const int8::ChannelRequant cr(c.q, c.channels);
      const int8::RequantView v = cr.view();
      const std::vector<int32_t> got = RunTier(*tier.kernels, c, v);
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(got[i], want[i]) << tier.label << " trial " << trial << " acc " << c.acc[i] << " channel "
                                   << i % c.channels << (c.q.real_multiplier.empty() ? " fixed" : " double");
        ASSERT_EQ(int8::RequantizeOne(c.acc[i], v, static_cast<int>(i % c.channels)), want[i]) << "scalar";
      }
      ++checked;
    }
    EXPECT_EQ(checked, 10000) << tier.label;
  }
}

TEST(Int8Requant, TablesNameTheirTier) {
  for (const auto& tier : test_support::TestableInt8Tiers()) {
    EXPECT_NE(tier.kernels->requantize_rows, nullptr) << tier.label;
    EXPECT_EQ(tier.label.rfind(tier.kernels->name, 0), 0u) << tier.label;
  }
  EXPECT_EQ(&int8::ActiveKernels(), &int8::KernelsFor(cpu::ActiveIsa()));
}

TEST(CpuIsa, NamesParseBackAndTheBaselineIsAlwaysThere) {
  for (int i = 0; i < cpu::kNumIsas; ++i) {
    cpu::Isa parsed;
    ASSERT_TRUE(cpu::ParseIsa(cpu::IsaName(static_cast<cpu::Isa>(i)), &parsed));
    EXPECT_EQ(static_cast<int>(parsed), i);
  }
  cpu::Isa unused;
  EXPECT_FALSE(cpu::ParseIsa("avx1024", &unused));
  const auto supported = cpu::SupportedIsas();
  ASSERT_FALSE(supported.empty());
  EXPECT_EQ(supported.front(), cpu::Isa::kSse2);
  EXPECT_TRUE(cpu::Supports(cpu::ActiveIsa()));
  for (cpu::Isa isa : supported) {
    cpu::ScopedIsaOverride use(isa);
    EXPECT_EQ(cpu::ActiveIsa(), isa);
  }
}

}  // namespace
}  // namespace qtflite
