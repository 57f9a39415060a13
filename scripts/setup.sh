#!/usr/bin/env bash
# Installs whatever is missing on a Debian 12 machine (apt and npm packages) and builds the
# server and the web client. Safe to run again: it only installs and rebuilds what changed.
#
#   scripts/setup.sh [release|test]
#
# release (default): build/release, the production build.
# test: build/test, with test hooks (fault injection) compiled in, plus test-only packages.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MODE=${1:-release}

APT_PACKAGES=(build-essential cmake ninja-build ccache pkg-config git
  clang libboost1.81-dev libpqxx-dev nlohmann-json3-dev libspdlog-dev catch2 libsqlite3-dev libssl-dev
  liburing-dev nodejs npm)
if [ "$MODE" = test ]; then
  # coturn: the real TURN server of the relay browser test (tests/e2e/specs/turn.test.mjs).
  # iproute2 and nftables: the stall browser test cuts media inside a network namespace.
  # clang-format and clang-tidy: scripts/check-style.sh.
  APT_PACKAGES+=(postgresql-15 chromium firefox-esr ffmpeg procps clang-format clang-tidy coturn iproute2 nftables)
  # Podman and what it needs here (scripts/container/: the image is built and run by the tests),
  # mmdebstrap for the base image, podman-compose for docker/compose.yaml.
  APT_PACKAGES+=(podman runc conmon catatonit buildah fuse-overlayfs slirp4netns uidmap containernetworking-plugins
    golang-github-containernetworking-plugin-dnsname mmdebstrap podman-compose curl)
  # /metrics is checked with the Prometheus client library's own text parser (tests/e2e/tools/prom-parse.py).
  APT_PACKAGES+=(python3-prometheus-client)
  # nginx: docker/nginx/swirl.conf runs in front of a server (tests/test_nginx.cpp); openssl:
  # the TLS tests make their certificates with it (tests/support/tls_tunnel.cpp, tests/e2e/support/tls.mjs).
  APT_PACKAGES+=(nginx openssl)
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node from Debian is enough; a newer one already on PATH is fine too.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs/}"); missing=("${missing[@]/npm/}")
fi
read -r -a missing <<< "${missing[*]:-}"
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "$MODE" = test ]; then
  scripts/container/podman-config.sh
fi

# shellcheck source=node-env.sh
. scripts/node-env.sh
swirl_ensure_node

# The web client (when present).
if [ -f web/package.json ]; then
  if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
    (cd web && npm ci --no-audit --no-fund)
  fi
  (cd web && npm run build)
fi

# The browser tests' own npm package (playwright-core, puppeteer-core; no browser downloads).
if [ "$MODE" = test ] && [ -f tests/e2e/package.json ]; then
  if [ ! -d tests/e2e/node_modules ] || [ tests/e2e/package-lock.json -nt tests/e2e/node_modules/.package-lock.json ]; then
    (cd tests/e2e && npm ci --no-audit --no-fund)
  fi
fi
# The container smoke test's npm package (ws, dockerfilelint).
if [ "$MODE" = test ] && [ -f tests/container/package.json ]; then
  if [ ! -d tests/container/node_modules ] || [ tests/container/package-lock.json -nt tests/container/node_modules/.package-lock.json ]; then
    (cd tests/container && npm ci --no-audit --no-fund)
  fi
fi

BUILD_DIR=build/$MODE
# clang, not GCC 12: see the note on coroutines in CMakeLists.txt.
CMAKE_ARGS=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++)
if [ "$MODE" = test ]; then
  # The build CI runs: warnings are errors here (a release build on a newer compiler is not
  # stopped by a warning it may add).
  CMAKE_ARGS+=(-DSWIRL_TEST_HOOKS=ON -DSWIRL_WERROR=ON)
else
  CMAKE_ARGS+=(-DSWIRL_TEST_HOOKS=OFF -DSWIRL_BUILD_TESTS=OFF)
fi
cmake -S . -B "$BUILD_DIR" "${CMAKE_ARGS[@]}" > /dev/null
# Two cores: one compile job per core keeps memory in check for Beast-heavy units.
cmake --build "$BUILD_DIR" -j "$(nproc)"
echo "setup: built $ROOT/$BUILD_DIR"
