// Internal to compiler/codegen: the fixed text every generated translation
// unit starts with (standard headers, the vector-math declarations).
#ifndef AOTD_COMPILER_CODEGEN_PRELUDE_H_
#define AOTD_COMPILER_CODEGEN_PRELUDE_H_

namespace aotd::codegen {

extern const char kPrelude[];

}  // namespace aotd::codegen

#endif  // AOTD_COMPILER_CODEGEN_PRELUDE_H_
