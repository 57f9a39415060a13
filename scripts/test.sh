#!/usr/bin/env bash
# One command: install what is missing, build with test hooks, start a throwaway PostgreSQL
# cluster, and run every test (C++ unit and black-box tests on both backends; web unit tests
# and browser tests as they exist). The cluster is stopped even when tests fail.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
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
  echo "== web unit tests (vitest) =="
  (cd web && npm test) || status=1
fi

if [ -f tests/e2e/package.json ]; then
  echo "== browser tests =="
  (cd tests/e2e && SWIRL_SERVER_BINARY="$ROOT/build/test/swirl-server" SWIRL_WEB_ROOT="$ROOT/web/dist" npm test) || status=1
fi

if [ $status -ne 0 ]; then echo "test: FAILED"; else echo "test: all suites passed"; fi
exit $status
