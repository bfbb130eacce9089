// The 16x8 integer kernels of each instruction-set tier (int16 activations, int8 weights), as a
// table of function pointers filled once per tier, like int8_kernels.h: each tier's table lives
// in one translation unit, int16_<tier>.cc, compiled with that tier's flags (kernels/cpu/simd.h).
#pragma once

#include "kernels/cpu/isa.h"
#include "kernels/int8/gemm16_kernel.h"

namespace qtflite::int8 {

struct Int16Kernels {
  cpu::Isa isa = cpu::Isa::kSse2;
  const char* name = "";
  // CONV_2D / FULLY_CONNECTED microkernel (kernels/int8/gemm16_kernel.h, driven by gemm16.h).
  Gemm16Microkernel gemm;
};

// The table of `isa`'s kernels (AMX: the avx512vnni table); throws std::invalid_argument if
// this build has none.
const Int16Kernels& Int16KernelsFor(cpu::Isa isa);

// One function per tier (int16_<tier>.cc). The tests also link <tier>_emulated versions of the
// AVX-512 and AVX-VNNI tiers (tests/cpp/emulated).
namespace sse2 { const Int16Kernels& Int16Table(); }
namespace avx2 { const Int16Kernels& Int16Table(); }
namespace avx512bw { const Int16Kernels& Int16Table(); }
namespace avxvnni { const Int16Kernels& Int16Table(); }
namespace avx512vnni { const Int16Kernels& Int16Table(); }

}  // namespace qtflite::int8
