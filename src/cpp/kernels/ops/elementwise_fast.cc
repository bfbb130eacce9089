#include "kernels/ops/elementwise_fast.h"

#include <algorithm>

#include "quant/fixed_point.h"

namespace qtflite::ops {
namespace {

namespace ref = ::qtflite::reference;
using int8::ElemType;

bool ElemTypeOf(DType t, ElemType* e) {
  if (t == DType::kInt8) *e = ElemType::kInt8;
  else if (t == DType::kUInt8) *e = ElemType::kUInt8;
  else return false;
  return true;
}

// Whether dims [lo, hi) of x are all 1 (whole = false) or all equal to out's (whole = true).
bool Part(const std::vector<int32_t>& x, const std::vector<int32_t>& out, int lo, int hi, bool* whole) {
  bool ones = true, equal = true;
  for (int d = lo; d < hi; ++d) {
    ones = ones && x[d] == 1;
    equal = equal && x[d] == out[d];
  }
  *whole = !ones;
  return ones || equal;
}

std::vector<int32_t> PadTo(const std::vector<int32_t>& s, size_t rank) {
  std::vector<int32_t> r(rank - s.size(), 1);
  r.insert(r.end(), s.begin(), s.end());
  return r;
}

int64_t Product(const std::vector<int32_t>& s, int lo, int hi) {
  int64_t n = 1;
  for (int d = lo; d < hi; ++d) n *= s[d];
  return n;
}

}  // namespace

bool PlanBroadcastRows(const std::vector<int32_t>& a0, const std::vector<int32_t>& b0, const std::vector<int32_t>& out,
                       BroadcastRows* plan) {
  const int rank = static_cast<int>(out.size());
  if (a0.size() > out.size() || b0.size() > out.size()) return false;
  const std::vector<int32_t> a = PadTo(a0, out.size()), b = PadTo(b0, out.size());
  for (int k = 0; k <= rank; ++k) {
    bool ao, ai, bo, bi;
    if (!Part(a, out, 0, k, &ao) || !Part(a, out, k, rank, &ai) || !Part(b, out, 0, k, &bo) ||
        !Part(b, out, k, rank, &bi)) {
      continue;
    }
    plan->outer = Product(out, 0, k);
    plan->inner = Product(out, k, rank);
    plan->a_step = ai ? 1 : 0;
    plan->b_step = bi ? 1 : 0;
    plan->a_row = ao ? (ai ? plan->inner : 1) : 0;
    plan->b_row = bo ? (bi ? plan->inner : 1) : 0;
    return true;
  }
  return false;
}

namespace {

template <typename Kernel>
bool RunBinary(const RtTensor& a, const RtTensor& b, RtTensor& out, Kernel kernel, ThreadPool* pool) {
  ElemType t;
  if (!ElemTypeOf(out.dtype, &t) || a.dtype != out.dtype || b.dtype != out.dtype) return false;
  BroadcastRows plan;
  if (!PlanBroadcastRows(a.shape, b.shape, out.shape, &plan)) return false;
  if (plan.outer * plan.inner == 0) return true;
  if (plan.outer == 1) {  // one run of elements: split it
    ForElementRanges(pool, plan.inner, [&](int64_t i0, int64_t i1) {
      kernel(t, a.data + i0 * plan.a_step, plan.a_step, b.data + i0 * plan.b_step, plan.b_step, i1 - i0,
             out.data + i0);
    });
    return true;
  }
  if (pool && pool->size() > 1 && plan.outer * plan.inner >= 16384) {  // rows over the threads
    pool->ParallelFor(plan.outer, [&](int64_t r0, int64_t r1, int) {
      for (int64_t r = r0; r < r1; ++r) {
        kernel(t, a.data + r * plan.a_row, plan.a_step, b.data + r * plan.b_row, plan.b_step, plan.inner,
               out.data + r * plan.inner);
      }
    });
    return true;
  }
  for (int64_t r = 0; r < plan.outer; ++r) {
    kernel(t, a.data + r * plan.a_row, plan.a_step, b.data + r * plan.b_row, plan.b_step, plan.inner,
           out.data + r * plan.inner);
  }
  return true;
}

}  // namespace

bool FastAddSub(const int8::ElementwiseKernels& k, const ref::AddSubInt8Params& p, bool subtract, const RtTensor& a,
                const RtTensor& b, RtTensor& out, ThreadPool* pool) {
  // The inputs' multipliers come from QuantizeMultiplierSmallerThanOneExp (shift <= 0).
  if (p.input1_shift > 0 || p.input2_shift > 0 || p.left_shift < 0 || p.left_shift > 30) return false;
  int8::AddSubParams q;
  q.input1_offset = p.input1_offset;
  q.input2_offset = p.input2_offset;
  q.output_offset = p.output_offset;
  q.left_shift = p.left_shift;
  q.input1_multiplier = p.input1_multiplier;
  q.input2_multiplier = p.input2_multiplier;
  q.output_multiplier = p.output_multiplier;
  q.input1_shift = p.input1_shift;
  q.input2_shift = p.input2_shift;
  q.output_shift = p.output_shift;
  q.act_min = p.act.min;
  q.act_max = p.act.max;
  q.subtract = subtract;
  return RunBinary(a, b, out, [&](ElemType t, const void* x, int xs, const void* y, int ys, int64_t n, void* o) {
    k.add_sub(q, t, x, xs, y, ys, n, o);
  }, pool);
}

bool BinaryTable::Applies(const RtTensor& a, const RtTensor& b, const RtTensor& out) {
  const bool bytes = out.dtype == DType::kInt8 || out.dtype == DType::kUInt8;
  return bytes && a.dtype == out.dtype && b.dtype == out.dtype && a.shape == out.shape && b.shape == out.shape &&
         out.num_elements() >= kMinElements;
}

void BinaryTable::Lookup(const uint8_t* a, const uint8_t* b, int64_t n, uint8_t* out) const {
  const uint8_t* t = table_.data();
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint8_t r0 = t[a[i] << 8 | b[i]], r1 = t[a[i + 1] << 8 | b[i + 1]];
    const uint8_t r2 = t[a[i + 2] << 8 | b[i + 2]], r3 = t[a[i + 3] << 8 | b[i + 3]];
    out[i] = r0, out[i + 1] = r1, out[i + 2] = r2, out[i + 3] = r3;
  }
  for (; i < n; ++i) out[i] = t[a[i] << 8 | b[i]];
}

bool FastMul(const int8::ElementwiseKernels& k, const ref::MulInt8Params& p, const RtTensor& a, const RtTensor& b,
             RtTensor& out, ThreadPool* pool) {
  int8::MulParams q;
  q.input1_offset = p.input1_offset;
  q.input2_offset = p.input2_offset;
  q.output_offset = p.output_offset;
  q.multiplier = p.output_multiplier;
  q.shift = p.output_shift;
  q.act_min = p.act.min;
  q.act_max = p.act.max;
  return RunBinary(a, b, out, [&](ElemType t, const void* x, int xs, const void* y, int ys, int64_t n, void* o) {
    k.mul(q, t, x, xs, y, ys, n, o);
  }, pool);
}

bool FastQuantize(const int8::ElementwiseKernels& k, const ref::RequantizeParams& p, const RtTensor& in,
                  RtTensor& out) {
  ElemType to, from;
  if (!ElemTypeOf(out.dtype, &to)) return false;
  const int64_t n = in.num_elements();
  if (in.dtype == DType::kFloat32) {
    k.quantize_float(out.scale(), out.zero_point(), in.as<float>(), n, to, out.data);
    return true;
  }
  if (!ElemTypeOf(in.dtype, &from) || p.shift > 30 || p.shift < -31) return false;
  int8::RequantizeParams q;
  q.input_zero_point = p.input_zero_point;
  q.output_zero_point = p.output_zero_point;
  q.multiplier = p.multiplier;
  q.shift = p.shift;
  k.requantize(q, from, in.data, n, to, out.data);
  return true;
}

bool FastDequantize(const int8::ElementwiseKernels& k, const RtTensor& in, RtTensor& out) {
  if (in.dtype != DType::kInt8 || out.dtype != DType::kFloat32) return false;
  k.dequantize_int8(static_cast<double>(in.scale()), in.zero_point(), in.as<int8_t>(),
                                                   in.num_elements(), out.as<float>());
  return true;
}

bool FastPool(const int8::ElementwiseKernels& k, bool max, const ref::PoolGeometry& g, ref::ActivationRange act,
              const RtTensor& in, RtTensor& out, ThreadPool* pool) {
  ElemType t;
  if (!ElemTypeOf(in.dtype, &t) || in.rank() != 4 || out.rank() != 4) return false;
  const int n = in.shape[0], h = in.shape[1], w = in.shape[2], c = in.shape[3];
  const int oh = out.shape[1], ow = out.shape[2];
  if (out.shape[0] != n || out.shape[3] != c) return false;
  if (static_cast<int64_t>(n) * oh * ow * c == 0) return true;
  // Windows move monotonically: the first and the last of each axis show whether any is empty
  // (the reference throws for an empty one).
  auto nonempty = [](int o, int stride, int pad, int filter, int size) {
    const int start = o * stride - pad;
    return start + filter > 0 && start < size;
  };
  if (!nonempty(0, g.stride_h, g.pad_h, g.filter_h, h) || !nonempty(oh - 1, g.stride_h, g.pad_h, g.filter_h, h) ||
      !nonempty(0, g.stride_w, g.pad_w, g.filter_w, w) || !nonempty(ow - 1, g.stride_w, g.pad_w, g.filter_w, w)) {
    return false;
  }
  if (max) {
    int8::PoolArgs a;
    a.batch = n;
    a.in_h = h;
    a.in_w = w;
    a.channels = c;
    a.out_h = oh;
    a.out_w = ow;
    a.filter_h = g.filter_h;
    a.filter_w = g.filter_w;
    a.stride_h = g.stride_h;
    a.stride_w = g.stride_w;
    a.pad_h = g.pad_h;
    a.pad_w = g.pad_w;
    a.act_min = act.min;
    a.act_max = act.max;
    auto images = [&](int64_t b0, int64_t b1, int) {
      int8::PoolArgs part = a;
      part.batch = static_cast<int>(b1 - b0);
      std::vector<uint8_t> scratch(2 * static_cast<size_t>(w) * c);
      part.scratch = scratch.data();
      k.max_pool(part, t, in.data + b0 * h * w * c, out.data + b0 * oh * ow * c);
    };
    if (pool && pool->size() > 1 && n > 1) {
      pool->ParallelFor(n, images);
    } else {
      images(0, n, 0);
    }
    return true;
  }
  std::vector<const void*> taps(static_cast<size_t>(g.filter_h) * g.filter_w);
  std::vector<int32_t> sums(c);
  for (int b = 0; b < n; ++b) {
    for (int oy = 0; oy < oh; ++oy) {
      const int y0 = std::max(0, oy * g.stride_h - g.pad_h), y1 = std::min(h, oy * g.stride_h - g.pad_h + g.filter_h);
      for (int ox = 0; ox < ow; ++ox) {
        const int x0 = std::max(0, ox * g.stride_w - g.pad_w), x1 = std::min(w, ox * g.stride_w - g.pad_w + g.filter_w);
        int count = 0;
        for (int y = y0; y < y1; ++y) {
          for (int x = x0; x < x1; ++x) taps[count++] = in.data + ((static_cast<int64_t>(b) * h + y) * w + x) * c;
        }
        uint8_t* dst = out.data + ((static_cast<int64_t>(b) * oh + oy) * ow + ox) * c;
        k.sum_taps(taps.data(), count, c, t, sums.data());
        k.average(sums.data(), c, count, act.min, act.max, t, dst);
      }
    }
  }
  return true;
}

bool FastSpatialMean(const int8::ElementwiseKernels& k, const ref::MeanOrSumInt8Params& p, const std::vector<int>& axes,
                     const RtTensor& in, RtTensor& out) {
  ElemType t;
  if (!ElemTypeOf(in.dtype, &t) || in.dtype != out.dtype || in.rank() != 4 || p.compute_sum) return false;
  bool h = false, w = false;
  for (int a : axes) {
    if (a == 1) h = true;
    else if (a == 2) w = true;
    else return false;
  }
  if (!h || !w) return false;
  const int n = in.shape[0], c = in.shape[3];
  const int64_t count = static_cast<int64_t>(in.shape[1]) * in.shape[2];
  if (count == 0 || n * int64_t{c} == 0 || count > (1 << 16)) return false;  // else the reference
  // reference::MeanOrSumInt8's folding of 1/count into the multiplier.
  int s = 63 - fp::CountLeadingZeros64(static_cast<uint64_t>(count));
  s = std::min(s, 32);
  s = std::min(s, 31 + p.shift);
  const int32_t multiplier = static_cast<int32_t>((static_cast<int64_t>(p.multiplier) << s) / count);
  const int shift = p.shift - s;
  const int32_t lo = t == ElemType::kInt8 ? -128 : 0, hi = t == ElemType::kInt8 ? 127 : 255;
  std::vector<const void*> taps(static_cast<size_t>(count));
  std::vector<int32_t> sums(c);
  const uint32_t zero_sum = static_cast<uint32_t>(p.input_zero_point * count);
  for (int b = 0; b < n; ++b) {
    for (int64_t i = 0; i < count; ++i) taps[i] = in.data + (b * count + i) * c;
    k.sum_taps(taps.data(), static_cast<int>(count), c, t, sums.data());
    for (int ch = 0; ch < c; ++ch) {
      const int32_t centered = static_cast<int32_t>(static_cast<uint32_t>(sums[ch]) - zero_sum);
      const int32_t v = fp::MultiplyByQuantizedMultiplier(centered, multiplier, shift) + p.output_zero_point;
      const int32_t clamped = v < lo ? lo : (v > hi ? hi : v);
      if (t == ElemType::kInt8) out.as<int8_t>()[b * int64_t{c} + ch] = static_cast<int8_t>(clamped);
      else out.as<uint8_t>()[b * int64_t{c} + ch] = static_cast<uint8_t>(clamped);
    }
  }
  return true;
}

}  // namespace qtflite::ops
