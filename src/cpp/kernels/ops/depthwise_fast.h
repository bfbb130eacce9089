// Integer DEPTHWISE_CONV_2D (int8, uint8, int16) on the fast kernels of the active tier
// (kernels/int8/depthwise.h), as the operator's state keeps it: the weights are packed at Prepare
// when they are constant, packed again when a test switches the tier or the shapes change, and
// every invoke when they are not constant.
#pragma once

#include "kernels/int8/depthwise.h"
#include "kernels/reference/common.h"
#include "runtime/tensor.h"

namespace qtflite::ops {

class DepthwiseIntegerFast {
 public:
  // Packs for the active tier when the weights (and bias) are known before invoke.
  void Prepare(const int8::DepthwiseSpec& spec, const reference::Requant& q, const RtTensor& filter,
               const RtTensor* bias);
  // Computes `out`; false when the fast kernels do not take this node (the caller runs the
  // reference kernel).
  bool Eval(const int8::DepthwiseSpec& spec, const reference::Requant& q, const RtTensor& in, const RtTensor& filter,
            const RtTensor* bias, RtTensor& out, ThreadPool* pool = nullptr);

 private:
  void Pack(const int8::DepthwiseSpec& spec, const reference::Requant& q, const RtTensor& filter, const RtTensor* bias);

  int8::PackedDepthwise packed_;
  bool tried_ = false;     // Pack ran for tried_isa_ and packed_.spec() / tried_spec_
  bool constant_ = false;  // ... on weights and bias known before invoke
  cpu::Isa tried_isa_ = cpu::Isa::kSse2;
  int8::DepthwiseSpec tried_spec_;
};

}  // namespace qtflite::ops
