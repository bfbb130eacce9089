#include "kernels/fast/isa.h"

#include <cstdlib>
#include <cstring>
#include <xsimd/xsimd.hpp>

namespace qtflite::fast {
namespace {

bool g_overridden = false;
Isa g_override = Isa::kSse2;

Isa Detect() {
  const char* forced = std::getenv("QTFLITE_ISA");
  if (forced && std::strcmp(forced, "sse2") == 0) return Isa::kSse2;
  return xsimd::available_architectures().fma3_avx2 ? Isa::kAvx2Fma : Isa::kSse2;
}

}  // namespace

Isa DetectedIsa() {
  static const Isa detected = Detect();
  return detected;
}

Isa ActiveIsa() { return g_overridden ? g_override : DetectedIsa(); }

ScopedIsaOverride::ScopedIsaOverride(Isa isa) : had_previous_(g_overridden), previous_(g_override) {
  g_overridden = true;
  g_override = isa;
}

ScopedIsaOverride::~ScopedIsaOverride() {
  g_overridden = had_previous_;
  g_override = previous_;
}

const char* IsaName(Isa isa) { return isa == Isa::kAvx2Fma ? "avx2+fma" : "sse2"; }

}  // namespace qtflite::fast
