#!/usr/bin/env bash
# The C++ tests under the sanitizers (issue 17), each in its own build directory so the normal
# build is untouched (CMakePresets.json: -O1, line tables only, test hooks on, no benchmarks;
# ccache reuses what an earlier run compiled):
#
#   scripts/sanitize.sh asan   build/asan: AddressSanitizer + UBSan (+ LeakSanitizer); every
#                              ctest, on SQLite and, when SWIRL_TEST_PG_URL is set, PostgreSQL
#   scripts/sanitize.sh tsan   build/tsan: ThreadSanitizer on the concurrency-heavy tests
#                              (swirl_concurrency_tests, in two shards side by side)
#
# Reports go to files (log_path), also from the swirl-server processes some tests start; any
# report fails the step and is printed, whatever the tests said. Exit 0: the tests passed and
# no sanitizer reported anything.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
mode=${1:-}

# ThreadSanitizer runs swirl_concurrency_tests (tests/CMakeLists.txt: the lobby actors and
# WebSocket sessions, the supervisor, the blocking pool, the history writer, housekeeping) in two
# shards side by side, one per core (Catch2 test specs; --filenames-as-tags tags every test with
# its file), plus the WebSocket receive's own tests.
TSAN_SHARDS=(
  "[#test_lobby_ws],[#test_lobby_ws_limits],[#test_ws_frame],[#test_call_events],[#test_fault_isolation]"
  "[#test_lobby_leave],[#test_ws_strict],[#test_owner_api],[#test_owner_kick],[#test_owner_state],[#test_owner_transfer],[#test_supervisor_join],[#test_history],[#test_housekeeping],[#test_http_parts],[#test_media]"
)

case $mode in
  asan) preset=asan targets=(swirl_tests swirl-server swirl_edge_recv_tests) ;;
  tsan) preset=tsan targets=(swirl_concurrency_tests swirl_edge_recv_tests) ;;
  *) echo "usage: $0 asan|tsan" >&2; exit 2 ;;
esac
BUILD=build/$preset

start=$(date +%s)
cmake --preset "$preset" > /dev/null
cmake --build "$BUILD" -j "$(nproc)" --target "${targets[@]}"
built=$(date +%s)
echo "sanitize: $preset build took $(( built - start )) s"

REPORTS=$(mktemp -d "/tmp/swirl-$preset-reports.XXXXXX")
trap 'rm -rf "$REPORTS"' EXIT
# halt_on_error: the first report ends the process (its test fails); log_path: the report is
# also kept in a file, found below even when the process that wrote it was a child.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:log_path=$REPORTS/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$REPORTS/ubsan"
# print_suppressions=0: a run whose only leaks are the suppressed ones writes no report file.
export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=$REPORTS/tsan:suppressions=$ROOT/tests/tsan.supp"

status=0
if [ "$mode" = asan ]; then
  ctest --test-dir "$BUILD" --output-on-failure --no-tests=error -j "$(nproc)" --timeout 600 || status=1
else
  pids=()
  for i in "${!TSAN_SHARDS[@]}"; do
    (timeout -s KILL 1200 "$BUILD/tests/swirl_concurrency_tests" --filenames-as-tags --warn NoTests "${TSAN_SHARDS[$i]}" \
      > "$REPORTS/shard$i.out" 2>&1) &
    pids+=($!)
  done
  timeout -s KILL 600 "$BUILD/tests/swirl_edge_recv_tests" --warn NoTests > "$REPORTS/edge_recv.out" 2>&1 || {
    status=1; cat "$REPORTS/edge_recv.out"; }
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then status=1; cat "$REPORTS/shard$i.out"; fi
    tail -n 2 "$REPORTS/shard$i.out"
  done
fi

reports=$(find "$REPORTS" -name 'asan*' -o -name 'ubsan*' -o -name 'tsan*' | sort)
if [ -n "$reports" ]; then
  for r in $reports; do echo "== $r"; cat "$r"; done
  echo "sanitize: $preset: the sanitizer reported the findings above" >&2
  status=1
fi
echo "sanitize: $preset tests took $(( $(date +%s) - built )) s"
exit $status
