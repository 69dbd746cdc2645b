#include "compiler/reference/npy.h"

#include "gtest/gtest.h"

namespace aotd::reference {
namespace {

TEST(NpyTest, RoundTripsEveryDtype) {
  for (DType d : {DType::kFloat32, DType::kFloat64, DType::kInt64, DType::kInt32, DType::kBool,
                  DType::kUInt8}) {
    HostTensor t(d, {2, 3});
    for (int i = 0; i < 6; ++i) t.data[i] = d == DType::kBool ? i % 2 : i * 1.5 - 2;
    t.RoundToDType();
    absl::StatusOr<HostTensor> back = ParseNpy(SerializeNpy(t));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->dtype, d);
    EXPECT_EQ(back->shape, t.shape);
    EXPECT_EQ(back->data, t.data);
  }
}

TEST(NpyTest, ReadsRecordedWorkloadVectors) {
  absl::StatusOr<HostTensor> t = ReadNpy("tests/testdata/workloads/e_loss/small/vectors/in_1.npy");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->dtype, DType::kInt64);
  EXPECT_EQ(t->shape, Dims({8}));
  for (double v : t->data) {
    EXPECT_GE(v, 0);
    EXPECT_LT(v, 10);
  }
}

TEST(NpyTest, RejectsGarbage) {
  EXPECT_EQ(ParseNpy("hello").status().code(), absl::StatusCode::kInvalidArgument);
  std::string bytes = SerializeNpy(HostTensor(DType::kFloat32, {4}));
  EXPECT_EQ(ParseNpy(bytes.substr(0, bytes.size() - 1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aotd::reference
