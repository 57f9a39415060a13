#!/usr/bin/env bash
# The scale-out hop (issue 18, docs/scaling.md, docs/benchmarks.md "Scale-out"): in one run,
# one swirl-server node in multi-node mode measured directly against three nodes behind
# Debian's nginx (docker/nginx/swirl-cluster.conf), with the load generator's relay and join
# storm at the same parameters. A throwaway PostgreSQL (scripts/pg-cluster.sh: loopback, a
# random port, owned by the user postgres when run as root) holds one database per set-up.
# Everything listens on 127.0.0.1; every process started is stopped on exit, also on failure.
#
#   bench/cluster/run.sh [--smoke] [--no-build] [--lock FILE] [swirl_cluster_bench options...]
#     --smoke       tiny sizes (100 users, 10 relay pairs): a few seconds; exits non-zero if a set-up breaks
#     --no-build    use the binaries already in the build directory
#     --lock FILE   hold `flock FILE` around the measurement only (not the build), e.g. a lock
#                   that keeps benchmarks on one machine from overlapping
#   other options go to swirl_cluster_bench, e.g. --relay-rates 2000,5000 --storm-users 4000
#   (the defaults: relay 500 pairs at 2000, 5000 and 10000 messages/s for 5 s each, storm of
#   10,000 users in 100 lobbies).
#
# Environment:
#   SWIRL_BENCH_BUILD_DIR   build directory (default build/bench, Release, as scripts/bench.sh)
#   SWIRL_BENCH_JOBS        parallel build jobs (default: every core)
#   SWIRL_BENCH_SERVER      a swirl-server binary to measure instead of the build directory's
#   SWIRL_CLUSTER_BENCH_OUT the JSON file (default bench/results/cluster-latest.json; the
#                           smoke writes into its temporary directory)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

SMOKE=0 BUILD_IT=1 LOCK="" ARGS=()
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) SMOKE=1; ARGS+=(--smoke) ;;
    --no-build) BUILD_IT=0 ;;
    --lock) LOCK=$2; shift ;;
    *) ARGS+=("$1") ;;
  esac
  shift
done

BUILD=${SWIRL_BENCH_BUILD_DIR:-build/bench}
case "$BUILD" in /*) BUILD_ABS=$BUILD ;; *) BUILD_ABS=$ROOT/$BUILD ;; esac
if [ "$BUILD_IT" = 1 ]; then
  LAUNCHER=()
  command -v ccache > /dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
    "${LAUNCHER[@]}" -DSWIRL_BUILD_TESTS=OFF -DSWIRL_BUILD_BENCH=ON > /dev/null
  cmake --build "$BUILD" -j "${SWIRL_BENCH_JOBS:-$(nproc)}" --target swirl-server swirl_cluster_bench
fi
SERVER=${SWIRL_BENCH_SERVER:-$BUILD_ABS/swirl-server}
for bin in "$SERVER" "$BUILD_ABS/bench/swirl_cluster_bench" /usr/sbin/nginx; do
  [ -x "$bin" ] || { echo "cluster bench: $bin is missing (build it, or apt-get install nginx-light)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/swirl-cluster-bench.XXXXXX)
# Its own directory: PostgreSQL runs as the user postgres when we are root, and WORK is private.
PG_DIR=$(mktemp -u /tmp/swirl-cluster-pg.XXXXXX)
BENCH_PID=""
cleanup() {
  # swirl_cluster_bench stops its nodes and nginx on exit and on signals; this covers a hard kill.
  if [ -n "$BENCH_PID" ]; then kill "$BENCH_PID" 2> /dev/null || true; wait "$BENCH_PID" 2> /dev/null || true; fi
  # A broken run keeps its logs (nodes, nginx's error log) for a look at why.
  if [ "${MEASURE_RC:-0}" != 0 ] && [ "$SMOKE" = 0 ]; then
    mkdir -p "${OUT%.json}-logs" && cp "$WORK"/run/*.log "$WORK"/run/nginx/error.log "${OUT%.json}-logs/" 2> /dev/null || true
    echo "cluster bench: logs kept in ${OUT%.json}-logs"
  fi
  if [ -f "$WORK/run/nginx/nginx.pid" ]; then kill -KILL -- "-$(cat "$WORK/run/nginx/nginx.pid")" 2> /dev/null || true; fi
  scripts/pg-cluster.sh stop "$PG_DIR" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

OUT=${SWIRL_CLUSTER_BENCH_OUT:-$ROOT/bench/results/cluster-latest.json}
[ "$SMOKE" = 1 ] && OUT=$WORK/smoke.json
mkdir -p "$(dirname "$OUT")" "$WORK/run"
# nginx runs as the user nobody when we are root: it must reach its directory under WORK.
chmod 755 "$WORK" "$WORK/run"

measure() {
  local start rc=0 admin
  start=$(date +%s)
  admin=$(scripts/pg-cluster.sh start "$PG_DIR")
  # One database per set-up, so neither sees the other's users, lobbies or history.
  psql -q -v ON_ERROR_STOP=1 "$admin" -c 'CREATE DATABASE swirl_direct' -c 'CREATE DATABASE swirl_nginx' > /dev/null
  "$BUILD_ABS/bench/swirl_cluster_bench" --swirl-server "$SERVER" \
    --database-direct "${admin%/postgres}/swirl_direct" --database-cluster "${admin%/postgres}/swirl_nginx" \
    --nginx-template "$ROOT/docker/nginx/swirl-cluster.conf" --work-dir "$WORK/run" --out "$OUT" "${ARGS[@]}" &
  BENCH_PID=$!
  wait "$BENCH_PID" || rc=$?
  BENCH_PID=""
  MEASURE_RC=$rc
  scripts/pg-cluster.sh stop "$PG_DIR"
  echo "cluster bench: $(( $(date +%s) - start )) s, exit $rc; results in $OUT"
  return "$rc"
}

if [ -n "$LOCK" ]; then
  exec 9> "$LOCK"
  flock 9
fi
measure
