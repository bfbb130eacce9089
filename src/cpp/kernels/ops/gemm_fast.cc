#include "kernels/ops/gemm_fast.h"

#include "kernels/int8/int8_kernels.h"

namespace qtflite::ops {

void GemmIntegerFast::Pack(const int8::GemmSpec& spec, const reference::Requant& q, const RtTensor& filter,
                                const RtTensor* bias) {
  tried_isa_ = cpu::ActiveIsa();
  tried_spec_ = spec;
  tried_ = true;
  constant_ = filter.known && (!bias || bias->known);
  packed_.Pack(int8::KernelsFor(tried_isa_), spec, q, filter.data, bias ? bias->as<int32_t>() : nullptr);
}

void GemmIntegerFast::Prepare(const int8::GemmSpec& spec, const reference::Requant& q,
                                   const RtTensor& filter, const RtTensor* bias) {
  tried_ = false;
  if (filter.known && (!bias || bias->known)) Pack(spec, q, filter, bias);
}

bool GemmIntegerFast::Eval(const int8::GemmSpec& spec, const reference::Requant& q, const RtTensor& in,
                                const RtTensor& filter, const RtTensor* bias, RtTensor& out, ThreadPool* pool) {
  if (!tried_ || !constant_ || tried_isa_ != cpu::ActiveIsa() || tried_spec_ != spec) Pack(spec, q, filter, bias);
  if (!packed_.packed()) return false;
  packed_.Run(in.data, out.data, pool);
  return true;
}

}  // namespace qtflite::ops
