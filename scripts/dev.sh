#!/usr/bin/env bash
# One entry point for newcomers and CI. On a fresh Debian 12 machine:
#   bash scripts/dev.sh example   # install, build, run einc on examples/bmm
#   bash scripts/dev.sh test      # install, build, run every test
# `test` runs, in order: the suite (ctest) in BUILD_DIR; the suite again
# in an ASan+UBSan build (BUILD_DIR-asan, clang), LeakSanitizer on; each
# libFuzzer target for FUZZ_SECONDS (default 60); the thread-stress tests in
# a TSan build (BUILD_DIR-tsan). Other actions: deps (install only), build
# (configure + build only), check (build + the suite only), sanitize (the
# sanitizer and fuzz stages only). BUILD_DIR (default: build) and
# BUILD_TYPE (default: Release) are honoured.
set -euo pipefail

action=${1:-test}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
llvm=/usr/lib/llvm-22

packages=(
  cmake ninja-build g++ ccache python3 python3-numpy
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  libgtest-dev libopenblas-dev liblapacke-dev libeigen3-dev libomp-22-dev
  clang-22 libclang-rt-22-dev
)

install_deps() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "== installing: ${missing[*]}"
  local sudo=()
  ((EUID == 0)) || sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q \
    --no-install-recommends "${missing[@]}"
}

# configure_and_build DIR [CMAKE ARGS...]
configure_and_build() {
  local dir=$1
  shift
  echo "== configuring $dir"
  cmake -G Ninja -S "$root" -B "$dir" \
    -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
    -DMLIR_DIR="$llvm/lib/cmake/mlir" \
    -DLLVM_EXTERNAL_LIT="$llvm/bin/lit" "$@" >/dev/null
  echo "== building $dir (ninja -j$(nproc))"
  ninja -C "$dir" -j"$(nproc)" "${targets[@]:-all}"
}

targets=(all)
clang_args=(-DCMAKE_C_COMPILER="$llvm/bin/clang" -DCMAKE_CXX_COMPILER="$llvm/bin/clang++")

# Sanitizers stop at the first report and fail the test that made it.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
# Leaks inside libomp itself (not instrumented) are not ours: lsan.supp.
export LSAN_OPTIONS=suppressions=$root/scripts/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# libomp is not instrumented; TSan would misread its own locking.
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1

sanitize() {
  # ASan + UBSan: every test of the suite, LeakSanitizer included.
  targets=(all)
  configure_and_build "$build-asan" "${clang_args[@]}" -DEIN_SANITIZER=address
  # Generated code is not instrumented: EINRT_GUARD_PAGES puts every
  # intermediate a kernel allocates against an inaccessible page, as the
  # randomized tests do with their operands, so over-reads fault.
  echo "== ctest in $build-asan (ASan, UBSan, LeakSanitizer, guard pages)"
  (cd "$build-asan" && EINRT_GUARD_PAGES=1 ctest --output-on-failure -j"$(nproc)")
  echo "== fuzzing (${FUZZ_SECONDS:-60} s per target)"
  bash "$root/scripts/fuzz.sh" "$build-asan" "${FUZZ_SECONDS:-60}"
  # TSan: eight threads on one ein::Jit (and the older threading tests).
  targets=(EinUnitTests)
  configure_and_build "$build-tsan" "${clang_args[@]}" -DEIN_SANITIZER=thread
  echo "== thread-stress tests in $build-tsan (TSan)"
  # No disk cache: every cache miss really compiles, in parallel.
  EINC_CACHE_DIR=off "$build-tsan/bin/EinUnitTests" \
    --gtest_filter='ThreadStress.*:Jit.ManyThreadsShareOneJit:Jit.CacheIsBounded*'
}

case "$action" in
deps) install_deps ;;
build)
  install_deps
  configure_and_build "$build"
  ;;
example)
  install_deps
  configure_and_build "$build"
  cd "$root/examples/bmm"
  echo "== einc run 'bij,bjk->bik' a.npy b.npy -o /tmp/einc-example-c.npy --print"
  "$build/bin/einc" run 'bij,bjk->bik' a.npy b.npy -o /tmp/einc-example-c.npy --print
  echo "== einc 'bij,bjk->bik' --shapes 2x2x3,2x3x2 --emit ein"
  "$build/bin/einc" 'bij,bjk->bik' --shapes 2x2x3,2x3x2 --emit ein
  echo "== einc explain 'ab,bc,cd->ad' --sizes a=64,b=8,c=512,d=64"
  "$build/bin/einc" explain 'ab,bc,cd->ad' --sizes a=64,b=8,c=512,d=64
  ;;
check)
  install_deps
  configure_and_build "$build"
  (cd "$build" && ctest --output-on-failure -j"$(nproc)")
  ;;
sanitize)
  install_deps
  sanitize
  ;;
test)
  install_deps
  configure_and_build "$build"
  (cd "$build" && ctest --output-on-failure -j"$(nproc)")
  sanitize
  ;;
*)
  echo "usage: scripts/dev.sh [deps|build|example|check|sanitize|test]" >&2
  exit 1
  ;;
esac
