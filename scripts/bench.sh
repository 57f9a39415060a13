#!/usr/bin/env bash
# Builds Swirl (Release) and the load generator, installs the PeerJS reference server, runs
# every benchmark scenario against both servers, prints the table, writes the raw figures to
# bench/results/latest.json and regenerates docs/benchmarks.md and docs/benchmarks-latency.png.
#
#   scripts/bench.sh            the full suite (~10 minutes on 2 cores)
#   scripts/bench.sh --smoke    tiny sizes, both servers, a few seconds; exits non-zero if any
#                               scenario breaks (docs are not touched)
#
# Other arguments go to swirl_loadgen (e.g. --io-threads 2, --scenarios relay,churn).
#
# Environment:
#   SWIRL_BENCH_BUILD_DIR   build directory (default build/bench), so several worktrees or
#                           people can bench on one machine without sharing a build
#   SWIRL_BENCH_JOBS        parallel build jobs (default: every core)
#   SWIRL_BENCH_NO_DOCS=1   a full run that writes only the JSON (bench/results/latest.json)
#                           and leaves docs/benchmarks.md and the plot alone
#   SWIRL_BENCH_SWIRL_ARGS  extra swirl-server flags for an experiment, e.g. "--db-threads=1"
#   SWIRL_BENCH_NO_PERF=1   skip the relay's perf-sampled user/system split (and its extra
#                           3 s window per rate)
#
# For experiments, swirl_loadgen also takes --servers swirl,peerjs,bare,uring (which servers to run),
# --relay-rates 5000,20000, --relay-seconds S and --conncost-rounds N (connection cost's measured
# rounds per server, interleaved with the other server's; default 5), e.g.
#   SWIRL_BENCH_NO_DOCS=1 scripts/bench.sh --scenarios relay --servers swirl,bare --out /tmp/r.json
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SMOKE=0
for a in "$@"; do [ "$a" = --smoke ] && SMOKE=1; done

# Packages: the build toolchain through setup.sh's list; gnuplot for the plot; perf for the
# sampled user/system split of the relay (the bench runs without it and says so).
BENCH_PACKAGES=()
command -v gnuplot >/dev/null || BENCH_PACKAGES+=(gnuplot-nox)
command -v perf >/dev/null || BENCH_PACKAGES+=(linux-perf)
if [ ${#BENCH_PACKAGES[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${BENCH_PACKAGES[@]}"
fi
if ! command -v clang++ >/dev/null || ! command -v node >/dev/null; then
  scripts/setup.sh release
fi
if [ ! -d bench/peerjs/node_modules ] || [ bench/peerjs/package-lock.json -nt bench/peerjs/node_modules/.package-lock.json ]; then
  (cd bench/peerjs && npm ci --no-audit --no-fund)
fi

BUILD=${SWIRL_BENCH_BUILD_DIR:-build/bench}
case "$BUILD" in /*) BUILD_ABS=$BUILD ;; *) BUILD_ABS=$ROOT/$BUILD ;; esac
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
  -DSWIRL_BUILD_TESTS=OFF -DSWIRL_BUILD_BENCH=ON > /dev/null
cmake --build "$BUILD" -j "${SWIRL_BENCH_JOBS:-$(nproc)}" --target swirl-server swirl_loadgen swirl_bench_matcher

WORK=$(mktemp -d /tmp/swirl-bench.XXXXXX)
LOADGEN_PID=""
cleanup() {
  # swirl_loadgen stops its own children on exit and on signals; this covers a hard kill.
  [ -n "$LOADGEN_PID" ] && kill "$LOADGEN_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

mkdir -p bench/results
ARGS=(run --swirl-server "$BUILD_ABS/swirl-server" --peerjs-dir "$ROOT/bench/peerjs"
      --matcher "$BUILD_ABS/bench/swirl_bench_matcher" --work-dir "$WORK")
if [ "$SMOKE" = 1 ]; then
  ARGS+=(--out "$WORK/smoke.json")
else
  ARGS+=(--out bench/results/latest.json)
  [ "${SWIRL_BENCH_NO_DOCS:-0}" = 1 ] || ARGS+=(--docs docs --notes bench/notes.md)
fi
for a in "$@"; do [ "$a" != --smoke ] && ARGS+=("$a"); done
[ "$SMOKE" = 1 ] && ARGS+=(--smoke)

start=$(date +%s)
"$BUILD_ABS/bench/swirl_loadgen" "${ARGS[@]}" &
LOADGEN_PID=$!
rc=0
wait "$LOADGEN_PID" || rc=$?
LOADGEN_PID=""
echo "bench: $(( $(date +%s) - start )) s, exit $rc"
exit "$rc"
