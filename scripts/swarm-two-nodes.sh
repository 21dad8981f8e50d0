#!/usr/bin/env bash
# A two-node Docker Swarm on one machine, for the multi-node tests: a manager dockerd on this host and a
# worker dockerd in a network namespace of its own (and a UTS namespace, so it has its own hostname),
# joined over a veth pair. `up` prints the manager's and the worker's DOCKER_HOST, one a line; `down`
# removes the daemons, the namespace and the veth pair. Nothing listens beyond the veth pair's /24.
set -euo pipefail
root="${GANTRY_SWARM2_ROOT:-/tmp/gantry-swarm2}"
net="${GANTRY_SWARM2_NET:-10.77.0}" # the pair's /24: .1 is the manager's side, .2 the worker's
ns="${GANTRY_SWARM2_NETNS:-gantry-swarm2}"
host_if="${ns:0:10}-h" # interface names are at most 15 characters
node_if="${ns:0:10}-n"
manager="$root/manager.sock"
worker="$root/worker.sock"

wait_for() {
  for _ in $(seq 1 100); do docker -H "unix://$1" info >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "dockerd at $1 did not come up within 20 s; its log:" >&2
  tail -n 30 "$2" >&2
  return 1
}

daemon_args() { # <name>
  echo --data-root "$root/$1/data" --exec-root "$root/$1/exec" --pidfile "$root/$1/dockerd.pid" -H "unix://$root/$1.sock" \
    --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs
}

stop_daemon() { # <name>
  local pidfile="$root/$1/dockerd.pid"
  [ -f "$pidfile" ] || return 0
  docker -H "unix://$root/$1.sock" swarm leave --force >/dev/null 2>&1 || true
  local pid
  pid="$(cat "$pidfile")"
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
}

case "${1:-}" in
  up)
    mkdir -p "$root/manager" "$root/worker"
    if ! ip netns list | grep -qx "$ns\( .*\)\?"; then
      ip netns add "$ns"
      ip link add "$host_if" type veth peer name "$node_if"
      ip link set "$node_if" netns "$ns"
      ip addr add "$net.1/24" dev "$host_if"
      ip link set "$host_if" up
      ip netns exec "$ns" ip addr add "$net.2/24" dev "$node_if"
      ip netns exec "$ns" ip link set "$node_if" up
      ip netns exec "$ns" ip link set lo up
    fi
    if ! docker -H "unix://$manager" info >/dev/null 2>&1; then
      # shellcheck disable=SC2046
      nohup dockerd $(daemon_args manager) >"$root/manager/dockerd.log" 2>&1 &
      wait_for "$manager" "$root/manager/dockerd.log"
    fi
    if ! docker -H "unix://$worker" info >/dev/null 2>&1; then
      # nsenter, not `ip netns exec`: that one remounts /sys, which hides the cgroup mounts dockerd needs.
      # shellcheck disable=SC2046
      nohup unshare --uts sh -c "hostname $ns-worker && exec nsenter --net=/var/run/netns/$ns dockerd $(daemon_args worker)" >"$root/worker/dockerd.log" 2>&1 &
      wait_for "$worker" "$root/worker/dockerd.log"
    fi
    if [ "$(docker -H "unix://$manager" info --format '{{.Swarm.LocalNodeState}}')" != "active" ]; then
      docker -H "unix://$manager" swarm init --advertise-addr "$net.1" --listen-addr "$net.1:2377" --data-path-addr "$net.1" >/dev/null
    fi
    if [ "$(docker -H "unix://$worker" info --format '{{.Swarm.LocalNodeState}}')" != "active" ]; then
      token="$(docker -H "unix://$manager" swarm join-token -q worker)"
      docker -H "unix://$worker" swarm join --token "$token" --advertise-addr "$net.2" --listen-addr "$net.2:2377" "$net.1:2377" >/dev/null
    fi
    echo "unix://$manager"
    echo "unix://$worker"
    ;;
  down)
    stop_daemon worker
    stop_daemon manager
    ip link del "$host_if" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    # The swarm's network sandboxes outlive their daemon as mounts.
    awk -v root="$root/" 'index($2, root) == 1 { print $2 }' /proc/mounts | xargs -r umount
    rm -rf "$root"
    ;;
  *)
    echo "usage: $0 up|down" >&2
    exit 2
    ;;
esac
