// The algorithms of ElementwiseKernels (elementwise_kernels.h) written once over a tier's vector
// types: V::I of V::kLanes int32 lanes for the arithmetic, V::B of V::kBytes raw bytes for
// MAX_POOL_2D (elementwise_vec_scalar.h, _avx2.h, _avx512.h). Included by one
// tier translation unit each, after kernels/cpu/simd.h and V's header; internal linkage, and no
// call to a function shared with the rest of the program (kernels/cpu/simd.h). Tails go through
// small zero-padded buffers, so every element takes the vector arithmetic.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/int8/elementwise_kernels.h"

namespace qtflite::int8 {
namespace {

template <typename V>
struct ElementwiseImpl {
  using I = typename V::I;
  static constexpr int N = V::kLanes;

  static I Load(ElemType t, const void* p, int64_t i) {
    return t == ElemType::kInt8 ? V::LoadI8(static_cast<const int8_t*>(p) + i)
                                : V::LoadU8(static_cast<const uint8_t*>(p) + i);
  }
  // Lanes [0, n) from p + i, the others 0.
  static I LoadPartial(ElemType t, const void* p, int64_t i, int n) {
    alignas(64) uint8_t tmp[64] = {};
    std::memcpy(tmp, static_cast<const uint8_t*>(p) + i, static_cast<size_t>(n));
    return Load(t, tmp, 0);
  }
  static I LoadOne(ElemType t, const void* p) {
    return V::Set(t == ElemType::kInt8 ? int32_t{*static_cast<const int8_t*>(p)}
                                       : int32_t{*static_cast<const uint8_t*>(p)});
  }
  // Stores the first n lanes (values within the type's range).
  static void Store(ElemType t, void* p, int64_t i, I v, int n) {
    if (n == N) {
      if (t == ElemType::kInt8) V::StoreI8(static_cast<int8_t*>(p) + i, v);
      else V::StoreU8(static_cast<uint8_t*>(p) + i, v);
      return;
    }
    alignas(64) uint8_t tmp[64];
    if (t == ElemType::kInt8) V::StoreI8(reinterpret_cast<int8_t*>(tmp), v);
    else V::StoreU8(tmp, v);
    std::memcpy(static_cast<uint8_t*>(p) + i, tmp, static_cast<size_t>(n));
  }
  static I Clamp(I v, int32_t lo, int32_t hi) { return V::Min(V::Max(v, V::Set(lo)), V::Set(hi)); }
  static int32_t TypeMin(ElemType t) { return t == ElemType::kInt8 ? -128 : 0; }
  static int32_t TypeMax(ElemType t) { return t == ElemType::kInt8 ? 127 : 255; }

  // Calls f(i, n) for every block of N elements (n < N only for the last).
  template <typename F>
  static void Blocks(int64_t count, F f) {
    int64_t i = 0;
    for (; i + N <= count; i += N) f(i, N);
    if (i < count) f(i, static_cast<int>(count - i));
  }

  static I Operand(ElemType t, const void* p, int step, int64_t i, int n, I broadcast) {
    if (step == 0) return broadcast;
    return n == N ? Load(t, p, i) : LoadPartial(t, p, i, n);
  }

  static void AddSub(const AddSubParams& p, ElemType t, const void* a, int a_step, const void* b, int b_step,
                     int64_t count, void* out) {
    const typename V::Fixed f1 = V::MakeFixed(p.input1_multiplier, p.input1_shift);
    const typename V::Fixed f2 = V::MakeFixed(p.input2_multiplier, p.input2_shift);
    const typename V::Fixed fo = V::MakeFixed(p.output_multiplier, p.output_shift);
    const I o1 = V::Set(p.input1_offset), o2 = V::Set(p.input2_offset), oo = V::Set(p.output_offset);
    // The input with the larger scale has M = 1/2 exactly: (m, shift) = (2^30, 0), where
    // RDBPOT(SRDHM(v << l, 2^30), 0) = v << (l − 1) with no rounding (v << l is even; |v| <= 255
    // and l <= 22 keep it within int32, as the reference needs).
    const bool shift_ok = p.left_shift >= 1 && p.left_shift <= 22;
    const bool half1 = shift_ok && p.input1_multiplier == (1 << 30) && p.input1_shift == 0;
    const bool half2 = shift_ok && p.input2_multiplier == (1 << 30) && p.input2_shift == 0;
    auto scale1 = [&](I x) {
      x = V::Add(x, o1);
      return half1 ? V::ShiftLeft(x, p.left_shift - 1) : V::Mbqm(V::ShiftLeft(x, p.left_shift), f1);
    };
    auto scale2 = [&](I x) {
      x = V::Add(x, o2);
      return half2 ? V::ShiftLeft(x, p.left_shift - 1) : V::Mbqm(V::ShiftLeft(x, p.left_shift), f2);
    };
    const I ca = a_step ? V::Set(0) : scale1(LoadOne(t, a));
    const I cb = b_step ? V::Set(0) : scale2(LoadOne(t, b));
    Blocks(count, [&](int64_t i, int n) {
      const I x1 = a_step ? scale1(Operand(t, a, 1, i, n, ca)) : ca;
      const I x2 = b_step ? scale2(Operand(t, b, 1, i, n, cb)) : cb;
      const I sum = p.subtract ? V::Sub(x1, x2) : V::Add(x1, x2);
      Store(t, out, i, Clamp(V::Add(V::Mbqm(sum, fo), oo), p.act_min, p.act_max), n);
    });
  }

  static void Mul(const MulParams& p, ElemType t, const void* a, int a_step, const void* b, int b_step,
                  int64_t count, void* out) {
    const typename V::Fixed f = V::MakeFixed(p.multiplier, p.shift);
    const I o1 = V::Set(p.input1_offset), o2 = V::Set(p.input2_offset), oo = V::Set(p.output_offset);
    const I ca = a_step ? o1 : V::Add(LoadOne(t, a), o1), cb = b_step ? o2 : V::Add(LoadOne(t, b), o2);
    Blocks(count, [&](int64_t i, int n) {
      const I x1 = a_step ? V::Add(Operand(t, a, 1, i, n, ca), o1) : ca;
      const I x2 = b_step ? V::Add(Operand(t, b, 1, i, n, cb), o2) : cb;
      Store(t, out, i, Clamp(V::Add(V::Mbqm(V::Mul(x1, x2), f), oo), p.act_min, p.act_max), n);
    });
  }

  static void Requantize(const RequantizeParams& p, ElemType in_type, const void* in, int64_t count,
                         ElemType out_type, void* out) {
    const typename V::Fixed f = V::MakeFixed(p.multiplier, p.shift);
    const I zi = V::Set(p.input_zero_point), zo = V::Set(p.output_zero_point);
    Blocks(count, [&](int64_t i, int n) {
      const I x = V::Sub(Operand(in_type, in, 1, i, n, zi), zi);
      Store(out_type, out, i, Clamp(V::Add(V::Mbqm(x, f), zo), TypeMin(out_type), TypeMax(out_type)), n);
    });
  }

  static void QuantizeFloat(float scale, int32_t zero_point, const float* in, int64_t count, ElemType out_type,
                            void* out) {
    const I zp = V::Set(zero_point);
    Blocks(count, [&](int64_t i, int n) {
      alignas(64) float tmp[N > 1 ? N : 1] = {};
      const float* src = in + i;
      if (n < N) {
        std::memcpy(tmp, src, sizeof(float) * static_cast<size_t>(n));
        src = tmp;
      }
      const I q = V::Add(V::RoundedQuotient(src, scale), zp);
      Store(out_type, out, i, Clamp(q, TypeMin(out_type), TypeMax(out_type)), n);
    });
  }

  static void DequantizeInt8(double scale, int32_t zero_point, const int8_t* in, int64_t count, float* out) {
    const I zp = V::Set(zero_point);
    Blocks(count, [&](int64_t i, int n) {
      const I x = V::Sub(Operand(ElemType::kInt8, in, 1, i, n, zp), zp);
      if (n == N) {
        V::ScaleToFloat(x, scale, out + i);
      } else {
        alignas(64) float tmp[N > 1 ? N : 1];
        V::ScaleToFloat(x, scale, tmp);
        std::memcpy(out + i, tmp, sizeof(float) * static_cast<size_t>(n));
      }
    });
  }

  // dst[i] = op(dst[i], src[i]) for i < n bytes (op: max or min, signed or unsigned).
  template <bool kSigned, bool kMax>
  static void Combine(uint8_t* dst, const uint8_t* src, int64_t n) {
    constexpr int NB = V::kBytes;
    int64_t i = 0;
    for (; i + NB <= n; i += NB) {
      const auto x = V::LoadB(dst + i), y = V::LoadB(src + i);
      V::StoreB(dst + i, kMax ? V::template MaxB<kSigned>(x, y) : V::template MinB<kSigned>(x, y));
    }
    for (; i < n; ++i) {
      const int32_t x = kSigned ? int32_t{static_cast<int8_t>(dst[i])} : int32_t{dst[i]};
      const int32_t y = kSigned ? int32_t{static_cast<int8_t>(src[i])} : int32_t{src[i]};
      dst[i] = static_cast<uint8_t>(kMax ? (x > y ? x : y) : (x < y ? x : y));
    }
  }

  // dst[i] = op(a[i], b[i]) for i < n bytes.
  template <bool kSigned>
  static void Max2(uint8_t* dst, const uint8_t* a, const uint8_t* b, int64_t n) {
    constexpr int NB = V::kBytes;
    int64_t i = 0;
    for (; i + NB <= n; i += NB) V::StoreB(dst + i, V::template MaxB<kSigned>(V::LoadB(a + i), V::LoadB(b + i)));
    for (; i < n; ++i) {
      const int32_t x = kSigned ? int32_t{static_cast<int8_t>(a[i])} : int32_t{a[i]};
      const int32_t y = kSigned ? int32_t{static_cast<int8_t>(b[i])} : int32_t{b[i]};
      dst[i] = static_cast<uint8_t>(x > y ? x : y);
    }
  }

  // memcpy with the common pixel sizes as constants (inlined by the compiler).
  static void CopyPixel(uint8_t* dst, const uint8_t* src, int n) {
    switch (n) {
      case 8: std::memcpy(dst, src, 8); return;
      case 16: std::memcpy(dst, src, 16); return;
      case 32: std::memcpy(dst, src, 32); return;
      case 4: std::memcpy(dst, src, 4); return;
      default: std::memcpy(dst, src, static_cast<size_t>(n)); return;
    }
  }

  // Per output row: the maximum over the window's rows (one pass over whole image rows), then
  // over sliding runs of filter_w pixels (whole rows again), then each output pixel copied from
  // its window's start; windows clipped at the left or right edge are reduced directly. Every
  // step is a max of raw bytes, so the result is the reference's, in any order.
  template <bool kSigned>
  static void MaxPoolTyped(const PoolArgs& a, const uint8_t* in, uint8_t* out) {
    const int C = a.channels;
    const int64_t row = static_cast<int64_t>(a.in_w) * C;  // bytes per image row
    uint8_t* vert = a.scratch;
    uint8_t* slide = a.scratch + row;
    const int runs = a.in_w - a.filter_w + 1;  // windows that fit inside a row (may be <= 0)
    alignas(64) uint8_t lo[64], hi[64];
    for (int i = 0; i < 64; ++i) {
      lo[i] = static_cast<uint8_t>(a.act_min);
      hi[i] = static_cast<uint8_t>(a.act_max);
    }
    for (int b = 0; b < a.batch; ++b) {
      const uint8_t* image = in + static_cast<int64_t>(b) * a.in_h * row;
      for (int oy = 0; oy < a.out_h; ++oy, out += static_cast<int64_t>(a.out_w) * C) {
        const int top = oy * a.stride_h - a.pad_h;
        const int y0 = top > 0 ? top : 0, y1 = top + a.filter_h < a.in_h ? top + a.filter_h : a.in_h;
        if (y1 - y0 >= 2) {
          Max2<kSigned>(vert, image + y0 * row, image + (y0 + 1) * row, row);
          for (int y = y0 + 2; y < y1; ++y) Combine<kSigned, true>(vert, image + y * row, row);
        } else {
          std::memcpy(vert, image + y0 * row, static_cast<size_t>(row));
        }
        if (runs > 0) {
          const int64_t span = static_cast<int64_t>(runs) * C;
          if (a.filter_w >= 2) {
            Max2<kSigned>(slide, vert, vert + C, span);
            for (int j = 2; j < a.filter_w; ++j) Combine<kSigned, true>(slide, vert + static_cast<int64_t>(j) * C, span);
          } else {
            std::memcpy(slide, vert, static_cast<size_t>(span));
          }
        }
        for (int ox = 0; ox < a.out_w; ++ox) {
          const int left = ox * a.stride_w - a.pad_w;
          uint8_t* dst = out + static_cast<int64_t>(ox) * C;
          if (left >= 0 && left < runs) {
            CopyPixel(dst, slide + static_cast<int64_t>(left) * C, C);
            continue;
          }
          const int x0 = left > 0 ? left : 0, x1 = left + a.filter_w < a.in_w ? left + a.filter_w : a.in_w;
          std::memcpy(dst, vert + static_cast<int64_t>(x0) * C, static_cast<size_t>(C));
          for (int x = x0 + 1; x < x1; ++x) Combine<kSigned, true>(dst, vert + static_cast<int64_t>(x) * C, C);
        }
        // The fused activation's clamp over the output row (none when it spans the whole type).
        const int64_t n = static_cast<int64_t>(a.out_w) * C;
        const bool full = a.act_min == (kSigned ? -128 : 0) && a.act_max == (kSigned ? 127 : 255);
        for (int64_t i = 0; i < n && !full; i += 64) {
          const int64_t m = n - i < 64 ? n - i : 64;
          Combine<kSigned, false>(out + i, hi, m);
          Combine<kSigned, true>(out + i, lo, m);
        }
      }
    }
  }

  static void MaxPool(const PoolArgs& a, ElemType t, const void* in, void* out) {
    if (t == ElemType::kInt8) MaxPoolTyped<true>(a, static_cast<const uint8_t*>(in), static_cast<uint8_t*>(out));
    else MaxPoolTyped<false>(a, static_cast<const uint8_t*>(in), static_cast<uint8_t*>(out));
  }

  static void SumTaps(const void* const* taps, int num_taps, int channels, ElemType t, int32_t* sums) {
    Blocks(channels, [&](int64_t c, int n) {
      I s = V::Set(0);
      for (int k = 0; k < num_taps; ++k) s = V::Add(s, n == N ? Load(t, taps[k], c) : LoadPartial(t, taps[k], c, n));
      if (n == N) {
        V::StoreI32(sums + c, s);
      } else {
        alignas(64) int32_t tmp[N > 1 ? N : 1];
        V::StoreI32(tmp, s);
        std::memcpy(sums + c, tmp, sizeof(int32_t) * static_cast<size_t>(n));
      }
    });
  }

  static void Average(const int32_t* sums, int channels, int32_t count, int32_t act_min, int32_t act_max, ElemType t,
                      void* out) {
    Blocks(channels, [&](int64_t c, int n) {
      alignas(64) int32_t tmp[N > 1 ? N : 1] = {};
      const int32_t* src = sums + c;
      if (n < N) {
        std::memcpy(tmp, src, sizeof(int32_t) * static_cast<size_t>(n));
        src = tmp;
      }
      Store(t, out, c, Clamp(V::RoundedDivide(V::LoadI32(src), count), act_min, act_max), n);
    });
  }

  static ElementwiseKernels Table(cpu::Isa isa, const char* name) {
    ElementwiseKernels k;
    k.isa = isa;
    k.name = name;
    k.add_sub = AddSub;
    k.mul = Mul;
    k.requantize = Requantize;
    k.quantize_float = QuantizeFloat;
    k.dequantize_int8 = DequantizeInt8;
    k.max_pool = MaxPool;
    k.sum_taps = SumTaps;
    k.average = Average;
    return k;
  }
};

}  // namespace
}  // namespace qtflite::int8
