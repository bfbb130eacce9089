#include "kernels/int8/requant16.h"

#include <utility>

namespace qtflite::int8 {

bool Requant16Table::Build(const reference::Requant& q, const int64_t* bias, int channels, int padded) {
  *this = Requant16Table();
  if (!q.real_multiplier.empty() || padded < channels || padded % 8 != 0) return false;
  std::vector<int64_t> a(static_cast<size_t>(5) * padded, 0);
  int64_t* b = a.data();
  int64_t* multiplier = b + padded;
  int64_t* round = multiplier + padded;
  int64_t* shift = round + padded;
  int64_t* offset = shift + padded;
  for (int c = 0; c < padded; ++c) {
    // Padding channels compute (harmlessly) with channel 0's shift.
    const int source = c < channels ? c : 0;
    const int32_t m = q.MultiplierFor(source);
    const int total_shift = 15 - q.ShiftFor(source);
    if (m < 0 || total_shift < 1 || total_shift > 62) return false;
    if (c >= channels) {
      shift[c] = 1, round[c] = 1, offset[c] = static_cast<int64_t>((uint64_t{1} << 63) >> 1);
      continue;
    }
    b[c] = bias ? bias[c] : 0;
    multiplier[c] = m < 0x7FFF0000 ? (m + (1 << 15)) >> 16 : 0x7FFF;
    round[c] = int64_t{1} << (total_shift - 1);
    shift[c] = total_shift;
    offset[c] = static_cast<int64_t>((uint64_t{1} << 63) >> total_shift);
  }
  arrays_ = std::move(a);
  padded_ = padded;
  output_offset_ = q.output_offset;
  act_min_ = q.act.min;
  act_max_ = q.act.max;
  return true;
}

Requant16View Requant16Table::View(int c0) const {
  Requant16View v;
  v.bias = arrays_.data() + c0;
  v.multiplier = v.bias + padded_;
  v.round = v.multiplier + padded_;
  v.shift = v.round + padded_;
  v.offset = v.shift + padded_;
  v.output_offset = output_offset_;
  v.act_min = act_min_;
  v.act_max = act_max_;
  return v;
}

}  // namespace qtflite::int8
