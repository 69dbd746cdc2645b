#include "compiler/ops/core/registry.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "compiler/ops/core/op_definer.h"

namespace aotd::ops {

const OpDef* OpRegistry::Find(absl::string_view op_name) const {
  auto it = ops_.find(op_name);
  return it == ops_.end() ? nullptr : it->second.get();
}

std::vector<const OpDef*> OpRegistry::All() const {
  std::vector<const OpDef*> all;
  all.reserve(ops_.size());
  for (const auto& [name, def] : ops_) all.push_back(def.get());
  std::sort(all.begin(), all.end(), [](const OpDef* a, const OpDef* b) {
    return a->schema.name < b->schema.name;
  });
  return all;
}

absl::Status OpRegistry::Add(OpDef def) {
  if (def.schema.name.empty()) {
    return absl::InvalidArgumentError("an op needs a name");
  }
  std::string name = def.schema.name;
  auto [it, inserted] = ops_.try_emplace(std::move(name), nullptr);
  if (!inserted) {
    return absl::AlreadyExistsError(
        absl::StrCat("op ", it->first, " is already registered"));
  }
  it->second = std::make_unique<const OpDef>(std::move(def));
  return absl::OkStatus();
}

namespace internal {

absl::Status AddSignatures(OpRegistry& registry,
                           absl::Span<const absl::string_view> signatures) {
  for (absl::string_view signature : signatures) {
    // A parse error quotes the signature already.
    ASSIGN_OR_RETURN(OpSchema schema, ParseSchema(signature));
    OpDef def;
    def.schema = std::move(schema);
    absl::Status status = registry.Add(std::move(def));
    if (!status.ok()) {
      return absl::Status(
          status.code(),
          absl::StrCat("signature \"", signature, "\": ", status.message()));
    }
  }
  return absl::OkStatus();
}

OpDefiner::OpDefiner(OpRegistry& registry, absl::string_view signature, OpKind kind)
    : registry_(registry), signature_(signature) {
  absl::StatusOr<OpSchema> schema = ParseSchema(signature);
  if (!schema.ok()) {
    std::fprintf(stderr, "aotd: bad op signature \"%s\": %s\n", signature_.c_str(),
                 schema.status().ToString().c_str());
    std::abort();
  }
  def_.schema = *std::move(schema);
  def_.kind = kind;
}

OpDefiner::~OpDefiner() {
  if (def_.decompose && def_.lowering.kind != Lowering::Kind::kDecomposition) {
    std::fprintf(stderr, "aotd: \"%s\" declares a decomposition and a lowering\n",
                 signature_.c_str());
    std::abort();
  }
  absl::Status status = registry_.Add(std::move(def_));
  if (!status.ok()) {
    std::fprintf(stderr, "aotd: registering \"%s\": %s\n", signature_.c_str(),
                 status.ToString().c_str());
    std::abort();
  }
}

OpDefiner& OpDefiner::Infer(InferFn f) {
  def_.infer = std::move(f);
  return *this;
}

OpDefiner& OpDefiner::Kernel(KernelFn f) {
  def_.kernel = std::move(f);
  return *this;
}

OpDefiner& OpDefiner::Derivative(DerivativeFn f) {
  def_.derivative = std::move(f);
  def_.differentiability = Differentiability::kDifferentiable;
  return *this;
}

OpDefiner& OpDefiner::NonDifferentiable() {
  def_.differentiability = Differentiability::kNonDifferentiable;
  return *this;
}

OpDefiner& OpDefiner::Decompose(DecomposeFn f) {
  def_.decompose = std::move(f);
  return *this;
}

OpDefiner& OpDefiner::Random() {
  def_.random = true;
  return *this;
}

void OpDefiner::SetLowering(Lowering::Kind kind) {
  if (def_.lowering.kind != Lowering::Kind::kDecomposition) {
    std::fprintf(stderr, "aotd: \"%s\" declares two lowerings\n", signature_.c_str());
    std::abort();
  }
  def_.lowering.kind = kind;
}

OpDefiner& OpDefiner::LowerElementwise(ElementFn f) {
  SetLowering(Lowering::Kind::kElementwise);
  def_.lowering.element = std::move(f);
  return *this;
}

OpDefiner& OpDefiner::LowerReduction(ReductionLowering r) {
  SetLowering(Lowering::Kind::kReduction);
  def_.lowering.reduction = r;
  return *this;
}

OpDefiner& OpDefiner::LowerView(ViewLowering v) {
  SetLowering(Lowering::Kind::kView);
  def_.lowering.view = std::move(v);
  return *this;
}

OpDefiner& OpDefiner::LowerToKernel(std::string kernel) {
  SetLowering(Lowering::Kind::kKernel);
  def_.lowering.kernel = std::move(kernel);
  return *this;
}

}  // namespace internal

bool OpDef::IsInPlace() const {
  for (const ArgSpec& arg : schema.args) {
    if (arg.mutated) return true;
  }
  return false;
}

}  // namespace aotd::ops
