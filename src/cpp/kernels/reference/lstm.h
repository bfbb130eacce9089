// UNIDIRECTIONAL_SEQUENCE_LSTM reference kernels: the basic LSTM cell (no CIFG, peephole,
// projection or layer normalization, as TensorFlow writes Keras LSTM layers), gate order
// input, forget, cell, output, one time step after the other.
//   i = σ(W_i x + R_i h + b_i)   f = σ(W_f x + R_f h + b_f)   g = act(W_c x + R_c h + b_c)
//   o = σ(W_o x + R_o h + b_o)   c = f·c + i·g (clipped)      h = o·tanh(c)
// The output holds h for every step; h and c (the variable state tensors) keep their values
// for the next invoke.
//
// Full integer (TFLite's 8x8→16 scheme): int8 x and h, int8 weights, int32 biases, int16 cell
// state with a power-of-two scale 2^cell_scale_power. Each gate's two matrix products are
// requantized to int16 Q3.12 and added with saturation; σ and tanh give Q0.15. Where the two
// official runtimes differ (tflite-facts.md §C.0b), the numerics name the one reproduced:
// - micro (TFLite Micro, lstm_eval): the products requantized and clamped to int16 separately;
//   σ/tanh on the interpolated 256-entry table (LogisticInt16/TanhInt16); c·f, i·g and o·tanh(c)
//   requantized by fixed-point multipliers computed in double.
// - litert (TFLite lstm_eval, integer 8x8_16): the recurrent product accumulated onto the
//   clamped input product; σ/tanh in gemmlowp int16 fixed point; f·c and i·g rescaled by
//   rounding right shifts (15 and 30 + cell_scale_power); the multipliers computed in float.
#pragma once

#include <cstdint>

#include "kernels/reference/common.h"

namespace qtflite::reference {

struct LstmShape {
  int batches = 1;
  int time_steps = 1;
  int input_depth = 1;
  int state_depth = 1;
  bool time_major = false;  // input [time, batch, depth] instead of [batch, time, depth]
};

enum LstmGate { kGateInput = 0, kGateForget = 1, kGateCell = 2, kGateOutput = 3 };

template <typename W, typename B>
struct LstmWeights {
  const W* input[4] = {};      // [state_depth, input_depth] per gate
  const W* recurrent[4] = {};  // [state_depth, state_depth] per gate
  const B* bias[4] = {};       // [state_depth] per gate, may be null
};

// Cell gate activation (TFLite's fused activation of the operator): tanh, sigmoid, relu, relu6.
enum class LstmActivation { kTanh, kSigmoid, kRelu, kRelu6 };

struct LstmFloatParams {
  LstmActivation activation = LstmActivation::kTanh;         // of the cell gate
  LstmActivation hidden_activation = LstmActivation::kTanh;  // of c in h = o·act(c): TFLite
                                                             // applies `activation`, Micro tanh
  float cell_clip = 0.0f;  // 0 = none
};

void LstmFloat(const LstmShape& s, const LstmFloatParams& p, const LstmWeights<float, float>& w, const float* input,
               float* hidden, float* cell, float* output);

// Scratch float buffers LstmFloat uses, in floats.
inline int64_t LstmFloatScratchSize(const LstmShape& s) { return int64_t{5} * s.state_depth; }

struct LstmMultiplier {
  int32_t multiplier = 0;
  int shift = 0;
};

struct LstmInt8Params {
  Numerics numerics = Numerics::kMicro;
  int32_t input_zero_point = 0;
  int32_t hidden_zero_point = 0;      // of the state read by the recurrent products
  int32_t hidden_out_zero_point = 0;  // of the new h
  LstmMultiplier input_to_gate[4];      // s_x·s_W / 2^-12
  LstmMultiplier recurrent_to_gate[4];  // s_h·s_R / 2^-12
  LstmMultiplier forget_times_cell;     // micro: 2^-15
  LstmMultiplier input_times_cell_gate; // micro: 2^-30 / s_c
  LstmMultiplier hidden;                // 2^-30 / s_h
  int cell_scale_power = -11;           // s_c = 2^cell_scale_power
  int16_t quantized_cell_clip = 0;      // 0 = none
  LstmActivation activation = LstmActivation::kTanh;  // only tanh and sigmoid
};

// Fills the multipliers from the tensors' scales as the selected runtime does. Throws
// std::invalid_argument if the cell scale is not a power of two or a scale is not positive.
// `hidden` is the state tensor's quantization (the recurrent products read it); `hidden_out` the
// one the new h is written in: TFLite Micro takes the state tensor's, TFLite the
// effective_hidden_scale intermediate's (equal in files TensorFlow writes).
LstmInt8Params PrepareLstmInt8(Numerics numerics, QParams input, const float input_weight_scales[4],
                               const float recurrent_weight_scales[4], QParams hidden, QParams hidden_out,
                               float cell_scale, float cell_clip, LstmActivation activation);

void LstmInt8(const LstmShape& s, const LstmInt8Params& p, const LstmWeights<int8_t, int32_t>& w,
              const int8_t* input, int8_t* hidden, int16_t* cell, int8_t* output);

// Hybrid (dynamic range): float x, h, c and biases, int8 weights with one scale per matrix. As
// TFLite's hybrid LSTM: each step quantizes x and h per batch row (symmetric, or asymmetric with
// a zero point), sums the int8 products in int32 and adds sum·(s_row·s_w) to the float gate,
// which starts at the bias; an all-zero x or h row skips its products. The rest is the float
// cell, with `activation` on the cell gate and on c. TFLite Micro has no hybrid LSTM kernel.
struct LstmHybridParams {
  bool asymmetric_inputs = false;
  LstmActivation activation = LstmActivation::kTanh;
  float cell_clip = 0.0f;
  float input_weight_scales[4] = {1, 1, 1, 1};
  float recurrent_weight_scales[4] = {1, 1, 1, 1};
};

void LstmHybrid(const LstmShape& s, const LstmHybridParams& p, const LstmWeights<int8_t, float>& w, const float* input,
                float* hidden, float* cell, float* output);

// gemmlowp's int16 fixed-point σ (input Q3.12) and tanh (input Q(integer_bits).(15 −
// integer_bits), 0 <= integer_bits <= 6), results in Q0.15: what TFLite's integer LSTM uses.
int16_t GemmlowpLogisticQ3(int16_t x);
int16_t GemmlowpTanh(int integer_bits, int16_t x);

}  // namespace qtflite::reference
