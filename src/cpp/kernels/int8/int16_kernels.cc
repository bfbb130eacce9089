#include "kernels/int8/int16_kernels.h"

#include <stdexcept>
#include <string>

namespace qtflite::int8 {

const Int16Kernels& Int16KernelsFor(cpu::Isa isa) {
  switch (isa) {
    case cpu::Isa::kSse2: return sse2::Int16Table();
    case cpu::Isa::kAvx2: return avx2::Int16Table();
    case cpu::Isa::kAvx512Bw: return avx512bw::Int16Table();
    case cpu::Isa::kAvxVnni: return avxvnni::Int16Table();
    case cpu::Isa::kAvx512Vnni:
    case cpu::Isa::kAmx: return avx512vnni::Int16Table();
    default: break;
  }
  throw std::invalid_argument(std::string("no int16 kernels for the ") + cpu::IsaName(isa) + " tier");
}

}  // namespace qtflite::int8
