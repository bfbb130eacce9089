#include "kernels/fast/conv_float.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace qtflite::fast {
namespace {

constexpr long kBlockPixels = 288;  // output pixels per GEMM call: 4 of the GEMM's row blocks

// One image as the convolution reads it: the input itself when every tap falls inside it,
// else a copy framed with the zero padding (top/left pad, and bottom/right as far as taps reach).
struct Frame {
  int top = 0, left = 0, h = 0, w = 0;  // padding before, and the framed size
  bool copy = false;

  explicit Frame(const ConvFloatParams& p) {
    top = p.pad_h, left = p.pad_w;
    const int last_y = (p.out_h - 1) * p.stride_h - p.pad_h + (p.kernel_h - 1) * p.dilation_h;
    const int last_x = (p.out_w - 1) * p.stride_w - p.pad_w + (p.kernel_w - 1) * p.dilation_w;
    h = top + std::max(p.in_h, last_y + 1);
    w = left + std::max(p.in_w, last_x + 1);
    copy = top > 0 || left > 0 || h > p.in_h || w > p.in_w;
  }

  // Writes image (in_h × in_w × c) into dst (h × w × c) inside its zero frame.
  void Fill(const ConvFloatParams& p, const float* image, float* dst) const {
    const long c = p.in_c, row = static_cast<long>(w) * c;
    std::memset(dst, 0, sizeof(float) * row * top);
    for (int y = 0; y < p.in_h; ++y) {
      float* d = dst + (top + y) * row;
      std::memset(d, 0, sizeof(float) * left * c);
      std::memcpy(d + left * c, image + static_cast<long>(y) * p.in_w * c, sizeof(float) * p.in_w * c);
      std::memset(d + (left + p.in_w) * c, 0, sizeof(float) * (w - left - p.in_w) * c);
    }
    std::memset(dst + (top + p.in_h) * row, 0, sizeof(float) * row * (h - top - p.in_h));
  }
};

// The tap pointers of output pixels of one framed image, in the packed filter's k order (ky,
// kx, channel). Without dilation along x a kernel row's taps are kernel_w · in_c contiguous
// floats, listed as one segment; with it each tap is its own segment of in_c floats.
struct TapLister {
  const ConvFloatParams& p;
  int seg_taps, segs_per_pixel;
  long seg_step, row_floats;  // floats between a kernel row's segments; between framed rows

  TapLister(const ConvFloatParams& params, const Frame& f) : p(params) {
    seg_taps = p.dilation_w == 1 ? p.kernel_w : 1;
    segs_per_pixel = p.kernel_h * (p.kernel_w / seg_taps);
    seg_step = static_cast<long>(p.dilation_w) * p.in_c;
    row_floats = static_cast<long>(f.w) * p.in_c;
  }

  // Pointers of output pixels [first, first + count) (oy · out_w + ox) of `image`.
  void List(const float* image, long first, long count, const float** segs) const {
    int oy = static_cast<int>(first / p.out_w), ox = static_cast<int>(first % p.out_w);
    const int per_row = p.kernel_w / seg_taps;
    const long ky_step = p.dilation_h * row_floats, ox_step = static_cast<long>(p.stride_w) * p.in_c;
    const float* origin = image + static_cast<long>(oy) * p.stride_h * row_floats + ox * ox_step;
    for (long i = 0; i < count; ++i) {
      const float* rowp = origin;
      for (int ky = 0; ky < p.kernel_h; ++ky, rowp += ky_step) {
        for (int s = 0; s < per_row; ++s) *segs++ = rowp + s * seg_step;
      }
      origin += ox_step;
      if (++ox == p.out_w) {
        ox = 0;
        ++oy;
        origin = image + static_cast<long>(oy) * p.stride_h * row_floats;
      }
    }
  }
};

}  // namespace

void ConvFloat(const ConvFloatParams& p, const float* in, const PackedFloatWeights& w, float* out, ThreadPool* pool) {
  const long pixels = static_cast<long>(p.batches) * p.out_h * p.out_w;
  const bool direct = p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 0 &&
                      p.pad_w == 0 && p.in_h == p.out_h && p.in_w == p.out_w;
  if (direct) {
    FloatGemm(in, static_cast<int>(pixels), p.in_c, w, p.lo, p.hi, out, p.out_c, pool);
    return;
  }
  const Frame frame(p);
  const TapLister lister(p, frame);
  const long image_pixels = static_cast<long>(p.out_h) * p.out_w;
  const long block = std::min(kBlockPixels, image_pixels);
  const long blocks = (image_pixels + block - 1) / block;  // per image
  // Tasks (image, block) in order; each thread frames the images its tasks touch in its own
  // (thread-local) scratch.
  auto run = [&](int64_t begin, int64_t end, int) {
    thread_local std::vector<float> framed;
    thread_local std::vector<const float*> segs;
    if (frame.copy) framed.resize(static_cast<size_t>(frame.h) * frame.w * p.in_c);
    segs.resize(static_cast<size_t>(block) * lister.segs_per_pixel);
    long framed_image = -1;
    for (int64_t task = begin; task < end; ++task) {
      const long b = static_cast<long>(task / blocks), first = static_cast<long>(task % blocks) * block;
      const float* image = in + b * p.in_h * p.in_w * p.in_c;
      if (frame.copy) {
        if (framed_image != b) frame.Fill(p, image, framed.data());
        framed_image = b;
        image = framed.data();
      }
      const long count = std::min(block, image_pixels - first);
      lister.List(image, first, count, segs.data());
      FloatIndirectGemm(segs.data(), static_cast<int>(count), lister.segs_per_pixel, w, p.lo, p.hi,
                        out + (b * image_pixels + first) * p.out_c, p.out_c);
    }
  };
  const int64_t tasks = static_cast<int64_t>(p.batches) * blocks;
  if (pool && pool->size() > 1) {
    pool->ParallelFor(tasks, run);
  } else {
    run(0, tasks, 0);
  }
}

}  // namespace qtflite::fast
