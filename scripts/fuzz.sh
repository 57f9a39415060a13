#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz/ (issue 17), built in build/fuzz (CMakePresets.json
# "fuzz": AddressSanitizer + UBSan, -O1), each run for a bounded time over its committed seed
# corpus (tests/fuzz/corpus/<target>/), two at a time.
#
#   scripts/fuzz.sh [-t SECONDS] [-n] [TARGET...]     (default: 30 s each, every target)
#
# -n runs the targets as last built, without configuring or building.
#
# What a run finds is kept between runs in build/fuzz/corpus/<target>/ (the committed seeds
# are only read), so each run starts where the last one stopped. A crash, a leak, a sanitizer
# report, a broken invariant (FUZZ_REQUIRE), an input slower than 10 s or one using more than
# 2 GB fails the step; the input is saved as build/fuzz/crashes/<target>/crash-* and printed.
# Reproduce with: build/fuzz/tests/fuzz/<target> build/fuzz/crashes/<target>/crash-...
# A longer hunt: scripts/fuzz.sh -t 3600 fuzz_ws_frame (README, "Testing").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

seconds=30 build=1
while [ $# -gt 0 ]; do
  case $1 in
    -t) seconds=$2; shift 2 ;;
    -n) build=0; shift ;;
    *) break ;;
  esac
done
ALL=(fuzz_ws_frame fuzz_ws_handshake fuzz_json_scan fuzz_client_message fuzz_http_request fuzz_router_path fuzz_config)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${ALL[@]}")

start=$(date +%s)
if [ "$build" = 1 ]; then
  cmake --preset fuzz > /dev/null
  cmake --build build/fuzz -j "$(nproc)" --target "${targets[@]}"
fi
built=$(date +%s)
echo "fuzz: build took $(( built - start )) s"

run_one() {  # run_one TARGET: one bounded run; its log in build/fuzz/logs/TARGET.log
  local t=$1 work=build/fuzz/corpus/$1 crashes=build/fuzz/crashes/$1
  mkdir -p "$work" "$crashes" build/fuzz/logs
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    "build/fuzz/tests/fuzz/$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$crashes/" "$work" "tests/fuzz/corpus/$t" \
    > "build/fuzz/logs/$t.log" 2>&1
}

status=0
pids=() names=()
for t in "${targets[@]}"; do
  [ -d "tests/fuzz/corpus/$t" ] || { echo "fuzz: no seed corpus tests/fuzz/corpus/$t" >&2; status=1; continue; }
  run_one "$t" & pids+=($!) names+=("$t")
  # One run per core.
  if [ ${#pids[@]} -ge "$(nproc)" ]; then
    if ! wait "${pids[0]}"; then status=1; echo "fuzz: ${names[0]} FAILED"; tail -n 60 "build/fuzz/logs/${names[0]}.log"; fi
    pids=("${pids[@]:1}") names=("${names[@]:1}")
  fi
done
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then status=1; echo "fuzz: ${names[$i]} FAILED"; tail -n 60 "build/fuzz/logs/${names[$i]}.log"; fi
done
for t in "${targets[@]}"; do
  runs=$(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "build/fuzz/logs/$t.log" 2>/dev/null | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "build/fuzz/logs/$t.log" 2>/dev/null | tail -n1 || true)
  echo "fuzz: $t: $runs inputs, $cov, corpus $(find "build/fuzz/corpus/$t" -type f | wc -l) files"
done
echo "fuzz: runs took $(( $(date +%s) - built )) s ($seconds s per target)"
exit $status
