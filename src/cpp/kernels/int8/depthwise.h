// DEPTHWISE_CONV_2D on the fast integer kernels: int8 (per-channel or per-tensor weights), uint8
// (TF1, asymmetric per-tensor weights) and int16 activations with int8 weights and an int64 bias
// (16x8), any kernel size, stride, dilation, padding, depth multiplier and batch; bit-exact with
// reference::DepthwiseConvInt8 / UInt8 / Int16.
//
// A node's weights are packed once (at Prepare) for one tier's microkernel
// (depthwise_kernel.h), with the zero point's share folded into the bias and the requantization
// parameters in the microkernel's channel order; Run then drives the microkernel row by row,
// without allocating. A depth multiplier m > 1 is run as m = 1 on input rows whose channels are
// repeated m times (a ring of the kernel_h rows in use).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/int8/int8_kernels.h"
#include "kernels/int8/requant.h"
#include "kernels/int8/requant16.h"
#include "kernels/reference/common.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/shape.h"
#include "runtime/thread_pool.h"

namespace qtflite::int8 {

// Everything about a node that its packed form depends on besides the weights.
struct DepthwiseSpec {
  reference::ConvGeometry geometry;
  reference::Shape4 input, filter, output;  // NHWC, [1, kh, kw, out_c], NHWC
  DepthwiseInput type = DepthwiseInput::kInt8;

  bool operator==(const DepthwiseSpec& o) const;
  bool operator!=(const DepthwiseSpec& o) const { return !(*this == o); }
};

class PackedDepthwise {
 public:
  // Packs `filter` (int8, or uint8 for kUInt8) and `bias` (int32 per output channel; int64 for
  // kInt16; null = none) for `kernels`' tier. Returns false, leaving this empty, when the tier
  // cannot compute the node bit-exactly (inconsistent shapes, a non-zero int16 input offset, int16
  // sums that could leave int32): the caller then runs the reference kernel.
  bool Pack(const Int8Kernels& kernels, const DepthwiseSpec& spec, const reference::Requant& q, const void* filter,
            const void* bias);

  bool packed() const { return kernel_.row != nullptr; }
  cpu::Isa isa() const { return isa_; }
  const DepthwiseSpec& spec() const { return spec_; }
  // Which microkernel Pack chose: 2 (pairs) or 4 (quads); 0 when empty.
  int slot() const { return kernel_.slot; }
  // Whether the node qualifies for DepthwiseBoundedRequant (tiers that have it use it).
  bool bounded_requant() const { return use_bounded_; }

  // input: the spec's input tensor (int8, uint8 or int16); output: its output tensor (same type).
  // Not reentrant: it uses the scratch held here. With a pool (and depth multiplier 1, whose
  // rows need no shared ring), output rows are split over its threads, each with its own
  // scratch; every row is computed alike whatever the split.
  void Run(const void* input, void* output, ThreadPool* pool = nullptr);

 private:
  const void* InputRow(const uint8_t* input, int batch, int iy);
  void RequantizeInt16Row(const int32_t* sums, int16_t* out) const;

  DepthwiseMicrokernel kernel_;
  cpu::Isa isa_ = cpu::Isa::kSse2;
  DepthwiseSpec spec_;
  int multiplier_ = 1, groups_ = 0, elem_ = 1;
  std::vector<uint8_t> weights_;  // int16 (pairs) or int8 (quads), packed
  std::vector<int32_t> bias_;     // groups × group, packed order
  ChannelRequant requant_;        // packed order
  std::vector<int32_t> bounded_arrays_;  // DepthwiseBoundedRequant's four arrays, when it applies
  DepthwiseBoundedRequant bounded_;      // pointing into them (set by Run)
  bool use_bounded_ = false;
  reference::Requant int16_requant_;
  std::vector<int64_t> int16_bias_;
  std::vector<int32_t> position_;  // int16: each channel's index in a pixel's packed sums
  // int16 on the tier's vector requantization (sums in channel order, fixed point): else scalar.
  Requant16Fn int16_requant_fn_ = nullptr;
  Requant16Table int16_vector_;
  // Scratch of one thread.
  struct RowScratch {
    std::vector<const void*> rows, taps;
    std::vector<int32_t> sums;  // int16: one output row of packed sums
  };
  // Output rows [r0, r1) of the whole batch (row = batch · out_h + oy).
  void RunRows(const uint8_t* input, void* output, int64_t r0, int64_t r1, RowScratch& scratch);

  std::vector<uint8_t> zero_row_;
  std::vector<RowScratch> scratch_;  // one per thread; [0] sized by Pack
  std::vector<uint8_t> ring_;  // depth multiplier > 1: expanded input rows
  std::vector<int> ring_row_;  // which input row each ring slot holds (-1: none)
};

}  // namespace qtflite::int8
