#include "runtime/calibration_histogram.h"

#include <algorithm>
#include <cmath>

namespace qtflite {

void CalibrationHistogram::Cover(double magnitude) {
  if (width_ == 0.0) {
    // The first width: the power of two whose bins just cover this magnitude (exact arithmetic
    // for the doubling below).
    width_ = std::ldexp(1.0, static_cast<int>(std::ceil(std::log2(magnitude / kBins))));
    while (magnitude >= width_ * kBins) width_ *= 2.0;
    return;
  }
  while (magnitude >= width_ * kBins) {
    for (auto* h : {&negative_, &positive_}) {
      for (int b = 0; b < kBins / 2; ++b) (*h)[b] = (*h)[2 * b] + (*h)[2 * b + 1];
      std::fill(h->begin() + kBins / 2, h->end(), 0);
    }
    width_ *= 2.0;
  }
}

void CalibrationHistogram::Add(const float* x, int64_t n, float peak) {
  if (peak > 0.0f && !std::isinf(peak)) Cover(peak);
  int64_t stride = (n + kMaxPerAdd - 1) / kMaxPerAdd;
  if (stride > 1 && stride % 2 == 0) ++stride;
  if (width_ == 0.0) {  // all zeros (or NaN) so far
    for (int64_t i = 0; i < n; i += stride) positive_[0] += x[i] == 0.0f;
    return;
  }
  const float inverse = static_cast<float>(1.0 / width_);
  for (int64_t i = 0; i < n; i += stride) {
    const float v = x[i];
    const float a = std::fabs(v);
    if (!(a <= peak)) continue;  // NaN or Inf: outside every bin
    const int b = std::min(kBins - 1, static_cast<int>(a * inverse));
    (v < 0.0f ? negative_ : positive_)[b] += 1;
  }
}

}  // namespace qtflite
