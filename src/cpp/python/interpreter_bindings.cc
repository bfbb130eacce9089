// Bindings for the runtime Interpreter. Shape/dtype checks with TensorFlow's messages live in
// qtflite/interpreter.py; these are the raw, zero-copy accessors.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>

#include "ir/errors.h"
#include "python/bindings.h"
#include "runtime/interpreter.h"

namespace py = pybind11;

namespace qtflite {
namespace {

py::dtype NumpyDType(DType t) {
  switch (t) {
    case DType::kBool: return py::dtype("bool");
    case DType::kString: return py::dtype("O");
    default: return py::dtype(DTypeName(t));
  }
}

std::vector<py::ssize_t> Strides(const std::vector<int32_t>& shape, size_t itemsize) {
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t s = static_cast<py::ssize_t>(itemsize);
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

py::array View(Interpreter& self, int index, bool writeable) {
  const RtTensor& t = self.tensor(index);
  if (!t.data && t.num_elements() != 0) {
    throw InvalidArgument("tensor " + std::to_string(index) + " has no memory (it is not used by the graph)");
  }
  auto* keep = new std::shared_ptr<void>(self.KeepAlive());
  py::capsule owner(keep, [](void* p) { delete static_cast<std::shared_ptr<void>*>(p); });
  py::dtype dt = NumpyDType(t.dtype);
  std::vector<py::ssize_t> shape(t.shape.begin(), t.shape.end());
  py::array arr(dt, shape, Strides(t.shape, dt.itemsize()), t.data, owner);
  if (!writeable || t.constant) {
    py::detail::array_proxy(arr.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  }
  return arr;
}

}  // namespace

void BindInterpreter(py::module_& m) {
  py::class_<Interpreter>(m, "Interpreter")
      .def(py::init([](std::shared_ptr<Model> model, const std::string& numerics) {
             Numerics n;
             if (numerics == "micro") n = Numerics::kMicro;
             else if (numerics == "litert") n = Numerics::kLiteRT;
             else throw InvalidArgument("numerics must be 'micro' or 'litert', got '" + numerics + "'");
             return new Interpreter(std::const_pointer_cast<const Model>(model), n);
           }),
           py::arg("model"), py::arg("numerics") = "micro")
      .def("allocate_tensors", [](Interpreter& self) {
        py::gil_scoped_release release;
        self.AllocateTensors();
      })
      .def("invoke", [](Interpreter& self) {
        py::gil_scoped_release release;
        self.Invoke();
      })
      .def("reset_variables", &Interpreter::ResetVariables)
      .def("resize_input", &Interpreter::ResizeInput, py::arg("tensor_index"), py::arg("shape"))
      .def_property_readonly("ready", &Interpreter::ready)
      .def_property_readonly("num_tensors", &Interpreter::num_tensors)
      .def_property_readonly("inputs", [](const Interpreter& self) { return self.graph().inputs; })
      .def_property_readonly("outputs", [](const Interpreter& self) { return self.graph().outputs; })
      .def_property_readonly("arena_bytes", &Interpreter::arena_bytes)
      .def("shape", &Interpreter::CurrentShape, py::arg("index"))
      .def("set_calibrating", &Interpreter::SetCalibrating, py::arg("on"))
      .def("set_fast_float_kernels", &Interpreter::SetFastFloatKernels, py::arg("on"))
      .def("set_fast_integer_kernels", &Interpreter::SetFastIntegerKernels, py::arg("on"))
      .def("set_num_threads", &Interpreter::SetNumThreads, py::arg("n"))
      .def_property_readonly("num_threads", &Interpreter::num_threads)
      .def("reset_ranges", &Interpreter::ResetRanges)
      .def("set_preserve_all_tensors", &Interpreter::SetPreserveAllTensors, py::arg("on"))
      .def_property_readonly("preserve_all_tensors", &Interpreter::preserve_all_tensors)
      .def("set_profiling", &Interpreter::SetProfiling, py::arg("on"))
      .def("reset_profile", &Interpreter::ResetProfile)
      .def("profile", [](const Interpreter& self) {
        py::list ops;
        const auto& entries = self.OperatorProfile();
        for (size_t k = 0; k < entries.size(); ++k) {
          const Operator& op = self.graph().operators[k];
          ops.append(py::make_tuple(static_cast<int>(k), op.Name(), entries[k].calls, entries[k].nanoseconds));
        }
        return py::make_tuple(ops, self.ProfiledInvokes(), self.ProfiledNanoseconds());
      }, "([(operator index, opcode name, calls, nanoseconds)], invokes, invoke nanoseconds)")
      .def("ranges", [](const Interpreter& self) {
        py::dict d;
        for (const auto& kv : self.Ranges()) d[py::int_(kv.first)] = py::make_tuple(kv.second.min, kv.second.max);
        return d;
      }, "{tensor index: (min, max)} observed while calibrating")
      .def("set_histograms", &Interpreter::SetHistograms, py::arg("on"))
      .def("histograms", [](const Interpreter& self) {
        py::dict d;
        for (const auto& kv : self.Histograms()) {
          const CalibrationHistogram& h = kv.second;
          d[py::int_(kv.first)] = py::make_tuple(py::array_t<int64_t>(h.negative().size(), h.negative().data()),
                                                 py::array_t<int64_t>(h.positive().size(), h.positive().data()),
                                                 h.width());
        }
        return d;
      }, "{tensor index: (counts of negative magnitudes, counts of positive ones, bin width)}")
      .def("set_per_sample_ranges", &Interpreter::SetPerSampleRanges, py::arg("on"))
      .def("per_sample_ranges", [](const Interpreter& self) {
        py::dict d;
        for (const auto& kv : self.PerSampleRanges()) {
          d[py::int_(kv.first)] = py::make_tuple(py::array_t<float>(kv.second.min.size(), kv.second.min.data()),
                                                 py::array_t<float>(kv.second.max.size(), kv.second.max.data()));
        }
        return d;
      }, "{tensor index: (per-sample mins, per-sample maxes)} observed while calibrating per sample")
      .def("view", [](Interpreter& self, int index) { return View(self, index, true); }, py::arg("index"))
      .def("get", [](Interpreter& self, int index) {
        return py::array(View(self, index, false).attr("copy")());
      }, py::arg("index"))
      .def("set", [](Interpreter& self, int index, const py::array& value) {
        RtTensor& t = self.mutable_tensor(index);
        if (t.constant) throw InvalidArgument("tensor " + std::to_string(index) + " is a constant");
        py::array c = py::array::ensure(value, py::array::c_style);
        if (static_cast<size_t>(c.nbytes()) != t.bytes) {
          throw InvalidArgument("value has " + std::to_string(c.nbytes()) + " bytes, tensor " +
                                std::to_string(index) + " needs " + std::to_string(t.bytes));
        }
        if (t.bytes) std::memcpy(t.data, c.data(), t.bytes);
      }, py::arg("index"), py::arg("value"));
}

}  // namespace qtflite
