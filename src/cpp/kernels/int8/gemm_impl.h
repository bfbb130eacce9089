// The GEMM microkernels (kernels/int8/gemm_kernel.h) written once over a tier's vector
// operations `O` (gemm_<isa>_impl.h define them). Included by tier translation units after
// kernels/cpu/simd.h; internal linkage, so each tier keeps its own copy.
//
// O provides: V, kLanes (int32 lanes), Load(p), Bcast(int32), BcastLoad(p) (4 bytes), Add, Xor, Madd (vpmaddwd), SextEven /
// SextOdd / ZextEven / ZextOdd (the int16 pairs (x0, x2) / (x1, x3) of each dword's four bytes),
// Store(int32*, V), RequantRow(acc, n, q, c0, uint8?, out); the dot kernel also Dot (vpdpbusd).
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/int8/gemm_kernel.h"

// Constant-trip loops over rows and vectors unrolled before scalar replacement, so that the
// accumulator arrays live in registers.
#if defined(__clang__)
#define QTFLITE_GEMM_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define QTFLITE_GEMM_UNROLL _Pragma("GCC unroll 16")
#else
#define QTFLITE_GEMM_UNROLL
#endif

namespace qtflite::int8 {
namespace {

// The last kc % 4 bytes of a row, zero above: never reads past the row.
inline int32_t GemmLoadTail(const uint8_t* p, int n) {
  int32_t v = 0;
  std::memcpy(&v, p, static_cast<size_t>(n));
  return v;
}

// Whether O has RequantTile<MR, NV>(acc, g): the whole tile requantized from registers, each
// channel vector's parameters loaded once for all rows; it returns false for tiles it leaves to
// RequantRow (partial panels, double requantization).
template <class O, class = void>
struct GemmHasRequantTile : std::false_type {};
template <class O>
struct GemmHasRequantTile<O, std::void_t<decltype(O::kRequantTile)>> : std::true_type {};

// Requantizes the tile and writes its first mr rows, nr columns.
template <class O, int MR, int NR>
inline void GemmEpilogue(const typename O::V (&acc)[MR][NR / O::kLanes], const GemmArgs& g) {
  constexpr int NV = NR / O::kLanes;
  if constexpr (GemmHasRequantTile<O>::value) {
    if (O::template RequantTile<MR, NV>(acc, g)) return;
  }
  alignas(64) int32_t tile[MR][NR];
  QTFLITE_GEMM_UNROLL
  for (int i = 0; i < MR; ++i) {
    QTFLITE_GEMM_UNROLL
    for (int j = 0; j < NV; ++j) O::Store(&tile[i][j * O::kLanes], acc[i][j]);
  }
  for (int i = 0; i < g.mr; ++i) {
    O::RequantRow(tile[i], g.nr, g.q, g.c0, g.out_uint8, static_cast<uint8_t*>(g.out) + g.out_stride * i);
  }
}

template <class O, int MR, int NR>
inline void GemmInitBias(typename O::V (&acc)[MR][NR / O::kLanes], const int32_t* bias) {
  QTFLITE_GEMM_UNROLL
  for (int j = 0; j < NR / O::kLanes; ++j) {
    const typename O::V b = O::Load(bias + j * O::kLanes);
    QTFLITE_GEMM_UNROLL
    for (int i = 0; i < MR; ++i) acc[i][j] = b;
  }
}

// One group of four k for every row: madd layout. b[i]: row i's four bytes, broadcast.
template <class O, int MR, int NR, bool kUnsigned, int LNR>
inline void GemmMaddStep(typename O::V (&acc)[MR][NR / O::kLanes], const typename O::V (&b)[MR], const int16_t* w) {
  using V = typename O::V;
  constexpr int NV = NR / O::kLanes;
  QTFLITE_GEMM_UNROLL
  for (int i = 0; i < MR; ++i) {
    const V e = kUnsigned ? O::ZextEven(b[i]) : O::SextEven(b[i]);
    const V o = kUnsigned ? O::ZextOdd(b[i]) : O::SextOdd(b[i]);
    QTFLITE_GEMM_UNROLL
    for (int j = 0; j < NV; ++j) {
      const V we = O::Load(w + 2 * j * O::kLanes), wo = O::Load(w + 2 * LNR + 2 * j * O::kLanes);
      acc[i][j] = O::Add(acc[i][j], O::Add(O::Madd(e, we), O::Madd(o, wo)));
    }
  }
}

// NR columns of a panel packed LNR wide (LNR > NR: the first columns of a wider panel, for
// narrow last panels).
template <class O, int MR, int NR, bool kUnsigned, int LNR = NR>
void GemmMadd(const GemmArgs& g) {
  typename O::V acc[MR][NR / O::kLanes];
  const int32_t* bias = static_cast<const int32_t*>(g.w);
  GemmInitBias<O, MR, NR>(acc, bias);
  const int16_t* w = reinterpret_cast<const int16_t*>(bias + LNR);
  const int full = g.kc & ~3, tail = g.kc & 3;
  const void* const* a = g.a;
  for (int t = 0; t < g.ks; ++t, a += g.a_stride) {
    const uint8_t* rows[MR];
    QTFLITE_GEMM_UNROLL
    for (int i = 0; i < MR; ++i) rows[i] = static_cast<const uint8_t*>(a[i]);
    typename O::V b[MR];
    for (int k = 0; k < full; k += 4, w += 4 * LNR) {
      QTFLITE_GEMM_UNROLL
      for (int i = 0; i < MR; ++i) b[i] = O::BcastLoad(rows[i] + k);
      GemmMaddStep<O, MR, NR, kUnsigned, LNR>(acc, b, w);
    }
    if (tail) {
      QTFLITE_GEMM_UNROLL
      for (int i = 0; i < MR; ++i) b[i] = O::Bcast(GemmLoadTail(rows[i] + full, tail));
      GemmMaddStep<O, MR, NR, kUnsigned, LNR>(acc, b, w);
      w += 4 * LNR;
    }
  }
  GemmEpilogue<O, MR, NR>(acc, g);
}

// Madd layout, int8 inputs, for kernels with one vector of columns, whose sign extension (three
// shifts per row and group) outweighs their two multiplies: the even bytes enter vpmaddwd as
// x·256 (one shift moves the byte into the word's high half), so their products sum 256 times
// too large, in accumulators of their own that are shifted back at the end. Exact while
// 256·Σ|x·w| < 2^31: at most kGemmScaledEvenMaxK / 2 even products per lane, |x| <= 128,
// |w'| <= 255 (kGemmScaledEvenMaxK, gemm_kernel.h). O also provides ShiftLeft16By8 and
// ShiftRight32By8 (arithmetic).

template <class O, int MR, int NR, int LNR>
inline void GemmScaledEvenStep(typename O::V (&odd)[MR][NR / O::kLanes], typename O::V (&even)[MR][NR / O::kLanes],
                               const typename O::V (&b)[MR], const int16_t* w) {
  using V = typename O::V;
  constexpr int NV = NR / O::kLanes;
  QTFLITE_GEMM_UNROLL
  for (int i = 0; i < MR; ++i) {
    const V e = O::ShiftLeft16By8(b[i]);  // (x0·256, x2·256)
    const V o = O::SextOdd(b[i]);
    QTFLITE_GEMM_UNROLL
    for (int j = 0; j < NV; ++j) {
      even[i][j] = O::Add(even[i][j], O::Madd(e, O::Load(w + 2 * j * O::kLanes)));
      odd[i][j] = O::Add(odd[i][j], O::Madd(o, O::Load(w + 2 * LNR + 2 * j * O::kLanes)));
    }
  }
}

template <class O, int MR, int NR, int LNR = NR>
void GemmMaddScaledEven(const GemmArgs& g) {
  constexpr int NV = NR / O::kLanes;
  typename O::V acc[MR][NV], even[MR][NV];
  const int32_t* bias = static_cast<const int32_t*>(g.w);
  GemmInitBias<O, MR, NR>(acc, bias);
  QTFLITE_GEMM_UNROLL
  for (int i = 0; i < MR; ++i) {
    QTFLITE_GEMM_UNROLL
    for (int j = 0; j < NV; ++j) even[i][j] = O::Bcast(0);
  }
  const int16_t* w = reinterpret_cast<const int16_t*>(bias + LNR);
  const int full = g.kc & ~3, tail = g.kc & 3;
  const void* const* a = g.a;
  for (int t = 0; t < g.ks; ++t, a += g.a_stride) {
    const uint8_t* rows[MR];
    QTFLITE_GEMM_UNROLL
    for (int i = 0; i < MR; ++i) rows[i] = static_cast<const uint8_t*>(a[i]);
    typename O::V b[MR];
    for (int k = 0; k < full; k += 4, w += 4 * LNR) {
      QTFLITE_GEMM_UNROLL
      for (int i = 0; i < MR; ++i) b[i] = O::BcastLoad(rows[i] + k);
      GemmScaledEvenStep<O, MR, NR, LNR>(acc, even, b, w);
    }
    if (tail) {
      QTFLITE_GEMM_UNROLL
      for (int i = 0; i < MR; ++i) b[i] = O::Bcast(GemmLoadTail(rows[i] + full, tail));
      GemmScaledEvenStep<O, MR, NR, LNR>(acc, even, b, w);
      w += 4 * LNR;
    }
  }
  QTFLITE_GEMM_UNROLL
  for (int i = 0; i < MR; ++i) {
    QTFLITE_GEMM_UNROLL
    for (int j = 0; j < NV; ++j) acc[i][j] = O::Add(acc[i][j], O::ShiftRight32By8(even[i][j]));  // exact: 256 | even
  }
  GemmEpilogue<O, MR, NR>(acc, g);
}

// One group of four k for every row: dot layout; b[i]: row i's four bytes + 128, broadcast.
template <class O, int MR, int NR>
inline void GemmDotStep(typename O::V (&acc)[MR][NR / O::kLanes], const typename O::V (&b)[MR], const int8_t* w) {
  constexpr int NV = NR / O::kLanes;
  QTFLITE_GEMM_UNROLL
  for (int j = 0; j < NV; ++j) {
    const typename O::V wv = O::Load(w + 4 * j * O::kLanes);
    QTFLITE_GEMM_UNROLL
    for (int i = 0; i < MR; ++i) acc[i][j] = O::Dot(acc[i][j], b[i], wv);
  }
}

template <class O, int MR, int NR, int LNR = NR>
void GemmDot(const GemmArgs& g) {
  typename O::V acc[MR][NR / O::kLanes];
  const int32_t* bias = static_cast<const int32_t*>(g.w);
  GemmInitBias<O, MR, NR>(acc, bias);
  const int8_t* w = reinterpret_cast<const int8_t*>(bias + LNR);
  const int full = g.kc & ~3, tail = g.kc & 3;
  const typename O::V flip = O::Bcast(static_cast<int32_t>(0x80808080u));
  const void* const* a = g.a;
  for (int t = 0; t < g.ks; ++t, a += g.a_stride) {
    const uint8_t* rows[MR];
    QTFLITE_GEMM_UNROLL
    for (int i = 0; i < MR; ++i) rows[i] = static_cast<const uint8_t*>(a[i]);
    typename O::V b[MR];
    for (int k = 0; k < full; k += 4, w += 4 * LNR) {
      QTFLITE_GEMM_UNROLL
      for (int i = 0; i < MR; ++i) b[i] = O::Xor(O::BcastLoad(rows[i] + k), flip);
      GemmDotStep<O, MR, NR>(acc, b, w);
    }
    if (tail) {
      // Bytes past the row read 0 ^ 0x80 = 128 against zero weights.
      QTFLITE_GEMM_UNROLL
      for (int i = 0; i < MR; ++i) b[i] = O::Xor(O::Bcast(GemmLoadTail(rows[i] + full, tail)), flip);
      GemmDotStep<O, MR, NR>(acc, b, w);
      w += 4 * LNR;
    }
  }
  GemmEpilogue<O, MR, NR>(acc, g);
}

}  // namespace
}  // namespace qtflite::int8
