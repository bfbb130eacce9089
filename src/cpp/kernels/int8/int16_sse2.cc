// The baseline tier (any x86-64, SSE2), compiled with the project's default flags: its 16x8 integer
// kernels. Rules for this file: kernels/cpu/simd.h.
#include <emmintrin.h>

#include "kernels/int8/int16_kernels.h"
#include "kernels/int8/gemm16_ops_sse2.h"
#include "kernels/int8/requant16_scalar_impl.h"

namespace qtflite::int8::sse2 {

const Int16Kernels& Int16Table() {
  static const Int16Kernels table = [] {
    Int16Kernels t;
    t.isa = cpu::Isa::kSse2;
    t.name = "sse2";
    t.gemm = {Gemm16Tile<Gemm16Ops128, 4, 8>, 4, 8, Gemm16Tile<Gemm16Ops128, 1, 8>,
              Requant16Scalar};
    return t;
  }();
  return table;
}

}  // namespace qtflite::int8::sse2
