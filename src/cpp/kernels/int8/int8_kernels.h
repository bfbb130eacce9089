// The fast integer kernels of each instruction-set tier, as a table of function pointers filled
// once per tier. Each tier's table is defined in one translation unit, int8_<tier>.cc, compiled
// with that tier's flags (kernels/cpu/simd.h explains the rules such a file follows); the
// operators (kernels/ops) take the active tier's table and call through it. Every entry computes
// exactly what the reference kernels (kernels/reference) compute.
#pragma once

#include <cstdint>

#include "kernels/cpu/isa.h"
#include "kernels/int8/depthwise_kernel.h"
#include "kernels/int8/gemm16_kernel.h"
#include "kernels/int8/gemm_kernel.h"
#include "kernels/int8/requant.h"

namespace qtflite::int8 {

enum class OutType : int { kInt8, kUInt8, kInt16 };

struct Int8Kernels {
  cpu::Isa isa = cpu::Isa::kSse2;
  const char* name = "";

  // out[r][c] = requantized acc[r][c] (RequantView's formula, channel c) for r < rows, c < channels;
  // both row-major, `channels` apart. out is int8_t, uint8_t or int16_t by `type`.
  void (*requantize_rows)(const int32_t* acc, int rows, int channels, const RequantView& q, OutType type,
                          void* out) = nullptr;

  // DEPTHWISE_CONV_2D microkernels (kernels/int8/depthwise_kernel.h, driven by depthwise.h):
  // pairs of taps for every input type, and quads of taps on the VNNI tiers for int8.
  DepthwiseMicrokernel depthwise_pairs;
  DepthwiseMicrokernel depthwise_quads;

  // CONV_2D / FULLY_CONNECTED microkernels (kernels/int8/gemm_kernel.h, driven by gemm.h): int8
  // and uint8 inputs on the madd layout, and int8 with symmetric weights on the dot layout (VNNI
  // tiers only).
  GemmMicrokernel gemm_s8, gemm_u8, gemm_dot;
  // int8 with symmetric weights on AMX tiles (tile layout; AMX tier only), for problems of at
  // least kGemmTileMinRows rows: fewer stay on gemm_dot. Also only where it measured faster than
  // gemm_dot (int8::TileFaster in gemm.cc) unless gemm_tile_everywhere (tests set it, to run the
  // tile microkernel on every shape).
  GemmMicrokernel gemm_tile;
  bool gemm_tile_everywhere = false;

  // The int64 requantization of int16 DEPTHWISE_CONV_2D sums to int16 (gemm16_kernel.h).
  Requant16Fn requantize16 = nullptr;

  // A tight loop of the tier's widest integer multiply-add for `iterations` rounds; returns the
  // int8 operations done (2 per multiply-add). Benchmarks time it as the machine's int8 peak.
  int64_t (*peak_loop)(int64_t iterations) = nullptr;
};

// The table of `isa`'s kernels; throws std::invalid_argument if this build has none.
const Int8Kernels& KernelsFor(cpu::Isa isa);
// The active tier's (cpu::ActiveIsa()).
const Int8Kernels& ActiveKernels();

// One function per tier (int8_<tier>.cc). The tests also link <tier>_emulated versions of the
// AVX-512 and AVX-VNNI tiers (tests/cpp/emulated).
namespace sse2 { const Int8Kernels& Kernels(); }
namespace avx2 { const Int8Kernels& Kernels(); }
namespace avx512bw { const Int8Kernels& Kernels(); }
namespace avxvnni { const Int8Kernels& Kernels(); }
namespace avx512vnni { const Int8Kernels& Kernels(); }
namespace amx { const Int8Kernels& Kernels(); }

}  // namespace qtflite::int8
