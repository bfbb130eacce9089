// The interface every operator implements: Prepare (check inputs, infer output shapes,
// precompute multipliers into per-node state) and Eval (compute). Operators live in
// src/cpp/kernels/ops/, one file each; they call the scalar reference kernels or the fast ones.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/errors.h"
#include "ir/model.h"
#include "runtime/tensor.h"
#include "runtime/thread_pool.h"

namespace qtflite {

// Which official runtime's arithmetic to reproduce where they differ (tflite-facts.md §C.0b).
enum class Numerics { kMicro, kLiteRT };

// Per-node data computed in Prepare and used by Eval.
struct OpState {
  virtual ~OpState() = default;
};

class OpContext {
 public:
  OpContext(const Operator& op, int op_index, Numerics numerics, std::vector<RtTensor>* tensors,
            std::unique_ptr<OpState>* state, bool fast_float = false, bool fast_integer = false,
            ThreadPool* pool = nullptr)
      : op_(op), op_index_(op_index), numerics_(numerics), tensors_(tensors), state_(state),
        fast_float_(fast_float), fast_integer_(fast_integer), pool_(pool) {}

  const Operator& op() const { return op_; }
  const OpOptions& options() const { return op_.options; }
  Numerics numerics() const { return numerics_; }
  // Float operators may use the fast kernels (another summation order than the reference).
  bool fast_float() const { return fast_float_; }
  // Integer operators may use the fast kernels (kernels/int8). They are bit-exact with the
  // reference, so this is off only when the user asks for the reference kernels (BUILTIN_REF).
  bool fast_integer() const { return fast_integer_; }
  // The interpreter's threads (null: run on the calling thread only). Kernels split over them
  // only work whose arithmetic does not depend on the split.
  ThreadPool* thread_pool() const { return pool_; }

  int num_inputs() const { return static_cast<int>(op_.inputs.size()); }
  int num_outputs() const { return static_cast<int>(op_.outputs.size()); }
  bool has_input(int i) const { return i < num_inputs() && op_.inputs[i] >= 0; }
  RtTensor& input(int i) {
    if (!has_input(i)) Fail("input " + std::to_string(i) + " is missing");
    return (*tensors_)[op_.inputs[i]];
  }
  RtTensor& output(int i) {
    if (i >= num_outputs()) Fail("output " + std::to_string(i) + " is missing");
    return (*tensors_)[op_.outputs[i]];
  }

  // The operator's intermediate tensors (LSTM's quantization carriers), by position; null when
  // the file lists fewer.
  const RtTensor* intermediate(int i) const {
    if (i < 0 || i >= static_cast<int>(op_.intermediates.size()) || op_.intermediates[i] < 0) return nullptr;
    return &(*tensors_)[op_.intermediates[i]];
  }

  // Sets an output's shape during Prepare.
  void SetOutputShape(int i, std::vector<int32_t> shape) { output(i).shape = std::move(shape); }

  template <typename S>
  S& state() { return *static_cast<S*>(state_->get()); }
  template <typename S>
  S& MakeState() {
    state_->reset(new S());
    return state<S>();
  }

  // "operator 3 (CONV_2D v3): <what>"
  std::string Label() const {
    return "operator " + std::to_string(op_index_) + " (" + op_.Name() + " v" +
           std::to_string(op_.version) + ")";
  }
  [[noreturn]] void Fail(const std::string& what) const { throw ModelError(Label() + ": " + what); }
  [[noreturn]] void Unsupported(const std::string& what) const {
    throw UnsupportedError(Label() + ": " + what);
  }
  void Check(bool ok, const std::string& what) const {
    if (!ok) Fail(what);
  }

 private:
  const Operator& op_;
  int op_index_;
  Numerics numerics_;
  std::vector<RtTensor>* tensors_;
  std::unique_ptr<OpState>* state_;
  bool fast_float_;
  bool fast_integer_;
  ThreadPool* pool_;
};

struct OpKernel {
  void (*prepare)(OpContext&);
  void (*eval)(OpContext&);
  // The output depends only on input shapes (SHAPE), so it can be computed before invoke.
  bool reads_only_shapes = false;
};

// The kernel for a builtin operator, or nullptr if qtflite does not implement it.
const OpKernel* FindOpKernel(int32_t builtin_code);

}  // namespace qtflite
