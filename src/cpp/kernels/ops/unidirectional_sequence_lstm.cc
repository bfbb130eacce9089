// UNIDIRECTIONAL_SEQUENCE_LSTM: 24 inputs as TFLite numbers them (0 input; 1-4 input weights
// i, f, c, o; 5-8 recurrent weights; 9-11 peephole; 12-15 biases; 16-17 projection; 18 output
// state h; 19 cell state c; 20-23 layer norm), one output [batch, time, units] (or time major).
// The basic cell only (peephole, projection, layer norm and CIFG absent), as TensorFlow writes
// Keras LSTM layers and as TFLite Micro implements it. h and c are variable tensors: the
// operator updates them in place, so the state carries over to the next invoke.
// float32, hybrid (int8 weights, float activations), and full integer 8x8→16 (int8 input and h, int8 weights, int32 biases, int16 c with
// a power-of-two scale) under the selected numerics (reference/lstm.h).
#include "kernels/ops/common.h"
#include "kernels/ops/ops.h"
#include "kernels/reference/lstm.h"

namespace qtflite {
namespace ops {
namespace {

constexpr int kInput = 0, kInputWeights = 1, kRecurrentWeights = 5, kPeephole = 9, kBias = 12, kProjection = 16,
              kHidden = 18, kCell = 19, kLayerNorm = 20;

enum class Arithmetic { kFloat, kInt8, kHybrid };

struct LstmState : OpState {
  ref::LstmShape shape;
  Arithmetic arithmetic = Arithmetic::kFloat;
  ref::LstmFloatParams float_params;
  ref::LstmInt8Params int8_params;
  ref::LstmHybridParams hybrid_params;
};

const char* kGateNames[4] = {"input", "forget", "cell", "output"};

ref::LstmActivation CellActivation(OpContext& ctx) {
  switch (FusedActivation(ctx)) {
    case kActTanh: return ref::LstmActivation::kTanh;
    case kActRelu: return ref::LstmActivation::kRelu;
    case kActRelu6: return ref::LstmActivation::kRelu6;
    default: ctx.Unsupported("cell activation " + std::to_string(FusedActivation(ctx)) + " is not supported");
  }
}

float OptionFloat(OpContext& ctx, const char* name) {
  const OpOptions& o = ctx.options();
  return o.type != 0 && o.Has(name) ? static_cast<float>(o.Float(name)) : 0.0f;
}

// A tensor of the wrong type for the arithmetic the input and weights select: a malformed model.
void RequireType(OpContext& ctx, const RtTensor& t, DType want, const std::string& role) {
  if (t.dtype != want) ctx.Fail(role + " has type " + DTypeName(t.dtype) + " where " + DTypeName(want) + " is expected");
}

void CheckShape(OpContext& ctx, const RtTensor& t, std::vector<int32_t> want, const std::string& role) {
  if (t.shape != want) ctx.Fail(role + " has shape " + ShapeString(t.shape) + ", expected " + ShapeString(want));
}

void Prepare(OpContext& ctx) {
  ctx.Check(ctx.num_inputs() == 24, "needs 24 inputs, got " + std::to_string(ctx.num_inputs()));
  ctx.Check(ctx.num_outputs() == 1, "needs 1 output, got " + std::to_string(ctx.num_outputs()));
  for (int i = kPeephole; i < kPeephole + 3; ++i) {
    if (ctx.has_input(i)) ctx.Unsupported("peephole connections are not supported");
  }
  if (ctx.has_input(kProjection) || ctx.has_input(kProjection + 1)) ctx.Unsupported("projection is not supported");
  for (int i = kLayerNorm; i < kLayerNorm + 4; ++i) {
    if (ctx.has_input(i)) ctx.Unsupported("layer normalization is not supported");
  }
  if (!ctx.has_input(kInputWeights)) ctx.Unsupported("CIFG (no input gate) is not supported");
  ctx.Check(ctx.has_input(kHidden) && ctx.has_input(kCell), "the output state and cell state inputs are required");
  RtTensor& in = ctx.input(kInput);
  RtTensor& hidden = ctx.input(kHidden);
  RtTensor& cell = ctx.input(kCell);
  ctx.Check(hidden.ir->is_variable && cell.ir->is_variable, "the output and cell states must be variable tensors");
  ctx.Check(in.rank() == 3, "input must be 3-D, got " + ShapeString(in.shape));
  auto& s = ctx.MakeState<LstmState>();
  const OpOptions& o = ctx.options();
  s.shape.time_major = o.type != 0 && o.Has("time_major") && o.Bool("time_major");
  s.shape.batches = s.shape.time_major ? in.dim(1) : in.dim(0);
  s.shape.time_steps = s.shape.time_major ? in.dim(0) : in.dim(1);
  s.shape.input_depth = in.dim(2);
  const RtTensor& w0 = ctx.input(kInputWeights + 1);  // forget gate's
  ctx.Check(w0.rank() == 2, "input-to-forget weights must be 2-D, got " + ShapeString(w0.shape));
  const int units = w0.dim(0);
  s.shape.state_depth = units;
  ctx.Check(units > 0, "the number of units must be positive");
  for (int g = 0; g < 4; ++g) {
    if (!ctx.has_input(kInputWeights + g) || !ctx.has_input(kRecurrentWeights + g)) {
      ctx.Fail(std::string("the ") + kGateNames[g] + " gate's weights are missing");
    }
    CheckShape(ctx, ctx.input(kInputWeights + g), {units, s.shape.input_depth},
               std::string("input-to-") + kGateNames[g] + " weights");
    CheckShape(ctx, ctx.input(kRecurrentWeights + g), {units, units},
               std::string("recurrent-to-") + kGateNames[g] + " weights");
    if (ctx.has_input(kBias + g)) CheckShape(ctx, ctx.input(kBias + g), {units}, std::string(kGateNames[g]) + " gate bias");
  }
  const int64_t state_size = int64_t{s.shape.batches} * units;
  ctx.Check(hidden.num_elements() == state_size,
            "output state " + ShapeString(hidden.shape) + " does not hold batch " + std::to_string(s.shape.batches) +
                " x " + std::to_string(units) + " units");
  ctx.Check(cell.num_elements() == state_size,
            "cell state " + ShapeString(cell.shape) + " does not hold batch " + std::to_string(s.shape.batches) +
                " x " + std::to_string(units) + " units");
  ctx.SetOutputShape(0, {in.dim(0), in.dim(1), units});
  const float cell_clip = OptionFloat(ctx, "cell_clip");
  ctx.Check(cell_clip >= 0.0f, "cell_clip must not be negative");
  const ref::LstmActivation act = CellActivation(ctx);
  RtTensor& out = ctx.output(0);
  const RtTensor& wi = ctx.input(kInputWeights);
  if (in.dtype == DType::kFloat32 && wi.dtype == DType::kFloat32) {
    // TFLite Micro's LSTM evaluates sigmoid or tanh cell gates only (the file format cannot say
    // sigmoid), TFLite any fused activation.
    if (act != ref::LstmActivation::kTanh && ctx.numerics() == Numerics::kMicro) {
      ctx.Unsupported("TFLite Micro's LSTM supports the TANH activation only (numerics=\"litert\" runs others)");
    }
    for (int i = 1; i < 24; ++i) {
      if (ctx.has_input(i)) RequireType(ctx, ctx.input(i), DType::kFloat32, "input " + std::to_string(i));
    }
    RequireType(ctx, out, DType::kFloat32, "output");
    s.float_params.activation = act;
    s.float_params.hidden_activation = ctx.numerics() == Numerics::kLiteRT ? act : ref::LstmActivation::kTanh;
    s.float_params.cell_clip = cell_clip;
    s.arithmetic = Arithmetic::kFloat;
    return;
  }
  if (in.dtype == DType::kFloat32 && wi.dtype == DType::kInt8) {
    // Hybrid: TFLite's arithmetic under either numerics (TFLite Micro has no hybrid LSTM).
    RequireType(ctx, hidden, DType::kFloat32, "output state");
    RequireType(ctx, cell, DType::kFloat32, "cell state");
    RequireType(ctx, out, DType::kFloat32, "output");
    auto& h = s.hybrid_params;
    for (int g = 0; g < 4; ++g) {
      const RtTensor& w = ctx.input(kInputWeights + g);
      const RtTensor& r = ctx.input(kRecurrentWeights + g);
      RequireType(ctx, w, DType::kInt8, "input weights");
      RequireType(ctx, r, DType::kInt8, "recurrent weights");
      ctx.Check(w.is_quantized() && r.is_quantized(), "int8 weights must carry quantization parameters");
      if (w.is_per_channel() || r.is_per_channel()) ctx.Unsupported("per-channel LSTM weights are not supported");
      if (ctx.has_input(kBias + g)) RequireType(ctx, ctx.input(kBias + g), DType::kFloat32, "gate bias");
      h.input_weight_scales[g] = w.scale();
      h.recurrent_weight_scales[g] = r.scale();
    }
    h.asymmetric_inputs = o.type != 0 && o.Has("asymmetric_quantize_inputs") && o.Bool("asymmetric_quantize_inputs");
    h.activation = act;
    h.cell_clip = cell_clip;
    s.arithmetic = Arithmetic::kHybrid;
    return;
  }
  if (in.dtype == DType::kInt8 && wi.dtype == DType::kInt8) {
    if (act != ref::LstmActivation::kTanh) ctx.Unsupported("the integer LSTM supports the TANH activation only");
    RequireType(ctx, hidden, DType::kInt8, "output state");
    RequireType(ctx, cell, DType::kInt16, "cell state");
    RequireType(ctx, out, DType::kInt8, "output");
    float wscale[4], rscale[4];
    for (int g = 0; g < 4; ++g) {
      const RtTensor& w = ctx.input(kInputWeights + g);
      const RtTensor& r = ctx.input(kRecurrentWeights + g);
      RequireType(ctx, w, DType::kInt8, "input weights");
      RequireType(ctx, r, DType::kInt8, "recurrent weights");
      ctx.Check(w.is_quantized() && r.is_quantized(), "int8 weights must carry quantization parameters");
      if (w.is_per_channel() || r.is_per_channel()) ctx.Unsupported("per-channel LSTM weights are not supported");
      ctx.Check(w.zero_point() == 0 && r.zero_point() == 0, "int8 LSTM weights must be symmetric");
      if (ctx.has_input(kBias + g)) RequireType(ctx, ctx.input(kBias + g), DType::kInt32, "gate bias");
      wscale[g] = w.scale();
      rscale[g] = r.scale();
    }
    ctx.Check(in.is_quantized() && hidden.is_quantized() && cell.is_quantized() && out.is_quantized(),
              "int8 and int16 tensors must carry quantization parameters");
    ctx.Check(cell.zero_point() == 0, "the cell state must have zero point 0");
    ref::QParams hidden_out = QP(hidden);
    if (ctx.numerics() == Numerics::kLiteRT) {
      const RtTensor* eff = ctx.intermediate(4);
      ctx.Check(eff && eff->is_quantized(), "the effective hidden scale intermediate (intermediate 4) is missing");
      hidden_out = QP(*eff);
    }
    try {
      s.int8_params = ref::PrepareLstmInt8(RefNumerics(ctx), QP(in), wscale, rscale, QP(hidden), hidden_out,
                                           cell.scale(), cell_clip, act);
    } catch (const std::invalid_argument& e) {
      ctx.Fail(e.what());
    }
    s.arithmetic = Arithmetic::kInt8;
    return;
  }
  ctx.Unsupported("types " + TypesOf(ctx) + " are not supported");
}

template <typename W, typename B>
ref::LstmWeights<W, B> Weights(OpContext& ctx) {
  ref::LstmWeights<W, B> w;
  for (int g = 0; g < 4; ++g) {
    w.input[g] = ctx.input(kInputWeights + g).template as<W>();
    w.recurrent[g] = ctx.input(kRecurrentWeights + g).template as<W>();
    w.bias[g] = ctx.has_input(kBias + g) ? ctx.input(kBias + g).template as<B>() : nullptr;
  }
  return w;
}

void Eval(OpContext& ctx) {
  auto& s = ctx.state<LstmState>();
  if (s.arithmetic == Arithmetic::kFloat) {
    ref::LstmFloat(s.shape, s.float_params, Weights<float, float>(ctx), ctx.input(kInput).as<float>(),
                   ctx.input(kHidden).as<float>(), ctx.input(kCell).as<float>(), ctx.output(0).as<float>());
  } else if (s.arithmetic == Arithmetic::kHybrid) {
    ref::LstmHybrid(s.shape, s.hybrid_params, Weights<int8_t, float>(ctx), ctx.input(kInput).as<float>(),
                    ctx.input(kHidden).as<float>(), ctx.input(kCell).as<float>(), ctx.output(0).as<float>());
  } else {
    ref::LstmInt8(s.shape, s.int8_params, Weights<int8_t, int32_t>(ctx), ctx.input(kInput).as<int8_t>(),
                  ctx.input(kHidden).as<int8_t>(), ctx.input(kCell).as<int16_t>(), ctx.output(0).as<int8_t>());
  }
}

}  // namespace

const OpKernel* UnidirectionalSequenceLstm() {
  static const OpKernel k{Prepare, Eval};
  return &k;
}

}  // namespace ops
}  // namespace qtflite
