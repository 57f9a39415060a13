#!/usr/bin/env bash
# One command: install what is missing, build, and run the server on the embedded default
# (SQLite at var/swirl.db) on http://127.0.0.1:8080. Extra arguments go to swirl-server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh release
. scripts/node-env.sh
mkdir -p var
exec build/release/swirl-server --web-root web/dist "$@"
