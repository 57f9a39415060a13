#!/usr/bin/env bash
# Checks that the server's layers never include upward (docs/architecture.md, "Layers").
# Reads the #include lines of src/ and include/swirl/ (tests and bench may include anything)
# and fails, naming file:line, on an include of a layer the including layer may not use.
#
#   scripts/check-layers.sh        (exit 0: clean; 1: upward includes, listed on stderr)
set -euo pipefail
cd "$(dirname "$0")/.."

# What each layer may include (besides itself). The order is the layering, bottom up:
#   ice, net -> core -> json -> storage, http -> ws, auth, users, cluster -> lobby -> api -> app
# net/ (TLS in front of the server's sockets) includes no other layer.
# ice/ (STUN/TURN settings and credentials) includes no other layer; core's Config holds its
# IceConfig, so every layer that may use core may use ice.
declare -A ALLOWED=(
  [ice]=""
  [net]=""
  [core]="ice"
  [json]="ice core"
  [storage]="ice core json"
  [http]="ice net core json storage"
  [ws]="ice core json http"
  [auth]="ice core storage"
  [users]="ice core"
  [cluster]="ice core json storage http"
  [lobby]="ice core json storage http ws auth users cluster"
  [api]="ice core json storage http ws auth users lobby cluster"
  [app]="ice net core json storage http ws auth users lobby api cluster"
)

# Known upward includes, each waiting for a named follow-up. Format: "file|included header".
# Empty: ws/ hands messages to a handler interface (ws/message_handler.hpp) since issue 12.
ALLOWLIST=()

layer_of() {  # sets `from` to the layer of path $1, or empty for files outside the layers
  local p=$1
  case $p in
    src/main.cpp) from=app ;;
    src/*/*) p=${p#src/}; from=${p%%/*} ;;
    include/swirl/*/*) p=${p#include/swirl/}; from=${p%%/*} ;;
    *) from="" ;;
  esac
}

allowlisted() {
  local entry
  for entry in "${ALLOWLIST[@]+"${ALLOWLIST[@]}"}"; do
    [ "$entry" = "$1|$2" ] && return 0
  done
  return 1
}

violations=0
while IFS=: read -r file line text; do
  layer_of "$file"
  [ -n "$from" ] || continue
  [[ $text =~ include[[:space:]]*[\"\<]([^\">]+) ]] || continue
  header=${BASH_REMATCH[1]}
  to=${header#swirl/}
  to=${to%%/*}
  [ "$to" = "$from" ] && continue
  if [ -z "${ALLOWED[$from]+x}" ]; then
    echo "$file:$line: layer '$from' is not in scripts/check-layers.sh; add it to ALLOWED" >&2
    violations=$((violations + 1))
    continue
  fi
  case " ${ALLOWED[$from]} " in *" $to "*) continue ;; esac
  allowlisted "$file" "$header" && continue
  echo "$file:$line: $from/ may not include $header ($from/ may use: ${ALLOWED[$from]:-nothing else})" >&2
  violations=$((violations + 1))
done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]swirl/' src include/swirl --include='*.hpp' --include='*.cpp' --include='*.h' || true)

if [ "$violations" -ne 0 ]; then
  echo "check-layers: $violations upward include(s)" >&2
  exit 1
fi
echo "check-layers: no upward includes"
