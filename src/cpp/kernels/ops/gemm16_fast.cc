#include "kernels/ops/gemm16_fast.h"

#include "kernels/int8/int16_kernels.h"

namespace qtflite::ops {

void Gemm16Fast::Pack(const int8::Gemm16Spec& spec, const reference::Requant& q, const RtTensor& filter,
                      const RtTensor* bias) {
  tried_isa_ = cpu::ActiveIsa();
  tried_spec_ = spec;
  tried_ = true;
  constant_ = filter.known && (!bias || bias->known);
  packed_.Pack(int8::Int16KernelsFor(tried_isa_), spec, q, filter.as<int8_t>(), bias ? bias->data : nullptr);
}

void Gemm16Fast::Prepare(const int8::Gemm16Spec& spec, const reference::Requant& q, const RtTensor& filter,
                         const RtTensor* bias) {
  tried_ = false;
  if (filter.known && (!bias || bias->known)) Pack(spec, q, filter, bias);
}

bool Gemm16Fast::Eval(const int8::Gemm16Spec& spec, const reference::Requant& q, const RtTensor& in,
                      const RtTensor& filter, const RtTensor* bias, RtTensor& out) {
  if (!tried_ || !constant_ || tried_isa_ != cpu::ActiveIsa() || tried_spec_ != spec) Pack(spec, q, filter, bias);
  if (!packed_.packed()) return false;
  packed_.Run(in.as<int16_t>(), out.as<int16_t>());
  return true;
}

}  // namespace qtflite::ops
