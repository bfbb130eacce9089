#include "runtime/interpreter.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <limits>
#include <sstream>

#include "ir/builtin_ops.h"
#include "ir/errors.h"
#include "kernels/fast/float_kernels.h"
#include "runtime/arena_planner.h"

namespace qtflite {
namespace {

std::string TensorLabel(const Graph& g, int i) {
  return "tensor " + std::to_string(i) + " '" + g.tensors[i].name + "'";
}

size_t TensorBytes(const RtTensor& t, const Graph& g, int index) {
  size_t esize = DTypeSize(t.dtype);
  if (esize == 0) {
    throw UnsupportedError(TensorLabel(g, index) + " has element type " + DTypeName(t.dtype) +
                           ", which the interpreter does not support");
  }
  int64_t n = t.num_elements();
  if (n < 0) throw ModelError(TensorLabel(g, index) + " has a negative dimension");
  return static_cast<size_t>(n) * esize;
}

// "tensor 5 'logits' int8[1,10] scale 0.1 zero point -3", for errors.
std::string TensorSummary(const Graph& g, const std::vector<RtTensor>& tensors, int i) {
  std::ostringstream s;
  s << TensorLabel(g, i) << " " << DTypeName(tensors[i].dtype) << "[";
  for (size_t d = 0; d < tensors[i].shape.size(); ++d) s << (d ? "," : "") << tensors[i].shape[d];
  s << "]";
  const QuantParams& q = g.tensors[i].quant;
  if (q.scales.size() == 1) {
    s << " scale " << q.scales[0] << " zero point " << (q.zero_points.empty() ? 0 : q.zero_points[0]);
  } else if (q.scales.size() > 1) {
    s << " with " << q.scales.size() << " scales along dimension " << q.quantized_dimension;
  }
  return s.str();
}

// The operator's tensors, for errors; long lists are cut short.
std::string OperatorTensors(const Graph& g, const std::vector<RtTensor>& tensors, const Operator& op) {
  constexpr size_t kMaxListed = 6;
  auto list = [&](const std::vector<int32_t>& indices) {
    std::string out;
    size_t listed = 0;
    for (int32_t i : indices) {
      if (i < 0 || i >= static_cast<int32_t>(tensors.size())) continue;
      if (listed == kMaxListed) return out + ", ...";
      out += (listed++ ? ", " : "") + TensorSummary(g, tensors, i);
    }
    return listed ? out : std::string("none");
  };
  return "inputs: " + list(op.inputs) + "; outputs: " + list(op.outputs);
}

// Runs one step of an operator at allocation (its Prepare, or its constant folding). An error
// escaping it is rethrown naming the operator (index, opcode, version) and its tensors, as
// OpContext::Fail does: the arithmetic helpers it calls (QuantizeMultiplier... in
// kernels/reference/prepare.cc, quant/fixed_point.cc) know neither. Their std::invalid_argument
// means the file's parameters are ones the runtimes refuse: a ModelError. The core's own error
// kinds keep their kind (and so their Python type).
template <typename Step>
void WithOperatorContext(const Graph& g, const std::vector<RtTensor>& tensors, const Operator& op, int index,
                         Step&& step) {
  const std::string label =
      "operator " + std::to_string(index) + " (" + op.Name() + " v" + std::to_string(op.version) + ")";
  auto with_context = [&](const char* what) {
    std::string message(what);
    if (message.compare(0, label.size(), label) != 0) message = label + ": " + message;
    return message + " [" + OperatorTensors(g, tensors, op) + "]";
  };
  try {
    step();
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const UnsupportedError& e) {
    throw UnsupportedError(with_context(e.what()));
  } catch (const InvalidArgument& e) {
    throw InvalidArgument(with_context(e.what()));
  } catch (const StateError& e) {
    throw StateError(with_context(e.what()));
  } catch (const std::exception& e) {  // ModelError, std::invalid_argument, ...
    throw ModelError(with_context(e.what()));
  }
}

}  // namespace

Interpreter::Interpreter(std::shared_ptr<const Model> model, Numerics numerics)
    : model_(std::move(model)), numerics_(numerics) {
  if (!model_ || model_->subgraphs.empty()) throw ModelError("model has no subgraph 0");
  graph_ = &model_->subgraphs[0];
  requested_shapes_.resize(graph_->tensors.size());
}

Interpreter::~Interpreter() = default;

std::shared_ptr<void> Interpreter::KeepAlive() const {
  struct Holder {
    std::shared_ptr<const Model> model;
    std::shared_ptr<uint8_t> arena;
    std::vector<std::shared_ptr<std::vector<uint8_t>>> owned;
  };
  return std::make_shared<Holder>(Holder{model_, arena_, owned_});
}

void Interpreter::CheckIndex(int index) const {
  if (index < 0 || index >= num_tensors()) {
    throw InvalidArgument("Invalid tensor index " + std::to_string(index) +
                          " exceeds max tensor index " + std::to_string(num_tensors()));
  }
}

const RtTensor& Interpreter::tensor(int index) const {
  CheckIndex(index);
  if (!ready_) throw StateError("tensors are not allocated: call allocate_tensors() first");
  return tensors_[index];
}

RtTensor& Interpreter::mutable_tensor(int index) {
  return const_cast<RtTensor&>(static_cast<const Interpreter*>(this)->tensor(index));
}

std::vector<int32_t> Interpreter::CurrentShape(int index) const {
  CheckIndex(index);
  if (ready_) return tensors_[index].shape;
  if (!requested_shapes_[index].empty()) return requested_shapes_[index];
  return graph_->tensors[index].shape;
}

void Interpreter::ResizeInput(int tensor_index, const std::vector<int32_t>& shape) {
  CheckIndex(tensor_index);
  if (std::find(graph_->inputs.begin(), graph_->inputs.end(), tensor_index) == graph_->inputs.end()) {
    throw InvalidArgument("tensor " + std::to_string(tensor_index) + " is not an input of the model");
  }
  for (int32_t d : shape) {
    if (d < 0) throw InvalidArgument("cannot resize an input to a negative dimension");
  }
  requested_shapes_[tensor_index] = shape;
  ready_ = false;
}

void Interpreter::AllocateTensors() {
  ready_ = false;
  const Graph& g = *graph_;
  const int n = num_tensors();
  const int num_ops = static_cast<int>(g.operators.size());
  tensors_.assign(n, RtTensor());
  owned_.clear();
  nodes_.clear();
  nodes_.resize(num_ops);

  std::vector<bool> available(n, false);  // has a value or a producer before the current op
  for (int i = 0; i < n; ++i) {
    RtTensor& t = tensors_[i];
    const Tensor& ir = g.tensors[i];
    t.ir = &ir;
    t.dtype = ir.dtype;
    t.shape = requested_shapes_[i].empty() ? ir.shape : requested_shapes_[i];
    if (ir.data) {
      // Constants are read in place from the model bytes; kernels never write inputs.
      t.data = const_cast<uint8_t*>(ir.data->data());
      t.bytes = ir.data->size();
      t.constant = t.known = true;
      available[i] = true;
    } else if (ir.is_variable) {
      owned_.push_back(std::make_shared<std::vector<uint8_t>>(TensorBytes(t, g, i), 0));
      t.data = owned_.back()->data();
      t.bytes = owned_.back()->size();
      available[i] = true;
    }
  }
  for (int32_t i : g.inputs) available[i] = true;

  // Prepare in order; fold operators whose inputs are all known.
  std::vector<int> first_use(n, num_ops + 1), last_use(n, -2);
  for (int32_t i : g.inputs) first_use[i] = -1, last_use[i] = std::max(last_use[i], -1);
  for (int k = 0; k < num_ops; ++k) {
    const Operator& op = g.operators[k];
    Node& node = nodes_[k];
    node.op = &op;
    node.kernel = op.builtin_code == op::kCustom ? nullptr : FindOpKernel(op.builtin_code);
    if (!node.kernel) {
      throw UnsupportedError("operator " + std::to_string(k) + " (" + op.Name() + " version " +
                             std::to_string(op.version) + ") is not implemented by qtflite");
    }
    bool all_known = !op.inputs.empty();
    for (int32_t i : op.inputs) {
      if (i < 0) continue;
      if (!available[i]) {
        throw ModelError("operator " + std::to_string(k) + " (" + op.Name() + ") reads " +
                         TensorLabel(g, i) + " before any operator writes it");
      }
      all_known = all_known && (tensors_[i].known || node.kernel->reads_only_shapes);
      first_use[i] = std::min(first_use[i], k);
      last_use[i] = std::max(last_use[i], k);
    }
    OpContext ctx(op, k, numerics_, &tensors_, &node.state, fast_float_, fast_integer_, pool_.get());
    WithOperatorContext(g, tensors_, op, k, [&] { node.kernel->prepare(ctx); });
    for (int32_t o : op.outputs) {
      if (tensors_[o].constant) {
        throw ModelError("operator " + std::to_string(k) + " (" + op.Name() + ") writes into constant " +
                         TensorLabel(g, o));
      }
      tensors_[o].bytes = TensorBytes(tensors_[o], g, o);
      available[o] = true;
      first_use[o] = std::min(first_use[o], k);
      last_use[o] = std::max(last_use[o], k);
    }
    if (all_known) {
      for (int32_t o : op.outputs) {
        owned_.push_back(std::make_shared<std::vector<uint8_t>>(tensors_[o].bytes, 0));
        tensors_[o].data = owned_.back()->data();
        tensors_[o].known = true;
      }
      WithOperatorContext(g, tensors_, op, k, [&] { node.kernel->eval(ctx); });
      node.folded = true;
    }
  }
  for (int32_t o : g.outputs) {
    if (!available[o]) throw ModelError("graph output " + TensorLabel(g, o) + " is never written");
    last_use[o] = num_ops;
  }
  // Graph inputs stay intact across invoke, as in tf.lite: set once, invoke many times.
  for (int32_t i : g.inputs) {
    if (last_use[i] >= -1) last_use[i] = num_ops;
  }

  // RESHAPE of an intermediate tensor into another (neither a graph input nor output) shares the
  // input's memory: the output is the same bytes under another shape, so the input's lifetime is
  // extended to the output's and RESHAPE's Eval has nothing to copy.
  std::vector<int> alias_of(n, -1);
  auto is_io = [&](int i) {
    return std::find(g.inputs.begin(), g.inputs.end(), i) != g.inputs.end() ||
           std::find(g.outputs.begin(), g.outputs.end(), i) != g.outputs.end();
  };
  for (int k = 0; k < num_ops; ++k) {
    const Operator& op = g.operators[k];
    if (nodes_[k].folded || op.builtin_code != op::kReshape || op.inputs.empty() || op.outputs.size() != 1) continue;
    const int i = op.inputs[0], o = op.outputs[0];
    if (i < 0 || i == o || tensors_[i].data || tensors_[o].data || is_io(i) || is_io(o)) continue;
    if (tensors_[i].bytes != tensors_[o].bytes || tensors_[i].dtype != tensors_[o].dtype) continue;
    const int root = alias_of[i] >= 0 ? alias_of[i] : i;
    alias_of[o] = root;
    last_use[root] = std::max(last_use[root], last_use[o]);
  }

  // One arena for everything computed at invoke time.
  std::vector<int> placed;
  std::vector<ArenaRequest> requests;
  for (int i = 0; i < n; ++i) {
    RtTensor& t = tensors_[i];
    if (t.data || last_use[i] < -1 || alias_of[i] >= 0) continue;  // constant, owned, unused or shared
    if (t.bytes == 0 && t.num_elements() != 0) t.bytes = TensorBytes(t, g, i);
    placed.push_back(i);
    // Preserving: alive from before the first operator to after the last, so never shared.
    if (preserve_all_) requests.push_back({t.bytes, -1, num_ops});
    else requests.push_back({t.bytes, first_use[i], last_use[i]});
  }
  ArenaPlan plan = PlanArena(requests);
  arena_.reset();
  arena_bytes_ = plan.total_bytes;
  if (arena_bytes_ > 0) {
    // calloc: large zeroed blocks come straight from the OS, without touching every page now
    // (a calibration batch's arena is tens of MB). Aligned by hand inside the block.
    void* block = std::calloc(plan.total_bytes + kArenaAlignment, 1);
    if (!block) throw std::bad_alloc();
    auto address = reinterpret_cast<uintptr_t>(block);
    auto* p = reinterpret_cast<uint8_t*>((address + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment);
    arena_.reset(p, [block](uint8_t*) { std::free(block); });
  }
  for (size_t r = 0; r < placed.size(); ++r) tensors_[placed[r]].data = arena_.get() + plan.offsets[r];
  for (int i = 0; i < n; ++i) {
    if (alias_of[i] >= 0) tensors_[i].data = tensors_[alias_of[i]].data;
  }
  ResetProfile();
  ready_ = true;
  ResetVariables();
}

void Interpreter::ResetVariables() {
  if (!ready_) throw StateError("tensors are not allocated: call allocate_tensors() first");
  for (RtTensor& t : tensors_) {
    if (!t.ir->is_variable || t.constant || !t.data) continue;
    const int value = t.dtype == DType::kInt8 ? t.zero_point() : 0;
    std::memset(t.data, value, t.bytes);
  }
}

void Interpreter::Invoke() {
  if (!ready_) throw StateError("Invoke called on model that is not ready: call allocate_tensors() first");
  if (profiling_) {
    InvokeProfiled();
    return;
  }
  if (calibrating_) {
    for (int32_t i : graph_->inputs) Observe(i);
  }
  for (size_t k = 0; k < nodes_.size(); ++k) {
    Node& node = nodes_[k];
    if (node.folded) continue;
    OpContext ctx(*node.op, static_cast<int>(k), numerics_, &tensors_, &node.state, fast_float_, fast_integer_, pool_.get());
    node.kernel->eval(ctx);
    if (calibrating_) {
      for (int32_t o : node.op->outputs) Observe(o);
    }
  }
}

void Interpreter::SetNumThreads(int n) {
  if (n < 1 && n != -1) throw InvalidArgument("num_threads should be >= 1 or -1 (all cores)");
  const int threads = n == -1 ? ThreadPool::AvailableCores() : n;
  if (threads == num_threads()) return;
  pool_ = threads > 1 ? std::make_unique<ThreadPool>(threads) : nullptr;
}

void Interpreter::SetProfiling(bool on) {
  profiling_ = on;
  ResetProfile();
}

void Interpreter::ResetProfile() {
  op_profile_.assign(graph_->operators.size(), OpProfile());
  profiled_invokes_ = profiled_ns_ = 0;
}

// Invoke's loop with a timestamp around every operator (a separate copy, so that the unprofiled
// loop stays free of them).
void Interpreter::InvokeProfiled() {
  using Clock = std::chrono::steady_clock;
  auto ns = [](Clock::duration d) { return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(); };
  if (op_profile_.size() != nodes_.size()) ResetProfile();
  const Clock::time_point start = Clock::now();
  if (calibrating_) {
    for (int32_t i : graph_->inputs) Observe(i);
  }
  for (size_t k = 0; k < nodes_.size(); ++k) {
    Node& node = nodes_[k];
    if (node.folded) continue;
    OpContext ctx(*node.op, static_cast<int>(k), numerics_, &tensors_, &node.state, fast_float_, fast_integer_, pool_.get());
    const Clock::time_point t0 = Clock::now();
    node.kernel->eval(ctx);
    op_profile_[k].nanoseconds += ns(Clock::now() - t0);
    op_profile_[k].calls += 1;
    if (calibrating_) {
      for (int32_t o : node.op->outputs) Observe(o);
    }
  }
  profiled_ns_ += ns(Clock::now() - start);
  profiled_invokes_ += 1;
}

void Interpreter::Observe(int index) {
  const RtTensor& t = tensors_[index];
  if (t.dtype != DType::kFloat32 || !t.data) return;
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  if (per_sample_ && !graph_->inputs.empty() && tensors_[graph_->inputs[0]].rank() > 0) {
    ObservePerSample(index, tensors_[graph_->inputs[0]].dim(0), &lo, &hi);  // one scan for both
  } else {
    fast::FloatMinMax(t.as<float>(), t.num_elements(), &lo, &hi);  // NaN skipped
  }
  if (lo > hi) return;  // empty or all NaN
  if (histograms_on_) {
    if (histogram_slot_.size() != tensors_.size()) histogram_slot_.assign(tensors_.size(), -1);
    if (histogram_slot_[index] < 0) {
      histogram_slot_[index] = static_cast<int>(histograms_.size());
      histograms_.push_back({index, CalibrationHistogram()});
    }
    histograms_[histogram_slot_[index]].second.Add(t.as<float>(), t.num_elements(), std::max(-lo, hi));
  }
  for (auto& kv : ranges_) {
    if (kv.first == index) {
      kv.second.min = std::min(kv.second.min, lo);
      kv.second.max = std::max(kv.second.max, hi);
      return;
    }
  }
  ranges_.push_back({index, {lo, hi}});
}

const std::vector<std::pair<int, Interpreter::Range>> Interpreter::Ranges() const { return ranges_; }

// Rows of a tensor whose first dimension is the batch are samples; any other tensor (a batch-free
// constant-shaped intermediate) counts as one observation per invoke. Widens [*lo, *hi] to the
// whole tensor's range on the way.
void Interpreter::ObservePerSample(int index, int32_t batch, float* lo, float* hi) {
  const RtTensor& t = tensors_[index];
  const int64_t n = t.num_elements();
  const int64_t rows = (t.rank() > 0 && t.dim(0) == batch && batch > 0) ? batch : 1;
  const int64_t row = n / rows;
  if (sample_slot_.size() != tensors_.size()) sample_slot_.assign(tensors_.size(), -1);
  if (sample_slot_[index] < 0) {
    sample_slot_[index] = static_cast<int>(sample_ranges_.size());
    sample_ranges_.push_back({index, SampleRanges()});
  }
  SampleRanges& entry = sample_ranges_[sample_slot_[index]].second;
  const float* x = t.as<float>();
  for (int64_t r = 0; r < rows; ++r) {
    float row_lo = std::numeric_limits<float>::infinity(), row_hi = -row_lo;
    fast::FloatMinMax(x + r * row, row, &row_lo, &row_hi);
    if (row_lo > row_hi) continue;  // an all-NaN sample tells nothing
    entry.min.push_back(row_lo);
    entry.max.push_back(row_hi);
    *lo = std::min(*lo, row_lo);
    *hi = std::max(*hi, row_hi);
  }
}

}  // namespace qtflite
