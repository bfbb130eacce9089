#include "kernels/int8/elementwise_kernels.h"

#include <stdexcept>
#include <string>

namespace qtflite::int8 {

const ElementwiseKernels& ElementwiseKernelsFor(cpu::Isa isa) {
  switch (isa) {
    case cpu::Isa::kSse2: return sse2::Elementwise();
    case cpu::Isa::kAvx2:
    case cpu::Isa::kAvxVnni: return avx2::Elementwise();
    case cpu::Isa::kAvx512Bw:
    case cpu::Isa::kAvx512Vnni:
    case cpu::Isa::kAmx: return avx512bw::Elementwise();
    default: break;
  }
  throw std::invalid_argument(std::string("no elementwise kernels for the ") + cpu::IsaName(isa) + " tier");
}

const ElementwiseKernels& ActiveElementwiseKernels() { return ElementwiseKernelsFor(cpu::ActiveIsa()); }

}  // namespace qtflite::int8
