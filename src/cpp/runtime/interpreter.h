// Runs one subgraph of a Model: resize inputs, plan (shape inference through each operator's
// Prepare, constant folding, one arena for activations), then invoke operator by operator.
#pragma once

#include <memory>
#include <vector>

#include "ir/model.h"
#include "runtime/calibration_histogram.h"
#include "runtime/op_kernel.h"
#include "runtime/tensor.h"
#include "runtime/thread_pool.h"

namespace qtflite {

class Interpreter {
 public:
  Interpreter(std::shared_ptr<const Model> model, Numerics numerics);
  ~Interpreter();

  const Graph& graph() const { return *graph_; }
  const Model& model() const { return *model_; }
  Numerics numerics() const { return numerics_; }

  // Gives graph input `tensor_index` a new shape; takes effect at the next AllocateTensors.
  void ResizeInput(int tensor_index, const std::vector<int32_t>& shape);
  void AllocateTensors();
  void Invoke();
  // Sets every variable tensor (is_variable: LSTM state, streaming buffers) to its initial value
  // as TFLite does: bytes of the zero point for int8, zeros otherwise. AllocateTensors does it
  // too; between them the operators' updates persist from one invoke to the next.
  void ResetVariables();
  bool ready() const { return ready_; }

  int num_tensors() const { return static_cast<int>(graph_->tensors.size()); }
  // Current runtime view; shape and data valid after AllocateTensors.
  const RtTensor& tensor(int index) const;
  RtTensor& mutable_tensor(int index);
  // Shape the tensor has now: after AllocateTensors the planned shape, before it the file's
  // (or the requested one, for a resized input).
  std::vector<int32_t> CurrentShape(int index) const;
  size_t arena_bytes() const { return arena_bytes_; }

  // Calibration: while on, every invoke widens the running [min, max] of each float32
  // tensor it computes (graph inputs included; NaNs skipped), as TensorFlow's calibrator does.
  void SetCalibrating(bool on) { calibrating_ = on; }
  // Float CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED on the fast kernels (src/cpp/kernels/
  // fast) instead of the reference ones: equal up to float rounding, many times faster.
  // Calibration turns this on, as TensorFlow calibrates on TFLite's optimized kernels.
  void SetFastFloatKernels(bool on) { fast_float_ = on; }
  // Integer operators on the fast kernels (src/cpp/kernels/int8, bit-exact with the reference):
  // on by default; off runs the scalar reference kernels, for debugging.
  void SetFastIntegerKernels(bool on) { fast_integer_ = on; }
  // Threads for the operators that split their work (GEMM, depthwise): n >= 1, or -1 for all
  // cores. Results are identical for every count. Not to be called during Invoke.
  void SetNumThreads(int n);
  int num_threads() const { return pool_ ? pool_->size() : 1; }
  void ResetRanges() {
    ranges_.clear();
    sample_ranges_.clear();
    sample_slot_.clear();
    histograms_.clear();
    histogram_slot_.clear();
  }
  // Per-sample calibration ranges: while on (and calibrating), each float32 tensor whose first
  // dimension is the batch also records every sample's own [min, max], so that robust
  // calibration methods can discount outlier samples (qtflite/quantize/calibration_methods.py).
  void SetPerSampleRanges(bool on) { per_sample_ = on; }
  // Value histograms: while on (and calibrating), each float32 tensor's values also go into a
  // CalibrationHistogram, for the histogram calibration methods.
  void SetHistograms(bool on) { histograms_on_ = on; }
  const std::vector<std::pair<int, CalibrationHistogram>>& Histograms() const { return histograms_; }
  // tf.lite.Interpreter's experimental_preserve_all_tensors: the arena gives every tensor computed
  // at invoke time memory of its own, so that intermediates stay readable after Invoke (off, they
  // share memory by lifetime and a later operator may overwrite one). Takes effect at the next
  // AllocateTensors.
  void SetPreserveAllTensors(bool on) {
    if (on != preserve_all_) ready_ = false;
    preserve_all_ = on;
  }
  bool preserve_all_tensors() const { return preserve_all_; }

  // Per-operator profile: while on, Invoke times every operator it runs (steady clock) and adds
  // the time to that operator's entry; off (the default), Invoke takes no timestamps at all.
  // Turning it on, or AllocateTensors, clears the profile.
  struct OpProfile {
    int64_t calls = 0;
    int64_t nanoseconds = 0;
  };
  void SetProfiling(bool on);
  bool profiling() const { return profiling_; }
  void ResetProfile();
  // One entry per operator of the graph (folded operators keep zero calls).
  const std::vector<OpProfile>& OperatorProfile() const { return op_profile_; }
  // The invokes profiled and their whole time (operators and the loop between them).
  int64_t ProfiledInvokes() const { return profiled_invokes_; }
  int64_t ProfiledNanoseconds() const { return profiled_ns_; }
  struct Range {
    float min, max;
  };
  const std::vector<std::pair<int, Range>> Ranges() const;
  // Tensor index -> every observed sample's min and max, in order (per-sample mode only).
  struct SampleRanges {
    std::vector<float> min, max;
  };
  const std::vector<std::pair<int, SampleRanges>>& PerSampleRanges() const { return sample_ranges_; }
  // Keeps the current tensor memory (arena, folded values, model bytes) alive for as long as
  // the returned handle lives, so that a NumPy view outlives a later re-allocation safely.
  std::shared_ptr<void> KeepAlive() const;

 private:
  struct Node {
    const Operator* op = nullptr;
    const OpKernel* kernel = nullptr;
    std::unique_ptr<OpState> state;
    bool folded = false;  // computed once during AllocateTensors
  };

  void CheckIndex(int index) const;

  std::shared_ptr<const Model> model_;
  const Graph* graph_;
  Numerics numerics_;
  std::vector<std::vector<int32_t>> requested_shapes_;  // per tensor; empty = file's shape
  std::vector<RtTensor> tensors_;
  std::vector<Node> nodes_;
  std::vector<std::shared_ptr<std::vector<uint8_t>>> owned_;  // folded and variable tensors
  std::shared_ptr<uint8_t> arena_;
  size_t arena_bytes_ = 0;
  bool ready_ = false;
  bool calibrating_ = false;
  bool fast_float_ = false;
  bool fast_integer_ = true;
  bool preserve_all_ = false;
  std::unique_ptr<ThreadPool> pool_;  // null: one thread
  std::vector<std::pair<int, Range>> ranges_;  // tensor index -> observed range
  bool per_sample_ = false;
  std::vector<std::pair<int, SampleRanges>> sample_ranges_;
  std::vector<int> sample_slot_;  // tensor index -> position in sample_ranges_, or -1
  bool histograms_on_ = false;
  std::vector<std::pair<int, CalibrationHistogram>> histograms_;
  std::vector<int> histogram_slot_;  // tensor index -> position in histograms_, or -1
  void ObservePerSample(int index, int32_t batch, float* lo, float* hi);
  bool profiling_ = false;
  std::vector<OpProfile> op_profile_;
  int64_t profiled_invokes_ = 0, profiled_ns_ = 0;

  void InvokeProfiled();

  void Observe(int tensor_index);
};

}  // namespace qtflite
