// The float GEMM microkernel, written once over xsimd batches and compiled per ISA (included
// only by the isa_*.cc files). Register tile: kMr rows of A × kNr = 2 batches of outputs,
// accumulated from the packed bias, one broadcast of A and two loads of the weight panel per
// step of k. The indirect form (convolutions) reads row r's k = taps · c values from `taps`
// pointers of c floats each instead of one contiguous row: no im2col copy; every output still
// sums bias + Σ_k in k order, so both forms round alike and a row's result never depends on
// which tile or block it falls in.
#pragma once

#include <xsimd/xsimd.hpp>

namespace qtflite::fast {

template <class Arch>
struct FloatGemmKernel {
  using Batch = xsimd::batch<float, Arch>;
  static constexpr int kW = static_cast<int>(Batch::size);
  static constexpr int kNr = 2 * kW;
  static constexpr int kMr = 6;  // 12 accumulators + 2 weights + 1 broadcast: 15 of 16 registers
  static constexpr int kRowBlock = 12 * kMr;  // rows of A kept hot in L1/L2 while every panel passes

  // Clamps to [lo, hi]; the operand order keeps NaN (max/min return their second operand).
  static Batch Clamp(Batch v, Batch lo, Batch hi) { return xsimd::min(hi, xsimd::max(lo, v)); }

  static void Store(Batch v, float* out, int cols) {
    if (cols >= kW) {
      v.store_unaligned(out);
      return;
    }
    alignas(64) float tmp[kW];
    v.store_aligned(tmp);
    for (int j = 0; j < cols; ++j) out[j] = tmp[j];
  }

  template <int Rows>
  static void Tile(const float* a, int lda, int k, const float* panel, const float* bias, Batch lo, Batch hi,
                   float* out, int ldo, int cols) {
    Batch acc0[Rows], acc1[Rows];
    const Batch b0 = Batch::load_unaligned(bias), b1 = Batch::load_unaligned(bias + kW);
    for (int r = 0; r < Rows; ++r) {
      acc0[r] = b0;
      acc1[r] = b1;
    }
    for (int kk = 0; kk < k; ++kk) {
      const Batch w0 = Batch::load_unaligned(panel + kk * kNr);
      const Batch w1 = Batch::load_unaligned(panel + kk * kNr + kW);
      for (int r = 0; r < Rows; ++r) {
        const Batch x(a[r * lda + kk]);
        acc0[r] = xsimd::fma(x, w0, acc0[r]);
        acc1[r] = xsimd::fma(x, w1, acc1[r]);
      }
    }
    for (int r = 0; r < Rows; ++r) {
      Store(Clamp(acc0[r], lo, hi), out + r * ldo, cols);
      if (cols > kW) Store(Clamp(acc1[r], lo, hi), out + r * ldo + kW, cols - kW);
    }
  }

  template <int Rows>
  static void IndirectTile(const float* const* rows, int taps, int c, const float* panel, const float* bias,
                           Batch lo, Batch hi, float* out, int ldo, int cols) {
    Batch acc0[Rows], acc1[Rows];
    const Batch b0 = Batch::load_unaligned(bias), b1 = Batch::load_unaligned(bias + kW);
    for (int r = 0; r < Rows; ++r) {
      acc0[r] = b0;
      acc1[r] = b1;
    }
    for (int t = 0; t < taps; ++t) {
      const float* a[Rows];
      for (int r = 0; r < Rows; ++r) a[r] = rows[r * taps + t];
      for (int cc = 0; cc < c; ++cc, panel += kNr) {
        const Batch w0 = Batch::load_unaligned(panel);
        const Batch w1 = Batch::load_unaligned(panel + kW);
        for (int r = 0; r < Rows; ++r) {
          const Batch x(a[r][cc]);
          acc0[r] = xsimd::fma(x, w0, acc0[r]);
          acc1[r] = xsimd::fma(x, w1, acc1[r]);
        }
      }
    }
    for (int r = 0; r < Rows; ++r) {
      Store(Clamp(acc0[r], lo, hi), out + r * ldo, cols);
      if (cols > kW) Store(Clamp(acc1[r], lo, hi), out + r * ldo + kW, cols - kW);
    }
  }

  // As Run, row i of A being the `taps` pointers rows[i·taps ..], c floats each (k = taps · c).
  static void RunIndirect(const float* const* rows, int m, int taps, int c, int n, const float* panels,
                          const float* bias, float lo, float hi, float* out, int ldo) {
    const Batch vlo(lo), vhi(hi);
    const int num_panels = (n + kNr - 1) / kNr;
    const long k = static_cast<long>(taps) * c;
    for (int m0 = 0; m0 < m; m0 += kRowBlock) {
      const int m1 = m0 + kRowBlock < m ? m0 + kRowBlock : m;
      for (int p = 0; p < num_panels; ++p) {
        const float* panel = panels + p * k * kNr;
        const float* panel_bias = bias + p * kNr;
        const int cols = n - p * kNr < kNr ? n - p * kNr : kNr;
        int r = m0;
        for (; r + kMr <= m1; r += kMr) {
          IndirectTile<kMr>(rows + static_cast<long>(r) * taps, taps, c, panel, panel_bias, vlo, vhi,
                            out + static_cast<long>(r) * ldo + p * kNr, ldo, cols);
        }
        const float* const* rr = rows + static_cast<long>(r) * taps;
        float* outr = out + static_cast<long>(r) * ldo + p * kNr;
        switch (m1 - r) {
          case 5: IndirectTile<5>(rr, taps, c, panel, panel_bias, vlo, vhi, outr, ldo, cols); break;
          case 4: IndirectTile<4>(rr, taps, c, panel, panel_bias, vlo, vhi, outr, ldo, cols); break;
          case 3: IndirectTile<3>(rr, taps, c, panel, panel_bias, vlo, vhi, outr, ldo, cols); break;
          case 2: IndirectTile<2>(rr, taps, c, panel, panel_bias, vlo, vhi, outr, ldo, cols); break;
          case 1: IndirectTile<1>(rr, taps, c, panel, panel_bias, vlo, vhi, outr, ldo, cols); break;
          default: break;
        }
      }
    }
  }

  // One row of A against kPanels consecutive panels: 2 · kPanels independent accumulators where
  // a one-row Tile has only 2, so that a single row (a batch-1 FULLY_CONNECTED) is not bound by
  // the FMA latency. Same sums in the same order as Tile.
  template <int kPanels>
  static void RowTile(const float* a, int k, const float* panel, const float* bias, Batch lo, Batch hi, float* out,
                      int cols) {
    Batch acc0[kPanels], acc1[kPanels];
    for (int q = 0; q < kPanels; ++q) {
      acc0[q] = Batch::load_unaligned(bias + q * kNr);
      acc1[q] = Batch::load_unaligned(bias + q * kNr + kW);
    }
    const long stride = static_cast<long>(k) * kNr;
    for (int kk = 0; kk < k; ++kk) {
      const Batch x(a[kk]);
      for (int q = 0; q < kPanels; ++q) {
        const float* w = panel + q * stride + kk * kNr;
        acc0[q] = xsimd::fma(x, Batch::load_unaligned(w), acc0[q]);
        acc1[q] = xsimd::fma(x, Batch::load_unaligned(w + kW), acc1[q]);
      }
    }
    for (int q = 0; q < kPanels; ++q, cols -= kNr, out += kNr) {
      Store(Clamp(acc0[q], lo, hi), out, cols);
      if (cols > kW) Store(Clamp(acc1[q], lo, hi), out + kW, cols - kW);
    }
  }

  static void RunRows(const float* a, int m, int lda, int k, int n, const float* panels, const float* bias,
                      Batch lo, Batch hi, float* out, int ldo) {
    const int num_panels = (n + kNr - 1) / kNr;
    for (int r = 0; r < m; ++r) {
      const float* ar = a + static_cast<long>(r) * lda;
      int p = 0;
      for (; p + 4 <= num_panels; p += 4) {
        RowTile<4>(ar, k, panels + p * static_cast<long>(k) * kNr, bias + p * kNr, lo, hi,
                   out + static_cast<long>(r) * ldo + p * kNr, n - p * kNr);
      }
      for (; p < num_panels; p += 1) {
        RowTile<1>(ar, k, panels + p * static_cast<long>(k) * kNr, bias + p * kNr, lo, hi,
                   out + static_cast<long>(r) * ldo + p * kNr, n - p * kNr);
      }
    }
  }

  // out[m][n] = clamp(bias[n] + Σ_k a[m·lda + k] · w[n][k]) with w packed in panels of kNr.
  static void Run(const float* a, int m, int lda, int k, int n, const float* panels, const float* bias, float lo,
                  float hi, float* out, int ldo) {
    const Batch vlo(lo), vhi(hi);
    const int num_panels = (n + kNr - 1) / kNr;
    if (m <= 2 && num_panels > 1) {
      RunRows(a, m, lda, k, n, panels, bias, vlo, vhi, out, ldo);
      return;
    }
    for (int m0 = 0; m0 < m; m0 += kRowBlock) {
      const int m1 = m0 + kRowBlock < m ? m0 + kRowBlock : m;
      for (int p = 0; p < num_panels; ++p) {
        const float* panel = panels + static_cast<long>(p) * k * kNr;
        const float* panel_bias = bias + p * kNr;
        const int cols = n - p * kNr < kNr ? n - p * kNr : kNr;
        int r = m0;
        for (; r + kMr <= m1; r += kMr) {
          Tile<kMr>(a + static_cast<long>(r) * lda, lda, k, panel, panel_bias, vlo, vhi,
                    out + static_cast<long>(r) * ldo + p * kNr, ldo, cols);
        }
        const float* ar = a + static_cast<long>(r) * lda;
        float* outr = out + static_cast<long>(r) * ldo + p * kNr;
        switch (m1 - r) {
          case 5: Tile<5>(ar, lda, k, panel, panel_bias, vlo, vhi, outr, ldo, cols); break;
          case 4: Tile<4>(ar, lda, k, panel, panel_bias, vlo, vhi, outr, ldo, cols); break;
          case 3: Tile<3>(ar, lda, k, panel, panel_bias, vlo, vhi, outr, ldo, cols); break;
          case 2: Tile<2>(ar, lda, k, panel, panel_bias, vlo, vhi, outr, ldo, cols); break;
          case 1: Tile<1>(ar, lda, k, panel, panel_bias, vlo, vhi, outr, ldo, cols); break;
          default: break;
        }
      }
    }
  }
};

}  // namespace qtflite::fast
