#include "server/compile_scheduler.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace aotd::server {
namespace {

TEST(CompileSchedulerTest, ConcurrentRequestsForOneKeyCompileOnce) {
  CompileScheduler scheduler({/*workers=*/2, /*max_queue=*/64});
  std::atomic<int> compiles{0};
  absl::Notification release;
  std::vector<std::shared_ptr<const Flight>> flights;
  std::vector<std::thread> threads;
  absl::Mutex mu;
  for (int i = 0; i < 32; ++i) {
    threads.emplace_back([&] {
      absl::StatusOr<CompileScheduler::Submission> s = scheduler.Submit("k", [&] {
        ++compiles;
        release.WaitForNotification();
        return CompileResult("artifact");
      });
      ASSERT_TRUE(s.ok()) << s.status();
      absl::MutexLock lock(&mu);
      flights.push_back(s->flight);
    });
  }
  for (std::thread& t : threads) t.join();
  release.Notify();
  for (const auto& f : flights) {
    std::optional<CompileResult> r = f->Wait(absl::InfiniteFuture());
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->ok());
    EXPECT_EQ(**r, "artifact");
  }
  EXPECT_EQ(compiles.load(), 1);
}

TEST(CompileSchedulerTest, FullQueueIsResourceExhausted) {
  CompileScheduler scheduler({/*workers=*/1, /*max_queue=*/2});
  absl::Notification release;
  auto blocked = [&] {
    release.WaitForNotification();
    return CompileResult("x");
  };
  ASSERT_TRUE(scheduler.Submit("running", blocked).ok());
  // Wait until the worker took it, so the queue is empty again.
  while (scheduler.compiles_started() == 0) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_TRUE(scheduler.Submit("a", blocked).ok());
  ASSERT_TRUE(scheduler.Submit("b", blocked).ok());
  absl::StatusOr<CompileScheduler::Submission> refused = scheduler.Submit("c", blocked);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("retry"), std::string::npos);
  release.Notify();
}

TEST(CompileSchedulerTest, DeadlinePassesButTheCompileFinishes) {
  CompileScheduler scheduler({/*workers=*/1, /*max_queue=*/4});
  absl::Notification release;
  std::atomic<bool> finished{false};
  absl::StatusOr<CompileScheduler::Submission> s = scheduler.Submit("k", [&] {
    release.WaitForNotification();
    finished = true;
    return CompileResult("done");
  });
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->flight->Wait(absl::Now() + absl::Milliseconds(20)).has_value());
  release.Notify();
  std::optional<CompileResult> r = s->flight->Wait(absl::InfiniteFuture());
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(finished.load());
}

TEST(CompileSchedulerTest, ErrorsReachEveryWaiter) {
  CompileScheduler scheduler({/*workers=*/1, /*max_queue=*/4});
  absl::StatusOr<CompileScheduler::Submission> s = scheduler.Submit(
      "bad", [] { return CompileResult(absl::InvalidArgumentError("node 'x': unknown op")); });
  ASSERT_TRUE(s.ok());
  std::optional<CompileResult> r = s->flight->Wait(absl::InfiniteFuture());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aotd::server
