// The 16x8 GEMM microkernel (kernels/int8/gemm16_kernel.h) written once over a tier's vector
// operations `O`. Included by the int16_<tier>.cc translation units after kernels/cpu/simd.h;
// internal linkage, so each tier keeps its own copy.
//
// O provides: V, kLanes (int32 lanes), Zero(), Load(p), Bcast(int32), BcastLoad(p) (4 bytes in
// every lane), MaddAdd(acc, a, b) (acc + vpmaddwd(a, b)), Store(int32*, V).
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/int8/gemm16_kernel.h"

#if defined(__clang__)
#define QTFLITE_GEMM16_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define QTFLITE_GEMM16_UNROLL _Pragma("GCC unroll 16")
#else
#define QTFLITE_GEMM16_UNROLL
#endif

namespace qtflite::int8 {
namespace {

// One pair of k for every row: b[i] holds row i's two int16 values in every lane.
template <class O, int MR, int NR>
inline void Gemm16Step(typename O::V (&acc)[MR][NR / O::kLanes], const typename O::V (&b)[MR], const int16_t* w) {
  QTFLITE_GEMM16_UNROLL
  for (int j = 0; j < NR / O::kLanes; ++j) {
    const typename O::V wv = O::Load(w + 2 * j * O::kLanes);
    QTFLITE_GEMM16_UNROLL
    for (int i = 0; i < MR; ++i) acc[i][j] = O::MaddAdd(acc[i][j], b[i], wv);
  }
}

template <class O, int MR, int NR>
void Gemm16Tile(const Gemm16Args& g) {
  using V = typename O::V;
  constexpr int NV = NR / O::kLanes;
  V acc[MR][NV];
  QTFLITE_GEMM16_UNROLL
  for (int i = 0; i < MR; ++i) {
    QTFLITE_GEMM16_UNROLL
    for (int j = 0; j < NV; ++j) acc[i][j] = O::Zero();
  }
  const int16_t* rows[MR];
  QTFLITE_GEMM16_UNROLL
  for (int i = 0; i < MR; ++i) rows[i] = g.a[i] + g.k0;
  const int16_t* w = g.w;
  const int pairs = g.k >> 1;
  V b[MR];
  for (int p = 0; p < pairs; ++p, w += 2 * NR) {
    QTFLITE_GEMM16_UNROLL
    for (int i = 0; i < MR; ++i) b[i] = O::BcastLoad(rows[i] + 2 * p);
    Gemm16Step<O, MR, NR>(acc, b, w);
  }
  if (g.k & 1) {
    // The lone last element, paired with 0 (its weight pair's second half is 0 too).
    QTFLITE_GEMM16_UNROLL
    for (int i = 0; i < MR; ++i) b[i] = O::Bcast(static_cast<int32_t>(static_cast<uint16_t>(rows[i][2 * pairs])));
    Gemm16Step<O, MR, NR>(acc, b, w);
  }
  QTFLITE_GEMM16_UNROLL
  for (int i = 0; i < MR; ++i) {
    QTFLITE_GEMM16_UNROLL
    for (int j = 0; j < NV; ++j) O::Store(g.sums + i * NR + j * O::kLanes, acc[i][j]);
  }
}

}  // namespace
}  // namespace qtflite::int8
