// Which instruction set the fast kernels use, chosen once at run time from CPUID. Release builds
// target baseline x86-64; the AVX2+FMA kernels live in their own translation unit compiled
// with those flags and are only called when the CPU has them.
#pragma once

namespace qtflite::fast {

enum class Isa { kSse2, kAvx2Fma };

// The best ISA this CPU supports (the QTFLITE_ISA environment variable, "sse2", can lower it).
Isa DetectedIsa();

// The ISA the fast kernels dispatch to now: DetectedIsa() unless a test overrides it.
Isa ActiveIsa();

// Makes the fast kernels use `isa` while alive (tests run every path the CPU supports).
class ScopedIsaOverride {
 public:
  explicit ScopedIsaOverride(Isa isa);
  ~ScopedIsaOverride();
  ScopedIsaOverride(const ScopedIsaOverride&) = delete;
  ScopedIsaOverride& operator=(const ScopedIsaOverride&) = delete;

 private:
  bool had_previous_;
  Isa previous_;
};

const char* IsaName(Isa isa);

}  // namespace qtflite::fast
