#!/usr/bin/env bash
# The compose cluster, actually run (issue 18, docs/scaling.md): `podman-compose up` of
# docker/compose.cluster.yaml (PostgreSQL, coturn, three Swirl nodes, nginx) with a fresh .env
# and a self-signed certificate for 127.0.0.1, nginx published on random loopback ports; then,
# all through nginx over HTTPS:
#   1. tests/container/smoke.mjs: /healthz, the web client, users and a lobby, two WebSocket
#      clients matched and relaying a signal, /readyz;
#   2. tests/container/failover.mjs: the node running a lobby is stopped (`podman stop`,
#      SIGTERM); its members reconnect, the lobby runs on another node (the lease row in
#      PostgreSQL names it) and matchmaking goes on without a repeated pair;
# and every node's /metrics, read inside its container, shows the lease counters.
# Then `down` (volumes removed). Everything it starts is removed on exit, also on failure.
# Needs the images: scripts/container/build-images.sh postgres coturn swirl nginx.
#
#   scripts/container/smoke-cluster.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/node-env.sh
TAG=swirl-cluster-$$
[ -d tests/container/node_modules/ws ] || (cd tests/container && npm ci --no-audit --no-fund > /dev/null)

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
free_udp_port() { node -e 'const s=require("dgram").createSocket("udp4");s.bind(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
secret() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }

dir=$(mktemp -d /tmp/swirl-compose-cluster.XXXXXX)
compose() { (cd "$dir" && podman-compose -p "$TAG" -f compose.cluster.yaml "$@"); }
cleanup() {
  compose down -v -t 20 > /dev/null 2>&1 || true
  # A failed `up` can leave containers behind, and podman-compose 1.0.3 keeps the project network.
  podman ps -a --filter "name=^${TAG}_" --format '{{.Names}}' | xargs -r podman rm -f -v -t 0 > /dev/null 2>&1 || true
  podman network rm -f "${TAG}_default" > /dev/null 2>&1 || true
  podman volume rm -f "${TAG}_swirl-pgdata" > /dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
logs() { compose logs 2>&1 | tail -80; }

start=$(date +%s)
http_port=$(free_port)
https_port=$(free_port)
turn_port=$(free_udp_port)
min_port=$(( 40000 + (RANDOM % 400) * 50 ))
cp docker/compose.cluster.yaml "$dir/compose.cluster.yaml"
db_password=$(secret)
cat > "$dir/.env" <<ENV
SWIRL_DB_PASSWORD=$db_password
SWIRL_TURN_SECRET=$(secret)
SWIRL_TURN_URLS=turn:127.0.0.1:$turn_port?transport=udp
SWIRL_TURN_PORT=$turn_port
SWIRL_TURN_MIN_PORT=$min_port
SWIRL_TURN_MAX_PORT=$(( min_port + 19 ))
SWIRL_TURN_BIND=127.0.0.1
SWIRL_BIND=127.0.0.1
SWIRL_NGINX_HTTP_PORT=$http_port
SWIRL_NGINX_HTTPS_PORT=$https_port
SWIRL_PUBLIC_URL=https://127.0.0.1:$https_port
SWIRL_SHUTDOWN_DRAIN_MS=5000
ENV
# The site's certificate, as the compose file expects it in certs/ beside it.
mkdir -p "$dir/certs"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$dir/certs/privkey.pem" -out "$dir/certs/fullchain.pem" > /dev/null 2>&1
chmod 644 "$dir/certs/privkey.pem"
export NODE_EXTRA_CA_CERTS=$dir/certs/fullchain.pem
URL=https://127.0.0.1:$https_port

if ! compose up -d > "$dir/up.log" 2>&1; then tail -30 "$dir/up.log"; exit 1; fi
echo "smoke-cluster: ok   podman-compose up ($(( $(date +%s) - start )) s)"
deadline=$(( $(date +%s) + 120 ))
until curl -fsS -o /dev/null --max-time 2 --cacert "$dir/certs/fullchain.pem" "$URL/readyz" 2>/dev/null; do
  if [ "$(date +%s)" -ge "$deadline" ]; then echo "smoke-cluster: $URL/readyz did not answer within 120 s"; logs; exit 1; fi
  sleep 0.5
done
echo "smoke-cluster: ok   /readyz through nginx ($(( $(date +%s) - start )) s after up began)"
# Plain HTTP is redirected to HTTPS.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$http_port/")
[ "$code" = 301 ] || { echo "smoke-cluster: http:// answered $code, expected 301"; exit 1; }
echo "smoke-cluster: ok   http:// redirects to https://"

(cd tests/container && node smoke.mjs --url "$URL") || { logs; exit 1; }

# Which node holds a lobby's lease, from the shared record; and stopping a node by its id
# (the compose service name: SWIRL_NODE_ID is the service's name).
pg="podman exec -e PGPASSWORD=$db_password ${TAG}_postgres_1 psql -h 127.0.0.1 -U swirl -d swirl -tAc"
holder="$pg \"SELECT node_id FROM lobby_leases WHERE lobby_id = '\$LOBBY' AND expires_at > now()\""
stop="podman stop -t 20 ${TAG}_\${NODE}_1 > /dev/null"
(cd tests/container && node failover.mjs --url "$URL" --holder-cmd "$holder" --stop-cmd "$stop") || { logs; exit 1; }

# Each running node's own /metrics (nginx keeps /metrics inside), read in its container.
for n in swirl-1 swirl-2 swirl-3; do
  c=${TAG}_${n}_1
  [ "$(podman inspect --format '{{.State.Running}}' "$c")" = true ] || { echo "smoke-cluster: $n stopped (the failover)"; continue; }
  metrics=$(podman exec "$c" bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080; printf "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n" >&3; cat <&3')
  line=$(grep -E '^swirl_lease_(held|acquired_total)' <<< "$metrics" | tr '\n' ' ')
  [ -n "$line" ] || { echo "smoke-cluster: $n has no lease metrics"; exit 1; }
  echo "smoke-cluster: ok   $n /metrics: $line"
done

down_start=$(date +%s)
compose down -v -t 20 > "$dir/down.log" 2>&1
echo "smoke-cluster: ok   podman-compose down ($(( $(date +%s) - down_start )) s)"
echo "smoke-cluster: passed in $(( $(date +%s) - start )) s"
