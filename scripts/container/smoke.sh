#!/usr/bin/env bash
# The container smoke test (scripts/test.sh runs it after building the images):
#   1. the swirl image against a PostgreSQL container on a private network, through the port
#      published on 127.0.0.1: tests/container/smoke.mjs (web client, users, two WebSocket
#      clients matched and relaying a signal, /readyz), the image's HEALTHCHECK, and a stop
#      (SIGTERM) that must end with exit code 0 within the drain time;
#   2. `podman-compose up` of docker/compose.yaml (swirl + PostgreSQL + coturn) with a fresh
#      .env, the same smoke plus the TURN credential from the welcome message checked against
#      the coturn container with turnutils_uclient; then `down` (volumes removed).
# Everything it starts is removed on exit, also on failure. Prints each phase's time.
#
#   scripts/container/smoke.sh [image|compose ...]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
. scripts/node-env.sh
IMAGE=localhost/swirl:latest
TAG=swirl-smoke-$$
UCLIENT=${SWIRL_TURN_UCLIENT:-/usr/bin/turnutils_uclient}
# The BodyPix model, when the repository vendors one, must be served from the image.
MODEL_ARGS=()
model=$(cd web/public 2>/dev/null && ls models/bodypix/*/model.json 2>/dev/null | head -n1 || true)
[ -n "$model" ] && MODEL_ARGS=(--expect-model "/$model")

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
free_udp_port() { node -e 'const s=require("dgram").createSocket("udp4");s.bind(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
secret() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }

wait_http() {  # url seconds
  local deadline=$(( $(date +%s) + $2 ))
  until curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then echo "smoke: $1 did not answer within $2 s"; return 1; fi
    sleep 0.5
  done
}

cleanup_image() {
  # -v: the PostgreSQL image's data volume is anonymous here; it goes with its container.
  podman rm -f -v -t 0 "$TAG-swirl" "$TAG-pg" > /dev/null 2>&1 || true
  podman network rm -f "$TAG" > /dev/null 2>&1 || true
}

phase_image() {
  local start port pw status stop_start stop_ms
  start=$(date +%s)
  port=$(free_port)
  pw=$(secret)
  podman network create "$TAG" > /dev/null
  podman run -d --name "$TAG-pg" --network "$TAG" -e POSTGRES_USER=swirl -e POSTGRES_DB=swirl -e POSTGRES_PASSWORD="$pw" \
    localhost/swirl-postgres:15 > /dev/null
  podman run -d --name "$TAG-swirl" --network "$TAG" -p "127.0.0.1:$port:8080" \
    -e SWIRL_DATABASE="postgres://swirl:$pw@$TAG-pg:5432/swirl" -e SWIRL_DATABASE_WAIT_MS=60000 \
    -e SWIRL_SHUTDOWN_DRAIN_MS=5000 "$IMAGE" > /dev/null
  if ! wait_http "http://127.0.0.1:$port/readyz" 90; then
    podman logs "$TAG-pg" | tail -20; podman logs "$TAG-swirl" | tail -40; return 1
  fi
  if ! (cd tests/container && node smoke.mjs --url "http://127.0.0.1:$port" "${MODEL_ARGS[@]}"); then
    podman logs "$TAG-swirl" | tail -40; return 1
  fi
  podman healthcheck run "$TAG-swirl" > /dev/null || { echo "smoke: the image's HEALTHCHECK failed"; return 1; }
  echo "smoke: ok   HEALTHCHECK (podman healthcheck run)"
  # Logs are JSON lines, all of them.
  podman logs "$TAG-swirl" > "/tmp/$TAG.log" 2>&1
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
    for (const l of lines) JSON.parse(l);
    console.log(`smoke: ok   logs are JSON lines (${lines.length} lines)`);' "/tmp/$TAG.log" ||
    { echo "smoke: logs are not JSON lines:"; head -5 "/tmp/$TAG.log"; rm -f "/tmp/$TAG.log"; return 1; }
  rm -f "/tmp/$TAG.log"
  stop_start=$(date +%s%N)
  podman stop -t 15 "$TAG-swirl" > /dev/null
  stop_ms=$(( ($(date +%s%N) - stop_start) / 1000000 ))
  status=$(podman inspect --format '{{.State.ExitCode}}' "$TAG-swirl")
  if [ "$status" != 0 ]; then echo "smoke: swirl exited $status on SIGTERM"; podman logs "$TAG-swirl" | tail -20; return 1; fi
  echo "smoke: ok   SIGTERM: exit code 0 after $stop_ms ms"
  cleanup_image
  echo "smoke: image phase passed in $(( $(date +%s) - start )) s"
}

compose_dir=
cleanup_compose() {
  [ -n "$compose_dir" ] || return 0
  (cd "$compose_dir" && podman-compose -p "$TAG" -f compose.yaml down -v -t 20 > /dev/null 2>&1) || true
  # A failed `up` can leave containers behind, and podman-compose 1.0.3 keeps the project network.
  podman ps -a --filter "name=^${TAG}_" --format '{{.Names}}' | xargs -r podman rm -f -v -t 0 > /dev/null 2>&1 || true
  podman network rm -f "${TAG}_default" > /dev/null 2>&1 || true
  rm -rf "$compose_dir"
  compose_dir=
}

phase_compose() {
  local start port turn_port min_port status
  start=$(date +%s)
  port=$(free_port)
  turn_port=$(free_udp_port)
  min_port=$(( 40000 + (RANDOM % 400) * 50 ))
  # A copy of the compose file in a directory of its own, with its own .env: a developer's
  # docker/.env is neither used nor touched.
  compose_dir=$(mktemp -d /tmp/swirl-compose.XXXXXX)
  cp docker/compose.yaml "$compose_dir/compose.yaml"
  cat > "$compose_dir/.env" <<ENV
SWIRL_DB_PASSWORD=$(secret)
SWIRL_TURN_SECRET=$(secret)
SWIRL_TURN_URLS=turn:127.0.0.1:$turn_port?transport=udp
SWIRL_TURN_PORT=$turn_port
SWIRL_TURN_MIN_PORT=$min_port
SWIRL_TURN_MAX_PORT=$(( min_port + 19 ))
SWIRL_TURN_BIND=127.0.0.1
SWIRL_HTTP_PORT=$port
SWIRL_BIND=127.0.0.1
SWIRL_SHUTDOWN_DRAIN_MS=5000
ENV
  if ! (cd "$compose_dir" && podman-compose -p "$TAG" -f compose.yaml up -d > "$compose_dir/up.log" 2>&1); then
    cat "$compose_dir/up.log" | tail -30; return 1
  fi
  echo "smoke: ok   podman-compose up ($(( $(date +%s) - start )) s)"
  if ! wait_http "http://127.0.0.1:$port/readyz" 90; then
    (cd "$compose_dir" && podman-compose -p "$TAG" -f compose.yaml logs 2>&1 | tail -60); return 1
  fi
  if ! (cd tests/container && node smoke.mjs --url "http://127.0.0.1:$port" --turn-uclient "$UCLIENT" "${MODEL_ARGS[@]}"); then
    (cd "$compose_dir" && podman-compose -p "$TAG" -f compose.yaml logs 2>&1 | tail -60); return 1
  fi
  local down_start=$(date +%s)
  (cd "$compose_dir" && podman-compose -p "$TAG" -f compose.yaml down -v -t 20 > "$compose_dir/down.log" 2>&1)
  echo "smoke: ok   podman-compose down ($(( $(date +%s) - down_start )) s)"
  cleanup_compose
  echo "smoke: compose phase passed in $(( $(date +%s) - start )) s"
}

trap 'cleanup_image; cleanup_compose' EXIT
phases=("$@")
[ ${#phases[@]} -eq 0 ] && phases=(image compose)
for p in "${phases[@]}"; do
  case $p in
    image) phase_image ;;
    compose) phase_compose ;;
    *) echo "smoke: unknown phase '$p' (image or compose)"; exit 2 ;;
  esac
done
