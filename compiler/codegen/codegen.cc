#include "compiler/codegen/codegen.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/shared_object_abi.h"
#include "common/status_macros.h"
#include "compiler/codegen/runtime_library.h"
#include "compiler/ir/rewrite.h"
#include "compiler/ops/core/lowering.h"
#include "compiler/ops/core/op_def.h"
#include "compiler/ops/core/registry.h"

namespace aotd::codegen {
namespace {

using ir::Dims;
using ir::ValueId;

int64_t StorageElements(const ir::TensorType& t) {
  int64_t n = 1;
  for (int i = 0; i < t.Rank(); ++i) {
    if (t.shape[i] == 0) return 0;
    n += (t.shape[i] - 1) * t.strides[i];
  }
  return n;
}

// The bytes a buffer of type `t` takes, rounded up to the arena alignment.
int64_t BlockBytes(const ir::TensorType& t) {
  constexpr int64_t kAlign = abi::kArenaAlignment;
  return (StorageElements(t) * ir::ItemSize(t.dtype) + kAlign - 1) / kAlign * kAlign;
}

// How a program reaches the saved arena. The forward writes it: `offsets`
// holds, per program output, its byte offset in the arena or -1 (a caller's
// buffer, `out[k]` counting only those), and the arena is the `out` pointer
// after them; a region holds buffers until its saved tensor is written. The
// backward owns it: `offsets` holds, per program input, its offset or -1,
// the arena is `in[0]` and the other inputs follow in order; a region holds
// buffers after its saved tensor's last read.
struct ArenaBinding {
  bool owned = false;  // The backward's.
  std::vector<int64_t> offsets;
  int64_t bytes = 0;
};

// How a value is held while a program runs.
enum class Place {
  kInput,   // A caller's input buffer.
  kView,    // Another value's storage, at an offset with its own strides.
  kInline,  // Computed where it is used; never stored.
  kBuffer,  // Its own storage: a caller's output buffer or the workspace.
};

class ProgramEmitter {
 public:
  ProgramEmitter(const ir::Graph& g, std::string name, OutputLayout layout, ArenaBinding arena)
      : g_(g), name_(std::move(name)), layout_(layout), arena_(std::move(arena)),
        n_(g.values().size()) {}

  absl::StatusOr<std::string> Emit() {
    RETURN_IF_ERROR(Classify());
    FormGroups();
    PlanMemory();
    RETURN_IF_ERROR(EmitBody());
    return absl::StrCat("static int ", name_, abi::kEntryPointParameters, " {\n", body_,
                        "  return 0;\n}\n");
  }

 private:
  const ops::OpDef& Def(const ir::Node& node) { return *ops::OpRegistry::Global().Find(node.op); }

  const ops::Lowering& LoweringOf(const ir::Node& node) { return Def(node).lowering; }
  bool IsElementwise(const ir::Node& node) {
    return LoweringOf(node).kind == ops::Lowering::Kind::kElementwise && node.outputs.size() == 1;
  }
  bool IsReduction(const ir::Node& node) {
    return LoweringOf(node).kind == ops::Lowering::Kind::kReduction;
  }

  absl::Status Classify() {
    place_.assign(n_, Place::kBuffer);
    offset_.assign(n_, 0);
    base_ = ops::StorageBases(g_);
    users_.assign(n_, {});
    for (size_t i = 0; i < g_.nodes().size(); ++i) {
      for (const ir::Argument& a : g_.node(i).args) {
        ir::ForEachValue(a, [&](ValueId v) { users_[v].push_back(static_cast<int>(i)); });
      }
    }
    std::vector<int> output_uses(n_, 0);
    for (ValueId v : g_.outputs()) ++output_uses[v];
    for (const ir::Input& in : g_.inputs()) place_[in.value] = Place::kInput;

    for (const ir::Node& node : g_.nodes()) {
      for (ValueId v : node.outputs) RETURN_IF_ERROR(ops::CType(g_.type(v).dtype).status());
      const ValueId out = node.outputs[0];
      if (ops::IsAliasingView(g_, node)) {
        ValueId src = node.args[0].AsValue();
        if (place_[src] == Place::kInline) place_[src] = Place::kBuffer;
        for (size_t k = 0; k < node.outputs.size(); ++k) {
          ValueId v = node.outputs[k];
          place_[v] = Place::kView;
          offset_[v] = offset_[src] + ViewOffset(node, static_cast<int>(k), offset_[src]);
        }
        continue;
      }
      if (IsElementwise(node)) {
        // Inline when used once, by a loop that can compute it in place.
        bool single = users_[out].size() == 1 && output_uses[out] == 0;
        if (single) {
          const ir::Node& user = g_.node(users_[out][0]);
          if (IsElementwise(user) || IsReduction(user)) place_[out] = Place::kInline;
        }
        continue;
      }
      if (!IsReduction(node)) RETURN_IF_ERROR(CheckKernel(node));
    }
    return absl::OkStatus();
  }

  // The storage offset (in elements) result `output` of a view adds to its
  // input's, which is at `input_offset`.
  int64_t ViewOffset(const ir::Node& node, int output, int64_t input_offset) {
    const ops::ViewLowering& view = LoweringOf(node).view;
    if (!view.offset) return 0;
    return view.offset(ops::ViewCall{g_, node, output, input_offset});
  }

  bool IsLoopRoot(ValueId v) {
    int node = g_.value(v).node;
    return node >= 0 && place_[v] == Place::kBuffer && IsElementwise(g_.node(node));
  }

  // Values of the inline tree behind `v` that are stored (the leaves).
  void Leaves(ValueId v, std::vector<ValueId>& out) const {
    std::vector<ValueId> pending = {v};
    while (!pending.empty()) {
      const ir::Node& node = g_.node(g_.value(pending.back()).node);
      pending.pop_back();
      for (const ir::Argument& a : node.args) {
        ir::ForEachValue(a, [&](ValueId u) {
          if (place_[u] == Place::kInline) pending.push_back(u);
          else out.push_back(u);
        });
      }
    }
  }

  // Horizontal fusion: consecutive pointwise roots over the same shape and
  // layout share one loop nest. A member read only by later members of its
  // group (at the same index) lives in a register and is never stored.
  void FormGroups() {
    group_.assign(n_, -1);
    local_.assign(n_, false);
    members_.clear();
    for (const ir::Node& node : g_.nodes()) {
      ValueId v = node.outputs[0];
      if (!IsLoopRoot(v)) {
        if (place_[v] != Place::kInline && place_[v] != Place::kView) open_ = false;
        continue;
      }
      bool join = open_ && g_.type(members_.back()[0]) == g_.type(v);
      if (join) {
        std::vector<ValueId> leaves;
        Leaves(v, leaves);
        for (ValueId u : leaves) {
          if (group_[u] == static_cast<int>(members_.size()) - 1 && g_.type(u) != g_.type(v)) join = false;
          // A view of a member reads it at other indices.
          if (place_[u] == Place::kView && group_[base_[u]] == static_cast<int>(members_.size()) - 1) {
            join = false;
          }
        }
      }
      if (!join) {
        members_.push_back({});
        open_ = true;
      }
      group_[v] = static_cast<int>(members_.size()) - 1;
      members_.back().push_back(v);
    }
    std::vector<bool> is_output(n_, false);
    for (ValueId v : g_.outputs()) is_output[v] = true;
    for (size_t v = 0; v < n_; ++v) {
      if (group_[v] < 0 || is_output[v]) continue;
      bool local = true;
      for (int u : users_[v]) {
        ValueId root = RootOf(g_.node(u).outputs[0]);
        if (root < 0 || group_[root] != group_[v] || place_[g_.node(u).outputs[0]] == Place::kView) {
          local = false;
        }
      }
      local_[v] = local;
      if (local) place_[v] = Place::kInline;  // Not stored: see Element().
    }
  }

  // The stored value whose loop computes `v` (itself if stored), or -1.
  ValueId RootOf(ValueId v) const {
    while (place_[v] == Place::kInline && !local_[v]) {
      int node = g_.value(v).node;
      if (node < 0 || users_[v].empty()) return -1;
      v = g_.node(users_[v][0]).outputs[0];
    }
    return v;
  }

  // Workspace offsets for buffers that are not program outputs, reused by
  // liveness (first fit over byte ranges).
  void PlanMemory() {
    out_slot_.assign(n_, -1);
    for (size_t j = 0; j < g_.outputs().size(); ++j) {
      ValueId v = g_.outputs()[j];
      if (place_[v] == Place::kBuffer && out_slot_[v] < 0 && g_.value(v).node >= 0 &&
          ProgramOutputType(g_, static_cast<int>(j), layout_) == g_.type(v)) {
        out_slot_[v] = static_cast<int>(j);
      }
    }
    // An output that is a view laid out as the output wants, covering all
    // of its base's storage: the base is computed in the output buffer.
    for (size_t j = 0; j < g_.outputs().size(); ++j) {
      ValueId v = g_.outputs()[j], b = base_[v];
      const ir::TensorType& t = g_.type(v);
      if (place_[v] == Place::kView && offset_[v] == 0 && place_[b] == Place::kBuffer &&
          out_slot_[b] < 0 && out_slot_[v] < 0 && g_.value(b).node >= 0 &&
          StorageElements(g_.type(b)) == t.NumElements() &&
          ProgramOutputType(g_, static_cast<int>(j), layout_) == t) {
        out_slot_[b] = out_slot_[v] = static_cast<int>(j);
      }
    }
    // Where each node's reads happen: an inline node reads inside the loop
    // of the node that materializes it.
    const int num_nodes = static_cast<int>(g_.nodes().size());
    std::vector<int> reads_at(num_nodes);
    std::vector<int> group_end(members_.size(), -1);
    for (size_t k = 0; k < members_.size(); ++k) group_end[k] = g_.value(members_[k].back()).node;
    for (int i = num_nodes - 1; i >= 0; --i) {
      ValueId out = g_.node(i).outputs[0];
      if (group_[out] >= 0) {
        reads_at[i] = group_end[group_[out]];
      } else {
        reads_at[i] = place_[out] == Place::kInline ? reads_at[users_[out][0]] : i;
      }
    }
    // Last loop reading each storage (views keep their base alive).
    std::vector<int> last_use(n_, -1);
    for (int i = 0; i < num_nodes; ++i) {
      for (const ir::Argument& a : g_.node(i).args) {
        ir::ForEachValue(a, [&](ValueId v) {
          last_use[base_[v]] = std::max(last_use[base_[v]], reads_at[i]);
        });
      }
    }
    for (ValueId v : g_.outputs()) last_use[base_[v]] = static_cast<int>(g_.nodes().size());
    // Offsets below the arena's size are in the arena, the rest in the
    // workspace; a buffer lies wholly in one of the two. A saved tensor holds
    // its region from the node that writes it to the end (forward), or from
    // the start to its last read (backward).
    struct Block {
      int64_t start, end;
      int used_from, free_after;
      ValueId owner;
    };
    std::vector<Block> live;
    const int64_t reusable = arena_.bytes;
    for (const ir::Input& in : g_.inputs()) {
      int64_t at = InputArenaOffset(g_.value(in.value).index);
      if (at >= 0) live.push_back({at, at + BlockBytes(g_.type(in.value)), -1, last_use[in.value], in.value});
    }
    for (size_t j = 0; j < g_.outputs().size() && !arena_.owned && !arena_.offsets.empty(); ++j) {
      if (arena_.offsets[j] < 0) continue;
      // Written by its node when computed in place, else copied at the end.
      int written = num_nodes;
      for (ValueId v : {g_.outputs()[j], base_[g_.outputs()[j]]}) {
        if (out_slot_[v] == static_cast<int>(j) && place_[v] == Place::kBuffer) written = g_.value(v).node;
      }
      const ir::TensorType t = ProgramOutputType(g_, static_cast<int>(j), layout_);
      live.push_back({arena_.offsets[j], arena_.offsets[j] + BlockBytes(t), written, num_nodes, -1});
    }
    ws_offset_.assign(n_, -1);
    for (size_t i = 0; i < g_.nodes().size(); ++i) {
      for (ValueId v : g_.node(i).outputs) {
        if (place_[v] != Place::kBuffer || out_slot_[v] >= 0) continue;
        int64_t bytes = BlockBytes(g_.type(v));
        // Live from its node (which writes it, even if nothing reads it).
        const int last = std::max(static_cast<int>(i), last_use[v]);
        live.erase(std::remove_if(live.begin(), live.end(),
                                  [&](const Block& b) { return b.free_after < static_cast<int>(i); }),
                   live.end());
        // A loop root takes over the block of an operand its loop overwrites
        // (if no saved tensor is written there while v is live).
        auto taken = std::find_if(live.begin(), live.end(), [&](const Block& b) {
          if (b.owner < 0 || b.end - b.start < bytes || !CanOverwrite(v, b.owner, last_use)) {
            return false;
          }
          return std::none_of(live.begin(), live.end(), [&](const Block& later) {
            return later.used_from > static_cast<int>(i) && later.used_from <= last &&
                   later.start < b.end && b.start < later.end;
          });
        });
        if (taken != live.end()) {
          ws_offset_[v] = taken->start;
          taken->owner = v;
          taken->free_after = last;
          continue;
        }
        std::sort(live.begin(), live.end(), [](const Block& a, const Block& b) { return a.start < b.start; });
        auto straddles = [&](int64_t at) { return at < reusable && at + bytes > reusable; };
        int64_t at = 0;
        for (const Block& b : live) {
          if (b.used_from > last) continue;  // Written after v's last read.
          if (straddles(at)) at = reusable;
          if (at + bytes <= b.start) break;
          at = std::max(at, b.end);
        }
        if (straddles(at)) at = reusable;
        ws_offset_[v] = at;
        live.push_back({at, at + bytes, static_cast<int>(i), last, v});
        workspace_bytes_ = std::max(workspace_bytes_, at + bytes - reusable);
      }
    }
  }

  // Whether loop root `v` may be stored over the storage of `u`: its group's
  // loop is the last to read u, and reads u only directly, at the loop's own
  // index and in v's layout, and in no member after v. Each iteration then
  // reads u's element before it writes v's there.
  bool CanOverwrite(ValueId v, ValueId u, const std::vector<int>& last_use) const {
    const int group = group_[v];
    if (group < 0 || group_[u] == group || out_slot_[u] >= 0 ||
        last_use[u] != g_.value(members_[group].back()).node) {
      return false;
    }
    bool after_v = false, reads = false;
    for (ValueId m : members_[group]) {
      std::vector<ValueId> leaves;
      Leaves(m, leaves);
      for (ValueId w : leaves) {
        if (base_[w] != u) continue;
        if (after_v || offset_[w] != 0 || g_.type(w) != g_.type(v)) return false;
        reads = true;
      }
      after_v = after_v || m == v;
    }
    return reads;
  }

  // Byte offset in the arena of program input `index` (backward), or -1.
  int64_t InputArenaOffset(int index) const {
    return arena_.owned && index < static_cast<int>(arena_.offsets.size()) ? arena_.offsets[index] : -1;
  }

  // Where program input `index` is.
  std::string InputAddress(int index) const {
    if (!arena_.owned) return absl::StrCat("in[", index, "]");
    if (InputArenaOffset(index) >= 0) return absl::StrCat("arena + ", InputArenaOffset(index));
    int slot = 1;  // in[0] is the arena.
    for (int k = 0; k < index; ++k) slot += InputArenaOffset(k) < 0 ? 1 : 0;
    return absl::StrCat("in[", slot, "]");
  }

  // Where program output `j` goes.
  std::string OutputAddress(int j) const {
    if (arena_.owned || arena_.offsets.empty()) return absl::StrCat("out[", j, "]");
    if (arena_.offsets[j] >= 0) return absl::StrCat("arena + ", arena_.offsets[j]);
    int slot = 0;
    for (int k = 0; k < j; ++k) slot += arena_.offsets[k] < 0 ? 1 : 0;
    return absl::StrCat("out[", slot, "]");
  }

  // Where the arena is: the `out` pointer after the caller's buffers
  // (forward), or in[0] (backward).
  std::string ArenaAddress() const {
    if (arena_.owned) return "in[0]";
    int slot = 0;
    for (int64_t offset : arena_.offsets) slot += offset < 0 ? 1 : 0;
    return absl::StrCat("out[", slot, "]");
  }

  bool UsesArena() const {
    return std::any_of(arena_.offsets.begin(), arena_.offsets.end(), [](int64_t o) { return o >= 0; });
  }

  // Where the workspace buffer of `v` is.
  std::string BufferAddress(ValueId v) const {
    if (ws_offset_[v] < arena_.bytes) return absl::StrCat("arena + ", ws_offset_[v]);
    return absl::StrCat("ws + ", ws_offset_[v] - arena_.bytes);
  }

  std::string Ptr(ValueId v) const { return absl::StrCat("v", v); }
  std::string Ty(ValueId v) const { return ops::CType(g_.type(v).dtype).value_or("double"); }

  // Declares the data pointer of a stored value (input, buffer or view).
  void Declare(ValueId v) {
    std::string t = Ty(v);
    switch (place_[v]) {
      case Place::kInput:
        absl::StrAppend(&body_, "  ", t, "* ", Ptr(v), " = reinterpret_cast<", t, "*>(",
                        InputAddress(g_.value(v).index), ");\n");
        break;
      case Place::kView:
        absl::StrAppend(&body_, "  ", t, "* ", Ptr(v), " = reinterpret_cast<", t, "*>(",
                        Ptr(base_[v]), ") + ", offset_[v], ";\n");
        break;
      case Place::kBuffer:
        if (out_slot_[v] >= 0) {
          absl::StrAppend(&body_, "  ", t, "* ", Ptr(v), " = reinterpret_cast<", t, "*>(",
                          OutputAddress(out_slot_[v]), ");\n");
        } else {
          absl::StrAppend(&body_, "  ", t, "* ", Ptr(v), " = reinterpret_cast<", t, "*>(",
                          BufferAddress(v), ");\n");
        }
        break;
      case Place::kInline:
        break;
    }
  }

  // Whether `v` is computed where it is read, in the loop being emitted.
  bool ExpandsHere(ValueId v) const {
    const bool bound = group_[v] >= 0 && group_[v] == emitting_group_ && emitted_[v];
    return !bound && place_[v] == Place::kInline;
  }

  // The element of stored (or already computed) value v at `index`.
  std::string Load(ValueId v, const std::vector<std::string>& index) const {
    if (group_[v] >= 0 && group_[v] == emitting_group_ && emitted_[v]) return absl::StrCat("t", v);
    const ir::TensorType& t = g_.type(v);
    std::vector<std::string> terms;
    for (int d = 0; d < t.Rank(); ++d) {
      if (index[d] == "0" || t.strides[d] == 0) continue;
      terms.push_back(t.strides[d] == 1 ? index[d] : absl::StrCat(index[d], " * ", t.strides[d]));
    }
    return absl::StrCat(Ptr(v), "[", terms.empty() ? "0" : absl::StrJoin(terms, " + "), "]");
  }

  // Tensor operands whose element a node's lowering reads. Creation ops
  // (zeros_like, new_full...) read only their tensors' types, which need
  // not broadcast to the result.
  std::vector<int> ReadOperands(const ir::Node& node) {
    std::vector<int> read;
    if (Def(node).kind == ops::OpKind::kCreation) return read;
    for (size_t i = 0; i < node.args.size(); ++i) {
      if (node.args[i].is_value()) read.push_back(static_cast<int>(i));
    }
    return read;
  }

  // The element of value v at a multi-index given per dim as a C++
  // expression ("0" for broadcast dims). The inline producers behind v are
  // computed first, each bound once to a name (`const T e<value> = ...;`
  // lines appended to body_ at `indent`), so the source grows linearly with
  // the graph however often a lowering repeats its operands. The walk is
  // iterative: chains of any length.
  absl::StatusOr<std::string> Element(ValueId v, const std::vector<std::string>& index,
                                      const std::string& indent) {
    if (!ExpandsHere(v)) return Load(v, index);
    // The inline tree behind v, each value with the index it is read at.
    // Every inline value has one reader, so it appears once.
    std::vector<std::pair<ValueId, std::vector<std::string>>> tree;
    std::vector<std::pair<ValueId, std::vector<std::string>>> pending = {{v, index}};
    while (!pending.empty()) {
      auto [u, at] = std::move(pending.back());
      pending.pop_back();
      const ir::Node& node = g_.node(g_.value(u).node);
      for (int i : ReadOperands(node)) {
        ValueId w = node.args[i].AsValue();
        if (ExpandsHere(w)) pending.push_back({w, Broadcast(at, g_.type(u).shape, g_.type(w).shape)});
      }
      tree.push_back({u, std::move(at)});
    }
    // Producers before readers: nodes are in topological order.
    std::sort(tree.begin(), tree.end(),
              [&](const auto& a, const auto& b) { return g_.value(a.first).node < g_.value(b.first).node; });
    std::string result;
    for (const auto& [u, at] : tree) {
      const ir::Node& node = g_.node(g_.value(u).node);
      std::vector<std::string> operands(node.args.size());
      for (int i : ReadOperands(node)) {
        ValueId w = node.args[i].AsValue();
        operands[i] = ExpandsHere(w) ? absl::StrCat("e", w)
                                     : Load(w, Broadcast(at, g_.type(u).shape, g_.type(w).shape));
      }
      result = Def(node).lowering.element(ops::ElementExpr(g_, node, std::move(operands), at));
      if (u != v) absl::StrAppend(&body_, indent, "const ", Ty(u), " e", u, " = ", result, ";\n");
    }
    return result;
  }

  // The index of an operand of shape `from` broadcast to `to`, given the
  // index into `to`.
  static std::vector<std::string> Broadcast(const std::vector<std::string>& index, const Dims& to,
                                            const Dims& from) {
    std::vector<std::string> out(from.size());
    size_t lead = to.size() - from.size();
    for (size_t k = 0; k < from.size(); ++k) out[k] = from[k] == 1 ? "0" : index[k + lead];
    return out;
  }

  // Opens loops over `shape` into body_ (the inner one SIMD) and returns
  // the index names. CloseLoops decides whether the outer one is parallel.
  std::vector<std::string> OpenLoops(const Dims& shape) {
    nest_start_ = body_.size();
    std::vector<std::string> index;
    std::string indent = "  ";
    for (size_t d = 0; d < shape.size(); ++d) {
      std::string i = absl::StrCat("i", d);
      index.push_back(i);
      if (d + 1 == shape.size()) absl::StrAppend(&body_, indent, "#pragma omp simd\n");
      absl::StrAppend(&body_, indent, "for (int64_t ", i, " = 0; ", i, " < ", shape[d], "; ++", i,
                      ") {\n");
      indent += "  ";
    }
    return index;
  }
  // Closes the `depth` loops OpenLoops opened last. Their outer loop runs
  // on every thread when the nest's work passes kParallelWork: `work`
  // element evaluations, each weighing one more kMathCallWork per call of a
  // math function in the nest.
  void CloseLoops(size_t depth, int64_t work) {
    if (depth > 0 && work * (1 + kMathCallWork * MathCalls(body_, nest_start_)) > kParallelWork) {
      if (depth == 1) {
        const std::string simd = "#pragma omp simd";
        body_.replace(body_.find(simd, nest_start_), simd.size(), "#pragma omp parallel for simd");
      } else {
        body_.insert(nest_start_, "  #pragma omp parallel for\n");
      }
    }
    for (size_t d = depth; d > 0; --d) absl::StrAppend(&body_, std::string(2 * d, ' '), "}\n");
  }
  static constexpr int64_t kParallelWork = 1 << 15;
  static constexpr int64_t kMathCallWork = 8;
  // Calls of math functions (exp, erf, tanh, ...) in `text` from `start`.
  static int64_t MathCalls(const std::string& text, size_t start) {
    static const char* const kCalls[] = {"aotd_math::exp(", "aotd_math::expm1(", "aotd_math::log(", "aotd_math::log1p(",
                                         "aotd_math::tanh(", "aotd_math::erf(",   "aotd_math::sin(", "aotd_math::cos(",
                                         "aotd_math::pow("};
    int64_t calls = 0;
    for (const char* call : kCalls) {
      for (size_t at = text.find(call, start); at != std::string::npos; at = text.find(call, at + 1)) {
        ++calls;
      }
    }
    return calls;
  }

  std::string Offset(const ir::TensorType& t, const std::vector<std::string>& index) {
    std::vector<std::string> terms;
    for (int d = 0; d < t.Rank(); ++d) {
      if (t.shape[d] == 1 || t.strides[d] == 0) continue;
      terms.push_back(t.strides[d] == 1 ? index[d] : absl::StrCat(index[d], " * ", t.strides[d]));
    }
    return terms.empty() ? "0" : absl::StrJoin(terms, " + ");
  }

  // dst[...] = v[...] over v's shape; dst laid out as `dst_type`.
  absl::Status EmitStore(const std::string& dst, const ir::TensorType& dst_type, ValueId v) {
    const ir::TensorType& t = g_.type(v);
    std::vector<std::string> index = OpenLoops(t.shape);
    const std::string indent(2 * (t.Rank() + 1), ' ');
    ASSIGN_OR_RETURN(std::string element, Element(v, index, indent));
    absl::StrAppend(&body_, indent, dst, "[",
                    Offset(dst_type, index), "] = ", element, ";\n");
    CloseLoops(t.Rank(), t.NumElements());
    return absl::OkStatus();
  }

  absl::Status EmitReduction(const ir::Node& node) {
    ValueId in = node.args[0].AsValue(), out = node.outputs[0];
    const ir::TensorType& it = g_.type(in);
    const ir::TensorType& ot = g_.type(out);
    const ops::ReductionLowering& spec = LoweringOf(node).reduction;
    std::vector<int64_t> dims;
    if (spec.dims_arg >= 0 && !node.args[spec.dims_arg].is_none()) {
      for (int64_t d : node.args[spec.dims_arg].AsIntList()) {
        dims.push_back(d < 0 ? d + std::max(it.Rank(), 1) : d);
      }
    }
    const bool keepdim = spec.keepdim_arg >= 0 && node.args[spec.keepdim_arg].AsBool();
    if (it.Rank() == 0) dims.clear();  // Dim 0 and -1 of a 0-d tensor: the tensor itself.
    if (dims.empty()) {
      for (int d = 0; d < it.Rank(); ++d) dims.push_back(d);
    }
    std::vector<bool> reduced(it.Rank(), false);
    for (int64_t d : dims) reduced[d] = true;
    Dims kept;
    int64_t count = 1;
    for (int d = 0; d < it.Rank(); ++d) {
      if (reduced[d]) count *= it.shape[d];
      else kept.push_back(it.shape[d]);
    }
    const bool is_max = spec.combine == ops::ReductionLowering::Combine::kMax;
    const bool is_min = spec.combine == ops::ReductionLowering::Combine::kMin;
    const bool is_mean = spec.mean;
    std::string acc_t = ir::IsFloatingPoint(ot.dtype) ? "double" : Ty(out);
    // A full reduction opens no loop: a block scopes its accumulator.
    if (kept.empty()) absl::StrAppend(&body_, "  {\n");
    std::vector<std::string> outer = OpenLoops(kept);
    std::string indent(2 * (kept.size() + 1), ' ');
    // Integer maxima and minima start from the type's extremes (an infinity
    // does not convert to an integer).
    const bool floating = ir::IsFloatingPoint(ot.dtype);
    std::string init = "0";
    if (is_max) {
      init = floating ? "-std::numeric_limits<double>::infinity()"
                      : absl::StrCat("std::numeric_limits<", acc_t, ">::lowest()");
    } else if (is_min) {
      init = floating ? "std::numeric_limits<double>::infinity()"
                      : absl::StrCat("std::numeric_limits<", acc_t, ">::max()");
    }
    absl::StrAppend(&body_, indent, acc_t, " acc = ", init, ";\n");
    // Inner loops over the reduced dims.
    std::vector<std::string> index(it.Rank());
    size_t k = 0;
    int depth = 0;
    for (int d = 0; d < it.Rank(); ++d) {
      if (!reduced[d]) {
        index[d] = outer[k++];
        continue;
      }
      index[d] = absl::StrCat("r", d);
      absl::StrAppend(&body_, indent, std::string(2 * depth, ' '), "for (int64_t r", d,
                      " = 0; r", d, " < ", it.shape[d], "; ++r", d, ") {\n");
      ++depth;
    }
    std::string inner(2 * depth, ' ');
    ASSIGN_OR_RETURN(std::string element, Element(in, index, indent + inner));
    std::string x = absl::StrCat("static_cast<", acc_t, ">(", element, ")");
    if (is_max || is_min) {
      absl::StrAppend(&body_, indent, inner, "{ ", acc_t, " x = ", x, "; if (x != x || x ",
                      is_max ? ">" : "<", " acc || acc != acc) acc = (acc != acc) ? acc : x; }\n");
    } else {
      absl::StrAppend(&body_, indent, inner, "acc += ", x, ";\n");
    }
    for (int d = depth; d > 0; --d) absl::StrAppend(&body_, indent, std::string(2 * (d - 1), ' '), "}\n");
    // The result's index: kept dims, with 0 for dims kept as size 1.
    std::vector<std::string> out_index;
    k = 0;
    for (int d = 0; d < it.Rank(); ++d) {
      if (!reduced[d]) out_index.push_back(outer[k++]);
      else if (keepdim) out_index.push_back("0");
    }
    std::string value = is_mean ? absl::StrCat("acc / ", count, ".0") : "acc";
    absl::StrAppend(&body_, indent, Ptr(out), "[", Offset(ot, out_index), "] = static_cast<",
                    Ty(out), ">(", value, ");\n");
    CloseLoops(kept.size(), ot.NumElements() * count);
    if (kept.empty()) absl::StrAppend(&body_, "  }\n");
    return absl::OkStatus();
  }

  // The runtime kernel computing a node that neither fuses nor aliases: the
  // op's kernel, or the copy of a view op that cannot alias here. "" if none.
  std::string KernelName(const ir::Node& node) {
    const ops::Lowering& lowering = LoweringOf(node);
    if (lowering.kind == ops::Lowering::Kind::kKernel) return lowering.kernel;
    if (lowering.kind == ops::Lowering::Kind::kView) return lowering.view.copy_kernel;
    return "";
  }

  absl::Status CheckKernel(const ir::Node& node) {
    if (KernelName(node).empty()) {
      return absl::UnimplementedError(
          absl::StrCat("code generation for ", node.op, " is not supported yet"));
    }
    for (ValueId v : node.outputs) {
      if (g_.type(v).NumElements() > 0 && !g_.type(v).IsContiguous()) {
        return absl::UnimplementedError(absl::StrCat(
            "code generation for ", node.op, " with a non-contiguous result is not supported yet"));
      }
    }
    return absl::OkStatus();
  }

  // Emits `static const int64_t <name>[] = {...};` and returns the name.
  std::string IntArray(const std::string& name, const Dims& values) {
    absl::StrAppend(&body_, "    static const int64_t ", name, "[] = {",
                    values.empty() ? "0" : absl::StrJoin(values, ", "), "};\n");
    return name;
  }

  // A Ref over a stored value (const for inputs of the call).
  std::string RefTo(ValueId v, bool is_const, const std::string& tag) {
    const ir::TensorType& t = g_.type(v);
    std::string shape = IntArray(tag + "_shape", t.shape);
    std::string strides = IntArray(tag + "_strides", t.strides);
    std::string type = Ty(v);
    return absl::StrCat("aotd_rt::Ref<", is_const ? "const " : "", type, ">{", Ptr(v), ", ", shape,
                        ", ", strides, ", ", t.Rank(), "}");
  }

  // A call of the runtime kernel for `node`: arguments in schema order
  // (calling convention in runtime/ref.h), then the outputs. The copy of a view
  // passes only its input.
  absl::Status EmitKernelCall(const ir::Node& node) {
    const ops::OpSchema& schema = Def(node).schema;
    std::string main_type = Ty(node.outputs[0]);
    for (const ir::Argument& a : node.args) {
      if (a.is_value()) {
        main_type = Ty(a.AsValue());
        break;
      }
    }
    std::vector<std::string> args;
    absl::StrAppend(&body_, "  {\n");
    const std::string tag = absl::StrCat("k", node.outputs[0]);
    const bool view_copy = LoweringOf(node).kind == ops::Lowering::Kind::kView;
    for (size_t i = 0; i < node.args.size() && (!view_copy || i == 0); ++i) {
      const ir::Argument& a = node.args[i];
      const ops::ArgType& type = schema.args[i].type;
      const std::string arg_tag = absl::StrCat(tag, "_a", i);
      switch (type.base) {
        case ops::ArgType::Base::kTensor:
          if (type.is_list) {
            std::vector<std::string> refs;
            for (size_t k = 0; k < a.AsList().size(); ++k) {
              refs.push_back(RefTo(a.AsList()[k].AsValue(), true, absl::StrCat(arg_tag, "_", k)));
            }
            absl::StrAppend(&body_, "    const aotd_rt::Ref<const ", main_type, "> ", arg_tag,
                            "[] = {", absl::StrJoin(refs, ", "), "};\n");
            args.push_back(absl::StrCat(arg_tag, ", ", refs.size()));
          } else if (a.is_value()) {
            args.push_back(RefTo(a.AsValue(), true, arg_tag));
          } else {
            args.push_back(absl::StrCat("aotd_rt::none<const ", main_type, ">()"));
          }
          break;
        case ops::ArgType::Base::kInt:
          if (type.is_list) {
            if (a.is_none() || a.AsList().empty()) {
              args.push_back("nullptr, 0");
            } else {
              args.push_back(absl::StrCat(IntArray(arg_tag, a.AsIntList()), ", ", a.AsList().size()));
            }
          } else if (type.optional) {
            args.push_back(a.is_none() ? "false, 0" : absl::StrCat("true, int64_t(", a.AsInt(), "LL)"));
          } else {
            args.push_back(absl::StrCat("int64_t(", a.AsInt(), "LL)"));
          }
          break;
        case ops::ArgType::Base::kFloat:
        case ops::ArgType::Base::kScalar:
          if (type.optional) {
            args.push_back(a.is_none() ? "false, 0.0"
                                       : absl::StrCat("true, ", ops::Literal(a.AsFloat(), ir::DType::kFloat64)));
          } else {
            args.push_back(ops::Literal(a.AsFloat(), ir::DType::kFloat64));
          }
          break;
        case ops::ArgType::Base::kBool:
          if (type.is_list) {
            std::vector<std::string> items;
            for (const ir::Argument& b : a.AsList()) items.push_back(b.AsBool() ? "true" : "false");
            absl::StrAppend(&body_, "    static const bool ", arg_tag, "[] = {",
                            absl::StrJoin(items, ", "), "};\n");
            args.push_back(arg_tag);
          } else if (type.optional) {
            args.push_back(a.is_none() ? "false, false" : absl::StrCat("true, ", a.AsBool() ? "true" : "false"));
          } else {
            args.push_back(a.AsBool() ? "true" : "false");
          }
          break;
        case ops::ArgType::Base::kScalarType:
        case ops::ArgType::Base::kLayout:
        case ops::ArgType::Base::kDevice:
        case ops::ArgType::Base::kMemoryFormat:
        case ops::ArgType::Base::kGenerator:
          break;  // Carried by the template types, or irrelevant on CPU.
        case ops::ArgType::Base::kString:
          return absl::UnimplementedError(
              absl::StrCat("code generation for ", node.op, ": string arguments"));
      }
    }
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      ValueId v = node.outputs[k];
      args.push_back(RefTo(v, false, absl::StrCat(tag, "_o", k)));
    }
    absl::StrAppend(&body_, "    if (!aotd_ok([&] { return aotd_rt::", KernelName(node), "(",
                    absl::StrJoin(args, ", "), "); })) {\n");
    if (workspace_bytes_ > 0) absl::StrAppend(&body_, "      std::free(ws);\n");
    absl::StrAppend(&body_, "      return 2;\n    }\n  }\n");
    return absl::OkStatus();
  }

  // One loop nest computing every member of a group, in order.
  absl::Status EmitGroup(int group) {
    const std::vector<ValueId>& members = members_[group];
    const ir::TensorType& t = g_.type(members[0]);
    std::vector<std::string> index = OpenLoops(t.shape);
    std::string indent(2 * (t.Rank() + 1), ' ');
    emitting_group_ = group;
    for (ValueId v : members) {
      bool local = local_[v];
      local_[v] = false;
      place_[v] = Place::kInline;
      absl::StatusOr<std::string> element = Element(v, index, indent);
      place_[v] = local ? Place::kInline : Place::kBuffer;
      local_[v] = local;
      if (!element.ok()) return element.status();
      absl::StrAppend(&body_, indent, "const ", Ty(v), " t", v, " = ", *element, ";\n");
      if (!local) absl::StrAppend(&body_, indent, Ptr(v), "[", Offset(t, index), "] = t", v, ";\n");
      emitted_[v] = true;
    }
    emitting_group_ = -1;
    CloseLoops(t.Rank(), t.NumElements() * static_cast<int64_t>(members.size()));
    return absl::OkStatus();
  }

  absl::Status EmitBody() {
    if (workspace_bytes_ > 0) {
      absl::StrAppend(&body_, "  char* ws = static_cast<char*>(std::aligned_alloc(",
                      abi::kArenaAlignment, ", ", workspace_bytes_, "));\n  if (ws == nullptr) return 1;\n");
    }
    if (UsesArena()) {
      absl::StrAppend(&body_, "  char* arena = static_cast<char*>(", ArenaAddress(), ");\n");
    }
    for (const ir::Input& in : g_.inputs()) Declare(in.value);
    emitted_.assign(n_, false);
    for (const ir::Node& node : g_.nodes()) {
      for (ValueId v : node.outputs) {
        if (!local_[v]) Declare(v);
      }
      ValueId out = node.outputs[0];
      if (group_[out] >= 0) {
        if (members_[group_[out]].back() == out) RETURN_IF_ERROR(EmitGroup(group_[out]));
        continue;
      }
      if (place_[out] != Place::kBuffer) continue;
      if (IsReduction(node)) {
        RETURN_IF_ERROR(EmitReduction(node));
      } else {
        RETURN_IF_ERROR(EmitKernelCall(node));
      }
    }
    // Outputs not computed in place: copy them out contiguously.
    for (size_t j = 0; j < g_.outputs().size(); ++j) {
      ValueId v = g_.outputs()[j];
      if (out_slot_[v] == static_cast<int>(j)) continue;
      std::string dst = absl::StrCat("o", j);
      absl::StrAppend(&body_, "  ", Ty(v), "* ", dst, " = reinterpret_cast<", Ty(v), "*>(",
                      OutputAddress(static_cast<int>(j)), ");\n");
      RETURN_IF_ERROR(EmitStore(dst, ProgramOutputType(g_, static_cast<int>(j), layout_), v));
    }
    if (workspace_bytes_ > 0) absl::StrAppend(&body_, "  std::free(ws);\n");
    return absl::OkStatus();
  }

  const ir::Graph& g_;
  std::string name_;
  OutputLayout layout_;
  ArenaBinding arena_;
  size_t n_;
  std::vector<Place> place_;
  std::vector<int64_t> offset_;
  std::vector<ValueId> base_;
  std::vector<std::vector<int>> users_;
  std::vector<int> out_slot_;
  // Loop groups (horizontal fusion): each value's group or -1, the members
  // in order, and which members never leave registers.
  std::vector<int> group_;
  std::vector<std::vector<ValueId>> members_;
  std::vector<bool> local_;
  bool open_ = false;
  int emitting_group_ = -1;
  size_t nest_start_ = 0;  // Where OpenLoops began the last loop nest in body_.
  std::vector<bool> emitted_;
  std::vector<int64_t> ws_offset_;
  int64_t workspace_bytes_ = 0;
  std::string body_;
};

}  // namespace

ir::TensorType ProgramOutputType(const ir::Graph& program, int i, OutputLayout layout) {
  const ir::TensorType& t = program.type(program.outputs()[i]);
  return layout == OutputLayout::kStored ? t.StoredLayout()
                                         : ir::TensorType::Contiguous(t.dtype, t.shape);
}

SavedArena PlanSavedArena(const ir::Graph& forward, int first_saved,
                          const std::vector<int>& saved_inputs) {
  SavedArena arena;
  int j = first_saved;
  for (int input : saved_inputs) {
    if (input >= 0) {
      arena.offsets.push_back(-1);
      continue;
    }
    arena.offsets.push_back(arena.bytes);
    arena.bytes += BlockBytes(ProgramOutputType(forward, j++, OutputLayout::kStored));
  }
  return arena;
}

absl::StatusOr<std::vector<std::string>> EmitTranslationUnits(const ir::Graph& forward,
                                                              const ir::Graph& backward,
                                                              const SavedArena& arena) {
  const int num_computed = static_cast<int>(
      std::count_if(arena.offsets.begin(), arena.offsets.end(), [](int64_t o) { return o >= 0; }));
  const int first_saved = static_cast<int>(forward.outputs().size()) - num_computed;
  if (first_saved < 0 || arena.offsets.size() > backward.inputs().size()) {
    return absl::InternalError("codegen: the saved arena does not match the programs");
  }
  ArenaBinding writes{/*owned=*/false, std::vector<int64_t>(first_saved, -1), arena.bytes};
  ArenaBinding owns{/*owned=*/true, arena.offsets, arena.bytes};
  for (size_t k = 0, j = first_saved; k < arena.offsets.size(); ++k) {
    if (arena.offsets[k] < 0) continue;
    // The backward reads no further than the forward wrote.
    if (BlockBytes(backward.type(backward.inputs()[k].value)) >
        BlockBytes(ProgramOutputType(forward, static_cast<int>(j), OutputLayout::kStored))) {
      return absl::InternalError(
          absl::StrCat("codegen: the backward reads saved tensor ", k, " past its arena region"));
    }
    writes.offsets.push_back(arena.offsets[k]);
    ++j;
  }
  ASSIGN_OR_RETURN(std::string fw, ProgramEmitter(forward, "run_forward", OutputLayout::kStored,
                                                  std::move(writes))
                                       .Emit());
  ASSIGN_OR_RETURN(std::string bw, ProgramEmitter(backward, "run_backward",
                                                  OutputLayout::kContiguous, std::move(owns))
                                       .Emit());
  auto unit = [](const std::string& program, const char* name, const char* run) {
    return absl::StrCat("// Generated by aotd. Do not edit.\n#include \"", kRuntimeHeaderName,
                        "\"\n\nnamespace {\n\n", program, "\n}  // namespace\n\n",
                        "extern \"C\" int ", name, abi::kEntryPointParameters, " {\n  return ",
                        run, "(in, out);\n}\n");
  };
  std::string forward_unit = unit(fw, abi::kForwardSymbol, "run_forward");
  absl::StrAppend(&forward_unit, "extern \"C\" int ", abi::kAbiVersionSymbol, "(void) { return ",
                  abi::kAbiVersion, "; }\n");
  return std::vector<std::string>{std::move(forward_unit),
                                  unit(bw, abi::kBackwardSymbol, "run_backward")};
}

}  // namespace aotd::codegen
