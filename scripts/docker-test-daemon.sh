#!/usr/bin/env bash
# A Docker daemon of the tests' own: `start` prints the DOCKER_HOST to export, `stop` ends it.
# Host networking only (this machine has no bridge), vfs storage (no overlay inside containers).
set -euo pipefail
root="${GANTRY_DOCKER_ROOT:-/tmp/gantry-docker}"
sock="$root/docker.sock"

case "${1:-}" in
  start)
    mkdir -p "$root/data" "$root/exec"
    if [ -S "$sock" ] && docker -H "unix://$sock" info >/dev/null 2>&1; then echo "unix://$sock"; exit 0; fi
    nohup dockerd --data-root "$root/data" --exec-root "$root/exec" --pidfile "$root/dockerd.pid" -H "unix://$sock" \
      --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs >"$root/dockerd.log" 2>&1 &
    for _ in $(seq 1 100); do
      if docker -H "unix://$sock" info >/dev/null 2>&1; then echo "unix://$sock"; exit 0; fi
      sleep 0.2
    done
    echo "dockerd did not come up within 20 s; its log:" >&2
    tail -n 30 "$root/dockerd.log" >&2
    exit 1
    ;;
  stop)
    [ -f "$root/dockerd.pid" ] || exit 0
    pid="$(cat "$root/dockerd.pid")"
    kill "$pid" 2>/dev/null || exit 0
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
