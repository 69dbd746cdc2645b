#include "server/compile_scheduler.h"

#include "absl/strings/str_cat.h"

namespace aotd::server {

std::optional<CompileResult> Flight::Wait(absl::Time deadline) const {
  absl::MutexLock lock(&mu_);
  auto done = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return result_.has_value(); };
  mu_.AwaitWithDeadline(absl::Condition(&done), deadline);
  return result_;
}

bool Flight::done() const {
  absl::MutexLock lock(&mu_);
  return result_.has_value();
}

void Flight::Finish(CompileResult result) {
  absl::MutexLock lock(&mu_);
  result_ = std::move(result);
}

CompileScheduler::CompileScheduler(Options options) : options_(options) {
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

CompileScheduler::~CompileScheduler() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : workers_) t.join();
}

absl::StatusOr<CompileScheduler::Submission> CompileScheduler::Submit(
    const std::string& key, std::function<CompileResult()> work) {
  absl::MutexLock lock(&mu_);
  auto it = in_flight_.find(key);
  if (it != in_flight_.end()) return Submission{it->second, true};
  if (stopping_) return absl::UnavailableError("the server is shutting down");
  if (static_cast<int>(queue_.size()) >= options_.max_queue) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "compile queue full (", queue_.size(), " waiting); retry in a few seconds"));
  }
  auto flight = std::make_shared<Flight>();
  in_flight_.emplace(key, flight);
  queue_.push_back(Task{key, std::move(work), flight});
  return Submission{flight, false};
}

int CompileScheduler::queue_depth() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(queue_.size());
}

int64_t CompileScheduler::compiles_started() const {
  absl::MutexLock lock(&mu_);
  return started_;
}

void CompileScheduler::WorkerLoop() {
  while (true) {
    Task task;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // Stopping, and nothing left to do.
      task = std::move(queue_.front());
      queue_.pop_front();
      ++started_;
    }
    CompileResult result = task.work();
    {
      // Leave the in-flight map first: a request arriving after this sees
      // the cache, not a finished flight.
      absl::MutexLock lock(&mu_);
      in_flight_.erase(task.key);
    }
    task.flight->Finish(std::move(result));
  }
}

}  // namespace aotd::server
