// pybind11 bindings: thin. The IR crosses into Python as plain dicts (numpy arrays for
// constant data, zero-copy and read-only), and back the same way.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "io/reader.h"
#include "io/writer.h"
#include "ir/builtin_ops.h"
#include "ir/errors.h"
#include "ir/model.h"
#include "ir/options.h"
#include "ir/runtime_version.h"
#include "kernels/cpu/isa.h"
#include "kernels/int8/int8_kernels.h"
#include "python/bindings.h"

namespace py = pybind11;
using namespace qtflite;

namespace {

std::vector<uint8_t> BytesOf(const py::object& obj) {
  py::buffer_info info = py::buffer(obj).request();
  const auto* p = static_cast<const uint8_t*>(info.ptr);
  size_t n = static_cast<size_t>(info.size * info.itemsize);
  return std::vector<uint8_t>(p, p + n);
}

py::object BufferArray(const std::shared_ptr<Buffer>& b) {
  if (!b) return py::none();
  auto* keep = new std::shared_ptr<Buffer>(b);
  py::capsule owner(keep, [](void* p) { delete static_cast<std::shared_ptr<Buffer>*>(p); });
  py::array_t<uint8_t> arr({static_cast<py::ssize_t>(b->size())}, {1}, b->data(), owner);
  py::detail::array_proxy(arr.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return std::move(arr);
}

py::object OptionToPy(const OptionValue& v) {
  if (auto* b = std::get_if<bool>(&v)) return py::bool_(*b);
  if (auto* i = std::get_if<int64_t>(&v)) return py::int_(*i);
  if (auto* d = std::get_if<double>(&v)) return py::float_(*d);
  return py::cast(std::get<std::vector<int32_t>>(v));
}

py::dict OptionsToPy(const OpOptions& o) {
  py::dict d;
  for (const auto& kv : o.fields) d[py::str(kv.first)] = OptionToPy(kv.second);
  return d;
}

py::dict ModelToDict(const Model& m) {
  py::dict d;
  d["version"] = m.version;
  d["description"] = m.description;
  py::list subgraphs;
  for (const Graph& g : m.subgraphs) {
    py::dict gd;
    gd["name"] = g.name;
    py::list tensors;
    for (const Tensor& t : g.tensors) {
      py::dict td;
      td["name"] = t.name;
      td["dtype"] = DTypeName(t.dtype);
      td["shape"] = t.shape;
      td["shape_signature"] = t.shape_signature.empty() ? py::object(py::none()) : py::cast(t.shape_signature);
      py::dict q;
      q["scales"] = py::array_t<float>(t.quant.scales.size(), t.quant.scales.data());
      q["zero_points"] = py::array_t<int64_t>(t.quant.zero_points.size(), t.quant.zero_points.data());
      q["quantized_dimension"] = t.quant.quantized_dimension;
      q["min"] = py::array_t<float>(t.quant.min.size(), t.quant.min.data());
      q["max"] = py::array_t<float>(t.quant.max.size(), t.quant.max.data());
      td["quantization"] = q;
      td["data"] = BufferArray(t.data);
      td["is_variable"] = t.is_variable;
      td["has_rank"] = t.has_rank;
      tensors.append(td);
    }
    gd["tensors"] = tensors;
    gd["inputs"] = g.inputs;
    gd["outputs"] = g.outputs;
    py::list ops;
    for (const Operator& o : g.operators) {
      py::dict od;
      od["opcode"] = o.Name();
      od["builtin_code"] = o.builtin_code;
      od["custom_code"] = o.custom_code;
      od["version"] = o.version;
      od["inputs"] = o.inputs;
      od["outputs"] = o.outputs;
      od["intermediates"] = o.intermediates;
      const std::string& table = o.options.TableName();
      od["options_type"] = o.options.type == 0 ? py::object(py::none())
                           : table.empty() ? py::object(py::int_(o.options.type))
                                           : py::object(py::str(table));
      od["options"] = OptionsToPy(o.options);
      od["custom_options"] = py::bytes(reinterpret_cast<const char*>(o.custom_options.data()), o.custom_options.size());
      od["custom_options_format"] = o.custom_options_format;
      ops.append(od);
    }
    gd["operators"] = ops;
    subgraphs.append(gd);
  }
  d["subgraphs"] = subgraphs;
  py::list sigs;
  for (const SignatureDef& s : m.signature_defs) {
    py::dict sd;
    sd["key"] = s.key;
    sd["subgraph_index"] = s.subgraph_index;
    py::list ins, outs;
    for (const auto& tm : s.inputs) ins.append(py::make_tuple(tm.name, tm.tensor_index));
    for (const auto& tm : s.outputs) outs.append(py::make_tuple(tm.name, tm.tensor_index));
    sd["inputs"] = ins;
    sd["outputs"] = outs;
    sigs.append(sd);
  }
  d["signature_defs"] = sigs;
  py::list md;
  for (const Metadata& x : m.metadata) {
    py::dict e;
    e["name"] = x.name;
    e["data"] = x.data ? py::bytes(reinterpret_cast<const char*>(x.data->data()), x.data->size()) : py::bytes();
    md.append(e);
  }
  d["metadata"] = md;
  return d;
}

// ---- dict -> Model (used by the frontends and by tests that edit a graph)

template <typename T>
T Get(const py::dict& d, const char* key, T fallback) {
  if (!d.contains(key) || d[key].is_none()) return fallback;
  return d[key].cast<T>();
}

DType DTypeFromName(const std::string& name) {
  for (int v = 0; v <= kMaxDTypeValue; ++v) {
    if (DTypeName(static_cast<DType>(v)) == name) return static_cast<DType>(v);
  }
  throw InvalidArgument("unknown dtype '" + name + "'");
}

std::shared_ptr<Buffer> BufferFromPy(const py::handle& h) {
  if (h.is_none()) return nullptr;
  py::array arr = py::array::ensure(h, py::array::c_style);
  if (!arr) throw InvalidArgument("tensor data must be array-like");
  auto* p = static_cast<const uint8_t*>(arr.data());
  return std::make_shared<Buffer>(std::vector<uint8_t>(p, p + arr.nbytes()));
}

OpOptions OptionsFromPy(const py::dict& od) {
  OpOptions o;
  if (!od.contains("options_type") || od["options_type"].is_none()) return o;
  py::object t = od["options_type"];
  if (py::isinstance<py::int_>(t)) {
    o.type = t.cast<int>();
    return o;
  }
  o = OpOptions::Defaults(t.cast<std::string>());
  if (od.contains("options")) {
    for (auto item : od["options"].cast<py::dict>()) {
      std::string k = item.first.cast<std::string>();
      py::handle v = item.second;
      if (py::isinstance<py::bool_>(v)) o.Set(k, v.cast<bool>());
      else if (py::isinstance<py::int_>(v)) o.Set(k, v.cast<int64_t>());
      else if (py::isinstance<py::float_>(v)) o.Set(k, v.cast<double>());
      else o.Set(k, v.cast<std::vector<int32_t>>());
    }
  }
  return o;
}

Model ModelFromDict(const py::dict& d) {
  Model m;
  m.version = Get<uint32_t>(d, "version", 3);
  m.description = Get<std::string>(d, "description", "");
  for (auto gh : d["subgraphs"].cast<py::list>()) {
    py::dict gd = gh.cast<py::dict>();
    Graph g;
    g.name = Get<std::string>(gd, "name", "");
    for (auto th : gd["tensors"].cast<py::list>()) {
      py::dict td = th.cast<py::dict>();
      Tensor t;
      t.name = Get<std::string>(td, "name", "");
      t.dtype = DTypeFromName(Get<std::string>(td, "dtype", "float32"));
      t.shape = Get<std::vector<int32_t>>(td, "shape", {});
      t.shape_signature = Get<std::vector<int32_t>>(td, "shape_signature", {});
      if (td.contains("quantization") && !td["quantization"].is_none()) {
        py::dict q = td["quantization"].cast<py::dict>();
        t.quant.scales = Get<std::vector<float>>(q, "scales", {});
        t.quant.zero_points = Get<std::vector<int64_t>>(q, "zero_points", {});
        t.quant.quantized_dimension = Get<int32_t>(q, "quantized_dimension", 0);
        t.quant.min = Get<std::vector<float>>(q, "min", {});
        t.quant.max = Get<std::vector<float>>(q, "max", {});
      }
      t.data = td.contains("data") ? BufferFromPy(td["data"]) : nullptr;
      t.is_variable = Get<bool>(td, "is_variable", false);
      t.has_rank = Get<bool>(td, "has_rank", true);
      g.tensors.push_back(std::move(t));
    }
    g.inputs = Get<std::vector<int32_t>>(gd, "inputs", {});
    g.outputs = Get<std::vector<int32_t>>(gd, "outputs", {});
    for (auto oh : gd["operators"].cast<py::list>()) {
      py::dict od = oh.cast<py::dict>();
      Operator o;
      if (od.contains("builtin_code") && !od["builtin_code"].is_none()) {
        o.builtin_code = od["builtin_code"].cast<int32_t>();
      } else {
        std::string name = od["opcode"].cast<std::string>();
        o.builtin_code = BuiltinOpCode(name);
        if (o.builtin_code < 0) throw InvalidArgument("unknown builtin operator '" + name + "'");
      }
      o.custom_code = Get<std::string>(od, "custom_code", "");
      o.version = Get<int32_t>(od, "version", 1);
      o.inputs = Get<std::vector<int32_t>>(od, "inputs", {});
      o.outputs = Get<std::vector<int32_t>>(od, "outputs", {});
      o.intermediates = Get<std::vector<int32_t>>(od, "intermediates", {});
      o.options = OptionsFromPy(od);
      if (od.contains("custom_options")) {
        std::string co = od["custom_options"].cast<std::string>();
        o.custom_options.assign(co.begin(), co.end());
      }
      o.custom_options_format = Get<int8_t>(od, "custom_options_format", 0);
      g.operators.push_back(std::move(o));
    }
    m.subgraphs.push_back(std::move(g));
  }
  if (d.contains("signature_defs")) {
    for (auto sh : d["signature_defs"].cast<py::list>()) {
      py::dict sd = sh.cast<py::dict>();
      SignatureDef s;
      s.key = Get<std::string>(sd, "key", "serving_default");
      s.subgraph_index = Get<uint32_t>(sd, "subgraph_index", 0);
      for (auto p : sd["inputs"].cast<py::list>()) {
        auto tup = p.cast<std::pair<std::string, uint32_t>>();
        s.inputs.push_back({tup.first, tup.second});
      }
      for (auto p : sd["outputs"].cast<py::list>()) {
        auto tup = p.cast<std::pair<std::string, uint32_t>>();
        s.outputs.push_back({tup.first, tup.second});
      }
      m.signature_defs.push_back(std::move(s));
    }
  }
  if (d.contains("metadata")) {
    for (auto mh : d["metadata"].cast<py::list>()) {
      py::dict md = mh.cast<py::dict>();
      std::string bytes = md["data"].cast<std::string>();
      m.metadata.push_back({md["name"].cast<std::string>(),
                            std::make_shared<Buffer>(std::vector<uint8_t>(bytes.begin(), bytes.end()))});
    }
  }
  return m;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "qtflite's C++ core: model IR, TFLite reader and writer";
  // A QTFLITE_ISA the CPU cannot honour fails the import with its reason, before any kernel runs.
  cpu::DetectedIsa();

  static py::exception<ModelError> model_error(m, "ModelError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ModelError& e) {
      py::set_error(model_error, e.what());
    } catch (const UnsupportedError& e) {
      py::set_error(PyExc_NotImplementedError, e.what());
    } catch (const InvalidArgument& e) {
      py::set_error(PyExc_ValueError, e.what());
    } catch (const StateError& e) {
      py::set_error(PyExc_RuntimeError, e.what());
    }
  });
  BindInterpreter(m);

  py::class_<Model, std::shared_ptr<Model>>(m, "Model")
      .def("to_dict", &ModelToDict, "The whole model as plain Python data.")
      .def_static("from_dict", &ModelFromDict, py::arg("d"))
      .def("serialize", [](const Model& self) {
        std::vector<uint8_t> bytes;
        {
          py::gil_scoped_release release;
          bytes = WriteModel(self);
        }
        return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      }, "TFLite flatbuffer bytes.")
      .def("equals", [](const Model& self, const Model& other) {
        std::string diff;
        bool eq = ModelsEqual(self, other, &diff);
        return py::make_tuple(eq, diff);
      }, py::arg("other"), "(equal, first difference)")
      .def_property_readonly("num_subgraphs", [](const Model& self) { return self.subgraphs.size(); })
      .def("min_runtime_version", [](const Model& self) { return MinRuntimeVersion(self); });

  m.def("read_model", [](const py::object& data) {
    if (py::isinstance<py::bytes>(data)) {
      // bytes are immutable: tensors view them in place, and the model keeps them alive.
      // The owner releases its reference with the GIL held, whichever thread drops it.
      auto* ref = new py::object(data);
      std::shared_ptr<const void> owner(ref, [](const void* p) {
        py::gil_scoped_acquire gil;
        delete static_cast<const py::object*>(p);
      });
      const auto* p = reinterpret_cast<const uint8_t*>(PyBytes_AS_STRING(data.ptr()));
      size_t n = static_cast<size_t>(PyBytes_GET_SIZE(data.ptr()));
      py::gil_scoped_release release;
      return std::make_shared<Model>(ReadModel(std::move(owner), p, n));
    }
    // Mutable buffers (bytearray, memoryview, NumPy) are copied once.
    auto bytes = std::make_shared<std::vector<uint8_t>>(BytesOf(data));
    const uint8_t* p = bytes->data();
    size_t n = bytes->size();
    py::gil_scoped_release release;
    return std::make_shared<Model>(ReadModel(std::move(bytes), p, n));
  }, py::arg("data"), "Parse and verify TFLite flatbuffer bytes (bytes are viewed, not copied).");

  m.def("active_isa", [] { return std::string(cpu::IsaName(cpu::ActiveIsa())); },
        "The instruction-set tier qtflite's fast kernels use ('sse2', 'avx2', 'avx512bw', 'avxvnni', "
        "'avx512vnni', 'amx').");
  m.def("isa_info", [] {
    const cpu::CpuFeatures& f = cpu::Features();
    py::dict d;
    d["active"] = cpu::IsaName(cpu::ActiveIsa());
    py::list supported;
    for (cpu::Isa isa : cpu::SupportedIsas()) supported.append(cpu::IsaName(isa));
    d["supported"] = supported;
    d["vendor"] = f.vendor;
    d["brand"] = f.brand;
    py::dict flags;
    flags["sse4_1"] = f.sse41, flags["avx2"] = f.avx2, flags["fma"] = f.fma, flags["avx512f"] = f.avx512f;
    flags["avx512bw"] = f.avx512bw, flags["avx512dq"] = f.avx512dq, flags["avx512vl"] = f.avx512vl;
    flags["avx512_vnni"] = f.avx512vnni, flags["avx_vnni"] = f.avxvnni, flags["amx_tile"] = f.amx_tile;
    flags["amx_int8"] = f.amx_int8, flags["os_ymm"] = f.os_ymm, flags["os_zmm"] = f.os_zmm;
    flags["os_tiles"] = f.os_tiles, flags["os_tiles_permitted"] = f.os_tiles_permitted;
    d["features"] = flags;
    return d;
  }, "The CPU, its features and the tiers qtflite's kernels can use on it.");
  m.def("int8_peak_gops", [](double seconds) {
    // Best rate of repeated ~10 ms runs of the active tier's multiply-add loop, thread CPU time.
    const auto loop = int8::ActiveKernels().peak_loop;
    if (!loop) return 0.0;
    auto now = [] {
      timespec ts;
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
      return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
    };
    py::gil_scoped_release release;
    int64_t iterations = 1 << 12;
    double best = 0.0;
    const double start = now();
    while (now() - start < seconds) {
      const double t0 = now();
      const int64_t ops = loop(iterations);
      const double dt = now() - t0;
      if (dt < 0.01) {
        iterations *= 2;
        continue;
      }
      best = std::max(best, static_cast<double>(ops) / dt / 1e9);
    }
    return best;
  }, py::arg("seconds") = 0.5,
     "int8 GOPS of a tight loop of the active tier's widest integer multiply-add (vpmaddwd, vpdpbusd), "
     "2 ops per multiply-add: the benchmarks' peak.");
  m.def("builtin_op_name", &BuiltinOpName);
  m.def("builtin_op_code", &BuiltinOpCode);
  m.def("enum_value_name", &EnumValueName);
  m.def("options_field_enums", [](const std::string& table) {
    py::dict d;
    const OptionsTableSpec* s = FindOptionsSpecByName(table);
    if (!s) return d;
    for (const auto& f : s->fields) {
      if (f.enum_name) d[py::str(f.name)] = f.enum_name;
    }
    return d;
  });
}
