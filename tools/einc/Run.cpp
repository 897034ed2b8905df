//===- Run.cpp - `einc run EXPR IN.npy... -o OUT.npy` ---------------------===//

#include "Common.h"
#include "compiler/parser/Einsum.h"
#include "einc/Error.h"
#include "einc/Jit.h"
#include "einrt/einrt.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

using namespace llvm;
using namespace einc;

cl::SubCommand runCommand("run",
                          "Compute an einsum of .npy files through the JIT");

cl::OptionCategory einc::runCategory("einc run EXPR IN.npy... -o OUT.npy");

namespace {
cl::OptionCategory &category = runCategory;
cl::list<std::string> positional(cl::Positional, cl::sub(runCommand),
                                 cl::desc("EXPR IN.npy..."), cl::cat(category));
cl::opt<std::string> outputOpt("o", cl::sub(runCommand), cl::cat(category),
                               cl::desc("Output .npy file"),
                               cl::value_desc("OUT.npy"));
cl::opt<bool> printOpt("print", cl::sub(runCommand), cl::cat(category),
                       cl::desc("Print the result as text to stdout"));
cl::opt<std::string> targetOpt("target", cl::init("cpu"), cl::sub(runCommand),
                               cl::cat(category),
                               cl::desc("cpu (gpu: not supported yet)"));
cl::opt<std::string> programOpt("f", cl::sub(runCommand), cl::cat(category),
                                cl::desc("Index-notation program (not "
                                         "supported yet)"),
                                cl::value_desc("prog.ein"));
PathFlags pathFlags(runCommand, category);

/// Owns the arrays it reads or allocates.
struct Arrays {
  std::vector<einrt_array> items;
  ~Arrays() {
    for (einrt_array &a : items)
      einrt_array_free(&a);
  }
};

std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  for (int64_t d : shape)
    s += (s.empty() ? "" : "x") + std::to_string(d);
  return s.empty() ? "()" : s;
}

/// Bytes for `shape` of `dtype`, or nullopt when it overflows.
std::optional<uint64_t> byteSize(ArrayRef<int64_t> shape, ein::DType dtype) {
  uint64_t n = ein::dtypeSize(dtype);
  for (int64_t d : shape)
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(d), &n))
      return std::nullopt;
  return n;
}

/// Refuses results and intermediates that cannot fit in memory, before
/// anything large is allocated.
Error checkMemory(const ein::EinsumProblem &p, const ein::Path &path) {
  uint64_t limit = physicalMemory();
  auto tooLarge = [&](const Twine &what, ArrayRef<int64_t> shape,
                      std::optional<uint64_t> bytes, StringRef hint) {
    std::string size = bytes ? formatBytes(static_cast<double>(*bytes))
                             : std::string("more than 2^64 bytes");
    std::string shapeText =
        shape.empty() ? "" : "shape " + shapeStr(shape) + ", ";
    return ein::userError(
        what + " needs " + size + " (" + shapeText + ein::dtypeName(p.dtype) +
        "), more than this " + "machine's " +
        formatBytes(static_cast<double>(limit)) + " of memory" + hint);
  };
  std::optional<uint64_t> out = byteSize(p.outputShape, p.dtype);
  if (!out || *out > limit)
    return tooLarge("the result", p.outputShape, out, "");
  // Every intermediate of one slice, as if none were freed early.
  uint64_t total = *out;
  for (size_t k = 0; k + 1 < path.steps.size(); ++k) {
    double elements = path.steps[k].size;
    if (!path.slicedIndices.empty())
      elements = std::min(elements, path.slicedLargest);
    double bytes = elements * ein::dtypeSize(p.dtype);
    std::optional<uint64_t> exact;
    if (bytes < 1.8e19)
      exact = static_cast<uint64_t>(bytes);
    if (!exact || __builtin_add_overflow(total, *exact, &total) ||
        total > limit)
      return tooLarge("the intermediate '" + path.steps[k].contraction + "'",
                      {}, exact, "; --memory-limit slices the contraction");
  }
  return Error::success();
}

/// Fails early when `path` cannot be created, before any work is done.
Error checkWritable(StringRef path) {
  if (sys::fs::is_directory(path))
    return ein::userError("cannot write '" + path + "': it is a directory");
  SmallString<256> dir(path);
  sys::path::remove_filename(dir);
  if (dir.empty())
    dir = ".";
  if (access(dir.c_str(), W_OK) != 0)
    return ein::userError("cannot write '" + path +
                          "': " + std::strerror(errno));
  return Error::success();
}
} // namespace

int einc::runRun(int argc, char **argv) {
  if (!programOpt.empty())
    return reportError("einc run -f (index-notation programs) is not "
                       "supported yet; give an einsum expression");
  if (targetOpt == "gpu" || targetOpt == "nvptx")
    return reportError("--target " + targetOpt +
                       " is not supported yet; only --target cpu is");
  if (targetOpt != "cpu")
    return reportError("unknown --target '" + targetOpt + "' (use cpu)");
  if (positional.empty())
    return reportError("missing EXPR (usage: einc run EXPR IN.npy... -o "
                       "OUT.npy)");
  if (outputOpt.empty() && !printOpt)
    return reportError("missing -o OUT.npy (or --print)");
  std::string expr = positional[0];
  // Syntax errors first: they need no files.
  if (auto parsed = ein::parseEinsum(expr); !parsed)
    return reportError(parsed.takeError());
  if (!outputOpt.empty())
    if (Error err = checkWritable(outputOpt))
      return reportError(std::move(err));

  Arrays inputs;
  char message[1024];
  for (size_t i = 1; i < positional.size(); ++i) {
    einrt_array a{};
    if (einrt_npy_read(positional[i].c_str(), &a, message, sizeof(message)))
      return reportError(message);
    inputs.items.push_back(a);
  }
  if (inputs.items.empty())
    return reportError("no input files (usage: einc run EXPR IN.npy... -o "
                       "OUT.npy)");

  // NumPy's type promotion across all inputs.
  ein::DType dtype = static_cast<ein::DType>(inputs.items[0].dtype);
  for (const einrt_array &a : inputs.items)
    dtype = ein::promoteTypes(dtype, static_cast<ein::DType>(a.dtype));
  for (einrt_array &a : inputs.items) {
    if (static_cast<ein::DType>(a.dtype) == dtype)
      continue;
    einrt_array converted{};
    if (einrt_array_convert(&a, static_cast<einrt_dtype>(dtype), &converted,
                            message, sizeof(message)))
      return reportError(message);
    einrt_array_free(&a);
    a = converted;
  }

  std::vector<SmallVector<int64_t>> shapes;
  std::vector<ein::Shape> jitShapes;
  for (const einrt_array &a : inputs.items) {
    shapes.emplace_back(a.shape, a.shape + a.rank);
    jitShapes.emplace_back(a.shape, a.shape + a.rank);
  }
  auto problem = ein::resolveEinsum(expr, shapes, dtype);
  if (!problem)
    return reportError(problem.takeError());
  auto pathOptions = pathFlags.get(dtype, /*deterministic=*/true);
  if (!pathOptions)
    return reportError(pathOptions.takeError());
  ein::CompileOptions compileOptions;
  compileOptions.path = *pathOptions;
  ein::Jit jit;
  auto kernel = jit.compile(expr, jitShapes, dtype, compileOptions);
  if (!kernel) {
    // Path-search refusals (an impossible memory limit) are user errors.
    std::string message = toString(kernel.takeError());
    bool internal = StringRef(message).starts_with("internal");
    return reportError(message, internal ? InternalError : UserError);
  }
  if (Error err = checkMemory(*problem, kernel->path()))
    return reportError(std::move(err));

  einrt_array out{};
  out.dtype = static_cast<einrt_dtype>(dtype);
  out.rank = static_cast<int32_t>(problem->outputShape.size());
  if (out.rank > EINRT_MAX_RANK)
    return reportError("the result has rank " + Twine(out.rank) +
                       ", more than .npy files hold (" + Twine(EINRT_MAX_RANK) +
                       ")");
  std::copy(problem->outputShape.begin(), problem->outputShape.end(),
            out.shape);
  if (einrt_array_alloc(&out, message, sizeof(message)))
    return reportError(message);
  Arrays outputs;
  outputs.items.push_back(out);

  std::vector<const void *> pointers;
  for (const einrt_array &a : inputs.items)
    pointers.push_back(a.data);
  if (Error err = (*kernel)(pointers, out.data))
    return reportError(std::move(err), InternalError);

  if (printOpt)
    printArray(outs(), out);
  if (!outputOpt.empty() &&
      einrt_npy_write(outputOpt.c_str(), &out, message, sizeof(message)))
    return reportError(message);
  return Success;
}
