// The ElementwiseKernels tables a test can run on this machine: every tier the CPU supports, and
// the AVX-512 tier compiled on SIMDe (tests/cpp/emulated), as int8_tiers.h does for Int8Kernels.
#pragma once

#include <string>
#include <vector>

#include "kernels/cpu/isa.h"
#include "kernels/int8/elementwise_kernels.h"

namespace qtflite::int8 {
namespace avx512bw_emulated { const ElementwiseKernels& Elementwise(); }
}  // namespace qtflite::int8

namespace qtflite::test_support {

struct ElementwiseTier {
  std::string label;
  const int8::ElementwiseKernels* kernels;
};

inline std::vector<ElementwiseTier> TestableElementwiseTiers() {
  std::vector<ElementwiseTier> tiers;
  for (cpu::Isa isa : cpu::SupportedIsas()) tiers.push_back({cpu::IsaName(isa), &int8::ElementwiseKernelsFor(isa)});
  tiers.push_back({"avx512bw (emulated)", &int8::avx512bw_emulated::Elementwise()});
  return tiers;
}

}  // namespace qtflite::test_support
