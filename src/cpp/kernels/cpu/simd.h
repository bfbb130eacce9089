// Included first by every tier translation unit (*_avx2.cc, *_avx512bw.cc, ...): the x86
// intrinsics, and QTFLITE_TIER_NS(name), the namespace a tier's code lives in.
//
// The C++ tests compile the AVX-512 and AVX-VNNI translation units a second time without their
// flags, against SIMDe's portable versions of the same intrinsics (tests/cpp/emulated/
// simd_emulation.h defines QTFLITE_TIER_NS as name##_emulated before including them), so every
// tier's logic is checked on every machine. Tier code therefore uses intrinsics SIMDe has, and
// keeps to plain data and its own internal-linkage helpers: an inline function it shares with the
// rest of the program could be merged by the linker into the copy compiled with the tier's flags.
#pragma once

#ifndef QTFLITE_TIER_NS
#include <immintrin.h>
#define QTFLITE_TIER_NS(name) name
// AVX-VNNI's VEX-encoded vpdpbusd (GCC and Clang spell it with _avx_).
#define QTFLITE_DPBUSD_AVX_EPI32(acc, u8, s8) _mm256_dpbusd_avx_epi32(acc, u8, s8)
#endif
