#!/usr/bin/env bash
# Builds every image the compose file runs, all FROM the local Debian base image:
#   localhost/swirl:latest     docker/Dockerfile (multi-stage: web client + Release server)
#   localhost/swirl-postgres:15 docker/postgres/ (Debian's postgresql-15)
#   localhost/swirl-coturn:4.6  docker/coturn/   (Debian's coturn)
# and prints each build's time and the images' sizes. Podman's layer cache makes a rebuild
# with unchanged sources take seconds; the C++ stage alone takes ~10 min cold on 2 cores.
#
#   scripts/container/build-images.sh [swirl|postgres|coturn ...]   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/container/base-image.sh

# npm inside the build reaches the registry through whatever CA the host trusts: the bundle is
# mounted read-only for the build only (see docker/Dockerfile).
CA_ARGS=()
HOST_CA=${SWIRL_HOST_CA:-/etc/ssl/certs/ca-certificates.crt}
if [ -f "$HOST_CA" ]; then
  CA_ARGS=(-v "$HOST_CA:/run/host-ca.crt:ro" --build-arg HOST_CA=/run/host-ca.crt)
fi

build() {  # tag dockerfile context
  local tag=$1 file=$2 context=$3 start log
  start=$(date +%s)
  log=$(mktemp /tmp/swirl-podman-build.XXXXXX)
  if ! podman build --pull=never --layers --format docker -f "$file" -t "$tag" "${CA_ARGS[@]}" "$context" > "$log" 2>&1; then
    tail -60 "$log"; rm -f "$log"
    echo "build-images: building $tag FAILED"; return 1
  fi
  rm -f "$log"
  echo "build-images: $tag built in $(( $(date +%s) - start )) s, image size $(podman image inspect --format '{{.Size}}' "$tag" | numfmt --to=si)B"
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(postgres coturn swirl)
for t in "${targets[@]}"; do
  case $t in
    swirl) build localhost/swirl:latest docker/Dockerfile . ;;
    postgres) build localhost/swirl-postgres:15 docker/postgres/Dockerfile docker/postgres ;;
    coturn) build localhost/swirl-coturn:4.6 docker/coturn/Dockerfile docker/coturn ;;
    nginx) build localhost/swirl-nginx:latest docker/nginx/Dockerfile docker/nginx ;;  # compose.cluster.yaml only
    *) echo "build-images: unknown image '$t' (swirl, postgres, coturn or nginx)"; exit 2 ;;
  esac
done
