#!/bin/bash
# The image's HEALTHCHECK: GET /healthz on the server's own port, with bash alone (the runtime
# image has no curl). Exit 0 when the answer is 200.
exec 3<>"/dev/tcp/127.0.0.1/${SWIRL_PORT:-8080}" || exit 1
printf 'GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
IFS= read -r -t 3 status <&3 || exit 1
[[ $status == "HTTP/1."?" 200 "* ]]
