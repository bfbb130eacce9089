// The avx2 tier's integer kernels (AVX2 + FMA); compiled with its flags (CMakeLists.txt) and
// entered only on CPUs that have it. Rules for this file: kernels/cpu/simd.h.
#include "kernels/cpu/simd.h"
#include "kernels/int8/int8_kernels.h"
#include "kernels/int8/requant16_avx2_impl.h"
#include "kernels/int8/dwconv_avx2_impl.h"
#include "kernels/int8/gemm_avx2_impl.h"
#include "kernels/int8/gemm_peak_impl.h"
#include "kernels/int8/requant_avx2_impl.h"

namespace qtflite::int8::QTFLITE_TIER_NS(avx2) {

const Int8Kernels& Kernels() {
  static const Int8Kernels table = [] {
    Int8Kernels t;
    t.isa = cpu::Isa::kAvx2;
    t.name = "avx2";
    t.requantize_rows = RequantizeRows8;
    t.depthwise_pairs = {DepthwiseRow<DwPairs256>, DwPairs256::kGroup, DwPairs256::kSlot, true};
    t.gemm_s8 = {GemmMadd<GemmOps256, 4, 16, false>, 4, 16, GemmLayout::kMadd, GemmMadd<GemmOps256, 1, 16, false>,
                 GemmMadd<GemmOps256, 4, 8, false, 16>, GemmMaddScaledEven<GemmOps256, 4, 8, 16>};
    t.gemm_u8 = {GemmMadd<GemmOps256, 4, 16, true>, 4, 16, GemmLayout::kMadd, GemmMadd<GemmOps256, 1, 16, true>,
                 GemmMadd<GemmOps256, 4, 8, true, 16>};
    t.requantize16 = Requant16Avx2;
    t.peak_loop = GemmPeakLoop<GemmOps256, false>;
    return t;
  }();
  return table;
}

}  // namespace qtflite::int8::QTFLITE_TIER_NS(avx2)
