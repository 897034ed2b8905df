//===- ProgramParserFuzzer.cpp - Fuzz the index-notation parser -----------===//
//
// Any bytes as a program: parsing either succeeds, and then every statement,
// input and output it reports points into the source, or fails with an
// ExprError whose caret lies within one line of the source. Index layouts
// (extents, groups) cover exactly the indices they describe.
//
//===----------------------------------------------------------------------===//

#include "FuzzErrors.h"
#include "compiler/parser/Program.h"

#include <cstdint>
#include <numeric>
#include <string>

namespace {

void checkLayout(const std::vector<std::string> &indices,
                 const ein::IndexLayout &layout, size_t size) {
  EIN_FUZZ_CHECK(layout.extents.size() == indices.size(),
                 "an index without its extent slot");
  EIN_FUZZ_CHECK(layout.offsets.size() == layout.spans.size(),
                 "a dimension without a position");
  EIN_FUZZ_CHECK(std::accumulate(layout.spans.begin(), layout.spans.end(),
                                 size_t(0)) == indices.size(),
                 "groups that do not cover the indices");
  for (unsigned span : layout.spans)
    EIN_FUZZ_CHECK(span >= 1, "an empty group");
  for (size_t offset : layout.offsets)
    EIN_FUZZ_CHECK(offset <= size, "a dimension outside the source");
  for (int64_t extent : layout.extents)
    EIN_FUZZ_CHECK(extent >= -1, "a negative extent");
}

void checkExpr(const ein::Expr &e, size_t size) {
  if (e.kind == ein::Expr::Access)
    checkLayout(e.indices, e.layout, size);
  for (const auto &a : e.args)
    checkExpr(*a, size);
}

} // namespace

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
    for (const ein::TensorDecl &t : s.targets)
      checkLayout(t.indices, t.layout, source.size());
    checkExpr(*s.value, source.size());
  }
  for (const ein::TensorDecl &d : program->inputs) {
    EIN_FUZZ_CHECK(d.offset <= source.size(), "an input outside the source");
    checkLayout(d.indices, d.layout, source.size());
    EIN_FUZZ_CHECK(!d.layout.grouped(), "an input with index groups");
  }
  return 0;
}
