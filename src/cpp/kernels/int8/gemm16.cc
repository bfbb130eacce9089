#include "kernels/int8/gemm16.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>

#include "quant/fixed_point.h"

namespace qtflite::int8 {
namespace {

namespace ref = qtflite::reference;

bool SameGeometry(const ref::ConvGeometry& a, const ref::ConvGeometry& b) {
  return a.stride_h == b.stride_h && a.stride_w == b.stride_w && a.dilation_h == b.dilation_h &&
         a.dilation_w == b.dilation_w && a.pad_h == b.pad_h && a.pad_w == b.pad_w;
}

// int32 wrap-around, as the reference's int32 sums.
int32_t Wrap32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

// Bytes of activation rows per block.
constexpr int64_t kBlockBytes = 48 * 1024;
// Largest Σ|w'| over a range of k whose int32 sum is exact for any int16 input: 32768·65535 < 2^31.
constexpr int64_t kRangeWeightSum = 65535;
constexpr int kMaxMr = 16;

}  // namespace

bool Gemm16Spec::operator==(const Gemm16Spec& o) const {
  return SameGeometry(geometry, o.geometry) && input == o.input && filter == o.filter && output == o.output &&
         bias32 == o.bias32;
}

Gemm16Spec FullyConnected16Spec(int batches, int in_depth, int out_depth, bool bias32) {
  Gemm16Spec s;
  s.input = {1, 1, batches, in_depth};
  s.filter = {out_depth, 1, 1, in_depth};
  s.output = {1, 1, batches, out_depth};
  s.bias32 = bias32;
  return s;
}

bool PackedGemm16::Pack(const Int16Kernels& kernels, const Gemm16Spec& spec, const ref::Requant& q,
                        const int8_t* filter, const void* bias) {
  *this = PackedGemm16();
  const ref::Shape4& in = spec.input;
  const ref::Shape4& f = spec.filter;
  const ref::Shape4& out = spec.output;
  const ref::ConvGeometry& g = spec.geometry;
  if (in.n != out.n || in.n < 0 || in.h < 1 || in.w < 1 || in.c < 1 || out.h < 1 || out.w < 1 || out.c < 1 ||
      f.n != out.c || f.c != in.c || f.h < 1 || f.w < 1) {
    return false;
  }
  if (g.stride_h < 1 || g.stride_w < 1 || g.dilation_h < 1 || g.dilation_w < 1) return false;
  const size_t nq = q.multiplier.size();
  if (nq != q.shift.size() || (nq != 1 && nq != static_cast<size_t>(out.c))) return false;
  if (!q.real_multiplier.empty() && q.real_multiplier.size() != 1 && q.real_multiplier.size() != static_cast<size_t>(out.c)) {
    return false;
  }
  if (q.input_offset != 0) return false;  // int16 activations are symmetric; the reference refuses others
  const Gemm16Microkernel mk = kernels.gemm;
  if (!mk.fn || mk.mr > kMaxMr) return false;

  const int64_t k64 = int64_t{f.h} * f.w * f.c;
  if (k64 > std::numeric_limits<int>::max() / 2) return false;
  const int k = static_cast<int>(k64);
  const int nr = mk.nr;
  const int panels = (out.c + nr - 1) / nr;
  const int pairs = (k + 1) / 2;
  panel_elems_ = int64_t{pairs} * nr * 2;
  weights_.assign(static_cast<size_t>(panel_elems_ * panels), 0);
  int64_t max_abs = 0, max_sum = 0;
  for (int c = 0; c < out.c; ++c) {
    int16_t* panel = weights_.data() + (c / nr) * panel_elems_;
    const int col = c % nr;
    const int8_t* src = filter + static_cast<int64_t>(c) * k;
    int64_t sum = 0;
    for (int i = 0; i < k; ++i) {
      const int32_t w = static_cast<int32_t>(src[i]) + q.weights_offset;
      if (w < -32767 || w > 32767) return false;
      const int64_t a = w < 0 ? -w : w;
      sum += a;
      max_abs = std::max(max_abs, a);
      panel[(static_cast<int64_t>(i / 2) * nr + col) * 2 + (i & 1)] = static_cast<int16_t>(w);
    }
    max_sum = std::max(max_sum, sum);
  }
  // The int32 reference accumulator wraps: one range, wrapping alike. The int64 one: ranges whose
  // int32 sums are exact.
  range_ = k;
  if (!spec.bias32 && max_sum > kRangeWeightSum) range_ = std::max<int64_t>(2, (kRangeWeightSum / max_abs) & ~int64_t{1});

  const size_t padded = static_cast<size_t>(panels) * nr;
  bias_.assign(padded, 0);
  multiplier_.assign(padded, 0);
  shift_.assign(padded, 0);
  if (!q.real_multiplier.empty()) real_.assign(padded, 0.0);
  for (int c = 0; c < out.c; ++c) {
    if (bias) {
      bias_[c] = spec.bias32 ? static_cast<const int32_t*>(bias)[c] : static_cast<const int64_t*>(bias)[c];
    }
    multiplier_[c] = q.MultiplierFor(c);
    shift_[c] = q.ShiftFor(c);
    if (!real_.empty()) real_[c] = q.real_multiplier.size() == 1 ? q.real_multiplier[0] : q.real_multiplier[c];
  }
  output_offset_ = q.output_offset;
  act_min_ = q.act.min;
  act_max_ = q.act.max;
  // The int64 MultiplyByQuantizedMultiplier on the tier's vector code, where it applies.
  vector_requant_ = mk.requant && !spec.bias32 && requant16_.Build(q, bias_.data(), out.c, static_cast<int>(padded));

  const bool direct = f.h == 1 && f.w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_h == 0 && g.pad_w == 0 &&
                      in.h == out.h && in.w == out.w;
  im2col_ = !direct;
  k_ = k;
  rows_ = int64_t{out.n} * out.h * out.w;
  int64_t block = kBlockBytes / (int64_t{k} * 2);
  block = std::max<int64_t>(mk.mr, block / mk.mr * mk.mr);
  block_rows_ = static_cast<int>(std::min<int64_t>(block, std::max<int64_t>(rows_, 1)));
  if (im2col_) cols_.assign(static_cast<size_t>(block_rows_) * k, 0);
  sums_.assign(static_cast<size_t>(mk.mr) * nr, 0);
  wide_.assign(static_cast<size_t>(mk.mr) * nr, 0);
  spec_ = spec;
  isa_ = kernels.isa;
  kernel_ = mk;
  return true;
}

void PackedGemm16::Gather(const int16_t* input, int64_t m0, int rows) {
  const ref::Shape4& in = spec_.input;
  const ref::Shape4& f = spec_.filter;
  const ref::Shape4& out = spec_.output;
  const ref::ConvGeometry& g = spec_.geometry;
  const int64_t plane = int64_t{out.h} * out.w;
  const size_t row_bytes = sizeof(int16_t) * static_cast<size_t>(in.c);
  for (int r = 0; r < rows; ++r) {
    const int64_t m = m0 + r;
    const int b = static_cast<int>(m / plane);
    const int rem = static_cast<int>(m % plane);
    const int oy = rem / out.w, ox = rem % out.w;
    int16_t* dst = cols_.data() + static_cast<int64_t>(r) * k_;
    const int y0 = oy * g.stride_h - g.pad_h, x0 = ox * g.stride_w - g.pad_w;
    // A kernel row inside the image with dilation 1 is one contiguous run of the input.
    const bool run = g.dilation_w == 1 && x0 >= 0 && x0 + f.w <= in.w;
    for (int ky = 0; ky < f.h; ++ky) {
      const int iy = y0 + ky * g.dilation_h;
      const bool row_in = iy >= 0 && iy < in.h;
      if (run && row_in) {
        std::memcpy(dst, input + in.Offset(b, iy, x0, 0), row_bytes * f.w);
        dst += static_cast<int64_t>(in.c) * f.w;
        continue;
      }
      for (int kx = 0; kx < f.w; ++kx, dst += in.c) {
        const int ix = x0 + kx * g.dilation_w;
        if (row_in && ix >= 0 && ix < in.w) {
          std::memcpy(dst, input + in.Offset(b, iy, ix, 0), row_bytes);
        } else {
          std::memset(dst, 0, row_bytes);
        }
      }
    }
  }
}

template <typename Acc, bool kBias32, bool kDouble>
void PackedGemm16::RequantizeAs(const Acc* sums, int mr, int nr, int c0, int16_t* out) const {
  const int stride = kernel_.nr;
  const int64_t out_stride = spec_.output.c;
  const int64_t* bias = bias_.data() + c0;
  const int32_t* multiplier = multiplier_.data() + c0;
  const int32_t* shift = shift_.data() + c0;
  const double* real = kDouble ? real_.data() + c0 : nullptr;
  for (int i = 0; i < mr; ++i) {
    const Acc* s = sums + i * stride;
    int16_t* o = out + i * out_stride;
    for (int j = 0; j < nr; ++j) {
      int32_t v;
      if constexpr (kBias32) {
        const int32_t acc = Wrap32(static_cast<int64_t>(s[j]) + bias[j]);
        v = kDouble ? ref::RoundedProductToInt32(static_cast<double>(acc), real[j])
                    : fp::MultiplyByQuantizedMultiplier(acc, multiplier[j], shift[j]);
      } else {
        const int64_t acc = static_cast<int64_t>(s[j]) + bias[j];
        v = kDouble ? ref::RoundedProductToInt32(static_cast<double>(acc), real[j])
                    : fp::MultiplyByQuantizedMultiplier(acc, multiplier[j], shift[j]);
      }
      v += output_offset_;
      o[j] = static_cast<int16_t>(v < act_min_ ? act_min_ : (v > act_max_ ? act_max_ : v));
    }
  }
}

template <typename Acc>
void PackedGemm16::Requantize(const Acc* sums, int mr, int nr, int c0, int16_t* out) const {
  if (vector_requant_) {
    const Requant16View v = requant16_.View(c0);
    for (int i = 0; i < mr; ++i) {
      const Acc* s = sums + i * kernel_.nr;
      if constexpr (std::is_same_v<Acc, int32_t>) {
        kernel_.requant(s, nullptr, nr, v, out + i * int64_t{spec_.output.c});
      } else {
        kernel_.requant(nullptr, s, nr, v, out + i * int64_t{spec_.output.c});
      }
    }
    return;
  }
  if (spec_.bias32) {
    if (real_.empty()) {
      RequantizeAs<Acc, true, false>(sums, mr, nr, c0, out);
    } else {
      RequantizeAs<Acc, true, true>(sums, mr, nr, c0, out);
    }
  } else if (real_.empty()) {
    RequantizeAs<Acc, false, false>(sums, mr, nr, c0, out);
  } else {
    RequantizeAs<Acc, false, true>(sums, mr, nr, c0, out);
  }
}

void PackedGemm16::Run(const int16_t* input, int16_t* output) {
  const int mr_max = kernel_.mr, nr_max = kernel_.nr;
  const int n = spec_.output.c;
  const int panels = (n + nr_max - 1) / nr_max;
  const bool ranges = range_ < k_;
  const int16_t* a[kMaxMr];
  for (int64_t m0 = 0; m0 < rows_; m0 += block_rows_) {
    const int rows = static_cast<int>(std::min<int64_t>(block_rows_, rows_ - m0));
    const int16_t* base = input + m0 * k_;
    if (im2col_) {
      Gather(input, m0, rows);
      base = cols_.data();
    }
    for (int p = 0; p < panels; ++p) {
      const int c0 = p * nr_max;
      const int nr = std::min(nr_max, n - c0);
      const int16_t* panel = weights_.data() + p * panel_elems_;
      for (int i0 = 0; i0 < rows; i0 += mr_max) {
        const int mr = std::min(mr_max, rows - i0);
        for (int i = 0; i < mr_max; ++i) a[i] = base + static_cast<int64_t>(i0 + std::min(i, mr - 1)) * k_;
        const Gemm16Fn fn = mr == 1 && kernel_.fn1 ? kernel_.fn1 : kernel_.fn;
        Gemm16Args args;
        args.a = a;
        args.sums = sums_.data();
        int16_t* out = output + (m0 + i0) * n + c0;
        if (!ranges) {
          args.k0 = 0;
          args.k = k_;
          args.w = panel;
          fn(args);
          Requantize(sums_.data(), mr, nr, c0, out);
          continue;
        }
        std::fill(wide_.begin(), wide_.end(), 0);
        for (int k0 = 0; k0 < k_; k0 += range_) {
          args.k0 = k0;
          args.k = std::min(range_, k_ - k0);
          args.w = panel + static_cast<int64_t>(k0) * nr_max;
          fn(args);
          for (int i = 0; i < mr; ++i) {
            for (int j = 0; j < nr; ++j) wide_[i * nr_max + j] += sums_[i * nr_max + j];
          }
        }
        Requantize(wide_.data(), mr, nr, c0, out);
      }
    }
  }
}

}  // namespace qtflite::int8
