#!/usr/bin/env bash
# Writes /etc/containers/containers.conf so rootful Podman runs on this kind of machine
# (scripts/setup.sh calls it in test mode, after installing podman). Without it `podman run`
# fails here:
# - default_ulimits: root lacks CAP_SYS_RESOURCE, and Podman would raise nofile/nproc above the
#   hard limits; we pin them to the hard limits we have (nproc capped at kernel.pid_max).
# - runtime runc: crun 1.8.1 refuses this cgroup layout.
# - cgroupfs and a file events log: there is no systemd session to talk to.
# Rewrites the file only when its content would change.
set -euo pipefail
CONF=${SWIRL_CONTAINERS_CONF:-/etc/containers/containers.conf}
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
pid_max=$(cat /proc/sys/kernel/pid_max)
if [ "$nproc" = unlimited ] || [ "$nproc" -gt "$pid_max" ]; then nproc=$pid_max; fi
[ "$nofile" = unlimited ] && nofile=1048576

want=$(cat <<CONF
# Written by swirl scripts/container/podman-config.sh
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
)
if [ -f "$CONF" ] && [ "$(cat "$CONF")" = "$want" ]; then exit 0; fi
if [ -f "$CONF" ] && ! grep -q '^# Written by swirl' "$CONF"; then
  cp "$CONF" "$CONF.before-swirl"
  echo "podman-config: kept the previous $CONF as $CONF.before-swirl"
fi
mkdir -p "$(dirname "$CONF")"
printf '%s\n' "$want" > "$CONF"
echo "podman-config: wrote $CONF (nofile=$nofile, nproc=$nproc, runc, cgroupfs)"
