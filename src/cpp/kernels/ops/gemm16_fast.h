// CONV_2D and FULLY_CONNECTED with int16 activations and int8 weights (16x8) on the fast GEMM
// kernels of the active tier (kernels/int8/gemm16.h), as the operator's state keeps it: the
// weights are packed at Prepare when they are constant, packed again when a test switches the
// tier or the shapes change, and every invoke when they are not constant.
#pragma once

#include "kernels/int8/gemm16.h"
#include "kernels/reference/common.h"
#include "runtime/tensor.h"

namespace qtflite::ops {

class Gemm16Fast {
 public:
  // Packs for the active tier when the weights (and bias) are known before invoke.
  void Prepare(const int8::Gemm16Spec& spec, const reference::Requant& q, const RtTensor& filter,
               const RtTensor* bias);
  // Computes `out`; false when the fast kernels do not take this node (the caller runs the
  // reference kernel).
  bool Eval(const int8::Gemm16Spec& spec, const reference::Requant& q, const RtTensor& in, const RtTensor& filter,
            const RtTensor* bias, RtTensor& out);

 private:
  void Pack(const int8::Gemm16Spec& spec, const reference::Requant& q, const RtTensor& filter, const RtTensor* bias);

  int8::PackedGemm16 packed_;
  bool tried_ = false;     // Pack ran for tried_isa_ and tried_spec_
  bool constant_ = false;  // ... on weights and bias known before invoke
  cpu::Isa tried_isa_ = cpu::Isa::kSse2;
  int8::Gemm16Spec tried_spec_;
};

}  // namespace qtflite::ops
