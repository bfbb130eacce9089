#include "kernels/fast/conv_float.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace qtflite::fast {
namespace {

constexpr long kIm2colBlockFloats = 64 * 1024;  // 256 KB of gathered taps per GEMM call

// Row r of the block: the kernel_h × kernel_w × in_c taps of output pixel `pixel`.
void GatherTaps(const ConvFloatParams& p, const float* in, long pixel, float* row) {
  const int ox = static_cast<int>(pixel % p.out_w);
  const int oy = static_cast<int>((pixel / p.out_w) % p.out_h);
  const int b = static_cast<int>(pixel / (static_cast<long>(p.out_w) * p.out_h));
  const int y0 = oy * p.stride_h - p.pad_h, x0 = ox * p.stride_w - p.pad_w;
  const size_t depth_bytes = sizeof(float) * p.in_c;
  for (int ky = 0; ky < p.kernel_h; ++ky) {
    const int iy = y0 + ky * p.dilation_h;
    for (int kx = 0; kx < p.kernel_w; ++kx, row += p.in_c) {
      const int ix = x0 + kx * p.dilation_w;
      if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) {
        std::memset(row, 0, depth_bytes);
      } else {
        std::memcpy(row, in + ((static_cast<long>(b) * p.in_h + iy) * p.in_w + ix) * p.in_c, depth_bytes);
      }
    }
  }
}

}  // namespace

void ConvFloat(const ConvFloatParams& p, const float* in, const PackedFloatWeights& w, float* out) {
  const long pixels = static_cast<long>(p.batches) * p.out_h * p.out_w;
  const bool direct = p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 0 &&
                      p.pad_w == 0 && p.in_h == p.out_h && p.in_w == p.out_w;
  if (direct) {
    FloatGemm(in, static_cast<int>(pixels), p.in_c, w, p.lo, p.hi, out, p.out_c);
    return;
  }
  const int k = w.k;
  const long block = std::max<long>(4, kIm2colBlockFloats / k);
  thread_local std::vector<float> taps;
  taps.resize(static_cast<size_t>(std::min(block, pixels)) * k);
  for (long first = 0; first < pixels; first += block) {
    const long rows = std::min(block, pixels - first);
    for (long r = 0; r < rows; ++r) GatherTaps(p, in, first + r, taps.data() + r * k);
    FloatGemm(taps.data(), static_cast<int>(rows), k, w, p.lo, p.hi, out + first * p.out_c, p.out_c);
  }
}

}  // namespace qtflite::fast
