// The avx512vnni tier (AVX-512BW + AVX512_VNNI: vpdpwssd on zmm), compiled with its flags and
// entered only on CPUs that have it: its 16x8 integer kernels. Rules for this file:
// kernels/cpu/simd.h.
#include "kernels/cpu/simd.h"
#define QTFLITE_GEMM16_AVX512VNNI 1
#include "kernels/int8/int16_kernels.h"
#include "kernels/int8/gemm16_ops_avx512.h"
#include "kernels/int8/requant16_avx2_impl.h"

namespace qtflite::int8::QTFLITE_TIER_NS(avx512vnni) {

const Int16Kernels& Int16Table() {
  static const Int16Kernels table = [] {
    Int16Kernels t;
    t.isa = cpu::Isa::kAvx512Vnni;
    t.name = "avx512vnni";
    t.gemm = {Gemm16Tile<Gemm16Ops512, 8, 32>, 8, 32, Gemm16Tile<Gemm16Ops512, 1, 32>,
              Requant16Avx2};
    return t;
  }();
  return table;
}

}  // namespace qtflite::int8::QTFLITE_TIER_NS(avx512vnni)
