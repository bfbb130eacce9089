// The avxvnni tier (AVX2 + AVX-VNNI: vpdpwssd on ymm), compiled with its flags and entered only on
// CPUs that have it: its 16x8 integer kernels. Rules for this file: kernels/cpu/simd.h.
#include "kernels/cpu/simd.h"
#define QTFLITE_GEMM16_AVXVNNI 1
#include "kernels/int8/int16_kernels.h"
#include "kernels/int8/gemm16_ops_avx2.h"
#include "kernels/int8/requant16_avx2_impl.h"

namespace qtflite::int8::QTFLITE_TIER_NS(avxvnni) {

const Int16Kernels& Int16Table() {
  static const Int16Kernels table = [] {
    Int16Kernels t;
    t.isa = cpu::Isa::kAvxVnni;
    t.name = "avxvnni";
    t.gemm = {Gemm16Tile<Gemm16Ops256, 4, 16>, 4, 16, Gemm16Tile<Gemm16Ops256, 1, 16>,
              Requant16Avx2};
    return t;
  }();
  return table;
}

}  // namespace qtflite::int8::QTFLITE_TIER_NS(avxvnni)
