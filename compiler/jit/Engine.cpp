//===- Engine.cpp - LLVM-dialect modules to callable code -----------------===//
//
// Compiles with MLIR's ExecutionEngine (ORC), and keeps the object code in
// an on-disk cache so that another process compiling the same kernel
// loads it instead: one file per kernel, named by a hash of its cache key,
// the host CPU and the compiler's own executable, written atomically.
//
//===----------------------------------------------------------------------===//

#include "compiler/jit/Engine.h"
#include "compiler/codegen/LLVMCodegen.h"
#include "einrt/einrt.h"

#include "mlir/ExecutionEngine/OptUtils.h"

#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/RTDyldObjectLinkingLayer.h"
#include "llvm/ExecutionEngine/SectionMemoryManager.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/xxhash.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

using namespace ein;

namespace {

/// Cached files start with this line, then "parallel=0|1\n", then the
/// object file.
constexpr llvm::StringLiteral kMagic = "EINC-OBJECT 1\n";

/// The runtime entry points generated code calls.
llvm::orc::SymbolMap runtimeSymbols(llvm::orc::MangleAndInterner &interner) {
  llvm::orc::SymbolMap symbols;
  auto add = [&](const char *name, auto *fn) {
    symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                               llvm::JITSymbolFlags::Exported};
  };
  add("einrt_kernel_inv", &einrt_kernel_inv);
  add("einrt_kernel_det", &einrt_kernel_det);
  add("einrt_kernel_cholesky", &einrt_kernel_cholesky);
  add("einrt_kernel_solve", &einrt_kernel_solve);
  add("einrt_kernel_svd", &einrt_kernel_svd);
  add("einrt_kernel_svd_cutoff", &einrt_kernel_svd_cutoff);
  add("einrt_kernel_qr", &einrt_kernel_qr);
  add("einrt_kernel_eigh", &einrt_kernel_eigh);
  add("einrt_kernel_slogdet", &einrt_kernel_slogdet);
  add("einrt_kernel_eig", &einrt_kernel_eig);
  add("einrt_kernel_lstsq", &einrt_kernel_lstsq);
  // Parallel regions size themselves with this (OpenMP's __kmpc_* entry
  // points come from libomp, loaded into the process).
  add("einrt_num_threads", &einrt_num_threads);
  // Strided copies (e.g. writing a slice into an output) lower to this.
  add("memrefCopy", &einrt_memref_copy);
  return symbols;
}

/// Loads libomp once; returns why it failed, or "".
const std::string &loadOpenMP() {
  static const std::string error = [] {
    std::string e;
    llvm::sys::DynamicLibrary::LoadLibraryPermanently(EINC_LIBOMP, &e);
    return e;
  }();
  return error;
}

/// Identifies this build of the compiler: its executable's path, size and
/// modification time, so that a rebuilt compiler never loads old code.
const std::string &buildId() {
  static const std::string id = [] {
    std::string exe = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
    llvm::sys::fs::file_status status;
    if (exe.empty() || llvm::sys::fs::status(exe, status))
      return std::string();
    return exe + "|" + std::to_string(status.getSize()) + "|" +
           std::to_string(
               status.getLastModificationTime().time_since_epoch().count());
  }();
  return id;
}

/// The cache file for `key`, or "" when the cache is off or unusable.
std::string cacheFile(llvm::StringRef key) {
  std::string dir = diskCacheDirectory();
  if (dir.empty() || key.empty() || buildId().empty())
    return "";
  std::string full =
      key.str() + "|" + llvm::sys::getHostCPUName().str() + "|" + buildId();
  for (const auto &feature : llvm::sys::getHostCPUFeatures())
    if (feature.second)
      full += "," + feature.first().str();
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(
      path, llvm::formatv("{0:x-16}.o", llvm::xxh3_64bits(full)).str());
  return std::string(path);
}

/// The cache keeps at most this many kernels; storing one more removes the
/// least recently written down to 7/8 of it.
constexpr size_t kMaxEntries = 1024;

void prune(llvm::StringRef dir) {
  std::vector<std::pair<llvm::sys::TimePoint<>, std::string>> files;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    llvm::sys::fs::file_status status;
    if (llvm::StringRef(it->path()).ends_with(".o") &&
        !llvm::sys::fs::status(it->path(), status))
      files.push_back({status.getLastModificationTime(), it->path()});
  }
  if (files.size() <= kMaxEntries)
    return;
  std::sort(files.begin(), files.end());
  for (size_t i = 0; i < files.size() - kMaxEntries * 7 / 8; ++i)
    llvm::sys::fs::remove(files[i].second);
}

/// Writes `object` to `file` through a temporary file renamed into place;
/// failures (read-only or full disk) only mean no cache entry.
void store(const std::string &file, bool parallel, llvm::StringRef object) {
  if (llvm::sys::fs::create_directories(llvm::sys::path::parent_path(file)))
    return;
  int fd;
  llvm::SmallString<256> temp;
  if (llvm::sys::fs::createUniqueFile(file + ".tmp%%%%%%", fd, temp))
    return;
  bool ok;
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << kMagic << "parallel=" << (parallel ? 1 : 0) << "\n" << object;
    os.close();
    ok = !os.has_error();
    if (os.has_error())
      os.clear_error();
  }
  if (!ok || llvm::sys::fs::rename(temp, file)) {
    llvm::sys::fs::remove(temp);
    return;
  }
  prune(llvm::sys::path::parent_path(file));
}

} // namespace

std::string ein::diskCacheDirectory() {
  if (const char *dir = std::getenv("EINC_CACHE_DIR"))
    return llvm::StringRef(dir) == "off" ? std::string() : std::string(dir);
  llvm::SmallString<256> path;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    path = xdg;
  else if (const char *home = std::getenv("HOME"); home && *home)
    llvm::sys::path::append(path, home, ".cache");
  else
    return "";
  llvm::sys::path::append(path, "einc");
  return std::string(path);
}

std::optional<Engine> ein::loadCachedEngine(llvm::StringRef key,
                                            llvm::StringRef name) {
  std::string file = cacheFile(key);
  if (file.empty())
    return std::nullopt;
  auto buffer = llvm::MemoryBuffer::getFile(file);
  if (!buffer)
    return std::nullopt;
  llvm::StringRef text = (*buffer)->getBuffer();
  if (!text.consume_front(kMagic))
    return std::nullopt;
  bool parallel;
  if (text.consume_front("parallel=1\n"))
    parallel = true;
  else if (text.consume_front("parallel=0\n"))
    parallel = false;
  else
    return std::nullopt;
  if (parallel && !loadOpenMP().empty())
    return std::nullopt;
  initializeNativeTarget();
  // Linked like the ExecutionEngine links what it compiles.
  auto jit =
      llvm::orc::LLJITBuilder()
          .setObjectLinkingLayerCreator([](llvm::orc::ExecutionSession &es) {
            return std::make_unique<llvm::orc::RTDyldObjectLinkingLayer>(
                es, [](const llvm::MemoryBuffer &) {
                  return std::make_unique<llvm::SectionMemoryManager>();
                });
          })
          .create();
  if (!jit) {
    llvm::consumeError(jit.takeError());
    return std::nullopt;
  }
  llvm::orc::JITDylib &lib = (*jit)->getMainJITDylib();
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      (*jit)->getDataLayout().getGlobalPrefix());
  llvm::orc::MangleAndInterner interner((*jit)->getExecutionSession(),
                                        (*jit)->getDataLayout());
  if (!process ||
      lib.define(llvm::orc::absoluteSymbols(runtimeSymbols(interner)))) {
    if (!process)
      llvm::consumeError(process.takeError());
    return std::nullopt;
  }
  lib.addGenerator(std::move(*process));
  if (llvm::Error err = (*jit)->addObjectFile(
          llvm::MemoryBuffer::getMemBufferCopy(text, file))) {
    llvm::consumeError(std::move(err));
    return std::nullopt;
  }
  auto entry = (*jit)->lookup(("_mlir_" + name).str());
  if (!entry) {
    // A damaged file: compile instead.
    llvm::consumeError(entry.takeError());
    return std::nullopt;
  }
  Engine result;
  result.loaded = std::move(*jit);
  result.entry = entry->toPtr<void (*)(void **)>();
  result.parallel = parallel;
  result.fromDisk = true;
  return result;
}

llvm::Expected<Engine> ein::createEngine(mlir::ModuleOp module,
                                         llvm::StringRef name,
                                         unsigned optLevel,
                                         llvm::StringRef diskKey) {
  initializeNativeTarget();
  // OpenMP regions call into libomp; the engine resolves them from the
  // libraries of the process.
  bool usesOpenMP = false;
  module.walk([&](mlir::Operation *op) {
    if (op->getDialect() && op->getDialect()->getNamespace() == "omp")
      usesOpenMP = true;
  });
  if (usesOpenMP && !loadOpenMP().empty())
    return llvm::createStringError("cannot load the OpenMP runtime " +
                                   llvm::Twine(EINC_LIBOMP) + ": " +
                                   loadOpenMP());
  std::string file = cacheFile(diskKey);
  auto transformer = mlir::makeOptimizingTransformer(std::min(optLevel, 3u), 0,
                                                     /*targetMachine=*/nullptr);
  mlir::ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = optLevel == 0
                                         ? llvm::CodeGenOptLevel::None
                                         : llvm::CodeGenOptLevel::Aggressive;
  engineOptions.enableGDBNotificationListener = false;
  engineOptions.enablePerfNotificationListener = false;
  engineOptions.enableObjectDump = !file.empty();
  auto engine = mlir::ExecutionEngine::create(module, engineOptions);
  if (!engine)
    return llvm::createStringError("internal compiler error: " +
                                   llvm::toString(engine.takeError()));
  Engine result;
  result.engine = std::move(*engine);
  result.parallel = usesOpenMP;
  result.engine->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    return runtimeSymbols(interner);
  });
  auto entry = result.engine->lookupPacked(name);
  if (!entry)
    return llvm::createStringError("internal compiler error: " +
                                   llvm::toString(entry.takeError()));
  result.entry = *entry;
  if (!file.empty()) {
    // The engine's object cache holds what it just compiled; copy it out.
    llvm::SmallString<256> dump;
    int fd;
    if (!llvm::sys::fs::createTemporaryFile("einc-object", "o", fd, dump)) {
      llvm::sys::Process::SafelyCloseFileDescriptor(fd);
      result.engine->dumpToObjectFile(dump);
      if (auto object = llvm::MemoryBuffer::getFile(dump))
        store(file, usesOpenMP, (*object)->getBuffer());
      llvm::sys::fs::remove(dump);
    }
  }
  return result;
}

void ein::callPacked(void (*entry)(void **), llvm::ArrayRef<void *> buffers) {
  std::vector<void *> pointers(buffers.begin(), buffers.end());
  std::vector<void *> args(pointers.size());
  for (size_t i = 0; i < pointers.size(); ++i)
    args[i] = &pointers[i];
  entry(args.data());
}
