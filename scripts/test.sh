#!/usr/bin/env bash
# One command: install what is missing, build with test hooks, start a throwaway PostgreSQL
# cluster, and run every test (C++ unit and black-box tests on both backends; web unit tests
# and browser tests as they exist). The cluster is stopped even when tests fail.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# Fast structural checks first: no upward include between layers (docs/architecture.md),
# every source file listed in CMake.
scripts/check-layers.sh
scripts/check-sources.sh
scripts/setup.sh test
# Every C++ file as .clang-format lays it out (Debian 12's clang-format 14, installed by setup.sh).
scripts/check-style.sh --format-only
. scripts/node-env.sh

PGDIR=$(mktemp -d /tmp/swirl-pg.XXXXXX)
cleanup() { scripts/pg-cluster.sh stop "$PGDIR"; }
trap cleanup EXIT
export SWIRL_TEST_PG_URL=$(scripts/pg-cluster.sh start "$PGDIR")
echo "test: PostgreSQL cluster at $SWIRL_TEST_PG_URL"

status=0
# Each step's wall time, printed again at the end (CI's budget: docs/testing.md, "Budget").
timings=()
timed() {  # timed NAME COMMAND...: runs COMMAND; a failure marks the run failed
  local name=$1 t0
  t0=$(date +%s)
  shift
  "$@" || status=1
  timings+=("$name: $(( $(date +%s) - t0 )) s")
  echo "test: $name took $(( $(date +%s) - t0 )) s"
}

echo "== C++ tests (ctest) =="
timed "ctest" ctest --test-dir build/test --output-on-failure --no-tests=error -j "$(nproc)" --timeout 300

# Static analysis over src/ with the checks named in .clang-tidy, from build/test's compile
# commands; any finding fails the run. (The clang-format half runs first, above.)
echo "== clang-tidy =="
timed "clang-tidy" scripts/check-style.sh --tidy-only -j "$(nproc)"

# The fuzzers (tests/fuzz/, build/fuzz): every target for a bounded run over its seed corpus;
# a crash fails the run (docs/testing.md).
echo "== fuzzers (libFuzzer, bounded runs) =="
timed "fuzzers (build and runs)" scripts/fuzz.sh -t "${SWIRL_FUZZ_SECONDS:-30}"

# The C++ tests again under AddressSanitizer + UBSan (every ctest) and ThreadSanitizer (the
# concurrency-heavy ones), each in a build of its own (build/asan, build/tsan); any report fails
# the run. SWIRL_SANITIZERS=0 skips them locally (docs/testing.md, "Budget").
if [ "${SWIRL_SANITIZERS:-1}" = 1 ]; then
  echo "== C++ tests under AddressSanitizer + UBSan =="
  timed "asan+ubsan (build and ctest)" scripts/sanitize.sh asan
  echo "== concurrency tests under ThreadSanitizer =="
  timed "tsan (build and tests)" scripts/sanitize.sh tsan
fi

if [ -f web/package.json ]; then
  echo "== web client: formatting (Prettier), types (svelte-check), unit tests (vitest) =="
  (cd web && npm run format:check) || status=1
  (cd web && npm run check) || status=1
  (cd web && npm test) || status=1
fi

if [ -f tests/e2e/package.json ]; then
  echo "== browser tests =="
  (cd tests/e2e && SWIRL_SERVER_BINARY="$ROOT/build/test/swirl-server" SWIRL_WEB_ROOT="$ROOT/web/dist" npm test) || status=1
fi

# The benchmark suite at tiny sizes (about a minute), so the bench command keeps working; its
# numbers mean nothing and nothing is timed. Uses the test build's binaries.
echo "== bench smoke =="
if [ ! -d bench/peerjs/node_modules ] || [ bench/peerjs/package-lock.json -nt bench/peerjs/node_modules/.package-lock.json ]; then
  (cd bench/peerjs && npm ci --no-audit --no-fund)
fi
SMOKE_DIR=$(mktemp -d /tmp/swirl-bench-smoke.XXXXXX)
build/test/bench/swirl_loadgen run --swirl-server "$ROOT/build/test/swirl-server" --peerjs-dir "$ROOT/bench/peerjs" \
  --matcher "$ROOT/build/test/bench/swirl_bench_matcher" --work-dir "$SMOKE_DIR" --out "$SMOKE_DIR/smoke.json" --smoke \
  > "$SMOKE_DIR/log" 2>&1 || { cat "$SMOKE_DIR/log"; status=1; }
grep -E "^== |relay|churn|flood|FAILED" "$SMOKE_DIR/log" | head -40 || true
rm -rf "$SMOKE_DIR"

# The container: Dockerfile lint, then the images built with Podman (from a Debian base image
# made here; cached once made) and run: the image against a PostgreSQL container, then
# docker/compose.yaml (swirl + PostgreSQL + coturn). SWIRL_SKIP_CONTAINERS=1 skips this locally.
if [ "${SWIRL_SKIP_CONTAINERS:-0}" != 1 ]; then
  echo "== containers (Podman): lint, build, smoke =="
  containers_start=$(date +%s)
  (cd tests/container && npx --no-install dockerfilelint ../../docker/Dockerfile ../../docker/postgres/Dockerfile \
    ../../docker/coturn/Dockerfile) || status=1
  if scripts/container/build-images.sh postgres coturn swirl nginx; then
    scripts/container/smoke.sh || status=1
    # docker/compose.cluster.yaml: three nodes behind nginx, smoke and a failover (42 s here).
    scripts/container/smoke-cluster.sh || status=1
  else
    status=1
  fi
  echo "test: the container steps took $(( $(date +%s) - containers_start )) s"
fi

echo "test: timings of the C++ steps:"
printf '  %s\n' "${timings[@]}"
if [ $status -ne 0 ]; then echo "test: FAILED"; else echo "test: all suites passed"; fi
exit $status
