// The op library: every ATen op the compiler knows, by its FX target name.
//
//   const OpDef* def = OpRegistry::Global().Find("aten.addmm.default");
//   if (def == nullptr) { /* not supported */ }
//   BindArguments(def->schema, ...);
//
// An op the registry does not know is not supported anywhere in the
// compiler. Ops are added per family (compiler/ops/<family>/: math,
// activation, arithmetic, ..., reduction, view, indexing), each a list of
// ATen signatures as PyTorch 1.13's native_functions.yaml writes them.
#ifndef AOTD_COMPILER_OPS_CORE_REGISTRY_H_
#define AOTD_COMPILER_OPS_CORE_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "compiler/ops/core/op_def.h"
#include "compiler/ops/core/schema.h"

namespace aotd::ops {

// A set of ops by name. Find and All are safe to call concurrently; Add is
// not, and must not run concurrently with anything else. OpDef pointers stay
// valid for the registry's lifetime.
class OpRegistry {
 public:
  OpRegistry() = default;
  OpRegistry(const OpRegistry&) = delete;
  OpRegistry& operator=(const OpRegistry&) = delete;

  // The registry of every supported op, built on first use (thread-safe)
  // and never destroyed. A built-in signature that fails to parse is a bug:
  // building aborts the process with a message naming the signature.
  static const OpRegistry& Global();

  // The op named `op_name` ("aten.addmm.default"), or nullptr if unknown.
  const OpDef* Find(absl::string_view op_name) const;
  // Every op, sorted by name.
  std::vector<const OpDef*> All() const;

  // Adds `def` under def.schema.name. ALREADY_EXISTS if the name is taken,
  // INVALID_ARGUMENT if it is empty.
  absl::Status Add(OpDef def);

 private:
  absl::flat_hash_map<std::string, std::unique_ptr<const OpDef>> ops_;
};

}  // namespace aotd::ops

#endif  // AOTD_COMPILER_OPS_CORE_REGISTRY_H_
