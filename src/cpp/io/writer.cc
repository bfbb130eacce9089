#include "io/writer.h"

#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>

#include "ir/builtin_ops.h"
#include "ir/errors.h"
#include "ir/runtime_version.h"
#include "schema/tflite_subset_generated.h"

namespace qtflite {
namespace {

namespace fb = flatbuffers;

constexpr size_t kMaxModelSize = (size_t{1} << 31) - 1;
constexpr size_t kRuntimeVersionBytes = 16;

// Assigns buffer indices: the same Buffer object, or the same bytes, get one index.
class BufferTable {
 public:
  BufferTable() { entries_.push_back(nullptr); }  // buffer 0: the empty sentinel

  uint32_t Add(const std::shared_ptr<Buffer>& b, bool dedupe_contents) {
    if (!b) return 0;
    auto it = by_ptr_.find(b.get());
    if (it != by_ptr_.end()) return it->second;
    uint32_t index = 0;
    if (dedupe_contents) {
      uint64_t h = Hash(*b);
      for (uint32_t candidate : by_hash_[h]) {
        if (*entries_[candidate] == *b) index = candidate;
      }
      if (index == 0) {
        index = Append(b);
        by_hash_[h].push_back(index);
      }
    } else {
      index = Append(b);
    }
    by_ptr_[b.get()] = index;
    return index;
  }

  const std::vector<std::shared_ptr<Buffer>>& entries() const { return entries_; }

 private:
  uint32_t Append(const std::shared_ptr<Buffer>& b) {
    entries_.push_back(b);
    return static_cast<uint32_t>(entries_.size() - 1);
  }

  static uint64_t Hash(const Buffer& b) {  // FNV-1a
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < b.size(); ++i) h = (h ^ b.data()[i]) * 1099511628211ull;
    return h ^ b.size();
  }

  std::vector<std::shared_ptr<Buffer>> entries_;
  std::unordered_map<const Buffer*, uint32_t> by_ptr_;
  std::unordered_map<uint64_t, std::vector<uint32_t>> by_hash_;
};

class ModelWriter {
 public:
  explicit ModelWriter(const Model& m) : m_(m), fbb_(InitialSize(m)) {}

  std::vector<uint8_t> Write() {
    if (m_.subgraphs.empty()) throw InvalidArgument("cannot write a model without subgraphs");
    // Buffer indices first (tensors, then metadata), so every table can refer to them.
    std::vector<std::vector<uint32_t>> tensor_buffers;
    for (const Graph& g : m_.subgraphs) {
      std::vector<uint32_t> idx;
      for (const Tensor& t : g.tensors) idx.push_back(buffers_.Add(t.data, /*dedupe=*/true));
      tensor_buffers.push_back(std::move(idx));
    }
    std::vector<Metadata> metadata = m_.metadata;
    bool has_runtime_version = false;
    for (const auto& md : metadata) has_runtime_version |= md.name == "min_runtime_version";
    if (!has_runtime_version) {
      std::vector<uint8_t> bytes(kRuntimeVersionBytes, 0);
      std::string v = MinRuntimeVersion(m_);
      if (v.size() < kRuntimeVersionBytes) std::memcpy(bytes.data(), v.data(), v.size());
      metadata.push_back({"min_runtime_version", std::make_shared<Buffer>(std::move(bytes))});
    }
    std::vector<uint32_t> metadata_buffers;
    for (const auto& md : metadata) {
      metadata_buffers.push_back(buffers_.Add(md.data ? md.data : std::make_shared<Buffer>(), false));
    }

    auto codes = BuildOperatorCodes();
    std::vector<fb::Offset<tflite::SubGraph>> subgraphs;
    for (size_t g = 0; g < m_.subgraphs.size(); ++g) {
      subgraphs.push_back(BuildGraph(static_cast<int>(g), m_.subgraphs[g], tensor_buffers[g]));
    }
    auto description = m_.description.empty() ? 0 : fbb_.CreateString(m_.description);
    auto buffers = BuildBuffers();
    std::vector<fb::Offset<tflite::Metadata>> md_offsets;
    for (size_t i = 0; i < metadata.size(); ++i) {
      md_offsets.push_back(tflite::CreateMetadata(fbb_, fbb_.CreateString(metadata[i].name), metadata_buffers[i]));
    }
    std::vector<fb::Offset<tflite::SignatureDef>> sigs;
    for (const SignatureDef& s : m_.signature_defs) sigs.push_back(BuildSignature(s));

    // Every vector exists before the root table starts: flatbuffers tables may not nest.
    auto subgraph_vec = fbb_.CreateVector(subgraphs);
    auto metadata_vec = md_offsets.empty() ? 0 : fbb_.CreateVector(md_offsets);
    auto signature_vec = sigs.empty() ? 0 : fbb_.CreateVector(sigs);
    tflite::ModelBuilder mb(fbb_);
    mb.add_version(m_.version);
    mb.add_operator_codes(codes);
    mb.add_subgraphs(subgraph_vec);
    if (!description.IsNull()) mb.add_description(description);
    mb.add_buffers(buffers);
    if (!metadata_vec.IsNull()) mb.add_metadata(metadata_vec);
    if (!signature_vec.IsNull()) mb.add_signature_defs(signature_vec);
    fbb_.Finish(mb.Finish(), tflite::ModelIdentifier());
    if (fbb_.GetSize() > kMaxModelSize) {
      throw UnsupportedError("the model is larger than 2 GB, which qtflite cannot write yet");
    }
    return std::vector<uint8_t>(fbb_.GetBufferPointer(), fbb_.GetBufferPointer() + fbb_.GetSize());
  }

 private:
  static size_t InitialSize(const Model& m) {
    size_t n = 1 << 16;
    for (const auto& g : m.subgraphs) {
      for (const auto& t : g.tensors) n += t.data ? t.data->size() + 32 : 0;
    }
    return n;
  }

  fb::Offset<fb::Vector<fb::Offset<tflite::OperatorCode>>> BuildOperatorCodes() {
    std::vector<fb::Offset<tflite::OperatorCode>> out;
    for (const Graph& g : m_.subgraphs) {
      for (const Operator& o : g.operators) {
        auto key = std::make_tuple(o.builtin_code, o.custom_code, o.version);
        if (code_index_.count(key)) continue;
        code_index_[key] = static_cast<uint32_t>(out.size());
        auto custom = o.custom_code.empty() ? 0 : fbb_.CreateString(o.custom_code);
        // Both code fields are written even when they hold defaults (ADD is 0, version 1) so
        // that old readers (byte field) and new ones (int field) agree.
        fbb_.ForceDefaults(true);
        tflite::OperatorCodeBuilder b(fbb_);
        b.add_deprecated_builtin_code(static_cast<int8_t>(std::min(o.builtin_code, op::kPlaceholderForGreaterOpCodes)));
        if (!custom.IsNull()) b.add_custom_code(custom);
        b.add_version(o.version);
        b.add_builtin_code(o.builtin_code);
        out.push_back(b.Finish());
        fbb_.ForceDefaults(false);
      }
    }
    return fbb_.CreateVector(out);
  }

  fb::Offset<fb::Vector<fb::Offset<tflite::Buffer>>> BuildBuffers() {
    std::vector<fb::Offset<tflite::Buffer>> out;
    for (const auto& b : buffers_.entries()) {
      if (!b || b->size() == 0) {
        out.push_back(tflite::CreateBuffer(fbb_));
        continue;
      }
      fbb_.ForceVectorAlignment(b->size(), sizeof(uint8_t), 16);
      auto data = fbb_.CreateVector(b->data(), b->size());
      out.push_back(tflite::CreateBuffer(fbb_, data));
    }
    return fbb_.CreateVector(out);
  }

  // Identical vectors and quantization tables are written once and shared: a flatbuffer may
  // point at one object from many places, and per-channel zero points (int64, all zero) and
  // shapes repeat across tensors. This keeps small quantized models below the converter's size.
  template <typename T>
  fb::Offset<fb::Vector<T>> SharedVector(const std::vector<T>& v) {
    std::string key(1, static_cast<char>(sizeof(T)));
    key.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    key.push_back(std::is_floating_point<T>::value ? 'f' : 'i');
    auto it = shared_vectors_.find(key);
    if (it != shared_vectors_.end()) return fb::Offset<fb::Vector<T>>(it->second);
    auto offset = fbb_.CreateVector(v);
    shared_vectors_.emplace(std::move(key), offset.o);
    return offset;
  }

  fb::Offset<tflite::QuantizationParameters> BuildQuant(const QuantParams& q) {
    auto vec_f = [&](const std::vector<float>& v) { return v.empty() ? 0 : SharedVector(v); };
    auto min = vec_f(q.min), max = vec_f(q.max), scale = vec_f(q.scales);
    auto zp = q.zero_points.empty() ? 0 : SharedVector(q.zero_points);
    // The vectors are shared by content, so their offsets identify the table's content.
    auto key = std::make_tuple(min.o, max.o, scale.o, zp.o, q.quantized_dimension);
    auto it = shared_quant_.find(key);
    if (it != shared_quant_.end()) return fb::Offset<tflite::QuantizationParameters>(it->second);
    tflite::QuantizationParametersBuilder b(fbb_);
    if (!min.IsNull()) b.add_min(min);
    if (!max.IsNull()) b.add_max(max);
    if (!scale.IsNull()) b.add_scale(scale);
    if (!zp.IsNull()) b.add_zero_point(zp);
    b.add_quantized_dimension(q.quantized_dimension);
    auto offset = b.Finish();
    shared_quant_.emplace(std::move(key), offset.o);
    return offset;
  }

  fb::Offset<tflite::Tensor> BuildTensor(const Tensor& t, uint32_t buffer) {
    auto shape = SharedVector(t.shape);
    auto name = fbb_.CreateString(t.name);
    auto quant = BuildQuant(t.quant);
    auto sig = t.shape_signature.empty() ? 0 : SharedVector(t.shape_signature);
    tflite::TensorBuilder b(fbb_);
    b.add_shape(shape);
    b.add_type(static_cast<tflite::TensorType>(t.dtype));
    b.add_buffer(buffer);
    b.add_name(name);
    b.add_quantization(quant);
    b.add_is_variable(t.is_variable);
    if (!sig.IsNull()) b.add_shape_signature(sig);
    b.add_has_rank(t.has_rank);
    return b.Finish();
  }

  fb::Offset<void> BuildOptions(const std::string& label, const OpOptions& opts) {
    const OptionsTableSpec* spec = FindOptionsSpec(opts.type);
    if (!spec) {
      throw UnsupportedError(label + " carries builtin options of type " + std::to_string(opts.type) +
                             ", which qtflite cannot write");
    }
    // Vectors must be built before the table that points at them.
    std::map<int, fb::Offset<fb::Vector<int32_t>>> vectors;
    for (const OptionFieldSpec& f : spec->fields) {
      if (f.kind == FieldKind::kInt32Vector && opts.Has(f.name) && !opts.Ints(f.name).empty()) {
        vectors[f.id] = fbb_.CreateVector(opts.Ints(f.name));
      }
    }
    fb::uoffset_t start = fbb_.StartTable();
    for (const OptionFieldSpec& f : spec->fields) {
      auto vt = static_cast<fb::voffset_t>(4 + 2 * f.id);
      bool has = opts.Has(f.name);
      switch (f.kind) {
        case FieldKind::kBool:
          fbb_.AddElement<uint8_t>(vt, has ? opts.Bool(f.name) : f.default_value != 0,
                                   static_cast<uint8_t>(f.default_value));
          break;
        case FieldKind::kEnum8:
          fbb_.AddElement<int8_t>(vt, static_cast<int8_t>(has ? opts.Int(f.name) : f.default_value),
                                  static_cast<int8_t>(f.default_value));
          break;
        case FieldKind::kInt32:
          fbb_.AddElement<int32_t>(vt, static_cast<int32_t>(has ? opts.Int(f.name) : f.default_value),
                                   static_cast<int32_t>(f.default_value));
          break;
        case FieldKind::kInt64:
          fbb_.AddElement<int64_t>(vt, has ? opts.Int(f.name) : static_cast<int64_t>(f.default_value),
                                   static_cast<int64_t>(f.default_value));
          break;
        case FieldKind::kFloat32:
          fbb_.AddElement<float>(vt, static_cast<float>(has ? opts.Float(f.name) : f.default_value),
                                 static_cast<float>(f.default_value));
          break;
        case FieldKind::kInt32Vector:
          if (vectors.count(f.id)) fbb_.AddOffset(vt, vectors[f.id]);
          break;
      }
    }
    return fb::Offset<void>(fbb_.EndTable(start));
  }

  fb::Offset<tflite::Operator> BuildOperator(const std::string& label, const Operator& o) {
    auto inputs = fbb_.CreateVector(o.inputs);
    auto outputs = fbb_.CreateVector(o.outputs);
    auto intermediates = o.intermediates.empty() ? 0 : fbb_.CreateVector(o.intermediates);
    auto custom = o.custom_options.empty() ? 0 : fbb_.CreateVector(o.custom_options);
    fb::Offset<void> options = o.options.type != 0 ? BuildOptions(label, o.options) : 0;
    tflite::OperatorBuilder b(fbb_);
    b.add_opcode_index(code_index_.at(std::make_tuple(o.builtin_code, o.custom_code, o.version)));
    b.add_inputs(inputs);
    b.add_outputs(outputs);
    if (o.options.type != 0) {
      b.add_builtin_options_type(static_cast<tflite::BuiltinOptions>(o.options.type));
      b.add_builtin_options(options);
    }
    if (!custom.IsNull()) b.add_custom_options(custom);
    b.add_custom_options_format(static_cast<tflite::CustomOptionsFormat>(o.custom_options_format));
    if (!intermediates.IsNull()) b.add_intermediates(intermediates);
    return b.Finish();
  }

  fb::Offset<tflite::SubGraph> BuildGraph(int g, const Graph& graph, const std::vector<uint32_t>& buffers) {
    int32_t n = static_cast<int32_t>(graph.tensors.size());
    auto check = [&](int32_t t, bool optional, const std::string& what) {
      if ((optional && t == -1) || (t >= 0 && t < n)) return;
      throw InvalidArgument("subgraph " + std::to_string(g) + ": " + what + " refers to tensor " +
                            std::to_string(t) + ", out of range (" + std::to_string(n) + " tensors)");
    };
    for (int32_t t : graph.inputs) check(t, false, "graph input");
    for (int32_t t : graph.outputs) check(t, false, "graph output");
    std::vector<fb::Offset<tflite::Tensor>> tensors;
    for (int32_t i = 0; i < n; ++i) tensors.push_back(BuildTensor(graph.tensors[i], buffers[i]));
    std::vector<fb::Offset<tflite::Operator>> ops;
    for (size_t i = 0; i < graph.operators.size(); ++i) {
      const Operator& o = graph.operators[i];
      std::string label = "operator " + std::to_string(i) + " (" + o.Name() + ")";
      for (int32_t t : o.inputs) check(t, true, label + " input");
      for (int32_t t : o.outputs) check(t, false, label + " output");
      for (int32_t t : o.intermediates) check(t, false, label + " intermediate");
      ops.push_back(BuildOperator(label, o));
    }
    auto t_vec = fbb_.CreateVector(tensors);
    auto in_vec = fbb_.CreateVector(graph.inputs);
    auto out_vec = fbb_.CreateVector(graph.outputs);
    auto op_vec = fbb_.CreateVector(ops);
    auto name = graph.name.empty() ? 0 : fbb_.CreateString(graph.name);
    tflite::SubGraphBuilder b(fbb_);
    b.add_tensors(t_vec);
    b.add_inputs(in_vec);
    b.add_outputs(out_vec);
    b.add_operators(op_vec);
    if (!name.IsNull()) b.add_name(name);
    return b.Finish();
  }

  fb::Offset<tflite::SignatureDef> BuildSignature(const SignatureDef& s) {
    if (s.subgraph_index >= m_.subgraphs.size()) {
      throw InvalidArgument("signature '" + s.key + "' refers to a missing subgraph");
    }
    size_t nt = m_.subgraphs[s.subgraph_index].tensors.size();
    auto maps = [&](const std::vector<TensorMap>& v) {
      std::vector<fb::Offset<tflite::TensorMap>> out;
      for (const TensorMap& tm : v) {
        if (tm.tensor_index >= nt) {
          throw InvalidArgument("signature '" + s.key + "' maps '" + tm.name + "' to a missing tensor");
        }
        out.push_back(tflite::CreateTensorMap(fbb_, fbb_.CreateString(tm.name), tm.tensor_index));
      }
      return fbb_.CreateVector(out);
    };
    auto in = maps(s.inputs);
    auto out = maps(s.outputs);
    auto key = fbb_.CreateString(s.key);
    return tflite::CreateSignatureDef(fbb_, in, out, key, s.subgraph_index);
  }

  const Model& m_;
  fb::FlatBufferBuilder fbb_;
  BufferTable buffers_;
  std::map<std::tuple<int32_t, std::string, int32_t>, uint32_t> code_index_;
  std::unordered_map<std::string, fb::uoffset_t> shared_vectors_;
  std::map<std::tuple<fb::uoffset_t, fb::uoffset_t, fb::uoffset_t, fb::uoffset_t, int32_t>, fb::uoffset_t>
      shared_quant_;
};

}  // namespace

std::vector<uint8_t> WriteModel(const Model& model) { return ModelWriter(model).Write(); }

}  // namespace qtflite
