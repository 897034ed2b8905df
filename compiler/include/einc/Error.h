//===- Error.h - Errors that point into the user's text ---------*- C++ -*-===//

#ifndef EINC_ERROR_H
#define EINC_ERROR_H

#include "llvm/Support/Error.h"

#include <string>

namespace ein {

/// A user error located in an expression: the message, the expression and
/// the 0-based column to put a caret under (npos for none).
class ExprError : public llvm::ErrorInfo<ExprError> {
public:
  static char ID;
  ExprError(std::string message, std::string source, size_t column)
      : msg(std::move(message)), src(std::move(source)), col(column) {}

  void log(llvm::raw_ostream &os) const override { os << msg; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
  const std::string &reason() const { return msg; }
  const std::string &source() const { return src; }
  size_t column() const { return col; }
  /// Two lines: the expression, indented by `indent` spaces, and a caret
  /// under the column. Empty when there is no column.
  std::string caretLines(unsigned indent = 4) const;

private:
  std::string msg, src;
  size_t col;
};

/// A plain user error (bad file, bad shape list, ...), as opposed to an
/// internal failure of the compiler.
inline llvm::Error userError(const llvm::Twine &message) {
  return llvm::createStringError(
      std::make_error_code(std::errc::invalid_argument), message);
}

/// Whether `e` is one of userError's (or an ExprError): the input's fault.
inline bool isUserError(const llvm::ErrorInfoBase &e) {
  return e.isA<ExprError>() ||
         e.convertToErrorCode() == std::errc::invalid_argument;
}

/// Keeps user errors as they are and marks anything else as an internal
/// compiler error.
inline llvm::Error keepUserErrors(llvm::Error err) {
  return llvm::handleErrors(
      std::move(err),
      [](std::unique_ptr<llvm::ErrorInfoBase> e) -> llvm::Error {
        if (isUserError(*e))
          return llvm::Error(std::move(e));
        return llvm::createStringError("internal compiler error: " +
                                       e->message());
      });
}

} // namespace ein

#endif // EINC_ERROR_H
