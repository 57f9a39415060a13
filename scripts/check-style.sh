#!/usr/bin/env bash
# Style and static analysis for the C++ code:
#   1. clang-format --dry-run --Werror over src/ include/ tests/ bench/ (.clang-format);
#   2. clang-tidy over src/*.cpp with the checks named in .clang-tidy, in parallel, using the
#      compile commands of build/test (scripts/setup.sh test makes it).
# Both are Debian 12's version 14 (scripts/setup.sh test installs them). Exit status 0 when
# both are clean; every finding is printed with file:line.
#
#   scripts/check-style.sh [--format-only | --tidy-only] [-j N]
set -euo pipefail
cd "$(dirname "$0")/.."

run_format=1 run_tidy=1 jobs=$(nproc)
while [ $# -gt 0 ]; do
  case $1 in
    --format-only) run_tidy=0 ;;
    --tidy-only) run_format=0 ;;
    -j) jobs=$2; shift ;;
    -j*) jobs=${1#-j} ;;
    *) echo "usage: $0 [--format-only | --tidy-only] [-j N]" >&2; exit 2 ;;
  esac
  shift
done

CLANG_FORMAT=$(command -v clang-format-14 || command -v clang-format)
CLANG_TIDY=$(command -v clang-tidy-14 || command -v clang-tidy)
status=0

if [ "$run_format" = 1 ]; then
  echo "== clang-format =="
  if git ls-files -- 'src/*.cpp' 'src/*.hpp' 'include/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'bench/*.cpp' 'bench/*.hpp' \
      | grep -v '^tests/e2e/' | xargs -r "$CLANG_FORMAT" --dry-run --Werror; then
    echo "clang-format: clean"
  else
    status=1
  fi
fi

if [ "$run_tidy" = 1 ]; then
  echo "== clang-tidy (-j $jobs) =="
  if [ ! -f build/test/compile_commands.json ]; then
    echo "check-style: build/test/compile_commands.json is missing; run scripts/setup.sh test first" >&2
    exit 1
  fi
  # The precompiled headers CMake makes (cmake_pch.hxx.pch) must exist: build first.
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  start=$(date +%s)
  if git ls-files -- 'src/*.cpp' | xargs -r -n 1 -P "$jobs" "$CLANG_TIDY" -p build/test --quiet >"$log" 2>&1; then
    echo "clang-tidy: clean ($(( $(date +%s) - start )) s)"
  else
    grep -E 'warning:|error:' "$log" | sort -u >&2 || cat "$log" >&2
    echo "clang-tidy: findings above ($(( $(date +%s) - start )) s)" >&2
    status=1
  fi
fi

exit $status
