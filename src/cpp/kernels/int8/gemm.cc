#include "kernels/int8/gemm.h"

#include <algorithm>
#include <cstring>

namespace qtflite::int8 {
namespace {

namespace ref = qtflite::reference;

bool SameGeometry(const ref::ConvGeometry& a, const ref::ConvGeometry& b) {
  return a.stride_h == b.stride_h && a.stride_w == b.stride_w && a.dilation_h == b.dilation_h &&
         a.dilation_w == b.dilation_w && a.pad_h == b.pad_h && a.pad_w == b.pad_w;
}

// int32 wrap-around, as the reference's int32 sums.
int32_t Wrap32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

// Inputs with fewer channels than this gather whole receptive fields (im2col) instead.
constexpr int kIm2colChannels = 8;
// Copies n bytes (n small) with a few overlapping word moves instead of a loop or a call.
inline void CopySmall(uint8_t* dst, const uint8_t* src, int n) {
  if (n >= 8) {
    for (int i = 0; i + 8 < n; i += 8) std::memcpy(dst + i, src + i, 8);
    std::memcpy(dst + n - 8, src + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(dst, src, 4);
    std::memcpy(dst + n - 4, src + n - 4, 4);
  } else {
    for (int i = 0; i < n; ++i) dst[i] = src[i];
  }
}

// Gather's whole-window path copies a kernel row's span in 8-byte words, up to this many bytes
// past it (into the next span or row, which are written after, or into the padding and slack,
// which meet zero weights).
constexpr int kGatherSlack = 16;

// Bytes of input rows per cache block.
constexpr int64_t kBlockBytes = 48 * 1024;
// AMX tiles take a panel (at most 32 KiB per 1024 k) from L1 across the block's row tiles, rows
// from L2: larger blocks reuse each panel more.
constexpr int64_t kTileBlockBytes = 384 * 1024;

// Whether the AMX tile microkernel beats the VNNI one on a layer. Measured per layer on ResNet-8
// (batch 100) and MobileNetV2 (batch 1), Xeon, one thread: it lost on outputs of 16 channels or
// fewer (half of its 32-column panel is padding) and on convolutions whose rows it must gather
// (im2col) when they are shallow (3×3×16 = 144: the copy costs more than the tiles save), and won
// on 1×1 convolutions and deep gathered rows (3×3×32 and up).
bool TileFaster(int out_channels, bool one_by_one, int64_t depth) {
  return out_channels > 16 && (one_by_one || depth >= kGemmTileMinGatheredDepth);
}

}  // namespace

bool GemmSpec::operator==(const GemmSpec& o) const {
  return SameGeometry(geometry, o.geometry) && input == o.input && filter == o.filter && output == o.output &&
         type == o.type;
}

GemmSpec FullyConnectedSpec(int batches, int in_depth, int out_depth, GemmInput type) {
  GemmSpec s;
  s.input = {1, 1, batches, in_depth};
  s.filter = {out_depth, 1, 1, in_depth};
  s.output = {1, 1, batches, out_depth};
  s.type = type;
  return s;
}

bool PackedGemm::Pack(const Int8Kernels& kernels, const GemmSpec& spec, const ref::Requant& q, const void* filter,
                      const int32_t* bias) {
  *this = PackedGemm();
  const ref::Shape4& in = spec.input;
  const ref::Shape4& f = spec.filter;
  const ref::Shape4& out = spec.output;
  const ref::ConvGeometry& g = spec.geometry;
  if (in.n != out.n || in.n < 0 || in.h < 1 || in.w < 1 || in.c < 1 || out.h < 1 || out.w < 1 || out.c < 1 ||
      f.n != out.c || f.c != in.c || f.h < 1 || f.w < 1) {
    return false;
  }
  if (g.stride_h < 1 || g.stride_w < 1 || g.dilation_h < 1 || g.dilation_w < 1) return false;
  const size_t nq = q.multiplier.size();
  if (nq != q.shift.size() || (nq != 1 && nq != static_cast<size_t>(out.c))) return false;
  if (!q.real_multiplier.empty() && q.real_multiplier.size() != 1 && q.real_multiplier.size() != static_cast<size_t>(out.c)) {
    return false;
  }
  const bool u8 = spec.type == GemmInput::kUInt8;
  const int32_t zp = -q.input_offset;
  if (u8 ? (zp < 0 || zp > 255) : (zp < -128 || zp > 127)) return false;
  GemmMicrokernel k = u8 ? kernels.gemm_u8 : (q.weights_offset == 0 && kernels.gemm_dot.fn ? kernels.gemm_dot
                                                                                           : kernels.gemm_s8);
  const int64_t rows = int64_t{out.n} * out.h * out.w;
  const int taps = f.h * f.w;
  const bool one_by_one = taps == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_h == 0 && g.pad_w == 0 &&
                          in.h == out.h && in.w == out.w;
  if (!u8 && q.weights_offset == 0 && kernels.gemm_tile.fn && rows >= kGemmTileMinRows &&
      (kernels.gemm_tile_everywhere || TileFaster(out.c, one_by_one, int64_t{taps} * in.c))) {
    k = kernels.gemm_tile;
  }
  // Requant parameters are padded to kChannelPadding: wider panels are whole multiples of it.
  if (!k.fn || (k.nr > kChannelPadding && k.nr % kChannelPadding != 0)) return false;
  const bool tile = k.layout == GemmLayout::kTile;

  Mode mode = one_by_one ? Mode::kDirect : (in.c < kIm2colChannels ? Mode::kIm2col : Mode::kIndirect);
  if (taps == 1 && mode == Mode::kIm2col) mode = Mode::kIndirect;
  // tileloadd reads rows at a fixed stride: every convolution gathers its rows (im2col).
  if (tile && !one_by_one) mode = Mode::kIm2col;
  const int kc = mode == Mode::kIm2col ? taps * in.c : in.c;
  const int ks = mode == Mode::kIndirect ? taps : 1;
  const int groups = tile ? (kc + 63) / 64 * 16 : (kc + 3) / 4;
  const bool dot = k.layout != GemmLayout::kMadd;
  const int64_t group_bytes = int64_t{4} * k.nr * (dot ? 1 : 2);
  const int64_t panel_bytes = int64_t{4} * k.nr + int64_t{ks} * groups * group_bytes;
  const int panels = (out.c + k.nr - 1) / k.nr;
  std::vector<int32_t> packed(static_cast<size_t>(panel_bytes / 4 * panels), 0);

  const int64_t depth = int64_t{taps} * in.c;  // filter elements per output channel
  const int32_t bias_scale = k.layout == GemmLayout::kDot ? q.input_offset - 128 : q.input_offset;
  for (int p = 0; p < panels; ++p) {
    uint8_t* panel = reinterpret_cast<uint8_t*>(packed.data()) + p * panel_bytes;
    int32_t* panel_bias = reinterpret_cast<int32_t*>(panel);
    for (int j = 0; j < k.nr; ++j) {
      const int oc = p * k.nr + j;
      if (oc >= out.c) break;
      int64_t sum = 0;
      for (int t = 0; t < ks; ++t) {
        for (int kk = 0; kk < kc; ++kk) {
          const int64_t at = oc * depth + int64_t{t} * kc + kk;
          const int32_t w = (u8 ? static_cast<int32_t>(static_cast<const uint8_t*>(filter)[at])
                                : static_cast<int32_t>(static_cast<const int8_t*>(filter)[at])) +
                            q.weights_offset;
          sum += w;
          uint8_t* group = panel + 4 * k.nr + (int64_t{t} * groups + kk / 4) * group_bytes;
          const int lane = kk % 4;
          if (dot) {
            group[4 * j + lane] = static_cast<uint8_t>(static_cast<int8_t>(w));
          } else {
            // E = (w0, w2), O = (w1, w3) per column.
            int16_t* half = reinterpret_cast<int16_t*>(group) + (lane % 2 ? 2 * k.nr : 0);
            half[2 * j + lane / 2] = static_cast<int16_t>(w);
          }
        }
      }
      panel_bias[j] = Wrap32((bias ? int64_t{bias[oc]} : 0) + int64_t{bias_scale} * sum);
    }
  }

  kernel_ = k;
  isa_ = kernels.isa;
  spec_ = spec;
  mode_ = mode;
  kc_ = kc;
  ks_ = ks;
  rows_ = rows;
  panel_bytes_ = panel_bytes;
  const int64_t row_bytes = std::max<int64_t>(int64_t{ks} * kc, 1);
  block_rows_ = static_cast<int>(std::clamp<int64_t>((tile ? kTileBlockBytes : kBlockBytes) / row_bytes, 1, 1024));
  block_rows_ = (block_rows_ + k.mr - 1) / k.mr * k.mr;
  weights_ = std::move(packed);
  small_k_ = !u8 && k.layout == GemmLayout::kMadd && int64_t{ks} * groups * 4 <= kGemmScaledEvenMaxK;
  requant_ = ChannelRequant(q, out.c);
  zero_row_.assign(static_cast<size_t>(std::max(in.c, 4)), static_cast<uint8_t>(zp));
  if (mode_ == Mode::kIm2col) {
    // Rows padded to whole groups of 4 (zeros, against zero weights): no partial group to load.
    // Tile layout: whole tile rows of 64 (the bytes past kc, never cleared, meet zero weights).
    col_stride_ = tile ? groups * 4 : (kc + 3) / 4 * 4;
  }
  return true;
}

// Direct and indirect: every tile's pointers, tile-major ([tile][tap][MR]).
void PackedGemm::BuildTable(const uint8_t* input) {
  const ref::Shape4& in = spec_.input;
  const ref::Shape4& out = spec_.output;
  const ref::Shape4& f = spec_.filter;
  const ref::ConvGeometry& g = spec_.geometry;
  const int mr = kernel_.mr;
  const int64_t tiles = (rows_ + mr - 1) / mr;
  table_.resize(static_cast<size_t>(tiles * ks_ * mr));
  for (int64_t tile = 0; tile < tiles; ++tile) {
    for (int i = 0; i < mr; ++i) {
      const int64_t m = std::min(tile * mr + i, rows_ - 1);  // rows past M repeat the last one
      const void** slot = table_.data() + tile * ks_ * mr + i;
      if (mode_ == Mode::kDirect) {
        *slot = input + m * in.c;
        continue;
      }
      const int ox = static_cast<int>(m % out.w), oy = static_cast<int>(m / out.w % out.h);
      const int b = static_cast<int>(m / (int64_t{out.w} * out.h));
      for (int ky = 0; ky < f.h; ++ky) {
        const int iy = oy * g.stride_h - g.pad_h + ky * g.dilation_h;
        for (int kx = 0; kx < f.w; ++kx) {
          const int ix = ox * g.stride_w - g.pad_w + kx * g.dilation_w;
          const bool inside = iy >= 0 && iy < in.h && ix >= 0 && ix < in.w;
          slot[(ky * f.w + kx) * mr] = inside ? input + in.Offset(b, iy, ix, 0) : zero_row_.data();
        }
      }
    }
  }
  table_input_ = input;
}

// Im2col: rows m0..m0+rows-1 gathered into the scratch (kc = kh·kw·in_c each), and their pointers.
void PackedGemm::Gather(const uint8_t* input, int64_t m0, int rows, Scratch& scratch) const {
  const ref::Shape4& in = spec_.input;
  const ref::Shape4& out = spec_.output;
  const ref::Shape4& f = spec_.filter;
  const ref::ConvGeometry& g = spec_.geometry;
  // Pixel coordinates advance with r (no division per row).
  int ox = static_cast<int>(m0 % out.w), oy = static_cast<int>(m0 / out.w % out.h);
  int b = static_cast<int>(m0 / (int64_t{out.w} * out.h));
  const int span = f.w * in.c;  // one kernel row's taps, contiguous in the input when dilation_w = 1
  // Whole windows inside the image with short spans: each kernel row is words(span) 8-byte
  // copies, when they stay within the input.
  const int words = (span + 7) / 8;
  const bool word_copies = g.dilation_w == 1 && words <= 2;  // overrun words·8 − span < 8 <= slack
  const int64_t row_step = int64_t{g.dilation_h} * in.w * in.c;
  const uint8_t* const input_end = input + in.FlatSize();
  const int last_dy = (f.h - 1) * g.dilation_h;
  for (int r = 0; r < rows; ++r) {
    uint8_t* dst = scratch.cols.data() + static_cast<int64_t>(r) * col_stride_;
    const int ix0 = ox * g.stride_w - g.pad_w;
    const bool row_inside = g.dilation_w == 1 && ix0 >= 0 && ix0 + f.w <= in.w;
    const int iy0 = oy * g.stride_h - g.pad_h;
    if (word_copies && row_inside && iy0 >= 0 && iy0 + last_dy < in.h) {
      const uint8_t* src = input + in.Offset(b, iy0, ix0, 0);
      if (src + (f.h - 1) * row_step + words * 8 <= input_end) {
        for (int ky = 0; ky < f.h; ++ky, src += row_step, dst += span) {
          std::memcpy(dst, src, 8);
          if (words == 2) std::memcpy(dst + 8, src + 8, 8);
        }
        if (++ox == out.w) {
          ox = 0;
          if (++oy == out.h) {
            oy = 0;
            ++b;
          }
        }
        continue;
      }
    }
    for (int ky = 0; ky < f.h; ++ky) {
      const int iy = oy * g.stride_h - g.pad_h + ky * g.dilation_h;
      if (row_inside && iy >= 0 && iy < in.h) {
        CopySmall(dst, input + in.Offset(b, iy, ix0, 0), span);
        dst += span;
        continue;
      }
      for (int kx = 0; kx < f.w; ++kx, dst += in.c) {
        const int ix = ix0 + kx * g.dilation_w;
        const bool inside = iy >= 0 && iy < in.h && ix >= 0 && ix < in.w;
        const uint8_t* src = inside ? input + in.Offset(b, iy, ix, 0) : zero_row_.data();
        CopySmall(dst, src, in.c);
      }
    }
    if (++ox == out.w) {
      ox = 0;
      if (++oy == out.h) {
        oy = 0;
        ++b;
      }
    }
  }
  const int padded = (rows + kernel_.mr - 1) / kernel_.mr * kernel_.mr;
  for (int r = 0; r < padded; ++r) {
    scratch.table[r] = scratch.cols.data() + static_cast<int64_t>(std::min(r, rows - 1)) * col_stride_;
  }
}

// Tile layout: the block's rows (ks = 1), through their pointers, copied into the AMX
// microkernel's operand order (gemm_kernel.h, kTile); returns pointers in the table's places.
const void* const* PackedGemm::PackTileRows(const void* const* table, int rows, int kc, Scratch& scratch) const {
  const int mr = kernel_.mr;
  const int chunks = (kc + 63) / 64;
  const int64_t tile_bytes = int64_t{mr} * 64 * chunks;
  const int tiles = (rows + mr - 1) / mr;
  scratch.tile_rows.resize(static_cast<size_t>(tiles * tile_bytes));
  scratch.tile_table.resize(static_cast<size_t>(tiles * mr));
  for (int t = 0; t < tiles; ++t) {
    uint8_t* dst = scratch.tile_rows.data() + t * tile_bytes;
    scratch.tile_table[static_cast<size_t>(t) * mr] = dst;
    for (int c = 0; c < chunks; ++c) {
      const int n = std::min(64, kc - 64 * c);
      for (int i = 0; i < mr; ++i, dst += 64) {
        std::memcpy(dst, static_cast<const uint8_t*>(table[t * mr + i]) + 64 * c, static_cast<size_t>(n));
        if (n < 64) std::memset(dst + n, 0, static_cast<size_t>(64 - n));
      }
    }
  }
  return scratch.tile_table.data();
}

void PackedGemm::RunTile(const void* const* table, int64_t m0, int rows, int p0, int p1, void* output) const {
  const int mr = kernel_.mr, nr = kernel_.nr, channels = spec_.output.c;
  GemmArgs args;
  args.kc = mode_ == Mode::kIm2col ? col_stride_ : kc_;
  args.ks = ks_;
  args.a_stride = mr;
  args.q = requant_.view();
  args.out_uint8 = spec_.type == GemmInput::kUInt8;
  args.out_stride = channels;
  const uint8_t* weights = reinterpret_cast<const uint8_t*>(weights_.data());
  for (int p = p0; p < p1; ++p) {
    args.w = weights + p * panel_bytes_;
    args.c0 = p * nr;
    args.nr = std::min(nr, channels - p * nr);
    for (int r = 0; r < rows; r += mr) {
      args.mr = std::min(mr, rows - r);
      args.a = table + static_cast<int64_t>(r) / mr * ks_ * mr;
      args.out = static_cast<uint8_t*>(output) + (m0 + r) * channels + args.c0;
      GemmFn fn = kernel_.fn;
      if (args.mr == 1 && kernel_.fn1) {
        fn = kernel_.fn1;
      } else if (2 * args.nr <= nr && kernel_.half) {
        fn = small_k_ && kernel_.half_small_k ? kernel_.half_small_k : kernel_.half;
      }
      fn(args);
    }
  }
}

void PackedGemm::Run(const void* input, void* output, ThreadPool* pool) {
  if (rows_ == 0) return;
  const uint8_t* in = static_cast<const uint8_t*>(input);
  if (mode_ != Mode::kIm2col && table_input_ != input) BuildTable(in);
  const int mr = kernel_.mr, nr = kernel_.nr;
  const int panels = (spec_.output.c + nr - 1) / nr;
  const int threads = pool ? pool->size() : 1;
  // Tasks: row blocks of up to block_rows_ (smaller when there are few, so that every thread
  // gets some), times chunks of panels when the rows alone cannot keep the threads busy (not for
  // im2col, whose tasks each gather their rows).
  int block = block_rows_;
  if (threads > 1) {
    const int64_t per_task = (rows_ + 2 * threads - 1) / (2 * threads);
    block = static_cast<int>(std::min<int64_t>(block, std::max<int64_t>(mr, (per_task + mr - 1) / mr * mr)));
  }
  const int64_t row_blocks = (rows_ + block - 1) / block;
  int panel_chunks = 1;
  if (mode_ != Mode::kIm2col && row_blocks < 2 * threads) {
    panel_chunks = static_cast<int>(std::min<int64_t>(panels, (2 * threads + row_blocks - 1) / row_blocks));
  }
  const bool tile = kernel_.layout == GemmLayout::kTile;
  if ((mode_ == Mode::kIm2col || tile) && scratch_.size() < static_cast<size_t>(threads)) {
    scratch_.resize(static_cast<size_t>(threads));
    for (Scratch& s : scratch_) {
      if (mode_ != Mode::kIm2col || !s.cols.empty()) continue;
      // Slack past the last row: Gather's word copies may write up to kGatherSlack bytes beyond
      // a kernel row's span.
      s.cols.assign(static_cast<size_t>(block_rows_) * col_stride_ + kGatherSlack, 0);
      s.table.resize(static_cast<size_t>(block_rows_));
    }
  }
  auto run_tasks = [&](int64_t begin, int64_t end, int thread) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t m0 = task / panel_chunks * block;
      const int chunk = static_cast<int>(task % panel_chunks);
      const int p0 = static_cast<int>(int64_t{panels} * chunk / panel_chunks);
      const int p1 = static_cast<int>(int64_t{panels} * (chunk + 1) / panel_chunks);
      const int rows = static_cast<int>(std::min<int64_t>(block, rows_ - m0));
      const void* const* table;
      if (mode_ == Mode::kIm2col) {
        Gather(in, m0, rows, scratch_[static_cast<size_t>(thread)]);
        table = scratch_[static_cast<size_t>(thread)].table.data();
      } else {
        table = table_.data() + m0 / mr * ks_ * mr;
      }
      if (tile) {
        const int kc = mode_ == Mode::kIm2col ? col_stride_ : kc_;
        table = PackTileRows(table, rows, kc, scratch_[static_cast<size_t>(thread)]);
      }
      RunTile(table, m0, rows, p0, p1, output);
    }
  };
  const int64_t tasks = row_blocks * panel_chunks;
  if (threads > 1) {
    pool->ParallelFor(tasks, run_tasks);
  } else {
    run_tasks(0, tasks, 0);
  }
}

}  // namespace qtflite::int8
