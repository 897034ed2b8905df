//===- FuzzErrors.h - What the fuzz targets require of errors ---*- C++ -*-===//

#ifndef EINC_TEST_FUZZ_FUZZERRORS_H
#define EINC_TEST_FUZZ_FUZZERRORS_H

#include "FuzzCheck.h"
#include "einc/Error.h"

#include "llvm/Support/Error.h"

#include <string>

namespace ein::fuzz {

/// `err` must be an ExprError with a message and a caret within a source
/// line of at most `length` characters, never a plain or internal error.
inline void expectExprError(llvm::Error err, size_t length) {
  bool located = false;
  llvm::handleAllErrors(
      std::move(err),
      [&](const ein::ExprError &e) {
        EIN_FUZZ_CHECK(!e.reason().empty(), "an error without a message");
        EIN_FUZZ_CHECK(e.column() <= e.source().size() &&
                           e.source().size() <= length,
                       "a caret outside the text");
        // What the user sees: the source line and the caret under it, two
        // lines of printable characters.
        std::string lines = e.caretLines(0);
        size_t newline = lines.find('\n');
        EIN_FUZZ_CHECK(newline != std::string::npos &&
                           lines.find('\n', newline + 1) == std::string::npos,
                       "the caret lines are not two lines");
        for (char c : lines)
          EIN_FUZZ_CHECK(c == '\n' || (c >= 0x20 && c < 0x7f),
                         "an unprintable character in the caret lines");
        EIN_FUZZ_CHECK(lines.size() - newline - 1 == e.column() + 1,
                       "the caret is not under the column");
        located = true;
      },
      [&](const llvm::ErrorInfoBase &e) {
        std::fprintf(stderr, "unlocated error: %s\n", e.message().c_str());
      });
  EIN_FUZZ_CHECK(located, "an error without a caret");
}

/// `err` is a user's error (ExprError or a message that is not internal).
inline void expectUserError(llvm::Error err) {
  std::string message = llvm::toString(std::move(err));
  EIN_FUZZ_CHECK(!message.empty(), "an error without a message");
  EIN_FUZZ_CHECK(message.rfind("internal", 0) != 0, message.c_str());
}

} // namespace ein::fuzz

#endif // EINC_TEST_FUZZ_FUZZERRORS_H
