#include "kernels/int8/requant.h"

#include <stdexcept>

namespace qtflite::int8 {

ChannelRequant::ChannelRequant(const reference::Requant& q, int channels) : channels_(channels) {
  reference::CheckRequant(q, channels);
  const size_t padded = static_cast<size_t>(PaddedChannels(channels));
  multiplier_.assign(padded, 0);
  left_shift_.assign(padded, 0);
  right_shift_.assign(padded, 0);
  remainder_mask_.assign(padded, 0);
  for (int c = 0; c < channels; ++c) {
    const int32_t m = q.MultiplierFor(c);
    const int shift = q.ShiftFor(c);
    if (m < 0 || shift > 31 || shift < -31) throw std::invalid_argument("requant: multiplier out of range");
    multiplier_[c] = m;
    left_shift_[c] = shift > 0 ? shift : 0;
    right_shift_[c] = shift > 0 ? 0 : -shift;
    remainder_mask_[c] = static_cast<int32_t>((int64_t{1} << right_shift_[c]) - 1);
  }
  if (!q.real_multiplier.empty()) {
    real_multiplier_.assign(padded, 0.0);
    for (int c = 0; c < channels; ++c) {
      real_multiplier_[c] = q.real_multiplier.size() == 1 ? q.real_multiplier[0] : q.real_multiplier[c];
    }
  }
  output_offset_ = q.output_offset;
  act_ = q.act;
}

int32_t RequantizeOne(int32_t acc, const RequantView& q, int c) {
  const int32_t scaled =
      q.real_multiplier ? reference::RoundedProductToInt32(static_cast<double>(acc), q.real_multiplier[c])
                        : fp::MultiplyByQuantizedMultiplier(acc, q.multiplier[c], q.left_shift[c] - q.right_shift[c]);
  return reference::Clamp(reference::WrappingAdd(scaled, q.output_offset), q.act_min, q.act_max);
}

RequantView ChannelRequant::view() const {
  RequantView v;
  v.multiplier = multiplier_.data();
  v.left_shift = left_shift_.data();
  v.right_shift = right_shift_.data();
  v.remainder_mask = remainder_mask_.data();
  v.real_multiplier = real_multiplier_.empty() ? nullptr : real_multiplier_.data();
  v.left_shifts = false;
  for (int32_t l : left_shift_) v.left_shifts = v.left_shifts || l != 0;
  v.output_offset = output_offset_;
  v.act_min = act_.min;
  v.act_max = act_.max;
  return v;
}

}  // namespace qtflite::int8
