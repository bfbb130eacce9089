// builtin code -> operator. An explicit table (not static registration) so that the linker
// cannot drop an operator's object file from the static library.
#include "ir/builtin_ops.h"
#include "kernels/ops/ops.h"

namespace qtflite {

const OpKernel* FindOpKernel(int32_t builtin_code) {
  switch (builtin_code) {
    case op::kAdd: return ops::Add();
    case op::kAveragePool2D: return ops::AveragePool2D();
    case op::kBatchMatMul: return ops::BatchMatMul();
    case op::kConv2D: return ops::Conv2D();
    case op::kDepthwiseConv2D: return ops::DepthwiseConv2D();
    case op::kDequantize: return ops::Dequantize();
    case op::kHardSwish:
    case op::kLeakyRelu:
    case op::kLogistic:
    case op::kPrelu:
    case op::kRelu:
    case op::kRelu6:
    case op::kReluN1To1:
    case op::kTanh: return ops::Activation();
    case op::kMaxPool2D: return ops::MaxPool2D();
    case op::kMaximum: return ops::Maximum();
    case op::kMinimum: return ops::Minimum();
    case op::kMean:
    case op::kSum: return ops::MeanOrSum();
    case op::kMul: return ops::Mul();
    case op::kQuantize: return ops::Quantize();
    case 82: return ops::ReduceMax();  // REDUCE_MAX
    case 62: return ops::GreaterEqual();  // GREATER_EQUAL
    case 123: return ops::SelectV2();  // SELECT_V2
    case op::kGelu:
    case 47:   // EXP
    case 59:   // NEG
    case 73:   // LOG
    case 75:   // SQRT
    case 76:   // RSQRT
    case 101:  // ABS
    case 111:  // ELU
      return ops::UnaryFloat();
    case op::kSoftmax: return ops::Softmax();
    case op::kSub: return ops::Sub();
    case op::kTransposeConv: return ops::TransposeConv();
    case op::kConcatenation: return ops::Concatenation();
    case op::kExpandDims: return ops::ExpandDims();
    case op::kFullyConnected: return ops::FullyConnected();
    case op::kPack: return ops::Pack();
    case op::kPad: return ops::Pad();
    case op::kPadV2: return ops::Pad();
    case op::kReshape: return ops::Reshape();
    case 105: return ops::ReverseV2();  // REVERSE_V2
    case op::kResizeBilinear: return ops::ResizeBilinear();
    case op::kResizeNearestNeighbor: return ops::ResizeNearestNeighbor();
    case op::kShape: return ops::Shape();
    case op::kSqueeze: return ops::Squeeze();
    case op::kStridedSlice: return ops::StridedSlice();
    case op::kTranspose: return ops::Transpose();
    case op::kUnidirectionalSequenceLstm: return ops::UnidirectionalSequenceLstm();
    default: return nullptr;
  }
}

}  // namespace qtflite
