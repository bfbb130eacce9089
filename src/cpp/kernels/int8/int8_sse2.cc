// The baseline tier (any x86-64), compiled with the project's default flags: the integer kernels
// on SSE2, which every x86-64 has.
#include "kernels/int8/int8_kernels.h"
#include "kernels/int8/requant16_scalar_impl.h"
#include "kernels/int8/dwconv_sse2_impl.h"
#include "kernels/int8/gemm_sse2_impl.h"
#include "kernels/int8/gemm_peak_impl.h"
#include "kernels/int8/requant.h"

namespace qtflite::int8::sse2 {
namespace {

template <typename Out>
void RequantizeRowsAs(const int32_t* acc, int64_t count, int channels, const RequantView& q, Out* out) {
  for (int64_t i = 0; i < count; ++i) out[i] = static_cast<Out>(RequantizeOne(acc[i], q, static_cast<int>(i % channels)));
}

void RequantizeRows(const int32_t* acc, int rows, int channels, const RequantView& q, OutType type, void* out) {
  const int64_t count = static_cast<int64_t>(rows) * channels;
  if (type == OutType::kInt8) {
    RequantizeRowsAs(acc, count, channels, q, static_cast<int8_t*>(out));
  } else if (type == OutType::kUInt8) {
    RequantizeRowsAs(acc, count, channels, q, static_cast<uint8_t*>(out));
  } else {
    RequantizeRowsAs(acc, count, channels, q, static_cast<int16_t*>(out));
  }
}

}  // namespace

const Int8Kernels& Kernels() {
  static const Int8Kernels table = [] {
    Int8Kernels t;
    t.isa = cpu::Isa::kSse2;
    t.name = "sse2";
    t.requantize_rows = RequantizeRows;
    t.depthwise_pairs = {DepthwiseRow<DwPairs128>, DwPairs128::kGroup, DwPairs128::kSlot, true};
    t.gemm_s8 = {GemmMadd<GemmOps128, 4, 8, false>, 4, 8, GemmLayout::kMadd, GemmMadd<GemmOps128, 1, 8, false>};
    t.gemm_u8 = {GemmMadd<GemmOps128, 4, 8, true>, 4, 8, GemmLayout::kMadd, GemmMadd<GemmOps128, 1, 8, true>};
    t.requantize16 = Requant16Scalar;
    t.peak_loop = GemmPeakLoop<GemmOps128, false>;
    return t;
  }();
  return table;
}

}  // namespace qtflite::int8::sse2
