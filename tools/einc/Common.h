//===- Common.h - Shared pieces of the einc subcommands ---------*- C++ -*-===//

#ifndef EINC_TOOLS_EINC_COMMON_H
#define EINC_TOOLS_EINC_COMMON_H

#include "einc/DType.h"
#include "einc/Path.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <vector>

struct einrt_array;
namespace llvm {
class raw_ostream;
}

namespace einc {

/// Exit codes of the CLI contract.
enum ExitCode { Success = 0, UserError = 1, InternalError = 2 };

/// Prints `einc: error: ...` (and caret lines for ein::ExprError) to stderr
/// and returns the exit code that fits the error.
int reportError(llvm::Error error, ExitCode code = UserError);
int reportError(const llvm::Twine &message, ExitCode code = UserError);

/// Parses "32x128x50,32x50x768": one shape per operand, 'x' between
/// extents, '?' for a dynamic extent, "" or "()" for a scalar.
llvm::Expected<std::vector<llvm::SmallVector<int64_t>>>
parseShapeList(llvm::StringRef text);

/// Parses "b=32,i=128" into extents per label (0 where not given, -1
/// marks "given").
llvm::Expected<std::array<int64_t, 128>> parseSizes(llvm::StringRef text);

/// Static operand shapes from --shapes or --sizes (by label) for
/// `expression`; `command` names the subcommand in errors.
llvm::Expected<std::vector<std::vector<int64_t>>>
staticShapes(llvm::StringRef expression, llvm::StringRef shapes,
             llvm::StringRef sizes, llvm::StringRef command);

/// Human-readable byte count ("1.5 GiB").
std::string formatBytes(double bytes);

/// Prints `a` as nested brackets, NumPy-like, after a shape line.
void printArray(llvm::raw_ostream &os, const einrt_array &a);

/// Physical memory of the machine in bytes.
uint64_t physicalMemory();

/// The contraction-order flags, shared by several subcommands.
struct PathFlags {
  llvm::cl::opt<std::string> optimize, minimize, memoryLimit;
  llvm::cl::opt<double> maxTime;
  llvm::cl::opt<uint64_t> seed;
  PathFlags(llvm::cl::SubCommand &sub, llvm::cl::OptionCategory &category);
  /// The options they give; the memory limit in bytes becomes elements of
  /// `dtype`. `deterministic` caps hyper by trials as the JIT does.
  llvm::Expected<ein::PathOptions> get(ein::DType dtype,
                                       bool deterministic) const;
};

/// Parses "512MiB", "1GiB", "100KB", "1e9" (bytes).
llvm::Expected<double> parseBytes(llvm::StringRef text);

/// Option categories shown by --help.
extern llvm::cl::OptionCategory codegenCategory;
extern llvm::cl::OptionCategory runCategory;
extern llvm::cl::OptionCategory explainCategory;
extern llvm::cl::OptionCategory benchCategory;

// Subcommands.
int runCodegen(int argc, char **argv);
int runRun(int argc, char **argv);
int runExplain(int argc, char **argv);
int runBench(int argc, char **argv);

} // namespace einc

#endif // EINC_TOOLS_EINC_COMMON_H
