// UNIDIRECTIONAL_SEQUENCE_LSTM: the reference kernels on random cells (float against a double
// evaluation, int8 against the float cell on the dequantized values, a sequence equal to its
// steps run one by one, batch- and time-major alike), gemmlowp's int16 σ/tanh against the real
// functions over every input, and the operator in the interpreter: state kept across invokes,
// ResetVariables, and Prepare errors that name the operator. Bit-exactness with the official
// runtimes is tested in Python (golden files, live tflite-micro and LiteRT).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "ir/builtin_ops.h"
#include "ir/errors.h"
#include "ir/model.h"
#include "kernels/reference/lstm.h"
#include "runtime/interpreter.h"

namespace qtflite {
namespace {

namespace ref = ::qtflite::reference;

struct FloatCell {
  ref::LstmShape shape;
  std::vector<float> w[4], r[4], b[4];
  ref::LstmWeights<float, float> View() const {
    ref::LstmWeights<float, float> v;
    for (int g = 0; g < 4; ++g) v.input[g] = w[g].data(), v.recurrent[g] = r[g].data(), v.bias[g] = b[g].data();
    return v;
  }
};

FloatCell RandomCell(std::mt19937& rng, int batches, int steps, int in, int units, bool time_major) {
  std::uniform_real_distribution<float> u(-0.6f, 0.6f);
  FloatCell c;
  c.shape = {batches, steps, in, units, time_major};
  for (int g = 0; g < 4; ++g) {
    for (int k = 0; k < units * in; ++k) c.w[g].push_back(u(rng));
    for (int k = 0; k < units * units; ++k) c.r[g].push_back(u(rng));
    for (int k = 0; k < units; ++k) c.b[g].push_back(u(rng));
  }
  return c;
}

// The LSTM in double, batch-major or time-major as the shape says.
std::vector<double> DoubleLstm(const FloatCell& c, const std::vector<float>& x, float clip) {
  const auto& s = c.shape;
  std::vector<double> out(static_cast<size_t>(s.batches) * s.time_steps * s.state_depth);
  auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  for (int b = 0; b < s.batches; ++b) {
    std::vector<double> h(s.state_depth, 0.0), cs(s.state_depth, 0.0);
    for (int t = 0; t < s.time_steps; ++t) {
      const int row = s.time_major ? t * s.batches + b : b * s.time_steps + t;
      std::vector<double> gate[4];
      for (int g = 0; g < 4; ++g) {
        for (int j = 0; j < s.state_depth; ++j) {
          double v = c.b[g][j];
          for (int k = 0; k < s.input_depth; ++k) v += double{x[row * s.input_depth + k]} * c.w[g][j * s.input_depth + k];
          for (int k = 0; k < s.state_depth; ++k) v += h[k] * c.r[g][j * s.state_depth + k];
          gate[g].push_back(g == ref::kGateCell ? std::tanh(v) : sig(v));
        }
      }
      for (int j = 0; j < s.state_depth; ++j) {
        cs[j] = gate[1][j] * cs[j] + gate[0][j] * gate[2][j];
        if (clip > 0) cs[j] = std::max<double>(-clip, std::min<double>(clip, cs[j]));
        h[j] = gate[3][j] * std::tanh(cs[j]);
        out[row * s.state_depth + j] = h[j];
      }
    }
  }
  return out;
}

TEST(LstmReference, FloatMatchesDoubleOnRandomCells) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 40; ++trial) {
    const int batches = 1 + trial % 3, steps = 1 + trial % 7, in = 1 + (trial * 5) % 13, units = 1 + (trial * 3) % 11;
    const bool time_major = trial % 2;
    const float clip = trial % 4 == 3 ? 0.5f : 0.0f;
    FloatCell c = RandomCell(rng, batches, steps, in, units, time_major);
    std::uniform_real_distribution<float> u(-2.0f, 2.0f);
    std::vector<float> x(static_cast<size_t>(batches) * steps * in);
    for (float& v : x) v = u(rng);
    std::vector<float> h(batches * units, 0.0f), cs(batches * units, 0.0f), out(batches * steps * units);
    ref::LstmFloatParams p;
    p.cell_clip = clip;
    ref::LstmFloat(c.shape, p, c.View(), x.data(), h.data(), cs.data(), out.data());
    const std::vector<double> want = DoubleLstm(c, x, clip);
    for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], want[i], 1e-5) << "trial " << trial << " at " << i;
  }
}

struct Int8Cell {
  ref::LstmShape shape;
  std::vector<int8_t> w[4], r[4];
  std::vector<int32_t> b[4];
  float ws[4], rs[4];
  ref::LstmWeights<int8_t, int32_t> View() const {
    ref::LstmWeights<int8_t, int32_t> v;
    for (int g = 0; g < 4; ++g) v.input[g] = w[g].data(), v.recurrent[g] = r[g].data(), v.bias[g] = b[g].data();
    return v;
  }
};

constexpr float kInScale = 1.0f / 64, kHiddenScale = 1.0f / 128, kCellScale = 1.0f / 2048;
constexpr int32_t kInZp = 3, kHiddenZp = -2;

// A float cell quantized: symmetric int8 weights, int32 biases at s_x·s_w.
Int8Cell Quantize(const FloatCell& f) {
  Int8Cell q;
  q.shape = f.shape;
  for (int g = 0; g < 4; ++g) {
    q.ws[g] = 0.6f / 127, q.rs[g] = 0.6f / 127;
    for (float v : f.w[g]) q.w[g].push_back(static_cast<int8_t>(std::lround(v / q.ws[g])));
    for (float v : f.r[g]) q.r[g].push_back(static_cast<int8_t>(std::lround(v / q.rs[g])));
    for (float v : f.b[g]) q.b[g].push_back(static_cast<int32_t>(std::lround(v / (kInScale * q.ws[g]))));
  }
  return q;
}

std::vector<int8_t> RunInt8(const Int8Cell& q, ref::Numerics numerics, const std::vector<int8_t>& x, std::vector<int8_t>* h,
                            std::vector<int16_t>* c) {
  const ref::LstmInt8Params p = ref::PrepareLstmInt8(numerics, {kInScale, kInZp}, q.ws, q.rs, {kHiddenScale, kHiddenZp},
                                                     {kHiddenScale, kHiddenZp}, kCellScale, 0.0f,
                                                     ref::LstmActivation::kTanh);
  std::vector<int8_t> out(static_cast<size_t>(q.shape.batches) * q.shape.time_steps * q.shape.state_depth);
  ref::LstmInt8(q.shape, p, q.View(), x.data(), h->data(), c->data(), out.data());
  return out;
}

TEST(LstmReference, Int8FollowsTheFloatCellAndStepsCompose) {
  std::mt19937 rng(11);
  for (ref::Numerics numerics : {ref::Numerics::kMicro, ref::Numerics::kLiteRT}) {
    for (int trial = 0; trial < 30; ++trial) {
      const int batches = 1 + trial % 3, steps = 2 + trial % 6, in = 1 + (trial * 7) % 17, units = 1 + (trial * 5) % 13;
      FloatCell f = RandomCell(rng, batches, steps, in, units, trial % 2);
      // Small weights keep the float cell's values well inside the quantized ranges.
      for (int g = 0; g < 4; ++g) {
        for (auto* v : {&f.w[g], &f.r[g], &f.b[g]}) {
          for (float& e : *v) e *= 0.5f;
        }
      }
      Int8Cell q = Quantize(f);
      // Dequantized weights back into the float cell, so both see the same numbers.
      for (int g = 0; g < 4; ++g) {
        for (size_t k = 0; k < f.w[g].size(); ++k) f.w[g][k] = q.w[g][k] * q.ws[g];
        for (size_t k = 0; k < f.r[g].size(); ++k) f.r[g][k] = q.r[g][k] * q.rs[g];
        for (size_t k = 0; k < f.b[g].size(); ++k) f.b[g][k] = q.b[g][k] * kInScale * q.ws[g];
      }
      std::uniform_int_distribution<int> ux(-128, 127);
      std::vector<int8_t> x(static_cast<size_t>(batches) * steps * in);
      std::vector<float> xf(x.size());
      for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int8_t>(ux(rng)), xf[i] = (x[i] - kInZp) * kInScale;
      std::vector<int8_t> h(batches * units, static_cast<int8_t>(kHiddenZp));
      std::vector<int16_t> c(batches * units, 0);
      const std::vector<int8_t> out = RunInt8(q, numerics, x, &h, &c);
      const std::vector<double> want = DoubleLstm(f, xf, 0.0f);
      for (size_t i = 0; i < out.size(); ++i) {
        ASSERT_NEAR((out[i] - kHiddenZp) * kHiddenScale, want[i], 4 * kHiddenScale) << "trial " << trial << " at " << i;
      }
      // The same sequence one step per call (the state carried in h and c) gives the same outputs.
      if (!q.shape.time_major) continue;
      std::vector<int8_t> h1(batches * units, static_cast<int8_t>(kHiddenZp));
      std::vector<int16_t> c1(batches * units, 0);
      Int8Cell step = q;
      step.shape.time_steps = 1;
      for (int t = 0; t < steps; ++t) {
        std::vector<int8_t> xt(x.begin() + t * batches * in, x.begin() + (t + 1) * batches * in);
        const std::vector<int8_t> ot = RunInt8(step, numerics, xt, &h1, &c1);
        for (int k = 0; k < batches * units; ++k) ASSERT_EQ(ot[k], out[t * batches * units + k]);
      }
      EXPECT_EQ(h1, h);
      EXPECT_EQ(c1, c);
    }
  }
}

TEST(LstmReference, HybridFollowsTheFloatCell) {
  std::mt19937 rng(13);
  for (bool asymmetric : {false, true}) {
    for (int trial = 0; trial < 20; ++trial) {
      const int batches = 1 + trial % 3, steps = 1 + trial % 5, in = 2 + (trial * 7) % 15, units = 1 + (trial * 5) % 9;
      FloatCell f = RandomCell(rng, batches, steps, in, units, trial % 2);
      Int8Cell q = Quantize(f);
      ref::LstmHybridParams p;
      p.asymmetric_inputs = asymmetric;
      ref::LstmWeights<int8_t, float> w;
      for (int g = 0; g < 4; ++g) {
        p.input_weight_scales[g] = q.ws[g], p.recurrent_weight_scales[g] = q.rs[g];
        w.input[g] = q.w[g].data(), w.recurrent[g] = q.r[g].data(), w.bias[g] = f.b[g].data();
        for (size_t k = 0; k < f.w[g].size(); ++k) f.w[g][k] = q.w[g][k] * q.ws[g];
        for (size_t k = 0; k < f.r[g].size(); ++k) f.r[g][k] = q.r[g][k] * q.rs[g];
      }
      std::uniform_real_distribution<float> u(asymmetric ? 0.0f : -1.0f, 1.0f);
      std::vector<float> x(static_cast<size_t>(batches) * steps * in);
      for (float& v : x) v = u(rng);
      std::vector<float> h(batches * units, 0.0f), c(batches * units, 0.0f), out(batches * steps * units);
      ref::LstmHybrid(f.shape, p, w, x.data(), h.data(), c.data(), out.data());
      const std::vector<double> want = DoubleLstm(f, x, 0.0f);
      // Only the run-time 8-bit rounding of x and h separates the two.
      for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(out[i], want[i], 0.03) << "trial " << trial << " at " << i;
    }
  }
}

TEST(LstmReference, GemmlowpInt16SigmoidAndTanhFollowTheRealFunctions) {
  EXPECT_EQ(ref::GemmlowpLogisticQ3(0), 16384);
  EXPECT_EQ(ref::GemmlowpTanh(3, 0), 0);
  for (int x = -32768; x <= 32767; ++x) {
    const double real = x / 4096.0;
    const double s = ref::GemmlowpLogisticQ3(static_cast<int16_t>(x)) / 32768.0;
    ASSERT_NEAR(s, 1.0 / (1.0 + std::exp(-real)), 3e-4) << x;
    for (int ib : {3, 4, 6}) {
      const double t = ref::GemmlowpTanh(ib, static_cast<int16_t>(x)) / 32768.0;
      ASSERT_NEAR(t, std::tanh(x / double(1 << (15 - ib))), 6e-4) << "bits " << ib << " x " << x;
    }
  }
}

// ---- the operator in the interpreter

Tensor MakeTensor(const std::string& name, DType dtype, std::vector<int32_t> shape, float scale = 0, int64_t zp = 0) {
  Tensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  if (scale > 0) t.quant.scales = {scale}, t.quant.zero_points = {zp};
  return t;
}

template <typename T>
std::shared_ptr<Buffer> Bytes(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return std::make_shared<Buffer>(std::move(b));
}

// input [batch, time, in] -> LSTM(units) -> output; int8 when `int8`, weights from the cells.
std::shared_ptr<Model> LstmModel(const FloatCell& f, const Int8Cell& q, bool int8) {
  const auto& s = f.shape;
  auto m = std::make_shared<Model>();
  m->subgraphs.resize(1);
  Graph& g = m->subgraphs[0];
  const DType act = int8 ? DType::kInt8 : DType::kFloat32;
  g.tensors.push_back(MakeTensor("x", act, {s.batches, s.time_steps, s.input_depth}, int8 ? kInScale : 0, kInZp));
  std::vector<int32_t> inputs(24, -1);
  inputs[0] = 0;
  auto add = [&](Tensor t) {
    g.tensors.push_back(std::move(t));
    return static_cast<int32_t>(g.tensors.size() - 1);
  };
  for (int gate = 0; gate < 4; ++gate) {
    const std::string n = std::to_string(gate);
    Tensor w = MakeTensor("w" + n, int8 ? DType::kInt8 : DType::kFloat32, {s.state_depth, s.input_depth},
                          int8 ? q.ws[gate] : 0);
    w.data = int8 ? Bytes(q.w[gate]) : Bytes(f.w[gate]);
    inputs[1 + gate] = add(w);
    Tensor r = MakeTensor("r" + n, w.dtype, {s.state_depth, s.state_depth}, int8 ? q.rs[gate] : 0);
    r.data = int8 ? Bytes(q.r[gate]) : Bytes(f.r[gate]);
    inputs[5 + gate] = add(r);
    Tensor b = MakeTensor("b" + n, int8 ? DType::kInt32 : DType::kFloat32, {s.state_depth},
                          int8 ? kInScale * q.ws[gate] : 0);
    b.data = int8 ? Bytes(q.b[gate]) : Bytes(f.b[gate]);
    inputs[12 + gate] = add(b);
  }
  Tensor h = MakeTensor("h", act, {s.batches, s.state_depth}, int8 ? kHiddenScale : 0, kHiddenZp);
  h.is_variable = true;
  inputs[18] = add(h);
  Tensor c = MakeTensor("c", int8 ? DType::kInt16 : DType::kFloat32, {s.batches, s.state_depth},
                        int8 ? kCellScale : 0);
  c.is_variable = true;
  inputs[19] = add(c);
  const int32_t out = add(MakeTensor("y", act, {s.batches, s.time_steps, s.state_depth}, int8 ? kHiddenScale : 0, kHiddenZp));
  Operator op;
  op.builtin_code = op::kUnidirectionalSequenceLstm;
  op.version = 1;
  op.inputs = inputs;
  op.outputs = {out};
  op.options = OpOptions::Defaults("UnidirectionalSequenceLSTMOptions");
  op.options.Set("fused_activation_function", int64_t{4});  // TANH
  if (int8) {
    for (int i = 0; i < 4; ++i) op.intermediates.push_back(add(MakeTensor("gate" + std::to_string(i), DType::kFloat32, {0})));
    op.intermediates.push_back(add(MakeTensor("eff_hidden", DType::kInt8, {0}, kHiddenScale, kHiddenZp)));
  }
  g.operators = {op};
  g.inputs = {0};
  g.outputs = {out};
  return m;
}

TEST(LstmOperator, StateCarriesAcrossInvokesAndResets) {
  std::mt19937 rng(3);
  FloatCell f = RandomCell(rng, 2, 3, 5, 4, false);
  Int8Cell q = Quantize(f);
  for (bool int8 : {false, true}) {
    for (Numerics numerics : {Numerics::kMicro, Numerics::kLiteRT}) {
      Interpreter it(LstmModel(f, q, int8), numerics);
      it.AllocateTensors();
      const int hidden = 13, out = it.graph().outputs[0];
      const size_t n_out = it.tensor(out).bytes;
      RtTensor& x = it.mutable_tensor(0);
      for (size_t k = 0; k < x.bytes; ++k) x.data[k] = int8 ? static_cast<uint8_t>(k * 37) : 0;
      if (!int8) {
        for (int64_t k = 0; k < x.num_elements(); ++k) x.as<float>()[k] = std::sin(0.7f * k);
      }
      // A fresh int8 state holds the zero point (real 0), as TFLite resets variables.
      if (int8) {
        EXPECT_EQ(it.tensor(hidden).as<int8_t>()[0], kHiddenZp);
      }
      it.Invoke();
      std::vector<uint8_t> first(it.tensor(out).data, it.tensor(out).data + n_out);
      it.Invoke();
      std::vector<uint8_t> second(it.tensor(out).data, it.tensor(out).data + n_out);
      EXPECT_NE(first, second) << "the second invoke starts from the first one's state";
      it.ResetVariables();
      it.Invoke();
      std::vector<uint8_t> third(it.tensor(out).data, it.tensor(out).data + n_out);
      EXPECT_EQ(first, third) << "after ResetVariables the sequence starts over";
    }
  }
}

std::string PrepareError(std::shared_ptr<Model> m) {
  Interpreter it(std::move(m), Numerics::kMicro);
  try {
    it.AllocateTensors();
  } catch (const ModelError& e) {
    return e.what();
  }
  return "no error";
}

TEST(LstmOperator, PrepareErrorsNameTheOperator) {
  std::mt19937 rng(5);
  FloatCell f = RandomCell(rng, 1, 2, 3, 4, false);
  Int8Cell q = Quantize(f);
  const std::string label = "operator 0 (UNIDIRECTIONAL_SEQUENCE_LSTM v1): ";
  {
    auto m = LstmModel(f, q, false);
    m->subgraphs[0].tensors[m->subgraphs[0].operators[0].inputs[6]].shape = {4, 3};
    EXPECT_NE(PrepareError(m).find(label + "recurrent-to-forget weights has shape [4, 3], expected [4, 4]"),
              std::string::npos);
  }
  {
    auto m = LstmModel(f, q, false);
    m->subgraphs[0].tensors[m->subgraphs[0].operators[0].inputs[19]].is_variable = false;
    // Neither variable, constant nor written by an operator: the interpreter refuses the read.
    EXPECT_NE(PrepareError(m).find("operator 0 (UNIDIRECTIONAL_SEQUENCE_LSTM) reads tensor 14 'c' before any operator"),
              std::string::npos) << PrepareError(m);
  }
  {
    auto m = LstmModel(f, q, false);
    m->subgraphs[0].tensors[0].shape = {1, 2, 3, 1};
    EXPECT_NE(PrepareError(m).find(label + "input must be 3-D, got [1, 2, 3, 1]"), std::string::npos);
  }
  {
    auto m = LstmModel(f, q, false);
    m->subgraphs[0].tensors[m->subgraphs[0].operators[0].inputs[18]].shape = {2, 4};
    EXPECT_NE(PrepareError(m).find(label + "output state [2, 4] does not hold batch 1 x 4 units"), std::string::npos);
  }
  {
    auto m = LstmModel(f, q, true);
    m->subgraphs[0].tensors[m->subgraphs[0].operators[0].inputs[19]].quant.scales = {3e-4f};
    EXPECT_NE(PrepareError(m).find(label + "lstm: the cell state scale must be a power of two"), std::string::npos);
  }
  {
    auto m = LstmModel(f, q, true);
    m->subgraphs[0].tensors[m->subgraphs[0].operators[0].inputs[19]].dtype = DType::kInt8;
    EXPECT_NE(PrepareError(m).find(label + "cell state has type int8 where int16 is expected"), std::string::npos);
  }
  {
    auto m = LstmModel(f, q, false);
    m->subgraphs[0].operators[0].inputs.resize(20);
    EXPECT_NE(PrepareError(m).find(label + "needs 24 inputs, got 20"), std::string::npos);
  }
}

}  // namespace
}  // namespace qtflite
