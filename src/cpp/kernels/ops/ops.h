// One function per operator, each defined in its own file in this directory.
#pragma once

#include "runtime/op_kernel.h"

namespace qtflite {
namespace ops {

const OpKernel* Activation();  // LOGISTIC, TANH, RELU*, LEAKY_RELU, HARD_SWISH, PRELU
const OpKernel* Add();
const OpKernel* AveragePool2D();
const OpKernel* BatchMatMul();
const OpKernel* Concatenation();
const OpKernel* Conv2D();
const OpKernel* DepthwiseConv2D();
const OpKernel* Dequantize();
const OpKernel* MaxPool2D();
const OpKernel* Maximum();
const OpKernel* Minimum();
const OpKernel* MeanOrSum();
const OpKernel* Mul();
const OpKernel* Quantize();
const OpKernel* ReduceMax();
const OpKernel* Softmax();
const OpKernel* Sub();
const OpKernel* TransposeConv();
const OpKernel* UnaryFloat();  // GELU, ELU, EXP, LOG, ABS, NEG, SQRT, RSQRT
const OpKernel* ExpandDims();
const OpKernel* FullyConnected();
const OpKernel* GreaterEqual();
const OpKernel* SelectV2();
const OpKernel* Pack();
const OpKernel* Pad();  // PAD and PADV2
const OpKernel* Reshape();
const OpKernel* ReverseV2();
const OpKernel* ResizeBilinear();
const OpKernel* ResizeNearestNeighbor();
const OpKernel* Shape();
const OpKernel* Squeeze();
const OpKernel* StridedSlice();
const OpKernel* Transpose();
const OpKernel* UnidirectionalSequenceLstm();

}  // namespace ops
}  // namespace qtflite
