// PAD and PADV2 with constant paddings. The fill value is 0 (float), the output zero point
// (quantized PAD), or PADV2's constant value input.
#include <algorithm>
#include <cstring>

#include "kernels/ops/common.h"
#include "kernels/ops/ops.h"

namespace qtflite {
namespace ops {
namespace {

struct PadState : OpState {
  std::vector<int32_t> before;
  std::vector<uint8_t> fill;  // one element's bytes
};

void Prepare(OpContext& ctx) {
  const RtTensor& in = ctx.input(0);
  const RtTensor& p = ctx.input(1);
  RtTensor& out = ctx.output(0);
  if (!p.known) ctx.Unsupported("paddings must be constants");
  ctx.Check(p.num_elements() == 2 * in.rank(), "paddings must have shape [rank, 2]");
  ctx.Check(in.dtype == out.dtype, "input and output types differ");
  auto& s = ctx.MakeState<PadState>();
  std::vector<int32_t> shape;
  for (int d = 0; d < in.rank(); ++d) {
    int64_t b = p.dtype == DType::kInt64 ? p.as<int64_t>()[2 * d] : p.as<int32_t>()[2 * d];
    int64_t a = p.dtype == DType::kInt64 ? p.as<int64_t>()[2 * d + 1] : p.as<int32_t>()[2 * d + 1];
    ctx.Check(a >= 0 && b >= 0, "paddings must not be negative");
    s.before.push_back(static_cast<int32_t>(b));
    shape.push_back(static_cast<int32_t>(in.shape[d] + a + b));
  }
  ctx.SetOutputShape(0, shape);
  const size_t es = DTypeSize(in.dtype);
  s.fill.assign(es, 0);
  if (ctx.has_input(2)) {
    const RtTensor& v = ctx.input(2);
    ctx.Check(v.known && v.num_elements() == 1 && v.dtype == in.dtype, "the pad value must be a scalar constant of the input type");
    std::memcpy(s.fill.data(), v.data, es);
  } else if (out.is_quantized()) {
    int32_t zp = out.zero_point();
    if (es == 1) s.fill[0] = static_cast<uint8_t>(zp);
    else if (es == 2) { int16_t z = static_cast<int16_t>(zp); std::memcpy(s.fill.data(), &z, 2); }
  }
}

// Fills `bytes` bytes with copies of the element `fill` (es bytes): one memset when its bytes are
// equal (any zero point of a 1-byte type, float 0), else doubling copies.
void FillPattern(uint8_t* dst, size_t bytes, const uint8_t* fill, size_t es) {
  if (bytes == 0) return;
  bool uniform = true;
  for (size_t i = 1; i < es; ++i) uniform = uniform && fill[i] == fill[0];
  if (uniform) {
    std::memset(dst, fill[0], bytes);
    return;
  }
  const size_t first = std::min(es, bytes);
  std::memcpy(dst, fill, first);
  for (size_t done = first; done < bytes;) {
    const size_t n = std::min(done, bytes - done);
    std::memcpy(dst + done, dst, n);
    done += n;
  }
}

// The fill, then the input copied in blocks: the innermost dimensions without padding are
// contiguous in the input and the output alike, so each block spans them and the innermost
// padded dimension (a whole image row of an NHWC tensor padded in H and W).
void Eval(OpContext& ctx) {
  auto& s = ctx.state<PadState>();
  const RtTensor& in = ctx.input(0);
  RtTensor& out = ctx.output(0);
  const size_t es = DTypeSize(in.dtype);
  const int rank = in.rank();
  FillPattern(out.data, static_cast<size_t>(out.num_elements()) * es, s.fill.data(), es);
  if (in.num_elements() == 0) return;
  if (rank == 0) {
    std::memcpy(out.data, in.data, es);
    return;
  }
  // Dimensions [inner, rank) are copied as one block.
  int inner = rank - 1;
  while (inner > 0 && in.shape[inner] == out.shape[inner]) --inner;
  int64_t block = 1;
  for (int d = inner; d < rank; ++d) block *= in.shape[d];
  std::vector<int64_t> out_strides(rank, 1);
  for (int d = rank - 2; d >= 0; --d) out_strides[d] = out_strides[d + 1] * out.shape[d + 1];
  int64_t base = 0;  // the output offset of the block starting at input element 0
  for (int d = 0; d < rank; ++d) base += s.before[d] * out_strides[d];
  std::vector<int32_t> pos(inner, 0);  // input position over the outer dimensions
  const int64_t blocks = in.num_elements() / block;
  const size_t block_bytes = static_cast<size_t>(block) * es;
  for (int64_t r = 0; r < blocks; ++r) {
    int64_t dst = base;
    for (int d = 0; d < inner; ++d) dst += pos[d] * out_strides[d];
    std::memcpy(out.data + dst * es, in.data + r * block_bytes, block_bytes);
    for (int d = inner - 1; d >= 0; --d) {
      if (++pos[d] < in.shape[d]) break;
      pos[d] = 0;
    }
  }
}

}  // namespace

const OpKernel* Pad() {
  static const OpKernel k{Prepare, Eval};
  return &k;
}

}  // namespace ops
}  // namespace qtflite
