// The hybrid UNIDIRECTIONAL_SEQUENCE_LSTM (int8 weights, float activations); see lstm.h.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/reference/hybrid.h"
#include "kernels/reference/logistic.h"
#include "kernels/reference/lstm.h"

namespace qtflite::reference {
namespace {

int64_t Row(const LstmShape& s, int b, int t) {
  return s.time_major ? int64_t{t} * s.batches + b : int64_t{b} * s.time_steps + t;
}

float Activate(LstmActivation a, float x) {
  switch (a) {
    case LstmActivation::kTanh: return std::tanh(x);
    case LstmActivation::kSigmoid: return 1.0f / (1.0f + std::exp(-x));
    case LstmActivation::kRelu: return std::max(0.0f, x);
    case LstmActivation::kRelu6: return std::min(6.0f, std::max(0.0f, x));
  }
  return x;
}

bool AllZero(const float* x, int n) {
  return std::all_of(x, x + n, [](float v) { return v == 0.0f; });
}

// One quantized row times a [rows, cols] int8 matrix, accumulated into gate (float).
void AccumulateProducts(const int8_t* q, float row_scale, int32_t zero_point, const int8_t* m, const int32_t* row_sums,
                        float matrix_scale, int rows, int cols, float* gate) {
  const float scale = row_scale * matrix_scale;
  for (int j = 0; j < rows; ++j) {
    const int8_t* mj = m + int64_t{j} * cols;
    int32_t dot = 0;
    for (int k = 0; k < cols; ++k) dot += mj[k] * q[k];
    dot -= row_sums[j] * zero_point;
    gate[j] += static_cast<float>(dot) * scale;
  }
}

std::vector<int32_t> RowSums(const int8_t* m, int rows, int cols) {
  std::vector<int32_t> sums(rows, 0);
  for (int j = 0; j < rows; ++j) {
    for (int k = 0; k < cols; ++k) sums[j] += m[int64_t{j} * cols + k];
  }
  return sums;
}

}  // namespace

void LstmHybrid(const LstmShape& s, const LstmHybridParams& p, const LstmWeights<int8_t, float>& w, const float* input,
                float* hidden, float* cell, float* output) {
  const int n_in = s.input_depth, n = s.state_depth;
  std::vector<int32_t> in_sums[4], rec_sums[4];
  for (int g = 0; g < 4; ++g) {
    in_sums[g] = RowSums(w.input[g], n, n_in);
    rec_sums[g] = RowSums(w.recurrent[g], n, n);
  }
  std::vector<float> gate(4 * static_cast<size_t>(n));
  std::vector<int8_t> qx(n_in), qh(n);
  auto quantize = [&](const float* x, int size, int8_t* q, float* scale, int32_t* zp) {
    *zp = 0;
    if (p.asymmetric_inputs) QuantizeRowAsymmetric(x, size, q, scale, zp);
    else QuantizeRowSymmetric(x, size, q, scale);
  };
  for (int b = 0; b < s.batches; ++b) {
    float* h = hidden + int64_t{b} * n;
    float* c = cell + int64_t{b} * n;
    for (int t = 0; t < s.time_steps; ++t) {
      const float* x = input + Row(s, b, t) * n_in;
      for (int g = 0; g < 4; ++g) {
        for (int j = 0; j < n; ++j) gate[g * n + j] = w.bias[g] ? w.bias[g][j] : 0.0f;
      }
      if (!AllZero(x, n_in)) {
        float sx;
        int32_t zx;
        quantize(x, n_in, qx.data(), &sx, &zx);
        for (int g = 0; g < 4; ++g) {
          AccumulateProducts(qx.data(), sx, zx, w.input[g], in_sums[g].data(), p.input_weight_scales[g], n, n_in,
                             &gate[g * n]);
        }
      }
      if (!AllZero(h, n)) {
        float sh;
        int32_t zh;
        quantize(h, n, qh.data(), &sh, &zh);
        for (int g = 0; g < 4; ++g) {
          AccumulateProducts(qh.data(), sh, zh, w.recurrent[g], rec_sums[g].data(), p.recurrent_weight_scales[g], n, n,
                             &gate[g * n]);
        }
      }
      for (int g = 0; g < 4; ++g) {
        const LstmActivation a = g == kGateCell ? p.activation : LstmActivation::kSigmoid;
        for (int j = 0; j < n; ++j) gate[g * n + j] = Activate(a, gate[g * n + j]);
      }
      float* out = output + Row(s, b, t) * n;
      for (int j = 0; j < n; ++j) {
        float cj = gate[kGateForget * n + j] * c[j];
        cj += gate[kGateCell * n + j] * gate[kGateInput * n + j];
        if (p.cell_clip > 0.0f) cj = std::max(-p.cell_clip, std::min(p.cell_clip, cj));
        c[j] = cj;
        h[j] = gate[kGateOutput * n + j] * Activate(p.activation, cj);
        out[j] = h[j];
      }
    }
  }
}

}  // namespace qtflite::reference
