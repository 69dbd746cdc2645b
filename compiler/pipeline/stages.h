// The pipeline's stages, in order, and what it records of each: its time,
// whether it changed the graph, the graph's size after it. Between stages,
// debug builds (no NDEBUG) check the IR's invariants (ops::VerifyNodes); a
// caller can ask to see the graph after any stage (aotctl --dump-after).
#ifndef AOTD_COMPILER_PIPELINE_STAGES_H_
#define AOTD_COMPILER_PIPELINE_STAGES_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "compiler/ir/graph.h"

namespace aotd::pipeline {

// The stages whose result is a graph, in pipeline order (Trace's, then
// Compile's "partition", whose result is the forward and backward programs).
inline constexpr const char* kGraphStages[] = {"functionalize", "autograd", "decompose",
                                               "cse",           "dce",      "partition"};

// INVALID_ARGUMENT naming the valid stages unless `stage` is one of
// kGraphStages or "all".
absl::Status CheckStageName(absl::string_view stage);

struct StageRecord {
  std::string stage;
  double seconds = 0;
  bool changed = true;  // Whether the stage changed its graph.
  int64_t nodes = 0;    // Nodes in its result (both programs after partition).
};

// What a caller wants to see of the pipeline.
struct StageHooks {
  // Stages after which `dump` is called ("all": every graph stage).
  std::vector<std::string> dump_after;
  // Called with the stage's name and each graph it produced, in order.
  std::function<void(absl::string_view stage, const ir::Graph& graph)> dump;
};

// Records stages as they finish, timing each from the end of the previous.
// Not thread-safe; one per compile.
class StageLog {
 public:
  explicit StageLog(const StageHooks* hooks = nullptr) : hooks_(hooks) {}

  // Graph stage `stage` produced `graphs`: recorded, dumped if asked, and
  // in debug builds verified. INTERNAL naming the stage if a graph breaks an
  // invariant (a compiler bug).
  absl::Status Done(absl::string_view stage, bool changed,
                    const std::vector<const ir::Graph*>& graphs);
  // A stage with no graph result (codegen, the C++ compiler).
  void Done(absl::string_view stage);

  const std::vector<StageRecord>& records() const { return records_; }

 private:
  void Record(absl::string_view stage, bool changed, int64_t nodes);

  const StageHooks* hooks_;
  std::vector<StageRecord> records_;
  absl::Time last_ = absl::Now();
};

}  // namespace aotd::pipeline

#endif  // AOTD_COMPILER_PIPELINE_STAGES_H_
