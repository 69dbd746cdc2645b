#include "compiler/pipeline/stages.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "compiler/ops/core/verify.h"

namespace aotd::pipeline {

absl::Status CheckStageName(absl::string_view stage) {
  if (stage == "all") return absl::OkStatus();
  for (const char* known : kGraphStages) {
    if (stage == known) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown stage '", stage, "'; the stages are ",
                                                 absl::StrJoin(kGraphStages, ", "), " (or all)"));
}

absl::Status StageLog::Done(absl::string_view stage, bool changed,
                            const std::vector<const ir::Graph*>& graphs) {
  int64_t nodes = 0;
  for (const ir::Graph* g : graphs) nodes += static_cast<int64_t>(g->nodes().size());
  Record(stage, changed, nodes);
#ifndef NDEBUG
  for (const ir::Graph* g : graphs) {
    // An empty program (the backward when nothing needs a gradient) is
    // valid here, though not as a request.
    if (g->inputs().empty() && g->nodes().empty()) continue;
    absl::Status valid = ops::VerifyNodes(*g);
    if (!valid.ok()) {
      return absl::InternalError(
          absl::StrCat("the ", stage, " stage broke an invariant: ", valid.message()));
    }
  }
#endif
  if (hooks_ != nullptr && hooks_->dump) {
    const std::vector<std::string>& wanted = hooks_->dump_after;
    if (std::find(wanted.begin(), wanted.end(), stage) != wanted.end() ||
        std::find(wanted.begin(), wanted.end(), "all") != wanted.end()) {
      for (const ir::Graph* g : graphs) hooks_->dump(stage, *g);
    }
  }
  // The dump is not the stage's time.
  last_ = absl::Now();
  return absl::OkStatus();
}

void StageLog::Done(absl::string_view stage) { Record(stage, /*changed=*/true, 0); }

void StageLog::Record(absl::string_view stage, bool changed, int64_t nodes) {
  absl::Time now = absl::Now();
  records_.push_back({std::string(stage), absl::ToDoubleSeconds(now - last_), changed, nodes});
  last_ = now;
}

}  // namespace aotd::pipeline
