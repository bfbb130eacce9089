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

// Whether rows 0..n-1 lie at a[0] + i·stride (then tileloadd reads them in place).
inline bool AmxStrided(const void* const* a, int n, int64_t* stride) {
  const uintptr_t a0 = reinterpret_cast<uintptr_t>(a[0]);
  const int64_t s = static_cast<int64_t>(reinterpret_cast<uintptr_t>(a[1]) - a0);
  for (int i = 2; i < n; ++i) {
    if (reinterpret_cast<uintptr_t>(a[i]) != a0 + static_cast<uintptr_t>(s * i)) return false;
  }
  *stride = s;
  return true;
}

// Tiles 4 and 5: rows 0-15 and 16-31 of k0..k0+63 of one tap, read in place when the rows are
// strided and whole, else copied to `buf` (32 rows of 64, the bytes past the tap's kc zero).
inline void AmxLoadRows(const void* const* a, bool strided, int64_t stride, int k0, int kc, uint8_t* buf) {
  if (strided && k0 + kAmxTileBytes <= kc) {
    const uint8_t* p = static_cast<const uint8_t*>(a[0]) + k0;
    _tile_loadd(4, p, stride);
    _tile_loadd(5, p + kAmxTileRows * stride, stride);
    return;
  }
  const int n = kc - k0 < kAmxTileBytes ? kc - k0 : kAmxTileBytes;
  for (int i = 0; i < kAmxMR; ++i) {
    std::memcpy(buf + i * kAmxTileBytes, static_cast<const uint8_t*>(a[i]) + k0, static_cast<size_t>(n));
    if (n < kAmxTileBytes) std::memset(buf + i * kAmxTileBytes + n, 0, static_cast<size_t>(kAmxTileBytes - n));
  }
  _tile_loadd(4, buf, kAmxTileBytes);
  _tile_loadd(5, buf + kAmxTileRows * kAmxTileBytes, kAmxTileBytes);
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
  const int chunks = (g.kc + kAmxTileBytes - 1) / kAmxTileBytes;  // per tap (padded in the panel)
  alignas(64) uint8_t buf[kAmxMR * kAmxTileBytes];
  const void* const* a = g.a;
  for (int t = 0; t < g.ks; ++t, a += g.a_stride) {
    int64_t stride = 0;
    const bool strided = AmxStrided(a, kAmxMR, &stride);
    for (int c = 0; c < chunks; ++c, w += kChunkBytes) {
      AmxLoadRows(a, strided, stride, c * kAmxTileBytes, g.kc, buf);
      _tile_loadd(6, w, kBStride);
      _tile_dpbssd(0, 4, 6);
      _tile_dpbssd(2, 5, 6);
      if constexpr (NT == 2) {
        _tile_loadd(7, w + 64, kBStride);
        _tile_dpbssd(1, 4, 7);
        _tile_dpbssd(3, 5, 7);
      }
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
  for (int j = 0; j < NT && 16 * j < g.nr; ++j) {
    const __m512i b = _mm512_loadu_si512(bias + 16 * j);
    const int n = g.nr - 16 * j < 16 ? g.nr - 16 * j : 16;
    for (int i = 0; i < g.mr; ++i) {
      const __m512i v = Requantize16(_mm512_add_epi32(_mm512_load_si512(&acc[i][16 * j]), b), g.q, g.c0 + 16 * j);
      void* out = static_cast<uint8_t*>(g.out) + g.out_stride * i + 16 * j;
      if (g.out_uint8) {
        StoreUInt8x16(v, static_cast<uint8_t*>(out), n);
      } else {
        StoreInt8x16(v, static_cast<int8_t*>(out), n);
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
