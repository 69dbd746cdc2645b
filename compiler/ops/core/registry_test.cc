#include "compiler/ops/core/registry.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "compiler/ir/dtype.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/core/schema.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aotd::ops {
namespace {

using ::aotd::ir::Argument;
using ::testing::HasSubstr;
using Kwargs = std::vector<std::pair<std::string, Argument>>;

TEST(OpRegistryTest, GlobalRegistryBuildsAndIsConsistent) {
  const OpRegistry& registry = OpRegistry::Global();
  EXPECT_EQ(&registry, &OpRegistry::Global());
  std::vector<const OpDef*> all = registry.All();
  ASSERT_GE(all.size(), 150u);
  std::set<std::string> names;
  for (size_t i = 0; i < all.size(); ++i) {
    const OpSchema& schema = all[i]->schema;
    SCOPED_TRACE(schema.name);
    if (i > 0) {
      EXPECT_LT(all[i - 1]->schema.name, schema.name);
    }
    EXPECT_TRUE(names.insert(schema.name).second);
    EXPECT_EQ(registry.Find(schema.name), all[i]);
    // The stored signature parses back to the same op.
    absl::StatusOr<OpSchema> reparsed = ParseSchema(schema.signature);
    ASSERT_TRUE(reparsed.ok()) << reparsed.status();
    EXPECT_EQ(reparsed->name, schema.name);
    EXPECT_EQ(reparsed->args.size(), schema.args.size());
  }
}

// The ops the reference workloads' forward graphs use
// (grep -ho '"aten\.[a-z_0-9.A-Z]*"' tests/testdata/workloads/*/*/forward.json).
TEST(OpRegistryTest, HasEveryWorkloadOp) {
  const char* const kWorkloadOps[] = {
      "aten._log_softmax.default",
      "aten._reshape_alias.default",
      "aten._softmax.default",
      "aten._unsafe_view.default",
      "aten.add.Tensor",
      "aten.add_.Tensor",
      "aten.addmm.default",
      "aten.bmm.default",
      "aten.clone.default",
      "aten.convolution.default",
      "aten.detach.default",
      "aten.div.Tensor",
      "aten.empty.memory_format",
      "aten.exp.default",
      "aten.gelu.default",
      "aten.max_pool2d_with_indices.default",
      "aten.mm.default",
      "aten.mul.Tensor",
      "aten.native_batch_norm.default",
      "aten.native_layer_norm.default",
      "aten.neg.default",
      "aten.nll_loss_forward.default",
      "aten.relu.default",
      "aten.sigmoid.default",
      "aten.split.Tensor",
      "aten.sub.Tensor",
      "aten.t.default",
      "aten.tanh.default",
      "aten.transpose.int",
      "aten.view.default",
  };
  for (const char* name : kWorkloadOps) {
    EXPECT_NE(OpRegistry::Global().Find(name), nullptr) << name;
  }
}

// Every op the library promises, including the backward ops that joint
// graphs use.
TEST(OpRegistryTest, HasEveryListedOp) {
  const char* const kOps[] = {
      // Pointwise.
      "aten.neg.default",
      "aten.abs.default",
      "aten.sgn.default",
      "aten.exp.default",
      "aten.log.default",
      "aten.log1p.default",
      "aten.sqrt.default",
      "aten.rsqrt.default",
      "aten.reciprocal.default",
      "aten.sin.default",
      "aten.cos.default",
      "aten.tanh.default",
      "aten.sigmoid.default",
      "aten.erf.default",
      "aten.relu.default",
      "aten.relu_.default",
      "aten.gelu.default",
      "aten.silu.default",
      "aten.softplus.default",
      "aten.elu.default",
      "aten.leaky_relu.default",
      "aten.hardtanh.default",
      "aten.clamp.default",
      "aten.clamp.Tensor",
      "aten.pow.Tensor_Scalar",
      "aten.pow.Tensor_Tensor",
      "aten.pow.Scalar",
      "aten.add.Tensor",
      "aten.add.Scalar",
      "aten.add_.Tensor",
      "aten.sub.Tensor",
      "aten.sub.Scalar",
      "aten.rsub.Tensor",
      "aten.rsub.Scalar",
      "aten.mul.Tensor",
      "aten.mul.Scalar",
      "aten.mul_.Tensor",
      "aten.div.Tensor",
      "aten.div.Scalar",
      "aten.div.Tensor_mode",
      "aten.maximum.default",
      "aten.minimum.default",
      "aten.where.self",
      "aten.masked_fill.Scalar",
      "aten.masked_fill.Tensor",
      "aten.eq.Tensor",
      "aten.eq.Scalar",
      "aten.ne.Tensor",
      "aten.ne.Scalar",
      "aten.lt.Tensor",
      "aten.lt.Scalar",
      "aten.le.Tensor",
      "aten.le.Scalar",
      "aten.gt.Tensor",
      "aten.gt.Scalar",
      "aten.ge.Tensor",
      "aten.ge.Scalar",
      "aten.logical_and.default",
      "aten.logical_or.default",
      "aten.logical_not.default",
      "aten.threshold_backward.default",
      "aten.gelu_backward.default",
      "aten.sigmoid_backward.default",
      "aten.tanh_backward.default",
      "aten.elu_backward.default",
      "aten.leaky_relu_backward.default",
      "aten.hardtanh_backward.default",
      "aten.softplus_backward.default",
      "aten.silu_backward.default",
      "aten._to_copy.default",
      "aten.to.dtype",
      "aten.fill.Scalar",
      "aten.copy_.default",
      // Reductions.
      "aten.sum.default",
      "aten.sum.dim_IntList",
      "aten.mean.default",
      "aten.mean.dim",
      "aten.amax.default",
      "aten.amin.default",
      "aten.var.correction",
      "aten.var.dim",
      "aten.prod.default",
      "aten.prod.dim_int",
      "aten.argmax.default",
      // Shape and views.
      "aten.view.default",
      "aten.reshape.default",
      "aten._reshape_alias.default",
      "aten._unsafe_view.default",
      "aten.t.default",
      "aten.transpose.int",
      "aten.permute.default",
      "aten.expand.default",
      "aten.squeeze.default",
      "aten.squeeze.dim",
      "aten.unsqueeze.default",
      "aten.select.int",
      "aten.slice.Tensor",
      "aten.split.Tensor",
      "aten.split_with_sizes.default",
      "aten.cat.default",
      "aten.stack.default",
      "aten.clone.default",
      "aten.detach.default",
      "aten.alias.default",
      "aten.tril.default",
      "aten.triu.default",
      "aten.flatten.using_ints",
      "aten.as_strided.default",
      // Creation.
      "aten.empty.memory_format",
      "aten.empty_like.default",
      "aten.zeros.default",
      "aten.zeros_like.default",
      "aten.ones.default",
      "aten.ones_like.default",
      "aten.full.default",
      "aten.full_like.default",
      "aten.scalar_tensor.default",
      "aten.arange.default",
      "aten.arange.start",
      "aten.arange.start_step",
      "aten.new_zeros.default",
      "aten.new_empty.default",
      "aten.new_full.default",
      // Linear algebra and nn.
      "aten.mm.default",
      "aten.addmm.default",
      "aten.bmm.default",
      "aten.convolution.default",
      "aten.convolution_backward.default",
      "aten.max_pool2d_with_indices.default",
      "aten.max_pool2d_with_indices_backward.default",
      "aten.avg_pool2d.default",
      "aten.avg_pool2d_backward.default",
      "aten._adaptive_avg_pool2d.default",
      "aten._adaptive_avg_pool2d_backward.default",
      "aten.native_layer_norm.default",
      "aten.native_layer_norm_backward.default",
      "aten.native_batch_norm.default",
      "aten.native_batch_norm_backward.default",
      "aten._softmax.default",
      "aten._softmax_backward_data.default",
      "aten._log_softmax.default",
      "aten._log_softmax_backward_data.default",
      "aten.nll_loss_forward.default",
      "aten.nll_loss_backward.default",
      "aten.mse_loss.default",
      "aten.mse_loss_backward.default",
      "aten.smooth_l1_loss.default",
      "aten.smooth_l1_loss_backward.default",
      "aten.embedding.default",
      "aten.embedding_dense_backward.default",
  };
  for (const char* name : kOps) {
    EXPECT_NE(OpRegistry::Global().Find(name), nullptr) << name;
  }
}

TEST(OpRegistryTest, UnknownNamesAreNotFound) {
  const OpRegistry& registry = OpRegistry::Global();
  for (const char* name :
       {"", "aten.addmm", "addmm.default", "aten.addmm.out", "aten.foo.default",
        "aten.add.default", "aten.add.tensor", "aten.addmm.default ", "getitem",
        "aten::addmm"}) {
    EXPECT_EQ(registry.Find(name), nullptr) << "'" << name << "'";
  }
}

TEST(OpRegistryTest, SchemasCarryAliasingAndMutation) {
  const OpRegistry& registry = OpRegistry::Global();
  const OpDef* t = registry.Find("aten.t.default");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->schema.args[0].alias_set, "a");
  EXPECT_FALSE(t->schema.args[0].mutated);
  EXPECT_EQ(t->schema.returns[0].alias_set, "a");

  const OpDef* add_ = registry.Find("aten.add_.Tensor");
  ASSERT_NE(add_, nullptr);
  EXPECT_TRUE(add_->schema.args[0].mutated);

  const OpDef* split = registry.Find("aten.split.Tensor");
  ASSERT_NE(split, nullptr);
  EXPECT_TRUE(split->schema.returns_list);

  const OpDef* bn = registry.Find("aten.native_batch_norm.default");
  ASSERT_NE(bn, nullptr);
  EXPECT_EQ(bn->schema.returns.size(), 3u);
  EXPECT_FALSE(bn->schema.returns_list);

  const OpDef* addmm = registry.Find("aten.addmm.default");
  ASSERT_NE(addmm, nullptr);
  EXPECT_TRUE(registry.Find("aten.mul.Tensor")->schema.numbers_as_tensors);
  EXPECT_FALSE(addmm->schema.numbers_as_tensors);
  EXPECT_EQ(addmm->schema.returns[0].alias_set, "");
}

// The calls the workloads' forward graphs make, as their JSON writes them,
// bind to the registered schemas.
TEST(OpRegistryTest, WorkloadCallsBind) {
  Argument x = Argument::Value(0);
  Argument w = Argument::Value(1);
  Argument b = Argument::Value(2);
  struct Call {
    std::string op;
    std::vector<Argument> args;
    Kwargs kwargs;
    size_t bound_size;
  };
  const std::vector<Call> calls = {
      {"aten._log_softmax.default",
       {x, Argument::Int(1), Argument::Bool(false)},
       {},
       3},
      {"aten._reshape_alias.default",
       {x, Argument::IntList({2, 32}), Argument::IntList({32, 1})},
       {},
       3},
      {"aten._unsafe_view.default", {x, Argument::IntList({8, 2, 96})}, {}, 2},
      {"aten.add.Tensor", {x, w}, {}, 3},
      {"aten.add_.Tensor", {x, Argument::Int(1)}, {}, 3},
      {"aten.addmm.default", {b, x, w}, {}, 5},
      {"aten.clone.default",
       {x},
       {{"memory_format", Argument::MemoryFormat("contiguous_format")}},
       2},
      {"aten.convolution.default",
       {x, w, b, Argument::IntList({1, 1}), Argument::IntList({1, 1}),
        Argument::IntList({1, 1}), Argument::Bool(false),
        Argument::IntList({0, 0}), Argument::Int(1)},
       {},
       9},
      {"aten.div.Tensor", {x, Argument::Float(2.8284271247461903)}, {}, 2},
      {"aten.empty.memory_format",
       {Argument::IntList({0})},
       {{"dtype", Argument::DTypeArg(ir::DType::kUInt8)},
        {"layout", Argument::Layout("strided")},
        {"device", Argument::Device("cpu")}},
       6},
      {"aten.gelu.default", {x}, {}, 2},
      {"aten.max_pool2d_with_indices.default",
       {x, Argument::IntList({2, 2}), Argument::IntList({2, 2})},
       {},
       6},
      {"aten.mul.Tensor", {x, Argument::Float(0.25)}, {}, 2},
      {"aten.native_batch_norm.default",
       {x, w, b, Argument::Value(3), Argument::Value(4), Argument::Bool(true),
        Argument::Float(0.1), Argument::Float(1e-05)},
       {},
       8},
      {"aten.native_layer_norm.default",
       {x, Argument::IntList({32}), w, b, Argument::Float(1e-05)},
       {},
       5},
      {"aten.nll_loss_forward.default",
       {x, w, Argument::None(), Argument::Int(1), Argument::Int(-100)},
       {},
       5},
      {"aten.split.Tensor", {x, Argument::Int(32), Argument::Int(-1)}, {}, 3},
      {"aten.transpose.int", {x, Argument::Int(-2), Argument::Int(-1)}, {}, 3},
      {"aten.view.default", {x, Argument::IntList({8, 2, 32})}, {}, 2},
  };
  for (const Call& call : calls) {
    SCOPED_TRACE(call.op);
    const OpDef* def = OpRegistry::Global().Find(call.op);
    ASSERT_NE(def, nullptr);
    absl::StatusOr<std::vector<Argument>> bound =
        BindArguments(def->schema, call.args, call.kwargs);
    ASSERT_TRUE(bound.ok()) << bound.status();
    EXPECT_EQ(bound->size(), call.bound_size);
    EXPECT_TRUE(CheckBoundArguments(def->schema, *bound).ok());
  }
}

// Every registered default is in canonical form: binding only the required
// arguments gives a list that CheckBoundArguments accepts.
TEST(OpRegistryTest, DefaultsAreCanonical) {
  for (const OpDef* def : OpRegistry::Global().All()) {
    const OpSchema& schema = def->schema;
    SCOPED_TRACE(schema.name);
    std::vector<Argument> bound;
    for (const ArgSpec& arg : schema.args) {
      if (arg.default_value.has_value()) {
        bound.push_back(*arg.default_value);
      } else if (arg.type.optional) {
        bound.push_back(Argument::None());
      } else {
        // Any valid value for the required argument will do.
        Argument probe;
        switch (arg.type.base) {
          case ArgType::Base::kTensor:
            probe = Argument::Value(0);
            break;
          case ArgType::Base::kInt:
            probe = Argument::Int(1);
            break;
          case ArgType::Base::kFloat:
            probe = Argument::Float(1);
            break;
          case ArgType::Base::kBool:
            probe = Argument::Bool(true);
            break;
          case ArgType::Base::kScalar:
            probe = Argument::Int(1);
            break;
          case ArgType::Base::kScalarType:
            probe = Argument::DTypeArg(ir::DType::kFloat32);
            break;
          case ArgType::Base::kString:
            probe = Argument::String("s");
            break;
          default:
            FAIL() << "no probe for " << arg.type.ToString();
        }
        if (arg.type.is_list) {
          probe = Argument::List(std::vector<Argument>(
              arg.type.list_size > 1 ? arg.type.list_size : 1, probe));
        }
        bound.push_back(probe);
      }
    }
    absl::Status status = CheckBoundArguments(schema, bound);
    EXPECT_TRUE(status.ok()) << status;
  }
}

TEST(OpRegistryTest, AddRejectsDuplicatesAndUnnamedOps) {
  OpRegistry registry;
  absl::StatusOr<OpSchema> schema =
      ParseSchema("mm(Tensor self, Tensor mat2) -> Tensor");
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_TRUE(registry.Add(OpDef{*schema}).ok());
  absl::Status duplicate = registry.Add(OpDef{*schema});
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(duplicate.message(), HasSubstr("aten.mm.default"));
  EXPECT_EQ(registry.Add(OpDef{}).code(), absl::StatusCode::kInvalidArgument);

  ASSERT_EQ(registry.All().size(), 1u);
  EXPECT_EQ(registry.All()[0], registry.Find("aten.mm.default"));
  EXPECT_EQ(registry.Find("aten.mm.default")->schema.args.size(), 2u);
  EXPECT_EQ(registry.Find("aten.bmm.default"), nullptr);
}

}  // namespace
}  // namespace aotd::ops
