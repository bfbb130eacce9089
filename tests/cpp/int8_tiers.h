// The integer kernel tables a test can run on this machine: every tier the CPU supports (each
// forced in turn), and the AVX-512 and AVX-VNNI tiers compiled on SIMDe (tests/cpp/emulated), so
// that their logic is checked on machines without those instructions too.
#pragma once

#include <string>
#include <vector>

#include "kernels/cpu/isa.h"
#include "kernels/int8/int8_kernels.h"

namespace qtflite::int8 {
namespace avx512bw_emulated { const Int8Kernels& Kernels(); }
namespace avxvnni_emulated { const Int8Kernels& Kernels(); }
namespace avx512vnni_emulated { const Int8Kernels& Kernels(); }
}  // namespace qtflite::int8

namespace qtflite::test_support {

struct TestTier {
  std::string label;  // "avx2", "avx512vnni (emulated)", ...
  const int8::Int8Kernels* kernels;
  bool emulated;
};

inline std::vector<TestTier> TestableInt8Tiers() {
  std::vector<TestTier> tiers;
  for (cpu::Isa isa : cpu::SupportedIsas()) tiers.push_back({cpu::IsaName(isa), &int8::KernelsFor(isa), false});
  if (cpu::Supports(cpu::Isa::kAmx)) {
    // The AMX tier with its tile microkernel on every shape, not only where it is the faster one.
    static const int8::Int8Kernels everywhere = [] {
      int8::Int8Kernels k = int8::KernelsFor(cpu::Isa::kAmx);
      k.gemm_tile_everywhere = true;
      return k;
    }();
    tiers.push_back({"amx (tiles everywhere)", &everywhere, false});
  }
  tiers.push_back({"avx512bw (emulated)", &int8::avx512bw_emulated::Kernels(), true});
  tiers.push_back({"avxvnni (emulated)", &int8::avxvnni_emulated::Kernels(), true});
  tiers.push_back({"avx512vnni (emulated)", &int8::avx512vnni_emulated::Kernels(), true});
  return tiers;
}

}  // namespace qtflite::test_support
