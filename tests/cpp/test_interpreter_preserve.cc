// SetPreserveAllTensors (tf.lite.Interpreter's experimental_preserve_all_tensors): every tensor
// computed at invoke time gets memory of its own, so intermediates keep their values; without
// it the arena shares memory between tensors whose lifetimes do not overlap.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

#include "ir/builtin_ops.h"
#include "ir/model.h"
#include "runtime/interpreter.h"

namespace qtflite {
namespace {

// t0 -> ADD(t0, t0) -> t1 -> ADD(t1, t1) -> t2 -> ... -> t5: t_k = 2^k * t0.
std::shared_ptr<Model> DoublingChain() {
  auto m = std::make_shared<Model>();
  m->subgraphs.resize(1);
  Graph& g = m->subgraphs[0];
  for (int k = 0; k <= 5; ++k) {
    Tensor t;
    t.name = "t" + std::to_string(k);
    t.dtype = DType::kFloat32;
    t.shape = {1, 64};
    g.tensors.push_back(t);
  }
  for (int k = 0; k < 5; ++k) {
    Operator add;
    add.builtin_code = op::kAdd;
    add.inputs = {k, k};
    add.outputs = {k + 1};
    add.options = OpOptions::Defaults("AddOptions");
    g.operators.push_back(add);
  }
  g.inputs = {0};
  g.outputs = {5};
  return m;
}

// Runs the chain on t0 = 1 and returns whether every tensor holds 2^k afterwards, and how many
// distinct addresses the tensors have.
std::pair<bool, size_t> RunChain(bool preserve) {
  Interpreter it(DoublingChain(), Numerics::kMicro);
  it.SetPreserveAllTensors(preserve);
  it.AllocateTensors();
  float* x = it.mutable_tensor(0).as<float>();
  for (int i = 0; i < 64; ++i) x[i] = 1.0f;
  it.Invoke();
  bool all_intact = true;
  std::set<const uint8_t*> addresses;
  for (int k = 0; k <= 5; ++k) {
    const RtTensor& t = it.tensor(k);
    addresses.insert(t.data);
    for (int i = 0; i < 64; ++i) all_intact = all_intact && t.as<float>()[i] == static_cast<float>(1 << k);
  }
  return {all_intact, addresses.size()};
}

TEST(InterpreterPreserve, WithoutTheFlagTheArenaReusesMemory) {
  auto [intact, distinct] = RunChain(false);
  EXPECT_LT(distinct, 6u);
  EXPECT_FALSE(intact);  // an early intermediate was overwritten by a later one
}

TEST(InterpreterPreserve, WithTheFlagEveryIntermediateKeepsItsValue) {
  auto [intact, distinct] = RunChain(true);
  EXPECT_EQ(distinct, 6u);
  EXPECT_TRUE(intact);
}

TEST(InterpreterPreserve, SwitchingTheFlagNeedsANewAllocation) {
  Interpreter it(DoublingChain(), Numerics::kMicro);
  it.AllocateTensors();
  const size_t shared = it.arena_bytes();
  it.SetPreserveAllTensors(true);
  EXPECT_FALSE(it.ready());
  it.AllocateTensors();
  EXPECT_GT(it.arena_bytes(), shared);
}

}  // namespace
}  // namespace qtflite
