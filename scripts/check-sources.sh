#!/usr/bin/env bash
# CMake lists every source file by name (no globs). This fails, naming the file, when a .cpp
# under src/, tests/ or bench/ appears in no CMakeLists.txt (a file added without listing it,
# or lost in a merge): it would silently not be built, or its tests not run.
#
#   scripts/check-sources.sh        (exit 0: every source listed; 1: some are not)
set -euo pipefail
cd "$(dirname "$0")/.."

missing=0
check() {  # check CMAKELISTS DIR_OF_CMAKELISTS FILE...
  local lists=$1 base=$2 f rel
  shift 2
  for f in "$@"; do
    rel=${f#"$base"/}
    if ! grep -qE "(^|[[:space:](\"/])${rel//./\\.}([[:space:])\"]|$)" "$lists"; then
      echo "$f: not listed in $lists" >&2
      missing=$((missing + 1))
    fi
  done
}

check CMakeLists.txt . $(find src -name '*.cpp' | sort)
check tests/CMakeLists.txt tests $(find tests -maxdepth 2 -name '*.cpp' ! -path 'tests/e2e/*' ! -path 'tests/fuzz/*' | sort)
check tests/fuzz/CMakeLists.txt tests/fuzz $(find tests/fuzz -name '*.cpp' | sort)
check bench/CMakeLists.txt bench $(find bench -name '*.cpp' ! -path '*/node_modules/*' | sort)

# ctest runs each Catch2 case by name: a ';' in a name splits CMake's list, so that case never
# runs under ctest (it fails as "No test cases matched").
if bad=$(grep -n 'TEST_CASE("[^"]*;' tests/*.cpp); then
  echo "check-sources: a Catch2 test name contains ';' (ctest cannot run it):" >&2
  echo "$bad" >&2
  missing=$((missing + 1))
fi

if [ "$missing" -ne 0 ]; then
  echo "check-sources: $missing source file(s) listed in no CMakeLists.txt" >&2
  exit 1
fi
echo "check-sources: every source file is listed"
