#!/usr/bin/env bash
# Runs every libFuzzer target of an EIN_SANITIZER=address build for a
# bounded time, starting from its seed corpus under test/fuzz/corpus, and
# fails on any crash, sanitizer report, leak or timeout (libFuzzer exits
# non-zero and saves the input as crash-*/leak-*/timeout-* in the work
# directory; copy it into the corpus as a regression test).
#   scripts/fuzz.sh BUILD_DIR [SECONDS_PER_TARGET]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:?usage: scripts/fuzz.sh BUILD_DIR [SECONDS]}
seconds=${2:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export EINC_CACHE_DIR=off

status=0
for target in einsum program npy compile; do
  exe="$build/bin/ein-fuzz-$target"
  mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
  # New inputs go to the work corpus; the seeds stay as they are.
  if ! "$exe" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 \
    -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$work/$target/artifacts/" \
    "$work/$target/corpus" "$root/test/fuzz/corpus/$target" \
    >"$work/$target/log" 2>&1; then
    echo "fuzz $target: FAILED"
    tail -n 60 "$work/$target/log"
    for f in "$work/$target/artifacts/"*; do
      [[ -e $f ]] && echo "input: $(basename "$f") (base64 $(base64 -w0 "$f"))"
    done
    status=1
    continue
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target/log")
  units=$(ls "$work/$target/corpus" | wc -l)
  echo "fuzz $target: ${runs:-?} executions in ${seconds} s, no findings" \
    "(${units} new corpus inputs)"
done
exit $status
