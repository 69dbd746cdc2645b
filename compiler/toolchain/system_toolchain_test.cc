#include "compiler/toolchain/toolchain.h"

#include <algorithm>
#include <iterator>

#include "gtest/gtest.h"

namespace aotd::toolchain {
namespace {

TEST(SystemToolchainTest, CompilesASharedObject) {
  std::unique_ptr<Toolchain> tc = NewSystemToolchain();
  absl::StatusOr<std::string> so =
      tc->CompileSharedObject({{"extern \"C\" int answer() { return 42; }\n"}});
  ASSERT_TRUE(so.ok()) << so.status();
  ASSERT_GT(so->size(), 4u);
  EXPECT_EQ(so->substr(0, 4), "\x7f" "ELF");
}

TEST(SystemToolchainTest, CompileErrorsAreInternalWithTheMessage) {
  std::unique_ptr<Toolchain> tc = NewSystemToolchain();
  absl::StatusOr<std::string> so = tc->CompileSharedObject({{"int broken( { }\n"}});
  EXPECT_EQ(so.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(so.status().message().find("error"), std::string::npos) << so.status();
}

TEST(SystemToolchainTest, TimeLimitStopsTheCompiler) {
  SystemToolchainOptions options;
  options.time_limit = absl::Milliseconds(1);
  std::unique_ptr<Toolchain> tc = NewSystemToolchain(options);
  absl::StatusOr<std::string> so = tc->CompileSharedObject({{"int f() { return 1; }\n"}});
  EXPECT_EQ(so.status().code(), absl::StatusCode::kDeadlineExceeded) << so.status();
}

TEST(SystemToolchainTest, MissingCompilerIsUnavailable) {
  SystemToolchainOptions options;
  options.compiler = "/nonexistent/g++";
  absl::StatusOr<std::string> so = NewSystemToolchain(options)->CompileSharedObject({{"int f();"}});
  EXPECT_EQ(so.status().code(), absl::StatusCode::kUnavailable) << so.status();
}

TEST(SystemToolchainTest, HeadersAreWrittenNextToTheSource) {
  SharedObjectSources unit;
  unit.units = {"#include \"answer.h\"\nextern \"C\" int answer() { return kAnswer; }\n"};
  unit.headers.push_back({"answer.h", "constexpr int kAnswer = 42;\n"});
  absl::StatusOr<std::string> so = NewSystemToolchain()->CompileSharedObject(unit);
  ASSERT_TRUE(so.ok()) << so.status();
}

TEST(SystemToolchainTest, UnitsCompileSeparatelyAndLinkTogether) {
  SharedObjectSources sources;
  sources.units = {"int twice(int x) { return 2 * x; }\n",
                   "int twice(int);\nextern \"C\" int answer() { return twice(21); }\n"};
  absl::StatusOr<std::string> so = NewSystemToolchain()->CompileSharedObject(sources);
  ASSERT_TRUE(so.ok()) << so.status();
  EXPECT_EQ(so->substr(1, 3), "ELF");
  // A unit that does not compile names the compiler's complaint.
  sources.units[1] = "int broken(";
  so = NewSystemToolchain()->CompileSharedObject(sources);
  EXPECT_EQ(so.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(so.status().message().find("failed to compile"), std::string::npos) << so.status();
  EXPECT_EQ(NewSystemToolchain()->CompileSharedObject({}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SystemToolchainTest, FileNamesStayInTheFolder) {
  SharedObjectSources unit;
  unit.units = {"int f();"};
  unit.headers.push_back({"../escape.h", ""});
  absl::StatusOr<std::string> so = NewSystemToolchain()->CompileSharedObject(unit);
  EXPECT_EQ(so.status().code(), absl::StatusCode::kInvalidArgument) << so.status();
}

TEST(SystemToolchainTest, TargetsACpuLevel) {
  const std::string host = HostCpuLevel();
  EXPECT_NE(std::find(std::begin(kCpuLevels), std::end(kCpuLevels), host), std::end(kCpuLevels))
      << host;
  std::unique_ptr<Toolchain> tc = NewSystemToolchain();
  EXPECT_EQ(tc->CpuLevel(), host);
  EXPECT_NE(tc->Fingerprint().find("-march=" + host), std::string::npos) << tc->Fingerprint();

  SystemToolchainOptions options;
  options.target_cpu = "native";
  absl::StatusOr<std::string> so = NewSystemToolchain(options)->CompileSharedObject({{"int f();"}});
  EXPECT_EQ(so.status().code(), absl::StatusCode::kInvalidArgument) << so.status();
}

}  // namespace
}  // namespace aotd::toolchain
