// REVERSE_V2 along one constant axis (what TensorFlow writes for a backward recurrent layer's
// input); byte moves of any element type, so int8 keeps its input's quantization.
#include <cstring>

#include "kernels/ops/common.h"
#include "kernels/ops/ops.h"

namespace qtflite {
namespace ops {
namespace {

struct ReverseState : OpState {
  size_t outer = 1, count = 1, inner_bytes = 0;
};

void Prepare(OpContext& ctx) {
  const RtTensor& in = ctx.input(0);
  const RtTensor& axes = ctx.input(1);
  if (!axes.known) ctx.Unsupported("the axis must be a constant");
  // TFLite's kernels (LiteRT and Micro) reverse along a single axis.
  ctx.Check(axes.dtype == DType::kInt32 && axes.num_elements() == 1, "axis must be one int32");
  int32_t axis = axes.as<int32_t>()[0];
  if (axis < 0) axis += in.rank();
  ctx.Check(axis >= 0 && axis < in.rank(), "axis out of range");
  ctx.SetOutputShape(0, in.shape);
  auto& s = ctx.MakeState<ReverseState>();
  for (int d = 0; d < axis; ++d) s.outer *= in.shape[d];
  s.count = in.shape[axis];
  s.inner_bytes = DTypeSize(in.dtype);
  for (int d = axis + 1; d < in.rank(); ++d) s.inner_bytes *= in.shape[d];
}

void Eval(OpContext& ctx) {
  auto& s = ctx.state<ReverseState>();
  const uint8_t* in = ctx.input(0).data;
  uint8_t* out = ctx.output(0).data;
  for (size_t o = 0; o < s.outer; ++o) {
    for (size_t k = 0; k < s.count; ++k) {
      std::memcpy(out + (o * s.count + k) * s.inner_bytes, in + (o * s.count + s.count - 1 - k) * s.inner_bytes,
                  s.inner_bytes);
    }
  }
}

}  // namespace

const OpKernel* ReverseV2() {
  static const OpKernel k{Prepare, Eval};
  return &k;
}

}  // namespace ops
}  // namespace qtflite
