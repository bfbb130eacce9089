// Errors raised while preparing a model name the operator (index, opcode, version) and its
// tensors, whichever helper threw them, and keep a sensible kind.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "ir/builtin_ops.h"
#include "ir/errors.h"
#include "ir/model.h"
#include "runtime/interpreter.h"

namespace qtflite {
namespace {

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "message: " << (haystack)

Tensor Int8Tensor(const std::string& name, float scale, int64_t zero_point) {
  Tensor t;
  t.name = name;
  t.dtype = DType::kInt8;
  t.shape = {1, 10};
  t.quant.scales = {scale};
  t.quant.zero_points = {zero_point};
  return t;
}

// RELU (a harmless first operator), then SOFTMAX on an int8 input of scale `softmax_in_scale`.
std::shared_ptr<Model> ReluThenSoftmax(float softmax_in_scale) {
  auto m = std::make_shared<Model>();
  m->subgraphs.resize(1);
  Graph& g = m->subgraphs[0];
  g.tensors = {Int8Tensor("x", 0.5f, 0), Int8Tensor("logits", softmax_in_scale, 0),
               Int8Tensor("probs", 1.0f / 256.0f, -128)};
  g.inputs = {0};
  g.outputs = {2};
  Operator relu;
  relu.builtin_code = op::kRelu;
  relu.inputs = {0};
  relu.outputs = {1};
  Operator softmax;
  softmax.builtin_code = op::kSoftmax;
  softmax.version = 2;
  softmax.inputs = {1};
  softmax.outputs = {2};
  softmax.options = OpOptions::Defaults("SoftmaxOptions");
  softmax.options.Set("beta", 1.0);
  g.operators = {relu, softmax};
  return m;
}

std::string AllocateError(std::shared_ptr<Model> m, Numerics numerics) {
  Interpreter interpreter(std::move(m), numerics);
  try {
    interpreter.AllocateTensors();
  } catch (const ModelError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected ModelError, got another exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected ModelError, but the model was prepared";
  return "";
}

TEST(InterpreterErrors, ArithmeticHelperErrorsNameTheOperatorAndTensors) {
  // β·s_in·2^26 = 0.53 < 1: QuantizeMultiplierGreaterThanOne refuses (as every runtime does).
  for (Numerics numerics : {Numerics::kMicro, Numerics::kLiteRT}) {
    const std::string e = AllocateError(ReluThenSoftmax(7.84e-9f), numerics);
    EXPECT_CONTAINS(e, "operator 1 (SOFTMAX v2): QuantizeMultiplierGreaterThanOne");
    EXPECT_CONTAINS(e, "inputs: tensor 1 'logits' int8[1,10] scale 7.84e-09 zero point 0");
    EXPECT_CONTAINS(e, "outputs: tensor 2 'probs' int8[1,10] scale 0.00390625 zero point -128");
  }
  Interpreter fine(ReluThenSoftmax(1.5e-8f), Numerics::kMicro);  // 1.006 > 1
  EXPECT_NO_THROW(fine.AllocateTensors());
}

TEST(InterpreterErrors, OperatorErrorsAreLabelledOnceAndKeepTheirKind) {
  auto m = ReluThenSoftmax(0.5f);
  m->subgraphs[0].tensors[2].quant.scales = {0.01f};  // SOFTMAX's own check (OpContext-free)
  std::string e = AllocateError(m, Numerics::kMicro);
  EXPECT_EQ(e.find("operator 1 (SOFTMAX v2): softmax: int8 output must have scale 1/256"), 0u) << e;
  EXPECT_CONTAINS(e, "'probs'");

  m = ReluThenSoftmax(0.5f);
  m->subgraphs[0].tensors[2].dtype = DType::kInt32;  // the kernel's own OpContext error
  Interpreter interpreter(m, Numerics::kMicro);
  try {
    interpreter.AllocateTensors();
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& error) {
    const std::string what = error.what();
    EXPECT_EQ(what.find("operator 1 (SOFTMAX v2): "), 0u) << what;
    EXPECT_EQ(what.find("operator 1 (SOFTMAX v2)", 1), std::string::npos) << "labelled twice: " << what;
    EXPECT_CONTAINS(what, "outputs: tensor 2 'probs' int32[1,10]");
  }
}

}  // namespace
}  // namespace qtflite
