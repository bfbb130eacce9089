// The instruction-set tiers qtflite's fast kernels are compiled for, and which one runs. Release
// builds target baseline x86-64; each tier's kernels live in translation units compiled with that
// tier's flags (CMakeLists.txt picks them from the file name: *_avx2.cc, *_avx512bw.cc, ...) and
// are entered only when CPUID and XGETBV say that the CPU and the OS support the tier.
#pragma once

#include <string>
#include <vector>

namespace qtflite::cpu {

// Ordered: a larger tier is preferred when the CPU has it. Each tier implies the instructions of
// kAvx2 (AVX2 + FMA) except kSse2 itself.
enum class Isa : int {
  kSse2 = 0,        // baseline x86-64
  kAvx2 = 1,        // AVX2 + FMA
  kAvx512Bw = 2,    // AVX-512 F, BW, DQ, VL
  kAvxVnni = 3,     // AVX2 + AVX-VNNI (vpdpbusd on ymm, VEX-encoded)
  kAvx512Vnni = 4,  // kAvx512Bw + AVX512_VNNI
  kAmx = 5,         // kAvx512Vnni + AMX-TILE + AMX-INT8 (tdpbssd GEMM; the rest as kAvx512Vnni)
};
constexpr int kNumIsas = 6;

// "sse2", "avx2", "avx512bw", "avxvnni", "avx512vnni", "amx": the names QTFLITE_ISA takes.
const char* IsaName(Isa isa);
// False if `name` is not one of IsaName's names.
bool ParseIsa(const std::string& name, Isa* isa);

struct CpuFeatures {
  std::string vendor, brand;
  bool sse41 = false, avx2 = false, fma = false;
  bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false, avx512vnni = false;
  bool avxvnni = false, amx_tile = false, amx_int8 = false;
  bool os_ymm = false, os_zmm = false, os_tiles = false;  // XCR0: the OS saves these registers
  bool os_tiles_permitted = false;  // Linux granted this process the tile data (arch_prctl)
};
const CpuFeatures& Features();

// Whether this CPU and OS can run `isa`'s instructions.
bool Supports(Isa isa);
// Every tier that Supports() and that has kernels, ascending.
std::vector<Isa> SupportedIsas();
// The best tier of SupportedIsas(), or the one QTFLITE_ISA names. Throws std::invalid_argument
// when QTFLITE_ISA names no tier, or a tier this CPU cannot run.
Isa DetectedIsa();
// The tier the fast kernels dispatch to now: DetectedIsa() unless a ScopedIsaOverride is alive.
Isa ActiveIsa();

// Makes the fast kernels use `isa` while alive (tests run every tier the CPU supports). Throws
// std::invalid_argument if the CPU cannot run it.
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

}  // namespace qtflite::cpu
