// The int8/uint8 GEMM microkernels of one instruction-set tier (CONV_2D and FULLY_CONNECTED), as
// plain data in and out (kernels/cpu/simd.h): a microkernel computes an mr × nr tile of
// requantized outputs from mr rows of activations it reaches through pointers (an indirection
// table: one pointer per row per tap) and one packed panel of nr output channels.
// kernels/int8/gemm.h packs the weights and drives the microkernels.
//
// Arithmetic (bit-exact with reference::ConvInt8/UInt8 and FullyConnectedInt8/UInt8): taps outside
// the image read a row of the input zero point, which adds exactly what the reference's skipped
// taps add (nothing, once the zero point's share is in the bias):
//   acc[c] = packed_bias[c] + Σ_t Σ_k w'[c][t][k] · a[t][k]   (int32, wrapping as the reference)
// Madd layout: w' = w + weights_offset as int16, a = x (sign- or zero-extended), packed_bias =
//   bias − zp_in·Σ w'. Dot layout (VNNI, int8, symmetric weights): w' = w as int8, a = x + 128 as
//   uint8, packed_bias = bias − (zp_in + 128)·Σ w.
#pragma once

#include <cstdint>

#include "kernels/int8/requant.h"

namespace qtflite::int8 {

// How a panel's weights are laid out, per group of 4 consecutive k (zero beyond a tap's kc):
//   kMadd: int16 E[nr][2] = (w0, w2) per column, then O[nr][2] = (w1, w3): a 32-bit broadcast of
//          four input bytes, widened in place to (x0, x2) and (x1, x3) pairs, meets them in vpmaddwd.
//   kDot:  int8 [nr][4] = (w0, w1, w2, w3) per column: vpdpbusd on the broadcast bytes + 128.
//   kTile: kDot's bytes, each tap's groups padded with zeros to a multiple of 16 (64 k, one AMX
//          tile row), for tdpbssd on the input bytes as they are (signed): packed_bias =
//          bias − zp_in·Σ w. One tap (convolutions gather their rows: im2col), and Run copies
//          each block's rows into the microkernel's operand order: for every MR-row tile,
//          a[0] → [ceil(kc/64) chunks][MR rows][64 bytes] (zeros past kc), so that every
//          tileloadd reads 1 KiB in sequence.
enum class GemmLayout : int { kMadd, kDot, kTile };

// Problems with fewer output rows (batch-1 FULLY_CONNECTED) stay on the VNNI microkernel: a
// tile's 16 rows would mostly multiply padding.
constexpr int kGemmTileMinRows = 16;
// Gathered (im2col) rows shallower than this stay on the VNNI microkernel too (see TileFaster).
constexpr int kGemmTileMinGatheredDepth = 256;

// The largest ks·(kc rounded up to 4) of GemmMicrokernel::half_small_k.
constexpr int kGemmScaledEvenMaxK = 256;

struct GemmArgs {
  int mr = 0, nr = 0;  // tile rows and columns to write (<= the kernel's MR, NR)
  int kc = 0;          // elements per tap row
  int ks = 0;          // taps
  // ks groups of a_stride (>= the kernel's MR) row pointers, tap-major (rows >= mr repeat a valid
  // row); each reaches kc bytes.
  const void* const* a = nullptr;
  int a_stride = 0;
  // The panel: NR int32 packed biases, then ks taps of ceil(kc/4) groups (GemmLayout).
  const void* w = nullptr;
  RequantView q;   // channel c0 of the panel is q's channel `c0`
  int c0 = 0;
  bool out_uint8 = false;  // output type: uint8 (else int8)
  void* out = nullptr;     // row r at out + r·out_stride (elements)
  int64_t out_stride = 0;
};

using GemmFn = void (*)(const GemmArgs& args);

struct GemmMicrokernel {
  GemmFn fn = nullptr;  // null: the tier has no such microkernel
  int mr = 0, nr = 0;   // nr <= kChannelPadding or a multiple of it (requant parameters are padded to it)
  GemmLayout layout = GemmLayout::kMadd;
  GemmFn fn1 = nullptr;  // the same for one-row tiles (GEMV: batch-1 FULLY_CONNECTED); null: fn
  GemmFn half = nullptr;  // the same for the first nr/2 columns (narrow last panels); null: fn
  // half for int8 inputs when ks·(kc rounded up to 4) <= kGemmScaledEvenMaxK (null: half): fewer
  // shifts per multiply, for the narrow first layers where the shifts, not vpmaddwd, limit it.
  GemmFn half_small_k = nullptr;
};

}  // namespace qtflite::int8
