#!/usr/bin/env bash
# A single-node Docker Swarm of the tests' own: a dockerd of its own (docker-test-daemon.sh's, with another
# root) made a swarm manager. `start` prints the DOCKER_HOST of it (for GANTRY_SWARM_HOST), `stop` leaves
# the swarm (its services go with it) and ends the daemon. The swarm listens on its own loopback address
# (GANTRY_SWARM_ADDR) so that two runs on one machine (two roots) don't meet on the swarm's fixed gossip port.
set -euo pipefail
export GANTRY_DOCKER_ROOT="${GANTRY_SWARM_ROOT:-/tmp/gantry-swarm}"
addr="${GANTRY_SWARM_ADDR:-127.0.0.1}"
daemon="$(dirname "$0")/docker-test-daemon.sh"
host="unix://$GANTRY_DOCKER_ROOT/docker.sock"

case "${1:-}" in
  start)
    "$daemon" start >/dev/null
    if [ "$(docker -H "$host" info --format '{{.Swarm.LocalNodeState}}')" != "active" ]; then
      docker -H "$host" swarm init --advertise-addr "$addr" --listen-addr "$addr:2377" --data-path-addr "$addr" >/dev/null
    fi
    echo "$host"
    ;;
  stop)
    docker -H "$host" swarm leave --force >/dev/null 2>&1 || true
    "$daemon" stop
    # The swarm's network sandboxes outlive the daemon as mounts.
    awk -v root="$GANTRY_DOCKER_ROOT/" 'index($2, root) == 1 { print $2 }' /proc/mounts | xargs -r umount
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
