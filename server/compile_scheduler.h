// CompileScheduler: runs compiles on a bounded pool of worker threads, one
// compile per key at a time (single flight).
//
// A Submit for a key that is already queued or running joins that flight
// and shares its result; otherwise the work is queued, or refused with
// RESOURCE_EXHAUSTED when the queue is full. Waiting is bounded by the
// caller's deadline, but work that started runs to completion regardless
// (it fills the cache for the next request). Thread-safe.
#ifndef AOTD_SERVER_COMPILE_SCHEDULER_H_
#define AOTD_SERVER_COMPILE_SCHEDULER_H_

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace aotd::server {

// What a compile produces: the serialized artifact, or why there is none.
using CompileResult = absl::StatusOr<std::string>;

// One in-flight compile; every requester of its key holds it.
class Flight {
 public:
  // The result once done, or nullopt if `deadline` passed first.
  std::optional<CompileResult> Wait(absl::Time deadline) const;
  bool done() const;

 private:
  friend class CompileScheduler;
  void Finish(CompileResult result);

  mutable absl::Mutex mu_;
  std::optional<CompileResult> result_ ABSL_GUARDED_BY(mu_);
};

class CompileScheduler {
 public:
  struct Options {
    int workers = 2;      // Threads compiling at once.
    int max_queue = 64;   // Compiles waiting for a worker; more are refused.
  };

  explicit CompileScheduler(Options options);
  // Finishes the queued and running work, then joins the workers.
  ~CompileScheduler();
  CompileScheduler(const CompileScheduler&) = delete;
  CompileScheduler& operator=(const CompileScheduler&) = delete;

  struct Submission {
    std::shared_ptr<const Flight> flight;
    bool joined = false;  // Another request's compile of the same key.
  };
  // RESOURCE_EXHAUSTED (with a retry hint) when the queue is full.
  absl::StatusOr<Submission> Submit(const std::string& key, std::function<CompileResult()> work);

  int queue_depth() const;
  int64_t compiles_started() const;

 private:
  struct Task {
    std::string key;
    std::function<CompileResult()> work;
    std::shared_ptr<Flight> flight;
  };
  void WorkerLoop();

  const Options options_;
  mutable absl::Mutex mu_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::shared_ptr<Flight>> in_flight_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t started_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> workers_;
};

}  // namespace aotd::server

#endif  // AOTD_SERVER_COMPILE_SCHEDULER_H_
