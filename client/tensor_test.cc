#include "client/tensor.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aotd::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A DLManagedTensor over a vector of floats, as a producer such as PyTorch
// would hand out; counts its deleter calls.
struct Producer {
  std::vector<float> values;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  DLManagedTensor managed{};
  int* deleted;
};

DLManagedTensor* Produce(std::vector<float> values, std::vector<int64_t> shape,
                         std::vector<int64_t> strides, int* deleted) {
  auto* producer = new Producer{std::move(values), std::move(shape),
                                std::move(strides), {}, deleted};
  DLTensor& dl = producer->managed.dl_tensor;
  dl.data = producer->values.data();
  dl.device = {kDLCPU, 0};
  dl.ndim = static_cast<int>(producer->shape.size());
  dl.dtype = {kDLFloat, 32, 1};
  dl.shape = producer->shape.data();
  dl.strides = producer->strides.empty() ? nullptr : producer->strides.data();
  dl.byte_offset = 0;
  producer->managed.manager_ctx = producer;
  producer->managed.deleter = [](DLManagedTensor* self) {
    auto* p = static_cast<Producer*>(self->manager_ctx);
    ++*p->deleted;
    delete p;
  };
  return &producer->managed;
}

TEST(TensorTest, AllocateComputesSizes) {
  absl::StatusOr<Tensor> t = Tensor::Allocate(proto::FLOAT32, {2, 3}, {1, 2});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_elements(), 6);
  EXPECT_EQ(t->byte_size(), 24);
  EXPECT_FALSE(t->is_contiguous());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t->data()) % 64, 0u);

  absl::StatusOr<Tensor> scalar = Tensor::AllocateContiguous(proto::INT64, {});
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(scalar->num_elements(), 1);
  EXPECT_EQ(scalar->byte_size(), 8);
  EXPECT_TRUE(scalar->is_contiguous());

  absl::StatusOr<Tensor> empty = Tensor::AllocateContiguous(proto::FLOAT32, {0, 4});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->byte_size(), 0);
  EXPECT_NE(empty->data(), nullptr);
}

TEST(TensorTest, InvalidLayoutsAreRefused) {
  EXPECT_EQ(Tensor::Allocate(proto::FLOAT32, {2, 3}, {1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Tensor::Allocate(proto::FLOAT32, {2, -3}, {3, 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Tensor::Allocate(proto::DTYPE_UNSPECIFIED, {2}, {1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status huge = Tensor::ValidateLayout(
      proto::FLOAT32, {int64_t{1} << 30, int64_t{1} << 30}, {int64_t{1} << 30, 1});
  EXPECT_EQ(huge.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(huge.message(), HasSubstr("2^48"));
  EXPECT_EQ(Tensor::Borrow(proto::FLOAT32, {2}, {1}, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TensorTest, ContiguousStridesAndLayouts) {
  EXPECT_THAT(ContiguousStrides({2, 3, 4}), ElementsAre(12, 4, 1));
  EXPECT_THAT(ContiguousStrides({2, 0, 4}), ElementsAre(4, 4, 1));
  EXPECT_TRUE(SameLayout({1, 3}, {3, 1}, {1, 1}));
  EXPECT_TRUE(SameLayout({0, 3}, {3, 1}, {7, 9}));
  EXPECT_FALSE(SameLayout({2, 3}, {3, 1}, {1, 2}));
  EXPECT_EQ(DescribeLayout(proto::BFLOAT16, {2, 3}, {3, 1}),
            "bfloat16[2, 3] strides [3, 1]");
}

TEST(TensorTest, CopyElementsHonoursBothStrides) {
  float source_data[6] = {1, 2, 3, 4, 5, 6};  // [2, 3] row-major.
  float destination_data[6] = {};
  absl::StatusOr<Tensor> source =
      Tensor::Borrow(proto::FLOAT32, {2, 3}, {3, 1}, source_data);
  absl::StatusOr<Tensor> destination =
      Tensor::Borrow(proto::FLOAT32, {2, 3}, {1, 2}, destination_data);
  ASSERT_TRUE(source.ok() && destination.ok());
  ASSERT_TRUE(CopyElements(*source, *destination).ok());
  EXPECT_THAT(destination_data, ElementsAre(1, 4, 2, 5, 3, 6));

  absl::StatusOr<Tensor> other_shape =
      Tensor::Borrow(proto::FLOAT32, {3, 2}, {2, 1}, destination_data);
  ASSERT_TRUE(other_shape.ok());
  EXPECT_EQ(CopyElements(*source, *other_shape).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TensorTest, FromDLPackIsZeroCopyAndDeletesOnce) {
  int deleted = 0;
  DLManagedTensor* managed = Produce({1, 2, 3, 4, 5, 6}, {2, 3}, {1, 2}, &deleted);
  void* producer_data = managed->dl_tensor.data;
  {
    absl::StatusOr<Tensor> t = Tensor::FromDLPack(managed);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->data(), producer_data);
    EXPECT_EQ(t->dtype(), proto::FLOAT32);
    EXPECT_THAT(t->shape(), ElementsAre(2, 3));
    EXPECT_THAT(t->strides(), ElementsAre(1, 2));
    Tensor copy = *t;  // A second handle to the same memory.
    t = absl::StatusOr<Tensor>(Tensor());
    EXPECT_EQ(deleted, 0);
    EXPECT_EQ(copy.data(), producer_data);
  }
  EXPECT_EQ(deleted, 1);
}

TEST(TensorTest, FromDLPackHandlesOffsetAndNullStrides) {
  int deleted = 0;
  DLManagedTensor* managed = Produce({0, 1, 2, 3}, {3}, {}, &deleted);
  managed->dl_tensor.byte_offset = sizeof(float);
  absl::StatusOr<Tensor> t = Tensor::FromDLPack(managed);
  ASSERT_TRUE(t.ok());
  EXPECT_THAT(t->strides(), ElementsAre(1));
  EXPECT_EQ(*static_cast<float*>(t->data()), 1.0f);
}

TEST(TensorTest, FromDLPackRefusesWithoutTakingOwnership) {
  int deleted = 0;
  DLManagedTensor* managed = Produce({1, 2}, {2}, {}, &deleted);
  managed->dl_tensor.device.device_type = kDLCUDA;
  absl::StatusOr<Tensor> t = Tensor::FromDLPack(managed);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr("CPU"));
  managed->dl_tensor.device.device_type = kDLCPU;
  managed->dl_tensor.dtype.lanes = 4;
  EXPECT_EQ(Tensor::FromDLPack(managed).status().code(),
            absl::StatusCode::kInvalidArgument);
  managed->dl_tensor.dtype = {kDLComplex, 64, 1};
  EXPECT_EQ(Tensor::FromDLPack(managed).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(deleted, 0);
  managed->deleter(managed);
  EXPECT_EQ(deleted, 1);
}

TEST(TensorTest, ToDLPackSharesOwnership) {
  absl::StatusOr<Tensor> t = Tensor::Allocate(proto::INT32, {2, 2}, {1, 2});
  ASSERT_TRUE(t.ok());
  int32_t* data = static_cast<int32_t*>(t->data());
  for (int i = 0; i < 4; ++i) data[i] = i;
  DLManagedTensor* exported = t->ToDLPack();
  t = absl::StatusOr<Tensor>(Tensor());  // The export keeps the memory alive.
  const DLTensor& dl = exported->dl_tensor;
  EXPECT_EQ(dl.data, data);
  EXPECT_EQ(dl.device.device_type, kDLCPU);
  EXPECT_EQ(dl.ndim, 2);
  EXPECT_EQ(dl.dtype.code, kDLInt);
  EXPECT_EQ(dl.dtype.bits, 32);
  EXPECT_EQ(dl.dtype.lanes, 1);
  EXPECT_EQ(dl.strides[0], 1);
  EXPECT_EQ(dl.strides[1], 2);
  EXPECT_EQ(static_cast<int32_t*>(dl.data)[3], 3);

  // Round trip: importing the export is zero copy too.
  absl::StatusOr<Tensor> back = Tensor::FromDLPack(exported);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->data(), data);
  EXPECT_EQ(back->dtype(), proto::INT32);
  EXPECT_THAT(back->strides(), ElementsAre(1, 2));
}

TEST(TensorTest, DLPackDTypesRoundTrip) {
  for (proto::DType dtype :
       {proto::FLOAT32, proto::FLOAT64, proto::FLOAT16, proto::BFLOAT16,
        proto::INT64, proto::INT32, proto::INT16, proto::INT8, proto::UINT8,
        proto::BOOL}) {
    absl::StatusOr<Tensor> t = Tensor::AllocateContiguous(dtype, {3});
    ASSERT_TRUE(t.ok());
    DLManagedTensor* exported = t->ToDLPack();
    EXPECT_EQ(exported->dl_tensor.dtype.bits, t->item_size() * 8);
    absl::StatusOr<Tensor> back = Tensor::FromDLPack(exported);
    ASSERT_TRUE(back.ok()) << DTypeName(dtype);
    EXPECT_EQ(back->dtype(), dtype) << DTypeName(dtype);
  }
}

}  // namespace
}  // namespace aotd::client
