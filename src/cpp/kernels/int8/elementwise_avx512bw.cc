// The avx512bw tier of ElementwiseKernels (also used by the avx512vnni tier); compiled with its
// flags (CMakeLists.txt), and on SIMDe for the tests. Rules for this file: kernels/cpu/simd.h.
#include "kernels/cpu/simd.h"
#include "kernels/int8/elementwise_kernels.h"
#include "kernels/int8/elementwise_vec_avx512.h"
#include "kernels/int8/elementwise_impl.h"

namespace qtflite::int8::QTFLITE_TIER_NS(avx512bw) {

const ElementwiseKernels& Elementwise() {
  static const ElementwiseKernels table = int8::ElementwiseImpl<VecAvx512>::Table(cpu::Isa::kAvx512Bw, "avx512bw");
  return table;
}

}  // namespace qtflite::int8::QTFLITE_TIER_NS(avx512bw)
