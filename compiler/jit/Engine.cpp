//===- Engine.cpp - LLVM-dialect modules to callable code -----------------===//
//
// Compiles to an object file for the host (the same LLVM pipeline as
// `einc --emit obj`) and links it into its own ORC LLJIT. The object code
// also goes to an on-disk cache so that another process compiling the same
// kernel loads it instead: one file per kernel, named by a hash of its
// cache key, the host CPU and the compiler's own executable, written
// atomically. (MLIR's ExecutionEngine is not used: destroying one compiles
// its deinitialisers, which crashes when a static Jit is destroyed at exit
// after LLVM's own statics.)
//
//===----------------------------------------------------------------------===//

#include "compiler/jit/Engine.h"
#include "compiler/codegen/LLVMCodegen.h"
#include "einc/Error.h"
#include "einrt/einrt.h"
#include "einrt/gpu.h"

#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
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
  // Intermediates: out of memory becomes an error of the call.
  add("_mlir_memref_to_llvm_alloc", &_mlir_memref_to_llvm_alloc);
  add("_mlir_memref_to_llvm_aligned_alloc",
      &_mlir_memref_to_llvm_aligned_alloc);
  add("_mlir_memref_to_llvm_free", &_mlir_memref_to_llvm_free);
  // GPU host code: modules, launches and device memory (runtime/Gpu.cpp).
  add("einrt_gpu_load_once", &einrt_gpu_load_once);
  add("einrt_gpu_kernel_inv", &einrt_gpu_kernel_inv);
  add("einrt_gpu_kernel_det", &einrt_gpu_kernel_det);
  add("einrt_gpu_kernel_slogdet", &einrt_gpu_kernel_slogdet);
  add("einrt_gpu_kernel_cholesky", &einrt_gpu_kernel_cholesky);
  add("einrt_gpu_kernel_solve", &einrt_gpu_kernel_solve);
  add("einrt_gpu_kernel_svd", &einrt_gpu_kernel_svd);
  add("einrt_gpu_kernel_svd_cutoff", &einrt_gpu_kernel_svd_cutoff);
  add("einrt_gpu_kernel_qr", &einrt_gpu_kernel_qr);
  add("einrt_gpu_kernel_eigh", &einrt_gpu_kernel_eigh);
  add("einrt_gpu_kernel_lstsq", &einrt_gpu_kernel_lstsq);
  add("einrt_gpu_kernel_eig", &einrt_gpu_kernel_eig);
  add("mgpuModuleLoadJIT", &mgpuModuleLoadJIT);
  add("mgpuModuleUnload", &mgpuModuleUnload);
  add("mgpuModuleGetFunction", &mgpuModuleGetFunction);
  add("mgpuStreamCreate", &mgpuStreamCreate);
  add("mgpuStreamDestroy", &mgpuStreamDestroy);
  add("mgpuStreamSynchronize", &mgpuStreamSynchronize);
  add("mgpuLaunchKernel", &mgpuLaunchKernel);
  add("mgpuMemAlloc", &mgpuMemAlloc);
  add("mgpuMemFree", &mgpuMemFree);
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

/// Links `object` into an LLJIT of its own with the runtime's entry points
/// and the process's libraries, and looks up the packed wrapper of `name`.
/// nullopt when it cannot (a damaged object).
std::optional<Engine> loadObject(llvm::StringRef object,
                                 llvm::StringRef bufferName,
                                 llvm::StringRef name, bool parallel) {
  initializeNativeTarget();
  // LLJIT's default linker (JITLink) puts a kernel's code, data, GOT and
  // jump slots in one allocation, so their 32-bit PC-relative references always
  // reach. RuntimeDyld with a SectionMemoryManager mapped the GOT
  // separately; under ASan, whose shadow reservations fragment the address
  // space, it could land more than 2 GiB from the code, and the truncated
  // offsets made calls through jump slots read unmapped pages.
  auto jit = llvm::orc::LLJITBuilder().create();
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
          llvm::MemoryBuffer::getMemBufferCopy(object, bufferName))) {
    llvm::consumeError(std::move(err));
    return std::nullopt;
  }
  auto entry = (*jit)->lookup(("_mlir_" + name).str());
  if (!entry) {
    llvm::consumeError(entry.takeError());
    return std::nullopt;
  }
  Engine result;
  result.loaded = std::move(*jit);
  result.entry = entry->toPtr<void (*)(void **)>();
  result.parallel = parallel;
  return result;
}

/// Adds `void _mlir_NAME(void **args)`, which loads each argument of NAME
/// from the pointer args[i] points to and calls it (NAME returns nothing).
llvm::Error addPackedWrapper(llvm::Module &module, llvm::StringRef name) {
  llvm::Function *callee = module.getFunction(name);
  if (!callee || callee->isDeclaration() ||
      !callee->getReturnType()->isVoidTy())
    return llvm::createStringError("no function '" + name + "' to call");
  llvm::LLVMContext &ctx = module.getContext();
  auto *ptr = llvm::PointerType::getUnqual(ctx);
  auto *type = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr},
                                       /*isVarArg=*/false);
  auto *wrapper = llvm::Function::Create(type, llvm::Function::ExternalLinkage,
                                         "_mlir_" + name, module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", wrapper));
  llvm::SmallVector<llvm::Value *> args;
  for (llvm::Argument &arg : callee->args()) {
    llvm::Value *slot =
        b.CreateConstGEP1_64(ptr, wrapper->getArg(0), arg.getArgNo());
    llvm::Value *address = b.CreateLoad(ptr, slot);
    args.push_back(b.CreateLoad(arg.getType(), address));
  }
  b.CreateCall(callee, args);
  b.CreateRetVoid();
  return llvm::Error::success();
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
  std::optional<Engine> engine = loadObject(text, file, name, parallel);
  if (engine)
    engine->fromDisk = true;
  return engine;
}

llvm::Expected<Engine> ein::createEngine(mlir::ModuleOp module,
                                         llvm::StringRef name,
                                         unsigned optLevel,
                                         llvm::StringRef diskKey) {
  initializeNativeTarget();
  auto internal = [](const llvm::Twine &what) {
    return llvm::createStringError("internal compiler error: " + what);
  };
  // OpenMP regions call into libomp; the JIT resolves them from the
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
  TargetOptions target;
  target.optLevel = std::min(optLevel, 3u);
  auto tm = createTargetMachine(target);
  if (!tm)
    return internal(llvm::toString(tm.takeError()));
  llvm::LLVMContext llvmContext;
  auto llvmModule =
      translateAndOptimize(module, llvmContext, **tm, target.optLevel);
  if (!llvmModule)
    return internal(llvm::toString(llvmModule.takeError()));
  ein::loadKernelsOnFirstCall(**llvmModule, name);
  if (llvm::Error err = addPackedWrapper(**llvmModule, name))
    return internal(llvm::toString(std::move(err)));
  llvm::SmallString<0> object;
  llvm::raw_svector_ostream os(object);
  if (llvm::Error err =
          emitMachineCode(**llvmModule, **tm, os, /*assembly=*/false))
    return internal(llvm::toString(std::move(err)));
  std::optional<Engine> engine =
      loadObject(object, "einc-kernel.o", name, usesOpenMP);
  if (!engine)
    return internal("the JIT cannot link the compiled kernel");
  if (std::string file = cacheFile(diskKey); !file.empty())
    store(file, usesOpenMP, object);
  return std::move(*engine);
}

llvm::Error ein::callPacked(void (*entry)(void **),
                            llvm::ArrayRef<void *> buffers) {
  std::vector<void *> pointers(buffers.begin(), buffers.end());
  std::vector<void *> args(pointers.size());
  for (size_t i = 0; i < pointers.size(); ++i)
    args[i] = &pointers[i];
  char message[256];
  if (einrt_call_guarded(entry, args.data(), message, sizeof(message)))
    return userError(message);
  return llvm::Error::success();
}
