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

// Output rows over the dimensions [inner, rank), where `inner` is the innermost padded dimension:
// a row inside the input's range in every outer dimension is the fill, one block of the input
// (contiguous in both tensors), and the fill again; any other row is all fill. Every output byte
// is written once.
void Eval(OpContext& ctx) {
  auto& s = ctx.state<PadState>();
  const RtTensor& in = ctx.input(0);
  RtTensor& out = ctx.output(0);
  const size_t es = DTypeSize(in.dtype);
  const int rank = in.rank();
  const size_t out_bytes = static_cast<size_t>(out.num_elements()) * es;
  if (in.num_elements() == 0 || rank == 0) {
    FillPattern(out.data, out_bytes, s.fill.data(), es);
    if (rank == 0 && in.num_elements() == 1) std::memcpy(out.data, in.data, es);
    return;
  }
  int inner = rank - 1;
  while (inner > 0 && in.shape[inner] == out.shape[inner]) --inner;
  int64_t tail = 1;  // elements of one output index of dimension `inner`
  for (int d = inner + 1; d < rank; ++d) tail *= out.shape[d];
  const size_t row_bytes = static_cast<size_t>(tail) * out.shape[inner] * es;
  const size_t lead_bytes = static_cast<size_t>(tail) * s.before[inner] * es;
  const size_t block_bytes = static_cast<size_t>(tail) * in.shape[inner] * es;
  const size_t trail_bytes = row_bytes - lead_bytes - block_bytes;
  int64_t rows = 1;
  for (int d = 0; d < inner; ++d) rows *= out.shape[d];
  std::vector<int32_t> pos(inner, 0);  // output position over the outer dimensions
  for (int64_t r = 0; r < rows; ++r) {
    uint8_t* dst = out.data + static_cast<size_t>(r) * row_bytes;
    bool inside = true;
    int64_t src = 0;  // input row index over the outer dimensions
    for (int d = 0; d < inner; ++d) {
      const int32_t p = pos[d] - s.before[d];
      inside = inside && p >= 0 && p < in.shape[d];
      src = src * in.shape[d] + p;
    }
    if (inside) {
      FillPattern(dst, lead_bytes, s.fill.data(), es);
      std::memcpy(dst + lead_bytes, in.data + static_cast<size_t>(src) * block_bytes, block_bytes);
      FillPattern(dst + lead_bytes + block_bytes, trail_bytes, s.fill.data(), es);
    } else {
      FillPattern(dst, row_bytes, s.fill.data(), es);
    }
    for (int d = inner - 1; d >= 0; --d) {
      if (++pos[d] < out.shape[d]) break;
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
