#include "compiler/ops/testing/codegen_sample.h"

#include <utility>
#include <vector>

namespace aotd::ops::testing {

Argument List(std::vector<Argument> items) { return Argument::List(std::move(items)); }
Argument Str(const char* s) { return Argument::String(s); }
Argument Mask(bool a, bool b, bool c) { return List({B(a), B(b), B(c)}); }

}  // namespace aotd::ops::testing
