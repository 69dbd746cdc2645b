#include "compiler/pipeline/compile.h"

#include <string>

#include "absl/status/statusor.h"
#include "compiler/ir/text.h"
#include "compiler/toolchain/toolchain.h"
#include "gtest/gtest.h"

namespace aotd::pipeline {
namespace {

// Keeps the sources it is asked to compile and compiles nothing.
class RecordingToolchain final : public toolchain::Toolchain {
 public:
  absl::StatusOr<std::string> CompileSharedObject(const toolchain::SharedObjectSources& unit) override {
    unit_ = unit;
    return absl::CancelledError("recorded");
  }
  std::string CpuLevel() const override { return "x86-64-v3"; }
  std::string Fingerprint() const override { return "recording"; }

  const toolchain::SharedObjectSources& unit() const { return unit_; }

 private:
  toolchain::SharedObjectSources unit_;
};

TEST(CompileTest, GeneratedSourceHoldsNoRuntimeKernels) {
  absl::StatusOr<ir::Graph> forward = ir::ParseGraph(R"(graph(
  %x: f32[8,16] requires_grad,
  %w: f32[16,4] requires_grad
) {
  %y = aten.mm.default(%x, %w) : f32[8,4]
  %z = aten.tanh.default(%y) : f32[8,4]
  return (%z)
}
)");
  ASSERT_TRUE(forward.ok()) << forward.status();
  RecordingToolchain toolchain;
  absl::StatusOr<proto::Artifact> artifact = Compile(*forward, {}, toolchain);
  ASSERT_EQ(artifact.status().code(), absl::StatusCode::kCancelled) << artifact.status();

  const toolchain::SharedObjectSources& unit = toolchain.unit();
  // The forward and the backward, each its own unit (compiled in parallel).
  ASSERT_EQ(unit.units.size(), 2u);
  EXPECT_NE(unit.units[1].find("extern \"C\" int aotd_backward("), std::string::npos);
  EXPECT_EQ(unit.units[1].find("aotd_forward"), std::string::npos);
  const std::string source = unit.units[0] + unit.units[1];
  // The graph's own loops and kernel calls, nothing of the kernels.
  EXPECT_LT(source.size(), 15000u);
  EXPECT_NE(source.find("#include \"aotd_runtime.h\""), std::string::npos);
  EXPECT_NE(source.find("aotd_rt::mm("), std::string::npos) << source;
  EXPECT_EQ(source.find("namespace aotd_rt"), std::string::npos);
  EXPECT_EQ(source.find("template <"), std::string::npos);
  EXPECT_EQ(source.find("cblas"), std::string::npos);
  EXPECT_NE(source.find("extern \"C\" int aotd_forward("), std::string::npos);

  // The kernels come as the declarations header and the archive.
  ASSERT_EQ(unit.headers.size(), 1u);
  EXPECT_EQ(unit.headers[0].name, "aotd_runtime.h");
  EXPECT_NE(unit.headers[0].contents.find("void mm(Ref<const T> self"), std::string::npos);
  ASSERT_EQ(unit.archives.size(), 1u);
  EXPECT_EQ(unit.archives[0].contents.substr(0, 8), "!<arch>\n");
}

}  // namespace
}  // namespace aotd::pipeline
