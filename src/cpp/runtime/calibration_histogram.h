// A tensor's value histogram over a whole calibration, for the histogram calibration methods
// ("mse", "entropy": qtflite/quantize/calibration_methods.py). Negative and positive values get
// separate histograms of their magnitude, so a ReLU output spends every bin on its one side.
// The bins cover [0, kBins * width); a value beyond them doubles the width (merging bin pairs),
// so the histogram needs no range known in advance and stays within one calibration pass.
#pragma once

#include <cstdint>
#include <vector>

namespace qtflite {

class CalibrationHistogram {
 public:
  static constexpr int kBins = 2048;

  // Adds x[0..n) (NaN and Inf skipped), whose largest finite magnitude is `peak`. Bins at most
  // about kMaxPerAdd values, every stride-th (an odd stride, so that every channel of an NHWC
  // tensor takes turns): a histogram of a systematic sample, so that its cost stays small
  // beside the operators' whatever the tensor's size.
  static constexpr int64_t kMaxPerAdd = 8192;
  void Add(const float* x, int64_t n, float peak);

  const std::vector<int64_t>& negative() const { return negative_; }  // counts of -x per bin
  const std::vector<int64_t>& positive() const { return positive_; }  // counts of x (and 0)
  double width() const { return width_; }

 private:
  void Cover(double magnitude);  // widens the bins until `magnitude` falls inside

  std::vector<int64_t> negative_ = std::vector<int64_t>(kBins, 0);
  std::vector<int64_t> positive_ = std::vector<int64_t>(kBins, 0);
  double width_ = 0.0;  // 0 until the first nonzero value
};

}  // namespace qtflite
