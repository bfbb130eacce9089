// The algorithms of ElementwiseKernels (elementwise_kernels.h) written once over a tier's vector
// type V of V::kLanes int32 lanes (elementwise_vec_scalar.h, _avx2.h, _avx512.h). Included by one
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

  static void MaxTaps(const void* const* taps, int num_taps, int channels, ElemType t, int32_t act_min,
                      int32_t act_max, void* out) {
    Blocks(channels, [&](int64_t c, int n) {
      I m = V::Set(-2147483647 - 1);
      for (int k = 0; k < num_taps; ++k) m = V::Max(m, n == N ? Load(t, taps[k], c) : LoadPartial(t, taps[k], c, n));
      Store(t, out, c, Clamp(m, act_min, act_max), n);
    });
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
    k.max_taps = MaxTaps;
    k.sum_taps = SumTaps;
    k.average = Average;
    return k;
  }
};

}  // namespace
}  // namespace qtflite::int8
