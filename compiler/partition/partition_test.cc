#include "compiler/partition/partition.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/frontend/load.h"
#include "compiler/ir/text.h"
#include "compiler/reference/evaluate.h"
#include "gtest/gtest.h"
#include "tests/workloads.h"

namespace aotd::partition {
namespace {

using reference::HostTensor;

pipeline::Traced TraceText(const std::string& text) {
  absl::StatusOr<ir::Graph> g = ir::ParseGraph(text);
  EXPECT_TRUE(g.ok()) << g.status();
  absl::StatusOr<pipeline::Traced> t = pipeline::Trace(*g);
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

Partitioned PartitionOrDie(const pipeline::Traced& traced, Strategy strategy, double budget = 1.0,
                           bool weigh_recompute = true) {
  absl::StatusOr<Partitioned> p = Partition(traced, {strategy, budget, weigh_recompute});
  EXPECT_TRUE(p.ok()) << p.status();
  return *p;
}

std::vector<std::string> SavedNames(const Partitioned& p) {
  std::vector<std::string> names;
  for (const SavedValue& s : p.report.saved) names.push_back(s.name);
  return names;
}

// The op producing a saved value in the forward program.
std::string SavedOp(const Partitioned& p, int k) {
  ir::ValueId v = p.forward.outputs()[p.forward.outputs().size() - p.num_saved + k];
  int node = p.forward.value(v).node;
  return node < 0 ? "input" : p.forward.node(node).op;
}

TEST(PartitionTest, ChainOfCosSavesOnlyTheInput) {
  pipeline::Traced t = TraceText(R"(graph(%x: f32[16] requires_grad) {
  %a = aten.cos.default(%x) : f32[16]
  %b = aten.cos.default(%a) : f32[16]
  %c = aten.cos.default(%b) : f32[16]
  return (%c)
})");
  Partitioned p = PartitionOrDie(t, Strategy::kMinCut, 1.0, /*weigh_recompute=*/false);
  EXPECT_EQ(SavedNames(p), std::vector<std::string>({"x"}));
  EXPECT_EQ(p.report.saved_new_storage_bytes, 0);
  Partitioned d = PartitionOrDie(t, Strategy::kDefault);
  EXPECT_EQ(d.report.saved_new_storage_bytes, 2 * 64);  // a and b.
}

TEST(PartitionTest, TranscendentalResultsAreSavedWhenRecomputingCostsMore) {
  pipeline::Traced t = TraceText(R"(graph(%x: f32[16] requires_grad) {
  %a = aten.cos.default(%x) : f32[16]
  %b = aten.cos.default(%a) : f32[16]
  %c = aten.cos.default(%b) : f32[16]
  return (%c)
})");
  // The backward needs sin(x), sin(a), sin(b): recomputing a and b would
  // evaluate two cosines, saving them costs their bytes.
  Partitioned p = PartitionOrDie(t, Strategy::kMinCut);
  std::vector<std::string> saved = SavedNames(p);
  std::sort(saved.begin(), saved.end());
  EXPECT_EQ(saved, std::vector<std::string>({"a", "b", "x"}));
  for (const SavedValue& s : p.report.saved) {
    if (s.name != "x") {
      EXPECT_NE(s.reason.find("transcendental"), std::string::npos) << s.reason;
    }
  }
  EXPECT_LE(p.report.saved_new_storage_bytes,
            PartitionOrDie(t, Strategy::kDefault).report.saved_new_storage_bytes);
  // A budget below 1 recomputes them again.
  EXPECT_EQ(PartitionOrDie(t, Strategy::kMinCut, 0.5).report.saved_new_storage_bytes, 0);
}

TEST(PartitionTest, SumOfFourInputsSavesTheInputsOrTheirSum) {
  pipeline::Traced t = TraceText(R"(graph(%a: f32[16] requires_grad, %b: f32[16] requires_grad,
      %c: f32[16] requires_grad, %d: f32[16] requires_grad) {
  %ab = aten.add.Tensor(%a, %b, 1) : f32[16]
  %abc = aten.add.Tensor(%ab, %c, 1) : f32[16]
  %s = aten.add.Tensor(%abc, %d, 1) : f32[16]
  %c1 = aten.cos.default(%s) : f32[16]
  %c2 = aten.cos.default(%c1) : f32[16]
  return (%c2)
})");
  Partitioned p = PartitionOrDie(t, Strategy::kMinCut, 1.0, /*weigh_recompute=*/false);
  std::vector<std::string> saved = SavedNames(p);
  std::sort(saved.begin(), saved.end());
  bool inputs = saved == std::vector<std::string>({"a", "b", "c", "d"});
  bool sum = saved == std::vector<std::string>({"s"});
  EXPECT_TRUE(inputs || sum) << absl::StrJoin(saved, ",");
  EXPECT_LE(p.report.saved_new_storage_bytes, 64);
}

TEST(PartitionTest, MatmulOutputIsSavedNotRecomputed) {
  pipeline::Traced t = TraceText(R"(graph(%x: f32[8,8] requires_grad, %w: f32[8,8] requires_grad) {
  %m = aten.mm.default(%x, %w) : f32[8,8]
  %t1 = aten.tanh.default(%m) : f32[8,8]
  %t2 = aten.tanh.default(%t1) : f32[8,8]
  return (%t2)
})");
  Partitioned p = PartitionOrDie(t, Strategy::kMinCut, 1.0, /*weigh_recompute=*/false);
  bool saved_mm = false;
  for (int k = 0; k < p.num_saved; ++k) saved_mm = saved_mm || SavedOp(p, k) == "aten.mm.default";
  EXPECT_TRUE(saved_mm) << absl::StrJoin(SavedNames(p), ",");
  // The backward has its own matmuls (the gradients), but not the forward's.
  for (const ir::Node& node : p.backward.nodes()) EXPECT_NE(node.name, "m") << "recomputed mm";
  EXPECT_EQ(p.report.saved_new_storage_bytes, 8 * 8 * 4);
}

// Dropout: the backward must use the forward's mask, whatever the budget.
TEST(PartitionTest, RandomValuesAreNeverRecomputed) {
  pipeline::Traced t = TraceText(R"(graph(%x: f32[64] requires_grad) {
  %e = aten.empty_like.default(%x, None, None, None, None, None) : f32[64]
  %m = aten.bernoulli_.float(%e, 0.5, None) : f32[64]
  %s = aten.div_.Scalar(%m, 0.5) : f32[64]
  %y = aten.mul.Tensor(%x, %s) : f32[64]
  return (%y)
})");
  for (Strategy strategy : {Strategy::kDefault, Strategy::kMinCut}) {
    for (double budget : {1.0, 0.0}) {
      Partitioned p = PartitionOrDie(t, strategy, budget);
      int forward_draws = 0;
      for (const ir::Node& node : p.forward.nodes()) {
        forward_draws += node.op == "aten.bernoulli.p" ? 1 : 0;
      }
      EXPECT_EQ(forward_draws, 1);
      for (const ir::Node& node : p.backward.nodes()) {
        EXPECT_NE(node.op, "aten.bernoulli.p") << "budget " << budget << ": recomputed the mask";
      }
    }
  }
}

TEST(PartitionTest, CubeSavesFewerValuesWhenMulMayBeRecomputed) {
  pipeline::Traced t = TraceText(R"(graph(%x: f32[32] requires_grad) {
  %a = aten.mul.Tensor(%x, %x) : f32[32]
  %b = aten.mul.Tensor(%a, %x) : f32[32]
  return (%b)
})");
  Partitioned d = PartitionOrDie(t, Strategy::kDefault);
  Partitioned m = PartitionOrDie(t, Strategy::kMinCut);
  EXPECT_LT(m.report.saved.size(), d.report.saved.size());
  EXPECT_EQ(m.report.saved_new_storage_bytes, 0);
}

TEST(PartitionTest, SumOverADimensionDoesNotSaveItsInput) {
  pipeline::Traced t = TraceText(R"(graph(%x: f32[64,32] requires_grad) {
  %y = aten.sin.default(%x) : f32[64,32]
  %z = aten.sum.dim_IntList(%y, [1], false, None) : f32[64]
  return (%z)
})");
  for (Strategy s : {Strategy::kDefault, Strategy::kMinCut}) {
    Partitioned p = PartitionOrDie(t, s);
    EXPECT_EQ(SavedNames(p), std::vector<std::string>({"x"}));
  }
}

TEST(PartitionTest, MemoryBudgetTradesMatmulsForMemory) {
  std::string text = "graph(%x: f32[512,512] requires_grad";
  for (int i = 0; i < 5; ++i) absl::StrAppend(&text, ", %w", i, ": f32[512,512] requires_grad");
  absl::StrAppend(&text, ") {\n  %c0 = aten.cos.default(%x) : f32[512,512]\n");
  for (int i = 0; i < 5; ++i) {
    absl::StrAppend(&text, "  %m", i + 1, " = aten.mm.default(%c", i, ", %w", i, ") : f32[512,512]\n");
    absl::StrAppend(&text, "  %c", i + 1, " = aten.cos.default(%m", i + 1, ") : f32[512,512]\n");
  }
  absl::StrAppend(&text, "  %s = aten.sum.default(%c5, None) : f32[]\n  return (%s)\n}\n");
  pipeline::Traced t = TraceText(text);
  constexpr int64_t kMiB = 1 << 20;
  EXPECT_EQ(PartitionOrDie(t, Strategy::kDefault).report.saved_new_storage_bytes, 10 * kMiB);
  for (int k = 0; k <= 5; ++k) {
    Partitioned p = PartitionOrDie(t, Strategy::kMinCut, k / 10.0);
    EXPECT_EQ(p.report.saved_new_storage_bytes, k * kMiB) << "budget " << k / 10.0;
  }
  EXPECT_EQ(PartitionOrDie(t, Strategy::kMinCut, 1.0, /*weigh_recompute=*/false)
                .report.saved_new_storage_bytes,
            5 * kMiB);
  // Weighing the cosines saves them too, never more than the default does.
  EXPECT_LE(PartitionOrDie(t, Strategy::kMinCut, 1.0).report.saved_new_storage_bytes,
            10 * kMiB);
}

TEST(PartitionTest, RejectsABudgetOutsideZeroToOne) {
  pipeline::Traced t = TraceText(R"(graph(%x: f32[4] requires_grad) {
  %a = aten.cos.default(%x) : f32[4]
  return (%a)
})");
  for (double bad : {-0.1, 1.5, std::nan("")}) {
    absl::StatusOr<Partitioned> p = Partition(t, {Strategy::kMinCut, bad});
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseStrategy("greedy").status().code(), absl::StatusCode::kInvalidArgument);
}

// Forward then backward reproduce the joint graph on the recorded vectors.
TEST(PartitionTest, ProgramsReproduceTheJointGraphOnEveryWorkload) {
  for (const testing::Workload& w : testing::Workloads("small")) {
    absl::StatusOr<ir::Graph> forward = frontend::LoadGraphFile(w.ForwardJson());
    ASSERT_TRUE(forward.ok()) << forward.status();
    absl::StatusOr<pipeline::Traced> traced = pipeline::Trace(*forward);
    ASSERT_TRUE(traced.ok()) << traced.status();
    absl::StatusOr<testing::RecordedStep> step = testing::LoadRecordedStep(w);
    ASSERT_TRUE(step.ok()) << step.status();
    std::vector<HostTensor> tangents;
    for (int o : traced->joint.tangent_outputs) tangents.push_back(step->tangents.at(o));
    std::vector<HostTensor> joint_in = step->inputs;
    joint_in.insert(joint_in.end(), tangents.begin(), tangents.end());
    absl::StatusOr<std::vector<HostTensor>> expected = reference::Evaluate(traced->joint.graph, joint_in);
    ASSERT_TRUE(expected.ok()) << expected.status();

    for (Strategy s : {Strategy::kDefault, Strategy::kMinCut}) {
      for (double budget : {0.0, 0.5, 1.0}) {
        SCOPED_TRACE(absl::StrCat(w.Id(), s == Strategy::kDefault ? " default" : " min_cut", " budget ", budget));
        absl::StatusOr<Partitioned> p = Partition(*traced, {s, budget});
        ASSERT_TRUE(p.ok()) << p.status();
        absl::StatusOr<std::vector<HostTensor>> fw = reference::Evaluate(p->forward, step->inputs);
        ASSERT_TRUE(fw.ok()) << fw.status();
        std::vector<HostTensor> bw_in(fw->end() - p->num_saved, fw->end());
        bw_in.insert(bw_in.end(), tangents.begin(), tangents.end());
        absl::StatusOr<std::vector<HostTensor>> bw = reference::Evaluate(p->backward, bw_in);
        ASSERT_TRUE(bw.ok()) << bw.status();
        size_t num_fw = fw->size() - p->num_saved;
        ASSERT_EQ(num_fw + bw->size(), expected->size());
        for (size_t i = 0; i < expected->size(); ++i) {
          const HostTensor& got = i < num_fw ? (*fw)[i] : (*bw)[i - num_fw];
          reference::Closeness c = reference::CompareClose(got, (*expected)[i], 1e-6, 1e-7);
          EXPECT_TRUE(c.close) << "output " << i << " max error " << c.max_abs_error;
        }
      }
    }
  }
}

}  // namespace
}  // namespace aotd::partition
