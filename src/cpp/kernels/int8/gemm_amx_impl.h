// The int8 GEMM microkernel on AMX tiles (GemmLayout::kTile, kernels/int8/gemm_kernel.h): a
// 32 × 32 block of outputs in four 16 × 16 int32 accumulator tiles (tmm0..3), two 16-row tiles
// of activations (tmm4, tmm5: 64 k each) and two 16-column tiles of weights (tmm6, tmm7: 16 rows
// of 4 k × 16 columns), multiplied by tdpbssd (int8 × int8, exact int32 sums that wrap as the
// reference's). The packed bias is added and the result requantized by the AVX-512 epilogue the
// avx512vnni tier uses (requant_avx512_impl.h), so the outputs are the same bits.
// Included by the amx tier translation unit only (AMX cannot be emulated).
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/int8/gemm_kernel.h"
#include "kernels/int8/requant_avx512_impl.h"

namespace qtflite::int8 {
namespace {

constexpr int kAmxTileRows = 16;   // rows of every tile
constexpr int kAmxTileBytes = 64;  // bytes per tile row: 64 k of activations, 4 k × 16 columns
constexpr int kAmxMR = 2 * kAmxTileRows;
constexpr int kAmxNR = 32;  // panel width: two column tiles

// The 64-byte operand of ldtilecfg (palette 1): every tile used is 16 rows × 64 bytes.
struct alignas(64) AmxTileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

// Loads the configuration on this thread unless it is already there. Other code in the process
// (another library's AMX kernels) may load its own or release the tiles between our calls, so
// the configuration in force is read back (sttilecfg) rather than remembered.
inline void AmxConfigure() {
  static const AmxTileConfig wanted = [] {
    AmxTileConfig c;
    for (int t = 0; t < 8; ++t) {
      c.colsb[t] = kAmxTileBytes;
      c.rows[t] = kAmxTileRows;
    }
    return c;
  }();
  AmxTileConfig current;
  _tile_storeconfig(&current);
  if (std::memcmp(&current, &wanted, sizeof(wanted)) != 0) _tile_loadconfig(&wanted);
}

// NT column tiles (1: the first 16 columns of a 32-wide panel, for narrow last panels).
template <int NT>
void GemmTile(const GemmArgs& g) {
  AmxConfigure();
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  const int32_t* bias = static_cast<const int32_t*>(g.w);
  const int8_t* w = reinterpret_cast<const int8_t*>(bias + kAmxNR);
  constexpr int64_t kBStride = 4 * kAmxNR;                       // bytes per group of 4 k
  constexpr int64_t kChunkBytes = kAmxTileRows * kBStride;        // 64 k of the panel
  const int chunks = (g.kc + kAmxTileBytes - 1) / kAmxTileBytes;
  // The rows in operand order (gemm_kernel.h, kTile): per chunk, rows 0-15 then 16-31.
  const uint8_t* rows = static_cast<const uint8_t*>(g.a[0]);
  for (int c = 0; c < chunks; ++c, w += kChunkBytes, rows += kAmxMR * kAmxTileBytes) {
    _tile_loadd(4, rows, kAmxTileBytes);
    _tile_loadd(6, w, kBStride);
    _tile_dpbssd(0, 4, 6);
    _tile_loadd(5, rows + kAmxTileRows * kAmxTileBytes, kAmxTileBytes);
    _tile_dpbssd(2, 5, 6);
    if constexpr (NT == 2) {
      _tile_loadd(7, w + 64, kBStride);
      _tile_dpbssd(1, 4, 7);
      _tile_dpbssd(3, 5, 7);
    }
  }
  alignas(64) int32_t acc[kAmxMR][kAmxNR];
  constexpr int64_t kAccStride = kAmxNR * 4;
  _tile_stored(0, &acc[0][0], kAccStride);
  _tile_stored(2, &acc[kAmxTileRows][0], kAccStride);
  if constexpr (NT == 2) {
    _tile_stored(1, &acc[0][16], kAccStride);
    _tile_stored(3, &acc[kAmxTileRows][16], kAccStride);
  }
  // Each 16-channel vector's parameters loaded once for all rows (the byte stores may alias
  // them, so the compiler would reload them per row).
  const __m512i offset = _mm512_set1_epi32(g.q.output_offset);
  const __m512i lo = _mm512_set1_epi32(g.q.act_min), hi = _mm512_set1_epi32(g.q.act_max);
  for (int j = 0; j < NT && 16 * j < g.nr; ++j) {
    const int c = g.c0 + 16 * j;
    const __m512i b = _mm512_loadu_si512(bias + 16 * j);
    const int n = g.nr - 16 * j < 16 ? g.nr - 16 * j : 16;
    const __mmask16 mask = static_cast<__mmask16>((1u << n) - 1);
    const double* real = g.q.real_multiplier ? g.q.real_multiplier + c : nullptr;
    const FixedParams16 fixed = real ? FixedParams16{} : LoadFixedParams16(g.q, c);
    uint8_t* out = static_cast<uint8_t*>(g.out) + 16 * j;
    for (int i = 0; i < g.mr; ++i, out += g.out_stride) {
      const __m512i acc_i = _mm512_add_epi32(_mm512_load_si512(&acc[i][16 * j]), b);
      const __m512i scaled = real ? ScaleDouble16(acc_i, real) : ScaleFixed16(acc_i, fixed);
      const __m512i v = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(scaled, offset), lo), hi);
      if (g.out_uint8) {
        _mm_mask_storeu_epi8(out, mask, _mm512_cvtusepi32_epi8(v));
      } else {
        _mm_mask_storeu_epi8(out, mask, _mm512_cvtsepi32_epi8(v));
      }
    }
  }
}

// The benchmarks' AMX int8 peak: tdpbssd into four independent accumulator tiles.
int64_t GemmTilePeakLoop(int64_t iterations) {
  AmxConfigure();
  alignas(64) int8_t ones[kAmxTileRows * kAmxTileBytes];
  std::memset(ones, 1, sizeof(ones));
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_loadd(4, ones, kAmxTileBytes);
  _tile_loadd(5, ones, kAmxTileBytes);
  _tile_loadd(6, ones, kAmxTileBytes);
  _tile_loadd(7, ones, kAmxTileBytes);
  for (int64_t i = 0; i < iterations; ++i) {
    _tile_dpbssd(0, 4, 6);
    _tile_dpbssd(1, 4, 7);
    _tile_dpbssd(2, 5, 6);
    _tile_dpbssd(3, 5, 7);
  }
  alignas(64) int32_t sink[kAmxTileRows * 16];
  _tile_stored(0, sink, 64);
  volatile int32_t keep = sink[0];
  (void)keep;
  // Each tdpbssd: 16 × 16 lanes × 64 k multiply-adds, 2 operations each.
  return iterations * 4 * 16 * 16 * 64 * 2;
}

}  // namespace
}  // namespace qtflite::int8
