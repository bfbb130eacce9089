// Float CONV_2D as GEMM: a 1×1, stride-1, unpadded convolution multiplies the NHWC input
// directly; every other one lists, a block of output pixels at a time, where each pixel's taps
// are in the input (a zero row outside the image) and multiplies the block through that
// indirection, copying nothing.
#pragma once

#include "kernels/fast/float_kernels.h"

namespace qtflite::fast {

struct ConvFloatParams {
  int batches = 1, in_h = 1, in_w = 1, in_c = 1;
  int out_h = 1, out_w = 1, out_c = 1, kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, pad_h = 0, pad_w = 0;
  float lo = 0, hi = 0;
};

// `w`: the OHWI filter packed as [out_c][kernel_h · kernel_w · in_c] with its bias.
// With a pool, blocks of output pixels (of every image) are split over its threads.
void ConvFloat(const ConvFloatParams& p, const float* in, const PackedFloatWeights& w, float* out,
               ThreadPool* pool = nullptr);

}  // namespace qtflite::fast
