#!/bin/bash
# coturn as PID 1 of the swirl-coturn image: TURN REST credentials (use-auth-secret) with the
# secret Swirl signs them with, so the credentials Swirl hands out are the ones coturn accepts.
#   TURN_SECRET or TURN_SECRET_FILE  the shared secret (required; same as SWIRL_TURN_SECRET)
#   TURN_REALM            realm (default swirl)
#   TURN_PORT             listening port, UDP and TCP (default 3478)
#   TURN_MIN_PORT/TURN_MAX_PORT  relay port range (default 49160-49200); publish the same range
#   TURN_EXTERNAL_IP      the public address clients reach (behind NAT, "public/private" works)
#   TURN_EXTRA            more turnserver.conf lines, separated by ';'
# SIGTERM/SIGINT are passed on to turnserver; it gets 5 s before SIGKILL.
set -euo pipefail
if [ -n "${TURN_SECRET_FILE:-}" ]; then TURN_SECRET=$(head -n1 "$TURN_SECRET_FILE"); fi
if [ -z "${TURN_SECRET:-}" ]; then
  echo "swirl-coturn: TURN_SECRET (or TURN_SECRET_FILE) is required" >&2
  exit 2
fi
conf=/var/lib/swirl-coturn/turnserver.conf
umask 077
{
  echo "listening-port=${TURN_PORT:-3478}"
  echo "min-port=${TURN_MIN_PORT:-49160}"
  echo "max-port=${TURN_MAX_PORT:-49200}"
  echo "realm=${TURN_REALM:-swirl}"
  echo "use-auth-secret"
  echo "static-auth-secret=$TURN_SECRET"
  [ -n "${TURN_EXTERNAL_IP:-}" ] && echo "external-ip=$TURN_EXTERNAL_IP"
  echo "fingerprint"
  echo "no-tls"
  echo "no-dtls"
  echo "no-cli"
  echo "no-multicast-peers"
  echo "log-file=stdout"
  echo "simple-log"
  echo "userdb=/var/lib/swirl-coturn/turndb"
  echo "pidfile=/var/lib/swirl-coturn/turnserver.pid"
  if [ -n "${TURN_EXTRA:-}" ]; then tr ';' '\n' <<< "$TURN_EXTRA"; fi
} > "$conf"
chown turnserver:turnserver "$conf"

setpriv --reuid=turnserver --regid=turnserver --init-groups -- turnserver -c "$conf" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null; (sleep 5; kill -KILL "$pid" 2>/dev/null) &' TERM INT
while kill -0 "$pid" 2>/dev/null; do wait "$pid" || true; done
# bash keeps the exit status of a background job it reaped: this wait returns it at once.
status=0
wait "$pid" || status=$?
# Stopped by a signal: that is a clean stop for a container.
[ "$status" -ge 128 ] && status=0
exit "$status"
