// The avx512bw tier's integer kernels (AVX-512 F, BW, DQ, VL); compiled with its flags (CMakeLists.txt) and
// entered only on CPUs that have it. Rules for this file: kernels/cpu/simd.h.
#include "kernels/cpu/simd.h"
#include "kernels/int8/int8_kernels.h"
#include "kernels/int8/requant16_avx2_impl.h"
#include "kernels/int8/dwconv_avx512_impl.h"
#include "kernels/int8/gemm_avx512_impl.h"
#include "kernels/int8/gemm_peak_impl.h"
#include "kernels/int8/requant_avx512_impl.h"

namespace qtflite::int8::QTFLITE_TIER_NS(avx512bw) {

const Int8Kernels& Kernels() {
  static const Int8Kernels table = [] {
    Int8Kernels t;
    t.isa = cpu::Isa::kAvx512Bw;
    t.name = "avx512bw";
    t.requantize_rows = RequantizeRows16;
    t.depthwise_pairs = {DepthwiseRow<DwPairs512>, DwPairs512::kGroup, DwPairs512::kSlot};
    t.gemm_s8 = {GemmMadd<GemmOps512, 8, 16, false>, 8, 16, GemmLayout::kMadd, GemmMadd<GemmOps512, 1, 16, false>};
    t.gemm_u8 = {GemmMadd<GemmOps512, 8, 16, true>, 8, 16, GemmLayout::kMadd, GemmMadd<GemmOps512, 1, 16, true>};
    t.requantize16 = Requant16Avx2;
    t.peak_loop = GemmPeakLoop<GemmOps512, false>;
    return t;
  }();
  return table;
}

}  // namespace qtflite::int8::QTFLITE_TIER_NS(avx512bw)
