// Hand-computed cases for the BATCH_MATMUL and quantized RESIZE_BILINEAR reference kernels.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "kernels/reference/batch_matmul.h"
#include "kernels/reference/resize.h"

namespace qtflite::reference {
namespace {

using F32 = std::vector<float>;

TEST(BatchMatMul, OutputShape) {
  EXPECT_EQ(BatchMatMulOutputShape({2, 3, 4}, {4, 5}, false, false), (Shape{2, 3, 5}));
  EXPECT_EQ(BatchMatMulOutputShape({2, 4, 3}, {5, 4}, true, true), (Shape{2, 3, 5}));
  EXPECT_EQ(BatchMatMulOutputShape({2, 1, 3, 4}, {3, 4, 2}, false, false), (Shape{2, 3, 3, 2}));
  EXPECT_EQ(BatchMatMulOutputShape({3, 4}, {2, 1, 1, 4, 6}, false, false), (Shape{2, 1, 1, 3, 6}));
  EXPECT_THROW(BatchMatMulOutputShape({2, 3, 4}, {3, 5}, false, false), std::invalid_argument);   // depth
  EXPECT_THROW(BatchMatMulOutputShape({2, 3, 4}, {3, 4, 5}, false, false), std::invalid_argument);  // batch
  EXPECT_THROW(BatchMatMulOutputShape({4}, {4, 5}, false, false), std::invalid_argument);  // rank 1
  EXPECT_THROW(BatchMatMulOutputShape({1, 1, 1, 1, 2, 3}, {3, 5}, false, false), std::invalid_argument);
}

TEST(BatchMatMul, FloatAdjointsAndBroadcast) {
  const F32 a{1, 2, 3, 4}, b{5, 6, 7, 8};  // [[1, 2], [3, 4]] and [[5, 6], [7, 8]]
  F32 out(4);
  BatchMatMulFloat({2, 2}, a.data(), {2, 2}, b.data(), false, false, out.data());
  EXPECT_EQ(out, (F32{19, 22, 43, 50}));
  BatchMatMulFloat({2, 2}, a.data(), {2, 2}, b.data(), true, false, out.data());  // aᵀ·b
  EXPECT_EQ(out, (F32{26, 30, 38, 44}));
  BatchMatMulFloat({2, 2}, a.data(), {2, 2}, b.data(), false, true, out.data());  // a·bᵀ
  EXPECT_EQ(out, (F32{17, 23, 39, 53}));
  BatchMatMulFloat({2, 2}, a.data(), {2, 2}, b.data(), true, true, out.data());  // aᵀ·bᵀ
  EXPECT_EQ(out, (F32{23, 31, 34, 46}));

  // lhs [2, 1, 2] (two 1x2 rows), rhs [2, 1] shared by both batches.
  const F32 col{1, 10};
  F32 out2(2);
  BatchMatMulFloat({2, 1, 2}, a.data(), {2, 1}, col.data(), false, false, out2.data());
  EXPECT_EQ(out2, (F32{21, 43}));
  // lhs [1, 2] against rhs [2, 2, 1]: the lhs is reused for each rhs batch.
  const F32 row{1, 2}, cols{1, 0, 0, 1};
  BatchMatMulFloat({1, 2}, row.data(), {2, 2, 1}, cols.data(), false, false, out2.data());
  EXPECT_EQ(out2, (F32{1, 2}));
}

TEST(BatchMatMul, Int8ZeroPointsAndMultiplier) {
  // M = 0.5·0.25/0.125 = 1 -> (2^30, shift 1).
  const BatchMatMulQuantParams q =
      PrepareBatchMatMulQuant({0.5f, 1}, {0.25f, -2}, {0.125f, 3}, {-128, 127}, Numerics::kLiteRT);
  EXPECT_EQ(q.multiplier, 1 << 30);
  EXPECT_EQ(q.shift, 1);
  EXPECT_EQ(q.lhs_offset, -1);
  EXPECT_EQ(q.rhs_offset, 2);
  const std::vector<int8_t> lhs{3, 5}, rhs{0, 2};
  std::vector<int8_t> out(1);
  // acc = (0 + 2)·(3 − 1) + (2 + 2)·(5 − 1) = 20; 20·1 + 3 = 23.
  BatchMatMulQuantized<int8_t, int32_t>(q, {1, 2}, lhs.data(), {2, 1}, rhs.data(), false, false, out.data());
  EXPECT_EQ(out[0], 23);
  const std::vector<int8_t> big{127, 127}, big_r{127, 127};
  BatchMatMulQuantized<int8_t, int32_t>(q, {1, 2}, big.data(), {2, 1}, big_r.data(), false, false, out.data());
  EXPECT_EQ(out[0], 127);  // saturates
}

TEST(BatchMatMul, MultiplierProductMicroInDoubleLiteRTInFloat) {
  // M = 0.1·0.3/0.7: the float32 product quantizes to 1472560299, the double one to 1472560321.
  const BatchMatMulQuantParams micro = PrepareBatchMatMulQuant({0.1f, 0}, {0.3f, 0}, {0.7f, 0}, {-128, 127},
                                                               Numerics::kMicro);
  const BatchMatMulQuantParams litert = PrepareBatchMatMulQuant({0.1f, 0}, {0.3f, 0}, {0.7f, 0}, {-128, 127},
                                                                Numerics::kLiteRT);
  EXPECT_EQ(micro.multiplier, 1472560321);
  EXPECT_EQ(litert.multiplier, 1472560299);
  EXPECT_EQ(micro.shift, -4);
  EXPECT_EQ(litert.shift, -4);
}

TEST(BatchMatMul, Int8DoubleRoundingAndInt16SingleRounding) {
  // M = 0.5·0.5/1 = 0.25 -> (2^30, shift −1). acc = lhs·1.
  const BatchMatMulQuantParams q8 =
      PrepareBatchMatMulQuant({0.5f, 0}, {0.5f, 0}, {1.0f, 0}, {-128, 127}, Numerics::kLiteRT);
  EXPECT_EQ(q8.multiplier, 1 << 30);
  EXPECT_EQ(q8.shift, -1);
  const std::vector<int8_t> lhs8{6, -6, 5, -5}, one8{1};
  std::vector<int8_t> out8(4);
  BatchMatMulQuantized<int8_t, int32_t>(q8, {4, 1}, lhs8.data(), {1, 1}, one8.data(), false, false, out8.data());
  // 1.5 -> 2, −1.5 -> −2 (half away from zero); 1.25 -> SRDHM 2.5 -> 3, then 1.5 -> 2
  // (double rounding); −1.25 -> −1.
  EXPECT_EQ(out8, (std::vector<int8_t>{2, -2, 2, -1}));

  // int16 uses the int64 MBQM: 16-bit multiplier 2^14, (x·2^14 + 2^15) >> 16 = floor(x/4 + 1/2).
  const BatchMatMulQuantParams q16 =
      PrepareBatchMatMulQuant({0.5f, 0}, {0.5f, 0}, {1.0f, 0}, {-32768, 32767}, Numerics::kLiteRT);
  const std::vector<int16_t> lhs16{6, -6, 5, -5}, one16{1};
  std::vector<int16_t> out16(4);
  BatchMatMulQuantized<int16_t, int64_t>(q16, {4, 1}, lhs16.data(), {1, 1}, one16.data(), false, false,
                                         out16.data());
  EXPECT_EQ(out16, (std::vector<int16_t>{2, -1, 1, -1}));
}

TEST(ResizeBilinearInteger, PlainScale) {
  // w 2 -> 3: scale = (2048 + 1)/3 = 683 (Q10). x = 1: weights 341/683 -> 100·683/1024 = 66.7.
  const std::vector<int8_t> in{0, 100}, neg{0, -100};
  std::vector<int8_t> out(3);
  ResizeBilinearInteger<int8_t>({1, 1, 2, 1}, in.data(), {1, 1, 3, 1}, false, false, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{0, 67, 100}));
  ResizeBilinearInteger<int8_t>({1, 1, 2, 1}, neg.data(), {1, 1, 3, 1}, false, false, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{0, -67, -100}));
}

TEST(ResizeBilinearInteger, AlignCornersRoundsHalfAwayFromZero) {
  // w 2 -> 3 with align_corners: scale = (1024 + 1)/2 = 512; x = 1 is the midpoint.
  const std::vector<int8_t> pos{0, 101}, neg{0, -101};
  std::vector<int8_t> out(3);
  ResizeBilinearInteger<int8_t>({1, 1, 2, 1}, pos.data(), {1, 1, 3, 1}, true, false, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{0, 51, 101}));
  ResizeBilinearInteger<int8_t>({1, 1, 2, 1}, neg.data(), {1, 1, 3, 1}, true, false, out.data());
  EXPECT_EQ(out, (std::vector<int8_t>{0, -51, -101}));
}

TEST(ResizeBilinearInteger, HalfPixelCentersAndInt16) {
  // w 2 -> 4: scale 512; positions −256, 256, 768, 1280 (Q10). The first clamps to x = 0 with
  // weights 1280 and −256 on the same pixel.
  const std::vector<int16_t> in{0, 1000};
  std::vector<int16_t> out(4);
  ResizeBilinearInteger<int16_t>({1, 1, 2, 1}, in.data(), {1, 1, 4, 1}, false, true, out.data());
  EXPECT_EQ(out, (std::vector<int16_t>{0, 250, 750, 1000}));
  // 2-D: a 2x2 image to 3x3 with align_corners: the centre is the mean of the four corners.
  const std::vector<int8_t> img{10, 20, 30, 41};
  std::vector<int8_t> o(9);
  ResizeBilinearInteger<int8_t>({1, 2, 2, 1}, img.data(), {1, 3, 3, 1}, true, false, o.data());
  EXPECT_EQ(o, (std::vector<int8_t>{10, 15, 20, 20, 25, 31, 30, 36, 41}));
  EXPECT_THROW(ResizeBilinearInteger<int8_t>({1, 2, 2, 1}, img.data(), {1, 3, 3, 1}, true, true, o.data()),
               std::invalid_argument);
}

TEST(ResizeBilinearUInt8, FloatFormulaPlusHalf) {
  const std::vector<uint8_t> in{0, 100}, in2{0, 101};
  std::vector<uint8_t> out(3);
  ResizeBilinearUInt8({1, 1, 2, 1}, in.data(), {1, 1, 3, 1}, false, false, out.data());
  EXPECT_EQ(out, (std::vector<uint8_t>{0, 67, 100}));  // 66.67 + 0.5 truncated
  ResizeBilinearUInt8({1, 1, 2, 1}, in2.data(), {1, 1, 3, 1}, true, false, out.data());
  EXPECT_EQ(out, (std::vector<uint8_t>{0, 51, 101}));  // 50.5 + 0.5
}

}  // namespace
}  // namespace qtflite::reference
