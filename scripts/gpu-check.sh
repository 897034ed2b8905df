#!/usr/bin/env bash
# Checks and times Einc's GPU code on a machine that has a GPU but neither
# LLVM nor an Einc build (such as the device machines lent to some
# sessions): everything is compiled here into one program.
#   bash scripts/gpu-check.sh prepare [DIR]          # here, after `scripts/dev.sh build`
#   bash scripts/gpu-check.sh run [DIR] [check|bench|all]   # there
# prepare writes DIR (default: gpu-check/ in the repository, which git
# ignores): DIR/gpu-check, a program linking the GPU host objects of
# random expressions (CASES, default 150) and of the benchmark products
# for GPU_ARCH (default sm_90) with Einc's runtime, and DIR/cases, their
# inputs and the CPU's results. run prints one line per case and
# "N passed, M failed"; it needs only the CUDA driver (cuBLAS, where it
# loads, is the benchmarks' reference). NO_BENCHES=1 leaves the large
# products out. prepare also writes DIR/gpu-decompositions, the cuSOLVER
# decompositions' identity checks (test/unit/GPUDecompositionsTest.cpp),
# which run runs after the cases (it needs libcusolver and libcublas).
set -euo pipefail

action=${1:-}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
dir=${2:-$root/gpu-check}

case "$action" in
prepare)
  rm -rf "$dir"
  mkdir -p "$dir"
  extra=()
  [[ -n ${NO_BENCHES:-} ]] && extra+=(--no-benches)
  "$build/bin/ein-gpu-check-prepare" "$dir/cases" --arch "${GPU_ARCH:-sm_90}" \
    --cases "${CASES:-150}" "${extra[@]}"
  cc -O2 -Wall -Wno-format-truncation -Werror -c -I"$root/runtime/include" "$root/test/gpu-check/runner.c" \
    -o "$dir/runner.o"
  cc -O2 -c "$dir/cases/cases.c" -o "$dir/cases.o"
  # libstdc++ and libgcc linked in: the program runs on other distributions.
  c++ -static-libstdc++ -static-libgcc "$dir/runner.o" "$dir/cases.o" \
    "$dir"/cases/*.o "$build/runtime/libEinRuntime.a" -ldl -lm -lpthread \
    -o "$dir/gpu-check"
  # The cuSOLVER decompositions' identity checks, with GoogleTest linked in.
  c++ -std=c++17 -O2 -I"$root" -I"$root/runtime/include" \
    "$root/test/unit/GPUDecompositionsTest.cpp" "$build/runtime/libEinRuntime.a" \
    /usr/lib/x86_64-linux-gnu/libgtest_main.a /usr/lib/x86_64-linux-gnu/libgtest.a \
    -static-libstdc++ -static-libgcc -ldl -lpthread -o "$dir/gpu-decompositions"
  echo "gpu-check: wrote $dir/gpu-check and $dir/gpu-decompositions"
  ;;
run)
  status=0
  "$dir/gpu-check" "$dir/cases" "${3:-all}" || status=$?
  if [[ ${3:-all} != bench ]]; then
    echo "gpu-check: cuSOLVER decompositions"
    "$dir/gpu-decompositions" --gtest_brief=1 || status=1
  fi
  exit $status
  ;;
*)
  echo "usage: scripts/gpu-check.sh prepare|run [DIR] [check|bench|all]" >&2
  exit 1
  ;;
esac
