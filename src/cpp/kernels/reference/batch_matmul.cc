#include "kernels/reference/batch_matmul.h"

#include <algorithm>
#include <array>

namespace qtflite::reference {
namespace {

// Both operands extended to 5-D: three batch dims (broadcast) and the matrix dims, with the
// element steps that read L[a, k] and R[k, c] whatever the adjoint flags.
struct Geometry {
  std::array<int, 3> batch{};
  std::array<int64_t, 3> lhs_stride{}, rhs_stride{};  // 0 where the operand broadcasts
  int rows = 0, cols = 0, depth = 0;
  int64_t lhs_a = 0, lhs_k = 0;  // L[a, k] = lhs[a·lhs_a + k·lhs_k]
  int64_t rhs_k = 0, rhs_c = 0;  // R[k, c] = rhs[k·rhs_k + c·rhs_c]
};

std::array<int, 5> Extend5(const Shape& s) {
  std::array<int, 5> d{1, 1, 1, 1, 1};
  for (int i = 0; i < s.rank; ++i) d[5 - s.rank + i] = s.dims[i];
  return d;
}

void CheckRank(const Shape& s, const char* what) {
  Require(s.rank >= 2 && s.rank <= kBatchMatMulMaxRank, what);
}

Geometry MakeGeometry(const Shape& lhs, const Shape& rhs, bool adj_x, bool adj_y) {
  CheckRank(lhs, "batch_matmul: lhs must have rank 2..5");
  CheckRank(rhs, "batch_matmul: rhs must have rank 2..5");
  const std::array<int, 5> l = Extend5(lhs), r = Extend5(rhs);
  Geometry g;
  int64_t lhs_inner = static_cast<int64_t>(l[3]) * l[4], rhs_inner = static_cast<int64_t>(r[3]) * r[4];
  for (int i = 2; i >= 0; --i) {
    Require(l[i] == r[i] || l[i] == 1 || r[i] == 1, "batch_matmul: batch dimensions do not broadcast");
    g.batch[i] = l[i] == 1 ? r[i] : l[i];
    g.lhs_stride[i] = l[i] == 1 ? 0 : lhs_inner;
    g.rhs_stride[i] = r[i] == 1 ? 0 : rhs_inner;
    lhs_inner *= l[i];
    rhs_inner *= r[i];
  }
  g.rows = adj_x ? l[4] : l[3];
  g.depth = adj_x ? l[3] : l[4];
  g.lhs_a = adj_x ? 1 : l[4];
  g.lhs_k = adj_x ? l[4] : 1;
  const int rhs_depth = adj_y ? r[4] : r[3];
  Require(rhs_depth == g.depth, "batch_matmul: contraction dimensions differ");
  g.cols = adj_y ? r[3] : r[4];
  g.rhs_k = adj_y ? 1 : r[4];
  g.rhs_c = adj_y ? r[4] : 1;
  return g;
}

// Calls fn(lhs_base, rhs_base, out_base) for every broadcast batch, in output order.
template <typename Fn>
void ForEachBatch(const Geometry& g, Fn&& fn) {
  const int64_t matrix = static_cast<int64_t>(g.rows) * g.cols;
  int64_t out_base = 0;
  for (int b0 = 0; b0 < g.batch[0]; ++b0) {
    for (int b1 = 0; b1 < g.batch[1]; ++b1) {
      for (int b2 = 0; b2 < g.batch[2]; ++b2) {
        const int64_t lb = b0 * g.lhs_stride[0] + b1 * g.lhs_stride[1] + b2 * g.lhs_stride[2];
        const int64_t rb = b0 * g.rhs_stride[0] + b1 * g.rhs_stride[1] + b2 * g.rhs_stride[2];
        fn(lb, rb, out_base);
        out_base += matrix;
      }
    }
  }
}

}  // namespace

Shape BatchMatMulOutputShape(const Shape& lhs, const Shape& rhs, bool adj_x, bool adj_y) {
  const Geometry g = MakeGeometry(lhs, rhs, adj_x, adj_y);
  Shape out;
  out.rank = std::max(lhs.rank, rhs.rank);
  for (int i = 0; i < out.rank - 2; ++i) out.dims[i] = g.batch[3 - (out.rank - 2) + i];
  out.dims[out.rank - 2] = g.rows;
  out.dims[out.rank - 1] = g.cols;
  return out;
}

BatchMatMulQuantParams PrepareBatchMatMulQuant(QParams lhs, QParams rhs, QParams out, ActivationRange range,
                                               Numerics numerics) {
  // The division is in double; the product in float32 (LiteRT) or double (Micro).
  const double product = numerics == Numerics::kMicro
                             ? static_cast<double>(lhs.scale) * static_cast<double>(rhs.scale)
                             : static_cast<double>(lhs.scale * rhs.scale);
  const double real = product / static_cast<double>(out.scale);
  const fp::QuantizedMultiplier qm = fp::QuantizeMultiplier(real);
  BatchMatMulQuantParams q;
  q.lhs_offset = -lhs.zero_point;
  q.rhs_offset = -rhs.zero_point;
  q.output_offset = out.zero_point;
  q.multiplier = qm.multiplier;
  q.shift = qm.shift;
  q.act = range;
  return q;
}

void BatchMatMulFloat(const Shape& lhs_shape, const float* lhs, const Shape& rhs_shape, const float* rhs, bool adj_x,
                      bool adj_y, float* out) {
  const Geometry g = MakeGeometry(lhs_shape, rhs_shape, adj_x, adj_y);
  ForEachBatch(g, [&](int64_t lb, int64_t rb, int64_t ob) {
    for (int a = 0; a < g.rows; ++a) {
      for (int c = 0; c < g.cols; ++c) {
        float total = 0.0f;
        for (int k = 0; k < g.depth; ++k) {
          total += lhs[lb + a * g.lhs_a + k * g.lhs_k] * rhs[rb + k * g.rhs_k + c * g.rhs_c];
        }
        out[ob + static_cast<int64_t>(a) * g.cols + c] = total;
      }
    }
  });
}

template <typename T, typename Acc>
void BatchMatMulQuantized(const BatchMatMulQuantParams& q, const Shape& lhs_shape, const T* lhs,
                          const Shape& rhs_shape, const T* rhs, bool adj_x, bool adj_y, T* out) {
  const Geometry g = MakeGeometry(lhs_shape, rhs_shape, adj_x, adj_y);
  ForEachBatch(g, [&](int64_t lb, int64_t rb, int64_t ob) {
    for (int a = 0; a < g.rows; ++a) {
      for (int c = 0; c < g.cols; ++c) {
        Acc total = 0;
        for (int k = 0; k < g.depth; ++k) {
          const Acc l = lhs[lb + a * g.lhs_a + k * g.lhs_k];
          const Acc r = rhs[rb + k * g.rhs_k + c * g.rhs_c];
          total += (r + q.rhs_offset) * (l + q.lhs_offset);
        }
        const int32_t scaled = fp::MultiplyByQuantizedMultiplier(total, q.multiplier, q.shift) + q.output_offset;
        out[ob + static_cast<int64_t>(a) * g.cols + c] = static_cast<T>(Clamp(scaled, q.act.min, q.act.max));
      }
    }
  });
}

template void BatchMatMulQuantized<int8_t, int32_t>(const BatchMatMulQuantParams&, const Shape&, const int8_t*,
                                                    const Shape&, const int8_t*, bool, bool, int8_t*);
template void BatchMatMulQuantized<int16_t, int64_t>(const BatchMatMulQuantParams&, const Shape&, const int16_t*,
                                                     const Shape&, const int16_t*, bool, bool, int16_t*);

}  // namespace qtflite::reference
