#!/usr/bin/env bash
# Makes the Debian 12 base image every Swirl image starts FROM, out of Debian's package mirror
# (no container registry is reachable): a minbase bookworm rootfs by mmdebstrap, imported into
# Podman and tagged docker.io/library/debian:bookworm-slim, so `FROM debian:bookworm-slim`
# resolves with `podman build --pull=never`. Skipped when the tag exists (--force rebuilds).
#
#   scripts/container/base-image.sh [--force]
#
# The merged-usr hook halves the rootfs (78 MB instead of 170 MB); man pages, locales and docs
# are left out by dpkg path-excludes (copyright files stay).
set -euo pipefail
TAG=docker.io/library/debian:bookworm-slim
if [ "${1:-}" != --force ] && podman image exists "$TAG"; then
  echo "base-image: $TAG exists ($(podman image inspect --format '{{.Size}}' "$TAG" | numfmt --to=si)B), kept"
  exit 0
fi
MIRROR=${SWIRL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY=${SWIRL_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
work=$(mktemp -d /tmp/swirl-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
mmdebstrap --quiet --variant=minbase --mode=root --format=tar \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --aptopt='Acquire::Languages "none"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
  bookworm "$work/rootfs.tar" \
  "deb $MIRROR bookworm main" \
  "deb $MIRROR bookworm-updates main" \
  "deb $SECURITY bookworm-security main"
podman import --quiet \
  --change 'CMD ["/bin/bash"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  "$work/rootfs.tar" "$TAG" > /dev/null
echo "base-image: $TAG made in $(( $(date +%s) - start )) s, rootfs $(stat -c %s "$work/rootfs.tar" | numfmt --to=si)B"
