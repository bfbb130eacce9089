#include "kernels/cpu/isa.h"

#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace qtflite::cpu {
namespace {

constexpr const char* kNames[kNumIsas] = {"sse2", "avx2", "avx512bw", "avxvnni", "avx512vnni", "amx"};
// Tiers with kernels in this build.
constexpr bool kHasKernels[kNumIsas] = {true, true, true, true, true, true};

struct Regs {
  uint32_t a = 0, b = 0, c = 0, d = 0;
};

Regs CpuId(uint32_t leaf, uint32_t subleaf) {
  Regs r;
  if (!__get_cpuid_count(leaf, subleaf, &r.a, &r.b, &r.c, &r.d)) r = Regs();
  return r;
}

uint64_t Xcr0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

bool Bit(uint32_t word, int bit) { return (word >> bit) & 1u; }

// Linux enables the AMX tile data state per process only on request (since 5.16): without the
// permission the first tile instruction faults. Asked once; false when the kernel (or a container,
// hypervisor or seccomp policy) refuses, and then AMX is not offered.
bool TileDataPermitted() {
#if defined(__linux__) && defined(SYS_arch_prctl)
  constexpr long kArchGetXcompPerm = 0x1022, kArchReqXcompPerm = 0x1023;
  constexpr int kXfeatureXtiledata = 18;
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0) return false;
  unsigned long permitted = 0;
  if (syscall(SYS_arch_prctl, kArchGetXcompPerm, &permitted) != 0) return false;
  return (permitted >> kXfeatureXtiledata) & 1u;
#else
  return false;
#endif
}

CpuFeatures Read() {
  CpuFeatures f;
  const Regs leaf0 = CpuId(0, 0);
  char vendor[13] = {};
  std::memcpy(vendor, &leaf0.b, 4);
  std::memcpy(vendor + 4, &leaf0.d, 4);
  std::memcpy(vendor + 8, &leaf0.c, 4);
  f.vendor = vendor;
  const Regs ext = CpuId(0x80000000u, 0);
  if (ext.a >= 0x80000004u) {
    char brand[49] = {};
    for (uint32_t i = 0; i < 3; ++i) {
      const Regs r = CpuId(0x80000002u + i, 0);
      std::memcpy(brand + 16 * i, &r, 16);
    }
    f.brand = brand;
    while (!f.brand.empty() && f.brand.back() == ' ') f.brand.pop_back();
    while (!f.brand.empty() && f.brand.front() == ' ') f.brand.erase(f.brand.begin());
  }
  const Regs leaf1 = CpuId(1, 0);
  f.sse41 = Bit(leaf1.c, 19);
  f.fma = Bit(leaf1.c, 12);
  const bool osxsave = Bit(leaf1.c, 27), avx = Bit(leaf1.c, 28);
  if (osxsave) {
    const uint64_t xcr0 = Xcr0();
    f.os_ymm = avx && (xcr0 & 0x6) == 0x6;
    f.os_zmm = f.os_ymm && (xcr0 & 0xE0) == 0xE0;
    f.os_tiles = (xcr0 & 0x60000) == 0x60000;
  }
  if (leaf0.a >= 7) {
    const Regs leaf7 = CpuId(7, 0);
    f.avx2 = Bit(leaf7.b, 5);
    f.avx512f = Bit(leaf7.b, 16);
    f.avx512dq = Bit(leaf7.b, 17);
    f.avx512bw = Bit(leaf7.b, 30);
    f.avx512vl = Bit(leaf7.b, 31);
    f.avx512vnni = Bit(leaf7.c, 11);
    f.amx_tile = Bit(leaf7.d, 24);
    f.amx_int8 = Bit(leaf7.d, 25);
    if (leaf7.a >= 1) f.avxvnni = Bit(CpuId(7, 1).a, 4);
  }
  // Only asked for when everything else says AMX can run (the request has a lasting effect).
  f.os_tiles_permitted = f.os_tiles && f.amx_tile && f.amx_int8 && TileDataPermitted();
  return f;
}

bool g_overridden = false;
Isa g_override = Isa::kSse2;

Isa Best() {
  Isa best = Isa::kSse2;
  for (int i = 0; i < kNumIsas; ++i) {
    const Isa isa = static_cast<Isa>(i);
    if (kHasKernels[i] && Supports(isa)) best = isa;
  }
  return best;
}

Isa Detect() {
  const char* forced = std::getenv("QTFLITE_ISA");
  if (!forced || !*forced) return Best();
  Isa isa;
  std::string names;
  for (int i = 0; i < kNumIsas; ++i) names += std::string(i ? ", " : "") + kNames[i];
  if (!ParseIsa(forced, &isa)) {
    throw std::invalid_argument(std::string("QTFLITE_ISA=") + forced + " is not an instruction-set tier; choose one of " +
                                names);
  }
  if (!kHasKernels[static_cast<int>(isa)]) {
    throw std::invalid_argument(std::string("QTFLITE_ISA=") + forced + ": qtflite has no kernels for this tier yet");
  }
  if (!Supports(isa)) {
    std::string have;
    for (Isa s : SupportedIsas()) have += std::string(have.empty() ? "" : ", ") + IsaName(s);
    throw std::invalid_argument(std::string("QTFLITE_ISA=") + forced + ": this CPU (" + Features().brand +
                                ") cannot run it; it supports " + have);
  }
  return isa;
}

}  // namespace

const char* IsaName(Isa isa) {
  const int i = static_cast<int>(isa);
  return i >= 0 && i < kNumIsas ? kNames[i] : "unknown";
}

bool ParseIsa(const std::string& name, Isa* isa) {
  for (int i = 0; i < kNumIsas; ++i) {
    if (name == kNames[i]) {
      *isa = static_cast<Isa>(i);
      return true;
    }
  }
  return false;
}

const CpuFeatures& Features() {
  static const CpuFeatures features = Read();
  return features;
}

bool Supports(Isa isa) {
  const CpuFeatures& f = Features();
  const bool avx2 = f.os_ymm && f.avx2 && f.fma;
  const bool avx512bw = avx2 && f.os_zmm && f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl;
  switch (isa) {
    case Isa::kSse2: return true;
    case Isa::kAvx2: return avx2;
    case Isa::kAvx512Bw: return avx512bw;
    case Isa::kAvxVnni: return avx2 && f.avxvnni;
    case Isa::kAvx512Vnni: return avx512bw && f.avx512vnni;
    case Isa::kAmx: return avx512bw && f.avx512vnni && f.amx_tile && f.amx_int8 && f.os_tiles && f.os_tiles_permitted;
  }
  return false;
}

std::vector<Isa> SupportedIsas() {
  std::vector<Isa> out;
  for (int i = 0; i < kNumIsas; ++i) {
    if (kHasKernels[i] && Supports(static_cast<Isa>(i))) out.push_back(static_cast<Isa>(i));
  }
  return out;
}

Isa DetectedIsa() {
  static const Isa detected = Detect();  // a throw leaves it unset: the next call throws again
  return detected;
}

Isa ActiveIsa() { return g_overridden ? g_override : DetectedIsa(); }

ScopedIsaOverride::ScopedIsaOverride(Isa isa) : had_previous_(g_overridden), previous_(g_override) {
  if (!Supports(isa)) throw std::invalid_argument(std::string("this CPU cannot run the ") + IsaName(isa) + " kernels");
  g_overridden = true;
  g_override = isa;
}

ScopedIsaOverride::~ScopedIsaOverride() {
  g_overridden = had_previous_;
  g_override = previous_;
}

}  // namespace qtflite::cpu
