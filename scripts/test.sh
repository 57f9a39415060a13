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
. scripts/node-env.sh

PGDIR=$(mktemp -d /tmp/swirl-pg.XXXXXX)
cleanup() { scripts/pg-cluster.sh stop "$PGDIR"; }
trap cleanup EXIT
export SWIRL_TEST_PG_URL=$(scripts/pg-cluster.sh start "$PGDIR")
echo "test: PostgreSQL cluster at $SWIRL_TEST_PG_URL"

status=0
echo "== C++ tests (ctest) =="
ctest --test-dir build/test --output-on-failure --no-tests=error -j "$(nproc)" --timeout 300 || status=1

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
grep -E "^== |relay|churn|FAILED" "$SMOKE_DIR/log" | head -40 || true
rm -rf "$SMOKE_DIR"

# The container: Dockerfile lint, then the images built with Podman (from a Debian base image
# made here; cached once made) and run: the image against a PostgreSQL container, then
# docker/compose.yaml (swirl + PostgreSQL + coturn). SWIRL_SKIP_CONTAINERS=1 skips this locally.
if [ "${SWIRL_SKIP_CONTAINERS:-0}" != 1 ]; then
  echo "== containers (Podman): lint, build, smoke =="
  containers_start=$(date +%s)
  (cd tests/container && npx --no-install dockerfilelint ../../docker/Dockerfile ../../docker/postgres/Dockerfile \
    ../../docker/coturn/Dockerfile) || status=1
  if scripts/container/build-images.sh; then
    scripts/container/smoke.sh || status=1
  else
    status=1
  fi
  echo "test: the container steps took $(( $(date +%s) - containers_start )) s"
fi

if [ $status -ne 0 ]; then echo "test: FAILED"; else echo "test: all suites passed"; fi
exit $status
