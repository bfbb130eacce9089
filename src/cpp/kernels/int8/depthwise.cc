#include "kernels/int8/depthwise.h"

#include <cstring>
#include <limits>

namespace qtflite::int8 {
namespace {

namespace ref = qtflite::reference;

bool SameGeometry(const ref::ConvGeometry& a, const ref::ConvGeometry& b) {
  return a.stride_h == b.stride_h && a.stride_w == b.stride_w && a.dilation_h == b.dilation_h &&
         a.dilation_w == b.dilation_w && a.pad_h == b.pad_h && a.pad_w == b.pad_w;
}

int ElementSize(DepthwiseInput type) { return type == DepthwiseInput::kInt16 ? 2 : 1; }

// The zero point as an input element, if the input type can hold it.
bool ZeroPointElement(DepthwiseInput type, int32_t zero_point, uint8_t bytes[2]) {
  switch (type) {
    case DepthwiseInput::kInt8:
      if (zero_point < -128 || zero_point > 127) return false;
      bytes[0] = static_cast<uint8_t>(static_cast<int8_t>(zero_point));
      return true;
    case DepthwiseInput::kUInt8:
      if (zero_point < 0 || zero_point > 255) return false;
      bytes[0] = static_cast<uint8_t>(zero_point);
      return true;
    case DepthwiseInput::kInt16: {
      if (zero_point < -32768 || zero_point > 32767) return false;
      const int16_t v = static_cast<int16_t>(zero_point);
      std::memcpy(bytes, &v, 2);
      return true;
    }
  }
  return false;
}

// One input row with every channel repeated `m` times (depth multiplier), element size E.
template <typename E>
void ExpandRow(const E* src, int pixels, int channels, int m, E* dst) {
  for (int64_t i = 0; i < static_cast<int64_t>(pixels) * channels; ++i) {
    for (int k = 0; k < m; ++k) *dst++ = src[i];
  }
}

// int32 wrap-around of a sum that TFLite computes in int32.
int32_t Wrap32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

}  // namespace

bool DepthwiseSpec::operator==(const DepthwiseSpec& o) const {
  return SameGeometry(geometry, o.geometry) && input == o.input && filter == o.filter && output == o.output &&
         type == o.type;
}

bool PackedDepthwise::Pack(const Int8Kernels& kernels, const DepthwiseSpec& spec, const ref::Requant& q,
                           const void* filter, const void* bias) {
  *this = PackedDepthwise();
  const ref::Shape4& in = spec.input;
  const ref::Shape4& f = spec.filter;
  const ref::Shape4& out = spec.output;
  const ref::ConvGeometry& g = spec.geometry;
  // Shapes and parameters the reference would refuse (or that the formulas below exclude): the
  // reference kernel runs and reports them.
  if (in.n != out.n || in.n < 0 || in.h < 1 || in.w < 1 || in.c < 1 || out.h < 1 || out.w < 1 ||
      out.c % in.c != 0 || f.n != 1 || f.c != out.c || f.h < 1 || f.w < 1) {
    return false;
  }
  if (g.stride_h < 1 || g.stride_w < 1 || g.dilation_h < 1 || g.dilation_w < 1) return false;
  const size_t nq = q.multiplier.size();
  if (nq != q.shift.size() || (nq != 1 && nq != static_cast<size_t>(out.c))) return false;
  if (!q.real_multiplier.empty() && q.real_multiplier.size() != 1 && q.real_multiplier.size() != static_cast<size_t>(out.c)) {
    return false;
  }
  uint8_t zero_point[2] = {0, 0};
  if (!ZeroPointElement(spec.type, -q.input_offset, zero_point)) return false;
  const bool int16 = spec.type == DepthwiseInput::kInt16;
  if (int16 && q.input_offset != 0) return false;

  const bool quads = spec.type == DepthwiseInput::kInt8 && q.weights_offset == 0 && kernels.depthwise_quads.row;
  const DepthwiseMicrokernel mk = quads ? kernels.depthwise_quads : kernels.depthwise_pairs;
  if (mk.row == nullptr) return false;

  const int channels = out.c;
  const int taps = f.h * f.w;
  const int group = mk.group, slot = mk.slot;
  const int slots = (taps + slot - 1) / slot;
  const int groups = (channels + group - 1) / group;
  const int padded = groups * group;
  auto weight = [&](int t, int c) -> int32_t {
    const int64_t i = static_cast<int64_t>(t) * channels + c;
    const int32_t w = spec.type == DepthwiseInput::kUInt8 ? static_cast<const uint8_t*>(filter)[i]
                                                          : static_cast<const int8_t*>(filter)[i];
    return w + q.weights_offset;
  };
  // Σ_t w'[c][t] per channel, and for int16 the bound on |Σ_t w'·x| that must stay in int32.
  // |acc| <= |bias| + 255·Σ_t |w'| bounds the int8 / uint8 accumulators (|x − zp| <= 255).
  std::vector<int64_t> weight_sum(static_cast<size_t>(channels), 0);
  bool bounded = !int16 && q.real_multiplier.empty();
  for (int c = 0; c < channels; ++c) {
    int64_t sum = 0, magnitude = 0;
    for (int t = 0; t < taps; ++t) {
      const int32_t w = weight(t, c);
      if (w < -32768 || w > 32767) return false;
      sum += w;
      magnitude += w < 0 ? -w : w;
    }
    if (int16 && magnitude * 32768 > std::numeric_limits<int32_t>::max()) return false;
    weight_sum[c] = sum;
    const int64_t b = bias && !int16 ? static_cast<const int32_t*>(bias)[c] : 0;
    if ((b < 0 ? -b : b) + 255 * magnitude >= (int64_t{1} << 29) || q.ShiftFor(c) > 0) bounded = false;
  }

  // Weights: [group][slot][position][tap within slot], zero past the last tap and channel.
  const size_t weight_bytes = quads ? 1 : 2;
  weights_.assign(static_cast<size_t>(groups) * slots * group * slot * weight_bytes, 0);
  for (int gi = 0; gi < groups; ++gi) {
    for (int s = 0; s < slots; ++s) {
      for (int pos = 0; pos < group; ++pos) {
        const int c = gi * group + DepthwisePackedChannel(mk, pos);
        for (int i = 0; i < slot; ++i) {
          const int t = s * slot + i;
          if (c >= channels || t >= taps) continue;
          const size_t index = ((static_cast<size_t>(gi) * slots + s) * group + pos) * slot + i;
          if (quads) {
            weights_[index] = static_cast<uint8_t>(static_cast<int8_t>(weight(t, c)));
          } else {
            const int16_t w = static_cast<int16_t>(weight(t, c));
            std::memcpy(&weights_[index * 2], &w, 2);
          }
        }
      }
    }
  }

  // Bias with the zero point's share folded in (int16: added with the int64 bias outside).
  bias_.assign(static_cast<size_t>(padded), 0);
  ref::Requant packed_q;
  packed_q.output_offset = q.output_offset;
  packed_q.act = q.act;
  packed_q.multiplier.assign(static_cast<size_t>(padded), 0);
  packed_q.shift.assign(static_cast<size_t>(padded), 0);
  if (!q.real_multiplier.empty()) packed_q.real_multiplier.assign(static_cast<size_t>(padded), 0.0);
  if (int16) position_.assign(static_cast<size_t>(channels), 0);
  for (int gi = 0; gi < groups; ++gi) {
    for (int pos = 0; pos < group; ++pos) {
      const int c = gi * group + DepthwisePackedChannel(mk, pos);
      if (c >= channels) continue;
      const size_t at = static_cast<size_t>(gi) * group + pos;
      if (int16) {
        position_[c] = static_cast<int32_t>(at);
        continue;
      }
      const int64_t b = bias ? static_cast<const int32_t*>(bias)[c] : 0;
      bias_[at] = Wrap32(b + static_cast<int64_t>(q.input_offset) * weight_sum[c] - (quads ? 128 * weight_sum[c] : 0));
      const int32_t m = q.MultiplierFor(c);
      const int shift = q.ShiftFor(c);
      if (m < 0 || shift < -31 || shift > 31) return false;
      packed_q.multiplier[at] = m;
      packed_q.shift[at] = shift;
      if (!q.real_multiplier.empty()) {
        packed_q.real_multiplier[at] = q.real_multiplier.size() == 1 ? q.real_multiplier[0] : q.real_multiplier[c];
      }
    }
  }
  if (int16) {
    int16_requant_ = q;
    int16_bias_.assign(static_cast<size_t>(channels), 0);
    if (bias) std::memcpy(int16_bias_.data(), bias, sizeof(int64_t) * static_cast<size_t>(channels));
    scratch_.resize(1);
    scratch_[0].sums.assign(static_cast<size_t>(out.w) * padded, 0);
    if (kernels.requantize16 && mk.in_order &&
        int16_vector_.Build(q, bias ? int16_bias_.data() : nullptr, channels, padded)) {
      int16_requant_fn_ = kernels.requantize16;
    }
  } else {
    requant_ = ChannelRequant(packed_q, padded);
  }
  use_bounded_ = bounded;
  if (bounded) {
    // multiplier (padded + 8 entries), rounding, round_down, right_shift: see BoundedView.
    const size_t n = static_cast<size_t>(padded);
    bounded_arrays_.assign(4 * n + 8, 0);
    for (size_t i = 0; i < n; ++i) {
      const int r = -packed_q.shift[i];
      bounded_arrays_[i] = packed_q.multiplier[i];
      bounded_arrays_[n + 8 + i] = r > 0 ? int32_t{1} << (r - 1) : 0;
      bounded_arrays_[2 * n + 8 + i] = r > 0 ? -1 : 0;
      bounded_arrays_[3 * n + 8 + i] = r;
    }
    bounded_.output_offset = q.output_offset;
    bounded_.act_min = q.act.min;
    bounded_.act_max = q.act.max;
  }
  elem_ = ElementSize(spec.type);
  multiplier_ = out.c / in.c;
  groups_ = groups;
  zero_row_.resize(static_cast<size_t>(padded) * elem_);
  for (size_t i = 0; i < zero_row_.size(); i += elem_) std::memcpy(&zero_row_[i], zero_point, elem_);
  scratch_.resize(1);
  scratch_[0].rows.assign(static_cast<size_t>(f.h), nullptr);
  scratch_[0].taps.assign(static_cast<size_t>(slots) * slot, nullptr);
  if (multiplier_ > 1) {
    const int64_t span = static_cast<int64_t>(f.h - 1) * g.dilation_h + 1;
    const int ring = static_cast<int>(span < in.h ? span : in.h);
    ring_.assign(static_cast<size_t>(ring) * in.w * channels * elem_, 0);
    ring_row_.assign(static_cast<size_t>(ring), -1);
  }
  spec_ = spec;
  isa_ = kernels.isa;
  kernel_ = mk;
  return true;
}

const void* PackedDepthwise::InputRow(const uint8_t* input, int batch, int iy) {
  const ref::Shape4& in = spec_.input;
  const int64_t row_elements = static_cast<int64_t>(in.w) * in.c;
  const uint8_t* src = input + ((static_cast<int64_t>(batch) * in.h + iy) * row_elements) * elem_;
  if (multiplier_ == 1) return src;
  const int ring = static_cast<int>(ring_row_.size());
  const int slot = iy % ring;
  uint8_t* dst = ring_.data() + static_cast<size_t>(slot) * row_elements * multiplier_ * elem_;
  if (ring_row_[slot] != iy) {
    if (elem_ == 2) {
      ExpandRow(reinterpret_cast<const int16_t*>(src), in.w, in.c, multiplier_, reinterpret_cast<int16_t*>(dst));
    } else {
      ExpandRow(src, in.w, in.c, multiplier_, dst);
    }
    ring_row_[slot] = iy;
  }
  return dst;
}

void PackedDepthwise::RequantizeInt16Row(const int32_t* sums, int16_t* out) const {
  const int channels = spec_.output.c;
  const int64_t pixel_sums = static_cast<int64_t>(groups_) * kernel_.group;
  if (int16_requant_fn_) {
    const Requant16View v = int16_vector_.View(0);
    for (int ox = 0; ox < spec_.output.w; ++ox) {
      int16_requant_fn_(sums + ox * pixel_sums, nullptr, channels, v, out + static_cast<int64_t>(ox) * channels);
    }
    return;
  }
  for (int ox = 0; ox < spec_.output.w; ++ox) {
    const int32_t* s = sums + ox * pixel_sums;
    int16_t* o = out + static_cast<int64_t>(ox) * channels;
    for (int c = 0; c < channels; ++c) {
      const int64_t acc = static_cast<int64_t>(s[position_[c]]) + int16_bias_[c];
      o[c] = reference::RequantizeAccumulator<int16_t>(int16_requant_, acc, c);
    }
  }
}

void PackedDepthwise::RunRows(const uint8_t* input, void* output, int64_t r0, int64_t r1, RowScratch& scratch) {
  const ref::Shape4& in = spec_.input;
  const ref::Shape4& out = spec_.output;
  const ref::ConvGeometry& g = spec_.geometry;
  const bool int16 = spec_.type == DepthwiseInput::kInt16;
  DepthwiseRowArgs a;
  a.input = spec_.type;
  a.output = int16 ? DepthwiseOutput::kAcc32
                   : (spec_.type == DepthwiseInput::kUInt8 ? DepthwiseOutput::kUInt8 : DepthwiseOutput::kInt8);
  a.rows = scratch.rows.data();
  a.zero_row = zero_row_.data();
  a.in_w = in.w;
  a.channels = out.c;
  a.out_w = out.w;
  a.kernel_h = spec_.filter.h;
  a.kernel_w = spec_.filter.w;
  a.stride_w = g.stride_w;
  a.dilation_w = g.dilation_w;
  a.pad_w = g.pad_w;
  a.weights = weights_.data();
  a.bias = bias_.data();
  if (!int16) a.q = requant_.view();
  if (use_bounded_) a.bounded = &bounded_;
  a.taps = scratch.taps.data();
  const int64_t out_row = static_cast<int64_t>(out.w) * out.c;
  int batch = -1;
  for (int64_t row = r0; row < r1; ++row) {
    const int b = static_cast<int>(row / out.h), oy = static_cast<int>(row % out.h);
    if (b != batch) {
      for (int& r : ring_row_) r = -1;  // the ring holds rows of one image
      batch = b;
    }
    const int iy0 = oy * g.stride_h - g.pad_h;
    for (int ky = 0; ky < spec_.filter.h; ++ky) {
      const int iy = iy0 + ky * g.dilation_h;
      scratch.rows[ky] = iy >= 0 && iy < in.h ? InputRow(input, b, iy) : nullptr;
    }
    if (int16) {
      a.out = scratch.sums.data();
      kernel_.row(a);
      RequantizeInt16Row(scratch.sums.data(), static_cast<int16_t*>(output) + row * out_row);
    } else {
      a.out = static_cast<uint8_t*>(output) + row * out_row;
      kernel_.row(a);
    }
  }
}

void PackedDepthwise::Run(const void* input, void* output, ThreadPool* pool) {
  if (use_bounded_) {
    const size_t n = bias_.size();
    bounded_.multiplier = bounded_arrays_.data();
    bounded_.rounding = bounded_.multiplier + n + 8;
    bounded_.round_down = bounded_.rounding + n;
    bounded_.right_shift = bounded_.round_down + n;
  }
  const uint8_t* x = static_cast<const uint8_t*>(input);
  const int64_t rows = static_cast<int64_t>(spec_.output.n) * spec_.output.h;
  // Depth multiplier > 1 expands input rows into one shared ring: one thread.
  if (!pool || pool->size() == 1 || multiplier_ > 1 || rows < 2) {
    RunRows(x, output, 0, rows, scratch_[0]);
    return;
  }
  while (scratch_.size() < static_cast<size_t>(pool->size())) scratch_.push_back(scratch_[0]);
  pool->ParallelFor(rows, [&](int64_t r0, int64_t r1, int thread) {
    RunRows(x, output, r0, r1, scratch_[static_cast<size_t>(thread)]);
  });
}

}  // namespace qtflite::int8
