// Reader and writer: round trips of every real model under ../shared/data, the writer's layout
// conventions, and the errors the reader gives for malformed input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include "io/reader.h"
#include "io/writer.h"
#include "ir/builtin_ops.h"
#include "ir/errors.h"
#include "ir/model.h"
#include "schema/tflite_subset_generated.h"

namespace qtflite {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

std::vector<std::string> SharedModelPaths() {
  std::vector<std::string> out;
  fs::path root = fs::path(QTFLITE_SHARED_DIR) / "data";
  if (!fs::exists(root)) return out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file() && e.path().extension() == ".tflite") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Bytes ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

Model Read(const Bytes& b) { return ReadModelCopy(b.data(), b.size()); }

bool HasMetadata(const Model& m, const std::string& name) {
  for (const auto& md : m.metadata) {
    if (md.name == name) return true;
  }
  return false;
}

// The message of the ModelError that reading `bytes` throws ("" and a test failure if none).
std::string ReadError(const Bytes& bytes) {
  try {
    Read(bytes);
  } catch (const ModelError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected ModelError, got another exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected ModelError, but the model was read";
  return "";
}

std::string WriteError(const Model& m) {
  try {
    WriteModel(m);
  } catch (const InvalidArgument& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected InvalidArgument, got another exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected InvalidArgument, but the model was written";
  return "";
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "message: " << (haystack)

// ---------------------------------------------------------------- real models

std::string ParamName(const testing::TestParamInfo<std::string>& info) {
  std::string rel = fs::relative(info.param, fs::path(QTFLITE_SHARED_DIR) / "data").string();
  std::string name;
  for (char c : rel) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

class IORealModel : public testing::TestWithParam<std::string> {};

// True if `child` (a vector, string or table the parent refers to) lies inside the inline part
// of `parent` (its fields, as sized by its vtable). The FlatBufferBuilder asserts against this
// (creating an object while a table is under construction); with NDEBUG the assert is gone and
// the child ends up embedded in the parent table.
bool InsideTable(const void* parent, const void* child) {
  if (!child) return false;
  const uint8_t* t = static_cast<const uint8_t*>(parent);
  const uint8_t* vt = t - flatbuffers::ReadScalar<flatbuffers::soffset_t>(t);
  uint16_t object_size = flatbuffers::ReadScalar<uint16_t>(vt + 2);
  const uint8_t* c = static_cast<const uint8_t*>(child);
  return c >= t && c < t + object_size;
}

TEST_P(IORealModel, RoundTrips) {
  Bytes file = ReadFile(GetParam());
  ASSERT_GT(file.size(), 8u);
  Model m;
  ASSERT_NO_THROW(m = Read(file));
  ASSERT_FALSE(m.subgraphs.empty());

  Bytes w1 = WriteModel(m);
  Bytes w1_again = WriteModel(m);
  EXPECT_EQ(w1, w1_again) << "WriteModel is not deterministic";

  Model m2 = Read(w1);
  std::string diff;
  if (HasMetadata(m, "min_runtime_version")) {
    EXPECT_TRUE(ModelsEqual(m, m2, &diff)) << diff;
  } else {
    // The writer appends exactly one entry, and it is the only difference.
    ASSERT_EQ(m2.metadata.size(), m.metadata.size() + 1);
    EXPECT_EQ(m2.metadata.back().name, "min_runtime_version");
    EXPECT_TRUE(std::regex_match(m2.MetadataString("min_runtime_version"),
                                 std::regex(R"(\d+\.\d+\.\d+)")))
        << "'" << m2.MetadataString("min_runtime_version") << "'";
    Model trimmed = m2;
    trimmed.metadata.pop_back();
    EXPECT_TRUE(ModelsEqual(m, trimmed, &diff)) << diff;
    EXPECT_FALSE(ModelsEqual(m, m2));
  }
  // A second cycle is a fixed point, in bytes and in the IR.
  Bytes w2 = WriteModel(m2);
  EXPECT_EQ(w1, w2) << "write(read(write(m))) differs from write(m)";
  Model m3 = Read(w2);
  EXPECT_TRUE(ModelsEqual(m2, m3, &diff)) << diff;
}

TEST_P(IORealModel, WrittenLayoutFollowsConverterConventions) {
  Model m = Read(ReadFile(GetParam()));
  Bytes w = WriteModel(m);
  flatbuffers::Verifier verifier(w.data(), w.size());
  ASSERT_TRUE(tflite::VerifyModelBuffer(verifier));
  ASSERT_TRUE(tflite::ModelBufferHasIdentifier(w.data()));
  const tflite::Model* fb = tflite::GetModel(w.data());
  EXPECT_EQ(fb->version(), 3u);

  ASSERT_NE(fb->buffers(), nullptr);
  ASSERT_GT(fb->buffers()->size(), 0u);
  const tflite::Buffer* b0 = fb->buffers()->Get(0);
  EXPECT_TRUE(b0->data() == nullptr || b0->data()->size() == 0) << "buffer 0 is not empty";
  EXPECT_EQ(b0->offset(), 0u);
  EXPECT_EQ(b0->size(), 0u);

  size_t with_data = 0;
  for (uint32_t i = 0; i < fb->buffers()->size(); ++i) {
    const tflite::Buffer* b = fb->buffers()->Get(i);
    if (!b->data() || b->data()->size() == 0) continue;
    ++with_data;
    size_t off = static_cast<size_t>(b->data()->data() - w.data());
    EXPECT_EQ(off % 16, 0u) << "buffer " << i << " data at file offset " << off;
  }
  EXPECT_GT(with_data, 0u);

  ASSERT_NE(fb->operator_codes(), nullptr);
  for (uint32_t i = 0; i < fb->operator_codes()->size(); ++i) {
    const tflite::OperatorCode* c = fb->operator_codes()->Get(i);
    const auto* table = reinterpret_cast<const flatbuffers::Table*>(c);
    EXPECT_TRUE(table->CheckField(tflite::OperatorCode::VT_BUILTIN_CODE)) << "operator code " << i;
    EXPECT_TRUE(table->CheckField(tflite::OperatorCode::VT_DEPRECATED_BUILTIN_CODE))
        << "operator code " << i;
    EXPECT_EQ(c->deprecated_builtin_code(),
              std::min<int32_t>(c->builtin_code(), op::kPlaceholderForGreaterOpCodes));
  }
  // No table embeds the objects it refers to.
  EXPECT_FALSE(InsideTable(fb, fb->operator_codes())) << "Model.operator_codes";
  EXPECT_FALSE(InsideTable(fb, fb->subgraphs())) << "Model.subgraphs";
  EXPECT_FALSE(InsideTable(fb, fb->buffers())) << "Model.buffers";
  EXPECT_FALSE(InsideTable(fb, fb->description())) << "Model.description";
  EXPECT_FALSE(InsideTable(fb, fb->metadata())) << "Model.metadata";
  EXPECT_FALSE(InsideTable(fb, fb->signature_defs())) << "Model.signature_defs";
  for (const tflite::SubGraph* s : *fb->subgraphs()) {
    EXPECT_FALSE(InsideTable(s, s->tensors())) << "SubGraph.tensors";
    EXPECT_FALSE(InsideTable(s, s->inputs())) << "SubGraph.inputs";
    EXPECT_FALSE(InsideTable(s, s->outputs())) << "SubGraph.outputs";
    EXPECT_FALSE(InsideTable(s, s->operators())) << "SubGraph.operators";
    EXPECT_FALSE(InsideTable(s, s->name())) << "SubGraph.name";
    for (const tflite::Tensor* t : *s->tensors()) {
      EXPECT_FALSE(InsideTable(t, t->shape()) || InsideTable(t, t->name()) ||
                   InsideTable(t, t->quantization()) || InsideTable(t, t->shape_signature()))
          << "Tensor";
    }
    if (!s->operators()) continue;
    for (const tflite::Operator* o : *s->operators()) {
      EXPECT_FALSE(InsideTable(o, o->inputs()) || InsideTable(o, o->outputs()) ||
                   InsideTable(o, o->builtin_options()) || InsideTable(o, o->custom_options()) ||
                   InsideTable(o, o->intermediates()))
          << "Operator";
    }
  }

  // The converted graph's operators each point at a code with their (code, version).
  const Graph& g = m.subgraphs[0];
  const tflite::SubGraph* sg = fb->subgraphs()->Get(0);
  ASSERT_EQ(sg->operators() ? sg->operators()->size() : 0u, g.operators.size());
  for (size_t i = 0; i < g.operators.size(); ++i) {
    const tflite::OperatorCode* c =
        fb->operator_codes()->Get(sg->operators()->Get(static_cast<uint32_t>(i))->opcode_index());
    EXPECT_EQ(c->builtin_code(), g.operators[i].builtin_code);
    EXPECT_EQ(c->version(), g.operators[i].version);
  }
}

INSTANTIATE_TEST_SUITE_P(IOShared, IORealModel, testing::ValuesIn(SharedModelPaths()), ParamName);

TEST(IOShared, FindsTheSharedModels) {
  auto paths = SharedModelPaths();
  ASSERT_GE(paths.size(), 10u) << "models not found under " << QTFLITE_SHARED_DIR << "/data";
  // Both branches of the round-trip check are exercised: some files carry
  // min_runtime_version, person_detect.tflite does not.
  int with = 0, without = 0;
  bool person_detect = false;
  for (const auto& p : paths) {
    Model m = Read(ReadFile(p));
    (HasMetadata(m, "min_runtime_version") ? with : without)++;
    if (fs::path(p).filename() == "person_detect.tflite") {
      person_detect = true;
      EXPECT_FALSE(HasMetadata(m, "min_runtime_version"));
      EXPECT_TRUE(HasMetadata(Read(WriteModel(m)), "min_runtime_version"));
    }
  }
  EXPECT_TRUE(person_detect);
  EXPECT_GT(with, 0);
  EXPECT_GT(without, 0);
}

// ---------------------------------------------------------------- malformed files

Bytes SmallRealModel() {
  return ReadFile(std::string(QTFLITE_SHARED_DIR) + "/data/tflite/hello_world/hello_world_int8.tflite");
}

TEST(IOErrors, EmptyInput) {
  std::string e = ReadError(Bytes{});
  EXPECT_CONTAINS(e, "empty");
  EXPECT_CONTAINS(e, "0 bytes");
}

TEST(IOErrors, ThreeBytes) {
  std::string e = ReadError(Bytes{'T', 'F', 'L'});
  EXPECT_CONTAINS(e, "too small");
  EXPECT_CONTAINS(e, "3 bytes");
}

TEST(IOErrors, WrongIdentifier) {
  Bytes b = SmallRealModel();
  ASSERT_GT(b.size(), 100u);
  ASSERT_TRUE(tflite::ModelBufferHasIdentifier(b.data()));
  std::memcpy(b.data() + 4, "XYZ4", 4);
  std::string e = ReadError(b);
  EXPECT_CONTAINS(e, "not a TFLite model");
  EXPECT_CONTAINS(e, "'TFL3'");
  EXPECT_CONTAINS(e, "'XYZ4'");
}

TEST(IOErrors, PngMagic) {
  Bytes b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  b.resize(64, 0);
  std::string e = ReadError(b);
  EXPECT_CONTAINS(e, "not a TFLite model");
  EXPECT_CONTAINS(e, "PNG");
}

TEST(IOErrors, TruncatedRealModel) {
  Bytes full = SmallRealModel();
  ASSERT_NO_THROW(Read(full));
  for (size_t n : {size_t{16}, full.size() / 2, full.size() - 64}) {
    Bytes b(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    std::string e = ReadError(b);
    EXPECT_CONTAINS(e, "truncated or corrupt");
    EXPECT_CONTAINS(e, std::to_string(n) + " bytes");
  }
}

// ---------------------------------------------------------------- hand-built model

Bytes FloatBytes(const std::vector<float>& v) {
  Bytes b(v.size() * sizeof(float));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

Tensor MakeTensor(const std::string& name, DType dtype, std::vector<int32_t> shape) {
  Tensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  return t;
}

// input[1,4] -> FULLY_CONNECTED(weights[3,4], bias[3], RELU) -> output[1,3].
Model MakeFcModel() {
  Graph g;
  g.name = "main";
  g.tensors.push_back(MakeTensor("input", DType::kFloat32, {1, 4}));
  Tensor w = MakeTensor("weights", DType::kFloat32, {3, 4});
  w.data = std::make_shared<Buffer>(
      FloatBytes({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  g.tensors.push_back(w);
  Tensor b = MakeTensor("bias", DType::kFloat32, {3});
  b.data = std::make_shared<Buffer>(FloatBytes({0.5f, -0.5f, 0.25f}));
  g.tensors.push_back(b);
  g.tensors.push_back(MakeTensor("output", DType::kFloat32, {1, 3}));
  Operator o;
  o.builtin_code = op::kFullyConnected;
  o.version = 1;
  o.inputs = {0, 1, 2};
  o.outputs = {3};
  o.options = OpOptions::Defaults("FullyConnectedOptions");
  o.options.Set("fused_activation_function", int64_t{1});  // RELU
  g.operators.push_back(o);
  g.inputs = {0};
  g.outputs = {3};
  Model m;
  m.description = "hand-built";
  m.subgraphs.push_back(g);
  return m;
}

// Writable address of a scalar field of a table inside `bytes` (which `t` points into).
uint8_t* FieldAddress(Bytes& bytes, const void* t, flatbuffers::voffset_t vt) {
  const auto* table = reinterpret_cast<const flatbuffers::Table*>(t);
  flatbuffers::voffset_t off = table->GetOptionalFieldOffset(vt);
  EXPECT_NE(off, 0) << "field not present";
  const uint8_t* p = reinterpret_cast<const uint8_t*>(t) + off;
  return bytes.data() + (p - bytes.data());
}

template <typename T>
uint8_t* ElementAddress(Bytes& bytes, const flatbuffers::Vector<T>* v, uint32_t i) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(v->data()) + i * sizeof(T);
  return bytes.data() + (p - bytes.data());
}

void PutI32(uint8_t* p, int32_t v) { flatbuffers::WriteScalar<int32_t>(p, v); }

TEST(IOHandBuilt, RoundTrips) {
  Model m = MakeFcModel();
  Bytes w = WriteModel(m);
  Model r = Read(w);
  ASSERT_EQ(r.metadata.size(), 1u);
  EXPECT_EQ(r.metadata[0].name, "min_runtime_version");
  EXPECT_FALSE(r.MetadataString("min_runtime_version").empty());
  Model trimmed = r;
  trimmed.metadata.clear();
  std::string diff;
  EXPECT_TRUE(ModelsEqual(m, trimmed, &diff)) << diff;
  const Operator& o = r.subgraphs[0].operators[0];
  EXPECT_EQ(o.options.TableName(), "FullyConnectedOptions");
  EXPECT_EQ(o.options.Int("fused_activation_function"), 1);
  ASSERT_TRUE(r.subgraphs[0].tensors[1].data);
  EXPECT_EQ(*r.subgraphs[0].tensors[1].data, *m.subgraphs[0].tensors[1].data);
  EXPECT_FALSE(r.subgraphs[0].tensors[0].data);
  EXPECT_EQ(r.description, "hand-built");

  // Sanity of the byte-patching helpers the tests below rely on: an unchanged patch reads back.
  const tflite::SubGraph* sg = tflite::GetModel(w.data())->subgraphs()->Get(0);
  const auto* inputs = sg->operators()->Get(0)->inputs();
  ASSERT_EQ(inputs->size(), 3u);
  PutI32(ElementAddress(w, inputs, 1), 1);
  EXPECT_TRUE(ModelsEqual(Read(w), r));
}

TEST(IOHandBuilt, OptionalInputAbsentRoundTrips) {
  Model m = MakeFcModel();
  m.subgraphs[0].operators[0].inputs[2] = -1;
  Model r = Read(WriteModel(m));
  EXPECT_EQ(r.subgraphs[0].operators[0].inputs, (std::vector<int32_t>{0, 1, -1}));
}

TEST(IOHandBuilt, WrongBufferByteSize) {
  Model m = MakeFcModel();
  m.subgraphs[0].tensors[1].data = std::make_shared<Buffer>(Bytes(44, 0));
  std::string e = ReadError(WriteModel(m));
  EXPECT_CONTAINS(e, "tensor 1 'weights'");
  EXPECT_CONTAINS(e, "44 bytes");
  EXPECT_CONTAINS(e, "[3, 4]");
  EXPECT_CONTAINS(e, "needs 48");
}

Model MakeInt8FcModel(std::vector<float> scales, std::vector<int64_t> zero_points, int qdim) {
  Model m = MakeFcModel();
  Tensor& w = m.subgraphs[0].tensors[1];
  w.dtype = DType::kInt8;
  w.data = std::make_shared<Buffer>(Bytes(12, 1));
  w.quant.scales = std::move(scales);
  w.quant.zero_points = std::move(zero_points);
  w.quant.quantized_dimension = qdim;
  return m;
}

TEST(IOHandBuilt, PerChannelQuantization) {
  // Consistent per-channel weights read back unchanged ...
  Model ok = MakeInt8FcModel({0.1f, 0.2f, 0.3f}, {0, 0, 0}, 0);
  Model r = Read(WriteModel(ok));
  EXPECT_EQ(r.subgraphs[0].tensors[1].quant, ok.subgraphs[0].tensors[1].quant);

  // ... scales count != channel dimension ...
  std::string e = ReadError(WriteModel(MakeInt8FcModel({0.1f, 0.2f}, {0, 0}, 0)));
  EXPECT_CONTAINS(e, "tensor 1 'weights'");
  EXPECT_CONTAINS(e, "2 quantization scales but dimension 0 has size 3");
  e = ReadError(WriteModel(MakeInt8FcModel({0.1f, 0.2f, 0.3f}, {0, 0, 0}, 1)));
  EXPECT_CONTAINS(e, "tensor 1 'weights'");
  EXPECT_CONTAINS(e, "3 quantization scales but dimension 1 has size 4");

  // ... scales and zero points disagree ...
  e = ReadError(WriteModel(MakeInt8FcModel({0.1f, 0.2f, 0.3f}, {0, 0}, 0)));
  EXPECT_CONTAINS(e, "tensor 1 'weights'");
  EXPECT_CONTAINS(e, "3 quantization scales but 2 zero points");

  // ... quantized_dimension outside the rank.
  e = ReadError(WriteModel(MakeInt8FcModel({0.1f, 0.2f, 0.3f}, {0, 0, 0}, 2)));
  EXPECT_CONTAINS(e, "tensor 1 'weights'");
  EXPECT_CONTAINS(e, "quantized_dimension 2 outside its rank 2");
}

TEST(IOHandBuilt, WriterSharesIdenticalVectorsAndQuantizationTables) {
  // Weights and bias quantized per channel with all-zero zero points; input and output with
  // the same per-tensor parameters. Equal content is written once and referenced twice.
  Model m = MakeInt8FcModel({0.1f, 0.2f, 0.3f}, {0, 0, 0}, 0);
  Graph& g = m.subgraphs[0];
  g.tensors[2].dtype = DType::kInt32;
  g.tensors[2].data = std::make_shared<Buffer>(Bytes(12, 0));
  g.tensors[2].quant.scales = {0.01f, 0.02f, 0.03f};
  g.tensors[2].quant.zero_points = {0, 0, 0};
  for (int t : {0, 3}) {
    g.tensors[t].dtype = DType::kInt8;
    g.tensors[t].quant.scales = {0.5f};
    g.tensors[t].quant.zero_points = {-3};
  }
  Bytes w = WriteModel(m);
  const auto* tensors = tflite::GetModel(w.data())->subgraphs()->Get(0)->tensors();
  EXPECT_EQ(tensors->Get(1)->quantization()->zero_point(), tensors->Get(2)->quantization()->zero_point());
  EXPECT_NE(tensors->Get(1)->quantization()->scale(), tensors->Get(2)->quantization()->scale());
  EXPECT_EQ(tensors->Get(0)->quantization(), tensors->Get(3)->quantization());
  EXPECT_NE(tensors->Get(0)->shape(), tensors->Get(3)->shape());  // [1, 4] and [1, 3]
  Model r = Read(w);
  std::string diff;
  Model trimmed = r;
  trimmed.metadata.clear();
  EXPECT_TRUE(ModelsEqual(m, trimmed, &diff)) << diff;
}

TEST(IOHandBuilt, WriterRejectsOutOfRangeIndices) {
  Model m = MakeFcModel();
  m.subgraphs[0].operators[0].inputs[1] = 7;
  std::string e = WriteError(m);
  EXPECT_CONTAINS(e, "operator 0 (FULLY_CONNECTED) input");
  EXPECT_CONTAINS(e, "tensor 7");
  EXPECT_CONTAINS(e, "4 tensors");

  m = MakeFcModel();
  m.subgraphs[0].operators[0].outputs[0] = -1;  // -1 only means "absent" for inputs
  e = WriteError(m);
  EXPECT_CONTAINS(e, "operator 0 (FULLY_CONNECTED) output");
  EXPECT_CONTAINS(e, "tensor -1");

  m = MakeFcModel();
  m.subgraphs[0].outputs = {4};
  e = WriteError(m);
  EXPECT_CONTAINS(e, "graph output");
  EXPECT_CONTAINS(e, "tensor 4");

  m = MakeFcModel();
  m.subgraphs[0].inputs = {-1};
  e = WriteError(m);
  EXPECT_CONTAINS(e, "graph input");

  m = MakeFcModel();
  SignatureDef s;
  s.key = "serve";
  s.inputs.push_back({"x", 12});
  m.signature_defs.push_back(s);
  e = WriteError(m);
  EXPECT_CONTAINS(e, "signature 'serve'");

  Model empty;
  e = WriteError(empty);
  EXPECT_CONTAINS(e, "without subgraphs");
}

TEST(IOHandBuilt, WriterRefusesOptionsItCannotWrite) {
  Model m = MakeFcModel();
  m.subgraphs[0].operators[0].options.type = 3;  // not a modelled BuiltinOptions member
  m.subgraphs[0].operators[0].options.fields.clear();
  try {
    WriteModel(m);
    FAIL() << "expected UnsupportedError";
  } catch (const UnsupportedError& e) {
    EXPECT_CONTAINS(e.what(), "operator 0 (FULLY_CONNECTED)");
    EXPECT_CONTAINS(e.what(), "type 3");
  }
}

TEST(IOHandBuilt, ReaderRejectsOutOfRangeTensorIndices) {
  Model m = MakeFcModel();
  {
    Bytes w = WriteModel(m);
    const tflite::SubGraph* sg = tflite::GetModel(w.data())->subgraphs()->Get(0);
    PutI32(ElementAddress(w, sg->operators()->Get(0)->inputs(), 1), 7);
    std::string e = ReadError(w);
    EXPECT_CONTAINS(e, "operator 0 (FULLY_CONNECTED) has input tensor index 7 out of range (4 tensors)");
  }
  {
    Bytes w = WriteModel(m);
    const tflite::SubGraph* sg = tflite::GetModel(w.data())->subgraphs()->Get(0);
    PutI32(ElementAddress(w, sg->operators()->Get(0)->outputs(), 0), -1);
    std::string e = ReadError(w);
    EXPECT_CONTAINS(e, "operator 0 (FULLY_CONNECTED) has output tensor index -1 out of range");
  }
  {
    Bytes w = WriteModel(m);
    const tflite::SubGraph* sg = tflite::GetModel(w.data())->subgraphs()->Get(0);
    PutI32(ElementAddress(w, sg->inputs(), 0), 4);
    std::string e = ReadError(w);
    EXPECT_CONTAINS(e, "input tensor index 4 is out of range (4 tensors)");
  }
  {
    Bytes w = WriteModel(m);
    const tflite::SubGraph* sg = tflite::GetModel(w.data())->subgraphs()->Get(0);
    PutI32(ElementAddress(w, sg->outputs(), 0), -2);
    std::string e = ReadError(w);
    EXPECT_CONTAINS(e, "output tensor index -2 is out of range");
  }
}

TEST(IOHandBuilt, ReaderRejectsMissingBuffer) {
  Bytes w = WriteModel(MakeFcModel());
  const tflite::Model* fb = tflite::GetModel(w.data());
  const tflite::Tensor* t = fb->subgraphs()->Get(0)->tensors()->Get(1);
  ASSERT_GT(t->buffer(), 0u);
  PutI32(FieldAddress(w, t, tflite::Tensor::VT_BUFFER), 99);
  std::string e = ReadError(w);
  EXPECT_CONTAINS(e, "tensor 1 'weights' refers to buffer 99");
}

TEST(IOHandBuilt, ReaderRejectsWrongArityAndOptions) {
  Model m = MakeFcModel();
  m.subgraphs[0].operators[0].inputs = {0};
  std::string e = ReadError(WriteModel(m));
  EXPECT_CONTAINS(e, "operator 0 (FULLY_CONNECTED) has 1 inputs; it takes 2 to 3");

  m = MakeFcModel();
  m.subgraphs[0].operators[0].outputs = {3, 0};
  e = ReadError(WriteModel(m));
  EXPECT_CONTAINS(e, "operator 0 (FULLY_CONNECTED) has 2 outputs; it takes 1");

  m = MakeFcModel();
  m.subgraphs[0].operators[0].options = OpOptions::Defaults("SoftmaxOptions");
  e = ReadError(WriteModel(m));
  EXPECT_CONTAINS(e, "operator 0 (FULLY_CONNECTED) carries SoftmaxOptions but expects FullyConnectedOptions");
}

TEST(IOHandBuilt, ReaderRejectsBadTensorsAndVersion) {
  Model m = MakeFcModel();
  m.subgraphs[0].tensors[3].shape = {1, -3};
  std::string e = ReadError(WriteModel(m));
  EXPECT_CONTAINS(e, "tensor 3 'output' has a negative dimension");

  m = MakeFcModel();
  m.subgraphs[0].tensors[3].shape_signature = {-1};
  e = ReadError(WriteModel(m));
  EXPECT_CONTAINS(e, "tensor 3 'output': shape_signature has rank 1 but shape has rank 2");

  m = MakeFcModel();
  m.version = 2;
  e = ReadError(WriteModel(m));
  EXPECT_CONTAINS(e, "unsupported TFLite schema version 2");
}

TEST(IOHandBuilt, OptionsTypeWithoutTable) {
  // builtin_options_type says FullyConnectedOptions but the table itself is absent. The
  // flatbuffer verifier accepts this (a null union value verifies), so the reader must cope:
  // either refuse it naming the operator, or read the options at their defaults (as TFLite's
  // own parser does). It must not dereference the missing table.
  Bytes w = WriteModel(MakeFcModel());
  const tflite::Operator* o = tflite::GetModel(w.data())->subgraphs()->Get(0)->operators()->Get(0);
  ASSERT_NE(o->builtin_options(), nullptr);
  // Clear the vtable slot of builtin_options: vtable = table - soffset at the table start.
  const uint8_t* table = reinterpret_cast<const uint8_t*>(o);
  const uint8_t* vtable = table - flatbuffers::ReadScalar<flatbuffers::soffset_t>(table);
  uint8_t* slot = w.data() + (vtable - w.data()) + tflite::Operator::VT_BUILTIN_OPTIONS;
  flatbuffers::WriteScalar<flatbuffers::voffset_t>(slot, 0);
  o = tflite::GetModel(w.data())->subgraphs()->Get(0)->operators()->Get(0);
  ASSERT_EQ(o->builtin_options(), nullptr);
  ASSERT_EQ(o->builtin_options_type(), tflite::BuiltinOptions::FullyConnectedOptions);
  flatbuffers::Verifier verifier(w.data(), w.size());
  ASSERT_TRUE(tflite::VerifyModelBuffer(verifier));
  try {
    Model r = Read(w);
    EXPECT_EQ(r.subgraphs[0].operators[0].options, OpOptions::Defaults("FullyConnectedOptions"));
  } catch (const ModelError& e) {
    EXPECT_CONTAINS(e.what(), "operator 0 (FULLY_CONNECTED)");
  }
}

}  // namespace
}  // namespace qtflite
