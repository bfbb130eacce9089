// The amx tier's integer kernels: the avx512vnni tier's table, with the int8 GEMM on AMX tiles
// (gemm_amx_impl.h) for problems of kGemmTileMinRows rows or more. Compiled with its flags
// (CMakeLists.txt) and entered only on CPUs and kernels that allow the tile state (kernels/cpu/isa.cc).
// Rules for this file: kernels/cpu/simd.h. Not emulated in the tests: SIMDe has no AMX.
#include "kernels/cpu/simd.h"
#include "kernels/int8/int8_kernels.h"
#include "kernels/int8/gemm_amx_impl.h"

namespace qtflite::int8::amx {

const Int8Kernels& Kernels() {
  static const Int8Kernels table = [] {
    Int8Kernels t = avx512vnni::Kernels();
    t.isa = cpu::Isa::kAmx;
    t.name = "amx";
    t.gemm_tile = {GemmTile<2>, kAmxMR, kAmxNR, GemmLayout::kTile, nullptr, GemmTile<1>};
    t.peak_loop = GemmTilePeakLoop;
    return t;
  }();
  return table;
}

}  // namespace qtflite::int8::amx
