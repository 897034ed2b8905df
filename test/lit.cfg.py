# -*- Python -*-
# lit configuration for Einc: FileCheck tests of each pass and of the CLI.

import os
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "EIN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.ein_obj_root, "test")
config.excludes = ["Inputs", "gpu-check", "numpy-compare.test.py", "programs.test.py", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit", "bench"]

llvm_config.use_default_substitutions()
# Compiled kernels are cached in the build tree, not in the user's home.
config.environment["EINC_CACHE_DIR"] = os.path.join(config.ein_obj_root, "test", "einc-cache")
# The ASan stage of scripts/dev.sh puts kernels' intermediates against
# guard pages (lit passes the sanitizers' own *_OPTIONS already).
llvm_config.with_system_environment(["EINRT_GUARD_PAGES"])
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.ein_tools_dir, append_path=True)

config.substitutions.append(("%ein_src", config.ein_src_root))
config.substitutions.append(("%ein_obj", config.ein_obj_root))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "e2e", "Inputs")))
config.substitutions.append(("%cc", config.c_compiler))
config.substitutions.append(("%llvm_lib", config.llvm_lib_dir))
config.substitutions.append(("%python", "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"))

tool_dirs = [config.ein_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["ein-opt", "einc"], tool_dirs)

# NumPy is optional: tests that compare with it say REQUIRES: numpy.
try:
    py = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
    if subprocess.call([py, "-c", "import numpy"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL) == 0:
        config.available_features.add("numpy")
except OSError:
    pass

# ptxas (the CUDA toolkit's PTX assembler) is optional: where it is
# installed, the GPU tests also assemble the PTX they generate
# (REQUIRES: ptxas). Generating PTX needs only LLVM's NVPTX back end.
ptxas = shutil.which("ptxas") or (
    "/usr/local/cuda/bin/ptxas" if os.access("/usr/local/cuda/bin/ptxas", os.X_OK) else None)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# The stand-in CUDA driver (test/unit/MockCudaDriver.cpp): einc run
# --target gpu through it checks the run path's errors and launches on
# machines without a GPU.
config.substitutions.append(("%mock_cuda_old_solver", os.path.join(config.ein_obj_root, "lib", "libEinMockCudaOldSolver.so")))
config.substitutions.append(("%mock_cuda", os.path.join(config.ein_obj_root, "lib", "libEinMockCudaDriver.so")))

# A real GPU: the CUDA driver loads and finds a device. Tests that run
# kernels on it say REQUIRES: cuda-device; elsewhere lit lists them as
# unsupported, with this reason.
def _has_cuda_device():
    import ctypes
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    count = ctypes.c_int(0)
    return cuda.cuInit(0) == 0 and cuda.cuDeviceGetCount(ctypes.byref(count)) == 0 and count.value > 0
if _has_cuda_device():
    config.available_features.add("cuda-device")

# Einc's runtime for C programs that link generated GPU objects. The
# sanitizer builds instrument it, so plain C links of it are for the
# ordinary build only (UNSUPPORTED: sanitizer).
config.substitutions.append(("%einrt_link", config.einrt_archive + " -ldl -lstdc++ -lm -lpthread"))
config.substitutions.append(("%einrt_include", os.path.join(config.ein_src_root, "runtime", "include")))
if config.ein_sanitizer:
    config.available_features.add("sanitizer")
