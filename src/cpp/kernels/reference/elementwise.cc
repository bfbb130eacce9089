#include "kernels/reference/elementwise.h"

namespace qtflite::reference {
namespace {

// out[i] = op(in1[j], in2[k]) over the broadcast of the two shapes.
template <typename In, typename Out, typename Op>
void Broadcast(const Shape& shape1, const In* in1, const Shape& shape2, const In* in2, const Shape& out_shape,
               Out* out, Op op) {
  Require(BroadcastShape(shape1, shape2) == out_shape, "elementwise: output shape is not the broadcast shape");
  const int64_t n = out_shape.FlatSize();
  // The common cases without index arithmetic: equal shapes, or one side a single value.
  if (shape1.FlatSize() == n && shape2.FlatSize() == n) {
    for (int64_t i = 0; i < n; ++i) out[i] = op(in1[i], in2[i]);
    return;
  }
  if (shape1.FlatSize() == n && shape2.FlatSize() == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = op(in1[i], in2[0]);
    return;
  }
  if (shape1.FlatSize() == 1 && shape2.FlatSize() == n) {
    for (int64_t i = 0; i < n; ++i) out[i] = op(in1[0], in2[i]);
    return;
  }
  ForEachBroadcastIndex(shape1, shape2, out_shape,
                        [&](int64_t io, int64_t i1, int64_t i2) { out[io] = op(in1[i1], in2[i2]); });
}

// An input of ADD/SUB on the common scale: (x − zp)·2^left_shift·M_i.
int32_t ScaleAddSubInput(int32_t x, int32_t offset, int left_shift, int32_t multiplier, int shift) {
  const int32_t shifted = (x + offset) * (1 << left_shift);
  return fp::MultiplyByQuantizedMultiplierSmallerThanOneExp(shifted, multiplier, shift);
}

template <typename T>
T AddSubOne(const AddSubInt8Params& p, T x1, T x2, bool subtract) {
  const int32_t a = ScaleAddSubInput(x1, p.input1_offset, p.left_shift, p.input1_multiplier, p.input1_shift);
  const int32_t b = ScaleAddSubInput(x2, p.input2_offset, p.left_shift, p.input2_multiplier, p.input2_shift);
  // TFLite writes MBQMSmallerThanOneExp here; MBQM is the same for shift <= 0 and also covers
  // LiteRT SUB's rare output multiplier > 1.
  const int32_t raw = fp::MultiplyByQuantizedMultiplier(subtract ? a - b : a + b, p.output_multiplier,
                                                        p.output_shift) + p.output_offset;
  return static_cast<T>(Clamp(raw, p.act.min, p.act.max));
}

template <typename T>
void AddSubQuantized(const AddSubInt8Params& p, const Shape& shape1, const T* in1, const Shape& shape2,
                     const T* in2, const Shape& out_shape, T* out, bool subtract) {
  Broadcast(shape1, in1, shape2, in2, out_shape, out, [&](T a, T b) { return AddSubOne(p, a, b, subtract); });
}

template <typename T>
void MulQuantized(const MulInt8Params& p, const Shape& shape1, const T* in1, const Shape& shape2, const T* in2,
                  const Shape& out_shape, T* out) {
  Broadcast(shape1, in1, shape2, in2, out_shape, out, [&](T a, T b) {
    // |product| <= 2^30 for int16 inputs with zero point 0, so it fits int32.
    const int32_t product = (static_cast<int32_t>(a) + p.input1_offset) * (static_cast<int32_t>(b) + p.input2_offset);
    const int32_t raw = fp::MultiplyByQuantizedMultiplier(product, p.output_multiplier, p.output_shift) + p.output_offset;
    return static_cast<T>(Clamp(raw, p.act.min, p.act.max));
  });
}

// gemmlowp's int16 SaturatingAdd / SaturatingSub.
int32_t SaturateInt16(int32_t v) { return Clamp(v, fp::kInt16Min, fp::kInt16Max); }

// One element of the power-of-two int16 ADD/SUB.
int16_t AddSubPotOne(const AddSubInt16PotParams& p, int16_t x1, int16_t x2, bool subtract) {
  const int32_t a = fp::RoundingDivideByPOT(x1, p.input1_right_shift);
  const int32_t b = fp::RoundingDivideByPOT(x2, p.input2_right_shift);
  const int32_t sum = SaturateInt16(subtract ? a - b : a + b);
  return static_cast<int16_t>(Clamp(sum, p.act.min, p.act.max));
}

}  // namespace

void AddInt8(const AddSubInt8Params& p, const Shape& shape1, const int8_t* in1, const Shape& shape2,
             const int8_t* in2, const Shape& out_shape, int8_t* out) {
  AddSubQuantized(p, shape1, in1, shape2, in2, out_shape, out, /*subtract=*/false);
}

void SubInt8(const AddSubInt8Params& p, const Shape& shape1, const int8_t* in1, const Shape& shape2,
             const int8_t* in2, const Shape& out_shape, int8_t* out) {
  AddSubQuantized(p, shape1, in1, shape2, in2, out_shape, out, /*subtract=*/true);
}

void MulInt8(const MulInt8Params& p, const Shape& shape1, const int8_t* in1, const Shape& shape2,
             const int8_t* in2, const Shape& out_shape, int8_t* out) {
  MulQuantized(p, shape1, in1, shape2, in2, out_shape, out);
}

void AddUInt8(const AddSubInt8Params& p, const Shape& shape1, const uint8_t* in1, const Shape& shape2,
              const uint8_t* in2, const Shape& out_shape, uint8_t* out) {
  AddSubQuantized(p, shape1, in1, shape2, in2, out_shape, out, /*subtract=*/false);
}

void SubUInt8(const AddSubInt8Params& p, const Shape& shape1, const uint8_t* in1, const Shape& shape2,
              const uint8_t* in2, const Shape& out_shape, uint8_t* out) {
  AddSubQuantized(p, shape1, in1, shape2, in2, out_shape, out, /*subtract=*/true);
}

void MulUInt8(const MulInt8Params& p, const Shape& shape1, const uint8_t* in1, const Shape& shape2,
              const uint8_t* in2, const Shape& out_shape, uint8_t* out) {
  MulQuantized(p, shape1, in1, shape2, in2, out_shape, out);
}

void AddInt16(const AddSubInt8Params& p, const Shape& shape1, const int16_t* in1, const Shape& shape2,
              const int16_t* in2, const Shape& out_shape, int16_t* out) {
  AddSubQuantized(p, shape1, in1, shape2, in2, out_shape, out, /*subtract=*/false);
}

void SubInt16(const AddSubInt8Params& p, const Shape& shape1, const int16_t* in1, const Shape& shape2,
              const int16_t* in2, const Shape& out_shape, int16_t* out) {
  AddSubQuantized(p, shape1, in1, shape2, in2, out_shape, out, /*subtract=*/true);
}

void MulInt16(const MulInt8Params& p, const Shape& shape1, const int16_t* in1, const Shape& shape2,
              const int16_t* in2, const Shape& out_shape, int16_t* out) {
  MulQuantized(p, shape1, in1, shape2, in2, out_shape, out);
}

void AddInt16Pot(const AddSubInt16PotParams& p, const Shape& shape1, const int16_t* in1, const Shape& shape2,
                 const int16_t* in2, const Shape& out_shape, int16_t* out) {
  Broadcast(shape1, in1, shape2, in2, out_shape, out,
            [&](int16_t a, int16_t b) { return AddSubPotOne(p, a, b, /*subtract=*/false); });
}

void SubInt16Pot(const AddSubInt16PotParams& p, const Shape& shape1, const int16_t* in1, const Shape& shape2,
                 const int16_t* in2, const Shape& out_shape, int16_t* out) {
  Broadcast(shape1, in1, shape2, in2, out_shape, out,
            [&](int16_t a, int16_t b) { return AddSubPotOne(p, a, b, /*subtract=*/true); });
}

void AddFloat(FloatRange act, const Shape& shape1, const float* in1, const Shape& shape2, const float* in2,
              const Shape& out_shape, float* out) {
  Broadcast(shape1, in1, shape2, in2, out_shape, out, [&](float a, float b) { return ClampFloat(a + b, act); });
}

void SubFloat(FloatRange act, const Shape& shape1, const float* in1, const Shape& shape2, const float* in2,
              const Shape& out_shape, float* out) {
  Broadcast(shape1, in1, shape2, in2, out_shape, out, [&](float a, float b) { return ClampFloat(a - b, act); });
}

void MulFloat(FloatRange act, const Shape& shape1, const float* in1, const Shape& shape2, const float* in2,
              const Shape& out_shape, float* out) {
  Broadcast(shape1, in1, shape2, in2, out_shape, out, [&](float a, float b) { return ClampFloat(a * b, act); });
}

}  // namespace qtflite::reference
