#include "kernels/fast/conv_float.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace qtflite::fast {
namespace {

constexpr long kBlockPixels = 288;  // output pixels per GEMM call: 4 of the GEMM's row blocks

// Walks output pixels in NHWC order and lists, for each, where its taps are in the input, in
// the packed filter's k order (ky, kx, channel). Without dilation along x a kernel row's taps
// are kernel_w · in_c contiguous floats, listed as one segment; with it each tap is its own
// segment of in_c floats. A segment outside the image points at zeros; one that straddles the
// left or right edge is assembled in `scratch` (the only copy made).
class TapLister {
 public:
  TapLister(const ConvFloatParams& p, const float* in)
      : p_(p), in_(in), in_w_(p.in_w), in_c_(p.in_c), kernel_h_(p.kernel_h), kernel_w_(p.kernel_w),
        stride_w_(p.stride_w), pad_w_(p.pad_w), dilation_w_(p.dilation_w), out_w_(p.out_w) {
    seg_taps_ = p.dilation_w == 1 ? p.kernel_w : 1;
    seg_len_ = static_cast<long>(seg_taps_) * p.in_c;
    x_span_ = (p.kernel_w - 1) * p.dilation_w + 1;
    rows_.resize(static_cast<size_t>(p.kernel_h));
  }
  int segments_per_pixel() const { return p_.kernel_h * (p_.kernel_w / seg_taps_); }
  long segment_floats() const { return seg_len_; }

  // Floats of scratch that `count` consecutive output pixels may need at most.
  long ScratchFloats(long count) const {
    if (seg_taps_ == 1) return 0;
    int straddling = 0;  // output columns whose kernel rows cross an edge of the image
    for (int ox = 0; ox < p_.out_w; ++ox) {
      const int x0 = ox * p_.stride_w - p_.pad_w;
      straddling += x0 < 0 || x0 + p_.kernel_w > p_.in_w;
    }
    const long rows = std::min<long>(count, (count / p_.out_w + 2) * straddling);
    return rows * p_.kernel_h * seg_len_;
  }

  // Moves to output pixel `pixel` (b·out_h·out_w + oy·out_w + ox).
  void Seek(long pixel) {
    ox_ = static_cast<int>(pixel % p_.out_w);
    oy_ = static_cast<int>((pixel / p_.out_w) % p_.out_h);
    b_ = static_cast<int>(pixel / (static_cast<long>(p_.out_w) * p_.out_h));
    row_ready_ = false;
  }

  // Writes the current pixel's segments_per_pixel() pointers, then moves to the next pixel.
  // zeros: segment_floats() zeros; *scratch advances past what straddling segments use.
  void Next(const float** segs, const float* zeros, float** scratch) {
    if (!row_ready_) StartRow();
    const int x0 = ox_ * stride_w_ - pad_w_;
    const int per_row = kernel_w_ / seg_taps_;
    if (x0 >= 0 && x0 + x_span_ <= in_w_) {  // every segment inside the image along x
      const long first = static_cast<long>(x0) * in_c_, step = static_cast<long>(dilation_w_) * in_c_;
      for (int ky = 0; ky < kernel_h_; ++ky) {
        const float* row = rows_[ky];
        for (int s = 0; s < per_row; ++s) *segs++ = row ? row + first + s * step : zeros;
      }
    } else {
      for (int ky = 0; ky < kernel_h_; ++ky) {
        const float* row = rows_[ky];
        for (int s = 0; s < per_row; ++s) *segs++ = row ? Straddling(row, x0 + s * dilation_w_, zeros, scratch) : zeros;
      }
    }
    if (++ox_ == out_w_) {
      ox_ = 0;
      row_ready_ = false;
      if (++oy_ == p_.out_h) oy_ = 0, ++b_;
    }
  }

 private:
  // The input row of each kernel row for the current output row (null: outside the image).
  void StartRow() {
    const int y0 = oy_ * p_.stride_h - p_.pad_h;
    const float* image = in_ + static_cast<long>(b_) * p_.in_h * in_w_ * in_c_;
    for (int ky = 0; ky < kernel_h_; ++ky) {
      const int iy = y0 + ky * p_.dilation_h;
      rows_[ky] = iy < 0 || iy >= p_.in_h ? nullptr : image + static_cast<long>(iy) * in_w_ * in_c_;
    }
    row_ready_ = true;
  }

  // The segment starting at column ix of `row`, which may cross the image's left or right edge.
  const float* Straddling(const float* row, int ix, const float* zeros, float** scratch) const {
    const int last = ix + seg_taps_ - 1;
    if (ix >= 0 && last < in_w_) return row + static_cast<long>(ix) * in_c_;
    if (last < 0 || ix >= in_w_) return zeros;
    float* dst = *scratch;
    *scratch += seg_len_;
    for (int t = 0; t < seg_taps_; ++t) {
      float* d = dst + static_cast<long>(t) * in_c_;
      if (ix + t < 0 || ix + t >= in_w_) {
        std::memset(d, 0, sizeof(float) * in_c_);
      } else {
        std::memcpy(d, row + static_cast<long>(ix + t) * in_c_, sizeof(float) * in_c_);
      }
    }
    return dst;
  }

  const ConvFloatParams& p_;
  const float* in_;
  const int in_w_, in_c_, kernel_h_, kernel_w_, stride_w_, pad_w_, dilation_w_, out_w_;
  int seg_taps_ = 1, x_span_ = 1;
  long seg_len_ = 0;
  std::vector<const float*> rows_;
  bool row_ready_ = false;
  int b_ = 0, oy_ = 0, ox_ = 0;
};

}  // namespace

void ConvFloat(const ConvFloatParams& p, const float* in, const PackedFloatWeights& w, float* out) {
  const long pixels = static_cast<long>(p.batches) * p.out_h * p.out_w;
  const bool direct = p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 0 &&
                      p.pad_w == 0 && p.in_h == p.out_h && p.in_w == p.out_w;
  if (direct) {
    FloatGemm(in, static_cast<int>(pixels), p.in_c, w, p.lo, p.hi, out, p.out_c);
    return;
  }
  TapLister lister(p, in);
  const int segs = lister.segments_per_pixel();
  const long block = std::min(kBlockPixels, pixels);
  thread_local std::vector<float> zeros, scratch;
  thread_local std::vector<const float*> rows;
  if (zeros.size() < static_cast<size_t>(lister.segment_floats())) zeros.assign(lister.segment_floats(), 0.0f);
  const size_t scratch_floats = static_cast<size_t>(lister.ScratchFloats(block));
  if (scratch.size() < scratch_floats) scratch.resize(scratch_floats);
  rows.resize(static_cast<size_t>(block) * segs);
  lister.Seek(0);
  for (long first = 0; first < pixels; first += block) {
    const long count = std::min(block, pixels - first);
    float* next_scratch = scratch.data();
    for (long r = 0; r < count; ++r) lister.Next(rows.data() + r * segs, zeros.data(), &next_scratch);
    FloatIndirectGemm(rows.data(), static_cast<int>(count), segs, w, p.lo, p.hi, out + first * p.out_c, p.out_c);
  }
}

}  // namespace qtflite::fast
