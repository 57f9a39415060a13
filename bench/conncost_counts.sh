#!/usr/bin/env bash
# Counts what one connect–join–close cycle costs the server, in numbers that a loaded machine
# hardly changes (docs/benchmarks.md, table 4b, measures the CPU time): per cycle, system calls
# by kind and per thread, context switches and the wake-ups each thread causes. It runs the
# `conncost` scenario (Swirl only, one measured round: --conncost-rounds 1) and counts over its
# measured round only (the second worker's life; the warm-up round is left out), with `perf stat`
# attached to the server.
#
#   bench/conncost_counts.sh OUT_DIR [swirl_loadgen args]
#
# Environment: SWIRL_BENCH_BUILD_DIR (default build/bench, built by scripts/bench.sh),
# SWIRL_SERVER (a swirl-server binary to count instead of the build's; its file name must stay
# swirl-server), SWIRL_BENCH_SWIRL_ARGS (extra server flags, e.g. "--db-threads=1"),
# COUNT_TARGET=peerjs to count the PeerJS server instead (bench/peerjs, after npm ci). Needs perf
# (scripts/bench.sh installs it) and root or perf_event_paranoid <= 1. Hold the bench lock:
#   flock /work/bench.lock bench/conncost_counts.sh /tmp/cc
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$1
shift
BUILD=${SWIRL_BENCH_BUILD_DIR:-$ROOT/build/bench}
SERVER=${SWIRL_SERVER:-$BUILD/swirl-server}
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/swirl-counts.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
EVENTS=raw_syscalls:sys_enter,context-switches,cpu-migrations,sched:sched_wakeup
for s in accept accept4 epoll_wait epoll_pwait epoll_ctl futex read write readv writev recvfrom sendto recvmsg sendmsg close \
  shutdown ioctl setsockopt getsockopt getpeername getsockname timerfd_settime pread64 pwrite64 fcntl fdatasync \
  fsync openat newfstatat lseek madvise mmap munmap mprotect brk getrandom sched_yield; do
  EVENTS+=",syscalls:sys_enter_$s"
done
"$BUILD/bench/swirl_loadgen" run --swirl-server "$SERVER" --peerjs-dir "$ROOT/bench/peerjs" \
  --matcher "$BUILD/bench/swirl_bench_matcher" --work-dir "$WORK" --scenarios conncost --servers "${COUNT_TARGET:-swirl}" \
  --conncost-rounds 1 --out "$OUT/result.json" "$@" > "$OUT/loadgen.log" 2>&1 &
LOADGEN=$!
# The loadgen's children: the one server (--servers names one), then one worker per round: the
# warm-up's, then the measured round's (one round only, so the second worker is the measured one).
server="" worker="" workers=""
while kill -0 "$LOADGEN" 2>/dev/null && [ -z "$worker" ]; do
  for c in $(pgrep -P "$LOADGEN" || true); do
    case "$(cat "/proc/$c/comm" 2>/dev/null)" in
      swirl-server | node) server=$c ;;
      swirl_loadgen)
        case " $workers " in *" $c "*) ;; *) workers="$workers $c" ;; esac
        [ "$(wc -w <<< "$workers")" -ge 2 ] && worker=$c ;;
    esac
  done
  sleep 0.05
done
if [ -z "$server" ] || [ -z "$worker" ]; then
  echo "conncost_counts: did not see the server and the measured round (see $OUT/loadgen.log)" >&2
  wait "$LOADGEN" || true
  exit 1
fi
switches() {
  for t in /proc/"$server"/task/*; do
    echo "$(basename "$t") $(awk '/^(non)?voluntary_ctxt/ {print $2}' "$t/status" | xargs)"
  done
}
switches > "$OUT/switches_before"
perf stat --per-thread -x, -e "$EVENTS" -p "$server" -o "$OUT/perf.csv" &
PERF=$!
while kill -0 "$worker" 2>/dev/null; do sleep 0.05; done
switches > "$OUT/switches_after"
kill -INT "$PERF"
wait "$PERF" || true
wait "$LOADGEN"
python3 "$ROOT/bench/conncost_counts.py" "$OUT"
