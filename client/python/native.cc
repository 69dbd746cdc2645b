// aotd._native: the Python binding of the client runtime (client/).
//
// Tensors cross as DLPack capsules ("dltensor", renamed "used_dltensor" by
// whoever takes one), zero copy both ways. Graphs cross as serialized
// aotd.proto.Graph bytes. Calls that wait (network, compiled code) release
// the GIL. Errors raise aotd._native.Error, or its subclasses Unavailable
// (the server cannot be reached) and InvalidArgument; the message starts
// with the status code's name.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/loaded_artifact.h"
#include "client/remote_client.h"
#include "client/tensor.h"
#include "common/artifact_seal.h"
#include "proto/graph.pb.h"
#include "proto/service.pb.h"

namespace aotd::client {
namespace {

namespace py = pybind11;

constexpr char kCapsuleName[] = "dltensor";
constexpr char kUsedCapsuleName[] = "used_dltensor";

PyObject* error_class = nullptr;
PyObject* unavailable_class = nullptr;
PyObject* invalid_argument_class = nullptr;

[[noreturn]] void Raise(const absl::Status& status) {
  PyObject* type = error_class;
  if (status.code() == absl::StatusCode::kUnavailable) type = unavailable_class;
  if (status.code() == absl::StatusCode::kInvalidArgument) type = invalid_argument_class;
  PyErr_SetString(type, status.ToString().c_str());
  throw py::error_already_set();
}

template <typename T>
T ValueOrRaise(absl::StatusOr<T> value) {
  if (!value.ok()) Raise(value.status());
  return *std::move(value);
}

// Takes the DLManagedTensor out of a "dltensor" capsule and marks it used.
Tensor FromCapsule(const py::capsule& capsule, size_t index) {
  if (std::string(capsule.name() ? capsule.name() : "") != kCapsuleName) {
    Raise(absl::InvalidArgumentError(absl::StrCat(
        "tensor ", index, " is not an unused DLPack capsule (name \"dltensor\")")));
  }
  auto* managed = static_cast<DLManagedTensor*>(capsule.get_pointer());
  absl::StatusOr<Tensor> tensor = Tensor::FromDLPack(managed);
  if (!tensor.ok()) {
    Raise(absl::Status(tensor.status().code(),
                       absl::StrCat("tensor ", index, ": ", tensor.status().message())));
  }
  PyCapsule_SetName(capsule.ptr(), kUsedCapsuleName);
  return *std::move(tensor);
}

std::vector<Tensor> FromCapsules(const std::vector<py::capsule>& capsules) {
  std::vector<Tensor> tensors;
  tensors.reserve(capsules.size());
  for (size_t i = 0; i < capsules.size(); ++i) tensors.push_back(FromCapsule(capsules[i], i));
  return tensors;
}

// A "dltensor" capsule over `tensor`'s memory. A bool tensor is exported as
// uint8 (PyTorch 1.13 does not read DLPack's bool code); the caller views it
// as bool.
py::capsule ToCapsule(const Tensor& tensor) {
  DLManagedTensor* managed = tensor.ToDLPack();
  if (tensor.dtype() == proto::BOOL) managed->dl_tensor.dtype = {kDLUInt, 8, 1};
  return py::capsule(managed, kCapsuleName, [](PyObject* object) {
    // Only an untaken capsule still owns its tensor.
    if (PyCapsule_IsValid(object, kCapsuleName)) {
      auto* unused = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(object, kCapsuleName));
      unused->deleter(unused);
    }
  });
}

std::vector<py::capsule> ToCapsules(const std::vector<Tensor>& tensors) {
  std::vector<py::capsule> capsules;
  capsules.reserve(tensors.size());
  for (const Tensor& tensor : tensors) capsules.push_back(ToCapsule(tensor));
  return capsules;
}

// A spec as Python sees it: (name, dtype name, shape, strides).
py::tuple SpecTuple(const proto::TensorSpec& spec) {
  std::vector<int64_t> shape(spec.meta().shape().begin(), spec.meta().shape().end());
  std::vector<int64_t> strides(spec.meta().strides().begin(), spec.meta().strides().end());
  return py::make_tuple(spec.name(), std::string(DTypeName(spec.meta().dtype())), shape, strides);
}

py::list SpecList(const google::protobuf::RepeatedPtrField<proto::TensorSpec>& specs) {
  py::list list;
  for (const proto::TensorSpec& spec : specs) list.append(SpecTuple(spec));
  return list;
}

std::vector<int> IndexList(const google::protobuf::RepeatedField<int32_t>& indices) {
  return std::vector<int>(indices.begin(), indices.end());
}

// A Client and the verifier it points at, alive together.
struct PyClient {
  std::shared_ptr<Verifier> verifier;
  std::unique_ptr<Client> client;
};

}  // namespace

PYBIND11_MODULE(_native, m) {
  m.doc() = "aotd client runtime: remote compilation and compiled steps over DLPack.";

  py::object error = py::reinterpret_steal<py::object>(
      PyErr_NewException("aotd._native.Error", PyExc_RuntimeError, nullptr));
  py::object unavailable = py::reinterpret_steal<py::object>(
      PyErr_NewException("aotd._native.Unavailable", error.ptr(), nullptr));
  py::object invalid_argument = py::reinterpret_steal<py::object>(
      PyErr_NewException("aotd._native.InvalidArgument", error.ptr(), nullptr));
  m.attr("Error") = error;
  m.attr("Unavailable") = unavailable;
  m.attr("InvalidArgument") = invalid_argument;
  error_class = error.release().ptr();
  unavailable_class = unavailable.release().ptr();
  invalid_argument_class = invalid_argument.release().ptr();

  py::class_<SavedActivations, std::shared_ptr<SavedActivations>>(
      m, "SavedActivations", "What one forward saved for its backward.")
      .def_property_readonly("consumed", &SavedActivations::consumed);

  py::class_<LoadedArtifact, std::shared_ptr<LoadedArtifact>>(
      m, "Artifact", "A verified, loaded compiled step.")
      .def_property_readonly("inputs", [](const LoadedArtifact& a) { return SpecList(a.artifact().inputs()); })
      .def_property_readonly("outputs", [](const LoadedArtifact& a) { return SpecList(a.artifact().outputs()); })
      .def_property_readonly("tangent_outputs", [](const LoadedArtifact& a) { return IndexList(a.artifact().tangent_outputs()); })
      .def_property_readonly("grad_inputs", [](const LoadedArtifact& a) { return IndexList(a.artifact().grad_inputs()); })
      .def_property_readonly("write_back_inputs", [](const LoadedArtifact& a) { return IndexList(a.artifact().write_back_inputs()); })
      .def_property_readonly("saved_arena_bytes", [](const LoadedArtifact& a) { return a.artifact().saved_arena_bytes(); })
      .def_property_readonly("key", [](const LoadedArtifact& a) { return a.artifact().key(); })
      .def_property_readonly("timings", [](const LoadedArtifact& a) {
        py::dict timings;
        for (const proto::StageTiming& t : a.artifact().timings()) timings[py::str(t.stage())] = t.seconds();
        return timings;
      })
      .def("forward",
           [](const LoadedArtifact& a, const std::vector<py::capsule>& inputs) {
             std::vector<Tensor> tensors = FromCapsules(inputs);
             absl::StatusOr<ForwardResult> result;
             {
               py::gil_scoped_release release;
               result = a.Forward(tensors);
             }
             ForwardResult value = ValueOrRaise(std::move(result));
             return py::make_tuple(ToCapsules(value.outputs), value.saved);
           },
           "forward(inputs: list of DLPack capsules) -> (outputs as capsules, SavedActivations). "
           "Writes mutated inputs back in place.")
      .def("backward",
           [](const LoadedArtifact& a, std::shared_ptr<SavedActivations> saved,
              const std::vector<py::capsule>& tangents) {
             std::vector<Tensor> tensors = FromCapsules(tangents);
             absl::StatusOr<std::vector<Tensor>> grads;
             {
               py::gil_scoped_release release;
               grads = a.Backward(std::move(saved), tensors);
             }
             return ToCapsules(ValueOrRaise(std::move(grads)));
           },
           "backward(saved, tangents: list of capsules) -> gradients of grad_inputs as capsules.");

  py::class_<Client::Compiled>(m, "Compiled")
      .def_readonly("artifact", &Client::Compiled::artifact)
      .def_readonly("cache_hit", &Client::Compiled::cache_hit)
      .def_readonly("uploaded_graph", &Client::Compiled::uploaded_graph);

  py::class_<PyClient>(m, "Client", "A connection to an aotd server (client/remote_client.h).")
      .def(py::init([](const std::string& address, const std::string& cache_namespace,
                       const std::string& target, double deadline_seconds, int max_attempts,
                       const std::string& tls_ca_file, const std::string& tls_cert_file,
                       const std::string& tls_key_file, const std::string& public_key_pem) {
             std::shared_ptr<Verifier> verifier;
             if (!public_key_pem.empty()) {
               verifier = ValueOrRaise(Verifier::FromPublicKeyPem(public_key_pem));
             }
             Client::Options options;
             options.address = address;
             options.cache_namespace = cache_namespace;
             options.target = target;
             options.deadline = absl::Seconds(deadline_seconds);
             options.max_attempts = max_attempts;
             options.tls_ca_file = tls_ca_file;
             options.tls_cert_file = tls_cert_file;
             options.tls_key_file = tls_key_file;
             options.verifier = verifier.get();
             return PyClient{verifier, std::make_unique<Client>(std::move(options))};
           }),
           py::arg("address"), py::arg("cache_namespace") = "", py::arg("target") = "",
           py::arg("deadline_seconds") = 300.0, py::arg("max_attempts") = 4,
           py::arg("tls_ca_file") = "", py::arg("tls_cert_file") = "",
           py::arg("tls_key_file") = "", py::arg("public_key_pem") = "")
      .def("compile",
           [](PyClient& self, const py::bytes& graph_bytes, const std::string& partitioner,
              double memory_budget) {
             proto::Graph graph;
             if (!graph.ParseFromString(std::string(graph_bytes))) {
               Raise(absl::InvalidArgumentError("graph bytes are not a serialized aotd.proto.Graph"));
             }
             proto::CompileOptions options;
             options.set_partitioner(partitioner);
             options.set_memory_budget(memory_budget);
             absl::StatusOr<Client::Compiled> compiled;
             {
               py::gil_scoped_release release;
               compiled = self.client->Compile(graph, options);
             }
             return ValueOrRaise(std::move(compiled));
           },
           py::arg("graph"), py::arg("partitioner") = "min_cut", py::arg("memory_budget") = 1.0,
           "compile(graph: serialized Graph, partitioner, memory_budget) -> Compiled. "
           "Asks by key first, uploads on a miss; raises Unavailable naming the server.");
}

}  // namespace aotd::client
