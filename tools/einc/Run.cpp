//===- Run.cpp - `einc run EXPR IN.npy... -o OUT.npy` ---------------------===//

#include "Common.h"
#include "compiler/parser/Einsum.h"
#include "compiler/parser/Program.h"
#include "einc/Error.h"
#include "einc/Jit.h"
#include "einc/Path.h"
#include "einrt/einrt.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
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
cl::list<std::string> outputList(
    "o", cl::sub(runCommand), cl::cat(category),
    cl::desc("Output .npy file (NAME=OUT.npy for each output of a program)"),
    cl::value_desc("OUT.npy"));
cl::opt<bool> printOpt("print", cl::sub(runCommand), cl::cat(category),
                       cl::desc("Print the result as text to stdout"));
cl::opt<std::string>
    targetOpt("target", cl::init("cpu"), cl::sub(runCommand), cl::cat(category),
              cl::desc("cpu, or gpu: an NVIDIA GPU through the CUDA driver "
                       "(decompositions through cuSOLVER)"));
cl::opt<std::string>
    gpuArchOpt("gpu-arch", cl::sub(runCommand), cl::cat(category),
               cl::desc("With --target gpu: the architecture to compile for "
                        "(default: the device's own)"),
               cl::value_desc("sm_XX"));
cl::opt<bool>
    gpuTF32Opt("gpu-tf32", cl::sub(runCommand), cl::cat(category),
               cl::desc("With --target gpu: f32 contractions may use TF32 "
                        "tensor cores (sm_80 and later)"));
cl::opt<std::string> programOpt(
    "f", cl::sub(runCommand), cl::cat(category),
    cl::desc("Run an index-notation program; inputs are NAME=IN.npy"),
    cl::value_desc("prog.ein"));
cl::opt<std::string> inlineOpt("e", cl::sub(runCommand), cl::cat(category),
                               cl::desc("Run the program given inline"),
                               cl::value_desc("PROGRAM"));
cl::opt<unsigned> threadsOpt("threads", cl::init(0), cl::sub(runCommand),
                             cl::cat(category),
                             cl::desc("Threads for large contractions "
                                      "(default: EINC_NUM_THREADS, else "
                                      "every CPU)"));
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

double elementCount(ArrayRef<int64_t> shape) {
  double n = 1;
  for (int64_t d : shape)
    n *= double(d);
  return n;
}

/// Elements of the part of an operand with labels `labels` and `shape`
/// that one slice of `sliced` labels covers.
double sliceElements(StringRef labels, ArrayRef<int64_t> shape,
                     StringRef sliced) {
  double n = 1;
  for (size_t d = 0; d < labels.size(); ++d)
    n *= sliced.contains(labels[d]) ? 1.0 : double(shape[d]);
  return n;
}

/// What `einc run` holds at once for an einsum, in bytes, counted
/// generously: the inputs, the result, every intermediate of one slice as
/// if none were freed early, a working copy of the largest operand (the
/// kernels' packed and transposed copies), and on a sliced path the
/// gathered slice of each sliced input and one slice of the result.
struct Footprint {
  double inputs = 0, result = 0, intermediates = 0, working = 0;
  double total() const { return inputs + result + intermediates + working; }
};

Footprint footprint(const ein::EinsumProblem &p, const ein::Path &path) {
  double size = ein::dtypeSize(p.dtype), largest = 0;
  Footprint f;
  for (const auto &shape : p.inputShapes) {
    f.inputs += elementCount(shape) * size;
    largest = std::max(largest, elementCount(shape));
  }
  f.result = elementCount(p.outputShape) * size;
  for (size_t k = 0; k + 1 < path.steps.size(); ++k) {
    double elements = path.steps[k].size;
    if (!path.slicedIndices.empty())
      elements = std::min(elements, path.slicedLargest);
    f.intermediates += elements * size;
    largest = std::max(largest, elements);
  }
  f.working = largest * size;
  StringRef sliced = path.slicedIndices;
  if (!sliced.empty()) {
    for (size_t i = 0; i < p.inputShapes.size(); ++i)
      if (StringRef(p.subscripts.inputs[i]).find_first_of(sliced) !=
          StringRef::npos)
        f.working +=
            (sliceElements(p.subscripts.inputs[i], p.inputShapes[i], sliced) +
             1) *
            size;
    f.working +=
        (sliceElements(p.subscripts.output, p.outputShape, sliced) + 1) * size;
  }
  return f;
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

/// Path options that keep what `einc run` holds within a memory limit, the
/// path they give and the bytes it holds at once.
struct Fit {
  ein::PathOptions options;
  ein::Path path;
  double bytes = 0;
};

/// The path options that keep everything `einc run` holds for `p` within
/// `limit` bytes: intermediates get what the inputs and the result leave,
/// and tighter slicing is tried until the whole footprint fits.
Expected<Fit> fitMemoryLimit(const ein::EinsumProblem &p, StringRef expr,
                             const std::vector<ein::Shape> &shapes,
                             ein::PathOptions options, double limit,
                             StringRef limitText) {
  double size = ein::dtypeSize(p.dtype);
  Footprint fixed = footprint(p, ein::Path());
  double left = limit - fixed.inputs - fixed.result;
  if (left < size)
    return ein::userError("--memory-limit " + limitText + " (" +
                          formatBytes(limit) + ") leaves no room: the inputs " +
                          "take " + formatBytes(fixed.inputs) +
                          " and the result " + formatBytes(fixed.result));
  // Intermediates and working copies share what is left. The search
  // never takes a limit below an operand: those exist anyway.
  double floor = elementCount(p.outputShape);
  for (const auto &shape : p.inputShapes)
    floor = std::max(floor, elementCount(shape));
  size_t parts = std::max<size_t>(2, 2 * (p.inputShapes.size() - 1));
  double first = std::max(floor, std::floor(left / size / double(parts)));
  // Unsliced first: slicing costs FLOPs and is only worth it when needed.
  options.memoryLimit = 0;
  for (;;) {
    auto path = ein::findContractionPath(expr, shapes, options);
    if (!path)
      return path.takeError();
    Footprint f = footprint(p, *path);
    if (f.total() <= limit)
      return Fit{options, *path, f.total()};
    if (options.memoryLimit != 0 && options.memoryLimit <= floor)
      return ein::userError(
          "--memory-limit " + limitText + " (" + formatBytes(limit) +
          ") cannot be met: slicing still needs " + formatBytes(f.total()) +
          " at once (inputs " + formatBytes(f.inputs) + ", result " +
          formatBytes(f.result) + ", intermediates and working copies " +
          formatBytes(f.intermediates + f.working) + ")");
    options.memoryLimit =
        options.memoryLimit == 0
            ? first
            : std::max(floor, std::floor(options.memoryLimit / 4));
  }
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
/// Loads `path`, converting it to `dtype` when that widens it.
Error loadAs(const std::string &path, std::optional<ein::DType> dtype,
             einrt_array &out) {
  char message[1024];
  if (einrt_npy_read(path.c_str(), &out, message, sizeof(message)))
    return ein::userError(message);
  if (!dtype || static_cast<ein::DType>(out.dtype) == *dtype)
    return Error::success();
  ein::DType from = static_cast<ein::DType>(out.dtype);
  if (ein::promoteTypes(from, *dtype) != *dtype) {
    einrt_array_free(&out);
    return ein::userError("'" + path + "' is " + ein::dtypeName(from) +
                          " but the program computes in " +
                          ein::dtypeName(*dtype));
  }
  einrt_array converted{};
  if (einrt_array_convert(&out, static_cast<einrt_dtype>(*dtype), &converted,
                          message, sizeof(message))) {
    einrt_array_free(&out);
    return ein::userError(message);
  }
  einrt_array_free(&out);
  out = converted;
  return Error::success();
}

/// Splits "NAME=path"; fails with `what` in the message.
Expected<std::pair<std::string, std::string>> splitNamed(StringRef arg,
                                                         StringRef what) {
  auto [name, path] = arg.split('=');
  if (path.empty() || name.empty())
    return ein::userError("expected NAME=" + what + ", got '" + arg + "'");
  return std::make_pair(name.str(), path.str());
}

/// `einc run -f prog.ein NAME=IN.npy... -o NAME=OUT.npy...`, on the GPU with
/// `gpu`.
int runProgram(bool gpu) {
  if (!programOpt.empty() && !inlineOpt.getValue().empty())
    return reportError("give either -f FILE or -e PROGRAM, not both");
  std::string source = inlineOpt;
  std::string where = "-e";
  if (!programOpt.empty()) {
    auto buffer = MemoryBuffer::getFile(programOpt);
    if (!buffer)
      return reportError("cannot read '" + programOpt +
                         "': " + buffer.getError().message());
    source = (*buffer)->getBuffer().str();
    where = programOpt;
  }
  // Program errors name the file.
  auto report = [&](Error err) {
    return reportError(
        handleErrors(std::move(err), [&](const ein::ExprError &e) -> Error {
          return make_error<ein::ExprError>(where + ": " + e.reason(),
                                            e.source(), e.column());
        }));
  };
  auto program = ein::parseProgram(source);
  if (!program)
    return report(program.takeError());
  if (outputList.empty() && !printOpt)
    return reportError("missing -o NAME=OUT.npy (or --print)");
  std::vector<std::pair<std::string, std::string>> outputs;
  for (const std::string &o : outputList) {
    auto named = splitNamed(o, "OUT.npy");
    if (!named)
      return reportError(named.takeError());
    if (!llvm::is_contained(program->outputs, named->first))
      return reportError("'" + named->first +
                         "' is not an output of the program (its 'out' "
                         "line names " +
                         llvm::join(program->outputs, ", ") + ")");
    if (Error err = checkWritable(named->second))
      return reportError(std::move(err));
    outputs.push_back(*named);
  }

  Arrays inputs;
  std::map<std::string, einrt_array *> byName;
  std::map<std::string, std::string> paths;
  for (const std::string &arg : positional) {
    auto named = splitNamed(arg, "IN.npy");
    if (!named)
      return reportError(named.takeError());
    if (paths.count(named->first))
      return reportError("input '" + named->first + "' is given twice");
    paths[named->first] = named->second;
  }
  // The dtype: the program's, or NumPy's promotion of the inputs.
  std::optional<ein::DType> dtype = program->dtype;
  for (const ein::TensorDecl &d : program->inputs) {
    auto it = paths.find(d.name);
    if (it == paths.end())
      return reportError("missing input '" + d.name + "' (give " + d.name +
                         "=FILE.npy)");
    einrt_array a{};
    if (Error err = loadAs(it->second, program->dtype, a))
      return reportError(std::move(err));
    inputs.items.push_back(a);
  }
  for (const auto &named : paths) {
    const std::string &name = named.first;
    if (std::none_of(program->inputs.begin(), program->inputs.end(),
                     [&](const ein::TensorDecl &d) { return d.name == name; }))
      return reportError("the program has no input named '" + name + "'");
  }
  if (!dtype) {
    // Without inputs, NumPy's default: float64.
    dtype = static_cast<ein::DType>(
        inputs.items.empty() ? EINRT_F64 : inputs.items[0].dtype);
    for (const einrt_array &a : inputs.items)
      dtype = ein::promoteTypes(*dtype, static_cast<ein::DType>(a.dtype));
    for (size_t i = 0; i < inputs.items.size(); ++i) {
      einrt_array &a = inputs.items[i];
      if (static_cast<ein::DType>(a.dtype) == *dtype)
        continue;
      einrt_array converted{};
      char message[1024];
      if (einrt_array_convert(&a, static_cast<einrt_dtype>(*dtype), &converted,
                              message, sizeof(message)))
        return reportError(message);
      einrt_array_free(&a);
      a = converted;
    }
  }

  std::map<std::string, ein::Shape> shapes;
  std::vector<const void *> pointers;
  for (size_t i = 0; i < program->inputs.size(); ++i) {
    const einrt_array &a = inputs.items[i];
    shapes[program->inputs[i].name] = ein::Shape(a.shape, a.shape + a.rank);
    pointers.push_back(a.data);
  }
  if (!pathFlags.memoryLimit.empty())
    return reportError("--memory-limit is not supported for programs yet: it "
                       "bounds what einc run holds for one einsum expression");
  auto pathOptions = pathFlags.get(*dtype, /*deterministic=*/true);
  if (!pathOptions)
    return reportError(pathOptions.takeError());
  ein::CompileOptions options;
  options.path = *pathOptions;
  if (gpu) {
    options.target = ein::Target::GPU;
    options.gpuArch = gpuArchOpt;
    options.allowTF32 = gpuTF32Opt;
  }
  ein::Jit jit;
  auto kernel = jit.compileProgram(source, shapes, *dtype, options);
  if (!kernel) {
    std::string message;
    bool internal = false;
    Error err = handleErrors(kernel.takeError(), [&](const StringError &e) {
      internal = StringRef(e.getMessage()).starts_with("internal");
      return make_error<StringError>(e.getMessage(), e.convertToErrorCode());
    });
    if (internal)
      return reportError(std::move(err), InternalError);
    return report(std::move(err));
  }

  Arrays results;
  std::vector<void *> outPointers;
  char message[1024];
  for (size_t k = 0; k < kernel->outputNames().size(); ++k) {
    einrt_array out{};
    out.dtype = static_cast<einrt_dtype>(*dtype);
    const ein::Shape &shape = kernel->outputShapes()[k];
    out.rank = shape.size();
    std::copy(shape.begin(), shape.end(), out.shape);
    if (einrt_array_alloc(&out, message, sizeof(message)))
      return reportError(message);
    results.items.push_back(out);
    outPointers.push_back(out.data);
  }
  // Run-time failures (a singular matrix, ...) are the input's fault.
  if (Error err = (*kernel)(pointers, outPointers))
    return reportError(std::move(err), UserError);
  for (size_t k = 0; k < kernel->outputNames().size(); ++k) {
    const std::string &name = kernel->outputNames()[k];
    if (printOpt) {
      outs() << name << ": ";
      printArray(outs(), results.items[k]);
    }
    for (const auto &[outName, path] : outputs)
      if (outName == name && einrt_npy_write(path.c_str(), &results.items[k],
                                             message, sizeof(message)))
        return reportError(message);
  }
  return Success;
}
} // namespace

int einc::runRun(int argc, char **argv) {
  if (threadsOpt > 4096)
    return reportError("--threads " + Twine(threadsOpt) +
                       " is not a thread count (1 to 4096)");
  if (threadsOpt > 0)
    ein::setNumThreads(int(threadsOpt));
  bool gpu = targetOpt == "gpu" || targetOpt == "nvptx";
  if (!gpu && targetOpt != "cpu")
    return reportError("unknown --target '" + targetOpt + "' (use cpu or gpu)");
  if (!gpu && !gpuArchOpt.empty())
    return reportError("--gpu-arch applies to --target gpu");
  if (!gpu && gpuTF32Opt)
    return reportError("--gpu-tf32 applies to --target gpu");
  bool program = !programOpt.empty() || !inlineOpt.getValue().empty();
  if (program)
    return runProgram(gpu);
  if (outputList.size() > 1)
    return reportError("an einsum has one result: give one -o");
  std::string outputOpt = outputList.empty() ? "" : outputList[0];
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
  if (!pathFlags.memoryLimit.empty()) {
    // The limit bounds everything held at once, not only intermediates.
    auto limit = parseBytes(pathFlags.memoryLimit);
    if (!limit)
      return reportError(limit.takeError());
    auto fit = fitMemoryLimit(*problem, expr, jitShapes, *pathOptions, *limit,
                              pathFlags.memoryLimit);
    if (!fit)
      return reportError(fit.takeError());
    *pathOptions = fit->options;
    if (!fit->path.slicedIndices.empty())
      errs() << "einc: note: slicing over '" << fit->path.slicedIndices << "' ("
             << uint64_t(fit->path.slices) << " slices) keeps einc run within "
             << "--memory-limit " << pathFlags.memoryLimit << " ("
             << formatBytes(fit->bytes) << " at once)\n";
  }
  ein::CompileOptions compileOptions;
  compileOptions.path = *pathOptions;
  if (gpu) {
    compileOptions.target = ein::Target::GPU;
    compileOptions.gpuArch = gpuArchOpt;
    compileOptions.allowTF32 = gpuTF32Opt;
  }
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
  // What can still fail: memory (host or GPU), and GPU errors.
  if (Error err = (*kernel)(pointers, out.data))
    return reportError(std::move(err), UserError);

  if (printOpt)
    printArray(outs(), out);
  if (!outputOpt.empty() &&
      einrt_npy_write(outputOpt.c_str(), &out, message, sizeof(message)))
    return reportError(message);
  return Success;
}
