//===- ProgramParserFuzzer.cpp - Fuzz the index-notation parser -----------===//
//
// Any bytes as a program: parsing either succeeds, and then every statement,
// input and output it reports points into the source, or fails with an
// ExprError whose caret lies within one line of the source.
//
//===----------------------------------------------------------------------===//

#include "FuzzErrors.h"
#include "compiler/parser/Program.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string source(reinterpret_cast<const char *>(data), size);
  auto program = ein::parseProgram(source);
  if (!program) {
    ein::fuzz::expectExprError(program.takeError(), source.size());
    return 0;
  }
  EIN_FUZZ_CHECK(!program->outputs.empty(), "a program without outputs");
  EIN_FUZZ_CHECK(program->outputOffsets.size() == program->outputs.size(),
                 "an output without a position");
  for (size_t offset : program->outputOffsets)
    EIN_FUZZ_CHECK(offset <= source.size(), "an output outside the source");
  for (const ein::Statement &s : program->statements) {
    EIN_FUZZ_CHECK(s.offset <= source.size(), "a statement outside the source");
    EIN_FUZZ_CHECK(!s.targets.empty() && s.value, "an empty statement");
  }
  for (const ein::TensorDecl &d : program->inputs)
    EIN_FUZZ_CHECK(d.offset <= source.size(), "an input outside the source");
  return 0;
}
