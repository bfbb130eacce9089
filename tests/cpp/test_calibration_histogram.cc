// CalibrationHistogram: counts by sign and magnitude, bins that double (merging pairs) when a
// larger value arrives without losing a count, NaN and Inf skipped.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "runtime/calibration_histogram.h"

namespace qtflite {
namespace {

int64_t Total(const std::vector<int64_t>& h) { return std::accumulate(h.begin(), h.end(), int64_t{0}); }

TEST(CalibrationHistogram, CountsBySignAndMagnitude) {
  CalibrationHistogram h;
  const std::vector<float> x = {0.0f, 1.0f, -1.0f, 2.0f, -0.5f};
  h.Add(x.data(), static_cast<int64_t>(x.size()), 2.0f);
  EXPECT_EQ(Total(h.positive()), 3);
  EXPECT_EQ(Total(h.negative()), 2);
  EXPECT_LT(2.0, h.width() * CalibrationHistogram::kBins);  // the peak falls inside
  EXPECT_EQ(h.positive()[static_cast<int>(1.0 / h.width())], 1);
}

TEST(CalibrationHistogram, DoublingKeepsEveryCount) {
  CalibrationHistogram h;
  const std::vector<float> small = {0.1f, 0.2f, -0.3f};
  h.Add(small.data(), 3, 0.3f);
  const double first = h.width();
  const std::vector<float> large = {100.0f, -50.0f};
  h.Add(large.data(), 2, 100.0f);
  EXPECT_GT(h.width(), first);
  EXPECT_LT(100.0, h.width() * CalibrationHistogram::kBins);
  EXPECT_EQ(Total(h.positive()), 3);
  EXPECT_EQ(Total(h.negative()), 2);
  // Merging bin pairs puts each earlier value where the final width would have: floor(v / width).
  const int b1 = static_cast<int>(0.1f / h.width()), b2 = static_cast<int>(0.2f / h.width());
  EXPECT_EQ(h.positive()[b1] + (b1 == b2 ? 0 : h.positive()[b2]), 2);
  EXPECT_EQ(h.negative()[static_cast<int>(0.3f / h.width())], 1);
}

TEST(CalibrationHistogram, SkipsNanAndInf) {
  CalibrationHistogram h;
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {nan, inf, -inf, 1.0f};
  h.Add(x.data(), 4, 1.0f);
  EXPECT_EQ(Total(h.positive()) + Total(h.negative()), 1);
}

TEST(CalibrationHistogram, LargeTensorsAreSampledOnAnOddStride) {
  CalibrationHistogram h;
  std::vector<float> x(100000, 1.0f);
  for (size_t i = 0; i < x.size(); i += 2) x[i] = -1.0f;  // two channels, alternating
  h.Add(x.data(), static_cast<int64_t>(x.size()), 1.0f);
  const int64_t pos = Total(h.positive()), neg = Total(h.negative());
  EXPECT_LE(pos + neg, CalibrationHistogram::kMaxPerAdd + 1);
  EXPECT_LE(std::abs(pos - neg), 1);  // both channels seen alike
}

}  // namespace
}  // namespace qtflite
