// CONV_2D and FULLY_CONNECTED on the fast integer GEMM microkernels (kernels/int8/gemm_kernel.h):
// int8 (per-channel or per-tensor weights, with or without a weight zero point) and uint8 (TF1,
// asymmetric per-tensor weights), both numerics (fixed-point and LiteRT's double
// requantization); bit-exact with reference::ConvInt8 / ConvUInt8 / FullyConnectedInt8 / UInt8.
//
// Weights are packed once (at Prepare) in panels of the microkernel's NR output channels, zero
// points folded into the bias. Run reaches the input through row pointers, without copying it:
//   direct:   1×1, stride 1, no padding (and FULLY_CONNECTED): one row per pixel, K = in_c;
//   indirect: any other kernel, stride, dilation, padding, batch: one pointer per tap per output
//             pixel (out-of-image taps point at a row of the input zero point), K = in_c per tap;
//   im2col:   inputs with fewer than 8 channels (first layers): a block of output pixels' taps is
//             gathered into contiguous rows of K = kh·kw·in_c, so that K is not 1 or 3 per tap.
// Grouped convolution stays on the reference kernels; int16 activations (16x8) have their own GEMM (gemm16.h).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/int8/int8_kernels.h"
#include "kernels/int8/requant.h"
#include "kernels/reference/common.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/shape.h"
#include "runtime/thread_pool.h"

namespace qtflite::int8 {

enum class GemmInput : int { kInt8, kUInt8 };

// Everything about a node that its packed form depends on besides the weights. CONV_2D: NHWC
// input and output, OHWI filter. FULLY_CONNECTED: input [1, 1, batches, K], filter [N, 1, 1, K],
// output [1, 1, batches, N] (FullyConnectedSpec).
struct GemmSpec {
  reference::ConvGeometry geometry;
  reference::Shape4 input, filter, output;
  GemmInput type = GemmInput::kInt8;

  bool operator==(const GemmSpec& o) const;
  bool operator!=(const GemmSpec& o) const { return !(*this == o); }
};

GemmSpec FullyConnectedSpec(int batches, int in_depth, int out_depth, GemmInput type);

class PackedGemm {
 public:
  // Packs `filter` (int8, or uint8 for kUInt8) and `bias` (int32 per output channel; null = none)
  // for `kernels`' tier. Returns false, leaving this empty, when it cannot compute the node
  // bit-exactly (grouped, inconsistent shapes, a zero point outside the input type): the caller
  // then runs the reference kernel.
  bool Pack(const Int8Kernels& kernels, const GemmSpec& spec, const reference::Requant& q, const void* filter,
            const int32_t* bias);

  bool packed() const { return kernel_.fn != nullptr; }
  cpu::Isa isa() const { return isa_; }
  const GemmSpec& spec() const { return spec_; }
  GemmLayout layout() const { return kernel_.layout; }

  // Not reentrant: it uses the scratch held here. With a pool, blocks of output rows (and of
  // output channels, when rows are few) go to its threads; every output element is computed by
  // the same arithmetic whatever the split, so the result does not depend on the thread count.
  void Run(const void* input, void* output, ThreadPool* pool = nullptr);

 private:
  enum class Mode { kDirect, kIndirect, kIm2col };
  void BuildTable(const uint8_t* input);
  // Scratch, one per thread: im2col's gathered rows and their pointers; the tile layout's rows
  // in AMX operand order and their pointers.
  struct Scratch {
    std::vector<uint8_t> cols;
    std::vector<const void*> table;
    std::vector<uint8_t> tile_rows;
    std::vector<const void*> tile_table;
  };
  void Gather(const uint8_t* input, int64_t m0, int rows, Scratch& scratch) const;
  const void* const* PackTileRows(const void* const* table, int rows, int kc, Scratch& scratch) const;
  // Output rows [m0, m0 + rows) × panels [p0, p1); `table` holds the rows' pointers.
  void RunTile(const void* const* table, int64_t m0, int rows, int p0, int p1, void* output) const;

  GemmMicrokernel kernel_;
  cpu::Isa isa_ = cpu::Isa::kSse2;
  GemmSpec spec_;
  Mode mode_ = Mode::kDirect;
  int kc_ = 0, ks_ = 0;
  int col_stride_ = 0;       // im2col: bytes per gathered row (kc_ rounded up to a multiple of 4)
  bool small_k_ = false;     // int8: ks·(kc rounded up to 4) <= kGemmScaledEvenMaxK (gemm_kernel.h)
  int64_t rows_ = 0;         // M: output pixels
  int64_t panel_bytes_ = 0;  // one panel of NR channels
  int block_rows_ = 0;       // M rows per cache block (a multiple of MR)
  std::vector<int32_t> weights_;  // panels (int32 for alignment)
  ChannelRequant requant_;
  std::vector<uint8_t> zero_row_;
  // Direct and indirect: the row pointers (tile-major: [tile][tap][MR]) and the input they
  // were built for, shared by the threads.
  std::vector<const void*> table_;
  const void* table_input_ = nullptr;
  std::vector<Scratch> scratch_;  // im2col and tile layout: per thread
};

}  // namespace qtflite::int8
