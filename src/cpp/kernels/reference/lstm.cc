// UNIDIRECTIONAL_SEQUENCE_LSTM reference kernels; the arithmetic is described in lstm.h.
#include "kernels/reference/lstm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/reference/logistic.h"
#include "kernels/reference/prepare.h"

namespace qtflite::reference {
namespace {

// Offset of step (b, t) in a [batch, time, depth] or [time, batch, depth] tensor, in rows.
int64_t Row(const LstmShape& s, int b, int t) {
  return s.time_major ? int64_t{t} * s.batches + b : int64_t{b} * s.time_steps + t;
}

float ActivateFloat(LstmActivation a, float x) {
  switch (a) {
    case LstmActivation::kTanh: {
      float y;
      TanhFloat(1, &x, &y);
      return y;
    }
    case LstmActivation::kSigmoid: {
      float y;
      LogisticFloat(1, &x, &y);
      return y;
    }
    case LstmActivation::kRelu: return std::max(0.0f, x);
    case LstmActivation::kRelu6: return std::min(6.0f, std::max(0.0f, x));
  }
  return x;
}

LstmMultiplier Multiplier(double real) {
  Require(real > 0.0 && std::isfinite(real), "lstm: effective scales must be positive and finite");
  const fp::QuantizedMultiplier q = fp::QuantizeMultiplier(real);
  return {q.multiplier, q.shift};
}

int32_t Scale(int32_t x, const LstmMultiplier& m) { return fp::MultiplyByQuantizedMultiplier(x, m.multiplier, m.shift); }
int16_t Clamp16(int32_t v) { return static_cast<int16_t>(Clamp(v, fp::kInt16Min, fp::kInt16Max)); }

}  // namespace

void LstmFloat(const LstmShape& s, const LstmFloatParams& p, const LstmWeights<float, float>& w, const float* input,
               float* hidden, float* cell, float* output) {
  const int n_in = s.input_depth, n = s.state_depth;
  std::vector<float> gate(4 * static_cast<size_t>(n));
  for (int b = 0; b < s.batches; ++b) {
    float* h = hidden + int64_t{b} * n;
    float* c = cell + int64_t{b} * n;
    for (int t = 0; t < s.time_steps; ++t) {
      const float* x = input + Row(s, b, t) * n_in;
      for (int g = 0; g < 4; ++g) {
        for (int j = 0; j < n; ++j) {
          // As the runtimes sum: the input product plus bias, then the recurrent product.
          float in_acc = 0.0f;
          const float* wi = w.input[g] + int64_t{j} * n_in;
          for (int k = 0; k < n_in; ++k) in_acc += x[k] * wi[k];
          if (w.bias[g]) in_acc += w.bias[g][j];
          float rec_acc = 0.0f;
          const float* wr = w.recurrent[g] + int64_t{j} * n;
          for (int k = 0; k < n; ++k) rec_acc += h[k] * wr[k];
          const float v = in_acc + rec_acc;
          gate[g * n + j] = ActivateFloat(g == kGateCell ? p.activation : LstmActivation::kSigmoid, v);
        }
      }
      float* out = output + Row(s, b, t) * n;
      for (int j = 0; j < n; ++j) {
        float cj = gate[kGateForget * n + j] * c[j];
        cj = cj + gate[kGateInput * n + j] * gate[kGateCell * n + j];
        if (p.cell_clip > 0.0f) cj = std::max(-p.cell_clip, std::min(p.cell_clip, cj));
        c[j] = cj;
      }
      for (int j = 0; j < n; ++j) {
        h[j] = gate[kGateOutput * n + j] * ActivateFloat(p.hidden_activation, c[j]);
        out[j] = h[j];
      }
    }
  }
}

LstmInt8Params PrepareLstmInt8(Numerics numerics, QParams input, const float input_weight_scales[4],
                               const float recurrent_weight_scales[4], QParams hidden, QParams hidden_out,
                               float cell_scale, float cell_clip, LstmActivation activation) {
  Require(activation == LstmActivation::kTanh || activation == LstmActivation::kSigmoid,
          "lstm: integer kernels support the tanh and sigmoid cell activations only");
  LstmInt8Params p;
  p.numerics = numerics;
  p.activation = activation;
  p.input_zero_point = input.zero_point;
  p.hidden_zero_point = hidden.zero_point;
  p.hidden_out_zero_point = hidden_out.zero_point;
  int power = 0;
  Require(cell_scale > 0.0f && CheckedLog2(cell_scale, &power), "lstm: the cell state scale must be a power of two");
  p.cell_scale_power = power;
  const float gate_scale = 1.0f / 4096.0f;  // Q3.12
  for (int g = 0; g < 4; ++g) {
    if (numerics == Numerics::kMicro) {
      // FULLY_CONNECTED's multiplier: s_in·s_w / s_out in double.
      p.input_to_gate[g] = Multiplier(double{input.scale} * double{input_weight_scales[g]} / gate_scale);
      p.recurrent_to_gate[g] = Multiplier(double{hidden.scale} * double{recurrent_weight_scales[g]} / gate_scale);
    } else {
      // TFLite computes the effective scales in float.
      const float in_eff = input_weight_scales[g] * input.scale / gate_scale;
      const float rec_eff = recurrent_weight_scales[g] * hidden.scale / gate_scale;
      p.input_to_gate[g] = Multiplier(in_eff);
      p.recurrent_to_gate[g] = Multiplier(rec_eff);
    }
  }
  const double q15 = 1.0 / 32768.0;
  if (numerics == Numerics::kMicro) {
    p.forget_times_cell = Multiplier(q15 * double{cell_scale} / double{cell_scale});
    p.input_times_cell_gate = Multiplier(q15 * q15 / double{cell_scale});
    p.hidden = Multiplier(q15 * q15 / double{hidden_out.scale});
  } else {
    Require(power >= -15 && power <= -9, "lstm: TFLite's integer LSTM needs a cell state scale in [2^-15, 2^-9]");
    const float hidden_eff = static_cast<float>(q15 / double{hidden_out.scale} * q15);
    p.hidden = Multiplier(hidden_eff);
  }
  if (cell_clip > 0.0f) {
    const double q = std::min(std::max(double{cell_clip} / double{cell_scale}, -32768.0), 32767.0);
    p.quantized_cell_clip = static_cast<int16_t>(q);
  }
  return p;
}

void LstmInt8(const LstmShape& s, const LstmInt8Params& p, const LstmWeights<int8_t, int32_t>& w,
              const int8_t* input, int8_t* hidden, int16_t* cell, int8_t* output) {
  const int n_in = s.input_depth, n = s.state_depth;
  const bool micro = p.numerics == Numerics::kMicro;
  std::vector<int16_t> gate(4 * static_cast<size_t>(n));
  // TFLite Micro's int16 tanh of Q3.12 (the cell gate) and of the cell state.
  const LogisticTanhInt16Params sigmoid_q3{0, 0};
  const LogisticTanhInt16Params tanh_q3{0, 0};
  LogisticTanhInt16Params tanh_cell{0, 15 + p.cell_scale_power - 3};
  if (tanh_cell.input_left_shift < 0) tanh_cell = {3, -tanh_cell.input_left_shift};
  for (int b = 0; b < s.batches; ++b) {
    int8_t* h = hidden + int64_t{b} * n;
    int16_t* c = cell + int64_t{b} * n;
    for (int t = 0; t < s.time_steps; ++t) {
      const int8_t* x = input + Row(s, b, t) * n_in;
      for (int g = 0; g < 4; ++g) {
        for (int j = 0; j < n; ++j) {
          int32_t in_acc = w.bias[g] ? w.bias[g][j] : 0;
          const int8_t* wi = w.input[g] + int64_t{j} * n_in;
          for (int k = 0; k < n_in; ++k) in_acc += (x[k] - p.input_zero_point) * wi[k];
          int32_t rec_acc = 0;
          const int8_t* wr = w.recurrent[g] + int64_t{j} * n;
          for (int k = 0; k < n; ++k) rec_acc += (h[k] - p.hidden_zero_point) * wr[k];
          const int16_t in_part = Clamp16(Scale(in_acc, p.input_to_gate[g]));
          int16_t v;
          if (micro) {
            v = Clamp16(int32_t{in_part} + Clamp16(Scale(rec_acc, p.recurrent_to_gate[g])));
          } else {
            v = Clamp16(Scale(rec_acc, p.recurrent_to_gate[g]) + int32_t{in_part});
          }
          const bool tanh_gate = g == kGateCell && p.activation == LstmActivation::kTanh;
          int16_t y;
          if (micro) {
            if (tanh_gate) TanhInt16(tanh_q3, 1, &v, &y);
            else LogisticInt16(sigmoid_q3, 1, &v, &y);
          } else {
            y = tanh_gate ? GemmlowpTanh(3, v) : GemmlowpLogisticQ3(v);
          }
          gate[g * n + j] = y;
        }
      }
      for (int j = 0; j < n; ++j) {
        const int32_t fc = int32_t{gate[kGateForget * n + j]} * c[j];
        const int32_t ig = int32_t{gate[kGateInput * n + j]} * gate[kGateCell * n + j];
        int16_t a, bterm;
        if (micro) {
          a = Clamp16(Scale(fc, p.forget_times_cell));
          bterm = Clamp16(Scale(ig, p.input_times_cell_gate));
        } else {
          a = static_cast<int16_t>(fp::RoundingDivideByPOT(fc, 15));
          bterm = static_cast<int16_t>(fp::RoundingDivideByPOT(ig, 30 + p.cell_scale_power));
        }
        int16_t cj = Clamp16(int32_t{a} + bterm);
        if (p.quantized_cell_clip > 0) {
          cj = std::max<int16_t>(static_cast<int16_t>(-p.quantized_cell_clip), std::min(p.quantized_cell_clip, cj));
        }
        c[j] = cj;
      }
      int8_t* out = output + Row(s, b, t) * n;
      for (int j = 0; j < n; ++j) {
        int16_t tc;
        if (micro) TanhInt16(tanh_cell, 1, &c[j], &tc);
        else tc = GemmlowpTanh(15 + p.cell_scale_power, c[j]);
        const int32_t v = Scale(int32_t{tc} * gate[kGateOutput * n + j], p.hidden) + p.hidden_out_zero_point;
        h[j] = static_cast<int8_t>(Clamp(v, -128, 127));
        out[j] = h[j];
      }
    }
  }
}

}  // namespace qtflite::reference
