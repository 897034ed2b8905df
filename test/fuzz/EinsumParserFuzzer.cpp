//===- EinsumParserFuzzer.cpp - Fuzz the einsum parser --------------------===//
//
// Any bytes as an einsum string: parsing either succeeds, and then the
// expression resolves without shapes to strict subscripts that parse again
// to the same thing, or fails with an ExprError whose caret column lies
// within the text. Anything else (a crash, a sanitizer report, another
// kind of error) is a finding.
//
//===----------------------------------------------------------------------===//

#include "FuzzErrors.h"
#include "compiler/parser/Einsum.h"
#include "dialect/Subscripts.h"
#include "einc/Error.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  auto parsed = ein::parseEinsum(text);
  if (!parsed) {
    ein::fuzz::expectExprError(parsed.takeError(), text.size());
    return 0;
  }
  auto problem = ein::resolveEinsumDynamic(text, ein::f32);
  if (!problem) {
    // '...' needs shapes; other failures must point into the text too.
    ein::fuzz::expectExprError(problem.takeError(), text.size());
    return 0;
  }
  std::string strict = problem->subscripts.str(), error;
  size_t column = 0;
  auto again = mlir::ein::Subscripts::parse(strict, error, column);
  EIN_FUZZ_CHECK(again.has_value(), "strict form does not parse again");
  EIN_FUZZ_CHECK(again->str() == strict, "strict form is not a fixed point");
  return 0;
}
