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

// ---- Depthwise microkernels (kernels/int8/dwconv_avx512*_impl.h): vpmaddwd, zero-extension,
// masked byte/word loads and masked byte stores that SIMDe 0.7 lacks (its native alias of
// _mm512_madd_epi16 takes the four arguments of the masked form).
namespace qtflite_simd_shims {

// vpmaddwd: lane i = a[2i]·b[2i] + a[2i+1]·b[2i+1]; the one overflowing sum (all four operands
// -32768) wraps to INT32_MIN, as the instruction does.
inline simde__m512i mm512_madd_epi16(simde__m512i a, simde__m512i b) {
  int16_t x[32], y[32];
  int32_t r[16];
  Lanes(a, x);
  Lanes(b, y);
  for (int i = 0; i < 16; ++i) {
    const int64_t sum = int64_t{x[2 * i]} * y[2 * i] + int64_t{x[2 * i + 1]} * y[2 * i + 1];
    r[i] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(sum)));
  }
  return FromLanes<simde__m512i>(r);
}

// vpmovzxbw: 32 unsigned bytes to 32 int16.
inline simde__m512i mm512_cvtepu8_epi16(simde__m256i a) {
  uint8_t b[32];
  int16_t h[32];
  Lanes(a, b);
  for (int i = 0; i < 32; ++i) h[i] = b[i];
  return FromLanes<simde__m512i>(h);
}

// vmovdqu8 / vmovdqu16 with a zeroing mask: unselected elements are 0 and are not read.
inline simde__m256i mm256_maskz_loadu_epi8(uint32_t k, const void* p) {
  uint8_t b[32] = {};
  for (int i = 0; i < 32; ++i) {
    if ((k >> i) & 1) b[i] = static_cast<const uint8_t*>(p)[i];
  }
  return FromLanes<simde__m256i>(b);
}

inline simde__m512i mm512_maskz_loadu_epi8(uint64_t k, const void* p) {
  uint8_t b[64] = {};
  for (int i = 0; i < 64; ++i) {
    if ((k >> i) & 1) b[i] = static_cast<const uint8_t*>(p)[i];
  }
  return FromLanes<simde__m512i>(b);
}

inline simde__m512i mm512_maskz_loadu_epi16(uint32_t k, const void* p) {
  int16_t h[32] = {};
  for (int i = 0; i < 32; ++i) {
    if ((k >> i) & 1) std::memcpy(&h[i], static_cast<const uint8_t*>(p) + 2 * i, 2);
  }
  return FromLanes<simde__m512i>(h);
}

// vmovdqu8 with a write mask: only selected bytes are written.
inline void mm256_mask_storeu_epi8(void* p, uint32_t k, simde__m256i a) {
  uint8_t b[32];
  Lanes(a, b);
  for (int i = 0; i < 32; ++i) {
    if ((k >> i) & 1) static_cast<uint8_t*>(p)[i] = b[i];
  }
}

inline void mm512_mask_storeu_epi8(void* p, uint64_t k, simde__m512i a) {
  uint8_t b[64];
  Lanes(a, b);
  for (int i = 0; i < 64; ++i) {
    if ((k >> i) & 1) static_cast<uint8_t*>(p)[i] = b[i];
  }
}

}  // namespace qtflite_simd_shims

#undef _mm512_madd_epi16
#define _mm512_madd_epi16 qtflite_simd_shims::mm512_madd_epi16
#define _mm512_cvtepu8_epi16 qtflite_simd_shims::mm512_cvtepu8_epi16
#define _mm256_maskz_loadu_epi8 qtflite_simd_shims::mm256_maskz_loadu_epi8
#define _mm512_maskz_loadu_epi8 qtflite_simd_shims::mm512_maskz_loadu_epi8
#define _mm512_maskz_loadu_epi16 qtflite_simd_shims::mm512_maskz_loadu_epi16
#define _mm256_mask_storeu_epi8 qtflite_simd_shims::mm256_mask_storeu_epi8
#define _mm512_mask_storeu_epi8 qtflite_simd_shims::mm512_mask_storeu_epi8

// ---- Elementwise kernels (kernels/int8/elementwise_vec_avx512.h): widening byte loads,
// truncating narrowing, shifts by an xmm count and float conversions that SIMDe 0.7 lacks.
namespace qtflite_simd_shims {

// vpmovsxbd / vpmovzxbd: 16 bytes to 16 int32.
inline simde__m512i mm512_cvtepi8_epi32(simde__m128i a) {
  int8_t b[16];
  int32_t x[16];
  Lanes(a, b);
  for (int i = 0; i < 16; ++i) x[i] = b[i];
  return FromLanes<simde__m512i>(x);
}

inline simde__m512i mm512_cvtepu8_epi32(simde__m128i a) {
  uint8_t b[16];
  int32_t x[16];
  Lanes(a, b);
  for (int i = 0; i < 16; ++i) x[i] = b[i];
  return FromLanes<simde__m512i>(x);
}

// vpmovdb: the low byte of each int32 lane (truncation).
inline simde__m128i mm512_cvtepi32_epi8(simde__m512i a) {
  uint32_t x[16];
  uint8_t b[16];
  Lanes(a, x);
  for (int i = 0; i < 16; ++i) b[i] = static_cast<uint8_t>(x[i] & 0xFF);
  return FromLanes<simde__m128i>(b);
}

// vpsrad with the count in an xmm register's low 64 bits: counts above 31 give the sign.
inline simde__m512i mm512_sra_epi32(simde__m512i a, simde__m128i count) {
  uint64_t c[2];
  Lanes(count, c);
  return mm512_srai_epi32(a, c[0] > 31 ? 32u : static_cast<unsigned>(c[0]));
}

// vcvttps2dq: truncation; out of range or NaN gives the integer indefinite 0x80000000.
inline simde__m512i mm512_cvttps_epi32(simde__m512 a) {
  float f[16];
  int32_t x[16];
  Lanes(a, f);
  for (int i = 0; i < 16; ++i) x[i] = (f[i] > -2147483904.0f && f[i] < 2147483648.0f) ? static_cast<int32_t>(f[i]) : INT32_MIN;
  return FromLanes<simde__m512i>(x);
}

// vcvtpd2ps: eight doubles to float, rounded to nearest even (the default MXCSR mode).
inline simde__m256 mm512_cvtpd_ps(simde__m512d a) {
  double d[8];
  float f[8];
  Lanes(a, d);
  for (int i = 0; i < 8; ++i) f[i] = static_cast<float>(d[i]);
  return FromLanes<simde__m256>(f);
}

}  // namespace qtflite_simd_shims

#define _mm512_cvtepi8_epi32 qtflite_simd_shims::mm512_cvtepi8_epi32
#define _mm512_cvtepu8_epi32 qtflite_simd_shims::mm512_cvtepu8_epi32
#define _mm512_cvtepi32_epi8 qtflite_simd_shims::mm512_cvtepi32_epi8
#define _mm512_sra_epi32 qtflite_simd_shims::mm512_sra_epi32
#define _mm512_cvttps_epi32 qtflite_simd_shims::mm512_cvttps_epi32
#define _mm512_cvtpd_ps qtflite_simd_shims::mm512_cvtpd_ps
