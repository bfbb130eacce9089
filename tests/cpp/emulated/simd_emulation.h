// Compiles a tier translation unit (src/cpp/kernels/cpu/simd.h) on SIMDe instead of the CPU's
// intrinsics: the tests build wraps each *_avx512bw.cc, *_avxvnni.cc and *_avx512vnni.cc file as
// "#include this; #include the file", without the tier's compiler flags.
//
// SIMDe 0.7 lacks a few AVX-512 intrinsics; the shims below define them lane by lane from the
// instruction descriptions in Intel's manual. Keep each one obviously right: they are the
// specification the emulated kernels are tested against.
#pragma once

#include <cstdint>
#include <cstring>

#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>

#define QTFLITE_SIMD_EMULATED 1
#define QTFLITE_TIER_NS(name) name##_emulated
// AVX-VNNI's vpdpbusd computes what AVX512_VNNI+VL's ymm form does.
#define QTFLITE_DPBUSD_AVX_EPI32(acc, u8, s8) _mm256_dpbusd_epi32(acc, u8, s8)

typedef simde__mmask8 __mmask8;
typedef simde__mmask16 __mmask16;
typedef simde__mmask32 __mmask32;
typedef simde__mmask64 __mmask64;
#ifndef _MM_FROUND_NO_EXC
#define _MM_FROUND_NO_EXC SIMDE_MM_FROUND_NO_EXC
#endif

namespace qtflite_simd_shims {

template <typename T, int N, typename V>
inline void Lanes(V v, T (&out)[N]) {
  static_assert(sizeof(V) == sizeof(out), "lane count");
  std::memcpy(out, &v, sizeof(out));
}

template <typename V, typename T, int N>
inline V FromLanes(const T (&in)[N]) {
  static_assert(sizeof(V) == sizeof(in), "lane count");
  V v;
  std::memcpy(&v, in, sizeof(in));
  return v;
}

// vpsravd: arithmetic right shift per lane; counts above 31 give the sign.
inline simde__m512i mm512_srav_epi32(simde__m512i a, simde__m512i count) {
  int32_t x[16];
  uint32_t c[16];
  Lanes(a, x);
  Lanes(count, c);
  for (int i = 0; i < 16; ++i) x[i] = c[i] > 31 ? (x[i] < 0 ? -1 : 0) : (x[i] >> c[i]);
  return FromLanes<simde__m512i>(x);
}

// vpsrad with an immediate: counts above 31 give the sign.
inline simde__m512i mm512_srai_epi32(simde__m512i a, unsigned count) {
  int32_t x[16];
  Lanes(a, x);
  for (int i = 0; i < 16; ++i) x[i] = count > 31 ? (x[i] < 0 ? -1 : 0) : (x[i] >> count);
  return FromLanes<simde__m512i>(x);
}

// vmovdqu32 with a zeroing mask: unselected lanes are 0 and are not read.
inline simde__m512i mm512_maskz_loadu_epi32(uint16_t k, const void* p) {
  int32_t x[16] = {};
  for (int i = 0; i < 16; ++i) {
    if ((k >> i) & 1) std::memcpy(&x[i], static_cast<const uint8_t*>(p) + 4 * i, 4);
  }
  return FromLanes<simde__m512i>(x);
}

// vcvtdq2pd: eight int32 to double (exact).
inline simde__m512d mm512_cvtepi32_pd(simde__m256i a) {
  int32_t x[8];
  double d[8];
  Lanes(a, x);
  for (int i = 0; i < 8; ++i) d[i] = x[i];
  return FromLanes<simde__m512d>(d);
}

// vcvttpd2dq: truncation; out of range or NaN gives the integer indefinite 0x80000000.
inline simde__m256i mm512_cvttpd_epi32(simde__m512d a) {
  double d[8];
  int32_t x[8];
  Lanes(a, d);
  for (int i = 0; i < 8; ++i) {
    x[i] = (d[i] > -2147483649.0 && d[i] < 2147483648.0) ? static_cast<int32_t>(d[i]) : INT32_MIN;
  }
  return FromLanes<simde__m256i>(x);
}

// vpmovusdb: unsigned saturation of *unsigned* int32 lanes to uint8.
inline simde__m128i mm512_cvtusepi32_epi8(simde__m512i a) {
  uint32_t x[16];
  uint8_t b[16];
  Lanes(a, x);
  for (int i = 0; i < 16; ++i) b[i] = static_cast<uint8_t>(x[i] > 255u ? 255u : x[i]);
  return FromLanes<simde__m128i>(b);
}

// vmovdqu8 / vmovdqu16 with a write mask: only selected lanes are written.
inline void mm_mask_storeu_epi8(void* p, uint16_t k, simde__m128i a) {
  uint8_t b[16];
  Lanes(a, b);
  for (int i = 0; i < 16; ++i) {
    if ((k >> i) & 1) static_cast<uint8_t*>(p)[i] = b[i];
  }
}

inline void mm256_mask_storeu_epi16(void* p, uint16_t k, simde__m256i a) {
  int16_t h[16];
  Lanes(a, h);
  for (int i = 0; i < 16; ++i) {
    if ((k >> i) & 1) std::memcpy(static_cast<uint8_t*>(p) + 2 * i, &h[i], 2);
  }
}

}  // namespace qtflite_simd_shims

#define _mm512_srai_epi32 qtflite_simd_shims::mm512_srai_epi32
#define _mm512_maskz_loadu_epi32 qtflite_simd_shims::mm512_maskz_loadu_epi32
#define _mm512_srav_epi32 qtflite_simd_shims::mm512_srav_epi32
#define _mm512_cvtepi32_pd qtflite_simd_shims::mm512_cvtepi32_pd
#define _mm512_cvttpd_epi32 qtflite_simd_shims::mm512_cvttpd_epi32
#define _mm512_cvtusepi32_epi8 qtflite_simd_shims::mm512_cvtusepi32_epi8
#define _mm_mask_storeu_epi8 qtflite_simd_shims::mm_mask_storeu_epi8
#define _mm256_mask_storeu_epi16 qtflite_simd_shims::mm256_mask_storeu_epi16
