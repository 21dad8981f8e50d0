#!/usr/bin/env bash
# A single-node Docker Swarm of the tests' own: a dockerd with its own root and socket, made a swarm
# manager. `start` prints the DOCKER_HOST of it (for GANTRY_SWARM_HOST), `stop` ends it and leaves
# nothing behind. The swarm listens on its own loopback address (GANTRY_SWARM_ADDR) so that two runs on
# one machine (two roots) don't meet on the swarm's fixed gossip port.
set -euo pipefail
root="${GANTRY_SWARM_ROOT:-/tmp/gantry-swarm}"
addr="${GANTRY_SWARM_ADDR:-127.0.0.1}"
sock="$root/docker.sock"
docker_() { docker -H "unix://$sock" "$@"; }

case "${1:-}" in
  start)
    mkdir -p "$root/data" "$root/exec"
    if ! { [ -S "$sock" ] && docker_ info >/dev/null 2>&1; }; then
      nohup dockerd --data-root "$root/data" --exec-root "$root/exec" --pidfile "$root/dockerd.pid" -H "unix://$sock" \
        --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs >"$root/dockerd.log" 2>&1 &
      for _ in $(seq 1 100); do docker_ info >/dev/null 2>&1 && break; sleep 0.2; done
      if ! docker_ info >/dev/null 2>&1; then
        echo "dockerd did not come up within 20 s; its log:" >&2
        tail -n 30 "$root/dockerd.log" >&2
        exit 1
      fi
    fi
    if [ "$(docker_ info --format '{{.Swarm.LocalNodeState}}')" != "active" ]; then
      docker_ swarm init --advertise-addr "$addr" --listen-addr "$addr:2377" --data-path-addr "$addr" >/dev/null
    fi
    echo "unix://$sock"
    ;;
  stop)
    [ -f "$root/dockerd.pid" ] || exit 0
    # Leaving the swarm removes its services and their tasks' containers with it.
    docker_ swarm leave --force >/dev/null 2>&1 || true
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
