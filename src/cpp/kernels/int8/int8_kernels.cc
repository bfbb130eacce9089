#include "kernels/int8/int8_kernels.h"

#include <stdexcept>
#include <string>

namespace qtflite::int8 {

const Int8Kernels& KernelsFor(cpu::Isa isa) {
  switch (isa) {
    case cpu::Isa::kSse2: return sse2::Kernels();
    case cpu::Isa::kAvx2: return avx2::Kernels();
    case cpu::Isa::kAvx512Bw: return avx512bw::Kernels();
    case cpu::Isa::kAvxVnni: return avxvnni::Kernels();
    case cpu::Isa::kAvx512Vnni: return avx512vnni::Kernels();
    case cpu::Isa::kAmx:
      // Supports() also asks Linux for the tile state, without which tile instructions fault.
      if (!cpu::Supports(isa)) throw std::invalid_argument("this CPU or OS cannot run the amx kernels");
      return amx::Kernels();
    default: break;
  }
  throw std::invalid_argument(std::string("no integer kernels for the ") + cpu::IsaName(isa) + " tier");
}

const Int8Kernels& ActiveKernels() { return KernelsFor(cpu::ActiveIsa()); }

}  // namespace qtflite::int8
