// Weights packed for the fast float GEMM, kept in an operator's state across invokes while the
// weights (and bias) are known before invoke; packed again every invoke otherwise, and when a
// test switches the ISA.
#pragma once

#include "kernels/fast/float_kernels.h"
#include "runtime/tensor.h"

namespace qtflite::ops {

class FloatWeightCache {
 public:
  // weights: n rows of k floats; bias: n floats or null.
  const fast::PackedFloatWeights& Get(const RtTensor& weights, const RtTensor* bias, int n, int k) {
    if (!valid_ || packed_.isa != cpu::ActiveIsa() || packed_.n != n || packed_.k != k) {
      packed_ = fast::PackFloatWeights(weights.as<float>(), n, k, bias ? bias->as<float>() : nullptr);
      valid_ = weights.known && (!bias || bias->known);
    }
    return packed_;
  }

 private:
  fast::PackedFloatWeights packed_;
  bool valid_ = false;
};

}  // namespace qtflite::ops
