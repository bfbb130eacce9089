// The baseline tier (any x86-64) of ElementwiseKernels: elementwise_impl.h on one int32 lane in
// portable C++.
#include "kernels/int8/elementwise_kernels.h"
#include "kernels/int8/elementwise_vec_scalar.h"
#include "kernels/int8/elementwise_impl.h"

namespace qtflite::int8::sse2 {

const ElementwiseKernels& Elementwise() {
  static const ElementwiseKernels table = int8::ElementwiseImpl<VecScalar>::Table(cpu::Isa::kSse2, "sse2");
  return table;
}

}  // namespace qtflite::int8::sse2
