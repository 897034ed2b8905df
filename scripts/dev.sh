#!/usr/bin/env bash
# One entry point for newcomers and CI. On a fresh Debian 12 machine:
#   bash scripts/dev.sh example   # install, build, run einc on examples/bmm
#   bash scripts/dev.sh test      # install, build, run every test
# Other actions: deps (install only), build (configure + build only).
# BUILD_DIR (default: build) and BUILD_TYPE (default: Release) are honoured.
set -euo pipefail

action=${1:-test}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
llvm=/usr/lib/llvm-22

packages=(
  cmake ninja-build g++ ccache python3 python3-numpy
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  libgtest-dev libopenblas-dev liblapacke-dev libeigen3-dev libomp-22-dev
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

configure_and_build() {
  echo "== configuring $build"
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
    -DMLIR_DIR="$llvm/lib/cmake/mlir" \
    -DLLVM_EXTERNAL_LIT="$llvm/bin/lit" >/dev/null
  echo "== building (ninja -j$(nproc))"
  ninja -C "$build" -j"$(nproc)" all
}

case "$action" in
deps) install_deps ;;
build)
  install_deps
  configure_and_build
  ;;
example)
  install_deps
  configure_and_build
  cd "$root/examples/bmm"
  echo "== einc run 'bij,bjk->bik' a.npy b.npy -o /tmp/einc-example-c.npy --print"
  "$build/bin/einc" run 'bij,bjk->bik' a.npy b.npy -o /tmp/einc-example-c.npy --print
  echo "== einc 'bij,bjk->bik' --shapes 2x2x3,2x3x2 --emit ein"
  "$build/bin/einc" 'bij,bjk->bik' --shapes 2x2x3,2x3x2 --emit ein
  echo "== einc explain 'ab,bc,cd->ad' --sizes a=64,b=8,c=512,d=64"
  "$build/bin/einc" explain 'ab,bc,cd->ad' --sizes a=64,b=8,c=512,d=64
  ;;
test)
  install_deps
  configure_and_build
  cd "$build"
  ctest --output-on-failure -j"$(nproc)"
  ;;
*)
  echo "usage: scripts/dev.sh [deps|build|example|test]" >&2
  exit 1
  ;;
esac
