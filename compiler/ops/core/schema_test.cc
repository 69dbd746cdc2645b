#include "compiler/ops/core/schema.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "compiler/ir/dtype.h"
#include "compiler/ir/graph.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aotd::ops {
namespace {

using ::aotd::ir::Argument;
using ::testing::HasSubstr;
using Base = ArgType::Base;
using Kwargs = std::vector<std::pair<std::string, Argument>>;

OpSchema Parse(const std::string& signature) {
  absl::StatusOr<OpSchema> schema = ParseSchema(signature);
  EXPECT_TRUE(schema.ok()) << signature << ": " << schema.status();
  return schema.ok() ? *std::move(schema) : OpSchema();
}

Argument V(ir::ValueId id) { return Argument::Value(id); }
Argument I(int64_t v) { return Argument::Int(v); }
Argument F(double v) { return Argument::Float(v); }
Argument B(bool v) { return Argument::Bool(v); }
Argument None() { return Argument::None(); }
Argument L(std::vector<Argument> items) {
  return Argument::List(std::move(items));
}
Argument Ints(const ir::Dims& v) { return Argument::IntList(v); }

// ---------------------------------------------------------------- parsing

TEST(ParseSchemaTest, Addmm) {
  OpSchema s = Parse(
      "addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, "
      "Scalar alpha=1) -> Tensor");
  EXPECT_EQ(s.name, "aten.addmm.default");
  ASSERT_EQ(s.args.size(), 5u);
  EXPECT_EQ(s.args[0].name, "self");
  EXPECT_EQ(s.args[1].name, "mat1");
  EXPECT_EQ(s.args[2].name, "mat2");
  EXPECT_EQ(s.args[3].name, "beta");
  EXPECT_EQ(s.args[4].name, "alpha");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(s.args[i].type.base, Base::kTensor);
    EXPECT_FALSE(s.args[i].type.optional);
    EXPECT_FALSE(s.args[i].keyword_only);
    EXPECT_FALSE(s.args[i].default_value.has_value());
    EXPECT_FALSE(s.args[i].mutated);
    EXPECT_EQ(s.args[i].alias_set, "");
  }
  for (int i = 3; i < 5; ++i) {
    EXPECT_EQ(s.args[i].type.base, Base::kScalar);
    EXPECT_TRUE(s.args[i].keyword_only);
    EXPECT_EQ(s.args[i].default_value, I(1));
  }
  ASSERT_EQ(s.returns.size(), 1u);
  EXPECT_FALSE(s.returns_list);
  EXPECT_EQ(s.returns[0].alias_set, "");
  EXPECT_FALSE(s.numbers_as_tensors);
  EXPECT_EQ(s.ArgIndex("mat2"), 2);
  EXPECT_EQ(s.ArgIndex("nope"), -1);
  EXPECT_THAT(s.signature, HasSubstr("Scalar alpha=1"));
}

TEST(ParseSchemaTest, InPlaceAdd) {
  OpSchema s = Parse(
      "add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) "
      "-> Tensor(a!)");
  EXPECT_EQ(s.name, "aten.add_.Tensor");
  ASSERT_EQ(s.args.size(), 3u);
  EXPECT_TRUE(s.args[0].mutated);
  EXPECT_EQ(s.args[0].alias_set, "a");
  EXPECT_EQ(s.args[0].type.base, Base::kTensor);
  EXPECT_FALSE(s.args[1].mutated);
  ASSERT_EQ(s.returns.size(), 1u);
  EXPECT_TRUE(s.returns[0].mutated);
  EXPECT_EQ(s.returns[0].alias_set, "a");
  EXPECT_TRUE(s.numbers_as_tensors);
}

TEST(ParseSchemaTest, BatchNormTupleAndOptionalTensors) {
  OpSchema s = Parse(
      "native_batch_norm(Tensor input, Tensor? weight, Tensor? bias, "
      "Tensor? running_mean, Tensor? running_var, bool training, "
      "float momentum, float eps) -> (Tensor, Tensor, Tensor)");
  EXPECT_EQ(s.name, "aten.native_batch_norm.default");
  ASSERT_EQ(s.args.size(), 8u);
  EXPECT_FALSE(s.args[0].type.optional);
  for (int i = 1; i <= 4; ++i) {
    EXPECT_EQ(s.args[i].type.base, Base::kTensor);
    EXPECT_TRUE(s.args[i].type.optional);
    EXPECT_FALSE(s.args[i].default_value.has_value());
  }
  EXPECT_EQ(s.args[5].type.base, Base::kBool);
  EXPECT_EQ(s.args[6].type.base, Base::kFloat);
  EXPECT_EQ(s.args[7].type.base, Base::kFloat);
  EXPECT_EQ(s.returns.size(), 3u);
  EXPECT_FALSE(s.returns_list);
}

TEST(ParseSchemaTest, SplitReturnsAliasedList) {
  OpSchema s = Parse(
      "split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) "
      "-> Tensor(a)[]");
  EXPECT_EQ(s.name, "aten.split.Tensor");
  ASSERT_EQ(s.args.size(), 3u);
  EXPECT_EQ(s.args[0].alias_set, "a");
  EXPECT_FALSE(s.args[0].mutated);
  EXPECT_EQ(s.args[1].type.base, Base::kInt);  // SymInt.
  EXPECT_FALSE(s.args[1].type.is_list);
  EXPECT_EQ(s.args[2].default_value, I(0));
  EXPECT_TRUE(s.returns_list);
  ASSERT_EQ(s.returns.size(), 1u);
  EXPECT_EQ(s.returns[0].alias_set, "a");
}

TEST(ParseSchemaTest, SumDimIntList) {
  OpSchema s = Parse(
      "sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, "
      "ScalarType? dtype=None) -> Tensor");
  EXPECT_EQ(s.name, "aten.sum.dim_IntList");
  ASSERT_EQ(s.args.size(), 4u);
  const ArgType& dim = s.args[1].type;
  EXPECT_EQ(dim.base, Base::kInt);
  EXPECT_TRUE(dim.is_list);
  EXPECT_EQ(dim.list_size, 1);
  EXPECT_TRUE(dim.optional);
  EXPECT_FALSE(dim.element_optional);
  EXPECT_FALSE(s.args[1].default_value.has_value());
  EXPECT_EQ(s.args[2].default_value, B(false));
  EXPECT_FALSE(s.args[2].keyword_only);
  EXPECT_EQ(s.args[3].type.base, Base::kScalarType);
  EXPECT_TRUE(s.args[3].type.optional);
  EXPECT_TRUE(s.args[3].keyword_only);
  EXPECT_EQ(s.args[3].default_value, None());
}

TEST(ParseSchemaTest, Convolution) {
  OpSchema s = Parse(
      "convolution(Tensor input, Tensor weight, Tensor? bias, int[] stride, "
      "SymInt[] padding, int[] dilation, bool transposed, "
      "SymInt[] output_padding, int groups) -> Tensor");
  ASSERT_EQ(s.args.size(), 9u);
  EXPECT_EQ(s.args[3].type.ToString(), "int[]");
  EXPECT_EQ(s.args[4].type.ToString(), "int[]");
  EXPECT_TRUE(s.args[4].type.is_list);
  EXPECT_EQ(s.args[4].type.list_size, 0);
  EXPECT_EQ(s.args[8].type.ToString(), "int");
}

TEST(ParseSchemaTest, NamedResults) {
  OpSchema s = Parse(
      "nll_loss_forward(Tensor self, Tensor target, Tensor? weight, "
      "int reduction, SymInt ignore_index) "
      "-> (Tensor output, Tensor total_weight)");
  ASSERT_EQ(s.returns.size(), 2u);
  EXPECT_EQ(s.returns[0].name, "output");
  EXPECT_EQ(s.returns[1].name, "total_weight");
}

TEST(ParseSchemaTest, ReductionNameDefaults) {
  OpSchema mean = Parse(
      "mse_loss(Tensor self, Tensor target, int reduction=Mean) -> Tensor");
  EXPECT_EQ(mean.args[2].default_value, I(1));
  OpSchema sum = Parse(
      "mse_loss(Tensor self, Tensor target, int reduction=Sum) -> Tensor");
  EXPECT_EQ(sum.args[2].default_value, I(2));
}

TEST(ParseSchemaTest, StringDefault) {
  OpSchema s = Parse("gelu(Tensor self, *, str approximate='none') -> Tensor");
  ASSERT_EQ(s.args.size(), 2u);
  EXPECT_EQ(s.args[1].type.base, Base::kString);
  EXPECT_TRUE(s.args[1].keyword_only);
  EXPECT_EQ(s.args[1].default_value, Argument::String("none"));
}

TEST(ParseSchemaTest, EmptyMemoryFormat) {
  OpSchema s = Parse(
      "empty.memory_format(SymInt[] size, *, ScalarType? dtype=None, "
      "Layout? layout=None, Device? device=None, bool? pin_memory=None, "
      "MemoryFormat? memory_format=None) -> Tensor");
  EXPECT_EQ(s.name, "aten.empty.memory_format");
  ASSERT_EQ(s.args.size(), 6u);
  EXPECT_FALSE(s.args[0].keyword_only);
  const Base bases[] = {Base::kScalarType, Base::kLayout, Base::kDevice,
                        Base::kBool, Base::kMemoryFormat};
  for (int i = 1; i < 6; ++i) {
    EXPECT_EQ(s.args[i].type.base, bases[i - 1]);
    EXPECT_TRUE(s.args[i].type.optional);
    EXPECT_TRUE(s.args[i].keyword_only);
    EXPECT_EQ(s.args[i].default_value, None());
  }
}

TEST(ParseSchemaTest, PrefixWhitespaceAndNoResults) {
  OpSchema s =
      Parse("  aten::foo_ ( Tensor(a!)  self ,*,int  n = -3 ) -> ( ) ");
  EXPECT_EQ(s.name, "aten.foo_.default");
  ASSERT_EQ(s.args.size(), 2u);
  EXPECT_TRUE(s.args[0].mutated);
  EXPECT_TRUE(s.args[1].keyword_only);
  EXPECT_EQ(s.args[1].default_value, I(-3));
  EXPECT_TRUE(s.returns.empty());
  EXPECT_FALSE(s.returns_list);
}

TEST(ParseSchemaTest, NoArguments) {
  OpSchema s = Parse("make() -> Tensor");
  EXPECT_TRUE(s.args.empty());
  EXPECT_EQ(s.returns.size(), 1u);
}

// Each supported type parses, and prints back as written (SymInt as int).
TEST(ParseSchemaTest, EveryType) {
  struct Case {
    std::string text;
    std::string printed;
    ArgType expected;
  };
  auto T = [](Base base, bool optional, bool is_list, int size,
              bool element_optional) {
    ArgType t;
    t.base = base;
    t.optional = optional;
    t.is_list = is_list;
    t.list_size = size;
    t.element_optional = element_optional;
    return t;
  };
  const Case cases[] = {
      {"Tensor", "Tensor", T(Base::kTensor, false, false, 0, false)},
      {"Tensor?", "Tensor?", T(Base::kTensor, true, false, 0, false)},
      {"Tensor[]", "Tensor[]", T(Base::kTensor, false, true, 0, false)},
      {"Tensor?[]", "Tensor?[]", T(Base::kTensor, false, true, 0, true)},
      {"int", "int", T(Base::kInt, false, false, 0, false)},
      {"SymInt", "int", T(Base::kInt, false, false, 0, false)},
      {"int?", "int?", T(Base::kInt, true, false, 0, false)},
      {"SymInt?", "int?", T(Base::kInt, true, false, 0, false)},
      {"int[]", "int[]", T(Base::kInt, false, true, 0, false)},
      {"int[2]", "int[2]", T(Base::kInt, false, true, 2, false)},
      {"SymInt[]", "int[]", T(Base::kInt, false, true, 0, false)},
      {"SymInt[2]", "int[2]", T(Base::kInt, false, true, 2, false)},
      {"int[1]?", "int[1]?", T(Base::kInt, true, true, 1, false)},
      {"SymInt[]?", "int[]?", T(Base::kInt, true, true, 0, false)},
      {"float", "float", T(Base::kFloat, false, false, 0, false)},
      {"float?", "float?", T(Base::kFloat, true, false, 0, false)},
      {"float[]?", "float[]?", T(Base::kFloat, true, true, 0, false)},
      {"bool", "bool", T(Base::kBool, false, false, 0, false)},
      {"bool?", "bool?", T(Base::kBool, true, false, 0, false)},
      {"bool[3]", "bool[3]", T(Base::kBool, false, true, 3, false)},
      {"Scalar", "Scalar", T(Base::kScalar, false, false, 0, false)},
      {"Scalar?", "Scalar?", T(Base::kScalar, true, false, 0, false)},
      {"ScalarType", "ScalarType",
       T(Base::kScalarType, false, false, 0, false)},
      {"ScalarType?", "ScalarType?",
       T(Base::kScalarType, true, false, 0, false)},
      {"Layout?", "Layout?", T(Base::kLayout, true, false, 0, false)},
      {"Device?", "Device?", T(Base::kDevice, true, false, 0, false)},
      {"MemoryFormat?", "MemoryFormat?",
       T(Base::kMemoryFormat, true, false, 0, false)},
      {"str", "str", T(Base::kString, false, false, 0, false)},
      {"str?", "str?", T(Base::kString, true, false, 0, false)},
      {"Generator?", "Generator?", T(Base::kGenerator, true, false, 0, false)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    OpSchema s = Parse("f(" + c.text + " x) -> Tensor");
    ASSERT_EQ(s.args.size(), 1u);
    EXPECT_EQ(s.args[0].type, c.expected);
    EXPECT_EQ(s.args[0].type.ToString(), c.printed);
  }
}

// Defaults are parsed and stored in canonical bound form.
TEST(ParseSchemaTest, Defaults) {
  struct Case {
    std::string arg;
    Argument expected;
  };
  const Case cases[] = {
      {"int x=0", I(0)},
      {"int x=-1", I(-1)},
      {"SymInt x=-100", I(-100)},
      {"float x=1.", F(1.0)},
      {"float x=1.0", F(1.0)},
      {"float x=1e-05", F(1e-05)},
      {"float x=0.5", F(0.5)},
      {"float x=-.25", F(-0.25)},
      {"float x=2", F(2.0)},  // An int literal for a float is converted.
      {"float? x=None", None()},
      {"bool x=True", B(true)},
      {"bool x=False", B(false)},
      {"Scalar x=1", I(1)},
      {"Scalar x=0.01", F(0.01)},
      {"Scalar x=-1", I(-1)},
      {"Scalar? x=None", None()},
      {"int? x=None", None()},
      {"int[] x=[]", L({})},
      {"int[2] x=[0,0]", Ints({0, 0})},
      {"int[2] x=[ 1 , -2 ]", Ints({1, -2})},
      {"int[1] x=[1]", Ints({1})},
      {"int[1] x=[]", L({})},
      {"int[2] x=0", Ints({0, 0})},
      {"int[3] x=1", Ints({1, 1, 1})},
      {"int[2] x=[3]", Ints({3, 3})},
      {"int[] x=4", Ints({4})},
      {"int[2] x=[]", L({})},
      {"int[1]? x=None", None()},
      {"bool[3] x=[True, False, True]", L({B(true), B(false), B(true)})},
      {"float[]? x=None", None()},
      {"float[] x=[1, 0.5]", L({F(1.0), F(0.5)})},
      {"str x='none'", Argument::String("none")},
      {"str x='tanh'", Argument::String("tanh")},
      {"str x=\"mean\"", Argument::String("mean")},
      {"str x=''", Argument::String("")},
      {"str? x=None", None()},
      {"int x=Mean", I(1)},
      {"int x=Sum", I(2)},
      {"MemoryFormat x=contiguous_format",
       Argument::MemoryFormat("contiguous_format")},
      {"MemoryFormat? x=preserve_format",
       Argument::MemoryFormat("preserve_format")},
      {"Layout? x=strided", Argument::Layout("strided")},
      {"Tensor? x=None", None()},
      {"Generator? x=None", None()},
      {"ScalarType? x=None", None()},
      {"Device? x=None", None()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.arg);
    OpSchema s = Parse("f(Tensor self, " + c.arg + ") -> Tensor");
    ASSERT_EQ(s.args.size(), 2u);
    ASSERT_TRUE(s.args[1].default_value.has_value());
    EXPECT_EQ(*s.args[1].default_value, c.expected);
  }
}

TEST(ParseSchemaTest, RejectsMalformedSignatures) {
  const std::string bad[] = {
      "",
      "add",
      "add(Tensor self",
      "add(Tensor self) ->",
      "add(Tensor self) Tensor",
      "add(Tensor self) - Tensor",
      "(Tensor self) -> Tensor",
      "add.(Tensor self) -> Tensor",
      "add(Tensor) -> Tensor",
      "add(Tensor self,) -> Tensor",
      "add(, Tensor self) -> Tensor",
      "add(Tensor self Tensor other) -> Tensor",
      "add(Foo self) -> Tensor",
      "add(tensor self) -> Tensor",
      "add(Tensor self, Tensor self) -> Tensor",
      "add(Tensor self, *, *, Scalar alpha=1) -> Tensor",
      "add(Tensor self, *) -> Tensor",
      "add(int(a) self) -> Tensor",
      "add(Tensor(a self) -> Tensor",
      "add(Tensor() self) -> Tensor",
      "add(Tensor self, int[0] x) -> Tensor",
      "add(Tensor self, int[ x) -> Tensor",
      "add(Tensor self, int[-1] x) -> Tensor",
      "add(Tensor self, int x=) -> Tensor",
      "add(Tensor self, int x=1.5) -> Tensor",
      "add(Tensor self, int x=True) -> Tensor",
      "add(Tensor self, int x=foo) -> Tensor",
      "add(Tensor self, int x=1x) -> Tensor",
      "add(Tensor self, int x=-) -> Tensor",
      "add(Tensor self, int x=99999999999999999999) -> Tensor",
      "add(Tensor self, float x=1e) -> Tensor",
      "add(Tensor self, float x=1.5.) -> Tensor",
      "add(Tensor self, bool x=None) -> Tensor",
      "add(Tensor self, bool x=1) -> Tensor",
      "add(Tensor self, int[2] x=[1,2,3]) -> Tensor",
      "add(Tensor self, int[] x=[1,[2]]) -> Tensor",
      "add(Tensor self, int[] x=[1,2) -> Tensor",
      "add(Tensor self, int[] x=[1.5]) -> Tensor",
      "add(Tensor self, str x='none) -> Tensor",
      "add(Tensor self, str x=none) -> Tensor",
      "add(Tensor self, float x=Mean) -> Tensor",
      "add(Tensor self, MemoryFormat? x=cuda) -> Tensor",
      "add(Tensor self, Tensor x=0) -> Tensor",
      "add(Tensor self, Generator x=0) -> Tensor",
      "add(Tensor self) -> int",
      "add(Tensor self) -> Tensor?",
      "add(Tensor self) -> Tensor[2]",
      "add(Tensor self) -> (Tensor, Tensor[])",
      "add(Tensor self) -> (Tensor, int)",
      "add(Tensor self) -> (Tensor, Tensor",
      "add(Tensor self) -> Tensor junk more",
      "add(Tensor self) -> Tensor)",
  };
  for (const std::string& signature : bad) {
    absl::StatusOr<OpSchema> schema = ParseSchema(signature);
    EXPECT_EQ(schema.status().code(), absl::StatusCode::kInvalidArgument)
        << "accepted: " << signature;
  }
}

TEST(ParseSchemaTest, ErrorsSayWhereAndWhat) {
  absl::StatusOr<OpSchema> schema =
      ParseSchema("add(Tensor self, Foo other) -> Tensor");
  ASSERT_FALSE(schema.ok());
  EXPECT_THAT(schema.status().message(), HasSubstr("column 18"));
  EXPECT_THAT(schema.status().message(), HasSubstr("unknown type 'Foo'"));

  schema = ParseSchema("f(Tensor self, int[2] k=[1,2,3]) -> Tensor");
  ASSERT_FALSE(schema.ok());
  EXPECT_THAT(schema.status().message(), HasSubstr("default of 'k'"));
  EXPECT_THAT(schema.status().message(),
              HasSubstr("expected int[2], got a list of length 3"));
}

// ---------------------------------------------------------------- binding

class BindTest : public ::testing::Test {
 protected:
  const OpSchema addmm_ = Parse(
      "addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, "
      "Scalar alpha=1) -> Tensor");
  const OpSchema add_ = Parse(
      "add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor");
  const OpSchema mm_ = Parse("mm(Tensor self, Tensor mat2) -> Tensor");
  const OpSchema max_pool_ = Parse(
      "max_pool2d_with_indices(Tensor self, int[2] kernel_size, "
      "int[2] stride=[], int[2] padding=0, int[2] dilation=1, "
      "bool ceil_mode=False) -> (Tensor, Tensor)");
  const OpSchema sum_ = Parse(
      "sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, "
      "ScalarType? dtype=None) -> Tensor");
  const OpSchema batch_norm_ = Parse(
      "native_batch_norm(Tensor input, Tensor? weight, Tensor? bias, "
      "Tensor? running_mean, Tensor? running_var, bool training, "
      "float momentum, float eps) -> (Tensor, Tensor, Tensor)");
  // Every kind of argument, for the type checks.
  const OpSchema all_ = Parse(
      "all_types(Tensor t, Tensor? ot, Tensor[] tl, Tensor?[] otl, int i, "
      "int? oi, int[] il, int[2] i2, float f, float? of, float[]? ofl, "
      "bool b, bool[3] b3, Scalar s, Scalar? os, ScalarType st, "
      "ScalarType? ost, Layout? lay, Device? dev, MemoryFormat? mf, str str, "
      "str? ostr, Generator? gen) -> Tensor");

  // A valid argument for every parameter of all_.
  std::vector<Argument> AllValid() const {
    return {V(0),
            None(),
            L({V(1), V(2)}),
            L({V(1), None()}),
            I(3),
            None(),
            Ints({1, 2, 3}),
            Ints({1, 2}),
            F(0.5),
            None(),
            None(),
            B(true),
            L({B(true), B(false), B(true)}),
            I(1),
            None(),
            Argument::DTypeArg(ir::DType::kFloat32),
            None(),
            Argument::Layout("strided"),
            Argument::Device("cpu"),
            Argument::MemoryFormat("contiguous_format"),
            Argument::String("x"),
            None(),
            None()};
  }

  // Binds all_ with `arg` in place of the argument called `name`.
  absl::Status BindAllWith(const std::string& name, Argument arg) const {
    std::vector<Argument> args = AllValid();
    args[all_.ArgIndex(name)] = std::move(arg);
    return BindArguments(all_, std::move(args), {}).status();
  }
};

TEST_F(BindTest, FillsDefaults) {
  absl::StatusOr<std::vector<Argument>> args =
      BindArguments(addmm_, {V(0), V(1), V(2)}, {});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(*args, (std::vector<Argument>{V(0), V(1), V(2), I(1), I(1)}));
}

TEST_F(BindTest, PlacesKeywordArguments) {
  absl::StatusOr<std::vector<Argument>> args = BindArguments(
      addmm_, {V(0)}, {{"alpha", F(0.5)}, {"mat2", V(2)}, {"mat1", V(1)}});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(*args, (std::vector<Argument>{V(0), V(1), V(2), I(1), F(0.5)}));

  args = BindArguments(mm_, {}, {{"mat2", V(4)}, {"self", V(3)}});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(*args, (std::vector<Argument>{V(3), V(4)}));
}

TEST_F(BindTest, ExpandsFixedSizeIntLists) {
  absl::StatusOr<std::vector<Argument>> args =
      BindArguments(max_pool_, {V(0), I(2)}, {{"padding", I(1)}});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(*args,
            (std::vector<Argument>{V(0), Ints({2, 2}), L({}), Ints({1, 1}),
                                   Ints({1, 1}), B(false)}));

  args = BindArguments(max_pool_, {V(0), Ints({3}), Ints({2, 1})},
                       {{"dilation", Ints({2})}, {"ceil_mode", B(true)}});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(*args,
            (std::vector<Argument>{V(0), Ints({3, 3}), Ints({2, 1}),
                                   Ints({0, 0}), Ints({2, 2}), B(true)}));
}

TEST_F(BindTest, DimListsTakeAnyLengthOrOneInt) {
  absl::StatusOr<std::vector<Argument>> args =
      BindArguments(sum_, {V(0), I(-1)}, {});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ((*args)[1], Ints({-1}));

  args = BindArguments(sum_, {V(0), Ints({0, 1, 2}), B(true)}, {});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ((*args)[1], Ints({0, 1, 2}));
  EXPECT_EQ((*args)[2], B(true));
  EXPECT_EQ((*args)[3], None());

  args = BindArguments(sum_, {V(0), None()},
                       {{"dtype", Argument::DTypeArg(ir::DType::kFloat64)}});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ((*args)[1], None());
  EXPECT_EQ((*args)[3], Argument::DTypeArg(ir::DType::kFloat64));
}

TEST_F(BindTest, FloatsAreNormalizedScalarsKeepTheirKind) {
  absl::StatusOr<std::vector<Argument>> args = BindArguments(
      batch_norm_, {V(0), V(1), V(2), V(3), V(4), B(true), I(0), F(1e-5)}, {});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ((*args)[6], F(0.0));
  EXPECT_EQ((*args)[6].kind(), Argument::Kind::kFloat);
  EXPECT_EQ((*args)[7], F(1e-5));

  for (const Argument& alpha : {I(2), F(2.5), B(true)}) {
    args = BindArguments(add_, {V(0), V(1)}, {{"alpha", alpha}});
    ASSERT_TRUE(args.ok()) << args.status();
    EXPECT_EQ((*args)[2], alpha);
  }

  OpSchema scales = Parse("f(float[]? s) -> Tensor");
  args = BindArguments(scales, {L({I(2), F(1.5)})}, {});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ((*args)[0], L({F(2.0), F(1.5)}));
}

TEST_F(BindTest, AcceptsEveryKindItsTypeAllows) {
  absl::StatusOr<std::vector<Argument>> args =
      BindArguments(all_, AllValid(), {});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(*args, AllValid());

  EXPECT_TRUE(BindAllWith("ot", V(5)).ok());
  EXPECT_TRUE(BindAllWith("tl", L({})).ok());
  EXPECT_TRUE(BindAllWith("otl", L({None(), None()})).ok());
  EXPECT_TRUE(BindAllWith("oi", I(-4)).ok());
  EXPECT_TRUE(BindAllWith("il", L({})).ok());
  EXPECT_TRUE(BindAllWith("il", I(7)).ok());
  EXPECT_TRUE(BindAllWith("i2", L({})).ok());
  EXPECT_TRUE(BindAllWith("f", I(3)).ok());
  EXPECT_TRUE(BindAllWith("of", F(1.0)).ok());
  EXPECT_TRUE(BindAllWith("ofl", L({F(1.0), F(2.0)})).ok());
  EXPECT_TRUE(BindAllWith("s", F(1.5)).ok());
  EXPECT_TRUE(BindAllWith("s", B(false)).ok());
  EXPECT_TRUE(BindAllWith("os", I(1)).ok());
  EXPECT_TRUE(BindAllWith("ost", Argument::DTypeArg(ir::DType::kInt64)).ok());
  EXPECT_TRUE(BindAllWith("lay", None()).ok());
  EXPECT_TRUE(BindAllWith("dev", None()).ok());
  EXPECT_TRUE(BindAllWith("mf", None()).ok());
  EXPECT_TRUE(BindAllWith("ostr", Argument::String("floor")).ok());
}

// Every wrong kind is INVALID_ARGUMENT and the message names the argument,
// the op, and what is wrong.
TEST_F(BindTest, RejectsWrongKinds) {
  struct Case {
    std::string name;
    Argument arg;
    std::string what;
  };
  const Case cases[] = {
      {"t", I(1), "expected Tensor, got int"},
      {"t", None(), "expected Tensor, got None"},
      {"t", L({V(1)}), "expected Tensor, got list"},
      {"ot", F(1.0), "expected Tensor?, got float"},
      {"tl", V(1), "expected Tensor[], got Tensor"},
      {"tl", None(), "expected Tensor[], got None"},
      {"tl", L({V(1), None()}),
       "item 1 does not fit: expected Tensor, got None"},
      {"tl", L({V(1), I(2)}), "item 1 does not fit: expected Tensor, got int"},
      {"otl", L({I(1)}), "item 0 does not fit: expected Tensor?, got int"},
      {"i", B(true), "expected int, got bool"},
      {"i", F(1.0), "expected int, got float"},
      {"i", None(), "expected int, got None"},
      {"i", V(0), "expected int, got Tensor"},
      {"oi", F(2.0), "expected int?, got float"},
      {"il", F(1.0), "expected int[], got float"},
      {"il", B(true), "expected int[], got bool"},
      {"il", None(), "expected int[], got None"},
      {"il", L({I(1), F(2.0)}), "item 1 does not fit: expected int, got float"},
      {"il", L({B(true)}), "item 0 does not fit: expected int, got bool"},
      {"i2", Ints({1, 2, 3}), "expected int[2], got a list of length 3"},
      {"f", B(true), "expected float, got bool"},
      {"f", Argument::String("1.0"), "expected float, got str"},
      {"f", None(), "expected float, got None"},
      {"ofl", F(1.0), "expected float[]?, got float"},
      {"b", I(1), "expected bool, got int"},
      {"b3", B(true), "expected bool[3], got bool"},
      {"b3", L({B(true), B(false)}),
       "expected bool[3], got a list of length 2"},
      {"b3", L({}), "expected bool[3], got a list of length 0"},
      {"s", Argument::String("1"), "expected Scalar, got str"},
      {"s", V(1), "expected Scalar, got Tensor"},
      {"s", None(), "expected Scalar, got None"},
      {"st", Argument::String("float32"), "expected ScalarType, got str"},
      {"st", None(), "expected ScalarType, got None"},
      {"ost", I(6), "expected ScalarType?, got int"},
      {"lay", Argument::String("strided"), "expected Layout?, got str"},
      {"dev", Argument::String("cpu"), "expected Device?, got str"},
      {"mf", Argument::String("contiguous_format"),
       "expected MemoryFormat?, got str"},
      {"mf", Argument::Layout("strided"), "expected MemoryFormat?, got Layout"},
      {"str", I(0), "expected str, got int"},
      {"str", None(), "expected str, got None"},
      {"gen", I(0), "expected Generator?, got int"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name + ": " + c.what);
    absl::Status status = BindAllWith(c.name, c.arg);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("argument '" + c.name +
                                            "' of aten.all_types.default: "));
    EXPECT_THAT(status.message(), HasSubstr(c.what));
  }
}

TEST_F(BindTest, ExactMessageForAWrongKind) {
  absl::StatusOr<std::vector<Argument>> args =
      BindArguments(addmm_, {V(0), I(1), V(2)}, {});
  EXPECT_EQ(
      args.status(),
      absl::InvalidArgumentError(
          "argument 'mat1' of aten.addmm.default: expected Tensor, got int"));
}

TEST_F(BindTest, RejectsTooManyPositionalArguments) {
  absl::StatusOr<std::vector<Argument>> args =
      BindArguments(mm_, {V(0), V(1), V(2)}, {});
  EXPECT_EQ(args.status(),
            absl::InvalidArgumentError(
                "aten.mm.default takes 2 positional arguments, got 3"));
}

TEST_F(BindTest, RejectsKeywordOnlyGivenPositionally) {
  absl::StatusOr<std::vector<Argument>> args =
      BindArguments(addmm_, {V(0), V(1), V(2), I(1)}, {});
  EXPECT_EQ(args.status(),
            absl::InvalidArgumentError("argument 'beta' of aten.addmm.default: "
                                       "keyword-only, but given positionally"));
}

TEST_F(BindTest, RejectsUnknownKeyword) {
  absl::StatusOr<std::vector<Argument>> args =
      BindArguments(add_, {V(0), V(1)}, {{"beta", I(1)}});
  EXPECT_EQ(args.status(), absl::InvalidArgumentError(
                               "aten.add.Tensor has no argument named 'beta'"));
}

TEST_F(BindTest, RejectsArgumentGivenTwice) {
  absl::StatusOr<std::vector<Argument>> args =
      BindArguments(add_, {V(0), V(1)}, {{"other", V(2)}});
  EXPECT_EQ(args.status(),
            absl::InvalidArgumentError(
                "argument 'other' of aten.add.Tensor: given twice"));

  args = BindArguments(add_, {V(0), V(1)}, {{"alpha", I(1)}, {"alpha", I(2)}});
  EXPECT_EQ(args.status(),
            absl::InvalidArgumentError(
                "argument 'alpha' of aten.add.Tensor: given twice"));
}

TEST_F(BindTest, RejectsMissingRequiredArgument) {
  absl::StatusOr<std::vector<Argument>> args = BindArguments(mm_, {V(0)}, {});
  EXPECT_EQ(args.status(),
            absl::InvalidArgumentError(
                "argument 'mat2' of aten.mm.default: required, but not given"));

  // An optional type without a default is still required.
  args = BindArguments(sum_, {V(0)}, {});
  EXPECT_EQ(args.status(), absl::InvalidArgumentError(
                               "argument 'dim' of aten.sum.dim_IntList: "
                               "required, but not given"));
}

TEST_F(BindTest, NumbersAsTensorsOnlyForArithmeticOps) {
  OpSchema mul = Parse("mul.Tensor(Tensor self, Tensor other) -> Tensor");
  ASSERT_TRUE(mul.numbers_as_tensors);
  absl::StatusOr<std::vector<Argument>> args =
      BindArguments(mul, {V(0), F(0.25)}, {});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(*args, (std::vector<Argument>{V(0), F(0.25)}));

  OpSchema add_inplace = Parse(
      "add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) "
      "-> Tensor(a!)");
  args = BindArguments(add_inplace, {V(0), I(1)}, {});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(*args, (std::vector<Argument>{V(0), I(1), I(1)}));
  EXPECT_TRUE(CheckBoundArguments(add_inplace, *args).ok());

  // Still not None, strings or lists.
  EXPECT_FALSE(BindArguments(mul, {V(0), None()}, {}).ok());
  EXPECT_FALSE(BindArguments(mul, {V(0), Argument::String("2")}, {}).ok());
  EXPECT_FALSE(BindArguments(mul, {V(0), L({I(1)})}, {}).ok());

  OpSchema where = Parse(
      "where.self(Tensor condition, Tensor self, Tensor other) -> Tensor");
  EXPECT_FALSE(where.numbers_as_tensors);
  EXPECT_EQ(BindArguments(where, {V(0), V(1), F(0.0)}, {}).status(),
            absl::InvalidArgumentError("argument 'other' of "
                                       "aten.where.self: expected Tensor, got "
                                       "float"));
}

TEST_F(BindTest, KeywordValuesAreCheckedToo) {
  absl::StatusOr<std::vector<Argument>> args =
      BindArguments(add_, {V(0), V(1)}, {{"alpha", V(2)}});
  EXPECT_EQ(args.status(),
            absl::InvalidArgumentError(
                "argument 'alpha' of aten.add.Tensor: expected Scalar, got "
                "Tensor"));
}

// ---------------------------------------------------------------- checking

TEST_F(BindTest, CheckAcceptsBoundArguments) {
  struct Call {
    const OpSchema* schema;
    std::vector<Argument> positional;
    Kwargs kwargs;
  };
  const Call calls[] = {
      {&addmm_, {V(0), V(1), V(2)}, {{"beta", F(0.5)}}},
      {&max_pool_, {V(0), I(2)}, {}},
      {&sum_, {V(0), I(1)}, {}},
      {&batch_norm_,
       {V(0), None(), None(), None(), None(), B(false), I(0), I(0)},
       {}},
      {&all_, AllValid(), {}},
  };
  for (const Call& call : calls) {
    SCOPED_TRACE(call.schema->name);
    absl::StatusOr<std::vector<Argument>> args =
        BindArguments(*call.schema, call.positional, call.kwargs);
    ASSERT_TRUE(args.ok()) << args.status();
    EXPECT_TRUE(CheckBoundArguments(*call.schema, *args).ok());
  }
}

TEST_F(BindTest, CheckRequiresExactCount) {
  EXPECT_EQ(CheckBoundArguments(addmm_, {V(0), V(1), V(2)}),
            absl::InvalidArgumentError(
                "aten.addmm.default takes 5 arguments, got 3"));
  EXPECT_EQ(CheckBoundArguments(mm_, {V(0), V(1), V(2)}).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(BindTest, CheckRequiresCanonicalForm) {
  // An int where a float belongs.
  EXPECT_EQ(CheckBoundArguments(batch_norm_, {V(0), None(), None(), None(),
                                              None(), B(true), F(0.1), I(0)}),
            absl::InvalidArgumentError("argument 'eps' of "
                                       "aten.native_batch_norm.default: "
                                       "expected float, got int"));
  // A bare int or a one-item list where int[2] belongs.
  const std::vector<Argument> bound = {V(0),         Ints({2, 2}), L({}),
                                       Ints({0, 0}), Ints({1, 1}), B(false)};
  EXPECT_TRUE(CheckBoundArguments(max_pool_, bound).ok());
  std::vector<Argument> args = bound;
  args[1] = I(2);
  EXPECT_EQ(
      CheckBoundArguments(max_pool_, args),
      absl::InvalidArgumentError(
          "argument 'kernel_size' of aten.max_pool2d_with_indices.default: "
          "expected int[2], got int"));
  args[1] = Ints({2});
  EXPECT_EQ(
      CheckBoundArguments(max_pool_, args),
      absl::InvalidArgumentError(
          "argument 'kernel_size' of aten.max_pool2d_with_indices.default: "
          "expected int[2], got a list of length 1"));
  // A bare int for a dim list.
  EXPECT_FALSE(CheckBoundArguments(sum_, {V(0), I(1), B(false), None()}).ok());
  EXPECT_TRUE(
      CheckBoundArguments(sum_, {V(0), Ints({1}), B(false), None()}).ok());
  // Wrong kinds, as in binding.
  EXPECT_EQ(
      CheckBoundArguments(mm_, {V(0), I(1)}),
      absl::InvalidArgumentError(
          "argument 'mat2' of aten.mm.default: expected Tensor, got int"));
  EXPECT_FALSE(
      CheckBoundArguments(addmm_, {V(0), V(1), V(2), I(1), None()}).ok());
}

}  // namespace
}  // namespace aotd::ops
