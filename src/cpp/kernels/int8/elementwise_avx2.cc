// The avx2 tier of ElementwiseKernels (also used by the avxvnni tier); compiled with its flags
// (CMakeLists.txt). Rules for this file: kernels/cpu/simd.h.
#include "kernels/cpu/simd.h"
#include "kernels/int8/elementwise_kernels.h"
#include "kernels/int8/elementwise_vec_avx2.h"
#include "kernels/int8/elementwise_impl.h"

namespace qtflite::int8::QTFLITE_TIER_NS(avx2) {

const ElementwiseKernels& Elementwise() {
  static const ElementwiseKernels table = int8::ElementwiseImpl<VecAvx2>::Table(cpu::Isa::kAvx2, "avx2");
  return table;
}

}  // namespace qtflite::int8::QTFLITE_TIER_NS(avx2)
