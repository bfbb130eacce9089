// CONV_2D and FULLY_CONNECTED with int16 activations and int8 weights (TFLite's 16x8) on the fast
// GEMM microkernels (kernels/int8/gemm16_kernel.h): per-channel or per-tensor weights (with or
// without a weight zero point), int64 bias (int64 accumulator) or int32 bias (int32 accumulator,
// wrapping as the reference's), both numerics (the int64 / int32 fixed-point requantization, and
// LiteRT's double rescale of FULLY_CONNECTED); bit-exact with reference::ConvInt16 and
// reference::FullyConnectedInt16.
//
// Weights are packed once (at Prepare) in panels of NR output channels, as int16 pairs of k.
// Activation rows: direct (1×1, stride 1, no padding; FULLY_CONNECTED) or gathered per block of
// output pixels (im2col, out-of-image taps as 0 = the zero point of int16 activations).
//
// Exactness of the int64 accumulator: |x| <= 32768, so a range of k whose Σ|w'| <= 65535 cannot
// leave int32. When some channel's whole Σ|w'| exceeds that, k is cut into ranges of
// 65535 / max|w'| elements (even), whose int32 sums are added up in int64.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/int8/int16_kernels.h"
#include "kernels/int8/requant16.h"
#include "kernels/reference/common.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/shape.h"

namespace qtflite::int8 {

// Everything about a node that its packed form depends on besides the weights. CONV_2D: NHWC
// input and output, OHWI filter. FULLY_CONNECTED: input [1, 1, batches, K], filter [N, 1, 1, K],
// output [1, 1, batches, N] (FullyConnected16Spec).
struct Gemm16Spec {
  reference::ConvGeometry geometry;
  reference::Shape4 input, filter, output;
  bool bias32 = false;  // an int32 bias: the reference accumulates in int32 (else int64)

  bool operator==(const Gemm16Spec& o) const;
  bool operator!=(const Gemm16Spec& o) const { return !(*this == o); }
};

Gemm16Spec FullyConnected16Spec(int batches, int in_depth, int out_depth, bool bias32);

class PackedGemm16 {
 public:
  // Packs `filter` and `bias` (int32 per output channel when spec.bias32, else int64; null =
  // none) for `kernels`' tier. Returns false, leaving this empty, when it cannot compute the node
  // bit-exactly (grouped, inconsistent shapes, a non-zero input zero point): the caller then runs
  // the reference kernel.
  bool Pack(const Int16Kernels& kernels, const Gemm16Spec& spec, const reference::Requant& q, const int8_t* filter,
            const void* bias);

  bool packed() const { return kernel_.fn != nullptr; }
  cpu::Isa isa() const { return isa_; }
  const Gemm16Spec& spec() const { return spec_; }
  // Elements of k per int32 range (k itself when one range is exact).
  int range() const { return range_; }

  // Not reentrant: it uses the scratch held here.
  void Run(const int16_t* input, int16_t* output);

 private:
  void Gather(const int16_t* input, int64_t m0, int rows);
  template <typename Acc, bool kBias32, bool kDouble>
  void RequantizeAs(const Acc* sums, int mr, int nr, int c0, int16_t* out) const;
  template <typename Acc>
  void Requantize(const Acc* sums, int mr, int nr, int c0, int16_t* out) const;

  Gemm16Microkernel kernel_;
  cpu::Isa isa_ = cpu::Isa::kSse2;
  Gemm16Spec spec_;
  bool im2col_ = false;
  int k_ = 0, range_ = 0;
  int64_t rows_ = 0;          // M: output pixels
  int64_t panel_elems_ = 0;   // int16 elements of one panel
  int block_rows_ = 0;        // M rows per block (a multiple of MR)
  std::vector<int16_t> weights_;
  // Per output channel, padded to whole panels.
  std::vector<int64_t> bias_;
  std::vector<int32_t> multiplier_, shift_;
  std::vector<double> real_;  // LiteRT's double rescale; empty: fixed point
  // The tier's vector requantization, when the node has an int64 accumulator, fixed point and
  // shifts it can do (kernel_.requant): four arrays of int64 per channel (Requant16View).
  bool vector_requant_ = false;
  Requant16Table requant16_;
  int32_t output_offset_ = 0, act_min_ = 0, act_max_ = 0;
  // Scratch.
  std::vector<int16_t> cols_;
  std::vector<int32_t> sums_;
  std::vector<int64_t> wide_;
};

}  // namespace qtflite::int8
